"""Whatever a device sends, the endpoint answers 4xx with problems or stores it: never a 500,
never a value other than the one sent.

The cases come from a fuzzer run and a hand-made bad-input matrix. Every refusal is
checked to have stored nothing: no event, no batch row, no summary.
"""

import io
import uuid

import orjson
import pytest

from governance.models import ActivityDay, DropTally, IngestBatch, InteractionEvent
from tests.ingestion.helpers import batch, event, post

PATH = "/api/v1/ingest/batches"
INT4_MAX = 2**31 - 1
INT4_MIN = -(2**31)


def assert_nothing_stored():
    assert not InteractionEvent.objects.exists()
    assert not IngestBatch.objects.exists()
    assert not ActivityDay.objects.exists()
    assert not DropTally.objects.exists()


def problems_of(response) -> list[dict]:
    assert response.status_code == 400, (response.status_code, response.content)
    problems = response.json()["problems"]
    assert problems and all(set(p) == {"index", "field", "message"} for p in problems), problems
    return problems


def with_number(events: list[dict], marker: int, literal: str) -> bytes:
    """A batch whose `marker` number is replaced by `literal` (orjson cannot write 2**64)."""
    body = batch(events)
    assert body.count(str(marker).encode()) == 1
    return body.replace(str(marker).encode(), literal.encode())


def raw_post(client, token, body: bytes, **environ):
    """A request whose WSGI environ is set by hand: no CONTENT_LENGTH unless given."""
    return client.generic(
        "POST",
        PATH,
        b"",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        CONTENT_TYPE="application/json",
        **{"wsgi.input": io.BytesIO(body), **environ},
    )


# --- bodies that are not a batch ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"[]",
        b"null",
        b"42",
        b'"a batch"',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"batch_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["empty", "blank", "array", "null", "number", "string", "deep", "deep-envelope"],
)
def test_a_body_that_is_not_a_batch_object_gives_400(client, token, alice_consents_all, body):
    problems = problems_of(raw_post(client, token, body, CONTENT_LENGTH=str(len(body))))
    assert problems[0]["index"] is None
    assert_nothing_stored()


@pytest.mark.parametrize(
    "nested",
    [
        {"key": {"code": "DEEP", "char": "a"}},
        {"type": "menu_select", "menu": {"path": ["File", "DEEP"]}},
        {"window_title": "DEEP"},
        {"pointer": {"x": "DEEP", "y": 1}, "type": "pointer_move"},
    ],
    ids=["key.code", "menu.path", "window_title", "pointer.x"],
)
def test_deeply_nested_values_in_an_event_give_400_naming_the_event(
    client, token, alice_consents_all, nested
):
    deep = b"[" * 5000 + b"{}" + b"]" * 5000
    body = batch([event(), {**event(), **nested}]).replace(b'"DEEP"', deep)
    problems = problems_of(post(client, token, body))
    assert [p["index"] for p in problems] == [1], problems
    assert_nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        b'{"batch_id": "\xff\xfe", "device_id": "d", "events": []}',
        batch([event()]).replace(b"main.py", b"main\xc0\x80py"),
        batch([event()]).replace(b"main.py", b"main\xed\xa0\x80py"),  # an encoded surrogate
        batch([event()]).replace(b"main.py", b"main\\udc00py"),  # a lone escaped surrogate
    ],
    ids=["envelope", "overlong-nul", "surrogate", "escaped-lone-surrogate"],
)
def test_invalid_utf8_gives_400(client, token, alice_consents_all, body):
    problems_of(post(client, token, body))
    assert_nothing_stored()


# --- NUL characters, which PostgreSQL refuses in text ------------------------------------

EVENT_STRINGS = [
    ("employee", {}, lambda e: e.update(employee="alice@example.com\x00")),
    ("app", {}, lambda e: e.update(app="co\x00de")),
    ("session_id", {}, lambda e: e.update(session_id="s\x001")),
    ("window_title", {}, lambda e: e.update(window_title="main\x00.py")),
    ("key.code", {}, lambda e: e.update(key={"code": "Key\x00A", "char": "a"})),
    ("key.char", {}, lambda e: e.update(key={"code": "KeyA", "char": "\x00"})),
    ("pointer.button", {"type": "pointer_down"}, lambda e: e["pointer"].update(button="l\x00")),
    ("menu.path", {"type": "menu_select"}, lambda e: e.update(menu={"path": ["File", "\x00"]})),
]


