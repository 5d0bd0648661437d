"""Find personal data and secrets in typed text and map them back to key events.

Pure Python (no Django at import), so the ingestion gateway can call it on every
batch and the tests and the benchmark can run it alone. The whole API::

    class Detector(StrEnum)       # CARD_NUMBER, NATIONAL_ID, EMAIL, PHONE, IBAN, SECRET
    ALL: frozenset[Detector]      # every detector (the default)

    @dataclass(frozen=True)
    class Span: start, end, detector   # text[start:end] is personal data

    find_pii(text, enabled=ALL) -> list[Span]        # sorted, non-overlapping
    redact_keystrokes(keys, enabled=ALL, context="") -> list[Detector | None]
    redact_keystrokes_across(keys, enabled=ALL, context="")
        -> tuple[list[Detector | None], list[tuple[int, Detector]]]
    carry_over(keys, context="", limit=128) -> str
    carry_over_owners(keys, context="", limit=128) -> tuple[str, list[int | None]]
    marker(detector) -> str                           # "[CARD_NUMBER]"
    LEAD_EVENTS = 16

Keystrokes
----------
``keys`` is ``[(code, char), ...]``: the key_down events of one device + session
in typing order. The text is reassembled from the ``char`` values: ``None`` or
``""`` (Shift, Control, ...) adds nothing; code ``Backspace`` deletes the last
character; ``Enter``/``NumpadEnter`` add "\\n" and ``Tab`` adds "\\t" whatever
their ``char`` ("\\r" also becomes "\\n"); navigation keys (arrows, Home/End,
PageUp/PageDown, Escape) add a "\\n", because the caret or the spreadsheet cell
moved; ``Delete`` adds nothing; a ``char`` of several characters (IME, dead keys)
adds them all. The detectors run once over the whole reassembled text; the result
has one entry per event: the detector whose match covers the event, or ``None``.

An event is covered when its character ended up inside a match, when it lies
between two characters of a match in time (a typo typed and deleted inside it, a
Shift press), or when it is one of up to ``LEAD_EVENTS`` (16) events right before
the match's first character that left nothing in the text (Shift, a typo deleted
at once). A match
typed and then deleted again is still found: the text as it stood before every
run of Backspaces is checked, from a word boundary at least 48 characters back;
a match found there covers its events (a random-looking token only if 12 or more
of its characters were deleted: a typo inside a UUID must not turn it into one).

The gateway must replace the ``char`` of a covered event by ``marker(label)`` and
drop its ``code`` too (``Digit4``/``KeyJ`` give the key away); the key_up of a
covered key_down gets the same treatment. A covered event without a char (Shift,
Backspace) only needs its code dropped.

Batches
-------
``context`` is the tail of the session's text from earlier batches: what
``carry_over`` returned for the previous batch, ``""`` for the first. A match
that starts in the context covers the new events that continue it; the result
covers only ``keys``. ``carry_over(keys, context, limit)`` returns at most
``limit`` characters of the text; inside an unterminated PEM private key (also
one whose ``-----END`` line is half typed) it keeps the ``-----BEGIN ... PRIVATE
KEY-----`` line in front of them, so the rest of a long key is still recognised
batches later.

Retroactive redaction. An earlier batch is stored before the next one arrives,
so the part of a match typed in it may already be stored in clear when the next
batch reveals the match ("john.smith" ends one batch, "@example.com" starts the
next). ``redact_keystrokes_across`` returns, with the labels, the context
characters inside a match that continues into ``keys`` (or that ends right where
``keys`` deleted context characters with Backspace, "...1111x" then Backspace):
``(offset, detector)`` pairs in text order, offset 1 being the last character of
the context. ``carry_over_owners`` returns, with the tail, where each of its
characters came from: the index of the event in ``keys`` that typed it, ``-k``
for the k-th character from the end of ``context``, ``None`` for the line break
put after a kept private key header. A caller that keeps, per tail character,
what it needs to find the stored event (the gateway keeps its ``ts``) can so
redact the stored events of those characters, the events between them and the
end of the earlier batches, and up to ``LEAD_EVENTS`` events right before the
first one that left nothing in the text: what ``redact_keystrokes`` would have
covered had the whole match come in one batch. Only what is still in the
context (``limit`` characters) can be reached that way.

The tail guard. Until the next batch comes, the end of every batch is held
under suspicion: a fragment at the very end that may still grow into a match is
covered as if it were one, so that it is never stored in clear, not even for the
seconds until retroactive redaction (nor for good if the next batch never comes
or comes after the context expired). The fragments: an IBAN start (country code
+ check digits, e.g. ``DE89 3704``), a NINO start (``AB 12 3``), anything with
an ``@`` (``john.smith@exa``), a known token prefix (``AKIA``, ``ghp_``,
``xoxb-``, ``eyJ``, ``-----BEGIN``/``-----END``), the value after a secret-named
key (``API_KEY=sk_l``, unless it is a plain word, a path or code), a random-
looking token of 8 or more characters, a lone ``+``, and a number with 2 or more
digits that can still become a card number, SSN or phone number: its digits and
separators are a prefix of a shape those detectors accept (a card needs a card
network's first digits and a card grouping; an SSN 3-2-4 digits not starting
with 9; a phone number a leading 0, ``+``, or North American grouping), or it
follows a phone or SSN label. The number is held from the first digit group
where such a shape can start (``ref 12 4111 1111`` holds ``4111 1111``).
Nothing is held after a final Enter or Tab. Holding numbers costs clean
characters (a batch that ends in "at 10" loses the "10": it may be the start of
an SSN); dates, decimals, prices and versions (``2023-05-28``, ``49.99``,
``8943``) are not held, and if a typo makes a number take such a shape at a
batch's end (``4111 1111 11111`` before its Backspace), the number is stored
and redacted retroactively. The part of an email address typed before its ``@``
cannot be told from any other word and is not held: it is redacted
retroactively.

Detectors (and the decisions behind them)
-----------------------------------------
card_number
    13-19 digits, either contiguous or grouped by one kind of single separator
    (space or dash) as cards are printed: 4-4-4-4, 4-4-4-1..3, 4-4-4-4-1..3,
    4-6-5 (Amex), 4-6-4 (Diners). It must pass the Luhn check and start with an
    issuer prefix of a card network (Visa 4; Mastercard 51-55, 2221-2720; Amex
    34/37; Diners 300-305/36/38/39; Discover 6011/644-649/65; JCB 3528-3589;
    UnionPay 62; Maestro 50/56-58/6x; Mir 2200-2204) with a length that network
    issues. A longer run of digit groups is searched for such a window ("card
    4111 1111 1111 1111 123"), unless it follows an IBAN-shaped prefix.
national_id
    US SSN as AAA-GG-SSSS or AAA GG SSSS, rejecting area 000, 666 and 900-999,
    group 00 and serial 0000. Nine digits without separators count only after a
    label on the same line (``SSN``, ``SS#``, ``social security (number/no.)``,
    ``soc. sec.``) within 24 characters: bare nine-digit numbers (order numbers,
    ZIP+4 without its dash, routing numbers) are far more common than bare SSNs,
    so an SSN column of bare digits in a spreadsheet is not found.
    UK NINO: two prefix letters (not D F I Q U V; second not O; not BG GB KN NK
    NT TN ZZ), six digits, suffix A-D, spaces optional, either case. A NINO
    without its suffix letter is not matched.
email
    ``local@domain.tld``: local part of ``[A-Za-z0-9._%+-]`` (so ``email=`` or a
    quote before it stays out), dot-separated domain labels, a 2-24 letter TLD
    that is not a file extension (``icon@2x.png`` is an image, not an address).
    ``user:password@host`` in a URL is a secret, not an address.
phone
    International: ``+`` or ``00``, country code, 8-15 digits in all, single
    spaces, dots, dashes or slashes between groups, a bracketed group allowed
    (``+44 (0)20 7946 0958``). North American: ``(555) 123-4567``,
    ``555-123-4567``, ``555.123.4567``, ``555 123 4567``, optional leading ``1``,
    area code starting 2-9 (the exchange is not checked: ``555-123-4567``-style
    numbers are typed a lot). National with trunk prefix: ``0`` and a non-zero
    digit, 9-12 digits grouped (``030 1234 5678``, ``06 12 34 56 78``,
    ``06.12.34.56.78``, ``089/1234567``) or 10-11 contiguous (``02079460958``).
    After a label (tel, phone, mobile, cell, fax, call, whatsapp) any number of
    7-15 digits. None of these may touch a letter, a decimal, a date or time
    separator or another digit group, nor follow an IBAN-shaped prefix. Dates,
    times, versions, prices, IPs and short numbers do not have these shapes; a
    bare ten-digit number without a label is not a phone number.
iban
    Country code from the IBAN registry, two check digits, the BBAN; single
    spaces anywhere, either case; the length must be the country's IBAN length
    and the ISO 7064 mod-97 check must give 1.
secret
    AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_ gho_ ghu_ ghs_ ghr_
    + 36 or more, github_pat_ + 22 or more), Slack tokens (xoxa- xoxb- xoxp-
    xoxr- xoxs-), Stripe, Google, GitLab, npm and SendGrid keys by prefix, JWTs
    (three base64url segments whose header decodes to a JSON object with "alg"),
    PEM private keys (the ``-----BEGIN ... PRIVATE KEY-----`` line, the base64
    lines after it as far as typed, the END line), Bearer tokens, passwords in
    URLs (``scheme://user:PASSWORD@``), values assigned to a secret-named key
    (``aws_secret_access_key = ...``, ``AWS secret key: ...``, ``DB_PASSWORD=...``,
    ``"password": "..."``; the value must mix at least two of lower/upper/digit/
    symbol and not be a word, words joined by ``_ - .``, a path, a URL, code such
    as ``os.environ[...]`` or a placeholder such as ``${VAR}``), and random tokens.
    A random token (``looks_random``) is 24+ characters of ``[A-Za-z0-9+/_=-]``
    that is not hex (UUIDs, hashes, colours), nor a subresource-integrity hash
    (``sha512-...``) or data URL payload, has at least two of upper/lower/digit,
    a Shannon entropy of at least 3.5 bits per character, at least 25 % changes
    between upper/lower/digit from one character to the next, and a "wordiness"
    below 0.45: common English letter pairs inside its camelCase/snake_case
    words, per letter (identifiers score 0.55-0.8; random base62 stays below
    0.45 999 times in 1000). ``calculate_monthly_revenue_total`` (one class),
    ``getHTTPResponseCodeV2Handler`` (wordy), URL and file paths (wordy), UUIDs
    and SHAs (hex) do not match; a random 24-character base62/base64 key matches
    with probability above 0.998, a lowercase+digit (base36) key only with about
    0.9-0.95, and other base64 data (an encoded image outside a data URL) looks
    random too.

When matches overlap they become one span, labelled in this order of strength:
a specific secret, IBAN, card number, national id, email, phone, random token.

Known limits: the reassembly assumes the caret stays at the end of the text
(mouse clicks and Ctrl shortcuts are invisible, arrows only separate); selected
text deleted at once is not seen as deleted; a NINO without its suffix, an SSN or
a phone number written as bare digits without a label, and hex-only or
lowercase+digit secrets without a prefix or a secret-named key are not found;
a bank account number with a leading zero may be taken for a phone number.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import compress

__all__ = [
    "ALL",
    "Detector",
    "Span",
    "LEAD_EVENTS",
    "carry_over",
    "carry_over_owners",
    "find_pii",
    "marker",
    "redact_keystrokes",
    "redact_keystrokes_across",
]


class Detector(StrEnum):
    CARD_NUMBER = "card_number"
    NATIONAL_ID = "national_id"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"
    SECRET = "secret"


ALL: frozenset[Detector] = frozenset(Detector)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    detector: Detector


def marker(detector: Detector | str) -> str:
    """The text that replaces a redacted character, e.g. ``[CARD_NUMBER]``."""
    return f"[{Detector(detector).name}]"


_CARD, _IBAN, _NID, _EMAIL, _PHONE, _SECRET = (
    Detector.CARD_NUMBER,
    Detector.IBAN,
    Detector.NATIONAL_ID,
    Detector.EMAIL,
    Detector.PHONE,
    Detector.SECRET,
)
# When two matches overlap they become one span labelled by the stronger one.
# A random-looking token is the weakest evidence: a contiguous IBAN looks random too.
_RANDOM_TOKEN = "random_token"
_PRIORITY = {_SECRET: 0, _IBAN: 1, _CARD: 2, _NID: 3, _EMAIL: 4, _PHONE: 5, _RANDOM_TOKEN: 6}


@dataclass(slots=True)
class _Text:
    """The text to scan, and its lower-case form for the keyword rules."""

    text: str
    low: str  # text.lower(), or text itself when lowering changed the length
    folded: bool  # low is usable with the lower-case patterns

    @classmethod
    def of(cls, text: str) -> _Text:
        low = text.lower()
        if len(low) == len(text):
            return cls(text, low, True)
        return cls(text, text, False)

    def finditer(self, pair: tuple[re.Pattern, re.Pattern]):
        """Matches of a keyword pattern: ``pair`` is (lower-case, case-insensitive)."""
        return pair[0].finditer(self.low) if self.folded else pair[1].finditer(self.text)

    def search(self, pair: tuple[re.Pattern, re.Pattern], pos: int):
        return pair[0].search(self.low, pos) if self.folded else pair[1].search(self.text, pos)

    def mentions(self, words: tuple[str, ...]) -> bool:
        """A cheap pre-check before a keyword pattern runs: ``words`` are lower-case."""
        low = self.low
        return not self.folded or any(word in low for word in words)


def _keyword_pattern(pattern: str) -> tuple[re.Pattern, re.Pattern]:
    return re.compile(pattern), re.compile(pattern, re.IGNORECASE)


# --------------------------------------------------------------------------- cards

_CARD_RUN = re.compile(r"(?<![\w.,])(?=(?:\d[ -]?){13})\d+(?:[ -]\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
# The end of an IBAN-shaped prefix: digits after it belong to the IBAN.
_IBAN_BEFORE = re.compile(r"(?i)(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]*(?: [A-Z0-9]{1,4})* \Z")


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


def _cards(t: _Text, out: list) -> None:
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
            if _IBAN_BEFORE.search(text, max(0, base - 40), base):
                break  # groups of an IBAN with wrong check digits
            out.append((base + groups[i][0], base + groups[found][1], _CARD))
            i = found + 1


# ---------------------------------------------------------------- national ids

_SSN = re.compile(r"(?<![\w-])(\d{3})([- ])(\d\d)\2(\d{4})(?![\w-]|[.,]\d)")
_SSN_LABELLED = _keyword_pattern(
    r"\b(?:ssn|ss\#|social[ -]security(?:[ -](?:number|no\b\.?|\#))?|soc\.?[ ]?sec\b\.?)"
    r"[^\n\d]{0,24}?(?<!\d)(\d{9})(?!\d)"
)
_SSN_LABEL_WORDS = ("ssn", "ss#", "soc")
_NINO = re.compile(
    r"(?i)(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d\d) ?(\d\d) ?(\d\d) ?([A-D])"
    r"(?![A-Za-z0-9])"
)
_NINO_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    a = int(area)
    return a != 0 and a != 666 and a < 900 and group != "00" and serial != "0000"


def _national_ids(t: _Text, out: list) -> None:
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
    if t.mentions(_SSN_LABEL_WORDS):
        for m in t.finditer(_SSN_LABELLED):
            d = m.group(1)
            if _ssn_ok(d[:3], d[3:5], d[5:]):
                out.append((m.start(1), m.end(1), _NID))
    for m in _NINO.finditer(text):
        if m.group(1).upper() not in _NINO_BAD_PREFIX:
            out.append((m.start(), m.end(), _NID))


# ---------------------------------------------------------------------- emails

_EMAIL_DOMAIN = re.compile(
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![A-Za-z0-9_-])"
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_FILE_EXTENSIONS_TEXT = (
    "png jpg jpeg gif svg webp ico bmp tif tiff css scss sass less html htm json yaml yml toml xml "
    "txt csv tsv log exe dll zip tar tgz bz2 pdf doc docx xls xlsx ppt pptx mp3 mp4 wav mov avi "
    "webm woff woff2 ttf otf eot lock java class jar kt cpp hpp swift php vue jsx tsx bak tmp ini "
    "cfg conf env sql sqlite db pyc whl gz js ts py rb go rs sh md"
)
_FILE_EXTENSIONS = frozenset(_FILE_EXTENSIONS_TEXT.split())


def _emails(t: _Text, out: list) -> None:
    text = t.text
    for m in _EMAIL_DOMAIN.finditer(text):
        if m.group(2).lower() in _FILE_EXTENSIONS:
            continue
        at = m.start()
        i = at
        stop = max(0, at - 64)
        while i > stop and text[i - 1] in _LOCAL_CHARS:
            i -= 1
        while i < at and text[i] == ".":
            i += 1
        if i == at or text[at - 1] == ".":
            continue
        if i > 0 and text[i - 1] == ":" and "://" in text[max(0, i - 80) : i]:
            continue  # user:password@host in a URL: the password is a secret
        out.append((i, m.end(), _EMAIL))


# ---------------------------------------------------------------------- phones

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
_PHONE_LABELLED = _keyword_pattern(
    r"\b(?:tel|phone|telephone|mobile|mob|cell|fax|call|whatsapp)\b\.?[^\w\n(+]{0,6}"
    r"(?:(?:number|no|nr|num)\b\.?[^\w\n(+]{0,3})?"
    r"(\+?\(?\d(?:[ .\-/]?\(?\d\)?)+)(?![\w]|[.,:/-]?\d)"
)
_PHONE_LABEL_WORDS = ("tel", "phone", "mob", "cell", "fax", "call", "whatsapp")
_LAST_GROUP = re.compile(r"[ .\-/]\(?\d+\)?\Z")


def _count_digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _trimmed(s: str, most: int, trunk_in_brackets: bool) -> tuple[int, int]:
    """Cut trailing groups off ``s`` until it has at most ``most`` digits: (length, digits).

    A bracketed trunk prefix ``(0)`` of an international number is not counted.
    """
    digits = _count_digits(s) - (s.count("(0)") if trunk_in_brackets else 0)
    while digits > most:
        m = _LAST_GROUP.search(s)
        if m is None:
            return 0, 0
        digits -= _count_digits(m.group())
        s = s[: m.start()]
    return len(s), digits


def _phones(t: _Text, out: list) -> None:
    text = t.text
    for m in _PHONE_INTL.finditer(text):
        size, digits = _trimmed(m.group(), 15, trunk_in_brackets=True)
        if digits >= 8 and not _IBAN_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            out.append((m.start(), m.start() + size, _PHONE))
    for m in _PHONE_NANP.finditer(text):
        if m.group(3) and m.group(3) != m.group(4):
            continue  # 555-123.4567
        out.append((m.start(), m.end(), _PHONE))
    for m in _PHONE_TRUNK.finditer(text):
        size, digits = _trimmed(m.group(), 12, trunk_in_brackets=False)
        if digits >= 9 and not _IBAN_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            out.append((m.start(), m.start() + size, _PHONE))
    if t.mentions(_PHONE_LABEL_WORDS):
        for m in t.finditer(_PHONE_LABELLED):
            if 7 <= _count_digits(m.group(1)) <= 15:
                out.append((m.start(1), m.end(1), _PHONE))


# ----------------------------------------------------------------------- IBANs

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d\d(?= ?[A-Za-z0-9])")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def iban_valid(iban: str) -> bool:
    """Length for the country and the mod-97 check of a compact IBAN."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _ibans(t: _Text, out: list) -> None:
    text = t.text
    n = len(text)
    for m in _IBAN_START.finditer(text):
        start = m.start()
        length = IBAN_LENGTHS.get(text[start : start + 2].upper())
        if length is None:
            continue
        need = length - 4
        i = m.end()
        chars = [text[start : start + 4]]
        while need and i < n:
            ch = text[i]
            if ch in _ALNUM:
                chars.append(ch)
                need -= 1
                i += 1
            elif ch == " " and i + 1 < n and text[i + 1] in _ALNUM:
                i += 1
            else:
                break
        if need or (i < n and text[i] in _ALNUM):
            continue
        if iban_valid("".join(chars)):
            out.append((start, i, _IBAN))


