"""A hold has a review date: legal is mailed once when it passes, and the holds page and
API mark it, so no hold keeps data past retention after its matter is over."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from governance.models import AuditEvent, LegalHold, Role, SentEmail
from governance.services.holds import (
    legal_hold_create,
    legal_hold_release,
    legal_hold_update,
    legal_holds_remind_review,
)
from tests.factories import make_user

HOLDS = "/api/v1/legal-holds"


@pytest.fixture
def hold(leo, bob):
    return legal_hold_create(
        actor=leo, matter="Case 7", reason="Litigation", custodians=[bob.employee]
    )


def overdue(hold, days=1):
    LegalHold.objects.filter(pk=hold.pk).update(review_at=timezone.now() - timedelta(days=days))
    hold.refresh_from_db()
    return hold


def reminders():
    return SentEmail.objects.filter(kind="legal_hold_review_due")


def test_a_new_hold_is_due_for_review_after_the_configured_days(settings, leo, bob):
    settings.LEGAL_HOLD_REVIEW_DAYS = 30
    before = timezone.now()
    hold = legal_hold_create(actor=leo, matter="M", reason="R", custodians=[bob.employee])
    assert before + timedelta(days=30) <= hold.review_at <= timezone.now() + timedelta(days=30)
    assert not hold.review_overdue


def test_legal_sets_and_changes_the_review_date_through_the_api(client_as, leo, bob):
    client = client_as(leo)
    review = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    created = client.post(
        HOLDS,
        {"matter": "M", "reason": "R", "custodians": ["bob@example.com"],
         "review_at": review.isoformat()},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["review_overdue"] is False
    hold = LegalHold.objects.get(pk=body["id"])
    assert hold.review_at == review

    later = review + timedelta(days=90)
    changed = client.patch(f"{HOLDS}/{hold.pk}", {"review_at": later.isoformat()}, format="json")
    assert changed.status_code == 200
    hold.refresh_from_db()
    assert hold.review_at == later
    audit = AuditEvent.objects.filter(action="legal_hold.changed").last()
    assert audit.details["review_at"] == later.isoformat()


@pytest.mark.parametrize("review_at", ["2020-01-01T00:00:00Z", "soon", 5])
def test_a_review_date_not_ahead_is_a_400_naming_it(client_as, leo, bob, review_at):
    response = client_as(leo).post(
        HOLDS,
        {"matter": "M", "reason": "R", "custodians": ["bob@example.com"], "review_at": review_at},
        format="json",
    )
    assert response.status_code == 400
    assert "review_at" in response.json()
    assert not LegalHold.objects.exists()


def test_an_overdue_hold_is_marked_in_the_api_and_on_the_page(client_as, as_user, leo, hold):
    overdue(hold)
    listed = client_as(leo).get(HOLDS).json()["results"]
    assert [h["review_overdue"] for h in listed] == [True]
    assert client_as(leo).get(f"{HOLDS}/{hold.pk}").json()["review_overdue"] is True

    page = as_user(leo).get("/legal/holds/").content.decode()
    assert 'data-review-overdue="true"' in page and "Review overdue" in page
    detail = as_user(leo).get(f"/legal/holds/{hold.pk}/").content.decode()
    assert 'data-testid="review-overdue"' in detail


def test_a_released_hold_is_never_overdue(client_as, leo, hold):
    overdue(hold)
    legal_hold_release(hold=hold, actor=leo, reason="Settled")
    hold.refresh_from_db()
    assert not hold.review_overdue
    assert legal_holds_remind_review() == 0


def test_legal_is_mailed_once_per_review_date(leo, hold, django_capture_on_commit_callbacks):
    lena = make_user("lena@example.com", roles=(Role.LEGAL,))
    legal_hold_create(actor=leo, matter="Not yet", reason="R", custodians=[lena.employee])
    overdue(hold)

    with django_capture_on_commit_callbacks(execute=True):
        assert legal_holds_remind_review() == 1
        assert legal_holds_remind_review() == 0  # the same date: nothing again

    assert sorted(reminders().values_list("to", flat=True)) == [
        "lena@example.com",
        "leo@example.com",
    ]
    mail = reminders().first()
    assert "Case 7" in mail.subject and f"/legal/holds/{hold.pk}/" in mail.body
    assert AuditEvent.objects.filter(action="legal_hold.review_reminded").count() == 1

    # Legal sets a new date; when that one passes, legal is reminded again.
    legal_hold_update(hold=hold, actor=leo, review_at=timezone.now() + timedelta(days=5))
    assert legal_holds_remind_review() == 0
    overdue(hold)
    with django_capture_on_commit_callbacks(execute=True):
        assert legal_holds_remind_review() == 1
    assert reminders().count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_mail_once(leo, bob):
    hold = legal_hold_create(actor=leo, matter="Race", reason="R", custodians=[bob.employee])
    overdue(hold)
    barrier = threading.Barrier(2)
    counts = []

    def run():
        try:
            barrier.wait()
            counts.append(legal_holds_remind_review())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(counts) == [0, 1]
    assert reminders().count() == 1


def test_legal_sets_the_review_date_on_the_form_and_an_empty_one_changes_nothing(as_user, leo, bob):
    client = as_user(leo)
    fields = {"matter": "M", "reason": "R", "custodians": "bob@example.com"}
    review = (timezone.now() + timedelta(days=20)).replace(second=0, microsecond=0)

    client.post("/legal/holds/new/", {**fields, "review_at": review.strftime("%Y-%m-%dT%H:%M")})
    hold = LegalHold.objects.get()
    assert hold.review_at == review

    client.post(f"/legal/holds/{hold.pk}/edit/", {**fields, "matter": "Renamed", "review_at": ""})
    hold.refresh_from_db()
    assert (hold.matter, hold.review_at) == ("Renamed", review)

    past = client.post(f"/legal/holds/{hold.pk}/edit/", {**fields, "review_at": "2020-01-01T00:00"})
    assert past.status_code == 400 and "Set the review date in the future." in past.content.decode()
    hold.refresh_from_db()
    assert hold.review_at == review
