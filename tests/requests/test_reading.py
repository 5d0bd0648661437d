"""How requests read once a reviewer used them: the clock pausing, packages that are gone,
progress that agrees with itself, and history and messages that say things once."""

from datetime import timedelta

from django.utils import timezone

from governance.models import (
    AuditEvent,
    DataRequest,
    DataRequestEvent,
    ErasureJob,
    ErasureStep,
    ExportPackage,
)
from governance.services.erasure import erasure_job_create
from governance.services.requests import (
    request_file,
    request_identity_ask,
    request_package_settled,
    request_verify,
)

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


# --- filing on someone's behalf -----------------------------------------------------------

ON_BEHALF = {"kind": "rectification", "identity_check": "Letter with a copy of the badge"}


def test_an_officer_files_a_letter_with_the_day_it_arrived(as_user, olivia, bob):
    day = timezone.now().date() - timedelta(days=20)
    form = as_user(olivia).get("/officer/requests/new/").content.decode()

    response = as_user(olivia).post(
        "/officer/requests/new/",
        {**ON_BEHALF, "employee": bob.employee.employee_number.lower(), "received_at": day},
    )

    request = DataRequest.objects.get()
    assert response.status_code == 302
    assert request.employee == bob.employee
    assert request.received_at.date() == day and request.received_at.hour == 12
    assert 'name="received_at"' in form and "runs from today" not in form
    assert "The person can read this note" in form


def test_filing_on_behalf_today_is_received_now_and_the_future_is_refused(as_user, olivia, bob):
    today = timezone.now().date()
    data = {**ON_BEHALF, "employee": "BOB@EXAMPLE.COM"}

    future = as_user(olivia).post(
        "/officer/requests/new/", {**data, "received_at": today + timedelta(days=1)}
    )
    assert future.status_code == 400 and future.context["form"].errors["received_at"]
    assert not DataRequest.objects.exists()

    before = timezone.now()
    as_user(olivia).post("/officer/requests/new/", {**data, "received_at": today})
    assert DataRequest.objects.get().received_at >= before


def test_the_api_files_on_behalf_with_a_received_date_or_time(client_as, olivia, alice, bob):
    api = client_as(olivia)
    day = (timezone.now() - timedelta(days=10)).date()

    by_day = api.post(
        "/api/v1/requests",
        {**ON_BEHALF, "employee": alice.employee.employee_number.lower(), "received_at": str(day)},
        format="json",
    )
    moment = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    by_time = api.post(
        "/api/v1/requests",
        {**ON_BEHALF, "employee": "bob@example.com", "received_at": moment.isoformat()},
        format="json",
    )
    too_old = api.post(
        "/api/v1/requests",
        {**ON_BEHALF, "kind": "access", "employee": "bob@example.com", "received_at": "2001-01-01"},
        format="json",
    )
    bad = api.post(
        "/api/v1/requests",
        {**ON_BEHALF, "kind": "access", "employee": "bob@example.com", "received_at": "2026-02-30"},
        format="json",
    )

    assert by_day.status_code == 201, by_day.json()
    assert DataRequest.objects.get(pk=by_day.json()["id"]).received_at.date() == day
    assert by_time.status_code == 201, by_time.json()
    assert DataRequest.objects.get(pk=by_time.json()["id"]).received_at == moment
    assert too_old.status_code == 400 and "received_at" in too_old.json()
    assert bad.status_code == 400 and "received_at" in bad.json()
    assert DataRequest.objects.count() == 2


# --- progress that agrees with its text ---------------------------------------------------


def package_of(user, officer) -> ExportPackage:
    request = file(user)
    request_verify(request=request, actor=officer, identity_check="Own account")
    return ExportPackage.objects.get(request=request)


def test_a_package_with_more_rows_than_counted_stays_below_100_and_says_only_its_rows(
    as_user, alice, olivia
):
    package = package_of(alice, olivia)
    ExportPackage.objects.filter(pk=package.pk).update(rows_expected=100, rows_written=120)
    page = f"/officer/requests/{package.request_id}/"

    body = as_user(olivia).get(page).content.decode()
    status = as_user(olivia).get(f"{page}status.json").json()

    assert 'value="99"' in body and "120 rows" in body and "120 of 100" not in body
    assert status["package"]["percent"] == 99 and status["package"]["rows_text"] == "120 rows"


def test_a_ready_package_is_at_100_percent(as_user, client_as, alice, olivia):
    package = package_of(alice, olivia)
    ExportPackage.objects.filter(pk=package.pk).update(
        state=ExportPackage.State.READY,
        rows_expected=100,
        rows_written=80,
        expires_at=timezone.now() + timedelta(days=30),
    )

    api = client_as(olivia).get(f"/api/v1/requests/{package.request_id}").json()
    body = as_user(olivia).get(f"/officer/requests/{package.request_id}/").content.decode()

    assert api["package"]["percent"] == 100
    assert 'value="100"' in body


