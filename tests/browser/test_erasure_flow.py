"""Issue 4's closing scenario in headless Chromium, and the officer, legal and retention pages.

No worker runs here: each test runs the erasure steps itself, in this process,
as the erasure tasks would (and sends nothing to a broker nobody reads), so it
can check the page between steps. The pages learn of each change only by
polling, as they would with a real worker.
"""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from governance.models import DataKind, ErasureJob, InteractionEvent, LegalHold, RetentionPolicy
from governance.services import erasure as erasure_service
from governance.services.erasure import (
    erasure_job_advance,
    erasure_step_run,
    owed_erasures_schedule,
)
from governance.services.retention import retention_enforce
from governance.services.signing import verify_document
from governance.stores import REGISTRY
from tests.browser.steps import log_in, screenshot
from tests.erasure.helpers import record_events

pytestmark = pytest.mark.browser

KEYSTROKES = "train-computer-use-models/vscode/key"
LIVE = 10_000  # ms: a few polls of the page


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr(erasure_service, "_enqueue_advance", lambda job_id: None)


def run_step(job: ErasureJob, store: str) -> None:
    """One step alone; the job's task (erasure_job_advance) would go straight on."""
    erasure_step_run(job.steps.get(store=store).pk, advance=False)


def test_employee_withdraws_watches_the_erasure_finish_and_verifies_the_receipt(
    page, no_broker, alice_consents_all, token, password, tmp_path
):
    alice = alice_consents_all
    record_events(token)  # 60 keystrokes and 30 scrolls in VS Code

    log_in(page, "alice@example.com", password, start="/consent/")
    cell = page.locator(f'td[data-scope="{KEYSTROKES}"]')
    cell.get_by_role("button", name=re.compile("^Withdraw")).click()
    expect(cell).to_have_attribute("data-state", "withdrawn")
    expect(cell).to_contain_text("erasure pending")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My erasures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My erasures")
    owed = page.locator("tr[data-erasure-owed]")
    key = DataKind.objects.get(slug="key")
    expect(owed).to_contain_text(f"{key.name} in Visual Studio Code")
    expect(owed).to_contain_text("Pending")
    screenshot(page, "employee-my-erasures-pending")

    # The beat reconciler's work: the owed erasure becomes a job; the page notices.
    owed_erasures_schedule()
    job = ErasureJob.objects.get()
    row = page.locator(f'tr[data-erasure-job="{job.pk}"]')
    expect(row).to_have_attribute("data-state", "pending", timeout=LIVE)
    page.evaluate("window.stillTheSamePage = true")

    run_step(job, "events")
    events = row.locator('li[data-step="events"]')
    expect(events).to_have_attribute("data-state", "verified", timeout=LIVE)
    one_store = f"{round(100 / len(REGISTRY))}%"  # one store of the registry's done
    expect(row.locator('[data-field="percent"]').first).to_have_text(one_store)
    row.locator("summary").click()
    expect(events.locator('[data-field="rows_deleted"]')).to_have_text("60")
    screenshot(page, "employee-my-erasures-running")

    erasure_job_advance(job.pk)
    expect(row).to_have_attribute("data-state", "verified", timeout=LIVE)
    expect(row.locator('[data-field="state_display"]')).to_have_text("Done")
    expect(row.locator('[data-field="percent"]').first).to_have_text("100%")
    download_link = row.get_by_role("link", name=re.compile("^Download"))
    expect(download_link).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True  # moved by polling, no reload
    screenshot(page, "employee-my-erasures-done")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename == f"erasure-receipt-{job.pk}.json"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    receipt = json.loads(Path(path).read_text(encoding="utf-8"))

    assert verify_document(receipt, receipt["publicKey"])
    out = StringIO()
    call_command("receipt_verify", str(path), stdout=out)
    assert out.getvalue().startswith("ok: erasure-receipt signature verifies")
    assert receipt["publicKey"] in page.get_by_test_id("public-key").inner_text()
    assert receipt["subject"] == alice.employee.subject_id
    assert receipt["scope"]["applications"] == ["vscode"]
    assert receipt["scope"]["data_kinds"] == ["key"]
    assert receipt["stores"]["events"]["rows_before"] == 60
    assert receipt["stores"]["events"]["rows_after"] == 0
    left = InteractionEvent.objects.filter(subject=alice.employee.subject_id)
    assert set(left.values_list("event_type", flat=True)) == {"scroll"}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My consent").click()
    expect(cell.locator(".erasure-note")).to_have_text("erased")


