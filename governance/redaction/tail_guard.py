"""The tail guard: the end of a batch that may still grow into a match is held.

Until the next batch comes, the end of every batch is held under suspicion: a
fragment at the very end that may still grow into a match is covered as if it
were one, so that it is never stored in clear, not even for the seconds until
retroactive redaction (nor for good if the next batch never comes or comes after
the context expired). The fragments: an IBAN start (country code + check digits,
e.g. ``DE89 3704``), a NINO start (``AB 12 3``), anything with an ``@``
(``john.smith@exa``), a known token prefix (``AKIA``, ``ghp_``, ``xoxb-``,
``eyJ``, ``-----BEGIN``/``-----END``), the value after a secret-named key
(``API_KEY=sk_l``, unless it is a plain word, a path or code), a random-looking
token of 8 or more characters, a lone ``+``, and a number with 2 or more digits
that can still become a card number, SSN or phone number: its digits and
separators are a prefix of a shape those detectors accept (a card needs a card
network's first digits and a card grouping; an SSN 3-2-4 digits not starting
with 9; a phone number a leading 0, ``+``, or North American grouping), or it
follows a phone or SSN label. The number is held from the first digit group
where such a shape can start (``ref 12 4111 1111`` holds ``4111 1111``).
Nothing is held after a final Enter or Tab. Holding numbers costs clean
characters (a batch that ends in "at 10" loses the "10": it may be the start of
an SSN); dates, decimals, prices and versions (``2023-05-28``, ``49.99``,
``8943``) are not held, and if a typo makes a number take such a shape at a
batch's end (``4111 1111 11111`` before its Backspace), the number is stored and
redacted retroactively. The part of an email address typed before its ``@``
cannot be told from any other word and is not held: it is redacted
retroactively.
"""

import re

from governance.redaction.base import Detector
from governance.redaction.credentials import EXPRESSION, KEYWORD, NOT_SECRET_VALUE
from governance.redaction.ibans import IBAN_LENGTHS
from governance.redaction.national_ids import SSN_LABEL_WORDS
from governance.redaction.phones import PHONE_LABEL_WORDS, count_digits
from governance.redaction.random_tokens import looks_random

_CARD, _IBAN, _NID, _EMAIL, _PHONE, _SECRET = (
    Detector.CARD_NUMBER,
    Detector.IBAN,
    Detector.NATIONAL_ID,
    Detector.EMAIL,
    Detector.PHONE,
    Detector.SECRET,
)

