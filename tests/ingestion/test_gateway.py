"""The ingestion endpoint: consent gate, safeguards, idempotency, limits and errors."""

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from governance.models import (
    ActivityDay,
    DropTally,
    IngestBatch,
    InteractionEvent,
    SafeguardRule,
)
from governance.services.consent import RequestContext, consent_withdraw
from governance.services.devices import device_revoke
from governance.services.health import redis_client
from governance.services.ingestion.gateway import (
    CONTEXT_LIMIT,
    stamps_decode,
    stamps_encode,
    stored_micros,
)
from governance.services.ingestion.safeguards import SafeguardPolicy
from governance.services.scopes import Scope
from governance.stores.typed_tails import tail_keys
from tests.ingestion.corpus import key_code
from tests.ingestion.helpers import batch, event, post, stamp, typed


def test_consented_events_are_stored_with_their_consent_version(client, token, alice_consents_all):
    response = post(
        client, token, batch([event(), event(type="scroll"), event(type="pointer_down")])
    )
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 3 and response.json()["dropped"] == {}
    rows = list(InteractionEvent.objects.order_by("ts", "id"))
    assert len(rows) == 3
    state_versions = {
        s.data_kind.slug: s.version for s in alice_consents_all.employee.consent_states.all()
    }
    assert {r.data_kind.slug: r.consent_version for r in rows} == {
        k: state_versions[k] for k in ("key", "scroll", "click")
    }
    assert {r.subject for r in rows} == {alice_consents_all.employee.subject_id}


