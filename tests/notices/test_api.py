"""Officers draft, edit and publish notices; everyone else sees published versions only."""

import pytest

from governance.models import AuditEvent, Notice
from governance.services.notices import notice_create
from tests.conftest import written


@pytest.fixture
def notice_body(catalogue):
    return {
        "title": "Recording, version 2",
        "body": "What we record and why.",
        "language": "en",
        "purposes": [catalogue["purpose"].slug],
        "applications": [a.slug for a in catalogue["applications"]],
        "data_kinds": [k.slug for k in catalogue["kinds"]],
    }


@pytest.fixture
def draft(catalogue, olivia):
    return notice_create(
        actor=olivia,
        title="Draft v2",
        body="Not yet public.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
    )


def test_officer_drafts_a_notice_from_slugs(client_as, olivia, notice_body, catalogue):
    response = client_as(olivia).post("/api/v1/notices", notice_body, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] == catalogue["notice"].version + 1
    assert body["content_hash"] == ""
    notice = Notice.objects.get(pk=body["id"])
    assert sorted(notice.applications.values_list("slug", flat=True)) == ["calc", "vscode"]
    assert AuditEvent.objects.filter(action="notice.created", target_id=str(notice.pk)).exists()


def test_officer_edits_a_draft(client_as, olivia, draft):
    response = client_as(olivia).patch(
        f"/api/v1/notices/{draft.pk}",
        {"title": "Draft v2, reworded", "applications": ["calc"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["applications"] == ["calc"]
    draft.refresh_from_db()
    assert draft.title == "Draft v2, reworded"
    assert list(draft.applications.values_list("slug", flat=True)) == ["calc"]


def test_published_notice_cannot_be_edited(client_as, olivia, catalogue):
    published = catalogue["notice"]
    before = written()

    response = client_as(olivia).patch(
        f"/api/v1/notices/{published.pk}", {"body": "Rewriting history"}, format="json"
    )

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    published.refresh_from_db()
    assert published.body != "Rewriting history"
    assert written() == before


def test_publish_fixes_the_hash_and_makes_it_visible_to_employees(client_as, olivia, alice, draft):
    assert client_as(alice).get(f"/api/v1/notices/{draft.pk}").status_code == 404

    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published"
    assert len(body["content_hash"]) == 64
    draft.refresh_from_db()
    assert draft.is_published
    assert client_as(alice).get(f"/api/v1/notices/{draft.pk}").json()["content_hash"] == (
        draft.content_hash
    )


def test_publishing_again_changes_nothing(client_as, olivia, catalogue):
    before = written()

    response = client_as(olivia).post(f"/api/v1/notices/{catalogue['notice'].pk}/publish")

    assert response.status_code == 200
    assert written() == before


def test_publish_records_the_material_change_given_in_its_body(client_as, olivia, draft):
    assert not draft.material_change

    response = client_as(olivia).post(
        f"/api/v1/notices/{draft.pk}/publish", {"material_change": True}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["material_change"] is True
    draft.refresh_from_db()
    assert draft.is_published and draft.material_change


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"material_change": True, "lapse_purposes": ["train-computer-use-models"]},
            "lapse_purposes",
        ),
        ({"material_change": "yes"}, "material_change"),
        ({"materiel_change": True}, "materiel_change"),
    ],
)
def test_publish_refuses_what_it_does_not_take_and_publishes_nothing(
    client_as, olivia, draft, body, field
):
    before = written()

    response = client_as(olivia).post(f"/api/v1/notices/{draft.pk}/publish", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    draft.refresh_from_db()
    assert not draft.is_published
    assert written() == before


def test_employees_and_legal_list_published_notices_only(client_as, alice, leo, olivia, draft):
    for user in (alice, leo):
        versions = [n["version"] for n in client_as(user).get("/api/v1/notices").json()["results"]]
        assert draft.version not in versions
        assert versions == [1]
    officer_view = client_as(olivia).get("/api/v1/notices?status=draft").json()["results"]
    assert [n["version"] for n in officer_view] == [draft.version]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"purposes": ["performance-evaluation"]}, "purposes", id="prohibited"),
        pytest.param({"applications": ["notepad"]}, "applications", id="unknown-slug"),
        pytest.param({"data_kinds": "key"}, "data_kinds", id="not-a-list"),
        pytest.param({"data_kinds": []}, "data_kinds", id="empty-list"),
        pytest.param({"title": ""}, "title", id="blank-title"),
        pytest.param({"body": 42}, "body", id="number-body"),
        pytest.param({"material_change": "yes"}, "material_change", id="string-bool"),
        pytest.param({"effective_at": "soon"}, "effective_at", id="bad-date"),
        pytest.param({"status": "published"}, "status", id="read-only-field"),
        pytest.param({"version": 99}, "version", id="version-is-not-settable"),
    ],
)
def test_bad_notice_is_400_naming_the_field_and_writes_nothing(
    client_as, olivia, notice_body, change, field
):
    before = written()

    response = client_as(olivia).post("/api/v1/notices", {**notice_body, **change}, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before
