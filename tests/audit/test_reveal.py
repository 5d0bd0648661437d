"""Who a pseudonym is: only for a stated reason, recorded, and shown to the person."""

from governance.models import AuditEvent, Role
from governance.services.consent import RequestContext, consent_grant
from governance.services.people import user_role_grant

VIEWED = "personal_data.viewed"


def identity_reads(user):
    return list(
        AuditEvent.objects.filter(
            action=VIEWED, subject=user.employee.subject_id, details__what="identity"
        )
    )


def test_api_reveal_names_the_person_and_records_the_reason(client_as, olivia, bob):
    response = client_as(olivia).post(
        "/api/v1/audit/reveal",
        {"subject": bob.employee.subject_id, "reason": "Complaint 12"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "subject": bob.employee.subject_id,
        "employee_number": bob.employee.employee_number,
        "display_name": bob.employee.display_name,
    }
    [event] = identity_reads(bob)
    assert (event.actor_id, event.details["reason"]) == (str(olivia.pk), "Complaint 12")


def test_api_reveal_without_a_reason_is_a_400_naming_it(client_as, leo, bob):
    for body in (
        {"subject": bob.employee.subject_id},
        {"subject": bob.employee.subject_id, "reason": "  "},
    ):
        response = client_as(leo).post("/api/v1/audit/reveal", body, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()
    assert identity_reads(bob) == []


def test_api_reveal_of_an_unknown_pseudonym_is_a_404(client_as, leo, bob):
    response = client_as(leo).post(
        "/api/v1/audit/reveal", {"subject": "sub_nobody", "reason": "Check"}, format="json"
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=VIEWED).exists()


def test_employees_cannot_reveal_anyone(client_as, alice, bob):
    response = client_as(alice).post(
        "/api/v1/audit/reveal",
        {"subject": bob.employee.subject_id, "reason": "Curious"},
        format="json",
    )
    assert response.status_code == 403
    assert identity_reads(bob) == []


def test_page_reveal_asks_why_then_shows_who_and_the_person_sees_it(as_user, leo, bob):
    client = as_user(leo)
    asked = client.get("/audit/reveal/", {"subject": bob.employee.subject_id}).content.decode()
    assert bob.employee.employee_number not in asked
    assert identity_reads(bob) == []

    shown = client.post(
        "/audit/reveal/", {"subject": bob.employee.subject_id, "reason": "Subpoena 3"}
    )

    assert shown.status_code == 200
    assert bob.employee.employee_number in shown.content.decode()
    assert len(identity_reads(bob)) == 1
    log = as_user(bob).get("/consent/access-log/").content.decode()
    assert "Viewed: identity" in log
    assert "Subpoena 3" in log
    assert leo.get_username() in log


def test_page_reveal_refuses_an_empty_reason_and_an_unknown_pseudonym(as_user, leo, bob):
    client = as_user(leo)

    no_reason = client.post("/audit/reveal/", {"subject": bob.employee.subject_id, "reason": ""})
    unknown = client.post("/audit/reveal/", {"subject": "sub_nobody", "reason": "Check"})

    assert no_reason.status_code == 400
    assert bob.employee.employee_number not in no_reason.content.decode()
    assert unknown.status_code == 404
    assert "Nobody has this pseudonym" in unknown.content.decode()
    assert not AuditEvent.objects.filter(action=VIEWED).exists()


def test_the_log_never_names_a_person_acting_for_themselves(client_as, as_user, olivia, bob, scope):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    entries = client_as(olivia).get("/api/v1/audit/events", {"action": "consent."}).json()
    page = as_user(olivia).get("/audit/", {"action": "consent."}).content.decode()

    [entry] = entries["results"]
    assert entry["subject"] == bob.employee.subject_id
    assert entry["actor_label"] == "the person"
    assert entry["masked"] == ["actor_label"]
    assert bob.get_username() not in page
    assert 'data-reveal="' + bob.employee.subject_id in page


def test_role_and_login_entries_do_not_tie_a_pseudonym_to_a_username(client_as, olivia, ada, bob):
    user_role_grant(user=bob, role=Role.LEGAL, actor=ada)
    entries = client_as(olivia).get("/api/v1/audit/events", {"action": "role."}).json()["results"]

    about_bob = [e for e in entries if e["subject"] == bob.employee.subject_id]
    assert about_bob
    for entry in about_bob:
        assert "username" not in entry["details"]
        assert entry["target_id"] == ""
        assert set(entry["masked"]) == {"target_id", "details"}
    # The stored entries are untouched and the chain still verifies.
    assert client_as(olivia).get("/api/v1/audit/verify").json()["ok"] is True
    assert AuditEvent.objects.filter(
        action="role.granted", subject=bob.employee.subject_id, details__username=bob.username
    ).exists()


def test_another_officers_reveal_shows_in_the_persons_api_access_log_with_the_reason(
    client_as, olivia, leo, bob
):
    client_as(leo).post(
        "/api/v1/audit/reveal",
        {"subject": bob.employee.subject_id, "reason": "Matter 9"},
        format="json",
    )

    log = client_as(bob).get("/api/v1/me/access-log").json()["results"]

    [entry] = [e for e in log if e["action"] == VIEWED]
    assert entry["actor_label"] == leo.get_username()
    assert entry["details"] == {"what": "identity", "reason": "Matter 9"}


def test_request_entries_do_not_point_at_the_queue_row_that_names_the_person(
    client_as, olivia, bob
):
    from governance.services.requests import request_file

    request_file(employee=bob.employee, kind="access", actor=bob)

    entries = client_as(olivia).get("/api/v1/audit/events", {"action": "request."}).json()

    [filed] = [e for e in entries["results"] if e["action"] == "request.filed"]
    assert filed["target_type"] == "DataRequest"
    assert filed["target_id"] == ""
    assert "request" not in filed["details"]
    assert "target_id" in filed["masked"]
    # Kind, due date and time would match one row of the queue, which shows the employee
    # number: beside the pseudonym they would say who it is.
    assert filed["subject"] == ""
    assert "due_on" not in filed["details"] and filed["details"]["kind"] == "access"
    assert {"subject", "details"} <= set(filed["masked"])
    stored = AuditEvent.objects.get(action="request.filed")
    assert stored.subject == bob.employee.subject_id and "due_on" in stored.details
    page = client_as(olivia).get("/audit/", {"action": "request."}).content.decode()
    assert bob.employee.subject_id not in page
    assert stored.details["due_on"] not in page