def test_stored_rows_never_carry_the_email(client, token, alice_consents_all):
    post(client, token, batch([event()]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM governance_interactionevent")
        row = cursor.fetchone()
    assert "alice@example.com" not in repr(row)


def test_events_without_consent_are_dropped_by_reason(
    client, token, alice_consents_all, bob, catalogue
):
    body = batch(
        [
            event(app="soffice.bin"),  # alice has no consent for Calc
            event(employee="bob@example.com"),  # bob consented to nothing
            event(employee="nobody@example.com"),
            event(app="no-such-app"),
            event(),  # accepted
        ]
    )
    result = post(client, token, body).json()
    assert result["accepted"] == 1
    assert result["dropped"] == {"no_consent": 2, "unknown_employee": 1, "unknown_app": 1}
    assert InteractionEvent.objects.count() == 1


def test_refusals_are_tallied_per_device_application_and_day_never_per_person(
    client, token, device, alice_consents_all, bob, catalogue
):
    vscode, calc = catalogue["applications"][:2]
    SafeguardRule.objects.create(kind="window_title_pattern", name="bank", pattern=r"(?i)\bbank\b")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    body = batch(
        [
            event(app="soffice.bin"),  # alice has no consent for Calc
            event(employee="bob@example.com"),  # bob consented to nothing
            event(employee="bob@example.com", ts=yesterday.isoformat()),
            event(app="no-such-app"),
            event(window_title="My Bank - Firefox"),
            event(employee="nobody@example.com"),  # no one to refuse: not a refusal
            event(),
        ]
    )
    assert post(client, token, body).json()["accepted"] == 1
    today = datetime.now(UTC).date()
    tallies = {
        (t.device_id, t.application_id, t.day, t.reason): t.events for t in DropTally.objects.all()
    }
    assert tallies == {
        (device[0].pk, calc.pk, today, "no_consent"): 1,
        (device[0].pk, vscode.pk, today, "no_consent"): 1,
        (device[0].pk, vscode.pk, yesterday.date(), "no_consent"): 1,
        (device[0].pk, None, today, "unknown_app"): 1,
        (device[0].pk, vscode.pk, today, "excluded_window"): 1,
    }
    # A second batch adds to the same rows, the unknown application's included.
    post(client, token, batch([event(app="no-such-app"), event(employee="bob@example.com")]))
    assert DropTally.objects.count() == 5
    assert DropTally.objects.get(application=None).events == 2
    assert DropTally.objects.get(application=vscode, day=today, reason="no_consent").events == 2
    # No column of the tallies can name the people refused.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM governance_droptally")
        rows = repr(cursor.fetchall())
        columns = [c.name for c in cursor.description]
    assert columns == ["id", "day", "reason", "events", "application_id", "device_id"]
    for person in (alice_consents_all, bob):
        assert person.employee.subject_id not in rows and person.email not in rows


def test_employee_can_be_named_by_employee_number(client, token, alice_consents_all):
    number = alice_consents_all.employee.employee_number
    assert post(client, token, batch([event(employee=number)])).json()["accepted"] == 1


def test_excluded_application_and_window_titles_are_dropped(
    client, token, alice_consents_all, catalogue
):
    calc = catalogue["applications"][1]
    SafeguardRule.objects.create(kind="excluded_application", name="no calc", application=calc)
    SafeguardRule.objects.create(kind="window_title_pattern", name="bank", pattern=r"(?i)\bbank\b")
    body = batch([event(app="soffice.bin"), event(window_title="My Bank - Firefox"), event()])
    result = post(client, token, body).json()
    assert result["dropped"] == {"excluded_app": 1, "excluded_window": 1}
    assert result["accepted"] == 1


def test_restricted_employee_is_not_recorded(client, token, alice_consents_all):
    employee = alice_consents_all.employee
    employee.processing_restricted_at = datetime.now(UTC)
    employee.save()
    assert post(client, token, batch([event()])).json()["dropped"] == {"restricted": 1}
    assert not InteractionEvent.objects.exists()


def test_secure_input_keys_keep_only_type_and_time(client, token, alice_consents_all):
    body = batch(
        [
            event(secure_input=True, key={"code": "KeyP", "char": "p"}),
            {**event(secure_input=True), "key": None},
        ]
    )
    assert post(client, token, body).json()["accepted"] == 2
    for row in InteractionEvent.objects.all():
        assert row.key_code is None and row.key_char is None


def test_window_titles_are_stored_only_as_a_keyed_hash(client, token, alice_consents_all):
    post(client, token, batch([event(window_title="Q3 salaries.xlsx"), event()]))
    hashes = set(InteractionEvent.objects.values_list("title_hash", flat=True))
    assert len(hashes) == 2 and all(h and len(h) == 32 for h in hashes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM governance_interactionevent WHERE title_hash LIKE '%%salar%%'"
        )
        assert cursor.fetchone()[0] == 0


def test_keystroke_timing_is_coarsened(client, token, alice_consents_all):
    SafeguardRule.objects.create(kind="keystroke_timing", name="50ms", resolution_ms=50)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    body = batch(
        [
            event(ts=stamp(37, base)),
            event(type="scroll", ts=stamp(37, base)),
        ]
    )
    post(client, token, body)
    key = InteractionEvent.objects.get(event_type="key_down")
    scroll = InteractionEvent.objects.get(event_type="scroll")
    assert key.ts == base  # 37 ms floored to 0
    assert scroll.ts == base + timedelta(milliseconds=37)


def test_typed_card_number_is_redacted_before_storage(
    client, token, alice_consents_all, redaction_rules
):
    text = "pay with 4111 1111 1111 1111 thanks"
    result = post(client, token, batch(typed(text))).json()
    assert result["accepted"] == len(text)
    assert result["redacted"] >= 16
    stored = "".join(
        r.key_char if r.redaction is None else "#" for r in InteractionEvent.objects.order_by("ts")
    )
    assert "4111" not in stored and stored.startswith("pay with") and stored.endswith("thanks")
    redacted = InteractionEvent.objects.exclude(redaction=None)
    assert {r.key_char for r in redacted} == {"[CARD_NUMBER]"}
    assert {r.key_code for r in redacted} == {None}  # Digit4 would give the digit away
    day = ActivityDay.objects.get(data_kind__slug="key")
    assert day.redacted == result["redacted"]


def test_same_batch_id_returns_the_first_result_and_stores_nothing_twice(
    client, token, alice_consents_all
):
    batch_id = uuid.uuid4()
    first = post(client, token, batch([event(), event()], batch_id=batch_id)).json()
    again = post(client, token, batch([event(), event()], batch_id=batch_id)).json()
    assert first == again
    assert InteractionEvent.objects.count() == 2
    assert IngestBatch.objects.count() == 1


def test_batch_id_of_another_device_is_refused(client, token, olivia, alice_consents_all):
    from tests.ingestion.helpers import device_with_token

    _, other = device_with_token(olivia, name="other")
    batch_id = uuid.uuid4()
    post(client, token, batch([event()], batch_id=batch_id))
    assert post(client, other, batch([event()], batch_id=batch_id)).status_code == 409


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("ts"), "ts"),
        (lambda e: e.update(ts="yesterday"), "ts"),
        (lambda e: e.update(type="teleport"), "type"),
        (lambda e: e.update(app=42), "app"),
        (lambda e: e.pop("key"), "key"),
        (lambda e: e.update(pointer={"x": "left"}), "pointer"),
    ],
)
def test_bad_event_gives_400_with_index_and_field_and_stores_nothing(
    client, token, alice_consents_all, mutate, field
):
    events = [event(), event(), event()]
    mutate(events[1])
    response = post(client, token, batch(events))
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert any(p["index"] == 1 and p["field"].startswith(field) for p in problems), problems
    assert not InteractionEvent.objects.exists() and not IngestBatch.objects.exists()