def test_an_erasure_blocked_by_a_hold_is_a_full_bar_beside_every_store_checked(
    as_user, client_as, alice, olivia
):
    job = erasure_job_create(employee=alice.employee, cause="officer", actor=olivia)
    job.steps.update(state=ErasureStep.State.VERIFIED, rows_before=0)
    job.steps.filter(pk=job.steps.first().pk).update(
        state=ErasureStep.State.BLOCKED_BY_HOLD, rows_before=8, rows_deleted=2, rows_held=6
    )
    ErasureJob.objects.filter(pk=job.pk).update(state=ErasureJob.State.BLOCKED_BY_HOLD)

    progress = client_as(alice).get(f"/api/v1/me/erasures/{job.pk}").json()["progress"]
    page = as_user(olivia).get(f"/officer/erasure-jobs/{job.pk}/").content.decode()

    assert progress["stores_done"] == progress["stores_total"]
    assert progress["percent"] == 100
    assert 'value="100"' in page and 'value="25"' not in page


# --- packages that can no longer be downloaded --------------------------------------------


def completed_with_package(user, officer, **package) -> ExportPackage:
    """An access request answered with a ready package, then changed as `package` says."""
    found = package_of(user, officer)
    ExportPackage.objects.filter(pk=found.pk).update(
        state=ExportPackage.State.READY, expires_at=timezone.now() + timedelta(days=30)
    )
    request_package_settled(found.pk)
    ExportPackage.objects.filter(pk=found.pk).update(**package)
    found.refresh_from_db()
    return found


