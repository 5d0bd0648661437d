"""The audit evidence bundle: its standalone verifier passes an intact bundle and names the
first sequence number of a line altered, dropped or reordered, or a tampered checkpoint."""

import json
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.evidence import verify_bundle
from governance.evidence.bundle import audit_bundle_write
from governance.models import AuditEvent
from governance.services.audit import GENESIS_HASH, audit_hash
from governance.services.audit_checkpoints import audit_checkpoint_sign

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


def append_at(day: date, n: int, *, hour: int = 12) -> list[AuditEvent]:
    """Chain `n` events dated at noon of `day`, hashed as the portal hashes them (the
    service always dates events now; a test needs whole days in the past)."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    when = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    events = []
    for i in range(n):
        event = AuditEvent(
            seq=seq + i,
            occurred_at=when + timedelta(seconds=i),
            actor_type="user",
            actor_id="7",
            actor_label="leo@example.com",
            action="personal_data.viewed",
            target_type="Employee",
            target_id=str(i),
            subject=f"sub_{i:024x}",
            purpose="audit",
            details={"i": i, "why": "Anfrage «Prüfung» — 5 %", "small": 1.5e-05, "tiny": 1e-7},
            prev_hash=prev,
        )
        event.hash = prev = audit_hash(event)
        events.append(event)
    return AuditEvent.objects.bulk_create(events)


@pytest.fixture
def three_days():
    """Day 1: seq 1–3 and a checkpoint; day 2: seq 4–7; day 3: seq 8–10."""
    append_at(DAY1, 3)
    audit_checkpoint_sign()
    append_at(DAY2, 4)
    append_at(DAY3, 3)


def write_bundle(path, date_from, date_to) -> dict:
    with path.open("wb") as out:
        return audit_bundle_write(out, date_from=date_from, date_to=date_to)


# Runs the script with Django, orjson and the portal unimportable: the venv has them, a
# recipient does not.
WITHOUT_THE_PORTAL = """
import runpy, sys
for name in ("django", "orjson", "governance", "portal"):
    sys.modules[name] = None
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_verifier(target, tmp_path) -> subprocess.CompletedProcess:
    """The verifier as a recipient runs it: the copy from the bundle, alone in a folder,
    in isolated mode (no project on the path, no Django)."""
    folder = tmp_path / "recipient"
    folder.mkdir(exist_ok=True)
    if target.is_file():
        with zipfile.ZipFile(target) as archive:
            source = archive.read("verify_bundle.py")
    else:
        source = (target / "verify_bundle.py").read_bytes()
    script = folder / "verify_bundle.py"
    script.write_bytes(source)
    return subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_THE_PORTAL, str(script), str(target)],
        capture_output=True,
        text=True,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )


def extracted(bundle, tmp_path):
    folder = tmp_path / "extracted"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


def edit_lines(path, change):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


@pytest.fixture
def whole_bundle(three_days, tmp_path):
    path = tmp_path / "bundle.zip"
    write_bundle(path, DAY1, DAY3)
    return path