# --------------------------------------------------------------------- secrets

_B64 = r"A-Za-z0-9+/="
_PEM_HEAD = r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
_PEM_SEP = rf"[^{_B64}\-]{{1,12}}"


def _pem_body(last_line_until: str) -> str:
    """Base64 lines (16+ characters, or any length before ``last_line_until``)."""
    return (
        rf"(?:{_PEM_SEP}(?:[{_B64}]{{16,}}"
        rf"|[{_B64}]+(?=[^{_B64}\-]{{0,12}}(?:{last_line_until}))"
        r"|(?:Proc-Type|DEK-Info|Comment|Version):[^\n]*))*"
    )


_PEM_END = rf"(?:[^{_B64}\-]{{0,12}}-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?"
_PEM = re.compile(_PEM_HEAD + _pem_body("-----END") + _PEM_END)
# At the end of a batch a short last line may be a line still being typed.
_PEM_AT_END = re.compile(_PEM_HEAD + _pem_body(r"-----END|\Z") + _PEM_END)
# Still open at the end of the text: nothing, or only the start of its END line, after it.
_PEM_END_START = r"(?:-{1,5}(?:E(?:N(?:D[A-Z0-9 ]*)?)?)?)?\Z"
_PEM_OPEN = re.compile(
    _PEM_HEAD + _pem_body(rf"-----END|{_PEM_END_START}") + rf"[^{_B64}\-]{{0,12}}{_PEM_END_START}"
)
_PEM_HEAD_RE = re.compile(_PEM_HEAD)
_NON_B64 = re.compile(rf"[^{_B64}]")