def test_every_bad_event_is_reported(client, token, alice_consents_all):
    events = [event(), {**event(), "type": "nope"}, event(), {**event(), "ts": 5}]
    problems = post(client, token, batch(events)).json()["problems"]
    assert [p["index"] for p in problems] == [1, 3]


def test_malformed_json_gives_400(client, token, alice_consents_all):
    response = post(client, token, b'{"batch_id": ')
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["problems"][0]["message"]


def test_too_many_events_gives_413(client, token, alice_consents_all):
    response = post(client, token, batch([event()] * 10_001))
    assert response.status_code == 413
    assert not InteractionEvent.objects.exists()


def test_body_over_8_mib_gives_413(client, token, alice_consents_all):
    big = event(window_title="x" * 500)
    response = post(client, token, batch([big] * 9_000) + b" " * (8 * 1024 * 1024))
    assert response.status_code == 413


@pytest.mark.parametrize("header", [None, "Bearer idg_not-a-real-token", "Token abc"])
def test_missing_or_unknown_token_gives_401(client, alice_consents_all, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/ingest/batches", data=batch([event()]), content_type="application/json", **extra
    )
    assert response.status_code == 401
    assert not InteractionEvent.objects.exists()


def test_revoked_token_gives_401(client, device, olivia, alice_consents_all):
    device_revoke(device=device[0], actor=olivia)
    assert post(client, device[1], batch([event()])).status_code == 401


