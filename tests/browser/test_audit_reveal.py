"""An officer narrows the audit log to one employee by number, reveals a pseudonym for a
stated reason, and the employee finds that look under "Who accessed my data"."""

import re

import pytest
from playwright.sync_api import expect

from governance.models import AuditEvent, ConsentMethod
from governance.services.consent import RequestContext, consent_grant
from tests.browser.steps import log_in, log_out, screenshot

pytestmark = pytest.mark.browser


def test_officer_filters_by_employee_number_reveals_and_the_employee_sees_it(
    page, alice, olivia, password, scope
):
    consent_grant(
        employee=alice.employee,
        scope=scope,
        actor=alice,
        context=RequestContext(method=ConsentMethod.WEB),
    )
    subject = alice.employee.subject_id

    log_in(page, "olivia@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_label("Subject").fill(alice.employee.employee_number)
    page.get_by_role("button", name="Filter").click()

    rows = page.get_by_test_id("audit").locator("tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_test_id("filter-audited")).to_contain_text(subject)
    actions = rows.evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert "consent.granted" in actions
    expect(page.get_by_test_id("audit")).not_to_contain_text("Alice")  # pseudonyms only
    screenshot(page, "audit-filtered-by-number")

    page.locator(f'[data-reveal="{subject}"]').first.click()
    expect(page.get_by_label("Pseudonym")).to_have_value(subject)
    page.get_by_label("Why do you need to know who this is?").fill("Complaint 42 names this id")
    page.get_by_role("button", name="Reveal and record").click()
    expect(page.get_by_test_id("revealed")).to_contain_text(alice.employee.employee_number)
    expect(page.get_by_test_id("revealed")).to_contain_text("Alice")
    screenshot(page, "audit-revealed")
    assert (
        AuditEvent.objects.filter(
            action="personal_data.viewed", subject=subject, details__what="identity"
        ).count()
        == 1
    )

    log_out(page)
    log_in(page, "alice@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Who accessed my data"
    ).click()
    expect(page).to_have_url(re.compile(r"/consent/access-log/$"))
    reveal = page.get_by_test_id("access-log").locator(
        'tr[data-action="personal_data.viewed"]', has_text="identity"
    )
    expect(reveal).to_have_count(1)
    expect(reveal).to_contain_text("olivia@example.com")
    expect(reveal).to_contain_text("Complaint 42 names this id")
    screenshot(page, "employee-sees-reveal")
