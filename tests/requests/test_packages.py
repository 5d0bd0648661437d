"""Access packages: what goes in (every registered store, consent, requests, audit), the
signed manifest, the events CSV, memory while a large one builds, a real worker, and
the package's own life in the exports store (erasure, retention)."""

import csv
import hashlib
import io
import time
import tracemalloc
from datetime import datetime, timedelta

import orjson
import pytest
from django.utils import timezone

from governance.models import (
    AuditEvent,
    DataRequest,
    ErasureJob,
    ExportPackage,
    RetentionRun,
    SentEmail,
)
from governance.packages import jsonl_write
from governance.services.datasets import dataset_build, dataset_request
from governance.services.erasure import erasure_job_create
from governance.services.exports import MAX_ATTEMPTS, export_package_build
from governance.services.holds import legal_hold_create
from governance.services.retention import retention_enforce
from governance.services.signing import verify_document
from governance.stores import REGISTRY, store
from governance.stores.exports import exports_storage
from governance.stores.sessions import sessions_refresh_pending
from tests.erasure.helpers import drive
from tests.ingestion.helpers import batch, event, post, stamp
from tests.requests.helpers import (
    bulk_events,
    member_rows,
    package_files_removed,  # noqa: F401  (autouse)
    package_requested,
    package_zip,
)


