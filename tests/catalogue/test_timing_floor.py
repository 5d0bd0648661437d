"""Key event times are never stored finer than 50 ms, whatever the catalogue says."""

from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

from django.apps import apps

from governance import migrations
from governance.models import AuditEvent, InteractionEvent, SafeguardRule
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from tests.conftest import written
from tests.ingestion.helpers import batch, event, post, stamp

FLOOR = "never stored finer than 50 ms"


def test_floor_is_fifty_milliseconds():
    assert KEY_TIMING_FLOOR_MS == 50


def test_api_refuses_a_timing_rule_below_the_floor_naming_the_field(client_as, olivia, catalogue):
    before = written()

    response = client_as(olivia).post(
        "/api/v1/safeguards",
        {"kind": "keystroke_timing", "name": "Fine", "resolution_ms": 20},
        format="json",
    )

    assert response.status_code == 400
    assert FLOOR in " ".join(response.json()["resolution_ms"])
    assert not SafeguardRule.objects.exists()
    assert written() == before


def test_api_refuses_lowering_an_existing_rule_below_the_floor(client_as, olivia, catalogue):
    rule = SafeguardRule.objects.create(kind="keystroke_timing", name="T", resolution_ms=100)

    response = client_as(olivia).patch(
        f"/api/v1/safeguards/{rule.pk}", {"resolution_ms": 49}, format="json"
    )

    assert response.status_code == 400
    assert "resolution_ms" in response.json()
    rule.refresh_from_db()
    assert rule.resolution_ms == 100
    assert not AuditEvent.objects.filter(action__startswith="catalogue.").exists()


def test_api_accepts_the_floor_itself(client_as, olivia, catalogue):
    response = client_as(olivia).post(
        "/api/v1/safeguards",
        {"kind": "keystroke_timing", "name": "Floor", "resolution_ms": 50},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert SafeguardRule.objects.get().resolution_ms == 50


def test_page_refuses_a_timing_rule_below_the_floor(as_user, olivia, catalogue):
    data = {"kind": "keystroke_timing", "name": "Fine", "resolution_ms": "10"}

    response = as_user(olivia).post("/officer/safeguards/new/", data)

    assert response.status_code == 400
    assert FLOOR in response.content.decode()
    assert not SafeguardRule.objects.exists()


def test_keystroke_is_coarsened_to_fifty_ms_with_no_timing_rule(client, token, alice_consents_all):
    assert not SafeguardRule.objects.filter(kind="keystroke_timing").exists()
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)

    post(
        client,
        token,
        batch([event(ts=stamp(1_137, base)), event(type="scroll", ts=stamp(37, base))]),
    )

    key = InteractionEvent.objects.get(event_type="key_down")
    scroll = InteractionEvent.objects.get(event_type="scroll")
    assert key.ts == base + timedelta(milliseconds=1_100)  # 1137 ms floored to 1100
    assert scroll.ts == base + timedelta(milliseconds=37)  # only key events are coarsened


def test_a_rule_stored_below_the_floor_still_gets_fifty_ms(client, token, alice_consents_all):
    # A row written before the floor existed, bypassing today's validation.
    SafeguardRule.objects.create(kind="keystroke_timing", name="Old", resolution_ms=10)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)

    post(client, token, batch([event(ts=stamp(37, base))]))

    assert InteractionEvent.objects.get().ts == base  # 37 ms floored to 0, not to 30


def test_a_coarser_rule_still_wins(client, token, alice_consents_all):
    SafeguardRule.objects.create(kind="keystroke_timing", name="Coarse", resolution_ms=200)
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)

    post(client, token, batch([event(ts=stamp(399, base))]))

    assert InteractionEvent.objects.get().ts == base + timedelta(milliseconds=200)


def test_migration_raises_existing_rules_to_the_floor(db):
    fine = SafeguardRule.objects.create(kind="keystroke_timing", name="Fine", resolution_ms=10)
    coarse = SafeguardRule.objects.create(kind="keystroke_timing", name="Coarse", resolution_ms=80)
    # Found by name, not number: migrations are renumbered when branches meet.
    (path,) = Path(migrations.__file__).parent.glob("*_notice_statement_and_key_timing_floor.py")
    migration = import_module(f"governance.migrations.{path.stem}")

    migration.raise_key_timing_to_floor(apps, None)

    fine.refresh_from_db()
    coarse.refresh_from_db()
    assert (fine.resolution_ms, coarse.resolution_ms) == (50, 80)