def test_people_cannot_post_batches(client, olivia, alice_consents_all):
    client.force_login(olivia)
    response = client.post(
        "/api/v1/ingest/batches", data=batch([event()]), content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_quota_gives_429_with_retry_after(client, token, alice_consents_all, settings):
    settings.INGEST_QUOTA_EVENTS_PER_MINUTE = 3
    assert post(client, token, batch([event(), event()])).status_code == 200
    response = post(client, token, batch([event(), event()]))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert InteractionEvent.objects.count() == 2


def test_withdrawal_stops_ingestion_for_that_scope_only(
    client, token, alice_consents_all, catalogue
):
    key_scope = Scope(
        catalogue["purpose"],
        catalogue["applications"][0],
        next(k for k in catalogue["kinds"] if k.slug == "key"),
    )
    consent_withdraw(
        employee=alice_consents_all.employee,
        scope=key_scope,
        actor=alice_consents_all,
        context=RequestContext(),
    )
    result = post(client, token, batch([event(), event(type="scroll")])).json()
    assert result == {
        "batch_id": result["batch_id"],
        "accepted": 1,
        "dropped": {"no_consent": 1},
        "redacted": 0,
    }


def test_events_of_a_day_without_partition_land_in_default_and_are_adopted(
    client, token, alice_consents_all, settings
):
    from governance.stores.events import event_partitions_adopt_strays, partition_name

    far = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    settings.INGEST_MAX_SKEW = int((far - datetime.now(UTC)).total_seconds()) + 3600
    post(client, token, batch([event(ts=stamp(0, far))]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM governance_interactionevent_default")
        assert cursor.fetchone()[0] == 1
    assert event_partitions_adopt_strays() == [partition_name(far.date())]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM governance_interactionevent_default")
        assert cursor.fetchone()[0] == 0
        cursor.execute(f"SELECT count(*) FROM {partition_name(far.date())}")
        assert cursor.fetchone()[0] == 1
    assert InteractionEvent.objects.count() == 1


def test_metrics_count_accepted_dropped_and_redacted(
    client, token, alice_consents_all, redaction_rules, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, token, batch([*typed("mail me at a.b@example.com"), event(app="nope")]))
    text = client.get("/metrics").content.decode()
    assert 'portal_ingest_events_total{outcome="accepted",reason=""} 26.0' in text
    assert 'portal_ingest_events_total{outcome="dropped",reason="unknown_app"} 1.0' in text
    assert "portal_ingest_redacted_keystrokes_total 15.0" in text


def test_key_up_follows_its_key_down_and_unpaired_key_ups_reveal_nothing(
    client, token, alice_consents_all, redaction_rules
):
    events = []
    for i, ch in enumerate("card 4111111111111111 ok"):
        code = f"Digit{ch}" if ch.isdigit() else "Other"
        events.append(event(key={"code": code, "char": ch}, ts=stamp(i * 100)))
        events.append(event(type="key_up", key={"code": code, "char": ch}, ts=stamp(i * 100 + 50)))
    events.append(event(type="key_up", key={"code": "Digit7", "char": "7"}, ts=stamp(9000)))
    post(client, token, batch(events))
    ups = InteractionEvent.objects.filter(event_type="key_up")
    assert not ups.filter(key_code__startswith="Digit").exclude(redaction=None).exists()
    assert ups.filter(redaction="card_number").count() == 16
    assert not ups.filter(key_char__regex=r"[0-9]").exists()
    orphan = ups.get(ts__gte=datetime.now(UTC) - timedelta(days=1), key_code=None, redaction=None)
    assert orphan.key_char is None


# ------------------------------------------------- personal data split across batches


def _keys(text: str, base: datetime, start_ms: int = 0) -> list[dict]:
    """A key_down and, 60 ms later, its key_up per character of ``text``, 120 ms apart;
    "^" is a Shift press and "\\b" a Backspace."""
    events = []
    for i, ch in enumerate(text):
        special = {"^": "ShiftLeft", "\b": "Backspace"}.get(ch)
        key = {"code": special, "char": None} if special else {"code": key_code(ch), "char": ch}
        at = start_ms + i * 120
        events.append(event(key=key, ts=stamp(at, base)))
        events.append(event(type="key_up", key=key, ts=stamp(at + 60, base)))
    return events


def _clear(event_type: str) -> list[tuple]:
    """(code, char) of the stored, unredacted key events of one type, in time order."""
    rows = InteractionEvent.objects.filter(event_type=event_type, redaction=None).order_by("ts")
    return [(r.key_code, r.key_char) for r in rows if r.key_code or r.key_char]


def _as_typed(text: str) -> list[tuple]:
    return [("ShiftLeft", None) if ch == "^" else (key_code(ch), ch) for ch in text]


def test_an_email_split_across_two_batches_is_redacted_in_both(
    client, token, alice_consents_all, redaction_rules
):
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    head = "write to ^John.Smith"
    first = _keys(head, base)
    second = _keys("@example.com thanks", base, start_ms=len(head) * 120)
    # The last key of the first batch is released in the second.
    first, second = first[:-1], [first[-1], *second]

    r1 = post(client, token, batch(first)).json()
    # Before its "@" an address is a word like any other: stored in clear for now.
    assert r1["redacted"] == 0
    assert _clear("key_down") == _as_typed("write to ^John.Smith")

    r2 = post(client, token, batch(second)).json()
    assert r2["accepted"] == len(second)
    # Nothing stored reveals a character of the address, as code or as char,
    # in either batch; what was typed before and after it stays.
    assert _clear("key_down") == _as_typed("write to  thanks")
    assert _clear("key_up") == _as_typed("write to  thanks")
    email = InteractionEvent.objects.exclude(redaction=None)
    downs = email.filter(event_type="key_down")
    assert downs.count() == len("^John.Smith@example.com")  # the Shift before it too
    # Every key_up of the address but the one released in the second batch, which
    # was stored without code or char (its key_down was not in that batch).
    assert email.filter(event_type="key_up").count() == len("^John.Smith@example.com") - 1
    assert {(r.key_code, r.key_char, r.redaction) for r in email} == {(None, "[EMAIL]", "email")}
    # The first batch's part was redacted by the second: counted there.
    assert r2["redacted"] == email.count()
    assert sorted(IngestBatch.objects.values_list("redacted", flat=True)) == [0, email.count()]
    day = ActivityDay.objects.get(data_kind__slug="key")
    assert day.redacted == r1["redacted"] + r2["redacted"] == email.count()
    assert day.events == len(first) + len(second)


def test_a_card_number_split_across_batches_with_a_pause_is_redacted_in_both(
    client, token, alice_consents_all, redaction_rules
):
    SafeguardRule.objects.create(kind="keystroke_timing", name="1s", resolution_ms=1000)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    # The batch ends on a typo: "11111" is no card grouping, so nothing is held.
    head = "pay with 4111 1111 11111"
    r1 = post(client, token, batch(_keys(head, base))).json()
    assert r1["redacted"] == 0
    assert _clear("key_down") == _as_typed(head)

    # Twenty seconds later the typo is deleted and the number finished.
    rest = _keys("\b 1111 thanks", base, start_ms=len(head) * 120 + 20_000)
    r2 = post(client, token, batch(rest)).json()
    assert _clear("key_down") == _as_typed("pay with  thanks")
    # The key_up of the space before the card was released in the same coarsened
    # second as the card's first digit was pressed: a tie, redacted with it.
    assert _clear("key_up") == _as_typed("pay with") + _as_typed(" thanks")
    card = InteractionEvent.objects.exclude(redaction=None)
    assert {(r.key_code, r.key_char, r.redaction) for r in card} == {
        (None, "[CARD_NUMBER]", "card_number")
    }
    stored = InteractionEvent.objects.filter(event_type__in=("key_down", "key_up"))
    assert not stored.filter(key_char__regex=r"[0-9]").exists()
    assert not stored.filter(key_code__startswith="Digit").exists()
    # 16 digits, 3 spaces, the typo and its Backspace; their key_ups; the tie.
    assert card.filter(event_type="key_down").count() == 21
    assert card.count() == 21 * 2 + 1
    day = ActivityDay.objects.get(data_kind__slug="key")
    assert day.redacted == r1["redacted"] + r2["redacted"] == card.count()


def test_a_match_inside_the_earlier_batch_alone_is_not_redacted_again(
    client, token, alice_consents_all, redaction_rules
):
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    first = post(client, token, batch(_keys("mail a.b@example.com now", base))).json()
    second = post(client, token, batch(_keys(" or later", base, start_ms=5_000))).json()
    assert first["redacted"] == 2 * len("a.b@example.com") and second["redacted"] == 0
    assert _clear("key_down") == _as_typed("mail  now or later")
    assert ActivityDay.objects.get(data_kind__slug="key").redacted == first["redacted"]


def test_the_typed_tail_keeps_the_stored_time_of_each_character(
    client, token, alice_consents_all, redaction_rules, device
):
    SafeguardRule.objects.create(kind="keystroke_timing", name="50ms", resolution_ms=50)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    text = "the quick brown fox jumps over the lazy dog " * 5
    post(client, token, batch(_keys(text, base)))
    text_key, stamps_key = tail_keys(device[0].pk, alice_consents_all.employee.subject_id, "s-1")
    tail = redis_client().get(text_key).decode()
    end, stamps = stamps_decode(redis_client().get(stamps_key), len(tail))
    assert tail == text[-CONTEXT_LIMIT:]

    def micros(rows):
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return [(r.ts - epoch) // timedelta(microseconds=1) for r in rows.order_by("ts")]

    rows = InteractionEvent.objects.all()
    # As stored: coarsened to 50 ms, the key_down of each character of the tail.
    assert stamps == micros(rows.filter(event_type="key_down"))[-CONTEXT_LIMIT:]
    assert all(stamp % 50_000 == 0 for stamp in stamps)
    assert end == max(micros(rows))  # the last key_up


def test_stamps_encode_and_decode():
    stamps = [1_700_000_000_000_000, None, 1_700_000_000_120_000, 1_699_999_999_000_000]
    raw = stamps_encode(1_700_000_000_500_000, stamps)
    assert stamps_decode(raw, len(stamps)) == (1_700_000_000_500_000, stamps)
    # Not as many stamps as characters, or not stamps at all: nothing is known.
    assert stamps_decode(raw, len(stamps) + 1) == (None, [None] * (len(stamps) + 1))
    assert stamps_decode(None, 2) == (None, [None, None])
    assert stamps_decode(b"x,1", 1) == (None, [None])
    assert stamps_decode(b'{"a": 1}', 1) == (None, [None])
    assert stamps_decode(stamps_encode(None, []), 0) == (None, [])


def test_stored_micros_is_the_coarsened_time_of_the_row():
    rng = random.Random(3)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    for _ in range(2000):
        ts = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=rng.randrange(10**14))
        ts = ts.astimezone(rng.choice(zones))
        step = rng.choice([0, 1, 7, 50, 333, 1000, 60_000])
        policy = SafeguardPolicy(apps={}, key_resolution_ms=step)
        stored = policy.coarsen(ts) if step > 1 else ts
        assert stored_micros(ts, step) == (stored - epoch) // timedelta(microseconds=1)


@pytest.mark.django_db(transaction=True)
def test_a_stored_batch_is_answered_200_when_the_broker_is_down_after_commit(
    client, token, alice_consents_all
):
    from governance.models import SessionRefresh
    from tests.worker import publishing_to

    # Nothing listens on port 1: the nudge to refresh session summaries cannot be sent.
    with publishing_to("redis://127.0.0.1:1/0"):
        response = post(client, token, batch([event()]))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert InteractionEvent.objects.count() == 1
    # The refresh is owed durably; beat re-drives it once the broker is back.
    assert SessionRefresh.objects.count() == 1
