"""A world of captured events for snapshots: four people in VS Code, each left in or out
of a snapshot for a different reason, and a pipeline registered for the purpose."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from governance.models import DataKind, DataRequest, InteractionEvent
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.datasets import dataset_build, dataset_request
from governance.services.pipelines import pipeline_create
from governance.services.scopes import Scope
from tests.factories import make_user
from tests.ingestion.helpers import batch, event, post, stamp

PURPOSE = "train-computer-use-models"


@pytest.fixture(autouse=True)
def datasets_dir(settings, tmp_path):
    """Shards of this test in a folder of its own."""
    settings.DATASETS_URL = (tmp_path / "datasets").as_uri()
    return tmp_path / "datasets"


@pytest.fixture
def pipeline(olivia, catalogue):
    return pipeline_create(name="trainer", purposes=[PURPOSE], actor=olivia)


@dataclass
class Captured:
    base: datetime
    people: dict
    vscode: object
    kinds: list

    def window(self, *, until_ms: int = 10_000) -> tuple[datetime, datetime]:
        return self.base - timedelta(seconds=1), self.base + timedelta(milliseconds=until_ms)


def _events_of(email: str, base: datetime) -> list[dict]:
    return [
        event(email, ts=stamp(0, base)),
        event(email, ts=stamp(100, base), key={"code": "KeyB", "char": "b"}),
        event(email, type="scroll", ts=stamp(200, base)),
        event(email, type="pointer_down", ts=stamp(300, base)),
        # Past the end of the narrow windows the tests ask for.
        event(email, ts=stamp(20_000, base)),
    ]


@pytest.fixture
def captured(catalogue, olivia, token, redis_clean) -> Captured:
    """alice stays in; bob withdrew keystrokes; carol is restricted; dan objected."""
    vscode = catalogue["applications"][0]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    people = {name: make_user(f"{name}@example.com") for name in ("alice", "bob", "carol", "dan")}
    for user in people.values():
        for kind in catalogue["kinds"]:
            consent_grant(
                employee=user.employee,
                scope=Scope(catalogue["purpose"], vscode, kind),
                actor=user,
                context=RequestContext(),
            )
    events = [e for name in people for e in _events_of(f"{name}@example.com", base)]
    response = post(Client(), token, batch(events))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == len(events)

    key = DataKind.objects.get(slug="key")
    bob = people["bob"]
    consent_withdraw(
        employee=bob.employee,
        scope=Scope(catalogue["purpose"], vscode, key),
        actor=bob,
        context=RequestContext(),
    )
    carol = people["carol"].employee
    carol.processing_restricted_at = timezone.now()
    carol.save(update_fields=["processing_restricted_at"])
    DataRequest.objects.create(
        employee=people["dan"].employee,
        kind="objection",
        state=DataRequest.State.COMPLETED,
        filed_by=people["dan"],
        jurisdiction="gdpr",
        clock="gdpr",
        received_at=timezone.now(),
        due_on=timezone.now().date(),
        closed_at=timezone.now(),
    )
    assert InteractionEvent.objects.count() == len(events)
    return Captured(base=base, people=people, vscode=vscode, kinds=list(catalogue["kinds"]))


def asked(captured: Captured, **changes) -> dict:
    """An API body for a snapshot of every kind in VS Code in the narrow window."""
    starts, ends = captured.window()
    return {
        "purpose": PURPOSE,
        "applications": ["vscode"],
        "data_kinds": [k.slug for k in captured.kinds],
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        **changes,
    }


@pytest.fixture
def built(captured, olivia, settings, django_capture_on_commit_callbacks):
    """An officer's ready snapshot of the narrow window; alice's rows across two shards."""
    settings.DATASET_SHARD_ROWS = 4
    starts, ends = captured.window()
    dataset = dataset_request(
        actor=olivia,
        purpose=PURPOSE,
        applications=["vscode"],
        data_kinds=[k.slug for k in captured.kinds],
        starts_at=starts,
        ends_at=ends,
    )
    assert dataset_build(dataset.pk) == "ready"
    dataset.refresh_from_db()
    return dataset
