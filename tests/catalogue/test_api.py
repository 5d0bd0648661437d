"""Officers maintain applications, data kinds, purposes and safeguards through the API."""

import pytest

from governance.models import Application, AuditEvent, DataKind, Purpose, SafeguardRule
from tests.conftest import written


def test_officer_creates_an_application_and_the_change_is_audited(client_as, olivia, catalogue):
    response = client_as(olivia).post(
        "/api/v1/applications",
        {"slug": "gimp", "name": "GIMP", "identifiers": ["gimp-2.10", "org.gimp.GIMP"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    app = Application.objects.get(slug="gimp")
    assert response.json()["id"] == app.pk
    assert app.identifiers == ["gimp-2.10", "org.gimp.GIMP"]
    assert app.enabled is True
    audit = AuditEvent.objects.get(action="catalogue.application.created")
    assert audit.actor_id == str(olivia.pk)
    assert audit.target_id == str(app.pk)


def test_officer_edits_only_the_fields_sent(client_as, olivia, catalogue):
    app = catalogue["applications"][0]

    response = client_as(olivia).patch(
        f"/api/v1/applications/{app.pk}", {"description": "The editor"}, format="json"
    )

    assert response.status_code == 200
    app.refresh_from_db()
    assert app.description == "The editor"
    assert app.name == "Visual Studio Code"
    assert AuditEvent.objects.get(action="catalogue.application.updated").details == {
        "fields": {"description": "The editor"}
    }


def test_patch_that_changes_nothing_writes_nothing(client_as, olivia, catalogue):
    app = catalogue["applications"][0]
    before = written()

    response = client_as(olivia).patch(
        f"/api/v1/applications/{app.pk}", {"name": app.name}, format="json"
    )

    assert response.status_code == 200
    assert written() == before


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/v1/applications", Application),
        ("/api/v1/data-kinds", DataKind),
        ("/api/v1/purposes", Purpose),
    ],
)
def test_disable_keeps_the_row_and_audits_it(client_as, olivia, catalogue, path, model):
    row = model.objects.filter(enabled=True).first()

    response = client_as(olivia).post(f"{path}/{row.pk}/disable")

    assert response.status_code == 200
    assert response.json()["enabled"] is False
    row.refresh_from_db()
    assert row.enabled is False
    action = f"catalogue.{model._meta.model_name}.disabled"
    assert AuditEvent.objects.filter(action=action, target_id=str(row.pk)).count() == 1

    again = client_as(olivia).post(f"{path}/{row.pk}/disable")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action=action, target_id=str(row.pk)).count() == 1


def test_enabled_filter_lists_only_disabled_applications(client_as, olivia, catalogue):
    client = client_as(olivia)
    app = catalogue["applications"][1]
    client.post(f"/api/v1/applications/{app.pk}/disable")

    body = client.get("/api/v1/applications?enabled=false").json()

    assert [row["slug"] for row in body["results"]] == [app.slug]


def test_employee_reads_what_could_be_recorded_about_them(client_as, alice, catalogue):
    client = client_as(alice)

    apps = client.get("/api/v1/applications").json()["results"]
    kinds = client.get("/api/v1/data-kinds").json()["results"]
    purposes = client.get("/api/v1/purposes").json()["results"]

    assert {a["slug"] for a in apps} == {"vscode", "calc"}
    assert {k["slug"] for k in kinds} >= {"key", "pointer", "click", "scroll", "menu"}
    assert {p["slug"]: p["consentable"] for p in purposes} == {
        "train-computer-use-models": True,
        "performance-evaluation": False,
    }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/applications", {"slug": "vscode", "name": "Again"}, "slug"),
        ("/api/v1/applications", {"slug": "Not A Slug", "name": "X"}, "slug"),
        ("/api/v1/applications", {"slug": "x", "name": "X", "owner": "me"}, "owner"),
        ("/api/v1/applications", {"slug": "x", "name": "X", "id": 99}, "id"),
        ("/api/v1/applications", {"slug": "x", "name": "X", "enabled": "yes"}, "enabled"),
        ("/api/v1/applications", {"slug": "x", "name": "X", "identifiers": "code"}, "identifiers"),
        ("/api/v1/applications", {"slug": "x"}, "name"),
        ("/api/v1/purposes", {"slug": "x", "name": "X", "use": "sometimes"}, "use"),
        ("/api/v1/data-kinds", {"slug": "x", "name": 5}, "name"),
        ("/api/v1/safeguards", {"kind": "excluded_application", "name": "No bank"}, "application"),
        (
            "/api/v1/safeguards",
            {"kind": "window_title_pattern", "name": "P", "pattern": "(["},
            "pattern",
        ),
        ("/api/v1/safeguards", {"kind": "redaction_detector", "name": "D"}, "detector"),
        ("/api/v1/safeguards", {"kind": "keystroke_timing", "name": "T"}, "resolution_ms"),
        (
            "/api/v1/safeguards",
            {"kind": "excluded_application", "name": "X", "application": "nope"},
            "application",
        ),
    ],
)
def test_bad_catalogue_input_is_400_naming_the_field_and_writes_nothing(
    client_as, olivia, catalogue, path, body, field
):
    before = written()

    response = client_as(olivia).post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_bad_patch_is_400_and_leaves_the_row_unchanged(client_as, olivia, catalogue):
    app = catalogue["applications"][0]
    before = written()

    response = client_as(olivia).patch(
        f"/api/v1/applications/{app.pk}",
        {"slug": "calc", "created_at": "2020-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"slug", "created_at"}
    app.refresh_from_db()
    assert app.slug == "vscode"
    assert written() == before


@pytest.mark.parametrize("path", ["/api/v1/applications", "/api/v1/data-kinds", "/api/v1/purposes"])
def test_slug_cannot_be_renamed_because_evidence_points_at_it(client_as, olivia, catalogue, path):
    client = client_as(olivia)
    row = client.get(path).json()["results"][0]
    before = written()

    response = client.patch(f"{path}/{row['id']}", {"slug": "renamed"}, format="json")

    assert response.status_code == 400
    assert response.json()["slug"] == ["A slug cannot change once created."]
    assert client.get(f"{path}/{row['id']}").json()["slug"] == row["slug"]
    assert written() == before


def test_officer_creates_safeguards_naming_the_application_by_slug(client_as, olivia, catalogue):
    client = client_as(olivia)

    excluded = client.post(
        "/api/v1/safeguards",
        {"kind": "excluded_application", "name": "Not the calculator", "application": "calc"},
        format="json",
    )
    detector = client.post(
        "/api/v1/safeguards",
        {"kind": "redaction_detector", "name": "Cards", "detector": "card_number"},
        format="json",
    )
    duplicate = client.post(
        "/api/v1/safeguards",
        {"kind": "redaction_detector", "name": "Cards again", "detector": "card_number"},
        format="json",
    )

    assert excluded.status_code == 201
    assert excluded.json()["application"] == "calc"
    assert SafeguardRule.objects.get(pk=excluded.json()["id"]).application.slug == "calc"
    assert detector.status_code == 201
    assert duplicate.status_code == 400
    assert "detector" in duplicate.json()
    assert SafeguardRule.objects.filter(detector="card_number").count() == 1


def test_unknown_catalogue_id_is_404(client_as, olivia, catalogue):
    client = client_as(olivia)

    assert client.get("/api/v1/applications/999999").status_code == 404
    assert client.patch("/api/v1/purposes/999999", {"name": "x"}, format="json").status_code == 404
    assert client.post("/api/v1/data-kinds/999999/disable").status_code == 404
