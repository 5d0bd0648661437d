"""Erasure jobs through the API: officers start and follow them, employees follow their own
and download the signed receipt once every store has verified."""

import json

import pytest
from rest_framework import serializers

from governance.api.serializers.erasure import ErasureJobDetailSerializer, ErasureJobSerializer
from governance.models import AuditEvent, ErasureJob, ErasureStep, LegalHold, OwedErasure
from governance.selectors.erasure import erasure_jobs_all, erasure_views
from governance.services.consent import RequestContext, consent_withdraw
from governance.services.erasure import erasure_job_create
from governance.services.holds import legal_hold_create
from governance.services.scopes import Scope
from governance.services.signing import verify_document
from governance.stores import REGISTRY
from tests.conftest import written as api_written
from tests.erasure.helpers import drive, erase_owed, events_of, record_events


def written() -> dict[str, int]:
    return {
        **api_written(),
        **{m.__name__: m.objects.count() for m in (ErasureJob, ErasureStep, LegalHold)},
    }


@pytest.fixture
def alice_data(alice_consents_all, token):
    assert record_events(token) == 90
    return alice_consents_all


@pytest.fixture
def personas(alice, bob, olivia, leo, ada):
    return {"anonymous": None, "alice": alice, "olivia": olivia, "leo": leo, "ada": ada}


@pytest.fixture
def bobs_job(bob, olivia, catalogue):
    return erasure_job_create(employee=bob.employee, cause="officer", actor=olivia, reason="x")


OFFICER_ENDPOINTS = [
    ("get", "/api/v1/erasure-jobs", None),
    ("post", "/api/v1/erasure-jobs", {"employee": "bob@example.com", "reason": "DSR 7"}),
    ("get", "/api/v1/erasure-jobs/{job}", None),
]
EMPLOYEE_ENDPOINTS = [
    ("get", "/api/v1/me/erasures", None),
    ("get", "/api/v1/me/erasures/{job}", None),
    ("get", "/api/v1/me/erasures/{job}/receipt", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OFFICER_ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "alice", "leo", "ada"])
def test_only_officers_see_and_start_erasure_jobs(
    client_as, personas, bobs_job, method, path, body, persona
):
    before = written()

    response = getattr(client_as(personas[persona]), method)(
        path.format(job=bobs_job.pk), body, format="json"
    )

    assert response.status_code == 403, response.content
    assert written() == before


@pytest.mark.parametrize(("method", "path", "body"), EMPLOYEE_ENDPOINTS)
@pytest.mark.parametrize("persona", ["anonymous", "ada"])
def test_my_erasures_are_for_employees_only(
    client_as, personas, bobs_job, method, path, body, persona
):
    response = client_as(personas[persona]).get(path.format(job=bobs_job.pk))

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), EMPLOYEE_ENDPOINTS[1:])
def test_another_persons_erasure_is_404_even_for_an_officer(
    client_as, alice, olivia, bobs_job, method, path, body
):
    drive(bobs_job)
    for user in (alice, olivia):
        response = client_as(user).get(path.format(job=bobs_job.pk))
        assert response.status_code == 404, response.content
        assert bobs_job.subject not in response.content.decode()


