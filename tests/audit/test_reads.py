"""Every look at someone else's data leaves one `personal_data.viewed` event that the
person sees under "Who accessed my data"; their own looks leave none."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from governance.models import AuditEvent, ErasureCause
from governance.services.disclosure import personal_data_viewed
from governance.services.erasure import erasure_job_create
from governance.services.holds import legal_hold_create

VIEWED = "personal_data.viewed"


class OneRoundPBKDF2(PBKDF2PasswordHasher):
    """A preferred hasher other than the tests' MD5, cheap enough to rehash with."""

    iterations = 1


def views_of(user, what: str | None = None):
    rows = AuditEvent.objects.filter(action=VIEWED, subject=user.employee.subject_id)
    return list(rows.filter(details__what=what) if what else rows)


@pytest.fixture
def bob_job(bob, olivia, catalogue):
    return erasure_job_create(
        employee=bob.employee, cause=ErasureCause.OFFICER, actor=olivia, reason="Leaver"
    )


@pytest.fixture
def hold(leo, alice, bob, catalogue):
    return legal_hold_create(
        actor=leo,
        matter="Doe v. Example",
        reason="Litigation",
        custodians=[alice.employee, bob.employee],
    )


def test_erasure_job_page_names_the_person_and_records_one_read(as_user, olivia, bob, bob_job):
    body = as_user(olivia).get(f"/officer/erasure-jobs/{bob_job.pk}/").content.decode()

    assert bob.employee.employee_number in body
    [event] = views_of(bob)
    assert (event.actor_id, event.details["what"]) == (str(olivia.pk), "erasure job")
    assert (event.target_type, event.target_id) == ("ErasureJob", str(bob_job.pk))


def test_erasure_job_api_records_a_read_and_the_list_does_not(client_as, olivia, bob, bob_job):
    client = client_as(olivia)

    listed = client.get("/api/v1/erasure-jobs").json()["results"]
    assert [job["subject"] for job in listed] == [bob.employee.subject_id]
    assert views_of(bob) == []

    assert client.get(f"/api/v1/erasure-jobs/{bob_job.pk}").status_code == 200
    assert [e.details["what"] for e in views_of(bob)] == ["erasure job"]


def test_erasure_job_page_polls_the_list_so_watching_it_is_one_read(as_user, olivia, bob_job):
    body = as_user(olivia).get(f"/officer/erasure-jobs/{bob_job.pk}/").content.decode()
    assert 'data-erasure-poll="/api/v1/erasure-jobs" data-poll-mode="ids"' in body


def test_hold_page_names_custodians_with_one_read_each(as_user, leo, alice, bob, hold):
    client = as_user(leo)

    listing = client.get("/legal/holds/").content.decode()
    assert alice.employee.subject_id in listing
    assert alice.email not in listing
    assert AuditEvent.objects.filter(action=VIEWED).count() == 0

    detail = client.get(f"/legal/holds/{hold.pk}/").content.decode()
    assert alice.email in detail and bob.email in detail
    for person in (alice, bob):
        [event] = views_of(person, "legal hold custodian")
        assert (event.actor_id, event.target_id) == (str(leo.pk), str(hold.pk))


def test_hold_api_lists_pseudonyms_and_one_hold_names_them_audited(
    client_as, leo, alice, bob, hold
):
    client = client_as(leo)

    [listed] = client.get("/api/v1/legal-holds").json()["results"]
    assert sorted(listed["custodians"], key=lambda c: c["subject_id"]) == sorted(
        ({"subject_id": p.employee.subject_id} for p in (alice, bob)),
        key=lambda c: c["subject_id"],
    )
    assert AuditEvent.objects.filter(action=VIEWED).count() == 0

    one = client.get(f"/api/v1/legal-holds/{hold.pk}").json()
    assert {c["work_email"] for c in one["custodians"]} == {alice.email, bob.email}
    assert len(views_of(alice)) == len(views_of(bob)) == 1


def test_legal_viewing_a_hold_on_themselves_records_only_the_others(client_as, leo, bob, catalogue):
    hold = legal_hold_create(
        actor=leo, matter="Internal", reason="Audit", custodians=[leo.employee, bob.employee]
    )

    client_as(leo).get(f"/api/v1/legal-holds/{hold.pk}")

    assert views_of(leo) == []
    assert len(views_of(bob)) == 1