@pytest.mark.parametrize(
    ("field", "kind", "mutate"), EVENT_STRINGS, ids=[f for f, *_ in EVENT_STRINGS]
)
def test_nul_in_an_event_string_gives_400_naming_event_and_field(
    client, token, alice_consents_all, field, kind, mutate
):
    bad = event(**kind)
    mutate(bad)
    response = post(client, token, batch([event(), bad, event()]))
    problems = problems_of(response)
    assert [(p["index"], p["field"].split("[")[0]) for p in problems] == [(1, field)], problems
    assert "NUL" in problems[0]["message"]
    assert_nothing_stored()


@pytest.mark.parametrize("field", ["device_id", "purpose"])
def test_nul_in_the_envelope_gives_400_naming_the_field(client, token, alice_consents_all, field):
    body = batch([event()], **{field: "x\x00y"})
    problems = problems_of(post(client, token, body))
    assert [(p["index"], p["field"]) for p in problems] == [(None, field)], problems
    assert_nothing_stored()


def test_nul_in_an_event_that_is_also_malformed_is_reported_with_the_rest(
    client, token, alice_consents_all
):
    events = [{**event(), "type": "teleport"}, event(session_id="\x00")]
    problems = problems_of(post(client, token, batch(events)))
    assert sorted((p["index"], p["field"]) for p in problems) == [(0, "type"), (1, "session_id")]
    assert_nothing_stored()


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client, token, alice_consents_all):
    title = "C:\\u0000\\notes.txt"  # a backslash, then "u0000": no NUL in it
    response = post(client, token, batch([event(window_title=title, key={"code": "K\\u0000"})]))
    assert response.status_code == 200, response.content
    assert InteractionEvent.objects.get().key_code == "K\\u0000"


# --- numbers outside what the columns hold --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "literal"),
    [
        ("pointer_move", "pointer.x", str(2**31)),
        ("pointer_move", "pointer.x", str(2**63)),
        ("pointer_move", "pointer.x", str(2**64)),
        ("pointer_move", "pointer.x", "1" + "0" * 5000),
        ("pointer_move", "pointer.y", str(-(2**31) - 1)),
        ("pointer_move", "pointer.y", "1e400"),
        ("scroll", "scroll.dx", str(-(2**40))),
        ("scroll", "scroll.dy", str(2**40)),
    ],
)
def test_a_number_beyond_its_column_gives_400_naming_the_field(
    client, token, alice_consents_all, kind, field, literal
):
    marker = 987654321
    payload, name = field.split(".")
    bad = event(type=kind)
    bad[payload] = {**bad[payload], name: marker}
    problems = problems_of(post(client, token, with_number([event(), bad], marker, literal)))
    assert [(p["index"], p["field"]) for p in problems] == [(1, field)], problems
    assert_nothing_stored()


def test_the_extremes_of_the_columns_are_stored_exactly(client, token, alice_consents_all):
    events = [
        event(type="pointer_move", pointer={"x": INT4_MAX, "y": INT4_MIN}),
        event(type="scroll", scroll={"dx": INT4_MIN, "dy": INT4_MAX}),
    ]
    assert post(client, token, batch(events)).json()["accepted"] == 2
    move = InteractionEvent.objects.get(event_type="pointer_move")
    scroll = InteractionEvent.objects.get(event_type="scroll")
    assert (move.pointer_x, move.pointer_y) == (INT4_MAX, INT4_MIN)
    assert (scroll.scroll_dx, scroll.scroll_dy) == (INT4_MIN, INT4_MAX)


# --- timestamps that cannot be put in UTC ---------------------------------------------


@pytest.mark.parametrize(
    "ts",
    ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "9999-12-31T23:59:59.999-23:59"],
)
def test_a_time_that_is_not_a_date_in_utc_gives_400_naming_the_event(
    client, token, alice_consents_all, ts
):
    problems = problems_of(post(client, token, batch([event(), event(ts=ts)])))
    assert [(p["index"], p["field"]) for p in problems] == [(1, "ts")], problems
    assert_nothing_stored()


