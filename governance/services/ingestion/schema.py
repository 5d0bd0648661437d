"""The wire format of an event batch, decoded and type-checked in C by msgspec.

The fast path decodes the whole body into these structs at once. Only when
that fails does `batch_problems` walk the events one by one, so that a bad
batch is answered with every event index and field that is wrong.
"""

import re
import uuid
from datetime import datetime
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


class Key(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    char: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Pointer(msgspec.Struct, forbid_unknown_fields=True):
    x: int
    y: int
    button: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class Scroll(msgspec.Struct, forbid_unknown_fields=True):
    dx: int = 0
    dy: int = 0


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


def batch_decode(body: bytes) -> Batch:
    """Decode and check a batch; BatchInvalid lists every problem found."""
    try:
        batch = _decoder.decode(body)
    except msgspec.DecodeError:
        raise BatchInvalid(batch_problems(body)) from None
    problems = [
        problem
        for index, event in enumerate(batch.events)
        if (problem := _payload_problem(index, event)) is not None
    ]
    if problems:
        raise BatchInvalid(problems)
    return batch


def _payload_problem(index: int, event: Event) -> dict | None:
    needed = REQUIRED_PAYLOAD.get(event.type)
    if needed is None or getattr(event, needed) is not None:
        return None
    if needed == "key" and event.secure_input:
        return None
    return {"index": index, "field": needed, "message": f"required for type {event.type!r}"}


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


def batch_problems(body: bytes) -> list[dict]:
    """The slow path: every problem of a batch that failed to decode, with index and field."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return [{"index": None, "field": None, "message": f"malformed JSON: {exc}"}]
    if not isinstance(raw, dict):
        return [{"index": None, "field": None, "message": "expected a JSON object"}]
    problems = []
    envelope = {k: v for k, v in raw.items() if k != "events"}
    try:
        msgspec.convert({**envelope, "events": []}, Batch)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `")
        problems.append(
            {"index": None, "field": path.rstrip("`").removeprefix("$."), "message": message}
        )
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
        if (problem := _payload_problem(index, event)) is not None:
            problems.append(problem)
    return problems
