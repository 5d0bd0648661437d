"""National identity numbers: US Social Security numbers and UK National Insurance numbers.

US SSN as AAA-GG-SSSS or AAA GG SSSS, rejecting area 000, 666 and 900-999, group
00 and serial 0000. Nine digits without separators count only after a label on
the same line (``SSN``, ``SS#``, ``social security (number/no.)``, ``soc. sec.``)
within 24 characters: bare nine-digit numbers (order numbers, ZIP+4 without its
dash, routing numbers) are far more common than bare SSNs, so an SSN column of
bare digits in a spreadsheet is not found.

UK NINO: two prefix letters (not D F I Q U V; second not O; not BG GB KN NK NT TN
ZZ), six digits, suffix A-D, spaces optional, either case. A NINO without its
suffix letter is not matched.
"""

import re

from governance.redaction.base import Detector, Text, keyword_pattern

_NID = Detector.NATIONAL_ID

_SSN = re.compile(r"(?<![\w-])(\d{3})([- ])(\d\d)\2(\d{4})(?![\w-]|[.,]\d)")
_SSN_LABELLED = keyword_pattern(
    r"\b(?:ssn|ss\#|social[ -]security(?:[ -](?:number|no\b\.?|\#))?|soc\.?[ ]?sec\b\.?)"
    r"[^\n\d]{0,24}?(?<!\d)(\d{9})(?!\d)"
)
SSN_LABEL_WORDS = ("ssn", "ss#", "soc")
_NINO = re.compile(
    r"(?i)(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d\d) ?(\d\d) ?(\d\d) ?([A-D])"
    r"(?![A-Za-z0-9])"
)
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def find_national_ids(t: Text, out: list) -> None:
    text = t.text
    for m in _SSN.finditer(text):
        if m.group(2) == " ":
            # Spaced: not a piece of a longer run of digit groups.
            s, e = m.span()
            if (s >= 2 and text[s - 1] == " " and text[s - 2].isdigit()) or (
                e + 1 < len(text) and text[e] in " .,-" and text[e + 1].isdigit()
            ):
                continue
        if _ssn_ok(m.group(1), m.group(3), m.group(4)):
            out.append((m.start(), m.end(), _NID))
    if t.mentions(SSN_LABEL_WORDS):
        for m in t.finditer(_SSN_LABELLED):
            d = m.group(1)
            if _ssn_ok(d[:3], d[3:5], d[5:]):
                out.append((m.start(1), m.end(1), _NID))
    for m in _NINO.finditer(text):
        if m.group(1).upper() not in _NINO_BAD_PREFIX:
            out.append((m.start(), m.end(), _NID))