# Each rule matches a fragment at the very end of the text that may still grow
# into personal data; the first rule that matches and passes its check wins.
_TAIL_RULES = (
    (_IBAN, re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{1,2}(?: ?[A-Za-z0-9]){0,32} ?\Z")),
    (
        _NID,
        re.compile(
            r"(?i)(?<![A-Za-z0-9])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d ?\d ?\d(?: ?\d){0,3}"
            r"(?: ?[A-D])? ?\Z"
        ),
    ),
    (_EMAIL, re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]*\Z")),
    (
        _SECRET,
        re.compile(
            r"(?<![A-Za-z0-9_-])(?:(?:AKIA|ASIA)[A-Z0-9]{0,16}|gh[pousr]_[A-Za-z0-9]*"
            r"|github_pat_[A-Za-z0-9_]*|xox[abprs]-[A-Za-z0-9-]*|eyJ[A-Za-z0-9_.-]*"
            r"|-----[BE][A-Z0-9 -]*)\Z"
        ),
    ),
    (
        "value",
        re.compile(rf"(?i:{KEYWORD})[A-Za-z0-9_.-]*[\"']?[ \t]*[=:][ \t]*[\"']?([^\s\"'`]+)\Z"),
    ),
    ("number", re.compile(r"(?<![\w.,:/-])(?:\+|\(|\+?\d(?:[\d .()/-]*[\d ()-])?)\Z")),
    (_SECRET, re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{8,}\Z")),
)
_TAIL_WINDOW = 64
_TAIL_NID = re.compile(r"\d{3}-\d{0,2}(?:-\d{0,4})?")
#: Digits a trailing number needs before it is held back ("+" needs one).
TAIL_MIN_DIGITS = 2
# What a trailing number may still grow into: prefixes of the shapes the number
# detectors accept. A number none of them can continue (a date, a decimal, a year
# followed by more digits) is not held.
_CARD_PREFIX = re.compile(
    r"\d{1,19}|\d{4}([ -])(?:\d{0,4}|\d{4}\1(?:\d{0,4}|\d{4}\1(?:\d{0,4}|\d{4}\1\d{0,3}))"
    r"|\d{5,6}|\d{6}\1\d{0,5})"
)
# The first two digits of every card network's issuer prefixes.
_CARD_STARTS = frozenset(f"{n:02d}" for n in (*range(22, 28), 30, *range(34, 59), *range(60, 70)))
_SSN_PREFIX = re.compile(r"\d{1,3}|\d{3}([- ])(?:\d{0,2}|\d\d\1\d{0,4})")
_NANP_PREFIX = re.compile(
    r"(?:1[ .-]?)?(?:[2-9]\d{0,2}|[2-9]\d\d([ .-])(?:\d{0,3}|\d{3}\1\d{0,4})"
    r"|\((?:[2-9]\d{0,2}(?:\)[ .-]?(?:\d{0,3}|\d{3}[ .-]\d{0,4}))?)?)?"
)
_TRUNK_PREFIX = re.compile(
    r"0(?:[1-9](?:\d{0,9}|\d{0,4}(?:[ ./-]\d{2,8}){0,3}[ ./-]\d{0,8}))?|00[1-9][\d .()/-]*"
)
_SSN_LABELS = (*SSN_LABEL_WORDS, "social", "sec")


def _number_hold(
    text: str, start: int, enabled: frozenset[Detector]
) -> tuple[int, Detector] | None:
    """Where to hold the trailing number ``text[start:]`` from and as what, or ``None``
    when no enabled detector can still match a number that starts there."""
    frag = text[start:]
    if frag[0] == "+":
        return (start, _PHONE) if _PHONE in enabled else None
    if (  # "(555) 12": a bracketed area code
        start
        and text[start - 1] == "("
        and _PHONE in enabled
        and count_digits(frag) >= TAIL_MIN_DIGITS
        and _NANP_PREFIX.fullmatch(text, start - 1)
    ):
        return start - 1, _PHONE
    labelled: tuple[Detector, ...] | None = None
    for i in range(len(frag)):
        ch = frag[i]
        if i and frag[i - 1] not in " -":
            continue
        if not (ch.isdigit() or (i == 0 and ch == "(")):
            continue
        f = frag[i:]
        digits = count_digits(f)
        if digits < TAIL_MIN_DIGITS:
            break
        ssn = (
            (i == 0 or frag[i - 1] == " ")
            and ch != "9"
            and f[:3] not in ("000", "666")
            and _SSN_PREFIX.fullmatch(f) is not None
        )
        found: list[Detector] = []
        if i == 0 and ch == "0" and _TRUNK_PREFIX.fullmatch(f):
            found.append(_PHONE)
        if ssn and _TAIL_NID.fullmatch(f.rstrip()):
            found.append(_NID)
        if ch in "23456" and f[:2] in _CARD_STARTS and _CARD_PREFIX.fullmatch(f):
            found.append(_CARD)
        if i == 0 and _NANP_PREFIX.fullmatch(f):
            found.append(_PHONE)
        if ssn:
            found.append(_NID)
        if i == 0 and digits <= 15:
            if labelled is None:
                before = text[max(0, start - 40) : start].lower()
                before = before[before.rfind("\n") + 1 :]
                labelled = ()
                if any(word in before for word in _SSN_LABELS):
                    labelled = (_NID, _PHONE)
                elif any(word in before for word in PHONE_LABEL_WORDS):
                    labelled = (_PHONE,)
            found += labelled
        for det in found:
            if det in enabled:
                return start + i, det
    return None


def hold_tail(text: str, enabled: frozenset[Detector], out: list) -> None:
    """Add to ``out`` the fragment at the end of ``text`` that may still grow into a
    match of an enabled detector, if there is one."""
    if text[-1] in "\n\t":
        return  # the last thing typed ended a line or a cell
    window = max(0, len(text) - _TAIL_WINDOW)
    for rule, pattern in _TAIL_RULES:
        m = pattern.search(text, window)
        if m is None:
            continue
        frag = m.group()
        start = m.start()
        det: Detector | None
        if rule == "number":
            hold = _number_hold(text, start, enabled)
            det = None
            if hold is not None:
                start, det = hold
        elif rule == "value":
            start = m.start(1)
            value = m.group(1)
            det = _SECRET
            if NOT_SECRET_VALUE.fullmatch(value) or EXPRESSION.fullmatch(value):
                det = None  # a word, a path, code: not the start of a secret
        elif rule is _IBAN:
            det = _IBAN if frag[:2].upper() in IBAN_LENGTHS else None
        elif rule is _SECRET and pattern is _TAIL_RULES[-1][1]:
            det = _SECRET if looks_random(frag, min_length=8) else None
        else:
            det = rule
        if det is not None:
            if det in enabled:
                out.append((start, len(text), det))
            return