def test_a_persons_read_of_their_own_data_is_not_recorded(alice):
    assert personal_data_viewed(viewer=alice, people=[alice.employee], what="x") == []
    assert views_of(alice) == []


def test_the_person_sees_each_read_under_who_accessed_my_data(as_user, olivia, bob, bob_job):
    as_user(olivia).get(f"/officer/erasure-jobs/{bob_job.pk}/")

    page = as_user(bob).get("/consent/access-log/").content.decode()

    assert f'data-action="{VIEWED}"' in page
    assert "Viewed: erasure job" in page
    assert olivia.get_username() in page


def test_the_consent_view_shows_no_pseudonym_before_the_audited_look(as_user, olivia, bob):
    client = as_user(olivia)
    asked = client.get(f"/officer/people/{bob.employee.pk}/consent/").content.decode()
    assert bob.employee.subject_id not in asked

    shown = client.post(f"/officer/people/{bob.employee.pk}/consent/", {"reason": "DSR 4"})
    assert bob.employee.subject_id in shown.content.decode()
    assert [e.details["what"] for e in views_of(bob)] == ["consent"]


def test_an_admin_changing_a_password_or_deleting_a_user_is_audited(client, ada, alice):
    from django.contrib.auth import get_user_model

    client.force_login(ada)
    response = client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": "N3w-long-passphrase!", "password2": "N3w-long-passphrase!"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    [changed] = AuditEvent.objects.filter(action="user.password_changed")
    assert (changed.actor_id, changed.subject) == (str(ada.pk), alice.employee.subject_id)

    spare = get_user_model().objects.create_user(username="temp@example.com", password="x")
    response = client.post(f"/admin/auth/user/{spare.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=spare.pk).exists()
    [deleted] = AuditEvent.objects.filter(action="user.deleted")
    assert (deleted.actor_id, deleted.target_id) == (str(ada.pk), str(spare.pk))
    assert deleted.details["username"] == "temp@example.com"


def test_a_person_changing_their_own_password_is_audited_as_theirs(as_user, alice, password):
    response = as_user(alice).post(
        "/accounts/password_change/",
        {
            "old_password": password,
            "new_password1": "An0ther-long-passphrase",
            "new_password2": "An0ther-long-passphrase",
        },
    )
    assert response.status_code == 302
    [changed] = AuditEvent.objects.filter(action="user.password_changed")
    assert (changed.actor_id, changed.subject) == (str(alice.pk), alice.employee.subject_id)


def test_a_password_hash_upgraded_at_login_is_not_a_change(alice, password, settings):
    from django.contrib.auth.hashers import make_password

    alice.password = make_password(password, hasher="md5")
    alice.save(update_fields=["password"])
    settings.PASSWORD_HASHERS = [
        "tests.audit.test_reads.OneRoundPBKDF2",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert alice.check_password(password)  # rehashes with the preferred hasher and saves
    alice.refresh_from_db()

    assert alice.password.startswith("pbkdf2_sha256$1$")

    assert not AuditEvent.objects.filter(action="user.password_changed").exists()


def test_an_officer_downloading_an_erasure_receipt_is_a_read(as_user, olivia, bob, bob_job):
    from tests.erasure.helpers import drive

    drive(bob_job)

    response = as_user(olivia).get(f"/officer/erasure-jobs/{bob_job.pk}/receipt.json")

    assert response.status_code == 200
    assert [e.details["what"] for e in views_of(bob)] == ["erasure receipt"]


def test_the_hold_edit_form_names_custodians_so_it_is_a_read(as_user, leo, alice, bob, hold):
    body = as_user(leo).get(f"/legal/holds/{hold.pk}/edit/").content.decode()

    assert alice.email in body
    assert len(views_of(alice, "legal hold custodian")) == 1
    assert len(views_of(bob, "legal hold custodian")) == 1


def test_the_request_queue_does_not_tie_a_pseudonym_to_an_employee_number(client_as, olivia, bob):
    from governance.services.requests import request_file

    request, _ = request_file(employee=bob.employee, kind="access", actor=bob)
    client = client_as(olivia)

    [queued] = client.get("/api/v1/requests").json()["results"]
    assert queued["employee_number"] == bob.employee.employee_number
    assert bob.employee.subject_id not in str(queued)
    assert views_of(bob) == []

    detail = client.get(f"/api/v1/requests/{request.pk}").json()
    assert detail["subject"] == bob.employee.subject_id
    assert [e.details["what"] for e in views_of(bob)] == ["data subject request"]
