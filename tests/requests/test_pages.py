"""Request pages: employees file and follow their own requests; officers work the queue.

Every form is tried with good input (the change is in the database, then a redirect
with a message) and bad input (a 400 with the field's error, and nothing changed).
"""

import importlib.util
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import (
    DataRequest,
    DataRequestEvent,
    ErasureJob,
    ExportPackage,
    SentEmail,
)
from governance.services.requests import (
    request_extend,
    request_file,
    request_identity_ask,
    request_reject,
    request_verify,
)
from tests.erasure.helpers import drive

State = DataRequest.State
HAS_EXPORTS = importlib.util.find_spec("governance.services.exports") is not None


def file(user, kind="access", **kwargs) -> DataRequest:
    request, created = request_file(employee=user.employee, kind=kind, actor=user, **kwargs)
    assert created
    return request


def snapshot(request: DataRequest) -> tuple:
    request.refresh_from_db()
    return (
        request.state,
        request.due_on,
        request.assignee_id,
        request.extended_days,
        request.outcome,
        request.history.count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may see what ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, alice):
    request = file(alice)
    for url in (
        "/requests/",
        f"/requests/{request.pk}/",
        "/officer/requests/",
        f"/officer/requests/{request.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_someone_elses_request_is_not_found_and_cannot_be_withdrawn(as_user, alice, bob):
    theirs = file(bob)
    client = as_user(alice)

    assert client.get(f"/requests/{theirs.pk}/").status_code == 404
    assert client.get(f"/requests/{theirs.pk}/status.json").status_code == 404
    assert client.post(f"/requests/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.RECEIVED


def test_an_employees_list_shows_only_their_own_requests(as_user, alice, bob):
    mine = file(alice, "portability")
    theirs = file(bob, "access")

    page = as_user(alice).get("/requests/")

    assert page.status_code == 200
    rows = [row["request"].pk for row in page.context["rows"]]
    assert rows == [mine.pk]
    assert f'data-request="{theirs.pk}"' not in page.content.decode()


@pytest.mark.parametrize("persona", ["alice", "leo"])
def test_officer_pages_refuse_employees_and_legal(as_user, personas, bob, persona):
    request = file(bob)
    before = snapshot(request)
    client = as_user(personas[persona])

    for url in (
        "/officer/requests/",
        "/officer/requests/new/",
        f"/officer/requests/{request.pk}/",
        f"/officer/requests/{request.pk}/status.json",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"/officer/requests/{request.pk}/",
        {"action": "reject", "reject-reason": "no"},
    )
    assert response.status_code == 403
    assert snapshot(request) == before


def test_the_admin_without_an_employee_record_has_no_requests_page(as_user, ada):
    assert as_user(ada).get("/requests/").status_code == 403


def test_navigation_shows_my_requests_to_employees_and_requests_to_officers(as_user, alice, olivia):
    employee_page = as_user(alice).get("/").content.decode()
    assert 'href="/requests/"' in employee_page
    assert 'href="/officer/requests/"' not in employee_page
    officer_page = as_user(olivia).get("/").content.decode()
    assert 'href="/officer/requests/"' in officer_page


# --- the employee files, follows and withdraws ------------------------------------------


def test_an_employee_files_a_request_and_lands_on_its_page(as_user, alice):
    client = as_user(alice)

    response = client.post("/requests/", {"kind": "access", "details": "Everything please"})

    request = DataRequest.objects.get(employee=alice.employee)
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.pk}/"
    assert request.kind == "access" and request.details == "Everything please"
    assert request.state == State.RECEIVED and request.filed_by == alice
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Received: the privacy office checks it is you" in body
    assert request.due_on.isoformat() in body
    assert "Withdraw request" in body
    assert f"Request #{request.pk} received" in " ".join(messages_of(page))


def test_the_form_explains_each_right_in_a_line(as_user, alice):
    body = as_user(alice).get("/requests/").content.decode()
    for line in (
        "A copy of everything kept about you",
        "to take elsewhere",
        "from every store",
        "Correct details about you that are wrong",
        "stop using it while a question",
        "processing for that purpose stops",
    ):
        assert line in body


def test_filing_the_same_open_request_again_shows_the_open_one(as_user, alice):
    client = as_user(alice)
    first = client.post("/requests/", {"kind": "portability"})

    again = client.post("/requests/", {"kind": "portability"}, follow=True)

    assert DataRequest.objects.filter(employee=alice.employee).count() == 1
    request = DataRequest.objects.get()
    assert again.redirect_chain[-1][0] == first["Location"] == f"/requests/{request.pk}/"
    assert any("already have an open" in text for text in messages_of(again))


def test_an_erasure_request_names_a_scope(as_user, alice, catalogue):
    vscode, key = catalogue["applications"][0], catalogue["kinds"][1]

    response = as_user(alice).post(
        "/requests/",
        {
            "kind": "erasure",
            "purpose": catalogue["purpose"].pk,
            "application": vscode.pk,
            "data_kind": key.pk,
        },
    )

    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.purpose, request.application, request.data_kind) == (
        catalogue["purpose"],
        vscode,
        key,
    )


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({}, "kind", "This field is required."),
        ({"kind": "deletion"}, "kind", "Select a valid choice."),
        ({"kind": "access", "purpose": "PURPOSE"}, None, "Only erasure, restriction"),
        ({"kind": "erasure", "application": "99999"}, "application", "Select a valid choice."),
        ({"kind": "access", "details": "x" * 5001}, "details", "at most 5000"),
    ],
)
def test_a_bad_request_form_shows_why_and_files_nothing(
    as_user, alice, catalogue, data, field, error
):
    if data.get("purpose") == "PURPOSE":
        data = {**data, "purpose": catalogue["purpose"].pk}

    response = as_user(alice).post("/requests/", data)

    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "kind", []) + form.non_field_errors()
    assert any(error in text for text in errors), form.errors
    assert not DataRequest.objects.exists()


