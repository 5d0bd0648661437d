"""Run the enabled detectors over a text and merge what they find into spans.

When matches overlap they become one span, labelled in this order of strength: a
specific secret, IBAN, card number, national id, email, phone, random token.
"""

from collections.abc import Iterable

from governance.redaction.base import ALL, RANDOM_TOKEN, Detector, Span, Text
from governance.redaction.cards import find_cards
from governance.redaction.credentials import find_secrets
from governance.redaction.emails import find_emails
from governance.redaction.ibans import find_ibans
from governance.redaction.national_ids import find_national_ids
from governance.redaction.phones import find_phones
from governance.redaction.tail_guard import hold_tail

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
_PRIORITY = {_SECRET: 0, _IBAN: 1, _CARD: 2, _NID: 3, _EMAIL: 4, _PHONE: 5, RANDOM_TOKEN: 6}

_DETECTORS = (
    (_CARD, find_cards),
    (_NID, find_national_ids),
    (_EMAIL, find_emails),
    (_PHONE, find_phones),
    (_IBAN, find_ibans),
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
            spans.append(Span(cur_s, cur_e, _SECRET if cur_d is RANDOM_TOKEN else cur_d))
        cur_s, cur_e, cur_d = s, e, d
    if cur_d is not None:
        spans.append(Span(cur_s, cur_e, _SECRET if cur_d is RANDOM_TOKEN else cur_d))
    return spans


def detect(
    text: str, enabled: Iterable[Detector], at_end: bool, random_tokens: bool = True
) -> list[Span]:
    """The merged matches in ``text``; ``at_end``: the text is a batch's end, so its
    last fragment is held by the tail guard and a short last PEM line still counts."""
    raw: list = []
    if not text:
        return []
    t = Text.of(text)
    for det, fn in _DETECTORS:
        if det in enabled:
            fn(t, raw)
    if _SECRET in enabled:
        find_secrets(t, raw, random_tokens, at_end)
    if at_end:
        hold_tail(text, frozenset(enabled), raw)
    return _merge(raw)


def find_pii(text: str, enabled: frozenset[Detector] = ALL) -> list[Span]:
    """Every match of the enabled detectors in ``text``: sorted, non-overlapping."""
    return detect(text, enabled, at_end=False)
