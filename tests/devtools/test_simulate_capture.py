"""`manage.py simulate_capture`: realistic streams, posted through the real endpoint."""

import re
import socket
import statistics
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from governance.devtools.demo import APPLICATIONS
from governance.devtools.simulation import (
    EXCLUDED_IDENTIFIER,
    SIGN_IN_TITLE,
    UNCATALOGUED_IDENTIFIER,
    CaptureApp,
    batch_body,
    capture_sessions,
    session_batches,
)
from governance.management.commands.simulate_capture import IngestClient
from governance.models import (
    Application,
    CaptureDevice,
    IngestBatch,
    InteractionEvent,
    SafeguardRule,
)
from governance.models.ingestion import EventType
from governance.redaction import find_pii
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.ingestion.schema import batch_decode
from governance.services.scopes import Scope
from tests.factories import make_user

END = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
START = END - timedelta(minutes=4)
DEMO_APPS = [
    CaptureApp(identifier=identifiers[0], profile=slug)
    for slug, _name, identifiers in APPLICATIONS
    if slug != "password-manager"
]


def simulate(seed=7, employees=10):
    people = [f"person{n}@example.com" for n in range(employees)]
    return list(capture_sessions(employees=people, apps=DEMO_APPS, start=START, end=END, seed=seed))


def typed_text(events) -> str:
    """What the keystrokes outside password fields typed, as the redaction reassembles it."""
    text = []
    for event in events:
        if event["type"] != "key_down" or event["secure_input"]:
            continue
        if event["key"]["code"] == "Backspace":
            text = text[:-1]
        elif event["key"]["char"]:
            text.append(event["key"]["char"])
    return "".join(text)


@pytest.fixture(scope="module")
def sessions():
    return simulate()


def test_the_same_seed_gives_the_same_streams(sessions):
    assert [s.events for s in simulate()] == [s.events for s in sessions]
    assert [s.events for s in simulate(seed=8)] != [s.events for s in sessions]


def test_every_batch_decodes_with_its_events_in_order_inside_the_window(sessions):
    for session in sessions:
        stamps = [event["ts"] for event in session.events]
        assert stamps == sorted(stamps)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ts) for ts in stamps)
        for events in session_batches(session, 500):
            batch = batch_decode(batch_body(events, device_id="simulator-1"))
            assert {e.session_id for e in batch.events} == {session.session_id}
            assert {e.employee for e in batch.events} == {session.employee}
            assert all(START <= e.ts <= END for e in batch.events)
            assert len(batch.events) <= 500


def test_streams_cover_every_event_type_and_what_the_safeguards_are_for(sessions):
    events = [event for session in sessions for event in session.events]
    assert {event["type"] for event in events} == set(EventType.values)
    apps = Counter(event["app"] for event in events)
    assert {app.identifier for app in DEMO_APPS} <= set(apps)
    assert apps[EXCLUDED_IDENTIFIER] > 0 and apps[UNCATALOGUED_IDENTIFIER] > 0
    secure = [e for e in events if e["secure_input"]]
    assert secure and all(e["type"] in ("key_down", "key_up") for e in secure)
    assert {e["window_title"] for e in secure} == {SIGN_IN_TITLE}
    found = {span.detector for s in sessions for span in find_pii(typed_text(s.events))}
    assert {"card_number", "email", "phone", "iban", "secret"} <= found


def test_typing_is_paced_like_a_person_and_every_key_goes_up(sessions):
    events = sessions[0].events
    downs = [e for e in events if e["type"] == "key_down"]
    assert Counter(e["key"]["code"] for e in downs) == Counter(
        e["key"]["code"] for e in events if e["type"] == "key_up"
    )
    assert any(e["key"]["code"] == "Backspace" for e in downs)
    moments = [datetime.fromisoformat(e["ts"]) for e in downs if e["key"]["char"]]
    gaps = [(b - a).total_seconds() * 1000 for a, b in zip(moments, moments[1:], strict=False)]
    assert 80 <= statistics.median(gaps) <= 250


def test_pointer_moves_follow_paths_rather_than_jumping(sessions):
    moves = [e["pointer"] for e in sessions[0].events if e["type"] == "pointer_move"]
    steps = [
        abs(b["x"] - a["x"]) + abs(b["y"] - a["y"]) for a, b in zip(moves, moves[1:], strict=False)
    ]
    assert statistics.median(steps) < 100


# --- through the real endpoint ------------------------------------------------


def tally(output: str) -> dict:
    figures = {
        name: int(re.search(rf"{name}\s+([\d,]+)", output).group(1).replace(",", ""))
        for name in ("accepted", "redacted")
    }
    figures["batches"], figures["events"] = (
        int(n.replace(",", ""))
        for n in re.search(r"Posted ([\d,]+) batches, ([\d,]+) events", output).groups()
    )
    dropped = re.search(r"dropped\s+[\d,]+ \((.*)\)", output)
    pairs = (item.rsplit(" ", 1) for item in dropped.group(1).split(", ")) if dropped else ()
    figures["dropped"] = {reason: int(n.replace(",", "")) for reason, n in pairs}
    withheld = re.search(r"withheld\s+([\d,]+)", output)
    figures["withheld"] = int(withheld.group(1).replace(",", "")) if withheld else None
    figures["captured"] = int(re.search(r": ([\d,]+) events in", output).group(1).replace(",", ""))
    return figures


def simulate_capture(url: str, *args: str) -> dict:
    out = StringIO()
    call_command(
        "simulate_capture",
        *("--employees", "3", "--minutes", "1", "--devices", "2", "--batch-size", "200"),
        *("--seed", "7", "--url", url, *args),
        stdout=out,
        stderr=StringIO(),
    )
    return tally(out.getvalue())