def test_an_employee_withdraws_an_open_request(as_user, alice):
    request = file(alice)

    response = as_user(alice).post(f"/requests/{request.pk}/withdraw/", follow=True)

    request.refresh_from_db()
    assert request.state == State.WITHDRAWN
    assert any("withdrawn" in text for text in messages_of(response))
    assert "Withdraw request" not in response.content.decode()


def test_withdrawing_a_closed_request_says_why_and_changes_nothing(as_user, alice, olivia):
    request = file(alice)
    request_reject(request=request, actor=olivia, reason="Not an employee matter")
    before = snapshot(request)

    response = as_user(alice).post(f"/requests/{request.pk}/withdraw/", follow=True)

    assert any("cannot be withdrawn" in text for text in messages_of(response))
    assert snapshot(request) == before


def test_the_page_says_the_clock_is_paused_while_identity_is_awaited(as_user, alice, olivia):
    request = file(alice)
    request_identity_ask(request=request, actor=olivia, reason="A copy of your staff badge")

    body = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    assert "Clock paused while we wait for proof of identity" in body
    assert "A copy of your staff badge" in body  # the history line


def test_the_page_shows_an_extension_and_its_reason(as_user, alice, olivia):
    request = file(alice, "rectification")
    request_extend(request=request, actor=olivia, days=14, reason="Records are in the archive")
    request.refresh_from_db()

    body = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    assert "Extended by 14 days" in body and "Records are in the archive" in body
    assert request.due_on.isoformat() in body


def test_a_rejection_names_the_supervisory_authority(as_user, alice, olivia):
    request = file(alice)
    request_reject(request=request, actor=olivia, reason="Manifestly unfounded")

    body = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    assert "Manifestly unfounded" in body
    assert settings.SUPERVISORY_AUTHORITY["name"] in body
    assert f'href="{settings.SUPERVISORY_AUTHORITY["url"]}"' in body


def test_a_deferred_erasure_says_a_legal_obligation_holds_it(as_user, alice):
    request = file(alice, "erasure")
    DataRequest.objects.filter(pk=request.pk).update(state=State.BLOCKED_BY_HOLD)

    body = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    assert "deferred for a legal obligation" in body


def test_a_package_shows_its_progress_then_its_expiry(as_user, alice, olivia):
    request = file(alice)
    request_verify(request=request, actor=olivia, identity_check="Own account")
    package = ExportPackage.objects.get(request=request)
    ExportPackage.objects.filter(pk=package.pk).update(rows_expected=200, rows_written=50)
    client = as_user(alice)

    building = client.get(f"/requests/{request.pk}/").content.decode()
    status = client.get(f"/requests/{request.pk}/status.json").json()

    assert "Being prepared" in building and 'value="25"' in building
    assert status["package"] == {
        "id": package.pk,
        "state": "building",
        "percent": 25,
        "rows_written": 50,
        "rows_expected": 200,
        "rows_text": "50 of 200 rows",
    }

    expires = timezone.now() + timedelta(days=30)
    ExportPackage.objects.filter(pk=package.pk).update(
        state=ExportPackage.State.READY, expires_at=expires, size_bytes=2048, sha256="ab" * 32
    )
    ready = client.get(f"/requests/{request.pk}/").content.decode()
    assert "Available until" in ready and expires.strftime("%Y-%m-%d") in ready
    if HAS_EXPORTS:
        assert 'data-testid="download"' in ready
        assert "/requests/packages/" in ready


