"""An employee's erasures and the log of who did what with their data."""

import json

from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.disclosure import employee_consent_disclose


def withdrawn(user, scope):
    consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    return consent_withdraw(
        employee=user.employee, scope=scope, actor=user, context=RequestContext()
    )


def test_my_erasures_lists_what_is_owed_to_me_only(client_as, alice, bob, scope, other_scope):
    mine = withdrawn(alice, scope)
    withdrawn(bob, other_scope)

    body = client_as(alice).get("/api/v1/me/erasures").json()

    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] is None  # owed, not yet scheduled as a job
    assert row["cause"] == "consent_withdrawal"
    assert row["cause_ref"] == str(mine.receipt_id)
    assert row["state"] == "pending"
    assert row["state_display"] == "Pending"
    assert row["scope"] == {
        "everything": False,
        "purposes": [scope.purpose.slug],
        "applications": [scope.application.slug],
        "data_kinds": [scope.data_kind.slug],
    }
    assert bob.employee.subject_id not in json.dumps(body)


def test_my_access_log_shows_an_officer_looking_at_my_consent(client_as, alice, olivia, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    employee_consent_disclose(viewer=olivia, employee=alice.employee, reason="Grievance 12")

    results = client_as(alice).get("/api/v1/me/access-log").json()["results"]

    viewed, granted = results
    assert viewed["action"] == "personal_data.viewed"
    assert viewed["actor_label"] == olivia.username
    # The reason shows, as the page shows it (the form tells the officer the person reads it);
    # nothing else of the event's details does.
    assert viewed["details"] == {"what": "consent", "reason": "Grievance 12"}
    assert granted["action"] == "consent.granted"
    assert granted["details"]["scope"] == scope.as_slugs()
    assert viewed["seq"] > granted["seq"]
    assert "Carol" not in json.dumps(results)


def test_my_access_log_never_includes_entries_about_someone_else(client_as, alice, bob, scope):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    body = client_as(alice).get("/api/v1/me/access-log").json()

    assert body["results"] == []
    assert bob.username not in json.dumps(body)
