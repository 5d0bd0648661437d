"""Requests through the API: who may call what, the duplicate rule, the clock as shown,
and every transition with the history and audit rows it leaves."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from governance.deadlines import CLOCKS, add_months
from governance.models import (
    AuditEvent,
    ConsentState,
    DataRequest,
    Employee,
    ErasureJob,
    ExportPackage,
    SentEmail,
)
from governance.services.holds import legal_hold_create
from tests.erasure.helpers import drive, record_events
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/requests"
QUEUE = "/api/v1/requests"


@pytest.fixture
def carol(db):
    """An employee in California: the CPRA clock."""
    return make_user("carol@example.com", country="US", region="CA")


def file(client, **body):
    return client.post(MINE, body, format="json")


def mine(client, pk):
    return client.get(f"{MINE}/{pk}")


def officer_post(client, pk, action, body=None):
    return client.post(f"{QUEUE}/{pk}/{action}", body or {}, format="json")


def actions(pk) -> list[str]:
    return list(DataRequest.objects.get(pk=pk).history.values_list("action", flat=True))


def audited(pk) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="DataRequest", target_id=str(pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def move(pk, **fields):
    """Put a request where a test needs it in time (no clock travel in this suite)."""
    DataRequest.objects.filter(pk=pk).update(**fields)


# Filing


def test_an_employee_files_an_access_request_and_gets_201_with_its_deadline(client_as, alice):
    response = file(client_as(alice), kind="access", details="Everything you keep, please.")

    assert response.status_code == 201, response.content
    body = response.json()
    stored = DataRequest.objects.get(pk=body["id"])
    assert stored.employee == alice.employee and stored.state == "received"
    assert body["state"] == "received" and body["kind"] == "access"
    assert body["scope"] == {"purpose": None, "application": None, "data_kind": None}
    assert body["clock"] == "gdpr" and body["due_on"] == stored.due_on.isoformat()
    assert body["due_on"] == add_months(stored.received_at.date(), 1).isoformat()
    assert body["details"] == "Everything you keep, please."
    assert [(h["action"], h["by"]) for h in body["history"]] == [("filed", "you")]
    assert body["package"] is None and body["erasure"] is None
    assert response["Location"].endswith(f"{MINE}/{stored.pk}")
    assert audited(stored.pk) == ["request.filed"]


def test_the_same_open_request_again_is_200_with_the_open_ones_id(client_as, alice, catalogue):
    client = client_as(alice)
    scope = {"purpose": "train-computer-use-models", "application": "vscode"}

    first = file(client, kind="erasure", **scope)
    again = file(client, kind="erasure", **scope)
    other = file(client, kind="erasure", purpose="train-computer-use-models")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["scope"] == {**scope, "data_kind": None}
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert DataRequest.objects.count() == 2
    assert actions(first.json()["id"]) == ["filed"]


def test_an_officer_filing_the_same_open_request_on_someones_behalf_gets_the_open_one(
    client_as, alice, olivia
):
    own = file(client_as(alice), kind="portability").json()

    response = client_as(olivia).post(
        QUEUE,
        {"employee": alice.employee.employee_number, "kind": "portability", "identity_check": "x"},
        format="json",
    )

    assert response.status_code == 200 and response.json()["id"] == own["id"]
    assert DataRequest.objects.count() == 1


def test_an_officer_files_on_someones_behalf_recording_how_identity_was_checked(
    client_as, alice, olivia
):
    response = client_as(olivia).post(
        QUEUE,
        {
            "employee": "ALICE@example.com",
            "kind": "rectification",
            "identity_check": "Badge shown at the front desk",
            "details": "My department is wrong.",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    stored = DataRequest.objects.get(pk=body["id"])
    assert stored.employee == alice.employee and stored.filed_by == olivia
    assert stored.state == "in_progress" and stored.identity_check.startswith("Badge")
    assert body["employee_number"] == alice.employee.employee_number
    assert body["identity_check"] == "Badge shown at the front desk"
    assert [h["action"] for h in body["history"]] == ["filed_on_behalf", "verified"]
    assert body["history"][0]["by"] == "olivia@example.com"
    # The person sees the same lines, by the privacy team.
    seen = mine(client_as(alice), stored.pk).json()
    assert [(h["action"], h["by"]) for h in seen["history"]] == [
        ("filed_on_behalf", "privacy team"),
        ("verified", "privacy team"),
    ]


# The clock as shown


def test_a_german_request_received_on_31_january_is_due_at_the_end_of_february(client_as, alice):
    client = client_as(alice)
    pk = file(client, kind="access").json()["id"]
    received = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)
    move(pk, received_at=received, due_on=CLOCKS["gdpr"].due(received.date()))

    shown = mine(client, pk).json()

    assert shown["clock"] == "gdpr"
    assert shown["due_on"] == "2027-02-28"
    assert shown["received_at"].startswith("2027-01-31")


def test_a_california_request_is_due_in_45_days(client_as, carol):
    response = file(client_as(carol), kind="access")

    body = response.json()
    assert body["clock"] == "cpra"
    received = date.fromisoformat(body["received_at"][:10])
    assert date.fromisoformat(body["due_on"]) - received == timedelta(days=45)
    assert DataRequest.objects.get(pk=body["id"]).jurisdiction == "US-CA"


def test_an_extension_before_the_end_of_february_may_add_two_months_and_no_more(
    client_as, alice, olivia
):
    pk = file(client_as(alice), kind="access").json()["id"]
    received = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)
    move(pk, received_at=received, due_on=date(2027, 2, 28))
    officer = client_as(olivia)

    too_long = officer_post(officer, pk, "extend", {"days": 60, "reason": "Many systems"})
    extended = officer_post(officer, pk, "extend", {"days": 59, "reason": "Many systems"})

    assert too_long.status_code == 400 and "59" in too_long.json()["days"][0]
    assert extended.status_code == 200, extended.content
    body = extended.json()
    assert body["due_on"] == "2027-04-28"
    assert body["extended_days"] == 59 and body["extension_reason"] == "Many systems"
    assert actions(pk) == ["filed", "extended"]
    assert audited(pk) == ["request.filed", "request.extended"]
    seen = mine(client_as(alice), pk).json()
    assert seen["due_on"] == "2027-04-28" and seen["extension_reason"] == "Many systems"


def test_asking_for_proof_of_identity_stops_the_clock_until_it_is_verified(
    client_as, alice, olivia, django_capture_on_commit_callbacks
):
    pk = file(client_as(alice), kind="rectification").json()["id"]
    due = DataRequest.objects.get(pk=pk).due_on
    officer = client_as(olivia)

    with django_capture_on_commit_callbacks(execute=True):
        asked = officer_post(officer, pk, "identity", {"reason": "Reply from your work account."})
    assert asked.status_code == 200, asked.content
    assert asked.json()["state"] == "awaiting_identity" and asked.json()["paused"] is True
    assert SentEmail.objects.filter(request_id=pk, kind="request_identity").exists()
    paused_at = DataRequest.objects.get(pk=pk).paused_at
    move(pk, paused_at=paused_at - timedelta(days=3))

    verified = officer_post(officer, pk, "verify", {"identity_check": "Replied from work"})

    body = verified.json()
    assert body["state"] == "in_progress" and body["paused"] is False
    assert body["paused_days"] == 3 and body["due_on"] == (due + timedelta(days=3)).isoformat()
    assert body["identity_check"] == "Replied from work"
    assert actions(pk) == ["filed", "identity_requested", "verified"]
    assert audited(pk) == ["request.filed", "request.identity_requested", "request.verified"]
    assert [e["kind"] for e in body["emails"]] == ["request_identity"]


# Fulfilment and closing, through the API


def test_verifying_an_access_request_starts_a_package_whose_progress_both_sides_see(
    client_as, alice, olivia
):
    pk = file(client_as(alice), kind="access").json()["id"]

    verified = officer_post(
        client_as(olivia), pk, "verify", {"identity_check": "Signed in with SSO"}
    )

    assert verified.status_code == 200
    package = ExportPackage.objects.get(request_id=pk)
    assert package.state == "building"
    ExportPackage.objects.filter(pk=package.pk).update(rows_expected=200, rows_written=50)
    seen = mine(client_as(alice), pk).json()
    assert seen["state"] == "in_progress"
    assert seen["package"]["id"] == package.pk and seen["package"]["state"] == "building"
    assert seen["package"]["rows_written"] == 50 and seen["package"]["rows_expected"] == 200
    assert seen["package"]["percent"] == 25 and seen["package"]["download_url"] is None
    officer_view = client_as(olivia).get(f"{QUEUE}/{pk}").json()
    assert officer_view["package"]["percent"] == 25
    assert "download_url" not in officer_view["package"]  # it works only in alice's session


def test_a_ready_package_has_a_download_link_for_its_owner(client_as, alice, olivia):
    pytest.importorskip("governance.services.exports", reason="the packages helper's module")
    pk = file(client_as(alice), kind="access").json()["id"]
    officer_post(client_as(olivia), pk, "verify", {"identity_check": "Signed in with SSO"})
    now = timezone.now()
    ExportPackage.objects.filter(request_id=pk).update(
        state="ready", ready_at=now, expires_at=now + timedelta(days=30), rows_expected=0
    )

    package = mine(client_as(alice), pk).json()["package"]

    assert package["state"] == "ready" and package["percent"] == 100
    assert package["download_url"] and "/requests/packages/" in package["download_url"]


def test_an_officer_revokes_a_ready_package(client_as, alice, olivia):
    exports = pytest.importorskip("governance.services.exports", reason="the packages helper")
    if not hasattr(exports, "package_revoke"):
        pytest.skip("package_revoke is not written yet")
    pk = file(client_as(alice), kind="access").json()["id"]
    officer_post(client_as(olivia), pk, "verify", {"identity_check": "Signed in with SSO"})
    now = timezone.now()
    ExportPackage.objects.filter(request_id=pk).update(
        state="ready", ready_at=now, expires_at=now + timedelta(days=30)
    )

    revoked = officer_post(client_as(olivia), pk, "package/revoke", {"reason": "Sent to wrong"})

    assert revoked.status_code == 200, revoked.content
    package = ExportPackage.objects.get(request_id=pk)
    assert package.state == "revoked" and package.revoked_by == olivia
    assert mine(client_as(alice), pk).json()["package"]["download_url"] is None


def test_revoking_the_package_of_a_request_without_one_is_404(client_as, alice, olivia):
    pk = file(client_as(alice), kind="access").json()["id"]

    response = officer_post(client_as(olivia), pk, "package/revoke", {"reason": "x"})

    assert response.status_code == 404


def test_an_erasure_request_links_its_job_and_the_receipt_once_verified(
    client_as, alice, olivia, alice_consents_all
):
    pk = file(client_as(alice), kind="erasure", application="vscode").json()["id"]

    officer_post(client_as(olivia), pk, "verify", {"identity_check": "Signed in"})
    job = DataRequest.objects.get(pk=pk).erasure_job
    started = mine(client_as(alice), pk).json()

    assert job is not None and job.cause == "request" and job.cause_ref == f"request:{pk}"
    assert started["erasure"]["id"] == job.pk and started["erasure"]["receipt_url"] is None
    assert started["erasure"]["url"].endswith(f"/api/v1/me/erasures/{job.pk}")
    assert drive(job).state == ErasureJob.State.VERIFIED

    done = mine(client_as(alice), pk).json()
    assert done["state"] == "completed"
    assert done["erasure"]["receipt_url"].endswith(f"/api/v1/me/erasures/{job.pk}/receipt")
    assert client_as(alice).get(done["erasure"]["receipt_url"]).status_code == 200
    officer_view = client_as(olivia).get(f"{QUEUE}/{pk}").json()
    assert officer_view["erasure"]["url"].endswith(f"/api/v1/erasure-jobs/{job.pk}")
    assert actions(pk) == ["filed", "verified", "completed"]


def test_an_objection_completes_when_verified(client_as, alice, olivia, alice_consents_all):
    pk = file(client_as(alice), kind="objection", purpose="train-computer-use-models").json()["id"]

    body = officer_post(
        client_as(olivia), pk, "verify", {"identity_check": "Signed in with SSO"}
    ).json()

    assert body["state"] == "completed" and "objection" in body["outcome"]
    assert actions(pk) == ["filed", "verified", "completed"]
    assert audited(pk) == ["request.filed", "request.verified", "request.completed"]
    assert not ConsentState.objects.filter(
        employee=alice.employee, purpose__slug="train-computer-use-models", state="granted"
    ).exists()


def test_an_officer_rejects_a_request_with_a_reason_the_person_reads(
    client_as, alice, olivia, django_capture_on_commit_callbacks
):
    pk = file(client_as(alice), kind="access").json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_post(client_as(olivia), pk, "reject", {"reason": "Manifestly unfounded"})

    assert response.status_code == 200
    assert DataRequest.objects.get(pk=pk).state == "rejected"
    seen = mine(client_as(alice), pk).json()
    assert seen["state"] == "rejected" and seen["outcome"] == "Manifestly unfounded"
    assert seen["history"][-1] == {
        **seen["history"][-1],
        "action": "rejected",
        "from_state": "received",
        "to_state": "rejected",
        "message": "Manifestly unfounded",
        "by": "privacy team",
    }
    assert audited(pk) == ["request.filed", "request.rejected"]
    assert SentEmail.objects.filter(request_id=pk, kind="request_rejected").count() == 1


def test_an_officer_decides_a_restriction_request(client_as, alice, olivia):
    pk = file(client_as(alice), kind="restriction").json()["id"]
    officer = client_as(olivia)
    officer_post(officer, pk, "verify", {"identity_check": "Signed in with SSO"})

    response = officer_post(officer, pk, "complete", {"restrict": True})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"
    assert Employee.objects.get(pk=alice.employee.pk).processing_restricted_at is not None
    assert actions(pk) == ["filed", "verified", "completed"]
    assert audited(pk) == ["request.filed", "request.verified", "request.completed"]


def test_an_officer_corrects_a_profile_field_for_a_rectification_request(client_as, alice, olivia):
    pk = file(client_as(alice), kind="rectification").json()["id"]
    officer = client_as(olivia)
    officer_post(officer, pk, "verify", {"identity_check": "Signed in with SSO"})

    response = officer_post(
        officer,
        pk,
        "complete",
        {"corrections": {"department": "Legal"}, "outcome": "Events are observations."},
    )

    assert response.status_code == 200, response.content
    assert Employee.objects.get(pk=alice.employee.pk).department == "Legal"
    assert "Engineering → Legal" in response.json()["outcome"]
    assert AuditEvent.objects.filter(action="employee.rectified").count() == 1
    assert audited(pk) == ["request.filed", "request.verified", "request.completed"]


def test_an_employee_withdraws_their_own_open_request(client_as, alice):
    client = client_as(alice)
    pk = file(client, kind="portability").json()["id"]

    response = client.post(f"{MINE}/{pk}/withdraw", {"reason": "Not needed"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    assert DataRequest.objects.get(pk=pk).state == "withdrawn"
    assert actions(pk) == ["filed", "withdrawn"]
    assert audited(pk) == ["request.filed", "request.withdrawn"]


def test_an_assignment_is_shown_to_officers_and_never_names_the_officer_to_the_person(
    client_as, alice, olivia
):
    pk = file(client_as(alice), kind="access").json()["id"]

    assigned = officer_post(client_as(olivia), pk, "assign", {"assignee": olivia.pk})

    assert assigned.json()["assignee"] == {"id": olivia.pk, "username": "olivia@example.com"}
    assert DataRequest.objects.get(pk=pk).assignee == olivia
    seen = mine(client_as(alice), pk)
    assert "olivia" not in seen.content.decode().lower()
    assert seen.json()["history"][-1]["by"] == "privacy team"
    unassigned = officer_post(client_as(olivia), pk, "assign", {"assignee": None})
    assert unassigned.json()["assignee"] is None
    assert actions(pk) == ["filed", "assigned", "assigned"]
    assert audited(pk) == ["request.filed", "request.assigned", "request.assigned"]


# Lists


def test_an_employee_lists_only_their_own_requests_paginated(client_as, alice, bob):
    for kind in ("access", "portability", "rectification"):
        file(client_as(alice), kind=kind)
    file(client_as(bob), kind="access")

    page = client_as(alice).get(f"{MINE}?limit=2").json()
    rest = client_as(alice).get(f"{MINE}?limit=2&offset=2").json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    kinds = [row["kind"] for row in page["results"] + rest["results"]]
    assert kinds == ["rectification", "portability", "access"]  # newest first


def test_the_queue_is_sorted_by_due_date_and_filtered(client_as, alice, bob, carol, olivia):
    today = timezone.now().date()
    late = file(client_as(alice), kind="access").json()["id"]
    soon = file(client_as(bob), kind="access").json()["id"]
    later = file(client_as(carol), kind="erasure").json()["id"]
    closed_late = file(client_as(alice), kind="portability").json()["id"]
    move(late, due_on=today - timedelta(days=2))
    move(soon, due_on=today + timedelta(days=3))
    move(later, due_on=today + timedelta(days=30))
    move(closed_late, due_on=today - timedelta(days=5), state="rejected")
    officer = client_as(olivia)
    officer_post(officer, soon, "assign", {"assignee": olivia.pk})

    def ids(query=""):
        response = officer.get(f"{QUEUE}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [closed_late, late, soon, later]
    assert ids("overdue=true") == [late]
    assert ids("overdue=false") == [closed_late, soon, later]
    assert ids("state=received") == [late, soon, later]
    assert ids("open=true") == [late, soon, later] and ids("open=false") == [closed_late]
    assert ids("kind=erasure") == [later]
    assert ids("assignee=me") == ids(f"assignee={olivia.pk}") == [soon]
    assert ids("assignee=none") == [closed_late, late, later]
    assert ids(f"due_before={(today + timedelta(days=4)).isoformat()}") == [closed_late, late, soon]
    rows = {row["id"]: row for row in officer.get(QUEUE).json()["results"]}
    assert rows[late]["overdue"] and not rows[late]["due_soon"]
    assert rows[soon]["due_soon"] and not rows[soon]["overdue"]
    assert not rows[closed_late]["overdue"]
    assert rows[soon]["employee_number"] == bob.employee.employee_number


def test_the_officer_detail_shows_the_emails_sent_about_the_request(
    client_as, alice, olivia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pk = file(client_as(alice), kind="access").json()["id"]

    body = client_as(olivia).get(f"{QUEUE}/{pk}").json()

    assert [(e["kind"], e["to"]) for e in body["emails"]] == [
        ("request_received", "alice@example.com")
    ]
    assert body["subject"] == alice.employee.subject_id
    assert "emails" not in mine(client_as(alice), pk).json()


# Who may call what


def test_another_persons_request_is_404_and_stays_as_it_was(client_as, alice, bob):
    pk = file(client_as(bob), kind="access").json()["id"]
    client = client_as(alice)

    shown = mine(client, pk)
    withdrawn = client.post(f"{MINE}/{pk}/withdraw", {}, format="json")

    assert shown.status_code == 404 and withdrawn.status_code == 404
    assert DataRequest.objects.get(pk=pk).state == "received"
    assert actions(pk) == ["filed"]
    assert pk not in [row["id"] for row in client.get(MINE).json()["results"]]


OFFICER_CALLS = [
    ("get", QUEUE, None),
    ("post", QUEUE, {"employee": "x", "kind": "access", "identity_check": "x"}),
    ("get", QUEUE + "/{pk}", None),
    ("post", QUEUE + "/{pk}/assign", {"assignee": None}),
    ("post", QUEUE + "/{pk}/identity", {"reason": "x"}),
    ("post", QUEUE + "/{pk}/verify", {}),
    ("post", QUEUE + "/{pk}/extend", {"days": 5, "reason": "x"}),
    ("post", QUEUE + "/{pk}/reject", {"reason": "x"}),
    ("post", QUEUE + "/{pk}/complete", {"outcome": "x"}),
    ("post", QUEUE + "/{pk}/package/revoke", {"reason": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), OFFICER_CALLS)
@pytest.mark.parametrize("persona", ["alice", "leo", None])
def test_only_privacy_officers_may_work_the_queue(
    request, client_as, bob, method, path, body, persona
):
    pk = file(client_as(bob), kind="access").json()["id"]
    caller = request.getfixturevalue(persona) if persona else None
    before = (DataRequest.objects.get(pk=pk).updated_at, AuditEvent.objects.count())

    response = getattr(client_as(caller), method)(
        path.format(pk=pk), *([body] if body is not None else []), format="json"
    )

    assert response.status_code == 403, response.content
    expected = "Only privacy officers may do this." if persona else "Authentication credentials"
    assert response.json()["detail"].startswith(expected)
    assert (DataRequest.objects.get(pk=pk).updated_at, AuditEvent.objects.count()) == before
    assert DataRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", MINE), ("post", MINE), ("get", MINE + "/{pk}"), ("post", MINE + "/{pk}/withdraw")],
)
def test_the_employee_endpoints_are_for_employees_only(client_as, alice, ada, method, path):
    pk = file(client_as(alice), kind="access").json()["id"]

    for caller in (ada, None):  # the admin has no Employee record; then anonymous
        response = getattr(client_as(caller), method)(
            path.format(pk=pk), *([{"kind": "access"}] if method == "post" else []), format="json"
        )
        assert response.status_code == 403, response.content
    assert DataRequest.objects.get(pk=pk).state == "received" and DataRequest.objects.count() == 1


def test_an_officer_asking_for_a_request_that_does_not_exist_gets_404(client_as, olivia):
    client = client_as(olivia)

    assert client.get(f"{QUEUE}/999999").status_code == 404
    assert (
        officer_post(client, 999999, "verify", {"identity_check": "Signed in with SSO"}).status_code
        == 404
    )
    assert client.get(f"{QUEUE}/{2**64}").status_code == 404


def test_the_person_never_sees_an_officers_name_in_their_request(client_as, alice, olivia):
    pk = file(client_as(alice), kind="rectification").json()["id"]
    officer = client_as(olivia)
    officer_post(officer, pk, "assign", {"assignee": olivia.pk})
    officer_post(officer, pk, "verify", {"identity_check": "Known in person"})
    officer_post(officer, pk, "complete", {"outcome": "Nothing to correct."})

    seen = json.dumps(mine(client_as(alice), pk).json()).lower()

    assert "olivia" not in seen
    assert '"by": "privacy team"' in seen


def test_a_page_of_the_queue_and_of_my_requests_reads_in_a_fixed_number_of_queries(
    client_as, alice, olivia, django_assert_max_num_queries
):
    for kind in ("access", "portability", "rectification", "restriction", "objection"):
        file(client_as(alice), kind=kind)
    officer, own = client_as(olivia), client_as(alice)
    officer.get(QUEUE), own.get(MINE)  # the session and permission lookups warm up

    with django_assert_max_num_queries(8):
        assert len(officer.get(QUEUE).json()["results"]) == 5
    with django_assert_max_num_queries(8):
        assert len(own.get(MINE).json()["results"]) == 5
    pk = DataRequest.objects.order_by("pk").first().pk
    # Two more for the audited read (the chain's lock and the event).
    with django_assert_max_num_queries(12):
        assert officer.get(f"{QUEUE}/{pk}").status_code == 200


def test_an_erasure_deferred_by_a_legal_hold_reads_as_a_legal_obligation_to_the_person(
    client_as, alice_consents_all, token, olivia, leo
):
    alice = alice_consents_all
    record_events(token)
    legal_hold_create(actor=leo, matter="Case 7", reason="Litigation", custodians=[alice.employee])
    pk = file(client_as(alice), kind="erasure").json()["id"]
    officer_post(client_as(olivia), pk, "verify", {"identity_check": "Signed in with SSO"})
    drive(DataRequest.objects.get(pk=pk).erasure_job)

    seen = mine(client_as(alice), pk)
    officer_view = client_as(olivia).get(f"{QUEUE}/{pk}").json()

    body = seen.json()
    assert body["state"] == "blocked_by_hold"
    assert body["state_display"] == "Partly deferred for a legal obligation"
    assert body["history"][-1]["action"] == "deferred"
    assert "obligation" in body["history"][-1]["message"]
    text = seen.content.decode().lower()
    assert "legal hold" not in text and "case 7" not in text and "litigation" not in text
    assert officer_view["state_display"] == "Partly deferred by a legal hold"
