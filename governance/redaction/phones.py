"""Phone numbers.

International: ``+`` or ``00``, country code, 8-15 digits in all, single spaces,
dots, dashes or slashes between groups, a bracketed group allowed (``+44 (0)20
7946 0958``). North American: ``(555) 123-4567``, ``555-123-4567``,
``555.123.4567``, ``555 123 4567``, optional leading ``1``, area code starting 2-9
(the exchange is not checked: ``555-123-4567``-style numbers are typed a lot).
National with trunk prefix: ``0`` and a non-zero digit, 9-12 digits grouped
(``030 1234 5678``, ``06 12 34 56 78``, ``06.12.34.56.78``, ``089/1234567``) or
10-11 contiguous (``02079460958``). After a label (tel, phone, mobile, cell, fax,
call, whatsapp) any number of 7-15 digits. None of these may touch a letter, a
decimal, a date or time separator or another digit group, nor follow an
IBAN-shaped prefix. Dates, times, versions, prices, IPs and short numbers do not
have these shapes; a bare ten-digit number without a label is not a phone number.
"""

import re

from governance.redaction.base import Detector, Text, keyword_pattern
from governance.redaction.ibans import IBAN_BEFORE

_PHONE = Detector.PHONE

# Not glued to a word, a decimal, a date, a time or another digit group.
_PHONE_BEFORE = r"(?<![\w+.,/:-])(?<!\d )"
_PHONE_INTL = re.compile(
    r"(?<![\w+])(?<!\d )(?:\+|(?<![.,/:-])00)[1-9](?:[ .\-/]?(?:\(\d{1,4}\)|\d))+"
    r"(?![\w]|[.,]\d)"
)
_PHONE_NANP = re.compile(
    _PHONE_BEFORE + r"(?:1[ .-]?)?(?:\(([2-9]\d\d)\)[ .-]?|([2-9]\d\d)([ .-]))\d{3}([ .-])\d{4}"
    r"(?![\w]|[.,:/-]?\d)"
)
_PHONE_TRUNK = re.compile(
    _PHONE_BEFORE + r"0[1-9](?:\d{0,4}(?:[ ./-]\d{2,8}){1,4}|\d{8,9})(?![\w]|[.,:/-]?\d)"
)
_PHONE_LABELLED = keyword_pattern(
    r"\b(?:tel|phone|telephone|mobile|mob|cell|fax|call|whatsapp)\b\.?[^\w\n(+]{0,6}"
    r"(?:(?:number|no|nr|num)\b\.?[^\w\n(+]{0,3})?"
    r"(\+?\(?\d(?:[ .\-/]?\(?\d\)?)+)(?![\w]|[.,:/-]?\d)"
)
PHONE_LABEL_WORDS = ("tel", "phone", "mob", "cell", "fax", "call", "whatsapp")
_LAST_GROUP = re.compile(r"[ .\-/]\(?\d+\)?\Z")


def count_digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _trimmed(s: str, most: int, trunk_in_brackets: bool) -> tuple[int, int]:
    """Cut trailing groups off ``s`` until it has at most ``most`` digits: (length, digits).

    A bracketed trunk prefix ``(0)`` of an international number is not counted.
    """
    digits = count_digits(s) - (s.count("(0)") if trunk_in_brackets else 0)
    while digits > most:
        m = _LAST_GROUP.search(s)
        if m is None:
            return 0, 0
        digits -= count_digits(m.group())
        s = s[: m.start()]
    return len(s), digits


def find_phones(t: Text, out: list) -> None:
    text = t.text
    for m in _PHONE_INTL.finditer(text):
        size, digits = _trimmed(m.group(), 15, trunk_in_brackets=True)
        if digits >= 8 and not IBAN_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            out.append((m.start(), m.start() + size, _PHONE))
    for m in _PHONE_NANP.finditer(text):
        if m.group(3) and m.group(3) != m.group(4):
            continue  # 555-123.4567
        out.append((m.start(), m.end(), _PHONE))
    for m in _PHONE_TRUNK.finditer(text):
        size, digits = _trimmed(m.group(), 12, trunk_in_brackets=False)
        if digits >= 9 and not IBAN_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            out.append((m.start(), m.start() + size, _PHONE))
    if t.mentions(PHONE_LABEL_WORDS):
        for m in t.finditer(_PHONE_LABELLED):
            if 7 <= count_digits(m.group(1)) <= 15:
                out.append((m.start(1), m.end(1), _PHONE))
