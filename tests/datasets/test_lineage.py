"""Reading snapshots and lineage: a pipeline reads the ready snapshots of its purposes
(never another pipeline's), each read on the record for the pipeline, the purpose and
every person read; models it registers name snapshots it can read; erasure names the
snapshots it reached and flags the models trained on them; people see both on My data."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from governance.models import AuditEvent, DatasetLineage, DatasetWithdrawal, TrainedModel
from governance.reports.access import AccessReport
from governance.reports.base import Period
from governance.services.erasure import erasure_job_create
from governance.services.pipelines import pipeline_create
from tests.conftest import written
from tests.datasets.conftest import PURPOSE
from tests.erasure.helpers import drive, erase_owed

DATASETS, MODELS = "/api/v1/datasets", "/api/v1/models"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _people_of(dataset, shard=None) -> set[str]:
    rows = DatasetLineage.objects.filter(dataset=dataset)
    if shard is not None:
        rows = rows.filter(shard=shard)
    return set(rows.values_list("employee__subject_id", flat=True))


def _register(client, dataset, **changes):
    body = {
        "name": "pointer-policy",
        "version": "1",
        "datasets": [dataset.pk],
        "trained_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **changes,
    }
    return client.post(MODELS, body, format="json")


def test_a_pipeline_lists_the_ready_snapshots_of_its_purposes_but_not_another_pipelines(
    built, pipeline, olivia, django_capture_on_commit_callbacks
):
    other, other_token = pipeline_create(name="other", purposes=[PURPOSE], actor=olivia)
    built.pipeline = other  # now another pipeline's snapshot
    built.save(update_fields=["pipeline"])
    reader = bearer(pipeline[1])

    assert reader.get(f"{DATASETS}/readable").json() == []
    assert reader.get(f"{DATASETS}/{built.pk}/manifest").status_code == 404
    assert reader.get(f"{DATASETS}/{built.pk}/shards/0").status_code == 404
    assert not AuditEvent.objects.filter(action="dataset.read").exists()

    built.pipeline = None  # an officer's: readable by every pipeline of its purpose
    built.save(update_fields=["pipeline"])
    assert [d["id"] for d in reader.get(f"{DATASETS}/readable").json()] == [built.pk]
    assert [d["id"] for d in bearer(other_token).get(f"{DATASETS}/readable").json()] == [built.pk]


def test_reading_the_manifest_is_a_read_of_everyone_in_the_snapshot(built, pipeline, captured):
    response = bearer(pipeline[1]).get(f"{DATASETS}/{built.pk}/manifest")

    assert response.status_code == 200, response.content
    assert response.json()["shards"] == built.manifest["shards"]
    read = AuditEvent.objects.get(action="dataset.read")
    assert (read.actor_id, read.purpose, read.target_id) == (
        f"pipeline:{pipeline[0].pk}",
        PURPOSE,
        str(built.pk),
    )
    assert read.details["what"] == "dataset manifest"
    viewed = AuditEvent.objects.filter(action="personal_data.viewed", target_id=str(built.pk))
    alice, bob = (captured.people[n].employee for n in ("alice", "bob"))
    assert set(viewed.values_list("subject", flat=True)) == {alice.subject_id, bob.subject_id}
    for event in viewed:  # what each person reads names nobody else
        assert alice.subject_id not in str(event.details) and bob.subject_id not in str(
            event.details
        )
        assert event.details["pipeline"] == "trainer"
    # One chain append for the read and its people: consecutive sequence numbers.
    seqs = sorted([read.seq, *viewed.values_list("seq", flat=True)])
    assert seqs == list(range(seqs[0], seqs[0] + 3))


def test_a_shard_is_streamed_from_storage_and_read_on_the_record_of_its_people(
    built, pipeline, captured, leo
):
    shard = built.manifest["shards"][1]

    response = bearer(pipeline[1]).get(f"{DATASETS}/{built.pk}/shards/1")

    assert response.status_code == 200
    assert response.streaming  # never read whole into memory
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == shard["sha256"] == response["X-Content-SHA256"]
    assert len(data) == shard["bytes"]
    assert data == (Path(built.location.removeprefix("file://")) / shard["name"]).read_bytes()
    viewed = AuditEvent.objects.filter(action="personal_data.viewed", target_id=str(built.pk))
    assert set(viewed.values_list("subject", flat=True)) == _people_of(built, shard=1)
    assert AuditEvent.objects.get(action="dataset.read").details["shard"] == 1
    # The access report lists the read and the people read.
    today = timezone.now().date()
    sql, args = AccessReport().query(Period(today, today), {})
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        actions = [(row[4], row[5], row[10]) for row in cursor.fetchall()]
    assert ("dataset.read", "dataset shard", PURPOSE) in actions
    assert actions.count(("personal_data.viewed", "dataset shard", PURPOSE)) == len(
        _people_of(built, shard=1)
    )
    # And each person's "Who accessed my data" shows it.
    alice = captured.people["alice"]
    client = Client()
    client.force_login(alice)
    page = client.get("/consent/access-log/").content.decode()
    assert "pipeline trainer" in page
    assert f"Training dataset #{built.pk}, shard 1, read by training pipeline trainer" in page


def test_a_shard_past_the_last_is_not_found(built, pipeline):
    before = written()
    response = bearer(pipeline[1]).get(
        f"{DATASETS}/{built.pk}/shards/{len(built.manifest['shards'])}"
    )
    assert response.status_code == 404
    assert written() == before


def test_officers_do_not_download_shards(built, client_as, olivia):
    assert client_as(olivia).get(f"{DATASETS}/{built.pk}/shards/0").status_code == 403


def test_a_pipeline_registers_a_model_of_snapshots_it_can_read(built, pipeline, client_as, olivia):
    response = _register(bearer(pipeline[1]), built)

    assert response.status_code == 201, response.content
    model = TrainedModel.objects.get()
    assert (model.name, model.version, model.pipeline) == ("pointer-policy", "1", pipeline[0])
    assert list(model.datasets.all()) == [built]
    assert AuditEvent.objects.filter(action="model.registered", target_id=str(model.pk))
    listed = client_as(olivia).get(MODELS).json()["results"]
    assert [(m["name"], [d["id"] for d in m["datasets"]]) for m in listed] == [
        ("pointer-policy", [built.pk])
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"datasets": [999999]}, "datasets"),
        ({"datasets": []}, "datasets"),
        ({"datasets": ["x"]}, "datasets"),
        ({"name": ""}, "name"),
        ({"version": "v" * 101}, "version"),
        ({"trained_at": "yesterday"}, "trained_at"),
        ({"trained_at": "2999-01-01T00:00:00Z"}, "trained_at"),
    ],
)
def test_bad_model_registrations_name_the_field_and_write_nothing(built, pipeline, changes, field):
    before = {**written(), "models": TrainedModel.objects.count()}
    response = _register(bearer(pipeline[1]), built, **changes)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert {**written(), "models": TrainedModel.objects.count()} == before


def test_a_model_of_another_pipelines_snapshot_is_refused_naming_datasets(built, pipeline, olivia):
    other, _ = pipeline_create(name="other", purposes=[PURPOSE], actor=olivia)
    built.pipeline = other
    built.save(update_fields=["pipeline"])
    response = _register(bearer(pipeline[1]), built)
    assert response.status_code == 400
    assert "datasets" in response.json()
    assert not TrainedModel.objects.exists()


def test_a_model_version_is_registered_once(built, pipeline):
    assert _register(bearer(pipeline[1]), built).status_code == 201
    again = _register(bearer(pipeline[1]), built)
    assert again.status_code == 400 and "version" in again.json()


def test_erasure_names_the_snapshots_it_reached_and_flags_the_models_trained_on_them(
    built, pipeline, captured, olivia, client_as, django_capture_on_commit_callbacks
):
    assert _register(bearer(pipeline[1]), built).status_code == 201
    model = TrainedModel.objects.get()
    alice = captured.people["alice"].employee
    officer = client_as(olivia)
    assert officer.get(f"{MODELS}/flagged").json() == []

    with django_capture_on_commit_callbacks(execute=True):
        job = drive(erasure_job_create(employee=alice, cause="officer", actor=olivia))

    assert job.state == "verified"
    assert job.receipt["stores"]["datasets"]["datasets"] == [
        {"id": built.pk, "purpose": PURPOSE, "rows": 4}
    ]
    assert job.receipt["stores"]["events"].get("datasets") is None
    withdrawal = DatasetWithdrawal.objects.get()
    assert (withdrawal.dataset, withdrawal.employee, withdrawal.job) == (built, alice, job)
    flagged = officer.get(f"{MODELS}/flagged").json()
    assert [(f["model"]["id"], f["people"], f["rows"]) for f in flagged] == [(model.pk, 1, 4)]
    event = AuditEvent.objects.get(action="models.data_withdrawn")
    assert event.subject == alice.subject_id
    assert event.details["models"] == [model.pk] and event.details["datasets"] == [built.pk]
    page = officer.get("/officer/models/").content.decode()
    assert 'data-testid="flagged-models"' in page and "pointer-policy" in page


def test_a_withdrawal_that_reaches_a_snapshot_flags_its_models(
    built, pipeline, captured, client_as, olivia, django_capture_on_commit_callbacks
):
    from governance.services.consent import RequestContext, consent_withdraw
    from governance.services.scopes import Scope

    assert _register(bearer(pipeline[1]), built).status_code == 201
    bob = captured.people["bob"]
    scroll = next(k for k in captured.kinds if k.slug == "scroll")
    with django_capture_on_commit_callbacks(execute=True):
        consent_withdraw(
            employee=bob.employee,
            scope=Scope(built.purpose, captured.vscode, scroll),
            actor=bob,
            context=RequestContext(),
        )
        erase_owed()
    flagged = client_as(olivia).get(f"{MODELS}/flagged").json()
    assert [(f["people"], f["rows"]) for f in flagged] == [(1, 1)]


def test_a_model_trained_after_the_withdrawal_is_not_flagged(
    built, pipeline, captured, client_as, olivia, django_capture_on_commit_callbacks
):
    alice = captured.people["alice"].employee
    with django_capture_on_commit_callbacks(execute=True):
        drive(erasure_job_create(employee=alice, cause="officer", actor=olivia))
    assert (
        _register(bearer(pipeline[1]), built, trained_at=timezone.now().isoformat()).status_code
        == 201
    )
    assert client_as(olivia).get(f"{MODELS}/flagged").json() == []


def test_my_data_lists_the_snapshots_and_models_holding_my_data_and_no_one_elses(
    built, pipeline, captured, client_as
):
    assert _register(bearer(pipeline[1]), built).status_code == 201
    alice, carol = captured.people["alice"], captured.people["carol"]

    mine = client_as(alice).get("/api/v1/me/data").json()
    assert [d["id"] for d in mine["datasets"]] == [built.pk]
    assert [(m["name"], m["version"]) for m in mine["models"]] == [("pointer-policy", "1")]
    theirs = client_as(carol).get("/api/v1/me/data").json()  # restricted: left out
    assert (theirs["datasets"], theirs["models"]) == ([], [])

    client = Client()
    client.force_login(alice)
    page = client.get("/my-data/").content.decode()
    assert f'data-id="{built.pk}"' in page and "pointer-policy 1" in page
    client.force_login(carol)
    assert 'data-testid="no-datasets"' in client.get("/my-data/").content.decode()


def test_an_objection_that_reaches_a_snapshot_flags_its_models(
    built, pipeline, captured, client_as, olivia, django_capture_on_commit_callbacks
):
    from governance.services.requests import request_file, request_verify

    assert _register(bearer(pipeline[1]), built).status_code == 201
    alice = captured.people["alice"]
    with django_capture_on_commit_callbacks(execute=True):
        request, _ = request_file(
            employee=alice.employee, kind="objection", actor=alice, purpose=built.purpose
        )
        request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
        erase_owed()
    flagged = client_as(olivia).get(f"{MODELS}/flagged").json()
    assert [(f["people"], f["rows"]) for f in flagged] == [(1, 4)]
    assert DatasetLineage.objects.filter(dataset=built, employee=alice.employee).count() == 0
