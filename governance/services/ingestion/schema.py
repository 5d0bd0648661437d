"""The wire format of an event batch, decoded and type-checked in C by msgspec.

The fast path decodes the whole body into these structs at once. Only when
that fails does `batch_problems` walk the events one by one, so that a bad
batch is answered with every event index and field that is wrong.

What the decoder accepts must also be what PostgreSQL stores, unchanged:
integers are bounded to the int4 columns they go to (a larger one would wrap
in the binary COPY), and no text may hold NUL, which PostgreSQL refuses in
text and jsonb. NUL can only arrive escaped (JSON forbids raw control
characters), so one search of the body for ``\\u0000`` stands in for a regex
on every string; only a body that has one is walked (an escaped backslash
followed by "u0000" is text, and is let through after the walk). A time whose
UTC offset takes it outside years 1-9999 in UTC is refused too: it has no UTC
datetime at all.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
import orjson

MAX_EVENTS = 10_000
MAX_BODY_BYTES = 8 * 1024 * 1024

EventTypeName = Literal[
    "key_down",
    "key_up",
    "pointer_move",
    "pointer_down",
    "pointer_up",
    "scroll",
    "menu_select",
    "window_focus",
]
Text = Annotated[str, msgspec.Meta(max_length=512)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Stamp = Annotated[datetime, msgspec.Meta(tz=True)]
# The range of the int4 columns pointer_x/y and scroll_dx/dy.
Int4 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]


class Key(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    char: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Pointer(msgspec.Struct, forbid_unknown_fields=True):
    x: Int4
    y: Int4
    button: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Scroll(msgspec.Struct, forbid_unknown_fields=True):
    dx: Int4 = 0
    dy: Int4 = 0


class Menu(msgspec.Struct, forbid_unknown_fields=True):
    path: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=16)]


class Event(msgspec.Struct, forbid_unknown_fields=True):
    employee: Annotated[str, msgspec.Meta(min_length=1, max_length=254)]
    ts: Stamp
    app: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    type: EventTypeName
    session_id: Id
    window_title: Text | None = None
    secure_input: bool = False
    key: Key | None = None
    pointer: Pointer | None = None
    scroll: Scroll | None = None
    menu: Menu | None = None


class Batch(msgspec.Struct, forbid_unknown_fields=True):
    batch_id: uuid.UUID
    device_id: Id
    events: list[Event]
    purpose: Annotated[str, msgspec.Meta(max_length=64)] | None = None


_decoder = msgspec.json.Decoder(Batch)

# Which payload object each event type must carry (key events in secure fields may omit it).
REQUIRED_PAYLOAD = {
    "key_down": "key",
    "key_up": "key",
    "pointer_move": "pointer",
    "pointer_down": "pointer",
    "pointer_up": "pointer",
    "scroll": "scroll",
    "menu_select": "menu",
}


class BatchInvalid(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


NUL_ESCAPE = b"\\u0000"
NUL_MESSAGE = "text must not contain NUL (\\u0000)"


def batch_decode(body: bytes) -> Batch:
    """Decode and check a batch; BatchInvalid lists every problem found."""
    try:
        batch = _decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise BatchInvalid(batch_problems(body, exc)) from None
    problems = [
        problem
        for index, event in enumerate(batch.events)
        if (problem := _event_problem(index, event)) is not None
    ]
    if NUL_ESCAPE in body:
        problems += _nul_problems(batch)
    if problems:
        raise BatchInvalid(sorted(problems, key=_problem_order))
    return batch


def _event_problem(index: int, event: Event) -> dict | None:
    """What the types cannot say: the payload an event type needs, a time UTC can hold."""
    if event.ts.year in (1, 9999) and not _has_utc(event.ts):
        return {"index": index, "field": "ts", "message": "outside years 1-9999 in UTC"}
    needed = REQUIRED_PAYLOAD.get(event.type)
    if needed is None or getattr(event, needed) is not None:
        return None
    if needed == "key" and event.secure_input:
        return None
    return {"index": index, "field": needed, "message": f"required for type {event.type!r}"}


def _has_utc(ts: datetime) -> bool:
    try:
        ts.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _nul_paths(value, path: str) -> Iterator[str]:
    """Where in a decoded value a string holds NUL (depth is bounded by the structs)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _nul_paths(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{i}]")


def _nul_problems(batch: Batch) -> list[dict]:
    problems = [
        {"index": None, "field": name, "message": NUL_MESSAGE}
        for name in batch.__struct_fields__
        if name != "events" and any(_nul_paths(getattr(batch, name), name))
    ]
    for index, event in enumerate(batch.events):
        problems += _event_nul_problems(index, event)
    return problems


def _event_nul_problems(index: int, event: Event) -> list[dict]:
    return [
        {"index": index, "field": path, "message": NUL_MESSAGE} for path in _nul_paths(event, "")
    ]


def _problem_order(problem: dict) -> tuple[int, str]:
    index = problem["index"]
    return (-1 if index is None else index, problem["field"] or "")


def _problem(index: int | None, exc: msgspec.ValidationError) -> dict:
    """Turn msgspec's "message - at `$.events[3].pointer`" into index, field and message."""
    message, _, path = str(exc).partition(" - at `")
    path = path.rstrip("`")
    field = path.split("]", 1)[1] if "]" in path else path.removeprefix("$")
    field = field.lstrip(".")
    missing = re.search(r"missing required field `([^`]+)`", message)
    if missing:
        field = f"{field}.{missing.group(1)}" if field else missing.group(1)
    return {"index": index, "field": field or None, "message": message}


def _located_problem(exc: msgspec.ValidationError) -> dict:
    """A problem from the whole-batch decoder's error, whose path names the event."""
    path = str(exc).partition(" - at `")[2]
    event = re.match(r"\$\.events\[(\d+)\]", path)
    if event is None:
        message, _, path = str(exc).partition(" - at `")
        return {
            "index": None,
            "field": path.rstrip("`").removeprefix("$.") or None,
            "message": message,
        }
    return _problem(int(event.group(1)), exc)


def batch_problems(body: bytes, error: Exception | None = None) -> list[dict]:
    """The slow path: every problem of a batch that failed to decode, with index and field.

    ``error`` is what the whole-batch decoder raised. When the body cannot be parsed
    without types (nested deeper than orjson goes, a number beyond a double) but the
    typed decoder had already stopped at a wrong value, that value is the problem.
    """
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if isinstance(error, msgspec.ValidationError):
            return [_located_problem(error)]
        return [{"index": None, "field": None, "message": f"malformed JSON: {exc}"}]
    if not isinstance(raw, dict):
        return [{"index": None, "field": None, "message": "expected a JSON object"}]
    has_nul = NUL_ESCAPE in body
    problems = []
    envelope = {k: v for k, v in raw.items() if k != "events"}
    try:
        head = msgspec.convert({**envelope, "events": []}, Batch)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `")
        problems.append(
            {"index": None, "field": path.rstrip("`").removeprefix("$."), "message": message}
        )
    else:
        if has_nul:
            problems += _nul_problems(head)
    events = raw.get("events")
    if not isinstance(events, list):
        problems.append({"index": None, "field": "events", "message": "expected an array"})
        return problems
    for index, item in enumerate(events):
        try:
            event = msgspec.convert(item, Event)
        except msgspec.ValidationError as exc:
            problems.append(_problem(index, exc))
            continue
        if (problem := _event_problem(index, event)) is not None:
            problems.append(problem)
        if has_nul:
            problems += _event_nul_problems(index, event)
    return problems