@pytest.fixture
def consenting_people(catalogue):
    """Three people who consented to every data kind but pointer movement, in both apps."""
    password_manager = Application.objects.create(
        slug="password-manager", name="1Password", identifiers=[EXCLUDED_IDENTIFIER]
    )
    SafeguardRule.objects.create(
        kind=SafeguardRule.Kind.EXCLUDED_APPLICATION,
        name="Never the password manager",
        application=password_manager,
    )
    for detector, _label in SafeguardRule.Detector.choices:
        SafeguardRule.objects.create(
            kind=SafeguardRule.Kind.REDACTION_DETECTOR, name=detector, detector=detector
        )
    people = [make_user(f"sim{n}@example.com") for n in range(3)]
    for user in people:
        for app in catalogue["applications"]:
            for kind in catalogue["kinds"]:
                if kind.slug != "pointer":
                    consent_grant(
                        employee=user.employee,
                        scope=Scope(catalogue["purpose"], app, kind),
                        actor=user,
                        context=RequestContext(),
                    )
    return people


@pytest.mark.django_db(transaction=True)
def test_the_tally_is_what_the_database_holds(live_server, consenting_people):
    figures = simulate_capture(live_server.url, "--ignore-policy")

    assert figures["accepted"] > 0
    assert figures["dropped"]["no_consent"] > 0  # the pointer moves
    assert figures["withheld"] is None  # no policy asked for
    assert figures["events"] == figures["captured"]
    assert InteractionEvent.objects.count() == figures["accepted"]
    batches = list(IngestBatch.objects.all())
    assert len(batches) == figures["batches"]
    assert sum(b.events for b in batches) == figures["events"]
    assert sum(b.redacted for b in batches) == figures["redacted"]
    assert sum((Counter(b.dropped) for b in batches), Counter()) == figures["dropped"]
    assert figures["accepted"] + sum(figures["dropped"].values()) == figures["events"]
    subjects = {user.employee.subject_id for user in consenting_people}
    assert set(InteractionEvent.objects.values_list("subject", flat=True)) <= subjects
    # The devices' tokens died with the command, so the devices are revoked.
    assert not CaptureDevice.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_honouring_the_policy_sends_only_what_was_consented(live_server, consenting_people):
    figures = simulate_capture(live_server.url)

    # Pointer moves (not consented), the excluded and the uncatalogued apps stay behind.
    assert figures["withheld"] > 0 and figures["accepted"] > 0
    assert figures["dropped"] == {}
    assert figures["accepted"] + figures["withheld"] == figures["captured"]
    assert InteractionEvent.objects.count() == figures["accepted"]
    assert not InteractionEvent.objects.filter(data_kind__slug="pointer").exists()
    assert sum(b.events for b in IngestBatch.objects.all()) == figures["events"]


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_stops_the_scope_being_sent_by_the_next_poll(
    live_server, consenting_people, catalogue
):
    """The command runs at 6x real time, polling before every batch; once alice's
    keystrokes in an application are stored, she withdraws that scope. At most the batch
    already past its poll carries them after that (the gate refuses it), no later one."""
    alice = consenting_people[0]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    hers = InteractionEvent.objects.filter(subject=alice.employee.subject_id)
    result: dict = {}

    def run():
        try:
            result["figures"] = simulate_capture(
                live_server.url, "--speed", "6", "--policy-poll", "0", "--batch-size", "20"
            )
        except BaseException as exc:  # shown by the assertions below
            result["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while (typed := hers.filter(data_kind=key).first()) is None:
        assert worker.is_alive() and time.monotonic() < deadline, result
        time.sleep(0.05)
    app = typed.application
    consent_withdraw(
        employee=alice.employee, scope=Scope(catalogue["purpose"], app, key), actor=alice,
        context=RequestContext(),
    )  # fmt: skip
    withdrawn_at = timezone.now()
    worker.join(timeout=120)

    figures = result["figures"]
    later = IngestBatch.objects.filter(received_at__gt=withdrawn_at)
    refused = [b for b in later if b.dropped.get("no_consent")]
    assert len(refused) <= 1, [b.dropped for b in refused]
    assert sum(b.dropped.get("no_consent", 0) for b in later) == figures["dropped"].get(
        "no_consent", 0
    )
    # She kept working after it, and what she still consents to went through.
    after = hers.filter(batch_id__in=[b.batch_id for b in later])
    assert after.exists()
    assert not after.filter(application=app, data_kind=key).exists()
    assert figures["withheld"] > 0


@pytest.mark.django_db
def test_an_unreachable_url_fails_clearly_and_registers_nothing(catalogue, alice):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed: nothing listens there

    with pytest.raises(CommandError, match=f"Cannot reach http://127.0.0.1:{port}"):
        call_command("simulate_capture", "--url", f"http://127.0.0.1:{port}", stdout=StringIO())
    assert not CaptureDevice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_refused_batch_stops_the_run_with_the_status(live_server):
    body = batch_body([], device_id="simulator-1")
    with pytest.raises(CommandError, match="HTTP 401"):
        IngestClient(live_server.url).post(body, "idg_not-a-token")


@pytest.mark.django_db(transaction=True)
def test_a_refused_policy_poll_stops_the_run_as_a_revoked_device_must(live_server):
    with pytest.raises(CommandError, match=r"/api/v1/ingest/policy answered HTTP 401"):
        IngestClient(live_server.url).policy("idg_not-a-token", ["alice@example.com"], None)
