"""Bad input anywhere in the API is a clear 4xx in JSON and changes nothing.

Each test here is one finding of the API fuzzer (tests/api/test_fuzz.py), written
out so it reads as behaviour and fails on its own if the fix goes away.
"""

import base64

import pytest
from django.test import RequestFactory

from governance.models import AuditEvent, RetentionPolicy, SafeguardRule
from governance.services.catalogue import catalogue_create
from governance.services.devices import device_create, device_revoke
from tests.conftest import written as api_written

HUGE = "9223372036854775808"  # 2**63: one past PostgreSQL's bigint


def written() -> dict[str, int]:
    return {**api_written(), "RetentionPolicy": RetentionPolicy.objects.count()}


@pytest.fixture
def window_rule(db):
    return SafeguardRule.objects.create(
        kind=SafeguardRule.Kind.WINDOW_TITLE_PATTERN,
        name="Banking, payroll and health windows",
        pattern=r"(?i)\b(bank|payroll|salary|medical|health)\b",
    )


# Paging: every list, every role.

LISTS = {
    "alice": ["/api/v1/applications", "/api/v1/notices", "/api/v1/me/erasures"],
    "olivia": [
        "/api/v1/applications",
        "/api/v1/safeguards",
        "/api/v1/devices",
        "/api/v1/pipelines",
        "/api/v1/datasets",
        "/api/v1/models",
        "/api/v1/erasure-jobs",
        "/api/v1/erasures/owed",
        "/api/v1/retention-policies",
        "/api/v1/retention-runs",
    ],
    "leo": ["/api/v1/legal-holds", "/api/v1/purposes"],
}


@pytest.mark.parametrize(
    ("persona", "path"), [(persona, path) for persona, paths in LISTS.items() for path in paths]
)
@pytest.mark.parametrize("query", [f"limit={HUGE}", f"offset={HUGE}0", "limit=0", "limit=ten"])
def test_paging_out_of_range_is_400_naming_the_parameter(
    client_as, request, catalogue, persona, path, query
):
    response = client_as(request.getfixturevalue(persona)).get(f"{path}?{query}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [query.split("=")[0]]


def test_paging_within_range_still_pages(client_as, olivia, catalogue):
    client = client_as(olivia)

    first = client.get("/api/v1/applications?limit=1&offset=0").json()
    past_the_end = client.get(f"/api/v1/applications?limit=1000&offset={2**63 - 1}")

    assert first["count"] == 2 and len(first["results"]) == 1
    assert past_the_end.status_code == 200
    assert past_the_end.json()["results"] == []


@pytest.mark.parametrize("page_size", [HUGE, "0", "null"])
def test_audit_page_size_out_of_range_is_400(client_as, olivia, page_size):
    response = client_as(olivia).get(f"/api/v1/audit/events?page_size={page_size}")

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "zzz"])
def test_a_cursor_that_is_not_ours_is_a_400_naming_it(client_as, olivia, cursor):
    response = client_as(olivia).get(f"/api/v1/audit/events?cursor={cursor}")

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


@pytest.mark.parametrize("position", ["abc", "-1", "-5", "1e3", ""])
@pytest.mark.parametrize("path", ["/api/v1/audit/events", "/api/v1/me/access-log"])
def test_a_hand_made_cursor_with_a_position_that_is_no_number_is_a_400(
    client_as, olivia, path, position
):
    cursor = base64.b64encode(f"p={position}".encode()).decode()

    response = client_as(olivia).get(f"{path}?cursor={cursor}")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["cursor"]


