"""Card numbers.

13-19 digits, either contiguous or grouped by one kind of single separator (space
or dash) as cards are printed: 4-4-4-4, 4-4-4-1..3, 4-4-4-4-1..3, 4-6-5 (Amex),
4-6-4 (Diners). It must pass the Luhn check and start with an issuer prefix of a
card network (Visa 4; Mastercard 51-55, 2221-2720; Amex 34/37; Diners
300-305/36/38/39; Discover 6011/644-649/65; JCB 3528-3589; UnionPay 62; Maestro
50/56-58/6x; Mir 2200-2204) with a length that network issues. A longer run of
digit groups is searched for such a window ("card 4111 1111 1111 1111 123"),
unless it follows an IBAN-shaped prefix.
"""

import re

from governance.redaction.base import Detector, Text
from governance.redaction.ibans import IBAN_BEFORE

_CARD = Detector.CARD_NUMBER

_CARD_RUN = re.compile(r"(?<![\w.,])(?=(?:\d[ -]?){13})\d+(?:[ -]\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")


def _luhn(digits: str) -> bool:
    total = 0
    double = False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if double:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        double = not double
    return total % 10 == 0


def _card_issuer_ok(d: str) -> bool:
    n = len(d)
    first = d[0]
    if first == "4":
        return n in (13, 16, 19)
    p2 = int(d[:2])
    p3 = int(d[:3])
    p4 = int(d[:4])
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16
    if 2200 <= p4 <= 2204:
        return 16 <= n <= 19
    if p2 in (34, 37):
        return n == 15
    if 300 <= p3 <= 305 or p2 in (36, 38, 39):
        return 14 <= n <= 19
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 3528 <= p4 <= 3589 or p2 == 62:
        return 16 <= n <= 19
    if p2 in (50, 56, 57, 58) or first == "6":
        return 13 <= n <= 19
    return False


def _card_grouping_ok(lens: tuple[int, ...]) -> bool:
    n = len(lens)
    if n == 1:
        return 13 <= lens[0] <= 19
    if lens in ((4, 6, 5), (4, 6, 4)):
        return True
    if n in (4, 5) and all(x == 4 for x in lens[:-1]):
        return 1 <= lens[-1] <= (4 if n == 4 else 3)
    return False


def find_cards(t: Text, out: list) -> None:
    text = t.text
    n = len(text)
    for m in _CARD_RUN.finditer(text):
        base = m.start()
        run = m.group()
        groups = [(g.start(), g.end()) for g in _DIGIT_GROUP.finditer(run)]
        after = m.end()
        # The run must not continue as a decimal or as a word.
        tail_ok = after >= n or not (
            text[after].isalnum()
            or text[after] == "_"
            or (text[after] in ".," and after + 1 < n and text[after + 1].isdigit())
        )
        i = 0
        ng = len(groups)
        while i < ng:
            found = None
            total = 0
            for j in range(i, ng):
                total += groups[j][1] - groups[j][0]
                if total > 19:
                    break
                if total < 13 or (j == ng - 1 and not tail_ok):
                    continue
                if j > i and len({run[groups[k][1]] for k in range(i, j)}) != 1:
                    continue  # mixed separators
                lens = tuple(groups[k][1] - groups[k][0] for k in range(i, j + 1))
                if not _card_grouping_ok(lens):
                    continue
                digits = "".join(run[groups[k][0] : groups[k][1]] for k in range(i, j + 1))
                if _luhn(digits) and _card_issuer_ok(digits):
                    found = j  # keep looking for a longer window
            if found is None:
                i += 1
                continue
            if IBAN_BEFORE.search(text, max(0, base - 40), base):
                break  # groups of an IBAN with wrong check digits
            out.append((base + groups[i][0], base + groups[found][1], _CARD))
            i = found + 1