def test_officer_starts_an_erasure_and_the_job_page_follows_it(
    page, no_broker, alice_consents_all, olivia, token, password
):
    record_events(token)
    employee = alice_consents_all.employee

    log_in(page, "olivia@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Erasures", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erasures")
    page.get_by_text("Erase everything about one person").click()
    page.get_by_label("Employee number or work email").fill(employee.employee_number)
    page.get_by_label("Reason").fill("Leaver, ticket HR-12")
    page.get_by_label(re.compile("^I understand this erases everything")).check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start erasure").click()

    job = ErasureJob.objects.get()
    expect(page).to_have_url(re.compile(rf"/officer/erasure-jobs/{job.pk}/$"))
    expect(page.locator(".message-success")).to_contain_text(f"Erasure #{job.pk} started")
    events = page.locator('tr[data-step="events"]')
    expect(events).to_have_attribute("data-state", "pending")
    screenshot(page, "officer-erasure-job-pending")

    run_step(job, "events")
    expect(events).to_have_attribute("data-state", "verified", timeout=LIVE)
    expect(events.locator('[data-field="rows_before"]')).to_have_text("90")
    expect(events.locator('[data-field="rows_after"]')).to_have_text("0")
    screenshot(page, "officer-erasure-job-running")

    erasure_job_advance(job.pk)
    # Finished: the page reloads itself once to show the receipt.
    receipt = page.get_by_role("link", name="Download receipt (JSON)")
    expect(receipt).to_be_visible(timeout=LIVE)
    screenshot(page, "officer-erasure-job-done")
    with page.expect_download() as download_info:
        receipt.click()
    assert verify_document(json.loads(Path(download_info.value.path()).read_text()))

    page.get_by_role("link", name="Erasures", exact=True).first.click()
    row = page.locator(f'tr[data-erasure-job="{job.pk}"]')
    expect(row).to_have_attribute("data-state", "verified")
    expect(row).to_contain_text(employee.subject_id)
    screenshot(page, "officer-erasure-jobs-list")


def test_legal_places_edits_and_releases_a_hold(page, leo, alice, bob, password, catalogue):
    log_in(page, "leo@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Legal holds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Legal holds")
    page.get_by_role("link", name="Place a hold").click()
    page.get_by_label("Matter").fill("Smith v. Example Corp")
    page.get_by_label("Reason").fill("Preserve for discovery")
    page.get_by_label("Custodians (work emails)").fill("alice@example.com\nghost@example.com")
    page.get_by_role("checkbox", name=re.compile("events —")).check()
    page.get_by_role("button", name="Place hold").click()
    expect(page.locator(".error-text")).to_contain_text("ghost@example.com")
    screenshot(page, "legal-hold-error")
    assert not LegalHold.objects.exists()

    page.get_by_label("Custodians (work emails)").fill("alice@example.com\nbob@example.com")
    page.get_by_label("From (UTC)").fill("2024-01-01T00:00")
    page.get_by_role("button", name="Place hold").click()
    expect(page.locator(".message-success")).to_contain_text("Hold placed")
    hold = LegalHold.objects.get()
    assert set(hold.custodians.all()) == {alice.employee, bob.employee}
    assert hold.stores == ["events"] and hold.ends is None
    screenshot(page, "legal-hold-detail")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Matter").fill("Smith v. Example Corp (appeal)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Smith v. Example Corp (appeal)")

    page.get_by_role("link", name="Legal holds").first.click()
    screenshot(page, "legal-holds")
    page.locator(f'tr[data-hold="{hold.pk}"]').get_by_role(
        "link", name=re.compile("^Release")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release")
    page.get_by_label("Why may the data go now?").fill("Settled")
    screenshot(page, "legal-hold-release")
    page.get_by_role("button", name="Yes, release the hold").click()
    expect(page.locator(".message-success")).to_contain_text("Released")
    expect(page.locator(f'tr[data-hold="{hold.pk}"]')).to_have_attribute("data-active", "false")
    hold.refresh_from_db()
    assert not hold.is_active and hold.release_reason == "Settled"


def test_officer_sets_retention_previews_it_and_reads_the_evidence(
    page, olivia, alice_consents_all, token, password
):
    record_events(token)

    log_in(page, "olivia@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Retention").click()
    page.get_by_role("link", name="New policy").click()
    page.get_by_label("Name").fill("Raw events: two days")
    page.get_by_label("Store").select_option("events")
    page.get_by_label("Keep (days)").fill("2")
    screenshot(page, "officer-retention-new")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".message-success")).to_contain_text("Created")
    screenshot(page, "officer-retention")
    policy = RetentionPolicy.objects.get()

    tabs = page.get_by_role("navigation", name="Retention")
    tabs.get_by_role("link", name="Dry run").click()
    expect(page.locator(f'tr[data-policy="{policy.pk}"] [data-field="rows"]')).to_have_text("30")
    screenshot(page, "officer-retention-dry-run")

    retention_enforce()
    tabs.get_by_role("link", name="Evidence").click()
    expect(page.get_by_test_id("retention-runs")).to_contain_text("Raw events: two days")
    expect(page.locator('[data-field="rows_removed"]').first).to_have_text("30")
    screenshot(page, "officer-retention-runs")
