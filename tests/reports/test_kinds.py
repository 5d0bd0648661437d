"""Each report kind's rows, against the database they come from."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import AuditEvent, DataRequest, ErasureJob, RetentionRun, Role
from governance.reports.access import ACCESS_ACTIONS
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.disclosure import employee_consent_disclose, subject_reveal
from governance.services.erasure import erasure_job_create
from governance.services.exports import (
    export_package_build,
    package_download_open,
    package_download_url,
)
from governance.services.holds import legal_hold_create, legal_hold_release
from governance.services.requests import request_file
from governance.services.signing import verify_document
from tests.erasure.helpers import drive
from tests.factories import make_user
from tests.reports.helpers import (  # noqa: F401
    asked,
    built,
    content,
    csv_rows,
    jsonl_rows,
    pdf_text,
    report_files_removed,
    today,
)
from tests.requests.helpers import package_files_removed, package_requested  # noqa: F401


def _download(package, user):
    token = package_download_url(package, user=user).split("/")[-2]
    _, file = package_download_open(token=token, user=user)
    file.close()


@pytest.fixture
def accesses(alice, bob, olivia, catalogue):
    """Reads of other people's data made now: a consent disclosure of alice by olivia, an
    audit-page reveal of who bob's pseudonym is, and a download of bob's own package."""
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="DSR 12")
    subject_reveal(viewer=olivia, subject=bob.employee.subject_id, reason="Complaint 7")
    package = package_requested(bob, olivia)
    assert export_package_build(package.pk).state == "ready"
    package.refresh_from_db()
    _download(package, bob)
    return package


def test_the_access_report_lists_every_read_of_personal_data_of_the_period(
    accesses, alice, bob, olivia, leo
):
    rows = csv_rows(built(asked(leo, "access")))

    expected = AuditEvent.objects.filter(
        action__in=ACCESS_ACTIONS, occurred_at__date__gte=today().replace(day=1)
    )
    assert [int(r["seq"]) for r in rows] == sorted(expected.values_list("seq", flat=True))
    disclosure = next(r for r in rows if r["action"] == "personal_data.viewed")
    assert disclosure["accessor"] == "olivia@example.com"
    # About everyone: pseudonyms only, no employee number ties one to a person.
    assert {r["subject_employee_number"] for r in rows} == {""}
    assert disclosure["subject"] == alice.employee.subject_id
    assert disclosure["what"] == "consent" and disclosure["reason"] == "DSR 12"
    reveal = next(r for r in rows if r["what"] == "identity")
    assert (reveal["accessor"], reveal["subject"]) == (
        "olivia@example.com",
        bob.employee.subject_id,
    )
    assert reveal["reason"] == "Complaint 7"
    download = next(r for r in rows if r["action"] == "package.downloaded")
    assert download["accessor"] == "bob@example.com"
    assert disclosure["occurred_at"].endswith("Z") and "T" in disclosure["occurred_at"]
    assert list(rows[0]) == [
        "seq", "occurred_at", "accessor", "accessor_type", "action", "what", "subject",
        "subject_employee_number", "target_type", "target_id", "purpose", "reason",
    ]  # fmt: skip


def test_the_access_report_filters_by_subject_and_by_accessor(accesses, alice, bob, olivia, leo):
    about_alice = csv_rows(built(asked(leo, "access", subject="alice@example.com")))
    by_bob = csv_rows(built(asked(leo, "access", accessor="BOB@example.com")))
    by_number = csv_rows(built(asked(leo, "access", subject=bob.employee.employee_number)))

    assert {r["subject"] for r in about_alice} == {alice.employee.subject_id}
    assert [r["action"] for r in about_alice] == ["personal_data.viewed"]
    assert {r["accessor"] for r in by_bob} == {"bob@example.com"}
    assert "package.downloaded" in {r["action"] for r in by_bob}
    assert {r["subject"] for r in by_number} == {bob.employee.subject_id}
    # A report about one person already names them: there the number is filled in.
    assert {r["subject_employee_number"] for r in by_number} == {bob.employee.employee_number}
    assert {r["subject_employee_number"] for r in about_alice} == {alice.employee.employee_number}


def test_json_lines_hold_the_same_rows_as_the_csv(accesses, leo):
    as_csv = csv_rows(built(asked(leo, "access")))
    as_jsonl = jsonl_rows(built(asked(leo, "access", fmt="jsonl")))

    assert [str(r["seq"]) for r in as_jsonl] == [r["seq"] for r in as_csv]
    assert [r["reason"] for r in as_jsonl] == [r["reason"] for r in as_csv]


def test_the_request_register_shows_each_request_and_whether_it_was_on_time(alice, bob, olivia):
    on_time, _ = request_file(employee=alice.employee, kind="rectification", actor=alice)
    late, _ = request_file(employee=bob.employee, kind="objection", actor=bob)
    still_open, _ = request_file(employee=alice.employee, kind="restriction", actor=alice)
    now = timezone.now()
    DataRequest.objects.filter(pk=on_time.pk).update(state="completed", closed_at=now)
    DataRequest.objects.filter(pk=late.pk).update(
        state="completed", closed_at=now, due_on=today() - timedelta(days=1)
    )
    legal = make_user("lena@example.com", roles=(Role.LEGAL,), employee=False)

    rows = {int(r["request"]): r for r in csv_rows(built(asked(legal, "requests")))}

    assert set(rows) == set(
        DataRequest.objects.filter(received_at__date__gte=today().replace(day=1)).values_list(
            "pk", flat=True
        )
    )
    assert rows[on_time.pk]["on_time"] == "yes" and rows[on_time.pk]["state"] == "completed"
    assert rows[late.pk]["on_time"] == "no"
    assert rows[still_open.pk]["on_time"] == "" and rows[still_open.pk]["completed_at"] == ""
    assert rows[late.pk]["employee_number"] == bob.employee.employee_number
    assert rows[on_time.pk]["due_on"] == on_time.due_on.isoformat()


def test_the_request_register_pdf_has_a_title_page_a_chart_and_the_table(alice, olivia, leo):
    request_file(employee=alice.employee, kind="rectification", actor=alice)

    report = built(asked(leo, "requests", fmt="pdf"))

    data = content(report)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Request register" in text
    assert f"Period: {today().replace(day=1).isoformat()} to {today().isoformat()}" in text
    assert "Rows: 1" in text
    assert "Requests answered on time, per month received" in text
    assert "rectification" in text
    assert report.rows_written == 1


def _consent_people(catalogue, scope, n, department):
    people = [
        make_user(f"p{i}.{department.lower()}@example.com", department=department) for i in range(n)
    ]
    for person in people:
        consent_grant(employee=person.employee, scope=scope, actor=person, context=RequestContext())
    return people


def test_the_consent_register_gives_rates_and_suppresses_small_groups(
    catalogue, scope, bob, olivia, leo
):
    sales = _consent_people(catalogue, scope, 10, "Sales")
    for person in sales[:5]:
        consent_withdraw(
            employee=person.employee, scope=scope, actor=person, context=RequestContext()
        )
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    rows = csv_rows(built(asked(leo, "consent")))

    month = f"{today():%Y-%m}"
    by = {(r["month"], r["dimension"], r["group"]): r for r in rows}
    sales_row = by[(month, "department", "Sales")]
    assert sales_row["people"] == "10"
    # All ten opted in: fewer than five did not, which would tell each one's choice.
    assert sales_row["opted_in"] == "" and sales_row["withdrew"] == "5"
    assert sales_row["withdrawal_rate"] == "0.5"
    assert sales_row["opt_in_suppressed"] == "True"
    assert sales_row["withdrawal_suppressed"] == "False"
    finance = by[(month, "department", "Finance")]  # bob alone
    assert finance["opted_in"] == "" and finance["withdrew"] == ""
    assert finance["opt_in_suppressed"] == finance["withdrawal_suppressed"] == "True"
    everyone = 10 + 3  # sales, bob, olivia, leo
    vscode = by[(month, "application", scope.application.name)]
    assert vscode["people"] == str(everyone)
    assert vscode["opted_in"] == "" and vscode["opt_in_rate"] == ""  # 11 of 13: hidden
    assert vscode["withdrew"] == "5" and vscode["withdrawal_rate"] == str(round(5 / everyone, 4))


def test_erasure_certificates_carry_each_jobs_signed_receipt(alice, olivia, leo):
    job = drive(erasure_job_create(employee=alice.employee, cause="officer", actor=olivia))
    assert job.state == ErasureJob.State.VERIFIED

    rows = csv_rows(built(asked(leo, "erasures")))

    assert [int(r["job"]) for r in rows] == [job.pk]
    row = rows[0]
    # A list ties no pseudonym to a person: the job's own, audited, page says whose it was.
    assert "employee_number" not in row
    assert alice.employee.employee_number not in json.dumps(rows)
    assert row["subject"] == alice.employee.subject_id
    assert row["requested_by"] == "olivia@example.com" and row["state"] == "verified"
    assert row["receipt_signature"] == job.receipt["signature"]["value"]
    assert verify_document(json.loads(row["receipt"]))


def test_erasure_certificates_hide_a_request_id_and_a_persons_own_login(alice, leo):
    """As the erasure job list does: either would name the person beside the pseudonym."""
    erasure_job_create(employee=alice.employee, cause="request", actor=alice, cause_ref="41")

    row = csv_rows(built(asked(leo, "erasures")))[0]

    assert (row["cause_ref"], row["requested_by"]) == ("", "the person")
    assert alice.email not in json.dumps(row)


def test_retention_evidence_lists_every_run_of_the_period(olivia, leo):
    now = timezone.now()
    run = RetentionRun.objects.create(
        store="events", cutoff=now - timedelta(days=30), rows_removed=120, rows_held=3,
        partitions_dropped=["p1", "p2"], started_at=now, finished_at=now, duration_ms=7,
    )  # fmt: skip
    RetentionRun.objects.create(store="events", cutoff=now, started_at=now - timedelta(days=400))

    rows = csv_rows(built(asked(leo, "retention")))

    assert [int(r["run"]) for r in rows] == [run.pk]
    assert rows[0]["rows_removed"] == "120" and rows[0]["rows_held"] == "3"
    assert rows[0]["partitions_dropped"] == "2" and rows[0]["store"] == "events"


def test_the_holds_register_shows_holds_placed_and_released_with_reasons(alice, leo):
    hold = legal_hold_create(
        actor=leo, matter="Doe v. Example", reason="Litigation", custodians=[alice.employee]
    )
    legal_hold_release(hold=hold, actor=leo, reason="Settled")

    rows = csv_rows(built(asked(leo, "holds")))

    assert [(r["action"], r["hold"], r["reason"]) for r in rows] == [
        ("legal_hold.placed", str(hold.pk), "Litigation"),
        ("legal_hold.released", str(hold.pk), "Settled"),
    ]
    assert rows[0]["matter"] == "Doe v. Example" and rows[0]["custodians"] == "1"
    assert rows[0]["by"] == "leo@example.com"


def test_generation_is_audited_with_the_files_hash(leo):
    report = built(asked(leo, "holds"))

    requested = AuditEvent.objects.get(action="report.requested", target_id=str(report.pk))
    generated = AuditEvent.objects.get(action="report.generated", target_id=str(report.pk))
    assert requested.actor_label == "leo@example.com"
    assert generated.details["sha256"] == report.sha256
    assert report.expires_at == report.ready_at + timedelta(days=90)


def test_building_twice_builds_once(leo):
    report = built(asked(leo, "holds"))
    from governance.services.reports import report_build

    assert report_build(report.pk).state == "ready"
    assert AuditEvent.objects.filter(action="report.generated").count() == 1
