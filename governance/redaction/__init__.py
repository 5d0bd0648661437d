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
    iban_valid(iban) -> bool; looks_random(token) -> bool

Where things are: one module per detector (``cards``, ``national_ids``,
``emails``, ``phones``, ``ibans``, ``secrets`` with ``random_tokens``), each
documenting what it matches and why; ``search`` runs them and merges overlapping
matches; ``tail_guard`` holds the end of a batch that may still grow into a
match; ``keystrokes`` reassembles typed text from key events, carries the tail of
a session from batch to batch and says which events a match covers.

Known limits: the reassembly assumes the caret stays at the end of the text
(mouse clicks and Ctrl shortcuts are invisible, arrows only separate); selected
text deleted at once is not seen as deleted; a NINO without its suffix, an SSN or
a phone number written as bare digits without a label, and hex-only or
lowercase+digit secrets without a prefix or a secret-named key are not found;
a bank account number with a leading zero may be taken for a phone number.
"""

from governance.redaction.base import ALL, Detector, Span
from governance.redaction.ibans import iban_valid
from governance.redaction.keystrokes import (
    LEAD_EVENTS,
    carry_over,
    carry_over_owners,
    marker,
    redact_keystrokes,
    redact_keystrokes_across,
)
from governance.redaction.random_tokens import looks_random
from governance.redaction.search import find_pii

__all__ = [
    "ALL",
    "Detector",
    "Span",
    "LEAD_EVENTS",
    "carry_over",
    "carry_over_owners",
    "find_pii",
    "iban_valid",
    "looks_random",
    "marker",
    "redact_keystrokes",
    "redact_keystrokes_across",
]