@pytest.fixture
def alice_with_data(client, token, alice_consents_all, olivia, redaction_rules, settings, tmp_path):
    """alice with rows in every store: events (one redacted), a dropped event, sessions,
    activity days, her session's typed tail, a training snapshot of them and an earlier
    package of hers still kept."""
    events = [event(ts=stamp(i * 300)) for i in range(6)]
    events += [event(type="scroll", ts=stamp(2000))]
    events += [event(app="soffice.bin", ts=stamp(2500))]  # no consent in Calc: not hers to export
    assert post(client, token, batch(events)).status_code == 200
    sessions_refresh_pending()
    settings.DATASETS_URL = (tmp_path / "datasets").as_uri()
    snapshot = dataset_request(
        actor=olivia,
        purpose="train-computer-use-models",
        applications=["vscode"],
        data_kinds=["key", "scroll"],
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    # A worker running in this test may be building it already: then wait for it.
    deadline = time.monotonic() + 30
    while dataset_build(snapshot.pk) != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    earlier = package_requested(alice_consents_all, olivia)
    assert export_package_build(earlier.pk).state == "ready"
    return alice_consents_all


def _exported(name: str, subject: str) -> list:
    """What a store's export() yields now, as the package writes it (JSON round trip)."""
    out = io.BytesIO()
    jsonl_write(out, store(name).export(subject))
    return [orjson.loads(line) for line in out.getvalue().splitlines()]


def test_a_package_holds_the_data_of_every_registered_store(alice_with_data, olivia):
    subject = alice_with_data.employee.subject_id
    expected = {name: _exported(name, subject) for name in REGISTRY}
    # A store with nothing of alice's here would prove nothing about its part.
    assert all(expected.values()), {n: len(rows) for n, rows in expected.items()}
    package = package_requested(alice_with_data, olivia)

    assert export_package_build(package.pk).state == "ready"

    archive = package_zip(package)
    names = set(archive.namelist())
    for name in REGISTRY:
        if f"data/{name}.csv" in names:
            header, *rows = member_rows(archive, f"data/{name}.csv")
            assert len(rows) == len(expected[name]), name
            written = [datetime.fromisoformat(row[header.index("ts")]) for row in rows]
            assert written == [datetime.fromisoformat(r["ts"]) for r in expected[name]], name
        else:
            assert f"data/{name}.jsonl" in names, f"store {name!r} is missing from the package"
            assert member_rows(archive, f"data/{name}.jsonl") == expected[name], name


def test_a_package_holds_consent_receipts_requests_and_who_accessed_the_data(
    alice_with_data, olivia
):
    employee = alice_with_data.employee
    package = package_requested(alice_with_data, olivia)
    export_package_build(package.pk)
    archive = package_zip(package)

    consent = member_rows(archive, "consent/history.jsonl")
    assert len(consent) == employee.consent_events.count() == 6
    assert all(verify_document(line["receipt"]) for line in consent)
    assert {line["receipt"]["consentReceiptID"] for line in consent} == {
        str(r) for r in employee.consent_events.values_list("receipt_id", flat=True)
    }
    requests = member_rows(archive, "requests/requests.jsonl")
    assert [r["request"] for r in requests] == list(
        DataRequest.objects.filter(employee=employee)
        .order_by("received_at")
        .values_list("pk", flat=True)
    )
    assert all(r["history"] for r in requests)
    audit = member_rows(archive, "audit/about_me.jsonl")
    about_her = AuditEvent.objects.filter(subject=employee.subject_id, seq__lte=audit[-1]["seq"])
    assert [a["seq"] for a in audit] == list(
        about_her.order_by("seq").values_list("seq", flat=True)
    )
    assert "package.built" in {a["action"] for a in audit}  # the earlier package's


def test_the_summary_names_purposes_retention_sources_safeguards_and_the_right_to_complain(
    alice_with_data, olivia, redaction_rules, settings
):
    from governance.services.retention import retention_policy_create

    retention_policy_create(actor=olivia, name="Raw events", store="events", keep_days=90)
    package = package_requested(alice_with_data, olivia)
    export_package_build(package.pk)
    html = package_zip(package).read("summary.html").decode()

    assert "Train computer-use models" in html or "train" in html.lower()
    assert "90 days (policy “Raw events”)" in html
    assert f"{settings.EXPORT_TTL_DAYS} days after the package is built" in html
    assert "test laptop" in html  # the capture device that recorded her sessions
    assert "Redaction detector" in html and "IBAN" in html
    assert "Key event times are stored rounded to 50 ms or coarser, always." in html
    assert settings.SUPERVISORY_AUTHORITY["name"] in html
    assert "complain" in html


def test_the_manifest_hashes_every_file_and_is_signed(alice_with_data, olivia):
    package = package_requested(alice_with_data, olivia)
    export_package_build(package.pk)
    package.refresh_from_db()
    archive = package_zip(package)
    manifest = orjson.loads(archive.read("manifest.json"))

    assert verify_document(manifest)
    assert set(manifest["files"]) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        data = archive.read(name)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["bytes"]
    assert manifest == package.manifest
    tampered = {**manifest, "files": {**manifest["files"], "summary.html": {"sha256": "0" * 64}}}
    assert not verify_document(tampered)
    with exports_storage().open(package.file_name, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == package.sha256


def test_the_events_csv_has_one_header_row_and_utc_times(alice_with_data, olivia):
    package = package_requested(alice_with_data, olivia)
    export_package_build(package.pk)
    text = package_zip(package).read("data/events.csv").decode()

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["ts", "event_type", "application", "data_kind", "purpose"]
    assert sum(row == rows[0] for row in rows) == 1
    times = [row[0] for row in rows[1:]]
    assert len(times) == store("events").count(alice_with_data.employee.subject_id) == 7
    assert all(t.endswith("Z") and "T" in t for t in times)
    parsed = [datetime.fromisoformat(t) for t in times]
    assert all(p.utcoffset() == timedelta(0) for p in parsed) and parsed == sorted(parsed)
    assert {row[2] for row in rows[1:]} == {"vscode"}


def test_building_twice_builds_once(alice_with_data, olivia):
    package = package_requested(alice_with_data, olivia)
    first = export_package_build(package.pk)
    second = export_package_build(package.pk)

    package.refresh_from_db()
    assert first.state == second.state == "ready"
    assert package.attempts == 1
    assert package.rows_written == package.rows_expected or package.rows_written > 0
    assert package.request.state == "completed"
    assert AuditEvent.objects.filter(action="package.built", target_id=str(package.pk)).count() == 1


def _build_peak(package) -> int:
    tracemalloc.start()
    try:
        assert export_package_build(package.pk).state == "ready"
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_while_a_large_package_builds(alice, bob, olivia, catalogue):
    bulk_events(alice.employee.subject_id, 20_000, catalogue)
    bulk_events(bob.employee.subject_id, 200_000, catalogue)
    small = _build_peak(package_requested(alice, olivia))
    large_package = package_requested(bob, olivia)
    large = _build_peak(large_package)

    large_package.refresh_from_db()
    csv_bytes = large_package.manifest["files"]["data/events.csv"]["bytes"]
    assert large_package.manifest["files"]["data/events.csv"]["rows"] == 200_000
    # Ten times the rows, some 20 MB of CSV: the peak of Python memory (about 1.5 MB for
    # the small one here) does not double, and grows by a small part of the data.
    assert large < 2 * small, (small, large)
    assert large - small < csv_bytes / 10, (small, large, csv_bytes)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_package_and_completes_the_request(
    celery_worker, alice_with_data, olivia
):
    package = package_requested(alice_with_data, olivia)
    deadline = time.monotonic() + 60
    while ExportPackage.objects.get(pk=package.pk).state == "building":
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.05)

    package.refresh_from_db()
    assert package.state == "ready", (package.last_error, celery_worker.log())
    assert package.expires_at == package.ready_at + timedelta(days=30)
    assert package.rows_written == sum(f.get("rows", 0) for f in package.manifest["files"].values())
    assert package.request.state == "completed"
    assert exports_storage().exists(package.file_name)
    # The person is emailed after the commit that completed the request.
    emailed = SentEmail.objects.filter(request=package.request, kind="request_completed")
    while not emailed.exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.05)