def test_an_intact_bundle_verifies(whole_bundle, tmp_path):
    result = run_verifier(whole_bundle, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: events 1..10, 2 checkpoints")
    assert "note:" not in result.stdout  # every event is under a signature


def test_the_bundle_holds_what_its_readme_promises(whole_bundle):
    with zipfile.ZipFile(whole_bundle) as archive:
        names = set(archive.namelist())
        readme = archive.read("README.txt").decode()
        lines = archive.read("events.jsonl").decode().splitlines()
        pem = archive.read("public_key.pem")
    assert names == {
        "README.txt",
        "manifest.json",
        "public_key.pem",
        "verify_bundle.py",
        "checkpoints.jsonl",
        "events.jsonl",
    }
    assert "python verify_bundle.py" in readme
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    stored = {e.seq: e for e in AuditEvent.objects.all()}
    for line in lines:
        event = json.loads(line)
        assert event["hash"] == stored[event["seq"]].hash
        assert set(event) == {*verify_bundle.HASHED_FIELDS, "prev_hash", "hash"}


def test_an_altered_line_is_named(whole_bundle, tmp_path):
    folder = extracted(whole_bundle, tmp_path)

    def alter(lines):
        event = json.loads(lines[4])  # seq 5
        event["actor_label"] = "someone-else@example.com"
        lines[4] = json.dumps(event, ensure_ascii=False) + "\n"
        return lines

    edit_lines(folder / "events.jsonl", alter)
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 5:"), result.stdout


def test_a_dropped_line_is_named(whole_bundle, tmp_path):
    folder = extracted(whole_bundle, tmp_path)
    edit_lines(folder / "events.jsonl", lambda lines: lines[:5] + lines[6:])  # seq 6
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 6:"), result.stdout


def test_reordered_lines_are_named(whole_bundle, tmp_path):
    folder = extracted(whole_bundle, tmp_path)
    edit_lines(folder / "events.jsonl", lambda ls: [*ls[:6], ls[7], ls[6], *ls[8:]])  # 7 ↔ 8
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 7:"), result.stdout


def test_a_dropped_last_line_is_named(whole_bundle, tmp_path):
    folder = extracted(whole_bundle, tmp_path)
    edit_lines(folder / "events.jsonl", lambda lines: lines[:-1])
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 10:"), result.stdout


def test_a_rewritten_history_is_caught_by_the_checkpoint(whole_bundle, tmp_path):
    """Whoever alters an event and recomputes every hash after it keeps the links whole;
    the signed checkpoint at the head is what exposes it."""
    folder = extracted(whole_bundle, tmp_path)

    def rewrite(lines):
        events = [json.loads(line) for line in lines]
        events[5]["action"] = "nothing.happened"  # seq 6
        for i in range(5, len(events)):
            events[i]["prev_hash"] = events[i - 1]["hash"]
            events[i]["hash"] = verify_bundle.event_hash(events[i])
        return [json.dumps(e, ensure_ascii=False) + "\n" for e in events]

    edit_lines(folder / "events.jsonl", rewrite)
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 10:"), result.stdout
    assert "checkpoint" in result.stdout


def test_a_tampered_checkpoint_signature_is_caught(whole_bundle, tmp_path):
    folder = extracted(whole_bundle, tmp_path)

    def tamper(lines):
        checkpoint = json.loads(lines[0])  # seq 3
        value = checkpoint["signature"]["value"]
        checkpoint["signature"]["value"] = ("B" if value[0] == "A" else "A") + value[1:]
        return [json.dumps(checkpoint) + "\n", *lines[1:]]

    edit_lines(folder / "checkpoints.jsonl", tamper)
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 3: checkpoint at seq 3: signature"), (
        result.stdout
    )