def test_an_unknown_key_with_a_lone_surrogate_is_400_not_500(client_as, olivia, catalogue):
    before = written()
    body = '{"slug": "gimp", "name": "GIMP", "\\ud800": 1}'  # a JSON escape, no character

    response = client_as(olivia).post("/api/v1/applications", body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "\\ud800" in response.content.decode()  # echoed, escaped: the answer encodes
    assert written() == before


@pytest.mark.parametrize("value", ["yes", "", "1", "null"])
def test_a_boolean_filter_takes_true_or_false_only(client_as, olivia, catalogue, value):
    client = client_as(olivia)

    refused = client.get(f"/api/v1/applications?enabled={value}")
    enabled = client.get("/api/v1/applications?enabled=true").json()

    assert refused.status_code == 400
    assert list(refused.json()) == ["enabled"]
    assert enabled["count"] == 2


# NUL characters: PostgreSQL text cannot hold them.


def test_nul_in_a_query_parameter_is_400_and_changes_nothing(client_as, olivia, leo, catalogue):
    before = written()

    aggregates = client_as(leo).get("/api/v1/reports/consent-aggregates?purpose=%00")
    audit = client_as(olivia).get("/api/v1/audit/events?action=consent%00")

    assert aggregates.status_code == 400
    assert aggregates.json() == {"purpose": ["Null characters are not allowed."]}
    assert audit.status_code == 400
    assert list(audit.json()) == ["action"]
    assert written() == before


def test_nul_in_a_path_segment_is_404_and_discloses_nothing(client_as, olivia, alice, catalogue):
    number = alice.employee.employee_number
    before = written()

    response = client_as(olivia).post(
        f"/api/v1/employees/{number}%00/consent-disclosure", {"reason": "audit"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert written() == before
    assert not AuditEvent.objects.filter(action__startswith="consent.disclosed").exists()


BODIES_WITH_NUL = [
    ("/api/v1/safeguards", {"kind": "excluded_application", "name": "x", "application": "\x00"}),
    ("/api/v1/applications", {"slug": "gimp", "name": "GIMP", "identifiers": ["gimp\x00"]}),
    ("/api/v1/purposes", {"slug": "p", "name": "P\x00"}),
    ("/api/v1/retention-policies", {"name": "x", "store": "events", "keep_days": 5}),
    ("/api/v1/notices", None),
    ("/api/v1/pipelines", {"name": "trainer", "purposes": ["train\x00"]}),
    (
        "/api/v1/datasets",
        {
            "purpose": "train-computer-use-models",
            "applications": ["vscode\x00"],
            "data_kinds": ["key"],
            "starts_at": "2026-01-01T00:00:00Z",
            "ends_at": "2026-02-01T00:00:00Z",
        },
    ),
]


@pytest.mark.parametrize(("path", "body"), BODIES_WITH_NUL)
def test_nul_in_a_request_body_is_400_and_writes_nothing(client_as, olivia, catalogue, path, body):
    if path == "/api/v1/retention-policies":
        body = {**body, "applications": ["vscode\x00"]}
    if path == "/api/v1/notices":
        body = {
            "title": "T",
            "body": "B",
            "purposes": ["\x00"],
            "applications": ["vscode"],
            "data_kinds": ["key"],
        }
    before = written()

    response = client_as(olivia).post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert written() == before


# Every error under /api/ is JSON.


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/notices//publish"),
        ("get", "/api/v1/applications/%C2%84"),
        ("post", "/api/v1/applications/%C2%84/disable"),
        ("get", "/api/v1/no-such-thing"),
        ("delete", "/api/v2/anything"),
    ],
)
def test_a_path_that_names_nothing_is_a_json_404(client_as, olivia, method, path):
    # Signed in, so a POST without a CSRF token is exactly what a script would send.
    response = getattr(client_as(olivia), method)(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_that_does_not_exist_stays_an_html_page(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json_and_elsewhere_html():
    from governance.api.errors import server_error

    factory = RequestFactory()

    api = server_error(factory.get("/api/v1/applications"))
    page = server_error(factory.get("/consent"))

    assert api.status_code == page.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert page["Content-Type"].startswith("text/html")


# Devices: the schema says who registered and revoked one may be nobody.


def test_a_device_registered_by_a_command_shows_null_creator_and_reviser(client_as, olivia):
    device, _ = device_create(name="kiosk", actor=None)

    shown = client_as(olivia).get(f"/api/v1/devices/{device.pk}").json()
    device_revoke(device=device, actor=olivia)
    revoked = client_as(olivia).get(f"/api/v1/devices/{device.pk}").json()

    assert shown["created_by"] is None and shown["revoked_by"] is None
    assert revoked["revoked_by"] == olivia.get_username()


# Catalogue integrity.


def test_a_safeguard_rule_cannot_change_kind(client_as, olivia, window_rule):
    before = written()

    response = client_as(olivia).patch(
        f"/api/v1/safeguards/{window_rule.pk}",
        {"kind": "keystroke_timing", "resolution_ms": 50, "enabled": False},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["kind"]
    window_rule.refresh_from_db()
    assert window_rule.kind == SafeguardRule.Kind.WINDOW_TITLE_PATTERN
    assert window_rule.enabled is True
    assert written() == before


def test_a_patch_naming_the_same_kind_is_fine(client_as, olivia, window_rule):
    response = client_as(olivia).patch(
        f"/api/v1/safeguards/{window_rule.pk}",
        {"kind": "window_title_pattern", "name": "Money and health windows"},
        format="json",
    )

    assert response.status_code == 200
    window_rule.refresh_from_db()
    assert window_rule.name == "Money and health windows"


NAMES_WITH_CONTROL_CHARACTERS = [
    ("/api/v1/applications", {"slug": "gimp", "name": "GIMP\x85"}, "name"),
    ("/api/v1/data-kinds", {"slug": "touch", "name": "Touch\nscreen"}, "name"),
    ("/api/v1/purposes", {"slug": "p", "name": "P", "category": "R&D\x1b[31m"}, "category"),
    (
        "/api/v1/safeguards",
        {"kind": "keystroke_timing", "name": "\ttab", "resolution_ms": 5},
        "name",
    ),
    (
        "/api/v1/retention-policies",
        {"name": "30\x07days", "store": "events", "keep_days": 30},
        "name",
    ),
    ("/api/v1/devices", {"name": "laptop\x00"}, "name"),
    ("/api/v1/pipelines", {"name": "night\x1bly", "purposes": ["x"]}, "name"),
]


@pytest.mark.parametrize(("path", "body", "field"), NAMES_WITH_CONTROL_CHARACTERS)
def test_names_with_control_characters_are_400(client_as, olivia, catalogue, path, body, field):
    before = written()

    response = client_as(olivia).post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_a_notice_title_is_one_line_but_its_body_may_have_paragraphs(client_as, olivia, catalogue):
    body = {
        "body": "What we record.\n\n\tAnd why.",
        "purposes": [catalogue["purpose"].slug],
        "applications": ["vscode"],
        "data_kinds": ["key"],
    }
    client = client_as(olivia)

    refused = client.post("/api/v1/notices", {**body, "title": "Line\u2028\x0bbreak"}, "json")
    bell = client.post("/api/v1/notices", {**body, "title": "T", "body": "ding\x07"}, "json")
    accepted = client.post("/api/v1/notices", {**body, "title": "Recording v3"}, "json")

    assert refused.status_code == 400 and list(refused.json()) == ["title"]
    assert bell.status_code == 400 and list(bell.json()) == ["body"]
    assert accepted.status_code == 201
    assert accepted.json()["body"] == body["body"]


def test_the_catalogue_service_refuses_control_characters_for_every_caller(olivia):
    from django.core.exceptions import ValidationError

    from governance.models import Application

    with pytest.raises(ValidationError) as refused:
        catalogue_create(
            Application, actor=olivia, slug="gimp", name="GIMP", identifiers=["gimp\r\n"]
        )

    assert list(refused.value.message_dict) == ["identifiers"]
    assert not Application.objects.filter(slug="gimp").exists()


@pytest.mark.parametrize("employees", ["alice@example.com,", "a" * 255, "x\x00"])
def test_a_capture_policy_asked_for_odd_employees_is_400_and_writes_nothing(
    client, catalogue, olivia, employees
):
    _, token = device_create(name="laptop", actor=olivia)
    before = written()

    response = client.get(
        "/api/v1/ingest/policy", {"employees": employees}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["employees"]
    assert written() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "99999-01-01T00:00:00Z"}, "starts_at"),
        ({"ends_at": "2026-02-30T00:00:00Z"}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
        ({"applications": ["vscode"] * 201}, "applications"),
        ({"data_kinds": [{"slug": "key"}]}, "data_kinds"),
        ({"purpose": "x" * 65}, "purpose"),
    ],
)
def test_a_snapshot_asked_for_with_odd_values_is_400_and_writes_nothing(
    client_as, olivia, catalogue, changes, field
):
    from governance.models import DatasetSnapshot

    body = {
        "purpose": "train-computer-use-models",
        "applications": ["vscode"],
        "data_kinds": ["key"],
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2026-02-01T00:00:00Z",
        **changes,
    }
    before = written()

    response = client_as(olivia).post("/api/v1/datasets", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before and not DatasetSnapshot.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/datasets", "/api/v1/pipelines", "/api/v1/models"])
def test_an_object_id_past_bigint_is_a_404(client_as, olivia, catalogue, path):
    response = client_as(olivia).get(f"{path}/{HUGE}")

    assert response.status_code == 404, response.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "pointer\x00policy"}, "name"),
        ({"name": "pointer\x1bpolicy"}, "name"),
        ({"version": "1\x00"}, "version"),
        ({"datasets": [int(HUGE)]}, "datasets"),
        ({"datasets": "1"}, "datasets"),
        ({"trained_at": "2026-02-30T00:00:00Z"}, "trained_at"),
        ({"trained_at": "2026-01-01\x00"}, "trained_at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_model_registrations_are_400_naming_the_field(olivia, catalogue, changes, field):
    from rest_framework.test import APIClient

    from governance.models import TrainedModel
    from governance.services.pipelines import pipeline_create

    _, token = pipeline_create(name="trainer", purposes=["train-computer-use-models"], actor=olivia)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"name": "m", "version": "1", "datasets": [1], "trained_at": "2026-01-01T00:00:00Z"}
    before = written()

    response = client.post("/api/v1/models", {**body, **changes}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json() or "detail" in response.json()
    assert written() == before and not TrainedModel.objects.exists()


@pytest.mark.parametrize("path", ["manifest", "shards/0", f"shards/{HUGE}"])
def test_reading_a_dataset_past_bigint_is_a_404(olivia, catalogue, path):
    from rest_framework.test import APIClient

    from governance.services.pipelines import pipeline_create

    _, token = pipeline_create(name="trainer", purposes=["train-computer-use-models"], actor=olivia)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get(f"/api/v1/datasets/{HUGE}/{path}")

    assert response.status_code == 404, response.content
