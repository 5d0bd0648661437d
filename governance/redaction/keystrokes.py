"""Typed text from key events, and the events each match covers.

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

The end of every batch is held until the next one comes: see
``governance.redaction.tail_guard``.

Known limits: the reassembly assumes the caret stays at the end of the text
(mouse clicks and Ctrl shortcuts are invisible, arrows only separate); selected
text deleted at once is not seen as deleted.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from governance.redaction.base import ALL, Detector, Span
from governance.redaction.credentials import NON_B64, PEM_HEAD_RE, PEM_OPEN
from governance.redaction.random_tokens import find_random_tokens
from governance.redaction.search import detect

_SECRET = Detector.SECRET


def marker(detector: Detector | str) -> str:
    """The text that replaces a redacted character, e.g. ``[CARD_NUMBER]``."""
    return f"[{Detector(detector).name}]"


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
    _cover(labels, detect(typed.text, enabled, at_end=True), typed, hits)
    if typed.deleted:
        owners, mask = typed.deleted_owners, typed.deleted_mask
        found = [(x.start, x.end, x.detector) for x in detect(typed.deleted, enabled, False, False)]
        if _SECRET in enabled:
            # A typo inside a hash or UUID looks random too: a random token counts
            # here only when most of it was deleted.
            found += [
                (s, e, _SECRET)
                for s, e in find_random_tokens(typed.deleted)
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
        head = PEM_HEAD_RE.match(text, begin)
        keep = limit - len(head.group()) - 1 if head else 0
        if keep > 0 and PEM_OPEN.match(text, begin):
            # Still inside a private key: keep its header so the rest stays a match.
            body = text[-keep:]
            # Start the kept body at a line break, not inside a base64 line.
            cut = NON_B64.search(body)
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