_PREFIXED_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    r"(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
    r"|gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])"
    r"|github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])"
    r"|xox[abprs]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])"
    # a few more issuers with a fixed prefix: Stripe, Google, GitLab, npm, SendGrid
    r"|(?:[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[A-Za-z0-9_-]{35}|glpat-[A-Za-z0-9_-]{20,}"
    r"|npm_[A-Za-z0-9]{36}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-]))"
)
_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])(e[wy][A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"
    r"(?![A-Za-z0-9_.-])"
)
_URL_PASSWORD = re.compile(r"://[^\s:/@\"']{1,64}:([^\s:/@\"']{1,128})@")
_BEARER = _keyword_pattern(r"\bbearer\s+([a-z0-9._~+/=-]{16,})")
_KEYWORD = (
    r"(?:api[ _-]?key|apikey|secret(?:[ _-]?(?:access[ _-]?)?key)?|token|passw(?:or)?d|pwd"
    r"|credentials?|private[ _-]?key|access[ _-]?key|auth[ _-]?key)"
)
_KEYWORD_WORDS = ("key", "secret", "token", "passw", "pwd", "credential")
_BEARER_WORD = ("bearer",)
_SECRET_ASSIGNED = _keyword_pattern(
    # "key": "value" / key = 'value' / KEY="value"
    rf"{_KEYWORD}[a-z0-9_.-]*[\"']?[ \t]*(?::|=|:=|=>)[ \t]*[\"']([^\s\"'`]{{8,256}})[\"']"
    # KEY=value, key: value, key = value (dotenv, YAML, INI, prose)
    rf"|{_KEYWORD}[a-z0-9_.-]*[\"']?[ \t]*[=:][ \t]*([^\s\"'`]{{8,256}})"
)
# Values that are not secrets: placeholders, URLs, identifiers made of words.
_NOT_SECRET_VALUE = re.compile(
    r"[$<{%].*|.*://.*|[A-Za-z]+|[A-Za-z]+(?:[-_.][A-Za-z]+)+|[A-Za-z][a-z]+(?:[A-Z][a-z]+)+"
    # a file path
    r"|(?:~|\.{1,2})?/[\w./-]*|[A-Za-z]:\\[\w.\\ -]*"
    # another assignment: the key of the next value, not a value
    r"|[A-Za-z_][A-Za-z0-9_.-]*[=:].*"
)
# Unquoted values that are code: attribute paths, calls, subscripts.
_EXPRESSION = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+.*|[A-Za-z_][A-Za-z0-9_.]*[(\[].*"
)
_PLACEHOLDERS = frozenset(
    ("changeme", "password", "your_password", "yourpassword", "xxxxxxxx", "redacted", "none")
)

_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/_=-])")
_HEXISH = re.compile(r"[0-9a-fA-F-]+")
_SEGMENTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# The most frequent letter pairs of English words: identifiers are made of them,
# random tokens rarely are.
_BIGRAMS_TEXT = (
    "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le "
    "ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec "
    "pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na "
    "ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab "
    "gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa "
    "ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi "
    "rc rr eg au ck ew mu br bi pt ak pu ui rg ib"
)
_BIGRAMS = frozenset(_BIGRAMS_TEXT.split())