def test_a_checkpoint_signed_with_another_key_is_refused(whole_bundle, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = extracted(whole_bundle, tmp_path)
    other = Ed25519PrivateKey.generate().public_key()
    (folder / "public_key.pem").write_bytes(
        other.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1 and "manifest.json" in result.stdout


def test_a_period_holds_its_events_and_those_up_to_the_next_checkpoint(three_days, tmp_path):
    path = tmp_path / "day2.zip"
    manifest = write_bundle(path, DAY2, DAY2)
    # Day 2 is seq 4–7; the first checkpoint after it (signed while writing) is at 10.
    assert manifest["events"] == {"first_seq": 4, "last_seq": 10, "period_last_seq": 7}
    with zipfile.ZipFile(path) as archive:
        seqs = [json.loads(line)["seq"] for line in archive.read("events.jsonl").splitlines()]
        checkpoints = archive.read("checkpoints.jsonl").splitlines()
    assert seqs == list(range(4, 11))
    assert [json.loads(c)["seq"] for c in checkpoints] == [10]
    result = run_verifier(path, tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("OK: events 4..10, 1 checkpoint\n")


def test_progress_counts_the_events_written(three_days, tmp_path):
    calls = []
    with (tmp_path / "p.zip").open("wb") as out:
        audit_bundle_write(out, date_from=DAY3, date_to=DAY3, progress=lambda *a: calls.append(a))
    assert calls[-1] == (3, 3)  # seq 8–10


def test_events_a_manifest_does_not_list_are_refused(three_days, tmp_path):
    path = tmp_path / "empty.zip"
    write_bundle(path, date(2025, 1, 1), date(2025, 1, 31))
    folder = extracted(path, tmp_path)
    write_bundle(tmp_path / "whole.zip", DAY1, DAY3)
    with zipfile.ZipFile(tmp_path / "whole.zip") as other:
        (folder / "events.jsonl").write_bytes(other.read("events.jsonl"))
    result = run_verifier(folder, tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED at seq 1: seq 1: the manifest lists no events")


def test_a_period_without_events_verifies_as_empty(three_days, tmp_path):
    path = tmp_path / "empty.zip"
    manifest = write_bundle(path, date(2025, 1, 1), date(2025, 1, 31))
    assert manifest["events"]["first_seq"] is None and manifest["checkpoints"] == 0
    result = run_verifier(path, tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("OK: no events"), result.stdout


def test_the_verifier_and_the_portal_hash_every_event_alike():
    """Both sides of the same events: the portal's `audit_hash` and the verifier's own
    canonical JSON, which must agree byte for byte without orjson or Django."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from governance.services.audit import _event_fields

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
    )
    documents = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )

    @settings(max_examples=400, deadline=None)
    @given(details=st.dictionaries(st.text(), documents, max_size=5), label=st.text(max_size=40))
    def agree(details, label):
        event = AuditEvent(
            seq=42,
            occurred_at=datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC),
            actor_type="user",
            actor_id="7",
            actor_label=label,
            action="test.event",
            target_type="",
            target_id="",
            subject="",
            purpose="",
            details=details,
            prev_hash="a" * 64,
        )
        line = json.loads(json.dumps({**_event_fields(event), "prev_hash": event.prev_hash}))
        assert verify_bundle.event_hash(line) == audit_hash(event)

    agree()


def test_writing_streams_events_without_growing_with_the_period(tmp_path, monkeypatch):
    """Peak memory while writing 8× the events stays about the same: rows come through a
    server-side cursor a chunk at a time and are compressed as they come."""
    import tracemalloc

    from governance.evidence import bundle

    monkeypatch.setattr(bundle, "CHUNK", 100)

    def peak_for(n):
        append_at(DAY1, n)
        audit_checkpoint_sign()  # outside the measure: it recomputes the new events
        tracemalloc.start()
        write_bundle(tmp_path / f"{n}.zip", DAY1, DAY1)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small = peak_for(1_000)
    large = peak_for(7_000)  # 8,000 events in that second bundle
    assert large < small * 1.3, (small, large)


def test_command_writes_a_bundle_that_verifies(whole_bundle, tmp_path, capsys):
    out = tmp_path / "cmd.zip"
    before = AuditEvent.objects.count()
    call_command("audit_bundle", "--from", "2026-03-01", "--to", "2026-03-03", "--out", str(out))
    assert "events 1..10" in capsys.readouterr().out
    assert run_verifier(out, tmp_path).returncode == 0
    exported = AuditEvent.objects.get(seq=before + 1)
    assert exported.action == "audit.bundle_exported"
    assert exported.details["from"] == "2026-03-01" and exported.details["last_seq"] == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "--from: '2026-13-01' is not a date"),
        (["--from", "2026-01-01", "--to", "yesterday"], "--to: 'yesterday' is not a date"),
        (["--from", "2026-02-01", "--to", "2026-01-31"], r"--to \(2026-01-31\) is before --from"),
    ],
)
def test_command_refuses_bad_dates(tmp_path, args, message):
    out = tmp_path / "never.zip"
    with pytest.raises(CommandError, match=message):
        call_command("audit_bundle", *args, "--out", str(out))
    assert not out.exists()
    assert not AuditEvent.objects.filter(action="audit.bundle_exported").exists()


def test_command_names_an_unwritable_out_file(tmp_path):
    out = tmp_path / "no-such-folder" / "b.zip"
    with pytest.raises(CommandError, match="--out: cannot write"):
        call_command(
            "audit_bundle", "--from", "2026-01-01", "--to", "2026-01-02", "--out", str(out)
        )


def sign_then_append(monkeypatch, *, times: int) -> list[int]:
    """The bundle's signing of the head, followed (the first `times` times) by an event of
    day 3 committed before the bundle opens its snapshot. Returns the seqs signed."""
    from governance.evidence import bundle

    signed = []

    def sign_and_race():
        checkpoint = audit_checkpoint_sign()
        signed.append(checkpoint.seq)
        if len(signed) <= times:
            append_at(DAY3, 1, hour=12 + len(signed))  # times rise with seq
        return checkpoint

    monkeypatch.setattr(bundle, "audit_checkpoint_sign", sign_and_race)
    return signed


def test_an_event_between_the_signing_and_the_snapshot_is_still_under_a_signature(
    three_days, tmp_path, monkeypatch
):
    signed = sign_then_append(monkeypatch, times=1)
    path = tmp_path / "raced.zip"

    manifest = write_bundle(path, DAY1, DAY3)

    # Signed at 10, then seq 11 came: the head was signed again, and 11 is in the bundle.
    assert signed == [10, 11]
    assert manifest["events"] == {"first_seq": 1, "last_seq": 11, "period_last_seq": 11}
    with zipfile.ZipFile(path) as archive:
        checkpoints = [json.loads(c)["seq"] for c in archive.read("checkpoints.jsonl").split()]
    assert checkpoints[-1] == 11
    result = run_verifier(path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: events 1..11")
    assert "note:" not in result.stdout  # every event is under a signature


def test_a_period_written_to_faster_than_it_is_signed_ends_at_the_last_signed_head(
    three_days, tmp_path, monkeypatch
):
    signed = sign_then_append(monkeypatch, times=99)
    path = tmp_path / "busy.zip"

    manifest = write_bundle(path, DAY1, DAY3)

    last_signed = signed[-1]
    assert len(signed) == 3 and AuditEvent.objects.order_by("-seq").first().seq == last_signed + 1
    assert manifest["events"] == {
        "first_seq": 1,
        "last_seq": last_signed,
        "period_last_seq": last_signed,
    }
    result = run_verifier(path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"OK: events 1..{last_signed}")
    assert "note:" not in result.stdout
