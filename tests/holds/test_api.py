"""Legal holds through the API: legal alone places, changes and releases them, audited."""

from datetime import UTC, datetime

import pytest

from governance.models import AuditEvent, LegalHold
from governance.services.holds import legal_hold_create, legal_hold_release
from tests.conftest import written as api_written

HOLDS = "/api/v1/legal-holds"


def written() -> dict[str, int]:
    return {**api_written(), "LegalHold": LegalHold.objects.count()}


@pytest.fixture
def personas(alice, bob, olivia, leo, ada):
    return {"anonymous": None, "alice": alice, "olivia": olivia, "leo": leo, "ada": ada}


@pytest.fixture
def hold(leo, bob):
    return legal_hold_create(
        actor=leo, matter="Case 7", reason="Litigation", custodians=[bob.employee]
    )


ENDPOINTS = [
    ("get", HOLDS, None),
    ("post", HOLDS, {"matter": "M", "reason": "R", "custodians": ["bob@example.com"]}),
    ("get", HOLDS + "/{hold}", None),
    ("patch", HOLDS + "/{hold}", {"matter": "Renamed"}),
    ("post", HOLDS + "/{hold}/release", {"reason": "settled"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "alice", "olivia", "ada"])
def test_only_legal_sees_or_touches_holds(client_as, personas, hold, method, path, body, persona):
    before = written()

    response = getattr(client_as(personas[persona]), method)(
        path.format(hold=hold.pk), body, format="json"
    )

    assert response.status_code == 403, response.content
    assert "Case 7" not in response.content.decode()
    assert written() == before
    hold.refresh_from_db()
    assert hold.is_active and hold.matter == "Case 7"


def test_legal_places_a_hold_on_custodians_by_work_email(client_as, leo, alice, bob):
    response = client_as(leo).post(
        HOLDS,
        {
            "matter": "Smith v. Example",
            "reason": "Preserve for discovery",
            "custodians": ["Alice@Example.com", "bob@example.com"],
            "starts": "2024-01-01T00:00:00Z",
            "ends": "2024-07-01T00:00:00Z",
            "stores": ["events"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    hold = LegalHold.objects.get()
    assert body["id"] == hold.pk and body["active"] is True
    assert set(hold.custodians.all()) == {alice.employee, bob.employee}
    assert hold.starts == datetime(2024, 1, 1, tzinfo=UTC)
    assert hold.ends == datetime(2024, 7, 1, tzinfo=UTC)
    assert hold.stores == ["events"] and hold.created_by == leo
    assert {c["work_email"] for c in body["custodians"]} == {alice.email, bob.email}
    audit = AuditEvent.objects.get(action="legal_hold.placed")
    assert audit.actor_id == str(leo.pk)
    assert set(audit.details["custodians"]) == {alice.employee.subject_id, bob.employee.subject_id}


def test_absent_bounds_and_stores_mean_all(client_as, leo, bob):
    response = client_as(leo).post(
        HOLDS,
        {"matter": "M", "reason": "R", "custodians": ["bob@example.com"]},
        format="json",
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["starts"], body["ends"], body["stores"]) == (None, None, [])
    hold = LegalHold.objects.get()
    assert hold.starts is None and hold.ends is None and hold.stores == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"matter": "M", "reason": "R", "custodians": ["nobody@example.com"]}, "custodians"),
        ({"matter": "M", "reason": "R", "custodians": []}, "custodians"),
        ({"matter": "M", "reason": "R"}, "custodians"),
        ({"matter": "", "reason": "R", "custodians": ["bob@example.com"]}, "matter"),
        ({"matter": "M", "custodians": ["bob@example.com"]}, "reason"),
        ({"matter": "M", "reason": "R" * 2001, "custodians": ["bob@example.com"]}, "reason"),
        (
            {"matter": "M", "reason": "R", "custodians": ["bob@example.com"], "stores": ["s3"]},
            "stores",
        ),
        (
            {
                "matter": "M",
                "reason": "R",
                "custodians": ["bob@example.com"],
                "starts": "2024-02-01T00:00:00Z",
                "ends": "2024-01-01T00:00:00Z",
            },
            "ends",
        ),
        (
            {"matter": "M", "reason": "R", "custodians": ["bob@example.com"], "starts": 5},
            "starts",
        ),
        ({"matter": "M", "reason": "R", "custodians": ["bob@example.com"], "x": 1}, "x"),
    ],
)
def test_a_bad_hold_is_400_and_nothing_is_written(client_as, leo, bob, body, field):
    before = written()

    response = client_as(leo).post(HOLDS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


def test_an_unknown_custodian_is_named(client_as, leo, bob):
    response = client_as(leo).post(
        HOLDS,
        {"matter": "M", "reason": "R", "custodians": ["bob@example.com", "ghost@example.com"]},
        format="json",
    )

    assert response.json()["custodians"] == ["No employee has the work email ghost@example.com."]


def test_legal_changes_a_hold_and_it_is_audited(client_as, leo, hold, alice):
    response = client_as(leo).patch(
        f"{HOLDS}/{hold.pk}",
        {"matter": "Case 7 (appeal)", "custodians": ["alice@example.com"], "stores": ["sessions"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    hold.refresh_from_db()
    assert hold.matter == "Case 7 (appeal)" and hold.reason == "Litigation"
    assert list(hold.custodians.all()) == [alice.employee]
    assert hold.stores == ["sessions"]
    assert AuditEvent.objects.filter(action="legal_hold.changed").count() == 1


def test_a_bad_change_is_400_and_changes_nothing(client_as, leo, hold):
    before = written()

    response = client_as(leo).patch(
        f"{HOLDS}/{hold.pk}", {"matter": "x", "custodians": ["ghost@example.com"]}, format="json"
    )

    assert response.status_code == 400
    hold.refresh_from_db()
    assert hold.matter == "Case 7"
    assert written() == before


def test_legal_releases_a_hold_with_a_reason_and_it_is_audited(client_as, leo, hold):
    response = client_as(leo).post(
        f"{HOLDS}/{hold.pk}/release", {"reason": "Settled"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["active"] is False and body["release_reason"] == "Settled"
    assert body["released_by"] == leo.username
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.released_by == leo
    audit = AuditEvent.objects.get(action="legal_hold.released")
    assert audit.actor_id == str(leo.pk) and audit.target_id == str(hold.pk)


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "   "}, {"reason": 7}])
def test_release_without_a_reason_is_a_400_naming_it_and_keeps_the_hold(client_as, leo, hold, body):
    response = client_as(leo).post(f"{HOLDS}/{hold.pk}/release", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    hold.refresh_from_db()
    assert hold.is_active and not AuditEvent.objects.filter(action="legal_hold.released")


def test_release_twice_changes_nothing_the_second_time(client_as, leo, hold):
    client = client_as(leo)
    first = client.post(f"{HOLDS}/{hold.pk}/release", {"reason": "Settled"}, format="json")
    assert first.status_code == 200
    released_at = LegalHold.objects.get().released_at

    assert (
        client.post(f"{HOLDS}/{hold.pk}/release", {"reason": "again"}, format="json").status_code
        == 200
    )
    hold.refresh_from_db()
    assert hold.released_at == released_at and hold.release_reason == "Settled"
    event = AuditEvent.objects.get(action="legal_hold.released")
    assert event.details["reason"] == "Settled"


def test_a_released_hold_cannot_change(client_as, leo, hold):
    legal_hold_release(hold=hold, actor=leo, reason="Settled")

    response = client_as(leo).patch(f"{HOLDS}/{hold.pk}", {"matter": "x"}, format="json")

    assert response.status_code == 400
    hold.refresh_from_db()
    assert hold.matter == "Case 7"


def test_holds_list_shows_active_first_and_filters(client_as, leo, bob):
    old = legal_hold_create(actor=leo, matter="Old", reason="r", custodians=[bob.employee])
    legal_hold_release(hold=old, actor=leo, reason="Settled")
    new = legal_hold_create(actor=leo, matter="New", reason="r", custodians=[bob.employee])
    client = client_as(leo)

    def matters(query=""):
        return [h["matter"] for h in client.get(HOLDS + query).json()["results"]]

    assert matters() == ["New", "Old"]
    assert matters("?active=true") == ["New"]
    assert matters("?active=false") == ["Old"]
    assert client.get(f"{HOLDS}/{new.pk}").json()["custodians"][0]["work_email"] == bob.email


def test_an_unknown_hold_is_404(client_as, leo, catalogue):
    client = client_as(leo)
    assert client.get(f"{HOLDS}/999999").status_code == 404
    assert client.post(f"{HOLDS}/999999/release").status_code == 404


def test_holds_are_never_deleted_or_replaced(client_as, leo, hold):
    client = client_as(leo)
    assert client.delete(f"{HOLDS}/{hold.pk}").status_code == 405
    assert client.put(f"{HOLDS}/{hold.pk}", {"matter": "x"}, format="json").status_code == 405
    assert LegalHold.objects.filter(pk=hold.pk, matter="Case 7").exists()


def test_hold_paths_are_in_the_openapi_description(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]

    assert {"get", "post"} <= set(paths["/api/v1/legal-holds"])
    assert {"get", "patch"} <= set(paths["/api/v1/legal-holds/{id}"])
    assert "post" in paths["/api/v1/legal-holds/{id}/release"]


def custodian_reads(person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="personal_data.viewed",
            subject=person.employee.subject_id,
            details__what="legal hold custodian",
        )
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", HOLDS, {"matter": "M", "reason": "R", "custodians": ["bob@example.com"]}),
        ("patch", HOLDS + "/{hold}", {"matter": "Renamed"}),
        ("post", HOLDS + "/{hold}/release", {"reason": "settled"}),
    ],
)
def test_a_write_answering_with_the_custodians_is_a_read_of_their_data(
    client_as, leo, bob, hold, method, path, body
):
    response = getattr(client_as(leo), method)(path.format(hold=hold.pk), body, format="json")

    assert response.status_code in (200, 201), response.content
    assert [c["work_email"] for c in response.json()["custodians"]] == [bob.email]
    [read] = custodian_reads(bob)
    assert (read.actor_id, read.target_id) == (str(leo.pk), str(response.json()["id"]))


def test_a_hold_on_the_typed_text_tails_alone_is_refused_as_it_would_keep_nothing(
    client_as, as_user, leo, alice
):
    """The tails are a redaction buffer Redis expires in minutes; no hold keeps them, so
    a hold naming them would look like preservation and preserve nothing."""
    before = written()

    response = client_as(leo).post(
        HOLDS,
        {
            "matter": "Keystroke dispute",
            "reason": "Preserve what was typed",
            "custodians": ["alice@example.com"],
            "stores": ["typed_tails"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "typed_tails" in response.json()["stores"][0]
    assert written() == before
    page = as_user(leo).get("/legal/holds/new/").content.decode()
    assert 'value="events"' in page and 'value="typed_tails"' not in page
