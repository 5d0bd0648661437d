"""An employee whose consent lapsed sees the deadline and renews it (headless Chromium).

The officer publishes a material change to one application only, through the
notice form; the employee's consent for that application lapses and no other.
On "My consent" she sees until when what was recorded under it is kept, grants
it again, and the deadline is gone. Consent that expired by age is renewed the
same way.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import ConsentMethod, ConsentState, Notice
from governance.services.consent import RequestContext, consent_grant
from governance.services.scopes import Scope
from governance.tasks.consent import consents_expire_due
from tests.browser.steps import log_in, log_out, screenshot

pytestmark = pytest.mark.browser

WEB = RequestContext(method=ConsentMethod.WEB)


def control(page, scope: Scope):
    return page.locator(f'td[data-scope="{scope.purpose.slug}/{scope.application.slug}/'
                        f'{scope.data_kind.slug}"]')  # fmt: skip


def test_an_employee_whose_consent_lapsed_sees_the_deadline_and_renews_it(
    page, alice, olivia, password, catalogue, retention_in_force
):
    vscode, calc = catalogue["applications"]
    key = next(k for k in catalogue["kinds"] if k.slug == "key")
    in_code, in_calc = (
        Scope(catalogue["purpose"], vscode, key),
        Scope(catalogue["purpose"], calc, key),
    )
    for scope in (in_code, in_calc):
        consent_grant(employee=alice.employee, scope=scope, actor=alice, context=WEB)

    # The officer changes what happens in Calc only, and says so on the form.
    log_in(page, "olivia@example.com", password)
    page.goto("/officer/notices/new/")
    page.get_by_label("Title").fill("Recording how you use your computer, Calc kept longer")
    page.get_by_label("Notice text").fill("What we record in LibreOffice Calc is kept longer.")
    page.get_by_label("Material change").check()
    page.locator(f'input[name="lapse_applications"][value="{calc.pk}"]').check()
    screenshot(page, "officer-notice-lapse-scope")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("lapse-scope")).to_contain_text("LibreOffice Calc")
    expect(page.get_by_text("it would lapse the 1 grant now held")).to_be_visible()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_test_id("lapsed-count")).to_have_text("1")
    log_out(page)
    notice = Notice.objects.get(version=2)
    assert notice.is_published and list(notice.lapse_applications.all()) == [calc]

    log_in(page, "alice@example.com", password, start="/consent/")
    expect(page).to_have_url(re.compile(r"/consent/$"))
    expect(page.get_by_test_id("needs-review")).to_contain_text("1 scope lapsed")
    expect(control(page, in_code)).to_have_attribute("data-state", "granted")
    expect(control(page, in_calc)).to_have_attribute("data-state", "lapsed")
    lapsed_at = ConsentState.objects.get(employee=alice.employee, application=calc).updated_at
    due = lapsed_at + timedelta(days=settings.CONSENT_LAPSE_GRACE_DAYS)
    expect(control(page, in_calc)).to_contain_text(f"kept until {due.date().isoformat()}")
    expect(page.get_by_test_id("erasure-deadline")).to_contain_text("erased as if you had")
    screenshot(page, "employee-consent-lapsed-deadline")

    control(page, in_calc).get_by_role("button", name=re.compile("^Grant again")).click()

    expect(page.locator(".message-success")).to_contain_text("Granted:")
    expect(control(page, in_calc)).to_have_attribute("data-state", "granted")
    expect(control(page, in_calc)).not_to_contain_text("kept until")
    expect(page.get_by_test_id("needs-review")).to_have_count(0)
    expect(page.get_by_test_id("erasure-deadline")).to_have_count(0)
    state = ConsentState.objects.get(employee=alice.employee, application=calc)
    assert (state.state, state.notice_id) == ("granted", notice.pk)


def test_an_employee_whose_consent_expired_is_asked_to_renew_and_does(page, alice, password, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=WEB)
    ConsentState.objects.filter(employee=alice.employee).update(
        updated_at=timezone.now() - timedelta(days=settings.CONSENT_MAX_AGE_DAYS + 1)
    )
    assert consents_expire_due() == 1

    log_in(page, "alice@example.com", password)
    expect(page.get_by_test_id("needs-renewal")).to_contain_text("Please renew your consent")
    page.get_by_role("link", name="Renew your consent").click()
    expect(page.get_by_test_id("needs-renewal")).to_contain_text("expired")
    expect(control(page, scope)).to_have_attribute("data-state", "expired")
    expect(control(page, scope)).to_contain_text("kept until")
    screenshot(page, "employee-consent-expired")

    control(page, scope).get_by_role("button", name=re.compile("^Renew")).click()

    expect(control(page, scope)).to_have_attribute("data-state", "granted")
    expect(page.get_by_test_id("needs-renewal")).to_have_count(0)
    assert ConsentState.objects.get(employee=alice.employee).state == "granted"
