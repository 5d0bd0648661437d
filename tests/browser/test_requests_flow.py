"""Issue 9's closing scenarios in headless Chromium, with a real Celery worker.

An employee files a request on My requests, an officer verifies it from the queue,
and the worker fulfils it: an erasure request ends with its signed receipt; an
access request with a zip the employee downloads and the test opens. The pages
learn of each change only by polling, as they would in production.
"""

import importlib.util
import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance.models import DataRequest, ErasureJob, ExportPackage, InteractionEvent
from governance.services import requests as request_services
from governance.services.signing import verify_document
from tests.browser.steps import log_in, log_out, screenshot
from tests.erasure.helpers import record_events

pytestmark = pytest.mark.browser

WORKER = 60_000  # ms: a real worker picks the task up and runs it
HAS_EXPORTS = (
    importlib.util.find_spec("governance.services.exports") is not None
    and importlib.util.find_spec("governance.tasks.exports") is not None
)


def nav(page, name: str):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def file_request(page, kind: re.Pattern, *, scoped: bool) -> DataRequest:
    nav(page, "My requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    scope = page.get_by_label("Kind of data")
    expect(scope).to_be_hidden()  # until a kind that takes a scope is chosen
    page.get_by_role("radio", name=kind).check()
    if scoped:
        expect(scope).to_be_visible()
    else:
        expect(scope).to_be_hidden()
    screenshot(page, "employee-my-requests")
    page.get_by_role("button", name="Send request").click()
    request = DataRequest.objects.get()
    expect(page).to_have_url(re.compile(rf"/requests/{request.pk}/$"))
    expect(page.locator(".message-success")).to_contain_text(f"Request #{request.pk} received")
    expect(page.get_by_test_id("request-state")).to_contain_text("Received")
    return request


def officer_verifies(page, request: DataRequest, password: str, how: str) -> None:
    log_out(page)
    log_in(page, "olivia@example.com", password)
    nav(page, "Requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    row = page.locator(f'tr[data-request="{request.pk}"]')
    expect(row).to_contain_text(request.employee.employee_number)
    expect(row).to_contain_text("Due in")
    screenshot(page, "officer-requests-queue")
    row.get_by_role("link", name=f"#{request.pk}").click()
    page.get_by_label("How was identity checked?").fill(how)
    page.get_by_role("button", name="Verify and start").click()
    expect(page.locator(".message-success")).to_contain_text("fulfilment has started")
    screenshot(page, "officer-request-verified")
    log_out(page)


def test_an_employee_asks_for_erasure_and_ends_with_the_signed_receipt(
    page, celery_worker, alice_consents_all, olivia, token, password, tmp_path
):
    alice = alice_consents_all
    record_events(token)  # 60 keystrokes and 30 scrolls in VS Code
    assert InteractionEvent.objects.filter(subject=alice.employee.subject_id).count() == 90

    log_in(page, "alice@example.com", password)
    request = file_request(page, re.compile(r"^Erasure \(Art\. 17\)"), scoped=True)
    screenshot(page, "employee-request-received")

    officer_verifies(page, request, password, "Signed in with her own account; confirmed by phone")

    log_in(page, "alice@example.com", password)
    nav(page, "My requests")
    page.locator(f'tr[data-request="{request.pk}"]').get_by_role(
        "link", name=f"#{request.pk}"
    ).click()
    # The worker erases; the page polls and reloads once the request completes.
    expect(page.get_by_test_id("request-state")).to_have_text("Completed", timeout=WORKER)
    erasure = page.get_by_test_id("erasure")
    expect(erasure.locator('[data-field="state_display"]')).to_have_text("Done")
    receipt_link = erasure.get_by_role("link", name="Download the signed erasure receipt")
    expect(receipt_link).to_be_visible()
    expect(page.get_by_test_id("outcome")).to_contain_text("erased from every store")
    screenshot(page, "employee-request-erasure-done")

    with page.expect_download() as download_info:
        receipt_link.click()
    path = tmp_path / "receipt.json"
    download_info.value.save_as(path)
    receipt = json.loads(Path(path).read_text(encoding="utf-8"))
    job = ErasureJob.objects.get(cause="request")
    assert verify_document(receipt, receipt["publicKey"])
    assert receipt["subject"] == alice.employee.subject_id
    assert receipt["stores"]["events"]["rows_after"] == 0
    assert job.cause_ref == f"request:{request.pk}"
    assert not InteractionEvent.objects.filter(subject=alice.employee.subject_id).exists()


def test_an_employee_asks_for_a_copy_and_downloads_the_zip(
    page, celery_worker, alice_consents_all, olivia, token, password, tmp_path, monkeypatch
):
    record_events(token)
    if not HAS_EXPORTS:
        # The package builder is written in parallel: without it nothing may be enqueued,
        # and the page must still show the copy being prepared.
        monkeypatch.setattr(request_services, "_enqueue_package", lambda package_id: None)

    log_in(page, "alice@example.com", password)
    request = file_request(page, re.compile(r"^Access to my data \(Art\. 15\)"), scoped=False)

    officer_verifies(page, request, password, "Signed in with her own account")

    log_in(page, "alice@example.com", password)
    page.goto(f"/requests/{request.pk}/")
    package = page.get_by_test_id("package")
    expect(package).to_be_visible()
    expect(package).to_have_attribute("data-package-state", re.compile("^(building|ready)$"))
    screenshot(page, "employee-request-package")
    if not HAS_EXPORTS:
        expect(package).to_contain_text("Being prepared")
        pytest.skip("governance.services.exports is not in this build: download not checked")

    # The worker builds the zip; the page polls and reloads until the request completes
    # (then it stops, so the page stays put for the download).
    expect(page.get_by_test_id("request-state")).to_have_text("Completed", timeout=WORKER)
    download = page.get_by_test_id("download")
    expect(download).to_be_visible()
    expect(page.get_by_test_id("expires")).not_to_be_empty()
    screenshot(page, "employee-request-package-ready")

    with page.expect_download() as download_info:
        download.click()
    path = tmp_path / "package.zip"
    download_info.value.save_as(path)
    ready = ExportPackage.objects.get(request=request)
    assert ready.state == ExportPackage.State.READY
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert any("manifest" in name for name in names), names
        assert any(name.endswith(".csv") for name in names), names
        assert any(name.endswith(".jsonl") for name in names), names
        assert any(name.endswith(".html") for name in names), names