def test_a_finished_erasure_request_links_its_signed_receipt(as_user, alice_consents_all, olivia):
    alice = alice_consents_all
    request = file(alice, "erasure")
    request_verify(request=request, actor=olivia, identity_check="Own account")
    request.refresh_from_db()
    job = drive(request.erasure_job)
    assert job.state == ErasureJob.State.VERIFIED

    body = as_user(alice).get(f"/requests/{request.pk}/").content.decode()

    request.refresh_from_db()
    assert request.state == State.COMPLETED
    assert f'href="/consent/erasures/{job.pk}/receipt.json"' in body
    assert "Download the signed erasure receipt" in body
    assert "Withdraw request" not in body


# --- the officer's queue ---------------------------------------------------------------------


@pytest.fixture
def queue(alice, bob, leo, olivia):
    """Four open requests: overdue, due in 3 days, due in 20 days (assigned to olivia),
    and one completed; the queue shows the open ones by due date."""
    today = timezone.now().date()
    late = file(alice, "access")
    soon = file(bob, "rectification")
    later = file(leo, "restriction")
    done = file(alice, "objection")
    DataRequest.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=2))
    DataRequest.objects.filter(pk=soon.pk).update(due_on=today + timedelta(days=3))
    DataRequest.objects.filter(pk=later.pk).update(due_on=today + timedelta(days=20))
    DataRequest.objects.filter(pk=done.pk).update(state=State.COMPLETED, closed_at=timezone.now())
    DataRequest.objects.filter(pk=later.pk).update(assignee=olivia)
    return {"late": late, "soon": soon, "later": later, "done": done}


def shown(response) -> list[int]:
    return [row["request"].pk for row in response.context["rows"]]


def test_the_queue_lists_open_requests_by_due_date_and_says_which_are_late(as_user, olivia, queue):
    response = as_user(olivia).get("/officer/requests/")

    assert shown(response) == [queue["late"].pk, queue["soon"].pk, queue["later"].pk]
    body = response.content.decode()
    assert "Overdue by 2 days" in body and "Due in 3 days" in body and "Due in 20 days" in body
    assert queue["late"].employee.employee_number in body
    late_row = body.split(f'data-request="{queue["late"].pk}"')[1].split("</tr>")[0]
    assert "Overdue by 2 days" in late_row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "completed"}, ["done"]),
        ({"state": "all"}, ["late", "soon", "done", "later"]),
        ({"kind": "rectification"}, ["soon"]),
        ({"assignee": "me"}, ["later"]),
        ({"assignee": "none"}, ["late", "soon"]),
    ],
)
def test_the_queue_filters_by_state_kind_and_assignee(as_user, olivia, queue, query, expected):
    response = as_user(olivia).get("/officer/requests/", query)

    assert response.status_code == 200
    got = shown(response)
    assert sorted(got) == sorted(queue[name].pk for name in expected)
    dues = [row["request"].due_on for row in response.context["rows"]]
    assert dues == sorted(dues)


def test_the_queue_filters_by_a_named_officer(as_user, olivia, queue):
    response = as_user(olivia).get("/officer/requests/", {"assignee": str(olivia.pk)})
    assert shown(response) == [queue["later"].pk]


def test_a_bad_filter_is_ignored_not_an_error(as_user, olivia, queue):
    response = as_user(olivia).get("/officer/requests/", {"assignee": "x'; --", "kind": "nope"})
    assert response.status_code == 200
    assert response.context["filters"].errors


