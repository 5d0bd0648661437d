"""Reports for tests: asked for, built in this process (or by a real worker), files read."""

import csv
import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from governance.models import Report
from governance.services.reports import report_build, report_request
from governance.stores.exports import exports_storage
from tests.requests.helpers import stored_files_delete


def today() -> date:
    from django.utils import timezone

    return timezone.now().date()


def asked(user, kind: str, *, fmt: str = "csv", first=None, last=None, **filters) -> Report:
    return report_request(
        actor=user,
        kind=kind,
        date_from=first or today().replace(day=1),
        date_to=last or today(),
        format=fmt,
        filters=filters,
    )


def built(report: Report) -> Report:
    outcome = report_build(report.pk)
    report.refresh_from_db()
    assert outcome.state == "ready", report.last_error
    return report


def content(report: Report) -> bytes:
    with exports_storage().open(report.file_name, "rb") as f:
        return f.read()


def csv_rows(report: Report) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content(report).decode())))


def jsonl_rows(report: Report) -> list[dict]:
    return [json.loads(line) for line in content(report).decode().splitlines()]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def report_files_delete() -> None:
    stored_files_delete(Report)


@pytest.fixture(autouse=True)
def report_files_removed(db):
    """Test reports leave no file in the data directory (their rows roll back)."""
    yield
    report_files_delete()
