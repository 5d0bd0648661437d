"""A report's life: built by a real worker, kept through a person's erasure, deleted by the
retention run when it expires."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import ExportPackage, Report, RetentionRun
from governance.services.disclosure import employee_consent_disclose
from governance.services.erasure import erasure_job_create
from governance.services.exports import package_download_open, package_download_url
from governance.services.retention import retention_enforce
from governance.stores.exports import exports_storage
from tests.erasure.helpers import drive
from tests.reports.helpers import (  # noqa: F401
    asked,
    built,
    content,
    csv_rows,
    pdf_text,
    report_files_removed,
)
from tests.requests.helpers import package_files_removed, package_requested  # noqa: F401


def test_the_retention_run_deletes_expired_reports_and_keeps_the_rest(leo):
    old = built(asked(leo, "holds"))
    kept = built(asked(leo, "holds", fmt="jsonl"))
    Report.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    retention_enforce()

    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.state == "expired" and old.file_name == ""
    assert kept.state == "ready" and exports_storage().exists(kept.file_name)
    run = RetentionRun.objects.get(store="exports")
    assert run.rows_removed == 1


def test_erasing_a_person_leaves_reports_about_many_people(alice, olivia, leo):
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="DSR 3")
    report = built(asked(leo, "access"))

    drive(erasure_job_create(employee=alice.employee, cause="officer", actor=olivia))

    report.refresh_from_db()
    assert report.state == "ready" and exports_storage().exists(report.file_name)


def _wait(report: Report, worker) -> Report:
    deadline = time.monotonic() + 60
    while Report.objects.get(pk=report.pk).state in ("queued", "building"):
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.05)
    report.refresh_from_db()
    return report


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_an_access_report_holding_a_disclosure_and_a_package_download(
    celery_worker, alice, bob, olivia, leo, catalogue
):
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="Complaint 9")
    package = package_requested(bob, olivia)
    deadline = time.monotonic() + 60
    while ExportPackage.objects.get(pk=package.pk).state == "building":
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.05)
    package.refresh_from_db()
    token = package_download_url(package, user=bob).split("/")[-2]
    package_download_open(token=token, user=bob)[1].close()

    report = _wait(asked(leo, "access"), celery_worker)
    as_pdf = _wait(asked(leo, "access", fmt="pdf"), celery_worker)

    assert report.state == "ready", (report.last_error, celery_worker.log())
    rows = csv_rows(report)
    assert report.rows_written == len(rows) == report.rows_expected
    disclosure = next(r for r in rows if r["action"] == "personal_data.viewed")
    assert disclosure["subject"] == alice.employee.subject_id
    assert disclosure["subject_employee_number"] == ""
    assert disclosure["reason"] == "Complaint 9"
    download = next(r for r in rows if r["action"] == "package.downloaded")
    assert download["accessor"] == "bob@example.com"
    assert download["target_id"] == str(package.pk)
    assert as_pdf.state == "ready", as_pdf.last_error
    text = pdf_text(content(as_pdf))
    assert "Access report" in text and "Complaint 9" in text