def test_a_ready_package_past_its_expiry_reads_as_expired_everywhere(
    as_user, client_as, alice, olivia
):
    package = completed_with_package(
        alice, olivia, expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = f"/requests/{package.request_id}/"

    mine = as_user(alice).get(page).content.decode()
    status = as_user(alice).get(f"{page}status.json").json()
    api = client_as(alice).get(f"/api/v1/me/requests/{package.request_id}").json()
    officer = as_user(olivia).get(f"/officer/requests/{package.request_id}/")

    assert 'data-testid="download"' not in mine and "/requests/packages/" not in mine
    assert "Expired: this copy can no longer be downloaded." in mine
    assert 'data-testid="outcome-gone"' in mine
    assert 'href="/requests/?kind=access#file-heading"' in mine
    assert status["package"]["state"] == "expired"
    assert api["package"]["state"] == "expired" and api["package"]["download_url"] is None
    assert 'data-state="expired"' in officer.content.decode()
    assert "revoke" not in officer.context["forms"]
    assert 'data-testid="package-gone-note"' in officer.content.decode()


def test_a_revoked_package_says_so_and_offers_a_new_copy(as_user, alice, olivia):
    package = completed_with_package(alice, olivia, state=ExportPackage.State.REVOKED)

    mine = as_user(alice).get(f"/requests/{package.request_id}/").content.decode()
    form = as_user(alice).get("/requests/?kind=access").context["form"]

    assert "Link revoked: this copy can no longer be downloaded." in mine
    assert "The privacy team revoked its download link." in mine
    assert 'data-testid="new-copy"' in mine
    assert form["kind"].value() == "access"


def test_the_gone_page_says_what_to_do_for_each_reason(as_user, alice, olivia, monkeypatch):
    from governance.services import exports

    package = completed_with_package(alice, olivia)
    url = exports.package_download_url(package, user=alice)
    client = as_user(alice)

    ExportPackage.objects.filter(pk=package.pk).update(state=ExportPackage.State.REVOKED)
    revoked = client.get(url).content.decode()
    ExportPackage.objects.filter(pk=package.pk).update(state=ExportPackage.State.ERASED)
    erased = client.get(url).content.decode()
    ExportPackage.objects.filter(pk=package.pk).update(state=ExportPackage.State.READY)
    monkeypatch.setattr(exports, "LINK_MAX_AGE", timedelta(seconds=-1))
    link = client.get(url).content.decode()

    assert "was link revoked" not in revoked
    assert "The privacy team revoked this copy" in revoked and 'data-testid="new-copy"' in revoked
    assert "Open your request" not in revoked
    assert "expired and was erased" in erased and 'data-testid="new-copy"' in erased
    assert "link has expired" in link
    assert f'href="/requests/{package.request_id}/" data-testid="fresh-link"' in link


# --- officers' reads are audited ----------------------------------------------------------


def test_an_officer_opening_a_request_is_audited_and_shown_to_the_person(
    as_user, client_as, alice, olivia
):
    request = file(alice)

    as_user(olivia).get(f"/officer/requests/{request.pk}/")
    client_as(olivia).get(f"/api/v1/requests/{request.pk}")
    for _ in range(3):
        as_user(olivia).get(f"/officer/requests/{request.pk}/status.json")
    as_user(alice).get(f"/requests/{request.pk}/")

    viewed = AuditEvent.objects.filter(action="personal_data.viewed").order_by("seq")
    assert [(e.actor_id, e.subject, e.details) for e in viewed] == [
        (
            str(olivia.pk),
            alice.employee.subject_id,
            {"what": "data subject request", "request": request.pk},
        )
    ] * 2
    log = as_user(alice).get("/consent/access-log/").content.decode()
    assert "Viewed: data subject request" in log


# --- small things a reviewer read twice ----------------------------------------------------


def test_an_extension_far_past_the_limit_is_answered_with_the_real_limit(
    as_user, client_as, alice, olivia
):
    request = file(alice, "rectification")
    page = as_user(olivia).get(f"/officer/requests/{request.pk}/").content.decode()

    api = client_as(olivia).post(
        f"/api/v1/requests/{request.pk}/extend",
        {"days": 999999, "reason": "Volume"},
        format="json",
    )
    form = as_user(olivia).post(
        f"/officer/requests/{request.pk}/",
        {"action": "extend", "extend-days": 999999, "extend-reason": "Volume"},
    )

    assert api.status_code == 400 and api.json()["days"][0].startswith("At most ")
    assert "GDPR" in api.json()["days"][0]
    assert form.status_code == 400
    assert form.context["forms"]["extend"].errors["days"][0].startswith("At most ")
    assert "Up to " in page and " days (until " in page
    request.refresh_from_db()
    assert request.extended_days == 0


def test_filing_the_same_request_again_names_the_kind_properly(as_user, alice):
    file(alice)

    response = as_user(alice).post("/requests/", {"kind": "access"}, follow=True)

    texts = [str(m) for m in response.context["messages"]]
    assert any("You already have an open request: Access to my data (Art. 15)" in t for t in texts)


def test_history_lines_say_the_new_state_only_when_it_adds_something(as_user, alice, olivia):
    from governance.services.requests import request_assign, request_withdraw

    request = file(alice)
    request_assign(request=request, assignee=olivia, actor=olivia)
    request_identity_ask(request=request, actor=olivia, reason="Your badge")
    request_withdraw(request=request, actor=alice, reason="")

    mine = as_user(alice).get(f"/requests/{request.pk}/").content.decode()
    officer = as_user(olivia).get(f"/officer/requests/{request.pk}/").content.decode()

    assert "(now: withdrawn" not in mine and "(now: withdrawn" not in officer
    assert "(now: waiting for your proof of identity)" in mine
    assert (
        f'Assigned</strong>: <span data-field="message">{olivia.get_username()}</span>' in officer
    )


def test_the_person_reads_that_the_privacy_team_filed_for_them(as_user, olivia, bob):
    as_user(olivia).post(
        "/officer/requests/new/", {**ON_BEHALF, "employee": bob.employee.employee_number}
    )
    request = DataRequest.objects.get()

    mine = as_user(bob).get(f"/requests/{request.pk}/").content.decode()

    assert "Filed for you by the privacy team" in mine
    assert "on the person&#x27;s behalf" not in mine and "on the person's behalf" not in mine


def test_a_deferred_erasure_says_everything_else_is_erased_once(as_user, alice, olivia):
    request = file(alice, "erasure")
    job = erasure_job_create(employee=alice.employee, cause="request", actor=olivia)
    ErasureJob.objects.filter(pk=job.pk).update(state=ErasureJob.State.BLOCKED_BY_HOLD)
    DataRequest.objects.filter(pk=request.pk).update(state=State.BLOCKED_BY_HOLD, erasure_job=job)
    DataRequestEvent.objects.create(
        request=request,
        action="deferred",
        from_state=State.IN_PROGRESS,
        to_state=State.BLOCKED_BY_HOLD,
        message="Held for Case 7",
        occurred_at=timezone.now(),
    )

    mine = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    assert mine.count("Everything else is erased") == 1
    assert "Case 7" not in mine


def test_an_employee_refused_an_officer_page_is_not_logged_as_a_fault(as_user, bob, caplog):
    response = as_user(bob).get("/officer/requests/")

    assert response.status_code == 403
    assert not [r for r in caplog.records if r.exc_info]


def test_the_api_docs_describe_requests_and_packages():
    from django.conf import settings

    description = settings.SPECTACULAR_SETTINGS["DESCRIPTION"]
    assert "data subject requests" in description and "packages" in description