def test_the_queue_pages_by_due_date_then_id_without_counting(
    as_user, olivia, alice, bob, queue, monkeypatch
):
    """Ties on the due date are split by id, so paging down then back up shows every
    request once, in order; no page counts the queue or skips rows with an OFFSET."""
    monkeypatch.setattr("governance.views.requests.PAGE_SIZE", 2)
    today = timezone.now().date()
    for user, kind in ((alice, "portability"), (bob, "access"), (bob, "erasure")):
        DataRequest.objects.filter(pk=file(user, kind).pk).update(due_on=today + timedelta(days=3))
    expected = list(DataRequest.objects.order_by("due_on", "pk").values_list("pk", flat=True))
    client = as_user(olivia)

    pages, url = [], "/officer/requests/?state=all"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url if url.startswith("/") else "/officer/requests/" + url)
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        assert not any(" OFFSET " in q["sql"].upper() for q in queries.captured_queries)
        pages.append(shown(response))
        url = response.context["page"].older_url
        assert url is None or "state=all" in url

    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == 2 for page in pages[:-1])
    back, url = [], response.context["page"].newer_url
    while url:
        response = client.get("/officer/requests/" + url)
        back.append(shown(response))
        url = response.context["page"].newer_url
    assert back == pages[-2::-1]


def test_a_bad_queue_cursor_shows_the_first_page(as_user, olivia, queue):
    for cursor in ("2026-13-40~1", "nope", "~", "2026-01-01~x", "1~2~3"):
        response = as_user(olivia).get("/officer/requests/", {"before": cursor})
        assert response.status_code == 200
        assert shown(response) == [queue["late"].pk, queue["soon"].pk, queue["later"].pk]
    huge = as_user(olivia).get("/officer/requests/", {"after": f"2026-01-01~{10**30}"})
    assert huge.status_code == 200


# --- the officer's request page ------------------------------------------------------------


def post_action(client, request, action, **fields):
    data = {"action": action, **{f"{action}-{name}": value for name, value in fields.items()}}
    return client.post(f"/officer/requests/{request.pk}/", data)


def test_the_request_page_offers_only_the_transitions_its_state_allows(as_user, olivia, alice):
    request = file(alice, "rectification")
    client = as_user(olivia)

    received = client.get(f"/officer/requests/{request.pk}/")
    assert set(received.context["forms"]) == {"assign", "identity", "verify", "extend", "reject"}

    request_verify(request=request, actor=olivia, identity_check="Own account")
    in_progress = client.get(f"/officer/requests/{request.pk}/")
    assert set(in_progress.context["forms"]) == {"assign", "extend", "complete", "reject"}

    request_reject(request=request, actor=olivia, reason="Duplicate")
    closed = client.get(f"/officer/requests/{request.pk}/")
    assert closed.context["forms"] == {}


def test_a_transition_not_allowed_from_the_state_changes_nothing(as_user, olivia, alice):
    request = file(alice, "restriction")
    before = snapshot(request)

    response = post_action(as_user(olivia), request, "complete", restrict="yes", outcome="x")

    assert response.status_code == 400
    assert snapshot(request) == before