# --- how the body arrives -------------------------------------------------------------


def test_a_chunked_batch_is_read_and_stored(client, token, alice_consents_all):
    body = batch([event(), event(type="scroll")])
    response = raw_post(
        client, token, body, HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True}
    )
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2
    assert InteractionEvent.objects.count() == 2
    assert IngestBatch.objects.get().events == 2


def test_an_empty_chunked_body_gives_400(client, token, alice_consents_all):
    response = raw_post(
        client, token, b"", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True}
    )
    problems_of(response)
    assert_nothing_stored()


def test_a_chunked_body_over_8_mib_gives_413(client, token, alice_consents_all):
    body = batch([event()]) + b" " * (8 * 1024 * 1024)
    response = raw_post(
        client, token, body, HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True}
    )
    assert response.status_code == 413
    assert_nothing_stored()


def test_chunked_without_a_server_that_ends_the_input_gives_411(client, token, alice_consents_all):
    # Without wsgi.input_terminated the input is the raw connection: reading it to its end
    # would wait for the client to hang up.
    response = raw_post(client, token, batch([event()]), HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert_nothing_stored()


def test_a_content_length_longer_than_the_body_gives_400(client, token, alice_consents_all):
    body = batch([event()])
    # The server hands over what arrived before the client stopped sending: a whole batch,
    # but not the whole message the client announced.
    response = raw_post(client, token, body, CONTENT_LENGTH=str(len(body) + 100))
    assert "ended after" in problems_of(response)[0]["message"]
    assert_nothing_stored()


def test_a_content_length_shorter_than_the_body_gives_400(client, token, alice_consents_all):
    body = batch([event()])
    response = raw_post(client, token, body, CONTENT_LENGTH=str(len(body) - 5))
    problems_of(response)
    assert_nothing_stored()


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "\u00b2", "12\u0663"])
def test_a_content_length_that_is_not_a_length_gives_400(client, token, alice_consents_all, length):
    body = batch([event()])
    response = raw_post(client, token, body, CONTENT_LENGTH=length)
    assert response.status_code == 400, response.content
    assert_nothing_stored()


def test_a_body_that_is_not_json_media_gives_415(client, token, alice_consents_all):
    response = client.post(
        PATH,
        data=batch([event()]),
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 415
    assert_nothing_stored()


def test_a_valid_batch_after_all_that_is_stored(client, token, alice_consents_all):
    """The refusals above leave the device able to post (no quota or id was used up)."""
    batch_id = uuid.uuid4()
    bad = orjson.loads(batch([event(session_id="\x00")], batch_id=batch_id))
    assert post(client, token, orjson.dumps(bad)).status_code == 400
    response = post(client, token, batch([event()], batch_id=batch_id))
    assert response.status_code == 200 and response.json()["accepted"] == 1


def test_a_content_length_of_thousands_of_digits_gives_413(client, token, alice_consents_all):
    response = raw_post(client, token, batch([event()]), CONTENT_LENGTH="9" * 5000)
    assert response.status_code == 413
    assert_nothing_stored()


@pytest.mark.parametrize("literal", [str(2**64), "1e400", "-1e400", "1" + "0" * 5000])
@pytest.mark.parametrize("field", ["ts", "secure_input", "employee", "session_id"])
def test_a_huge_number_where_another_type_belongs_gives_400_naming_the_field(
    client, token, alice_consents_all, field, literal
):
    marker = 987654321
    bad = {**event(), field: marker}
    problems = problems_of(post(client, token, with_number([event(), bad], marker, literal)))
    assert [(p["index"], p["field"]) for p in problems] == [(1, field)], problems
    assert_nothing_stored()


@pytest.mark.parametrize("field", ["batch_id", "device_id", "events", "purpose"])
def test_a_huge_number_in_the_envelope_gives_400_naming_the_field(
    client, token, alice_consents_all, field
):
    marker = 987654321
    body = orjson.dumps(
        {"batch_id": str(uuid.uuid4()), "device_id": "d", "events": []} | {field: marker}
    )
    problems = problems_of(post(client, token, body.replace(b"987654321", b"1e400")))
    assert [(p["index"], p["field"]) for p in problems] == [(None, field)], problems
    assert_nothing_stored()
