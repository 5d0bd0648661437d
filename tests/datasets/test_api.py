"""/api/v1/pipelines and /api/v1/datasets: a pipeline's token is shown once and limited to
its purposes; bad input is a 400 naming the field and writes nothing; another pipeline's
snapshot does not exist for the caller; a real worker builds what is asked for."""

import hashlib
import time

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from governance.models import AuditEvent, DatasetSnapshot, Purpose, TrainingPipeline
from governance.services.datasets import dataset_build
from governance.services.pipelines import pipeline_authenticate, pipeline_create
from tests.conftest import written
from tests.datasets.conftest import PURPOSE, asked

PIPELINES, DATASETS = "/api/v1/pipelines", "/api/v1/datasets"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def counts() -> dict[str, int]:
    return {
        **written(),
        "DatasetSnapshot": DatasetSnapshot.objects.count(),
        "TrainingPipeline": TrainingPipeline.objects.count(),
    }


def test_registering_a_pipeline_shows_its_token_once_and_stores_only_its_hash(
    client_as, olivia, catalogue
):
    client = client_as(olivia)

    response = client.post(PIPELINES, {"name": "trainer", "purposes": [PURPOSE]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    token = body["token"]
    pipeline = TrainingPipeline.objects.get(pk=body["id"])
    assert pipeline.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert body["purposes"] == [PURPOSE]
    assert pipeline_authenticate(token) == pipeline
    assert token not in client.get(PIPELINES).content.decode()
    assert token not in client.get(f"{PIPELINES}/{pipeline.pk}").content.decode()
    assert token not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert AuditEvent.objects.filter(action="pipeline.created", target_id=str(pipeline.pk))


def test_a_pipeline_may_be_registered_only_for_purposes_data_may_serve(
    client_as, olivia, catalogue
):
    client = client_as(olivia)
    Purpose.objects.create(slug="paused", name="Paused", enabled=False)
    before = counts()

    for body, field in (
        ({"name": "t", "purposes": ["performance-evaluation"]}, "purposes"),  # prohibited
        ({"name": "t", "purposes": ["paused"]}, "purposes"),  # disabled
        ({"name": "t", "purposes": ["nope"]}, "purposes"),
        ({"name": "t", "purposes": []}, "purposes"),
        ({"name": "t", "purposes": PURPOSE}, "purposes"),
        ({"name": "", "purposes": [PURPOSE]}, "name"),
        ({"purposes": [PURPOSE]}, "name"),
        ({"name": "t", "purposes": [PURPOSE], "token": "idp_mine"}, "token"),
    ):
        response = client.post(PIPELINES, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())
    assert counts() == before


def test_a_revoked_pipeline_is_401_and_revoking_twice_changes_nothing(client_as, olivia, pipeline):
    created, token = pipeline
    assert bearer(token).get(DATASETS).status_code == 200

    response = client_as(olivia).post(f"{PIPELINES}/{created.pk}/revoke")

    assert response.status_code == 200 and response.json()["active"] is False
    refused = bearer(token).get(DATASETS)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    before = counts()
    assert client_as(olivia).post(f"{PIPELINES}/{created.pk}/revoke").status_code == 200
    assert counts() == before


def test_a_device_token_is_no_pipeline_token(token, catalogue):
    assert bearer(token).get(DATASETS).status_code == 401
    assert bearer(token).post(DATASETS, {}, format="json").status_code == 401


def test_a_pipeline_asks_for_a_snapshot_of_its_purpose(captured, pipeline):
    created, token = pipeline

    response = bearer(token).post(DATASETS, asked(captured), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "building" and body["pipeline"] == created.pk
    assert body["purpose"] == PURPOSE and body["applications"] == ["vscode"]
    event = AuditEvent.objects.get(action="dataset.requested", target_id=str(body["id"]))
    assert event.actor_id == f"pipeline:{created.pk}"
    dataset_build(body["id"])
    shown = bearer(token).get(f"{DATASETS}/{body['id']}").json()
    assert shown["state"] == "ready" and shown["rows"] == 6 and shown["percent"] == 100
    assert shown["excluded"] == {"not_consented": 2, "objected": 4, "restricted": 4}
    assert [s["rows"] for s in shown["shards"]] == [6]
    assert "pseudonym_key" not in shown and "location" not in shown


def test_a_purpose_the_pipeline_is_not_registered_for_is_403(captured, pipeline):
    _, token = pipeline
    Purpose.objects.create(slug="research", name="Research")
    before = counts()

    response = bearer(token).post(DATASETS, asked(captured, purpose="research"), format="json")

    assert response.status_code == 403
    assert counts() == before


def test_bad_snapshot_definitions_are_400_naming_the_field_and_write_nothing(
    captured, client_as, olivia
):
    Purpose.objects.create(slug="research", name="Research")  # permitted, nobody consented
    client = client_as(olivia)
    starts = asked(captured)["starts_at"]
    before = counts()

    for changes, field in (
        ({"purpose": "performance-evaluation"}, "purpose"),  # prohibited
        ({"purpose": "research"}, "purpose"),  # nobody's consent
        ({"purpose": "nope"}, "purpose"),
        ({"ends_at": starts}, "ends_at"),  # empty range
        ({"applications": ["vscode", "nope"]}, "applications"),
        ({"applications": []}, "applications"),
        ({"data_kinds": ["telepathy"]}, "data_kinds"),
        ({"data_kinds": "key"}, "data_kinds"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"purpose": 7}, "purpose"),
        ({"extra": 1}, "extra"),
    ):
        response = client.post(DATASETS, asked(captured, **changes), format="json")
        assert response.status_code == 400, (changes, response.content)
        assert field in response.json(), (changes, response.json())
    assert counts() == before


def test_another_pipelines_snapshot_is_404_and_not_listed(captured, pipeline, olivia):
    _, token = pipeline
    _, other_token = pipeline_create(name="other", purposes=[PURPOSE], actor=olivia)
    theirs = bearer(other_token).post(DATASETS, asked(captured), format="json").json()
    mine = bearer(token).post(DATASETS, asked(captured), format="json").json()

    assert bearer(token).get(f"{DATASETS}/{theirs['id']}").status_code == 404
    assert [d["id"] for d in bearer(token).get(DATASETS).json()["results"]] == [mine["id"]]


def test_officers_see_every_snapshot_and_employees_none(captured, pipeline, client_as, olivia):
    _, token = pipeline
    by_pipeline = bearer(token).post(DATASETS, asked(captured), format="json").json()
    by_officer = client_as(olivia).post(DATASETS, asked(captured), format="json").json()

    listed = client_as(olivia).get(DATASETS).json()["results"]

    assert {d["id"] for d in listed} == {by_pipeline["id"], by_officer["id"]}
    alice = client_as(captured.people["alice"])
    assert alice.get(DATASETS).status_code == 403
    assert alice.get(f"{DATASETS}/{by_officer['id']}").status_code == 403


def test_pipeline_create_command_prints_the_token_once(olivia, catalogue, capsys):
    call_command("pipeline_create", "--name", "nightly", "--purpose", PURPOSE)

    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    pipeline = TrainingPipeline.objects.get(name="nightly")
    assert pipeline_authenticate(token) == pipeline
    with pytest.raises(CommandError, match="Not a purpose"):
        call_command("pipeline_create", "--name", "x", "--purpose", "performance-evaluation")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_snapshot_it_was_asked_for(
    celery_worker, captured, client_as, olivia
):
    response = client_as(olivia).post(DATASETS, asked(captured), format="json")
    assert response.status_code == 201
    dataset_id = response.json()["id"]

    deadline = time.monotonic() + 60
    while DatasetSnapshot.objects.get(pk=dataset_id).state == "building":
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.1)
    dataset = DatasetSnapshot.objects.get(pk=dataset_id)
    assert dataset.state == "ready", (dataset.error, celery_worker.log())
    assert dataset.rows_written == 6
    # The worker may have erased bob's withdrawn keystrokes already, or not yet.
    assert (
        dataset.manifest["excluded"]["restricted"] == dataset.manifest["excluded"]["objected"] == 4
    )
    assert dataset.rows_expected == 14 + dataset.manifest["excluded"].get("not_consented", 0)