#: Random-token thresholds (see the module docstring).
TOKEN_MIN_LENGTH = 24
TOKEN_MIN_ENTROPY = 3.5
TOKEN_MIN_CLASS_CHANGES = 0.25
TOKEN_MAX_WORDINESS = 0.45


def _class_of(ch: str) -> int:
    if ch.isdigit():
        return 0
    if ch.isupper():
        return 1
    if ch.islower():
        return 2
    return 3


def shannon_entropy(s: str) -> float:
    """Bits per character of the character distribution of ``s``."""
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def wordiness(s: str) -> float:
    """Common English letter pairs inside camelCase/snake_case words, per letter."""
    letters = sum(ch.isalpha() for ch in s)
    if not letters:
        return 0.0
    pairs = 0
    for seg in _SEGMENTS.findall(s):
        seg = seg.lower()
        pairs += sum(seg[i : i + 2] in _BIGRAMS for i in range(len(seg) - 1))
    return pairs / letters


def looks_random(token: str, min_length: int = TOKEN_MIN_LENGTH) -> bool:
    """Whether ``token`` looks like a generated secret rather than a word or identifier."""
    core = token.rstrip("=")
    if len(core) < min_length or _HEXISH.fullmatch(core):
        return False
    kinds = [_class_of(ch) for ch in core if ch.isalnum()]
    if len(kinds) < min_length * 0.75 or len(set(kinds)) < 2:
        return False
    changes = sum(a != b for a, b in zip(kinds, kinds[1:], strict=False)) / (len(kinds) - 1)
    if changes < TOKEN_MIN_CLASS_CHANGES or wordiness(core) >= TOKEN_MAX_WORDINESS:
        return False
    return shannon_entropy(core) >= min(TOKEN_MIN_ENTROPY, math.log2(len(core)) - 0.6)


