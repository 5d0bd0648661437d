"""The works council opens its dashboard in a real browser: charts drawn without a script
the Content-Security-Policy would block, tables beside them, small groups suppressed."""

import pytest
from playwright.sync_api import expect

from governance.models import Role
from governance.services.consent import RequestContext, consent_grant
from tests.browser.steps import log_in, screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def council_world(catalogue, scope):
    people = [make_user(f"fitter{i}@example.com", department="Assembly") for i in range(10)]
    for person in people[:5]:
        consent_grant(employee=person.employee, scope=scope, actor=person, context=RequestContext())
    make_user("solo@example.com", department="Lighthouse")
    return make_user("cora@example.com", roles=(Role.WORKS_COUNCIL,), employee=False)


def test_the_council_finds_its_dashboard_and_reads_charts_and_tables(page, council_world, password):
    log_in(page, "cora@example.com", password)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(["Home", "Works council"])

    nav.get_by_role("link", name="Works council").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Works council")
    chart = page.get_by_test_id("by-department-chart")
    expect(chart).to_be_visible()
    expect(chart.locator('[data-label="Assembly"] rect')).to_have_count(2)  # track and bar
    expect(chart.locator('[data-label="Lighthouse"] rect')).to_have_count(1)  # no bar
    table = page.get_by_test_id("by-department-table")
    expect(table.locator('tr[data-group="Assembly"] td')).to_have_text(["10", "5", "50%"])
    expect(table.locator('tr[data-group="Lighthouse"]')).to_contain_text("fewer than 5")
    expect(table.locator('tr[data-group="Lighthouse"]')).not_to_contain_text("%")
    screenshot(page, "council-dashboard")


def test_on_a_phone_the_dashboard_fits_and_wide_parts_scroll_on_their_own(
    page, council_world, password
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "cora@example.com", password)
    page.goto("/council/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Works council")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    screenshot(page, "council-dashboard-phone")
