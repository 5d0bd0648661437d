"""In headless Chromium: an officer records a leaver from the people page, and an officer's
erasure of everything restricts capture unless the box is unticked.

No worker runs here: the erasure steps run in this process, as the tasks would.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import AuditEvent, ErasureJob
from governance.services import erasure as erasure_service
from governance.services.erasure import erasure_job_advance
from tests.browser.steps import log_in, screenshot
from tests.erasure.helpers import events_of, record_events

pytestmark = pytest.mark.browser


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr(erasure_service, "_enqueue_advance", lambda job_id: None)


def test_officer_records_a_leaver_and_sees_their_erasure_and_stopped_capture(
    page, no_broker, alice_consents_all, olivia, token, password
):
    record_events(token)
    employee = alice_consents_all.employee

    log_in(page, "olivia@example.com", password, start="/officer/people/")
    row = page.locator(f'tr[data-employee="{employee.employee_number}"]')
    row.get_by_role("link", name=re.compile("^Leaving")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leaving")
    page.get_by_label("Left on").fill(timezone.now().date().isoformat())
    page.get_by_label(re.compile("^I understand this erases all their")).check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Record leaving and erase").click()

    job = ErasureJob.objects.get()
    expect(page.locator(".message-success")).to_contain_text("capture has stopped")
    left = page.get_by_test_id("left")
    expect(left).to_contain_text(f"erasure #{job.pk}")
    expect(left).to_contain_text("nothing of theirs is stored")
    screenshot(page, "officer-leaver-recorded")
    assert (job.cause, job.restricts_capture) == ("left", True)

    erasure_job_advance(job.pk)
    assert ErasureJob.objects.get(pk=job.pk).state == "verified"
    assert events_of(alice_consents_all) == 0
    page.get_by_role("link", name=f"erasure #{job.pk}").click()
    expect(page.get_by_test_id("restricts-capture")).to_contain_text("restricted with this erasure")

    page.goto("/officer/people/")
    expect(row.get_by_test_id("left-badge")).to_be_visible()


def test_officer_unticks_the_restriction_and_the_choice_is_recorded(
    page, no_broker, alice_consents_all, olivia, password
):
    employee = alice_consents_all.employee

    log_in(page, "olivia@example.com", password, start="/officer/erasure-jobs/")
    page.get_by_text("Erase everything about one person").click()
    restrict = page.get_by_label(re.compile("^Also restrict their capture"))
    expect(restrict).to_be_checked()
    restrict.uncheck()
    page.get_by_label("Employee number or work email").fill(employee.employee_number)
    page.get_by_label("Reason").fill("They consent again from Monday")
    page.get_by_label(re.compile("^I understand this erases everything")).check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start erasure").click()

    expect(page.get_by_test_id("restricts-capture")).to_contain_text("not restricted")
    job = ErasureJob.objects.get()
    assert job.restricts_capture is False
    employee.refresh_from_db()
    assert employee.processing_restricted_at is None
    assert AuditEvent.objects.get(action="erasure.requested").details["restrict_capture"] is False