def test_the_officer_page_shows_the_identity_check_history_and_emails(
    as_user, olivia, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file(alice, "rectification", details="My department is wrong")
    with django_capture_on_commit_callbacks(execute=True):
        request_verify(request=request, actor=olivia, identity_check="Video call, ID shown")

    body = as_user(olivia).get(f"/officer/requests/{request.pk}/").content.decode()

    assert "Video call, ID shown" in body and "My department is wrong" in body
    email = SentEmail.objects.get(request=request)
    assert email.subject in body and email.to == "alice@example.com"
    assert "Request received" in body and "Identity checked; work started" in body
    assert alice.employee.employee_number in body


def test_an_officer_assigns_a_request(as_user, olivia, alice):
    request = file(alice)

    response = post_action(as_user(olivia), request, "assign", assignee=olivia.pk)

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.assignee == olivia


def test_a_request_cannot_be_assigned_to_someone_who_is_not_an_officer(as_user, olivia, alice, bob):
    request = file(alice)
    before = snapshot(request)

    response = post_action(as_user(olivia), request, "assign", assignee=bob.pk)

    assert response.status_code == 400
    assert response.context["forms"]["assign"].errors["assignee"]
    assert snapshot(request) == before


def test_asking_for_identity_pauses_the_clock_and_needs_a_reason(as_user, olivia, alice):
    request = file(alice)
    client = as_user(olivia)
    before = snapshot(request)

    bad = post_action(client, request, "identity", reason="  ")
    assert bad.status_code == 400 and bad.context["forms"]["identity"].errors["reason"]
    assert snapshot(request) == before

    good = post_action(client, request, "identity", reason="A copy of your badge")
    assert good.status_code == 302
    request.refresh_from_db()
    assert request.state == State.AWAITING_IDENTITY and request.is_paused


def test_verifying_records_how_identity_was_checked_and_starts(as_user, olivia, alice):
    request = file(alice, "rectification")
    client = as_user(olivia)
    before = snapshot(request)

    bad = post_action(client, request, "verify", identity_check="")
    assert bad.status_code == 400 and bad.context["forms"]["verify"].errors["identity_check"]
    assert snapshot(request) == before

    good = client.post(
        f"/officer/requests/{request.pk}/",
        {"action": "verify", "verify-identity_check": "Called back on the HR number"},
        follow=True,
    )
    request.refresh_from_db()
    assert request.state == State.IN_PROGRESS
    assert request.identity_check == "Called back on the HR number"
    assert any("fulfilment has started" in text for text in messages_of(good))


def test_an_extension_beyond_the_limit_is_refused_and_one_within_it_moves_the_date(
    as_user, olivia, alice
):
    request = file(alice, "rectification")
    client = as_user(olivia)
    page = client.get(f"/officer/requests/{request.pk}/").content.decode()
    limit = page.split("Up to ")[1].split(" days")[0]
    before = snapshot(request)

    too_long = post_action(client, request, "extend", days=int(limit) + 1, reason="Complex")
    assert too_long.status_code == 400
    assert "At most" in " ".join(too_long.context["forms"]["extend"].errors["days"])
    assert snapshot(request) == before
    no_reason = post_action(client, request, "extend", days=10, reason="")
    assert no_reason.status_code == 400 and snapshot(request) == before

    ok = post_action(client, request, "extend", days=10, reason="Archive lookup")
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.extended_days == 10 and request.due_on == before[1] + timedelta(days=10)
    assert request.extension_reason == "Archive lookup"


def test_rejecting_needs_a_reason_and_then_closes_the_request(as_user, olivia, alice):
    request = file(alice)
    client = as_user(olivia)
    before = snapshot(request)

    bad = post_action(client, request, "reject", reason="")
    assert bad.status_code == 400 and snapshot(request) == before

    ok = post_action(client, request, "reject", reason="Not about personal data")
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.state == State.REJECTED and request.outcome == "Not about personal data"


def test_a_restriction_is_decided_yes_or_no(as_user, olivia, alice):
    request = file(alice, "restriction")
    request_verify(request=request, actor=olivia, identity_check="Own account")
    client = as_user(olivia)
    before = snapshot(request)

    undecided = post_action(client, request, "complete", outcome="")
    assert undecided.status_code == 400
    assert undecided.context["forms"]["complete"].errors["restrict"]
    no_reason = post_action(client, request, "complete", restrict="no", outcome="")
    assert no_reason.status_code == 400
    assert no_reason.context["forms"]["complete"].errors["outcome"]
    assert snapshot(request) == before

    ok = post_action(client, request, "complete", restrict="yes", outcome="")
    assert ok.status_code == 302
    request.refresh_from_db()
    alice.employee.refresh_from_db()
    assert request.state == State.COMPLETED
    assert alice.employee.processing_restricted_at is not None


def test_a_rectification_corrects_the_profile_fields_it_shows_prefilled(as_user, olivia, alice):
    request = file(alice, "rectification")
    request_verify(request=request, actor=olivia, identity_check="Own account")
    client = as_user(olivia)

    form = client.get(f"/officer/requests/{request.pk}/").context["forms"]["complete"]
    assert form.initial["department"] == "Engineering" and form.initial["country"] == "DE"
    assert "observations" in form.initial["outcome"]

    bad = post_action(
        client,
        request,
        "complete",
        first_name="Alice",
        last_name="",
        department="Research",
        country="DEU",
        region="",
        outcome="x",
    )
    assert bad.status_code == 400
    alice.employee.refresh_from_db()
    assert alice.employee.department == "Engineering"

    ok = post_action(
        client,
        request,
        "complete",
        first_name="Alice",
        last_name="",
        department="Research",
        country="DE",
        region="",
        outcome=form.initial["outcome"],
    )
    assert ok.status_code == 302
    alice.employee.refresh_from_db()
    request.refresh_from_db()
    assert alice.employee.department == "Research"
    assert request.state == State.COMPLETED
    assert "department: Engineering → Research" in request.outcome
    assert "not corrected" in request.outcome


def test_revoking_a_ready_package_link(as_user, olivia, alice):
    request = file(alice)
    request_verify(request=request, actor=olivia, identity_check="Own account")
    package = ExportPackage.objects.get(request=request)
    ExportPackage.objects.filter(pk=package.pk).update(state=ExportPackage.State.READY)
    client = as_user(olivia)
    assert "revoke" in client.get(f"/officer/requests/{request.pk}/").context["forms"]

    bad = post_action(client, request, "revoke", reason="")
    assert bad.status_code == 400
    package.refresh_from_db()
    assert package.state == ExportPackage.State.READY
    if not HAS_EXPORTS:
        pytest.skip("governance.services.exports (package_revoke) is not in this build")

    ok = post_action(client, request, "revoke", reason="Sent to the wrong address")
    assert ok.status_code == 302
    package.refresh_from_db()
    assert package.state == ExportPackage.State.REVOKED


# --- filing on someone's behalf ------------------------------------------------------------

ON_BEHALF = {"kind": "rectification", "identity_check": "In person, staff badge seen"}


def test_an_officer_files_on_someones_behalf(as_user, olivia, bob):
    response = as_user(olivia).post(
        "/officer/requests/new/", {**ON_BEHALF, "employee": bob.employee.employee_number}
    )

    request = DataRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/officer/requests/{request.pk}/"
    assert request.employee == bob.employee and request.filed_by == olivia
    assert request.state == State.IN_PROGRESS
    assert request.identity_check == "In person, staff badge seen"
    assert DataRequestEvent.objects.filter(request=request, action="filed_on_behalf").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**ON_BEHALF, "employee": "E-nobody"}, "employee"),
        ({**ON_BEHALF, "employee": "bob@example.com", "identity_check": ""}, "identity_check"),
        ({**ON_BEHALF, "employee": "bob@example.com", "kind": "forget-me"}, "kind"),
    ],
)
def test_filing_on_behalf_with_bad_input_files_nothing(as_user, olivia, bob, data, field):
    response = as_user(olivia).post("/officer/requests/new/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not DataRequest.objects.exists()


# --- wording that pointed nowhere -----------------------------------------------------------


def test_the_erasure_page_points_to_the_request_queue(as_user, olivia):
    body = as_user(olivia).get("/officer/erasure-jobs/").content.decode()
    assert "handled outside the portal" not in body
    assert 'href="/officer/requests/?kind=erasure"' in body


def test_my_consent_points_to_my_requests_for_a_download(as_user, alice, catalogue):
    body = as_user(alice).get("/consent/").content.decode()
    pointer = body.split('data-testid="requests-pointer"')[1].split("</p>")[0]
    assert "download" in pointer and 'href="/requests/"' in pointer


def test_the_home_page_counts_open_and_overdue_requests_for_officers(as_user, olivia, queue):
    body = as_user(olivia).get("/").content.decode()
    assert "3 open requests, 1 overdue" in body


def test_the_officer_status_json_follows_any_request(as_user, olivia, alice):
    request = file(alice)

    body = as_user(olivia).get(f"/officer/requests/{request.pk}/status.json").json()

    assert body == {"id": request.pk, "state": "received", "package": None}
    assert as_user(olivia).get("/officer/requests/999999/status.json").status_code == 404


def test_an_officer_builds_a_failed_copy_again(as_user, alice, olivia):
    request = file(alice)
    request_verify(request=request, actor=olivia, identity_check="Own account")
    failed = ExportPackage.objects.get(request=request)
    client = as_user(olivia)
    page = f"/officer/requests/{request.pk}/"

    # While it builds there is nothing to build again.
    assert 'data-action-form="rebuild"' not in client.get(page).content.decode()
    refused = client.post(page, {"action": "rebuild"})
    assert refused.status_code == 400 and ExportPackage.objects.filter(request=request).count() == 1

    ExportPackage.objects.filter(pk=failed.pk).update(
        state=ExportPackage.State.FAILED, last_error="disk full"
    )
    shown = client.get(page).content.decode()
    assert 'data-action-form="rebuild"' in shown and "disk full" in shown

    done = client.post(page, {"action": "rebuild"}, follow=True)

    assert "The copy is being prepared again." in messages_of(done)
    newest = ExportPackage.objects.filter(request=request).order_by("-pk").first()
    assert newest.pk != failed.pk and newest.state == "building"
    assert ExportPackage.objects.get(pk=failed.pk).state == "failed"  # kept as the record
    assert request.history.last().action == "package_rebuilt"
    mine = as_user(alice).get(f"/requests/{request.pk}/").content.decode()
    assert "Copy being prepared again" in mine
