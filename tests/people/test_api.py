"""Officers act on owed erasures, see one person's consent only through an audited
disclosure, and read aggregates that never reveal one person's choice."""

import json

import pytest
from rest_framework import serializers

from governance.api.serializers.consent import OwedErasureSerializer
from governance.models import AuditEvent, Purpose
from governance.selectors.consent import owed_erasures_all
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from tests.conftest import written
from tests.factories import make_user


def test_owed_erasures_are_listed_by_pseudonym_not_by_person(client_as, olivia, alice, bob, scope):
    for user in (alice, bob):
        consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
        consent_withdraw(employee=user.employee, scope=scope, actor=user, context=RequestContext())

    body = client_as(olivia).get("/api/v1/erasures/owed").json()

    assert body["count"] == 2
    assert {row["subject"] for row in body["results"]} == {
        alice.employee.subject_id,
        bob.employee.subject_id,
    }
    text = json.dumps(body)
    for user in (alice, bob):
        assert user.email not in text
        assert user.employee.employee_number not in text


def test_owed_erasure_json_is_exactly_what_its_declared_fields_produce(alice, bob, scope):
    # The serializer builds the JSON directly for speed; DRF's field walk is the reference.
    for user in (alice, bob):
        consent_grant(employee=user.employee, scope=scope, actor=user, context=RequestContext())
        consent_withdraw(employee=user.employee, scope=scope, actor=user, context=RequestContext())
    serializer = OwedErasureSerializer()

    owed = list(owed_erasures_all())

    assert len(owed) == 2
    for item in owed:
        declared = serializers.Serializer.to_representation(serializer, item)
        assert json.dumps(serializer.to_representation(item)) == json.dumps(declared)


def disclosure_url(user) -> str:
    return f"/api/v1/employees/{user.employee.employee_number}/consent-disclosure"


def test_disclosure_shows_one_persons_consent_and_audits_who_looked_and_why(
    client_as, olivia, bob, scope
):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    response = client_as(olivia).post(
        disclosure_url(bob), {"reason": "Access request DSR-7"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["employee"]["subject_id"] == bob.employee.subject_id
    [granted] = [row for row in body["scopes"] if row["state"] == "granted"]
    assert {k: granted[k] for k in ("purpose", "application", "data_kind")} == scope.as_slugs()
    assert [e["action"] for e in body["history"]] == ["granted"]
    audit = AuditEvent.objects.get(action="personal_data.viewed")
    assert audit.actor_id == str(olivia.pk)
    assert audit.subject == bob.employee.subject_id
    assert audit.details == {"what": "consent", "reason": "Access request DSR-7"}


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": ""}, {"reason": "   "}, {"reason": 7}, {"reason": "x", "scope": "all"}],
)
def test_disclosure_without_a_proper_reason_is_400_and_shows_nothing(client_as, olivia, bob, body):
    before = written()

    response = client_as(olivia).post(disclosure_url(bob), body, format="json")

    assert response.status_code == 400
    assert "scopes" not in response.json()
    assert written() == before


def test_disclosure_of_an_unknown_employee_is_404(client_as, olivia, catalogue):
    before = written()

    response = client_as(olivia).post(
        "/api/v1/employees/E-NOPE/consent-disclosure", {"reason": "x"}, format="json"
    )

    assert response.status_code == 404
    assert written() == before


def test_line_manager_has_no_way_to_see_a_reports_consent(client_as, catalogue, scope, bob):
    manager = make_user("mona@example.com")
    bob.employee.manager = manager.employee
    bob.employee.save()
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())
    client = client_as(manager)

    assert client.post(disclosure_url(bob), {"reason": "curious"}, format="json").status_code == 403
    assert client.get("/api/v1/reports/consent-aggregates").status_code == 403
    assert client.get("/api/v1/audit/events").status_code == 403
    assert client.get("/api/v1/erasures/owed").status_code == 403
    mine = client.get("/api/v1/me/consents").json()
    assert mine["history"] == []


@pytest.fixture
def departments(catalogue, scope):
    """Engineering: 10 people, 6 granted. Sales: 3 people. Support: 6 people, 5 granted."""
    for department, people, granting in (
        ("Engineering", 10, 6),
        ("Sales", 3, 3),
        ("Support", 6, 5),
    ):
        for i in range(people):
            user = make_user(f"{department.lower()}{i}@example.com", department=department)
            if i < granting:
                consent_grant(
                    employee=user.employee, scope=scope, actor=user, context=RequestContext()
                )


def test_aggregates_suppress_groups_that_would_reveal_a_choice(client_as, leo, departments):
    body = client_as(leo).get("/api/v1/reports/consent-aggregates?group_by=department").json()

    rows = {row["group"]: row for row in body["rows"]}
    assert body["min_group_size"] == 5
    assert rows["Engineering"] == {
        "group": "Engineering",
        "people": 12,  # leo and olivia work in Engineering too, and granted nothing
        "granted": 6,
        "suppressed": False,
    }
    assert rows["Sales"]["suppressed"] is True and rows["Sales"]["granted"] is None
    # Six people of whom five granted: the one who did not would be exposed.
    assert rows["Support"]["suppressed"] is True and rows["Support"]["granted"] is None


def test_aggregates_by_purpose_count_only_grants_for_it(client_as, olivia, departments):
    Purpose.objects.create(slug="ux-research", name="UX research")

    body = client_as(olivia).get("/api/v1/reports/consent-aggregates?purpose=ux-research").json()

    assert body["purpose"] == "ux-research"
    assert all(row["granted"] in (None, 0) for row in body["rows"])
    assert all(row["suppressed"] for row in body["rows"])


@pytest.mark.parametrize(
    ("query", "field"), [("group_by=manager", "group_by"), ("purpose=nope", "purpose")]
)
def test_aggregates_with_a_bad_query_are_400(client_as, olivia, catalogue, query, field):
    response = client_as(olivia).get(f"/api/v1/reports/consent-aggregates?{query}")

    assert response.status_code == 400
    assert field in response.json()
