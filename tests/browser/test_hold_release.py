"""Legal releases a hold in headless Chromium: the page asks why, and a hold past its
review date is marked on the holds page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import AuditEvent, LegalHold
from governance.services.holds import legal_hold_create
from tests.browser.steps import log_in, screenshot

pytestmark = pytest.mark.browser


def test_legal_releases_a_hold_and_must_give_a_reason(page, leo, alice, password, catalogue):
    hold = legal_hold_create(
        actor=leo, matter="Smith v. Example Corp", reason="Discovery", custodians=[alice.employee]
    )
    # Placed long ago: its review date has passed.
    LegalHold.objects.filter(pk=hold.pk).update(review_at=timezone.now() - timedelta(days=1))

    log_in(page, "leo@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Legal holds").click()
    row = page.locator(f'tr[data-hold="{hold.pk}"]')
    expect(row).to_have_attribute("data-review-overdue", "true")
    expect(row).to_contain_text("Review overdue")
    screenshot(page, "legal-holds-review-overdue")

    row.get_by_role("link", name=re.compile("^Release")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Release")
    page.get_by_role("button", name="Yes, release the hold").click()
    expect(page.locator(".error-text")).to_contain_text("Say why the data need no longer")
    screenshot(page, "legal-hold-release-no-reason")
    hold.refresh_from_db()
    assert hold.is_active, "a release without a reason changes nothing"
    assert not AuditEvent.objects.filter(action="legal_hold.released").exists()

    page.get_by_label("Why may the data go now?").fill("Settled on 2026-11-30")
    page.get_by_role("button", name="Yes, release the hold").click()
    expect(page.locator(".message-success")).to_contain_text("Released")
    expect(page.locator(f'tr[data-hold="{hold.pk}"]')).to_have_attribute("data-active", "false")
    hold.refresh_from_db()
    assert not hold.is_active and hold.release_reason == "Settled on 2026-11-30"
    released = AuditEvent.objects.get(action="legal_hold.released")
    assert released.details["reason"] == "Settled on 2026-11-30"
