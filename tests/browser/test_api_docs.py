"""The API docs (Swagger UI) work under the portal's Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from tests.browser.steps import log_in

pytestmark = pytest.mark.browser


def test_api_docs_render_the_schema_under_the_policy(page, olivia, password):
    log_in(page, olivia.email, password)
    response = page.goto("/api/docs/")

    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Interaction Data Governance Portal API"
    )
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/me/consents/grant").first).to_be_visible()
    # swagger.css replaced the template's inline style.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
