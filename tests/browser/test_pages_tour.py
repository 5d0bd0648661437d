"""Every page opens in a real browser, with its stylesheet, for the roles that use it."""

import re

import pytest
from playwright.sync_api import expect

from governance.models import AuditEvent, ConsentMethod, SafeguardRule
from governance.services.catalogue import catalogue_create
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.devices import device_create
from tests.browser.steps import log_in, screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser

WEB = RequestContext(method=ConsentMethod.WEB)


@pytest.fixture
def company(alice, olivia, leo, catalogue, scope, other_scope):
    """A dozen people in two departments with a mix of consents, a device and a rule."""
    people = [alice] + [
        make_user(f"person{i}@example.com", department="Sales", country="NL") for i in range(12)
    ]
    for person in people[:7]:
        consent_grant(employee=person.employee, scope=scope, actor=person, context=WEB)
    consent_grant(employee=alice.employee, scope=other_scope, actor=alice, context=WEB)
    consent_withdraw(employee=alice.employee, scope=scope, actor=alice, context=WEB)
    device_create(name="Laptop 42", actor=olivia)
    catalogue_create(
        SafeguardRule,
        actor=olivia,
        kind=SafeguardRule.Kind.REDACTION_DETECTOR,
        name="Card numbers",
        detector=SafeguardRule.Detector.CARD_NUMBER,
    )
    return people


OFFICER_PAGES = [
    ("Catalogue", "Applications", "officer-applications"),
    ("Notices", "Notices", "officer-notices"),
    ("Devices", "Capture devices", "officer-devices"),
    ("Requests", "Requests", "officer-requests"),
    ("People", "People", "officer-people"),
    ("Aggregates", "Consent aggregates", "officer-aggregates"),
    ("Retention", "Retention", "officer-retention"),
    ("Erasures", "Erasures", "officer-erasure-jobs"),
    ("Audit log", "Audit log", "audit-log"),
]


def test_officer_opens_every_page_from_the_navigation(page, company, password):
    log_in(page, "olivia@example.com", password)
    screenshot(page, "officer-home")
    nav = page.get_by_role("navigation", name="Main")
    for link, heading, name in OFFICER_PAGES:
        nav.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        screenshot(page, name)
    tabs = page.get_by_role("navigation", name="Catalogue")
    nav.get_by_role("link", name="Catalogue").click()
    for tab in ("Data kinds", "Purposes", "Safeguards"):
        tabs.get_by_role("link", name=tab).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(tab)
    screenshot(page, "officer-safeguards")
    page.get_by_role("link", name="Add safeguard").click()
    page.get_by_label("Kind").select_option("window_title_pattern")
    page.get_by_label("Name").fill("Banking sites")
    page.get_by_label("Pattern").fill("(unclosed")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".error-text")).to_contain_text("Not a valid regular expression")
    screenshot(page, "officer-safeguard-error")


def test_officer_looks_at_one_persons_consent_only_with_a_reason(page, company, alice, password):
    log_in(page, "olivia@example.com", password, start="/officer/people/")
    row = page.locator(f'tr[data-employee="{alice.employee.employee_number}"]')
    row.get_by_role("link", name=re.compile("Audited consent view")).click()
    page.get_by_label("Why do you need to see this person's consent?").fill(
        "Answering her complaint, ticket 4711"
    )
    page.get_by_role("button", name="Record reason and show consent").click()
    expect(page.get_by_test_id("disclosure-audited")).to_be_visible()
    expect(page.locator('[data-testid="disclosed-scopes"] tr[data-state="granted"]')).to_have_count(
        1
    )
    screenshot(page, "officer-disclosure")
    assert AuditEvent.objects.filter(
        action="personal_data.viewed", subject=alice.employee.subject_id
    ).exists()


def test_officer_registers_a_device_and_sees_the_token_once(page, company, password):
    log_in(page, "olivia@example.com", password, start="/officer/devices/")
    page.get_by_label("Device name").fill("Laptop 99")
    page.get_by_role("button", name="Register and show token").click()
    token = page.get_by_test_id("device-token").input_value()
    assert token.startswith("idg_")
    screenshot(page, "officer-device-token")
    page.get_by_role("link", name="I have stored the token").click()
    expect(page.get_by_test_id("devices")).to_contain_text("Laptop 99")
    assert token not in page.content()


def test_legal_verifies_the_audit_chain(page, company, password):
    log_in(page, "leo@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_role("button", name="Verify chain").click()
    expect(page.get_by_test_id("verification")).to_have_attribute("data-ok", "true")
    expect(page.get_by_test_id("verification")).to_contain_text(
        f"All {AuditEvent.objects.count()} events"
    )
    screenshot(page, "legal-audit-verified")


def test_employee_sees_who_accessed_their_data_and_withdraws_everything(
    page, company, alice, password
):
    log_in(page, "alice@example.com", password)
    screenshot(page, "employee-home")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Who accessed my data"
    ).click()
    expect(page.get_by_test_id("access-log")).to_contain_text("consent.withdrawn")
    screenshot(page, "employee-access-log")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My consent").click()
    page.get_by_role("link", name="Withdraw everything…").click()
    screenshot(page, "employee-withdraw-all")
    page.get_by_role("button", name="Yes, withdraw everything").click()
    expect(page.locator(".message-success")).to_contain_text("Withdrew everything: 1 scope.")
    expect(page.locator('td[data-state="granted"]')).to_have_count(0)
    expect(page.get_by_test_id("erasures").locator("tbody tr")).to_have_count(2)

    response = page.goto("/officer/people/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You can't open this page")
    screenshot(page, "employee-403")
