"""The officer's pages: register a pipeline (its token shown once), revoke it, build a
snapshot and follow it; a bad definition is shown on the form and writes nothing."""

from governance.models import DatasetSnapshot, TrainingPipeline
from governance.services.datasets import dataset_build
from governance.services.pipelines import pipeline_authenticate
from tests.datasets.conftest import PURPOSE


def test_an_officer_registers_a_pipeline_sees_its_token_once_and_revokes_it(
    as_user, olivia, catalogue
):
    client = as_user(olivia)

    response = client.post("/officer/pipelines/", {"name": "nightly", "purposes": [PURPOSE]})

    assert response.status_code == 200
    token = response.context["token"]
    assert token.encode() in response.content
    pipeline = TrainingPipeline.objects.get(name="nightly")
    assert pipeline_authenticate(token) == pipeline
    listed = client.get("/officer/pipelines/")
    assert token.encode() not in listed.content and b"nightly" in listed.content

    client.post(f"/officer/pipelines/{pipeline.pk}/revoke/")

    assert pipeline_authenticate(token) is None


def test_a_prohibited_purpose_is_not_offered_to_pipelines(as_user, olivia, catalogue):
    response = as_user(olivia).post(
        "/officer/pipelines/", {"name": "x", "purposes": ["performance-evaluation"]}
    )

    assert response.status_code == 400
    assert not TrainingPipeline.objects.exists()


def _form(captured, **changes) -> dict:
    starts, ends = captured.window()
    return {
        "purpose": PURPOSE,
        "applications": ["vscode"],
        "data_kinds": [k.slug for k in captured.kinds],
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M:%S"),
        "ends_at": ends.strftime("%Y-%m-%dT%H:%M:%S"),
        **changes,
    }


def test_an_officer_builds_a_snapshot_and_follows_its_progress(as_user, olivia, captured):
    client = as_user(olivia)

    response = client.post("/officer/datasets/", _form(captured))

    assert response.status_code == 302
    dataset = DatasetSnapshot.objects.get()
    assert dataset.requested_by == olivia and dataset.pipeline is None
    page = client.get("/officer/datasets/").content.decode()
    assert f'data-dataset="{dataset.pk}" data-state="building"' in page
    status = client.get("/officer/datasets/status.json").json()
    assert status["datasets"] == [{"id": dataset.pk, "state": "building", "percent": 0, "rows": 0}]

    dataset_build(dataset.pk)

    status = client.get("/officer/datasets/status.json").json()
    assert status["datasets"][0]["state"] == "ready"
    page = client.get("/officer/datasets/").content.decode()
    assert "restricted: 4" in page and "Ready" in page


def test_an_empty_period_is_shown_on_the_form_and_builds_nothing(as_user, olivia, captured):
    form = _form(captured)

    response = as_user(olivia).post("/officer/datasets/", {**form, "ends_at": form["starts_at"]})

    assert response.status_code == 400
    assert "The range is empty" in response.content.decode()
    assert not DatasetSnapshot.objects.exists()
