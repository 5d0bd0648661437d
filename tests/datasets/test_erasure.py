"""The datasets store: erasing a person rewrites every shard that held their rows without
them (every shard read back), within the erasure's scope, keeps what a legal hold covers,
and says so in the receipt; retention keeps a snapshot a hold covers."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils import timezone

from governance.models import DataKind, DatasetLineage, DatasetSnapshot
from governance.services.erasure import erasure_job_create
from governance.services.holds import legal_hold_create
from governance.services.retention import retention_enforce
from governance.stores import SubjectScope, store
from governance.stores.datasets import SCHEMA, SCHEMA_VERSION, pseudonym, shard_read
from tests.erasure.helpers import drive


def _rows_of(dataset, subject: str) -> list[dict]:
    """Every row of `subject`, read back from every shard the manifest names."""
    dataset.refresh_from_db()
    name = pseudonym(dataset.pseudonym_key, subject)
    rows = []
    for shard in dataset.manifest["shards"]:
        table = shard_read(dataset.location, shard["name"])
        rows += table.filter(pc.equal(table["subject"], name)).to_pylist()
    return rows


def test_erasing_a_person_leaves_no_row_of_theirs_in_any_shard(
    built, captured, olivia, django_capture_on_commit_callbacks
):
    alice, bob = (captured.people[n].employee for n in ("alice", "bob"))
    datasets = store("datasets")
    assert datasets.count(alice.subject_id) == 4 == len(_rows_of(built, alice.subject_id))
    files_before = {s["name"] for s in built.manifest["shards"]}

    with django_capture_on_commit_callbacks(execute=True):
        job = drive(erasure_job_create(employee=alice, cause="officer", actor=olivia))

    assert job.state == "verified", job.steps.values_list("store", "state")
    step = job.steps.get(store="datasets")
    assert (step.rows_deleted, step.rows_after) == (4, 0)
    assert job.receipt["stores"]["datasets"]["rows_deleted"] == 4
    assert _rows_of(built, alice.subject_id) == []
    assert not DatasetLineage.objects.filter(dataset=built, employee=alice).exists()
    assert len(_rows_of(built, bob.subject_id)) == 2  # nobody else's rows went
    built.refresh_from_db()
    assert built.rows_written == built.manifest["rows"] == 2
    folder = built.location.removeprefix("file://")
    for shard in built.manifest["shards"]:
        data = (Path(folder) / shard["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard["sha256"]
        # A rewrite keeps the schema that is the pipelines' contract, version included.
        schema = pq.read_schema(Path(folder) / shard["name"])
        assert schema.equals(SCHEMA, check_metadata=False)
        assert schema.metadata[b"portal.dataset_schema"] == str(SCHEMA_VERSION).encode()
    left = {p.name for p in Path(folder).iterdir()}
    assert left == {s["name"] for s in built.manifest["shards"]}
    assert left != files_before  # rewritten files, the old ones removed


def test_a_scoped_erasure_takes_only_its_scope_from_the_shards(built, captured, olivia):
    alice = captured.people["alice"].employee
    key = DataKind.objects.get(slug="key")

    job = drive(erasure_job_create(employee=alice, cause="officer", actor=olivia, data_kinds=[key]))

    assert job.state == "verified"
    kinds = sorted(r["data_kind"] for r in _rows_of(built, alice.subject_id))
    assert "key" not in kinds and len(kinds) == 2
    assert store("datasets").count(alice.subject_id, SubjectScope(data_kind_ids={key.pk})) == 0
    assert store("datasets").count(alice.subject_id) == len(kinds) == 2


def test_a_legal_hold_keeps_the_rows_it_covers_in_the_shards(built, captured, olivia, leo):
    alice = captured.people["alice"].employee
    legal_hold_create(actor=leo, matter="Doe", reason="Litigation", custodians=[alice])

    job = drive(erasure_job_create(employee=alice, cause="officer", actor=olivia))

    step = job.steps.get(store="datasets")
    assert step.state == "blocked_by_hold" and step.rows_held == 4
    assert len(_rows_of(built, alice.subject_id)) == 4


def test_retention_keeps_an_expired_snapshot_a_hold_covers(built, captured, leo):
    alice = captured.people["alice"].employee
    legal_hold_create(actor=leo, matter="Doe", reason="Litigation", custodians=[alice])
    DatasetSnapshot.objects.filter(pk=built.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    retention_enforce()

    built.refresh_from_db()
    assert built.state == "ready" and len(_rows_of(built, alice.subject_id)) == 4


def test_the_store_exports_where_a_person_is_never_the_rows(built, captured):
    alice = captured.people["alice"].employee

    exported = list(store("datasets").export(alice.subject_id))

    assert sum(r["rows"] for r in exported) == 4
    assert {r["dataset"] for r in exported} == {built.pk}
    assert all("subject" not in r and "key_char" not in r for r in exported)
