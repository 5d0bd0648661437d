"""How requests read once a reviewer used them: the clock pausing, packages that are gone,
progress that agrees with itself, and history and messages that say things once."""

from datetime import timedelta

from django.utils import timezone

from governance.models import DataRequest
from governance.services.requests import request_file, request_identity_ask

State = DataRequest.State


def file(user, kind="access", **kwargs) -> DataRequest:
    request, created = request_file(employee=user.employee, kind=kind, actor=user, **kwargs)
    assert created
    return request


def paused_long_ago(user, officer) -> DataRequest:
    """A request waiting for proof of identity since 40 days ago, with 10 days left then:
    its due date has passed on the calendar, but its clock has not run since."""
    request = file(user)
    request_identity_ask(request=request, actor=officer, reason="A copy of your staff badge")
    paused_at = timezone.now() - timedelta(days=40)
    DataRequest.objects.filter(pk=request.pk).update(
        paused_at=paused_at, due_on=paused_at.date() + timedelta(days=10)
    )
    return request


# --- a paused clock ---------------------------------------------------------------------


def test_a_paused_request_is_not_overdue_and_says_the_days_left_when_it_stopped(
    as_user, client_as, alice, olivia
):
    request = paused_long_ago(alice, olivia)
    words = "Clock paused while we wait for proof of identity — 10 days were left when it stopped"

    mine = as_user(alice).get(f"/requests/{request.pk}/").content.decode()
    officer = as_user(olivia).get(f"/officer/requests/{request.pk}/").content.decode()
    queue = as_user(olivia).get("/officer/requests/").content.decode()
    listed = as_user(alice).get("/requests/").content.decode()
    api = client_as(olivia).get(f"/api/v1/requests/{request.pk}").json()
    own = client_as(alice).get(f"/api/v1/me/requests/{request.pk}").json()
    late = client_as(olivia).get("/api/v1/requests?overdue=true").json()

    for body in (mine, officer, queue, listed):
        assert words in body
        assert "Overdue by" not in body and 'data-deadline="overdue"' not in body
    assert api["paused"] is True and api["days_left_when_paused"] == 10
    assert api["overdue"] is False and api["due_soon"] is False
    assert own["paused"] is True and own["days_left_when_paused"] == 10
    assert late["results"] == []
    assert "1 open request. Work them" in as_user(olivia).get("/").content.decode()


def test_a_deferred_erasure_has_been_answered_and_is_not_overdue(as_user, client_as, alice, olivia):
    request = file(alice, "erasure")
    DataRequest.objects.filter(pk=request.pk).update(
        state=State.BLOCKED_BY_HOLD, due_on=timezone.now().date() - timedelta(days=5)
    )

    officer = as_user(olivia).get(f"/officer/requests/{request.pk}/")
    api = client_as(olivia).get(f"/api/v1/requests/{request.pk}").json()

    assert "Overdue by" not in officer.content.decode()
    assert api["overdue"] is False and api["paused"] is False
