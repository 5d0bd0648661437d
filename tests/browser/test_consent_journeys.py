"""The two journeys of issue 2, in headless Chromium through the real pages."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance.models import ConsentEvent, ConsentMethod, ConsentState, Notice
from governance.services.consent import RequestContext, consent_grant
from tests.browser.steps import log_in, log_out, screenshot

pytestmark = pytest.mark.browser

KANTARA_FIELDS = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "publicKey",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
}


def control(page, scope):
    return page.locator(f'td[data-scope="{scope}"]')


def test_employee_grants_two_scopes_withdraws_one_and_downloads_a_receipt(
    page, alice, password, scope, other_scope
):
    log_in(page, "alice@example.com", password, start="/consent/")
    expect(page).to_have_url(re.compile(r"/consent/$"))
    expect(page.get_by_role("heading", name="My consent")).to_be_visible()
    expect(control(page, scope)).to_have_attribute("data-state", "not_given")

    control(page, scope).get_by_role("button", name=re.compile("^Grant")).click()
    expect(control(page, scope)).to_have_attribute("data-state", "granted")
    control(page, other_scope).get_by_role("button", name=re.compile("^Grant")).click()
    expect(control(page, other_scope)).to_have_attribute("data-state", "granted")
    control(page, scope).get_by_role("button", name=re.compile("^Withdraw")).click()
    expect(control(page, scope)).to_have_attribute("data-state", "withdrawn")
    expect(page.locator(".message-success")).to_contain_text("Withdrawn:")
    expect(control(page, scope)).to_contain_text("erasure pending")
    expect(control(page, other_scope)).to_have_attribute("data-state", "granted")

    history = page.locator('[data-testid="history"] tbody tr')
    expect(history).to_have_count(3)
    expect(history.nth(0)).to_have_attribute("data-action", "withdrawn")
    expect(history.nth(1)).to_have_attribute("data-action", "granted")
    expect(history.nth(2)).to_have_attribute("data-action", "granted")
    screenshot(page, "employee-my-consent")

    newest = history.nth(0)
    receipt_id = newest.get_attribute("data-receipt-id")
    with page.expect_download() as download_info:
        newest.get_by_role("link", name=re.compile("^Download")).click()
    download = download_info.value
    assert download.suggested_filename == f"consent-receipt-{receipt_id}.json"
    receipt = json.loads(Path(download.path()).read_text(encoding="utf-8"))

    assert receipt.keys() >= KANTARA_FIELDS
    assert receipt["consentReceiptID"] == receipt_id
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["piiPrincipalId"] == "alice@example.com"
    assert receipt["jurisdiction"] == "DE"
    assert receipt["collectionMethod"].endswith("(web)")
    controller = receipt["piiControllers"][0]
    assert {"piiController", "contact", "address", "email", "phone"} <= controller.keys()
    purpose = receipt["services"][0]["purposes"][0]
    assert purpose["consentType"] == "WITHDRAWN"
    assert {"purpose", "purposeCategory", "piiCategory", "primaryPurpose", "termination"} <= (
        purpose.keys()
    )
    assert receipt["policyUrl"].endswith(f"/notices/{receipt['noticeVersion']}/")

    # The page did what it showed: three web events with the browser's user agent.
    events = ConsentEvent.objects.filter(employee=alice.employee)
    assert events.count() == 3
    assert set(events.values_list("method", flat=True)) == {"web"}
    assert all("Chrom" in agent for agent in events.values_list("user_agent", flat=True))
    assert str(events.get(action="withdrawn").receipt_id) == receipt_id


def test_officer_publishes_a_material_notice_and_the_employee_must_review(
    page, alice, olivia, password, scope, retention_in_force
):
    consent_grant(
        employee=alice.employee,
        scope=scope,
        actor=alice,
        context=RequestContext(method=ConsentMethod.WEB),
    )

    log_in(page, "olivia@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notices").click()
    page.get_by_role("link", name="Draft a new version").click()
    page.get_by_label("Title").fill("Recording how you use your computer, now with menus")
    page.get_by_label("Notice text").fill(
        "We now also record which menu entries you choose in the listed applications."
    )
    page.get_by_label("Material change").check()
    screenshot(page, "officer-notice-draft")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 2")
    expect(page.get_by_label("This version is a material change")).to_be_checked()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".message-success")).to_contain_text(
        "1 consent given under earlier versions lapsed"
    )
    expect(page.get_by_test_id("lapsed-count")).to_have_text("1")
    screenshot(page, "officer-notice-published")
    log_out(page)

    notice = Notice.objects.get(version=2)
    assert notice.is_published and notice.material_change
    assert ConsentState.objects.get(employee=alice.employee).state == "lapsed"

    log_in(page, "alice@example.com", password)
    expect(page.get_by_test_id("needs-review")).to_contain_text("Needs your review")
    screenshot(page, "employee-home-needs-review")
    page.get_by_role("link", name="Review your consent").click()
    expect(page.get_by_test_id("needs-review")).to_be_visible()
    expect(control(page, scope)).to_have_attribute("data-state", "lapsed")
    expect(control(page, scope)).to_contain_text("Needs your review")
    expect(page.locator("section.notice")).to_have_attribute("data-notice-version", "2")
    screenshot(page, "employee-my-consent-review")
