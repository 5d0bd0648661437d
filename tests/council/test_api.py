"""The council's summary answers as the OpenAPI schema documents it, suppressed or not."""

import secrets

import pytest
from django.test import Client
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from governance.services.consent import RequestContext, consent_grant
from tests.api.test_fuzz import in_test_transaction, schema  # noqa: F401  (fixture)
from tests.factories import make_user

OPERATION = schema["/api/v1/council/summary"]["GET"]
# The session is set here rather than through the fuzzer's auth provider, so its check
# that a request without auth is refused does not apply: the role matrix covers that.
CHECKS = [status_code_conformance, response_schema_conformance]


def call_as(user):
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    case = OPERATION.Case()
    response = case.call(
        headers={"X-CSRFToken": csrf},
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
    )
    return case, response


@pytest.mark.parametrize("shown", [False, True], ids=["all suppressed", "rates shown"])
def test_the_summary_matches_its_schema(in_test_transaction, cora, catalogue, scope, shown):  # noqa: F811
    if shown:
        crowd = [make_user(f"w{i}@example.com", department="Assembly") for i in range(10)]
        for user in crowd[:5]:
            consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())

    case, response = call_as(cora)

    assert response.status_code == 200
    case.validate_response(response, checks=CHECKS)
    body = response.json()
    assembly = [r for r in body["by_department"] if r["key"] == "Assembly"]
    assert [r["rate"] for r in assembly] == ([50] if shown else [])


def test_another_role_gets_the_documented_refusal(in_test_transaction, alice, catalogue):  # noqa: F811
    case, response = call_as(alice)

    assert response.status_code == 403
    case.validate_response(response, checks=CHECKS)
