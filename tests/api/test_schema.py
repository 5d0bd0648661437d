"""The OpenAPI description is served, complete for the contract paths, and browsable."""

import re

import pytest

CONTRACT = {
    "/api/v1/ingest/batches": {"post"},
    "/api/v1/ingest/policy": {"get"},
    "/api/v1/me/consents": {"get"},
    "/api/v1/me/consents/grant": {"post"},
    "/api/v1/me/consents/withdraw": {"post"},
    "/api/v1/me/consents/receipts/{receipt_id}": {"get"},
    "/api/v1/me/erasures": {"get"},
    "/api/v1/me/access-log": {"get"},
    "/api/v1/applications": {"get", "post"},
    "/api/v1/applications/{id}": {"get", "patch"},
    "/api/v1/applications/{id}/disable": {"post"},
    "/api/v1/data-kinds": {"get", "post"},
    "/api/v1/data-kinds/{id}": {"get", "patch"},
    "/api/v1/data-kinds/{id}/disable": {"post"},
    "/api/v1/purposes": {"get", "post"},
    "/api/v1/purposes/{id}": {"get", "patch"},
    "/api/v1/purposes/{id}/disable": {"post"},
    "/api/v1/safeguards": {"get", "post"},
    "/api/v1/safeguards/{id}": {"get", "patch"},
    "/api/v1/safeguards/{id}/disable": {"post"},
    "/api/v1/notices": {"get", "post"},
    "/api/v1/notices/{id}": {"get", "patch"},
    "/api/v1/notices/{id}/publish": {"post"},
    "/api/v1/devices": {"get", "post"},
    "/api/v1/devices/{id}/revoke": {"post"},
    "/api/v1/erasures/owed": {"get"},
    "/api/v1/employees/{employee_number}/consent-disclosure": {"post"},
    "/api/v1/reports/consent-aggregates": {"get"},
    "/api/v1/audit/events": {"get"},
    "/api/v1/audit/verify": {"get"},
    "/api/v1/me/requests": {"get", "post"},
    "/api/v1/me/requests/{request_id}": {"get"},
    "/api/v1/me/requests/{request_id}/withdraw": {"post"},
    "/api/v1/requests": {"get", "post"},
    "/api/v1/requests/{request_id}": {"get"},
    "/api/v1/requests/{request_id}/assign": {"post"},
    "/api/v1/requests/{request_id}/identity": {"post"},
    "/api/v1/requests/{request_id}/verify": {"post"},
    "/api/v1/requests/{request_id}/extend": {"post"},
    "/api/v1/requests/{request_id}/reject": {"post"},
    "/api/v1/requests/{request_id}/complete": {"post"},
    "/api/v1/requests/{request_id}/package/revoke": {"post"},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_describes_every_contract_path_and_method(schema):
    described = {
        path: {m for m in ops if m in {"get", "post", "patch", "put", "delete"}}
        for path, ops in schema["paths"].items()
    }

    for path, methods in CONTRACT.items():
        assert path in described, path
        assert described[path] == methods, path


def test_schema_shows_the_scope_body_and_its_errors(schema):
    grant = schema["paths"]["/api/v1/me/consents/grant"]["post"]
    body = grant["requestBody"]["content"]
    assert list(body) == ["application/json"]
    scope = schema["components"]["schemas"]["ScopeRequest"]
    assert set(scope["required"]) == {"purpose", "application", "data_kind"}
    assert {"200", "201", "400", "403"} <= set(grant["responses"])

    audit = schema["paths"]["/api/v1/audit/events"]["get"]
    assert {p["name"] for p in audit["parameters"]} >= {"action", "subject", "actor_id", "cursor"}


def test_docs_page_is_served(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_api_docs_are_served_without_any_cdn(client, olivia):
    client.force_login(olivia)
    page = client.get("/api/docs/").content.decode()
    # Every script and stylesheet the page loads is served from our own static files;
    # a scan of the whole page for "cdn" would also hit the random CSRF token.
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets
    assert "jsdelivr" not in page and "unpkg" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    asset = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert client.get(asset).status_code == 200


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield f"{method.upper()} {path}", operation


def test_every_error_the_api_can_answer_is_documented_with_its_body(schema):
    detail = {"$ref": "#/components/schemas/ErrorDetail"}
    for label, operation in _operations(schema):
        responses = operation["responses"]
        places = {parameter["in"] for parameter in operation.get("parameters", [])}
        signed_in = any("cookieAuth" in need for need in operation.get("security", []))
        if signed_in:
            assert "403" in responses, label
        if places or "requestBody" in operation:
            assert "400" in responses, label
        if "path" in places:
            assert "404" in responses, label
        assert "414" in responses, label
    owed = schema["paths"]["/api/v1/erasures/owed"]["get"]["responses"]
    assert owed["403"]["content"]["application/json"]["schema"] == detail
    assert schema["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    audit = schema["paths"]["/api/v1/audit/events"]["get"]["responses"]
    assert "404" in audit  # a cursor that is not ours


def test_paging_parameters_state_their_range(schema):
    listing = schema["paths"]["/api/v1/applications"]["get"]["parameters"]
    ranges = {
        p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"])
        for p in listing
        if p["name"] in {"limit", "offset"}
    }
    assert ranges == {"limit": (1, 1000), "offset": (0, 2**63 - 1)}


def test_who_registered_or_revoked_a_device_may_be_nobody(schema):
    device = schema["components"]["schemas"]["Device"]["properties"]
    assert device["created_by"]["nullable"] is True
    assert device["revoked_by"]["nullable"] is True


def test_a_safeguard_rule_says_its_kind_is_fixed_and_names_refuse_control_characters(schema):
    rule = schema["components"]["schemas"]["PatchedSafeguardRequest"]["properties"]
    assert "cannot change" in rule["kind"]["description"]
    assert rule["name"]["pattern"] == "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"
    dry_run = schema["paths"]["/api/v1/retention-policies/dry-run"]["get"]
    assert "parameters" not in dry_run  # it filters nothing, so it documents no filters


def test_every_operation_documents_unavailable_and_every_body_its_media_type(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "503" in responses, (method, path)
            assert "Retry-After" in responses["503"]["headers"]
            if "requestBody" in operation:
                assert "415" in responses, (method, path)


def test_filing_a_request_documents_201_for_a_new_one_and_200_for_the_open_one(schema):
    for path in ("/api/v1/me/requests", "/api/v1/requests"):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"200", "201", "400", "403", "415"} <= set(responses), path
        assert responses["200"]["content"] == responses["201"]["content"], path
    queue = schema["paths"]["/api/v1/requests"]["get"]["parameters"]
    assert {p["name"] for p in queue} >= {"state", "kind", "assignee", "overdue", "due_before"}
    detail = schema["components"]["schemas"]["MyRequestDetail"]["properties"]
    assert {"due_on", "history", "package", "erasure", "clock"} <= set(detail)
    package = schema["components"]["schemas"]["MyExportPackage"]["properties"]
    assert package["download_url"]["nullable"] is True
