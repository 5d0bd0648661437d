"""A German-speaking employee reads the notice in German, switches its language with the
keyboard alone, and consents: the event names the text she read."""

import re

import pytest
from playwright.sync_api import expect

from governance.models import ConsentEvent
from tests.browser.steps import log_in, screenshot
from tests.consent.test_notice_language import GERMAN, publish_v2

pytestmark = pytest.mark.browser


def test_german_employee_switches_the_notice_language_and_consents(
    page, alice, olivia, password, catalogue, scope
):
    alice.employee.language = "de"
    alice.employee.save(update_fields=["language"])
    notice = publish_v2(catalogue, olivia, german=True)

    log_in(page, "alice@example.com", password, start="/consent/")
    expect(page).to_have_url(re.compile(r"/consent/$"))
    title = page.locator("#notice-title")
    expect(title).to_have_text(GERMAN["title"])
    expect(title).to_have_attribute("lang", "de")
    screenshot(page, "notice-in-german")

    # To English and back, by keyboard: focus the switch's link, press Enter.
    page.locator('[data-testid="notice-languages"] a[data-lang="en"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?lang=en$"))
    expect(title).to_have_text(notice.title)
    page.locator('[data-testid="notice-languages"] a[data-lang="de"]').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?lang=de$"))
    expect(title).to_have_text(GERMAN["title"])

    cell = page.locator(f'td[data-scope="{scope}"]')
    cell.locator('button[data-action="grant"]').focus()
    page.keyboard.press("Enter")
    expect(cell).to_have_attribute("data-state", "granted")

    event = ConsentEvent.objects.get(employee=alice.employee)
    german = notice.texts.get(language="de")
    assert (event.text_language, event.text_hash) == ("de", german.content_hash)
