"""Legal hold pages: legal alone lists, places, edits and releases holds (with confirmation)."""

from datetime import UTC, datetime

import pytest

from governance.models import AuditEvent, LegalHold
from governance.services.holds import legal_hold_create, legal_hold_release


@pytest.fixture
def hold(leo, bob):
    return legal_hold_create(
        actor=leo, matter="Case 7", reason="Litigation", custodians=[bob.employee]
    )


PAGES = [
    "/legal/holds/",
    "/legal/holds/new/",
    "/legal/holds/{hold}/",
    "/legal/holds/{hold}/edit/",
    "/legal/holds/{hold}/release/",
]
NEW = {"matter": "Case 9", "reason": "Preserve", "custodians": "bob@example.com"}


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, hold, url):
    url = url.format(hold=hold.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("persona", ["alice", "olivia", "ada"])
def test_only_legal_opens_or_changes_holds(as_user, personas, hold, persona):
    client = as_user(personas[persona])
    assert [client.get(url.format(hold=hold.pk)).status_code for url in PAGES] == [403] * 5
    posts = [
        ("/legal/holds/new/", NEW),
        (f"/legal/holds/{hold.pk}/edit/", {**NEW, "matter": "Renamed"}),
        (f"/legal/holds/{hold.pk}/release/", {"reason": "x"}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * 3
    hold.refresh_from_db()
    assert hold.matter == "Case 7" and hold.is_active
    assert LegalHold.objects.count() == 1


def test_legal_places_a_hold_from_the_form(as_user, leo, alice, bob):
    response = as_user(leo).post(
        "/legal/holds/new/",
        {
            "matter": "Smith v. Example",
            "reason": "Discovery",
            "custodians": "alice@example.com\nBOB@example.com",
            "starts": "2024-01-01T00:00",
            "ends": "2024-06-30T12:00",
            "stores": ["events", "sessions"],
        },
        follow=True,
    )

    hold = LegalHold.objects.get()
    assert response.redirect_chain == [(f"/legal/holds/{hold.pk}/", 302)]
    assert set(hold.custodians.all()) == {alice.employee, bob.employee}
    assert hold.starts == datetime(2024, 1, 1, tzinfo=UTC)
    assert hold.ends == datetime(2024, 6, 30, 12, tzinfo=UTC)
    assert hold.stores == ["events", "sessions"]
    body = response.content.decode()
    assert "Hold placed" in body and "bob@example.com" in body and bob.employee.subject_id in body
    assert AuditEvent.objects.filter(action="legal_hold.placed", actor_id=str(leo.pk)).exists()


def test_empty_range_and_stores_cover_everything(as_user, leo, bob):
    as_user(leo).post("/legal/holds/new/", NEW)

    hold = LegalHold.objects.get()
    assert (hold.starts, hold.ends, hold.stores) == (None, None, [])
    body = as_user(leo).get("/legal/holds/").content.decode()
    assert "All time" in body and "All stores" in body


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({**NEW, "custodians": "bob@example.com\nghost@example.com"}, "ghost@example.com"),
        ({**NEW, "custodians": ""}, "This field is required"),
        ({**NEW, "matter": ""}, "This field is required"),
        ({**NEW, "starts": "2024-02-01T00:00", "ends": "2024-01-01T00:00"}, "after the start"),
        ({**NEW, "stores": ["backups"]}, "Select a valid choice"),
    ],
)
def test_a_bad_hold_form_shows_why_and_places_nothing(as_user, leo, bob, data, error):
    response = as_user(leo).post("/legal/holds/new/", data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not LegalHold.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="legal_hold.").exists()


def test_legal_edits_a_hold(as_user, leo, hold, alice):
    client = as_user(leo)
    form = client.get(f"/legal/holds/{hold.pk}/edit/").content.decode()
    assert "bob@example.com</textarea>" in form

    response = client.post(
        f"/legal/holds/{hold.pk}/edit/",
        {"matter": "Case 7 (appeal)", "reason": "Litigation", "custodians": "alice@example.com"},
    )

    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.matter == "Case 7 (appeal)"
    assert list(hold.custodians.all()) == [alice.employee]
    assert AuditEvent.objects.filter(action="legal_hold.changed").count() == 1


def test_release_asks_for_confirmation_then_releases_with_the_reason(as_user, leo, hold):
    client = as_user(leo)

    confirm = client.get(f"/legal/holds/{hold.pk}/release/").content.decode()
    assert "Release “Case 7”?" in confirm and "Yes, release the hold" in confirm
    hold.refresh_from_db()
    assert hold.is_active  # asking changes nothing

    response = client.post(f"/legal/holds/{hold.pk}/release/", {"reason": "Settled"}, follow=True)

    hold.refresh_from_db()
    assert not hold.is_active and hold.release_reason == "Settled" and hold.released_by == leo
    assert "Released “Case 7”" in response.content.decode()
    assert AuditEvent.objects.filter(action="legal_hold.released").count() == 1


def test_the_page_refuses_a_release_reason_the_api_would_refuse_and_keeps_the_hold(
    as_user, leo, hold
):
    from django.core.exceptions import ValidationError

    response = as_user(leo).post(f"/legal/holds/{hold.pk}/release/", {"reason": "x" * 200_000})

    assert response.status_code == 400
    hold.refresh_from_db()
    assert hold.is_active and hold.release_reason == ""
    assert not AuditEvent.objects.filter(action="legal_hold.released").exists()
    with pytest.raises(ValidationError):
        legal_hold_release(hold=hold, actor=leo, reason="x" * 2001)
    hold.refresh_from_db()
    assert hold.is_active


def test_a_placement_reason_longer_than_a_release_reason_may_be_is_refused_everywhere(
    as_user, leo, bob
):
    from django.core.exceptions import ValidationError

    form = {"matter": "Case 9", "reason": "x" * 200_000, "custodians": "bob@example.com"}
    response = as_user(leo).post("/legal/holds/new/", form)

    assert response.status_code in (200, 400)
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        legal_hold_create(actor=leo, matter="Case 9", reason="x" * 2001, custodians=[bob.employee])
    assert "reason" in refused.value.message_dict
    assert not LegalHold.objects.exists()


def test_a_released_hold_is_listed_apart_and_cannot_be_edited(as_user, leo, hold):
    legal_hold_release(hold=hold, actor=leo, reason="Settled")
    client = as_user(leo)

    body = client.get("/legal/holds/").content.decode()
    edit = client.get(f"/legal/holds/{hold.pk}/edit/", follow=True)

    assert 'data-testid="holds-released"' in body
    assert f'<tr data-hold="{hold.pk}" data-active="false">' in body
    assert "No active holds" in body
    assert "it can no longer change" in edit.content.decode()
    assert client.get("/legal/holds/999999/").status_code == 404


def test_holds_are_not_shown_to_their_custodians(as_user, bob, hold):
    body = as_user(bob).get("/").content.decode() + as_user(bob).get("/consent/").content.decode()
    assert "Case 7" not in body and "Legal holds" not in body