def test_officer_starts_an_erasure_of_everything_by_work_email(client_as, olivia, alice_data):
    response = client_as(olivia).post(
        "/api/v1/erasure-jobs",
        {"employee": "ALICE@example.com", "reason": "Leaver, ticket HR-12"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    job = ErasureJob.objects.get()
    assert response["Location"].endswith(f"/api/v1/erasure-jobs/{job.pk}")
    assert (job.employee, job.cause, job.requested_by) == (alice_data.employee, "officer", olivia)
    assert job.reason == "Leaver, ticket HR-12"
    assert (job.purpose_ids, job.application_ids, job.data_kind_ids) == ([], [], [])
    assert body["subject"] == alice_data.employee.subject_id
    assert body["scope"]["everything"] is True
    assert {s["store"] for s in body["steps"]} == set(REGISTRY)
    assert body["state"] == "pending" and body["receipt"] is None
    audit = AuditEvent.objects.get(action="erasure.requested")
    assert audit.actor_id == str(olivia.pk) and audit.subject == job.subject


def test_officer_starts_an_erasure_by_employee_number(client_as, olivia, bob, catalogue):
    number = bob.employee.employee_number
    response = client_as(olivia).post(
        "/api/v1/erasure-jobs", {"employee": number, "reason": "DSR 9"}, format="json"
    )

    assert response.status_code == 201
    assert ErasureJob.objects.get().employee == bob.employee


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"employee": "nobody@example.com", "reason": "x"}, "employee"),
        ({"employee": "E-NOPE", "reason": "x"}, "employee"),
        ({"employee": "bob@example.com", "reason": "   "}, "reason"),
        ({"employee": "bob@example.com"}, "reason"),
        ({"reason": "x"}, "employee"),
        ({"employee": 1000, "reason": "x"}, "employee"),
        ({"employee": "bob@example.com", "reason": "x", "scope": "all"}, "scope"),
    ],
)
def test_a_bad_start_request_is_400_and_starts_nothing(client_as, olivia, bob, body, field):
    before = written()

    response = client_as(olivia).post("/api/v1/erasure-jobs", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert written() == before


def test_an_unknown_employee_is_named_in_the_error(client_as, olivia, catalogue):
    response = client_as(olivia).post(
        "/api/v1/erasure-jobs", {"employee": "nobody@example.com", "reason": "x"}, format="json"
    )

    assert "nobody@example.com" in response.json()["employee"][0]


def test_officer_follows_a_job_to_its_verified_receipt(client_as, olivia, alice_data):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    client = client_as(olivia)
    pending = client.get(f"/api/v1/erasure-jobs/{job.pk}").json()
    assert pending["progress"]["percent"] == 0
    assert all(step["rows_before"] is None for step in pending["steps"])

    drive(job)
    body = client.get(f"/api/v1/erasure-jobs/{job.pk}").json()

    assert body["state"] == "verified" and body["state_display"] == "Done"
    assert body["progress"] == {
        "percent": 100,
        "stores_done": len(REGISTRY),
        "stores_total": len(REGISTRY),
        "rows_before": body["progress"]["rows_before"],
        "rows_deleted": body["progress"]["rows_before"],
        "rows_held": 0,
    }
    events = next(step for step in body["steps"] if step["store"] == "events")
    assert (events["rows_before"], events["rows_deleted"], events["rows_after"]) == (90, 90, 0)
    assert events["state"] == "verified" and events["attempts"] == 1
    assert verify_document(body["receipt"], body["receipt"]["publicKey"])
    assert body["receipt"]["job"] == job.pk
    assert events_of(alice_data) == 0


def test_jobs_are_filtered_by_state_and_cause(client_as, olivia, alice_data, bob, scope):
    done = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    erase_owed()
    waiting = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
    client = client_as(olivia)

    def ids(query):
        return [row["id"] for row in client.get(f"/api/v1/erasure-jobs{query}").json()["results"]]

    assert ids("") == sorted(ids(""), reverse=True) and len(ids("")) == 3
    assert ids("?state=pending") == [waiting.pk]
    assert done.pk in ids("?state=verified")
    assert len(ids("?cause=consent_withdrawal")) == 1
    assert ids("?cause=officer&state=verified") == [done.pk]
    assert sorted(ids(f"?id={done.pk},{waiting.pk}")) == sorted([done.pk, waiting.pk])
    assert client.get("/api/v1/erasure-jobs?state=nonsense").status_code == 400


def test_the_job_list_names_subjects_by_pseudonym_only(client_as, olivia, alice_data):
    erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)

    text = json.dumps(client_as(olivia).get("/api/v1/erasure-jobs").json())

    assert alice_data.employee.subject_id in text
    assert alice_data.email not in text and alice_data.employee.employee_number not in text


def test_the_job_list_leaves_out_what_would_name_the_person_and_the_job_says_it(
    client_as, olivia, alice_data
):
    """A request id leads to the person through the request queue, and a login names
    them: the list shows neither; one job's page (an audited read) shows both."""
    job = erasure_job_create(
        employee=alice_data.employee, cause="request", actor=alice_data, cause_ref="41"
    )

    listed = client_as(olivia).get("/api/v1/erasure-jobs").json()["results"][0]
    one = client_as(olivia).get(f"/api/v1/erasure-jobs/{job.pk}").json()

    assert (listed["cause_ref"], listed["requested_by"]) == ("", "the person")
    assert alice_data.get_username() not in json.dumps(listed)
    assert (one["cause_ref"], one["requested_by"]) == ("41", alice_data.get_username())
    page = client_as(olivia).get("/officer/erasure-jobs/").content.decode()
    assert "by the person" in page and alice_data.get_username() not in page


def test_the_job_json_is_exactly_what_its_declared_fields_produce(
    rf, olivia, alice_data, bob, scope
):
    # The serializers build the JSON directly for speed; DRF's field walk is the reference.
    drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    drive(erasure_job_create(employee=bob.employee, cause="officer", actor=olivia, reason="x"))
    consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    erase_owed()
    erasure_job_create(employee=bob.employee, cause="officer", actor=None, reason="")
    erasure_job_create(employee=bob.employee, cause="request", actor=bob, cause_ref="41")
    views = erasure_views(erasure_jobs_all())
    context = {"request": rf.get("/api/v1/erasure-jobs")}
    assert {view.state for view in views} >= {"verified", "pending"}

    for serializer_class in (ErasureJobSerializer, ErasureJobDetailSerializer):
        serializer = serializer_class(context=context)
        for view in views:
            declared = serializers.Serializer.to_representation(serializer, view)
            assert json.dumps(serializer.to_representation(view)) == json.dumps(declared)


def test_an_unknown_job_is_404(client_as, olivia, catalogue):
    assert client_as(olivia).get("/api/v1/erasure-jobs/999999").status_code == 404


# The employee's side


