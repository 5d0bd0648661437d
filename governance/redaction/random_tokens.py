"""Random-looking tokens: generated secrets without a known prefix or a secret-named key.

A random token (``looks_random``) is 24+ characters of ``[A-Za-z0-9+/_=-]`` that is
not hex (UUIDs, hashes, colours), nor a subresource-integrity hash (``sha512-...``)
or data URL payload, has at least two of upper/lower/digit, a Shannon entropy of at
least 3.5 bits per character, at least 25 % changes between upper/lower/digit from
one character to the next, and a "wordiness" below 0.45: common English letter
pairs inside its camelCase/snake_case words, per letter (identifiers score
0.55-0.8; random base62 stays below 0.45 999 times in 1000).
``calculate_monthly_revenue_total`` (one class), ``getHTTPResponseCodeV2Handler``
(wordy), URL and file paths (wordy), UUIDs and SHAs (hex) do not match; a random
24-character base62/base64 key matches with probability above 0.998, a
lowercase+digit (base36) key only with about 0.9-0.95, and other base64 data (an
encoded image outside a data URL) looks random too.

A random token is reported as a secret, but is the weakest evidence when matches
overlap (see ``governance.redaction.search``).
"""

import math
import re
from collections import Counter

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


def class_of(ch: str) -> int:
    """The character class: 0 digit, 1 upper case, 2 lower case, 3 anything else."""
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
    kinds = [class_of(ch) for ch in core if ch.isalnum()]
    if len(kinds) < min_length * 0.75 or len(set(kinds)) < 2:
        return False
    changes = sum(a != b for a, b in zip(kinds, kinds[1:], strict=False)) / (len(kinds) - 1)
    if changes < TOKEN_MIN_CLASS_CHANGES or wordiness(core) >= TOKEN_MAX_WORDINESS:
        return False
    return shannon_entropy(core) >= min(TOKEN_MIN_ENTROPY, math.log2(len(core)) - 0.6)


_ENCODED_DATA = re.compile(r"sha(?:1|256|384|512)-")


def find_random_tokens(text: str):
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
