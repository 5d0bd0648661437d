"""The ingestion endpoint: consent gate, safeguards, idempotency, limits and errors."""

import uuid
from datetime import UTC, datetime, timedelta

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
from governance.services.scopes import Scope
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
    tallies = {(t.subject, t.reason): t.events for t in DropTally.objects.all()}
    assert tallies[(bob.employee.subject_id, "no_consent")] == 1


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
    base = datetime(2026, 11, 29, 9, 0, 0, tzinfo=UTC)
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
    client, token, alice_consents_all
):
    from governance.services.partitions import event_partitions_adopt_strays, partition_name

    far = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
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
