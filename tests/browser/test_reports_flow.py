"""Legal builds an access report in headless Chromium: asks for it on the reports page,
watches its progress bar while a real worker builds it, downloads the CSV and the PDF,
and the test reads both."""

import csv
import re

import pytest
from playwright.sync_api import expect

from governance.models import Report
from governance.services.disclosure import employee_consent_disclose
from tests.browser.steps import log_in, screenshot
from tests.reports.helpers import pdf_text, report_files_removed  # noqa: F401

pytestmark = pytest.mark.browser

WORKER = 60_000  # ms


def ask(page, fmt: str) -> Report:
    page.get_by_label("Kind of report").select_option(label="Access report")
    page.get_by_label("Format").select_option(label=fmt)
    page.get_by_role("button", name="Build report").click()
    report = Report.objects.order_by("-pk").first()
    expect(page.locator(".message-success")).to_contain_text(f"Report #{report.pk}")
    return report


def download(page, report: Report, path):
    link = page.get_by_test_id(f"download-{report.pk}")
    expect(link).to_be_visible(timeout=WORKER)
    with page.expect_download() as info:
        link.click()
    info.value.save_as(path)
    return path


def test_legal_builds_an_access_report_and_reads_the_csv_and_the_pdf(
    page, celery_worker_factory, alice, olivia, leo, password, tmp_path
):
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="Works council query")
    log_in(page, "leo@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")

    as_csv = ask(page, "CSV")
    row = page.locator(f'tr[data-report="{as_csv.pk}"]')
    bar = row.locator("progress")
    expect(bar).to_be_visible()  # queued: no worker yet
    expect(bar).to_have_attribute("value", "0")
    screenshot(page, "legal-report-queued")
    worker = celery_worker_factory()

    path = download(page, as_csv, tmp_path / "access.csv")
    expect(row.locator("progress")).to_have_count(0)
    screenshot(page, "legal-report-ready")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    viewed = [r for r in rows if r["action"] == "personal_data.viewed"]
    assert [r["reason"] for r in viewed] == ["Works council query"], worker.log()
    assert viewed[0]["subject"] == alice.employee.subject_id
    assert viewed[0]["subject_employee_number"] == ""  # about everyone: pseudonyms only
    assert viewed[0]["accessor"] == "olivia@example.com"

    as_pdf = ask(page, "PDF")
    pdf = download(page, as_pdf, tmp_path / "access.pdf")
    text = pdf_text(pdf.read_bytes())
    assert "Access report" in text and "Works council query" in text
    assert re.search(r"Rows: [1-9]", text)
    as_csv.refresh_from_db()
    assert as_csv.state == "ready" and as_csv.rows_written == len(rows)


def test_the_form_offers_only_the_formats_of_the_chosen_kind(page, leo, password):
    log_in(page, "leo@example.com", password)
    page.goto("/legal/reports/")
    kind, fmt = page.get_by_label("Kind of report"), page.get_by_label("Format")
    offered = "(el) => Array.from(el.options).filter((o) => !o.disabled).map((o) => o.value)"

    kind.select_option(label="Audit evidence bundle")
    assert fmt.evaluate(offered) == ["zip"] and fmt.input_value() == "zip"
    kind.select_option(label="Access report")
    assert fmt.evaluate(offered) == ["csv", "jsonl", "pdf"] and fmt.input_value() == "csv"
    kind.select_option(label="Record of processing activities (Art. 30)")
    assert fmt.evaluate(offered) == ["pdf", "json"]
