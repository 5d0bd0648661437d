"""What every detector shares: the detector names, a match, and the text being scanned."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Detector(StrEnum):
    CARD_NUMBER = "card_number"
    NATIONAL_ID = "national_id"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"
    SECRET = "secret"


ALL: frozenset[Detector] = frozenset(Detector)

# The label of a random-looking token until overlapping matches are merged: it is
# reported as a secret, but it is the weakest evidence (a contiguous IBAN looks random too).
RANDOM_TOKEN = "random_token"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    detector: Detector


@dataclass(slots=True)
class Text:
    """The text to scan, and its lower-case form for the keyword rules."""

    text: str
    low: str  # text.lower(), or text itself when lowering changed the length
    folded: bool  # low is usable with the lower-case patterns

    @classmethod
    def of(cls, text: str) -> Text:
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


def keyword_pattern(pattern: str) -> tuple[re.Pattern, re.Pattern]:
    """A keyword pattern for ``Text.finditer``/``Text.search``: lower-case and case-insensitive."""
    return re.compile(pattern), re.compile(pattern, re.IGNORECASE)