def test_erasing_the_person_removes_their_package_files(alice_with_data, olivia):
    subject = alice_with_data.employee.subject_id
    package = package_requested(alice_with_data, olivia)
    export_package_build(package.pk)
    files = list(ExportPackage.objects.filter(subject=subject).values_list("file_name", flat=True))
    assert len(files) == 2 and store("exports").count(subject) == 2

    job = drive(erasure_job_create(employee=alice_with_data.employee, cause="officer"))

    assert job.state == ErasureJob.State.VERIFIED
    assert job.receipt["stores"]["exports"]["rows_deleted"] == 2
    assert store("exports").count(subject) == 0
    assert not any(exports_storage().exists(name) for name in files)
    assert set(ExportPackage.objects.filter(subject=subject).values_list("state", flat=True)) == {
        "erased"
    }


def test_a_package_being_built_when_its_person_is_erased_is_built_again_from_what_is_left(
    alice_with_data, olivia
):
    package = package_requested(alice_with_data, olivia)
    # A build in flight: claimed (its claim clears last_error), reading the stores.
    ExportPackage.objects.filter(pk=package.pk).update(attempts=1, last_error="")

    drive(erasure_job_create(employee=alice_with_data.employee, cause="officer"))

    package.refresh_from_db()
    assert package.state == "building" and package.attempts == 0
    assert "erased while the package was being built" in package.last_error
    assert export_package_build(package.pk).state == "ready"
    header, *rows = member_rows(package_zip(package), "data/events.csv")
    assert header[0] == "ts" and rows == []  # nothing of before the erasure


def test_retention_removes_expired_packages_and_keeps_the_rest(alice_with_data, bob, olivia, leo):
    subject = alice_with_data.employee.subject_id
    [old] = ExportPackage.objects.filter(subject=subject, state="ready")
    fresh = package_requested(alice_with_data, olivia)
    export_package_build(fresh.pk)
    now = timezone.now()
    ExportPackage.objects.filter(pk=old.pk).update(expires_at=now - timedelta(minutes=1))

    runs = retention_enforce(now=now)

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == "expired" and old.file_name == ""
    assert fresh.state == "ready" and exports_storage().exists(fresh.file_name)
    [run] = [r for r in runs if r.store == "exports"]
    assert run.policy is None and run.rows_removed == 1 and run.rows_held == 0
    assert AuditEvent.objects.filter(action="retention.enforced", target_id=str(run.pk)).exists()
    assert retention_enforce(now=now) == []  # nothing more expired: no run


def test_a_legal_hold_keeps_an_expired_package(alice_with_data, olivia, leo):
    [old] = ExportPackage.objects.filter(subject=alice_with_data.employee.subject_id)
    legal_hold_create(
        actor=leo, matter="Doe", reason="Litigation", custodians=[alice_with_data.employee]
    )
    now = timezone.now()
    ExportPackage.objects.filter(pk=old.pk).update(expires_at=now - timedelta(minutes=1))

    [run] = retention_enforce(now=now)

    old.refresh_from_db()
    assert old.state == "ready" and exports_storage().exists(old.file_name)
    assert run.store == "exports" and run.rows_removed == 0 and run.rows_held == 1
    assert RetentionRun.objects.filter(store="exports").count() == 1


def test_a_build_that_fails_is_retried_then_failed_for_the_officer_to_see(
    alice_with_data, olivia, settings, tmp_path
):
    package = package_requested(alice_with_data, olivia)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage wants a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocked)},
        },
    }

    outcomes = [export_package_build(package.pk) for _ in range(MAX_ATTEMPTS)]

    assert [o.retry for o in outcomes] == [True] * (MAX_ATTEMPTS - 1) + [False]
    package.refresh_from_db()
    assert package.state == "failed" and package.attempts == MAX_ATTEMPTS
    assert "Error" in package.last_error
    assert AuditEvent.objects.filter(action="package.failed", target_id=str(package.pk)).exists()
    assert package.request.state == "in_progress"  # an officer must act: it is not done
    assert export_package_build(package.pk).state == "failed"  # and stays so


def test_the_reconciler_picks_up_packages_stuck_building_that_nobody_builds(
    alice_with_data, olivia
):
    """A lost task or a dead worker: a package still building minutes after it was asked
    for, with no process holding its build lock, is built again; a fresh one is not."""
    from governance.services.exports import export_packages_reconcile

    stuck = package_requested(alice_with_data, olivia)
    ExportPackage.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    fresh = package_requested(olivia, olivia, kind="portability")

    assert export_packages_reconcile() == [stuck.pk]
    assert fresh.pk not in export_packages_reconcile()


def test_no_retention_policy_applies_to_packages(olivia):
    from django.core.exceptions import ValidationError

    from governance.services.retention import retention_policy_create

    with pytest.raises(ValidationError) as refused:
        retention_policy_create(actor=olivia, name="Packages", store="exports", keep_days=5)
    assert "expires by itself" in str(refused.value)
