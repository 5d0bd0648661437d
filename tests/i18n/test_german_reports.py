"""A report a German reader asked for: the PDF, which they read, is in German; the CSV,
which programs read, keeps its fixed English column names."""

import pytest

from governance.services.requests import request_file
from tests.reports.helpers import asked, built, content, csv_rows, pdf_text, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_leo(leo):
    leo.employee.language = "de"
    leo.employee.save(update_fields=["language"])
    return leo


def test_a_pdf_report_reads_in_the_requesters_language(alice, german_leo):
    request_file(employee=alice.employee, kind="rectification", actor=alice)

    text = pdf_text(content(built(asked(german_leo, "requests", fmt="pdf"))))

    assert "Antragsregister" in text
    assert f"Zeitraum: {today().replace(day=1).isoformat()}" in text
    assert "Request register" not in text


def test_a_csv_report_keeps_its_column_names_for_a_german_requester(alice, german_leo):
    request_file(employee=alice.employee, kind="rectification", actor=alice)

    [row] = csv_rows(built(asked(german_leo, "requests")))

    assert row["kind"] == "rectification" and "employee_number" in row