def test_my_erasures_lists_my_jobs_and_my_owed_erasures_but_nobody_elses(
    client_as, alice_data, bob, olivia, scope, catalogue
):
    withdrawal = consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    [job] = erase_owed()
    other = consent_withdraw(
        employee=alice_data.employee,
        scope=Scope(scope.purpose, scope.application, catalogue["kinds"][1]),
        actor=alice_data,
        context=RequestContext(),
    )
    erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)

    body = client_as(alice_data).get("/api/v1/me/erasures").json()

    assert body["count"] == 2
    waiting, done = body["results"]
    assert waiting["id"] is None and waiting["state"] == "pending"
    assert waiting["state_display"] == "Pending"
    assert waiting["cause_ref"] == str(other.receipt_id)
    assert waiting["steps"] == [] and waiting["receipt_url"] is None
    assert done["id"] == job.pk and done["state"] == "verified"
    assert done["state_display"] == "Done" and done["progress"]["percent"] == 100
    assert done["cause"] == "consent_withdrawal" and done["cause_ref"] == str(withdrawal.receipt_id)
    assert done["scope"] == {
        "everything": False,
        "purposes": [scope.purpose.slug],
        "applications": [scope.application.slug],
        "data_kinds": [scope.data_kind.slug],
    }
    assert done["receipt_url"].endswith(f"/api/v1/me/erasures/{job.pk}/receipt")
    assert bob.employee.subject_id not in json.dumps(body)


def test_an_owed_erasure_becomes_a_job_in_my_list(client_as, alice_data, scope):
    consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    client = client_as(alice_data)
    assert [row["id"] for row in client.get("/api/v1/me/erasures").json()["results"]] == [None]

    erase_owed()

    [row] = client.get("/api/v1/me/erasures").json()["results"]
    assert row["id"] == OwedErasure.objects.get().job_id


def test_my_running_erasure_shows_per_store_progress(client_as, alice_data, olivia):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    events = job.steps.get(store="events")
    ErasureStep.objects.filter(pk=events.pk).update(
        state="running", rows_before=90, rows_deleted=45
    )
    ErasureJob.objects.filter(pk=job.pk).update(state="running")

    body = client_as(alice_data).get(f"/api/v1/me/erasures/{job.pk}").json()

    assert body["state"] == "running" and body["state_display"] == "In progress"
    step = next(s for s in body["steps"] if s["store"] == "events")
    assert (step["state"], step["percent"], step["rows_before"], step["rows_deleted"]) == (
        "running",
        50,
        90,
        45,
    )
    assert step["rows_expected"] is None  # set by the engine when it starts the step
    assert 0 < body["progress"]["percent"] < 100
    assert body["receipt_url"] is None
    assert "attempts" not in step and "last_error" not in step


def test_a_held_erasure_says_it_is_deferred_for_a_legal_obligation_and_nothing_more(
    client_as, alice_data, olivia, leo
):
    legal_hold_create(
        actor=leo,
        matter="Smith v. Example Corp",
        reason="Litigation about overtime records",
        custodians=[alice_data.employee],
    )
    job = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    assert job.state == "blocked_by_hold"
    client = client_as(alice_data)

    body = client.get(f"/api/v1/me/erasures/{job.pk}").json()
    receipt = client.get(f"/api/v1/me/erasures/{job.pk}/receipt")

    assert body["state"] == "blocked_by_hold"
    assert body["state_display"] == "Partly deferred for a legal obligation"
    assert body["note"].startswith("Part of this erasure is deferred for a legal obligation")
    assert receipt.status_code == 409
    assert "deferred for a legal obligation" in receipt.json()["detail"]
    text = json.dumps(body) + receipt.content.decode()
    for secret in ("Smith", "overtime", "hold", "leo"):
        assert secret not in text.replace("blocked_by_hold", "")


def test_my_receipt_is_not_there_until_the_erasure_is_done(client_as, alice_data, olivia):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)

    response = client_as(alice_data).get(f"/api/v1/me/erasures/{job.pk}/receipt")

    assert response.status_code == 409
    assert "not finished" in response.json()["detail"]


def test_my_receipt_downloads_as_a_signed_attachment_that_verifies(client_as, alice_data, olivia):
    job = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))

    response = client_as(alice_data).get(f"/api/v1/me/erasures/{job.pk}/receipt")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="erasure-receipt-{job.pk}.json"'
    )
    receipt = json.loads(response.content)
    assert receipt == job.receipt
    assert verify_document(receipt, receipt["publicKey"])
    assert receipt["subject"] == alice_data.employee.subject_id
    assert receipt["stores"]["events"] == {**receipt["stores"]["events"], "rows_after": 0}


def test_erasure_paths_are_in_the_openapi_description(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/erasure-jobs"]) >= {"get", "post"}
    assert "get" in paths["/api/v1/erasure-jobs/{job_id}"]
    assert "get" in paths["/api/v1/me/erasures"]
    assert "get" in paths["/api/v1/me/erasures/{job_id}"]
    assert {"200", "403", "404", "409"} <= set(
        paths["/api/v1/me/erasures/{job_id}/receipt"]["get"]["responses"]
    )
    states = schema["components"]["schemas"]["ErasureJobStateEnum"]["enum"]
    assert states == ["pending", "running", "verified", "blocked_by_hold", "failed"]