def _jwt_header_ok(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header


def _value_is_secret(value: str, quoted: bool) -> bool:
    if value.lower() in _PLACEHOLDERS or _NOT_SECRET_VALUE.fullmatch(value):
        return False
    if not quoted and _EXPRESSION.fullmatch(value):
        return False
    return len({_class_of(ch) for ch in value}) >= 2


def _secrets(t: _Text, out: list, random_tokens: bool = True, at_end: bool = False) -> None:
    text = t.text
    for m in _PREFIXED_TOKEN.finditer(text):
        out.append((m.start(), m.end(), _SECRET))
    for m in _JWT.finditer(text):
        if _jwt_header_ok(m.group(1)):
            out.append((m.start(), m.end(), _SECRET))
    if "-----BEGIN" in text:
        for m in (_PEM_AT_END if at_end else _PEM).finditer(text):
            out.append((m.start(), m.end(), _SECRET))
    if "://" in text:
        for m in _URL_PASSWORD.finditer(text):
            out.append((m.start(1), m.end(1), _SECRET))
    if t.mentions(_BEARER_WORD):
        for m in t.finditer(_BEARER):
            if not _NOT_SECRET_VALUE.fullmatch(text[m.start(1) : m.end(1)]):
                out.append((m.start(1), m.end(1), _SECRET))
    if t.mentions(_KEYWORD_WORDS):
        pos = 0
        while m := t.search(_SECRET_ASSIGNED, pos):
            quoted = m.group(1) is not None
            g = 1 if quoted else 2
            value = text[m.start(g) : m.end(g)]
            if not quoted:
                value = value.rstrip(".,;:)]}")
            if len(value) >= 8 and _value_is_secret(value, quoted):
                out.append((m.start(g), m.start(g) + len(value), _SECRET))
                pos = m.end()
            else:  # "token: password: hunter2!": the value may itself be the next key
                pos = m.start(g)
    if random_tokens:
        out.extend((s, e, _RANDOM_TOKEN) for s, e in _random_tokens(text))


_ENCODED_DATA = re.compile(r"sha(?:1|256|384|512)-")


def _random_tokens(text: str):
    """(start, end) of every random-looking token that is not encoded data."""
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        if e - s < TOKEN_MIN_LENGTH or not looks_random(m.group()):
            continue
        if _ENCODED_DATA.match(text, s) or text.endswith("base64,", 0, s):
            continue  # a subresource-integrity hash or a data: URL, not a secret
        while text[s] == "/":  # the "//" of a URL is not part of it
            s += 1
        yield s, e


# ------------------------------------------------------------------ tail guard

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
        re.compile(rf"(?i:{_KEYWORD})[A-Za-z0-9_.-]*[\"']?[ \t]*[=:][ \t]*[\"']?([^\s\"'`]+)\Z"),
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
_SSN_LABELS = (*_SSN_LABEL_WORDS, "social", "sec")
_NUMBER_LABELS = _PHONE_LABEL_WORDS + _SSN_LABELS


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
        and _count_digits(frag) >= TAIL_MIN_DIGITS
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
        digits = _count_digits(f)
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
                elif any(word in before for word in _PHONE_LABEL_WORDS):
                    labelled = (_PHONE,)
            found += labelled
        for det in found:
            if det in enabled:
                return start + i, det
    return None


def _tail(text: str, enabled: frozenset[Detector], out: list) -> None:
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
            if _NOT_SECRET_VALUE.fullmatch(value) or _EXPRESSION.fullmatch(value):
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


# ----------------------------------------------------------------------- search

_DETECTORS = (
    (_CARD, _cards),
    (_NID, _national_ids),
    (_EMAIL, _emails),
    (_PHONE, _phones),
    (_IBAN, _ibans),
)


def _merge(raw: list) -> list[Span]:
    raw.sort(key=lambda t: (t[0], -t[1]))
    spans: list[Span] = []
    cur_s = cur_e = -1
    cur_d = None
    for s, e, d in raw:
        if s < cur_e:
            if e > cur_e:
                cur_e = e
            if _PRIORITY[d] < _PRIORITY[cur_d]:
                cur_d = d
            continue
        if cur_d is not None:
            spans.append(Span(cur_s, cur_e, _SECRET if cur_d is _RANDOM_TOKEN else cur_d))
        cur_s, cur_e, cur_d = s, e, d
    if cur_d is not None:
        spans.append(Span(cur_s, cur_e, _SECRET if cur_d is _RANDOM_TOKEN else cur_d))
    return spans


def _detect(
    text: str, enabled: Iterable[Detector], at_end: bool, random_tokens: bool = True
) -> list[Span]:
    raw: list = []
    if not text:
        return []
    t = _Text.of(text)
    for det, fn in _DETECTORS:
        if det in enabled:
            fn(t, raw)
    if _SECRET in enabled:
        _secrets(t, raw, random_tokens, at_end)
    if at_end:
        _tail(text, frozenset(enabled), raw)
    return _merge(raw)


def find_pii(text: str, enabled: frozenset[Detector] = ALL) -> list[Span]:
    """Every match of the enabled detectors in ``text``: sorted, non-overlapping."""
    return _detect(text, enabled, at_end=False)


# ------------------------------------------------------------------ keystrokes

_SEPARATOR_KEYS = ("ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End")
_SEPARATOR_KEYS += ("PageUp", "PageDown", "Escape")
_SPECIAL: dict[str, str] = {
    "Backspace": "\b",
    "Enter": "\n",
    "NumpadEnter": "\n",
    "Tab": "\t",
    **dict.fromkeys(_SEPARATOR_KEYS, "\n"),
}
_BACKSPACE_RUNS = re.compile("\b+")
# Between deleted stretches: no detector matches across a line holding a dash.
_SEGMENT_BREAK = "\n-\n"
_SEGMENT_BREAK_OWNERS = (None,) * len(_SEGMENT_BREAK)
#: Characters before a run of Backspaces that are checked together with it.
DELETED_CONTEXT = 48
_DELETED_TOKEN_CHARS = 12
#: Events before a match's first character that are covered with it when they
#: did not survive (Shift, a deleted typo).
LEAD_EVENTS = 16


def _normalise(keys: Sequence[tuple[str | None, str | None]]) -> tuple[str, list[int] | None]:
    """The typed characters (Backspace as "\\b") and, per character, its event index.

    The index list is ``None`` when every event typed exactly one character.
    """
    special = _SPECIAL
    chars = [special.get(code, ch) for code, ch in keys]
    joined = "".join(filter(None, chars))
    if "\r" in joined:
        joined = joined.replace("\r", "\n")
    if len(joined) == len(chars) and all(chars):  # not "jo" + Shift: one each
        return joined, None
    owners = list(compress(range(len(chars)), chars))
    if len(owners) != len(joined):  # some event typed several characters (IME, paste)
        owners = [i for i, c in enumerate(chars) if c for _ in c]
    return joined, owners


@dataclass(slots=True)
class _Typed:
    text: str  # context + the text the batch left
    # Per text position from ``offset`` on: the event that typed it (>= 0) or, for a
    # character of the context, minus its offset from the end of the context (the
    # last context character is -1). None: identity (position - offset).
    owners: list[int] | None
    offset: int  # text position of owners[0]: len(context), or 0 once Backspace was seen
    # Where Backspace cut into the context: the context characters left, else -1.
    context_cut: int
    deleted: str  # deleted stretches with their context, separated by _SEGMENT_BREAK
    deleted_owners: list[int | None]  # as owners; None for the separators
    deleted_mask: list[int]  # 1 where the character of ``deleted`` was deleted


def _reassemble(keys, context: str, want_deleted: bool) -> _Typed:
    joined, owners = _normalise(keys)
    if "\b" not in joined:
        return _Typed(context + joined, owners, len(context), -1, "", [], [])
    if owners is None:
        owners = list(range(len(joined)))
    buf: list[str] = list(context)
    own: list[int] = list(range(-len(context), 0))
    deleted: list[str] = []
    deleted_owners: list[int | None] = []
    deleted_mask: list[int] = []
    kept = len(context)
    pos = 0
    for run in _BACKSPACE_RUNS.finditer(joined):
        s, e = run.span()
        buf.extend(joined[pos:s])
        own.extend(owners[pos:s])
        pos = e
        k = min(e - s, len(buf))
        if not k:
            continue
        cut = len(buf) - k
        kept = min(kept, cut)
        if want_deleted and own[-1] >= 0:
            lo = max(0, cut - DELETED_CONTEXT)
            # Start the context at a word boundary, not inside a number or token.
            floor = max(0, lo - DELETED_CONTEXT)
            while lo > floor and not (
                buf[lo - 1].isspace() and (lo < 2 or not buf[lo - 2].isdigit())
            ):
                lo -= 1
            deleted.append("".join(buf[lo:]))
            deleted.append(_SEGMENT_BREAK)
            deleted_owners.extend(own[lo:])
            deleted_owners.extend(_SEGMENT_BREAK_OWNERS)
            deleted_mask.extend([0] * (cut - lo))
            deleted_mask.extend([1] * k)
            deleted_mask.extend([0] * len(_SEGMENT_BREAK))
        del buf[cut:]
        del own[cut:]
    buf.extend(joined[pos:])
    own.extend(owners[pos:])
    cut_at = kept if kept < len(context) else -1
    return _Typed("".join(buf), own, 0, cut_at, "".join(deleted), deleted_owners, deleted_mask)


def _context_offsets(typed: _Typed, start: int, end: int) -> list[int]:
    """Offsets from the end of the context (1: its last character) of the context
    characters at text positions ``start:end``."""
    offset = typed.offset
    if offset:  # no Backspace: the context is text[:offset], intact
        return list(range(offset - start, offset - min(end, offset), -1))
    owners = typed.owners
    if owners is None:
        return []
    found = []
    for p in range(start, end):
        i = owners[p]
        if i >= 0:  # the context is a prefix of the text
            break
        found.append(-i)
    return found


def _cover(labels: list, spans: list[Span], typed: _Typed, hits: dict[int, Detector]) -> None:
    owners, offset = typed.owners, typed.offset
    for span in spans:
        if owners is None:
            a = span.start - offset
            b = span.end - 1 - offset
            if b < 0:
                continue
            if a < 0:
                a = 0
                for k in range(offset - span.start, 0, -1):
                    hits.setdefault(k, span.detector)
        else:
            e = span.end - 1 - offset
            if e < 0:
                continue
            b = owners[e]
            if b < 0:
                # The match lies in the context: judged with its batch, unless this
                # batch deleted what followed it ("4111 1111 1111 1111x", Backspace).
                if span.end == typed.context_cut:
                    for k in _context_offsets(typed, span.start, span.end):
                        hits.setdefault(k, span.detector)
                continue
            s = span.start - offset
            if s < 0 or owners[s] < 0:
                a = 0
                for k in _context_offsets(typed, span.start, span.end):
                    hits.setdefault(k, span.detector)
            else:
                a = owners[s]
                before = owners[s - 1] if s > 0 else -1
                a = max(before + 1, a - LEAD_EVENTS, 0)
        labels[a : b + 1] = [span.detector] * (b + 1 - a)


def redact_keystrokes(
    keys: Sequence[tuple[str | None, str | None]],
    enabled: frozenset[Detector] = ALL,
    context: str = "",
) -> list[Detector | None]:
    """Per key event, the detector whose match covers it, or ``None``.

    ``keys`` are ``(code, char)`` pairs in typing order for one device + session;
    ``context`` is what ``carry_over`` returned for the previous batch.
    """
    return redact_keystrokes_across(keys, enabled, context)[0]


def redact_keystrokes_across(
    keys: Sequence[tuple[str | None, str | None]],
    enabled: frozenset[Detector] = ALL,
    context: str = "",
) -> tuple[list[Detector | None], list[tuple[int, Detector]]]:
    """``redact_keystrokes``, plus the context characters inside a match that
    continues into ``keys``: ``(offset, detector)`` pairs in text order, where
    offset 1 is the last character of ``context``. Those characters were stored
    with an earlier batch, before the match could be seen.
    """
    labels: list[Detector | None] = [None] * len(keys)
    hits: dict[int, Detector] = {}
    if not keys or not enabled:
        return labels, []
    typed = _reassemble(keys, context, want_deleted=True)
    _cover(labels, _detect(typed.text, enabled, at_end=True), typed, hits)
    if typed.deleted:
        owners, mask = typed.deleted_owners, typed.deleted_mask
        found = [
            (x.start, x.end, x.detector) for x in _detect(typed.deleted, enabled, False, False)
        ]
        if _SECRET in enabled:
            # A typo inside a hash or UUID looks random too: a random token counts
            # here only when most of it was deleted.
            found += [
                (s, e, _SECRET)
                for s, e in _random_tokens(typed.deleted)
                if sum(mask[s:e]) >= _DELETED_TOKEN_CHARS
            ]
        for s, e, detector in found:
            events = [i for i in owners[s:e] if i is not None and i >= 0]
            if events:
                a, b = min(events), max(events)
                labels[a : b + 1] = [detector] * (b + 1 - a)
                for i in owners[s:e]:
                    if i is not None and i < 0:
                        hits.setdefault(-i, detector)
    return labels, sorted(hits.items(), reverse=True)


def _carry(keys, context: str, limit: int) -> tuple[str, _Typed, list[int], list[int]]:
    """The carried tail: its text, the reassembly, and the text positions it is made of,
    as two runs ``range(*first)`` and ``range(*second)`` with a line break between them
    when ``first`` is not empty (a private key's header kept in front of its body)."""
    typed = _reassemble(keys, context, want_deleted=False)
    text = typed.text
    n = len(text)
    size = min(limit, n) if limit > 0 else 0
    tail = text[n - size :]
    first, second = [0, 0], [n - size, n]
    begin = text.rfind("-----BEGIN")
    if begin >= 0 and begin < n - size:
        head = _PEM_HEAD_RE.match(text, begin)
        keep = limit - len(head.group()) - 1 if head else 0
        if keep > 0 and _PEM_OPEN.match(text, begin):
            # Still inside a private key: keep its header so the rest stays a match.
            body = text[-keep:]
            # Start the kept body at a line break, not inside a base64 line.
            cut = _NON_B64.search(body)
            skip = cut.start() if cut else 0
            tail = head.group() + "\n" + body[skip:]
            first = [begin, head.end()]
            second = [n - len(body) + skip, n]
    return tail, typed, first, second


def carry_over(
    keys: Sequence[tuple[str | None, str | None]], context: str = "", limit: int = 128
) -> str:
    """The tail of the session's text to pass as ``context`` with the next batch."""
    return _carry(keys, context, limit)[0]


def carry_over_owners(
    keys: Sequence[tuple[str | None, str | None]], context: str = "", limit: int = 128
) -> tuple[str, list[int | None]]:
    """``carry_over``, and per character of it where it came from: the index in ``keys``
    of the event that typed it, a negative ``-k`` for the k-th character from the end of
    ``context`` (so ``previous_sources[-k]`` if the caller keeps a list parallel to the
    context), or ``None`` for the line break put after a kept private key header."""
    tail, typed, first, second = _carry(keys, context, limit)
    owners, offset = typed.owners, typed.offset

    def source(positions: range) -> list[int]:
        start, stop = positions.start - offset, positions.stop - offset
        if owners is None:
            return list(range(start, stop))
        if start < 0:  # no Backspace: the context is text[:offset], intact
            return [*range(start, min(stop, 0)), *owners[0 : max(stop, 0)]]
        return owners[start:stop]

    sources: list[int | None] = []
    if first[1] > first[0]:
        sources += source(range(*first))
        sources.append(None)
    sources += source(range(*second))
    return tail, sources
