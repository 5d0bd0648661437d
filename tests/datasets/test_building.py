"""A snapshot holds exactly the consented, unrestricted, unobjected rows of its scope,
read back from its Parquet shards and checked against the database."""

import hashlib
import hmac
from collections import Counter
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from governance.models import (
    AuditEvent,
    ConsentState,
    DatasetLineage,
    DatasetSnapshot,
    Employee,
    InteractionEvent,
)
from governance.services.datasets import dataset_build, dataset_request
from governance.services.retention import retention_enforce
from governance.stores.datasets import SCHEMA, shard_read
from tests.datasets.conftest import PURPOSE


def _request(captured, actor, **changes):
    starts, ends = captured.window()
    fields = {
        "purpose": PURPOSE,
        "applications": ["vscode"],
        "data_kinds": [k.slug for k in captured.kinds],
        "starts_at": starts,
        "ends_at": ends,
        **changes,
    }
    return dataset_request(actor=actor, **fields)


def _built(dataset) -> DatasetSnapshot:
    assert dataset_build(dataset.pk) == "ready"
    dataset.refresh_from_db()
    return dataset


def _rows(dataset) -> list[dict]:
    rows = []
    for shard in dataset.manifest["shards"]:
        rows += shard_read(dataset.location, shard["name"]).to_pylist()
    return rows


def _expected_ids(dataset) -> set[int]:
    """From the database, by the rule's own words: the scope's events whose person has a
    granted ConsentState for exactly that scope, is not restricted and has not objected."""
    starts, ends = dataset.starts_at, dataset.ends_at
    expected = set()
    for e in InteractionEvent.objects.filter(
        purpose=dataset.purpose, ts__gte=starts, ts__lt=ends
    ).filter(application__in=dataset.applications.all(), data_kind__in=dataset.data_kinds.all()):
        person = Employee.objects.get(subject_id=e.subject)
        granted = ConsentState.objects.filter(
            employee=person,
            purpose_id=e.purpose_id,
            application_id=e.application_id,
            data_kind_id=e.data_kind_id,
            state="granted",
        ).exists()
        objected = person.data_requests.filter(kind="objection", state="completed").exists()
        if granted and person.processing_restricted_at is None and not objected:
            expected.add(e.id)
    return expected


def test_a_snapshot_holds_exactly_the_consented_unrestricted_rows_of_its_scope(captured, olivia):
    dataset = _built(_request(captured, olivia))

    rows = _rows(dataset)
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == _expected_ids(dataset)
    # alice's four events in the window, and bob's two that are not keystrokes.
    assert len(ids) == 6
    assert dataset.rows_written == 6 and dataset.manifest["rows"] == 6
    # Left out by reason: bob's two keys, carol's four, dan's four.
    assert dataset.manifest["excluded"] == {"not_consented": 2, "objected": 4, "restricted": 4}
    assert dataset.state == "ready" and dataset.expires_at > timezone.now() + timedelta(days=179)


def test_people_appear_only_under_the_snapshots_own_pseudonym(captured, olivia):
    first = _built(_request(captured, olivia))
    second = _built(_request(captured, olivia, data_kinds=["key"]))
    alice = captured.people["alice"].employee.subject_id

    def mine(dataset):
        return hmac.new(
            bytes.fromhex(dataset.pseudonym_key), alice.encode(), hashlib.sha256
        ).hexdigest()

    first_rows, second_rows = _rows(first), _rows(second)
    assert {r["subject"] for r in first_rows} >= {mine(first)}
    assert {r["subject"] for r in second_rows} == {mine(second)}
    assert mine(first) != mine(second)
    # No subject id, email, session id or window title anywhere in a shard.
    for dataset in (first, second):
        for shard in dataset.manifest["shards"]:
            raw = (dataset_path(dataset, shard["name"])).read_bytes()
            for secret in (alice.encode(), b"alice@example.com", b"main.py", b"s-1"):
                assert secret not in raw


def dataset_path(dataset, name):
    from pathlib import Path
    from urllib.parse import urlparse

    return Path(urlparse(dataset.location).path) / name


def test_the_manifest_names_each_shard_with_its_hash_rows_and_the_stable_schema(
    captured, olivia, settings
):
    settings.DATASET_SHARD_ROWS = 4
    dataset = _built(_request(captured, olivia))

    shards = dataset.manifest["shards"]
    assert [s["rows"] for s in shards] == [4, 2]
    assert dataset.manifest["schema_version"] == 1
    for shard in shards:
        data = dataset_path(dataset, shard["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard["sha256"]
        assert len(data) == shard["bytes"]
        table = pq.read_table(dataset_path(dataset, shard["name"]))
        assert table.schema.equals(SCHEMA, check_metadata=False)
        assert table.num_rows == shard["rows"]


def test_window_titles_stay_hashed_and_fields_are_as_stored(captured, olivia):
    dataset = _built(_request(captured, olivia))

    by_id = {r["event_id"]: r for r in _rows(dataset)}
    for e in InteractionEvent.objects.filter(pk__in=by_id):
        row = by_id[e.pk]
        assert row["ts"] == e.ts
        assert row["title_hash"] == e.title_hash and len(e.title_hash) == 32
        assert (row["key_code"], row["key_char"], row["redaction"]) == (
            e.key_code,
            e.key_char,
            e.redaction,
        )
        assert row["event_type"] == e.event_type and row["application"] == "vscode"


def test_the_lineage_index_counts_rows_per_person_per_shard(captured, olivia, settings):
    settings.DATASET_SHARD_ROWS = 4
    dataset = _built(_request(captured, olivia))

    by_pseudonym = {}
    for index, shard in enumerate(dataset.manifest["shards"]):
        for row in shard_read(dataset.location, shard["name"]).to_pylist():
            by_pseudonym[(index, row["subject"])] = by_pseudonym.get((index, row["subject"]), 0) + 1
    lineage = Counter()
    for entry in DatasetLineage.objects.filter(dataset=dataset).select_related("employee"):
        subject = entry.employee.subject_id
        key = bytes.fromhex(dataset.pseudonym_key)
        name = hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()
        lineage[(entry.shard, name)] += entry.rows
    assert dict(lineage) == by_pseudonym
    people = set(DatasetLineage.objects.filter(dataset=dataset).values_list("employee", flat=True))
    expected = {captured.people["alice"].employee.pk, captured.people["bob"].employee.pk}
    assert people == expected


def test_a_newer_snapshot_of_the_same_definition_supersedes_the_older(captured, olivia):
    older = _built(_request(captured, olivia))
    other = _built(_request(captured, olivia, data_kinds=["scroll"]))
    newer = _built(_request(captured, olivia))

    older.refresh_from_db()
    other.refresh_from_db()
    assert older.state == "superseded" and older.superseded_by == newer
    assert other.state == "ready" and newer.state == "ready"
    assert AuditEvent.objects.filter(action="dataset.ready", target_id=str(newer.pk)).exists()


def test_building_twice_changes_nothing_and_a_built_snapshot_is_left_alone(captured, olivia):
    dataset = _built(_request(captured, olivia))
    manifest = dataset.manifest

    assert dataset_build(dataset.pk) == "ready"
    dataset.refresh_from_db()
    assert dataset.manifest == manifest
    lineage = DatasetLineage.objects.filter(dataset=dataset)
    assert lineage.values("employee").distinct().count() == 2
    assert sum(lineage.values_list("rows", flat=True)) == 6


def test_a_snapshot_expires_through_retention_and_its_shards_go(captured, olivia, datasets_dir):
    dataset = _built(_request(captured, olivia))
    folder = dataset_path(dataset, "")
    assert any(folder.iterdir())

    retention_enforce()
    dataset.refresh_from_db()
    assert dataset.state == "ready"
    DatasetSnapshot.objects.filter(pk=dataset.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    retention_enforce()

    dataset.refresh_from_db()
    assert dataset.state == "expired"
    assert not folder.exists()
    assert AuditEvent.objects.filter(action="dataset.expired", target_id=str(dataset.pk)).exists()


@pytest.mark.parametrize("reason", ["withdrawn", "restricted"])
def test_consent_is_read_when_the_snapshot_is_built_not_when_it_is_asked_for(
    captured, olivia, reason
):
    from governance.services.consent import RequestContext, consent_withdraw_all

    dataset = _request(captured, olivia)
    alice = captured.people["alice"]
    if reason == "withdrawn":
        consent_withdraw_all(employee=alice.employee, actor=alice, context=RequestContext())
    else:
        alice.employee.processing_restricted_at = timezone.now()
        alice.employee.save(update_fields=["processing_restricted_at"])

    dataset = _built(dataset)

    assert len(_rows(dataset)) == 2  # bob's
    assert not DatasetLineage.objects.filter(dataset=dataset, employee=alice.employee).exists()


def test_a_withdrawal_while_the_build_reads_leaves_the_person_out(
    captured, olivia, monkeypatch, django_capture_on_commit_callbacks
):
    """The build has read alice's rows when she withdraws; the snapshot that becomes
    ready holds none of them, counted as not consented."""
    from governance.services import datasets as service
    from governance.services.consent import RequestContext, consent_withdraw_all

    alice = captured.people["alice"]
    read = service._write_shards

    def read_then_withdraw(dataset, progress):
        written = read(dataset, progress)
        consent_withdraw_all(employee=alice.employee, actor=alice, context=RequestContext())
        return written

    monkeypatch.setattr(service, "_write_shards", read_then_withdraw)
    dataset = _request(captured, olivia)

    with django_capture_on_commit_callbacks(execute=True):
        dataset = _built(dataset)

    assert len(_rows(dataset)) == 2  # bob's
    assert dataset.manifest["rows"] == dataset.rows_written == 2
    assert dataset.manifest["excluded"]["not_consented"] == 2 + 4
    assert not DatasetLineage.objects.filter(dataset=dataset, employee=alice.employee).exists()
    folder = dataset_path(dataset, "")
    assert {p.name for p in folder.iterdir()} == {s["name"] for s in dataset.manifest["shards"]}


def test_a_snapshot_whose_build_task_was_lost_is_built_again(captured, olivia):
    from governance.services.datasets import STALE_BUILDING, datasets_reconcile

    dataset = _request(captured, olivia)  # its task never published: the test's transaction
    assert datasets_reconcile() == []  # just asked for: its task may still come
    DatasetSnapshot.objects.filter(pk=dataset.pk).update(
        created_at=timezone.now() - STALE_BUILDING - timedelta(seconds=1)
    )

    assert datasets_reconcile() == [dataset.pk]
    _built(dataset)
    assert datasets_reconcile() == []


def test_text_a_csv_could_mistake_reaches_the_shards_as_it_was(captured, olivia):
    """The build reads rows as CSV: quotes, commas, line breaks, an empty string and the
    word NULL are values, not syntax, and a menu path keeps its items."""
    alice = captured.people["alice"].employee.subject_id
    first = InteractionEvent.objects.filter(subject=alice).order_by("ts", "id")
    tricky = {"key_code": "NULL", "key_char": '"', "redaction": ""}
    InteractionEvent.objects.filter(pk=first[0].pk).update(**tricky)
    menu = ["File", 'Save, as "copy"\nnow', "", "NULL"]
    InteractionEvent.objects.filter(pk=first[1].pk).update(menu_path=menu, key_char=",\r\n")
    dataset = _built(_request(captured, olivia))

    rows = {r["event_id"]: r for r in _rows(dataset)}
    assert {k: rows[first[0].pk][k] for k in tricky} == tricky
    assert rows[first[1].pk]["menu_path"] == menu
    assert rows[first[1].pk]["key_char"] == ",\r\n"
    assert [r["menu_path"] for r in rows.values()].count(None) == len(rows) - 1


def test_shards_hold_the_rows_in_time_order_whatever_order_the_table_keeps(captured, olivia):
    """The same rows always make the same shards: the table's physical order (which
    deletes and vacuums change) decides nothing."""
    # An updated row's new version goes after the others: the earliest row is then the
    # last a plain scan of the table meets, and the plan here is a plain scan (as it is
    # for a large scope, or after enough deletes: the flaky order this test pins down).
    earliest = InteractionEvent.objects.order_by("ts", "id").first()
    InteractionEvent.objects.filter(pk=earliest.pk).update(event_type=F("event_type"))
    with connection.cursor() as cursor:  # until the test's transaction ends
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    dataset = _built(_request(captured, olivia))

    rows = _rows(dataset)
    assert [(r["ts"], r["event_id"]) for r in rows] == sorted(
        (r["ts"], r["event_id"]) for r in rows
    )


def test_a_scope_without_a_row_builds_a_snapshot_without_shards(captured, olivia):
    dataset = _request(captured, olivia, starts_at=captured.base - timedelta(days=2))
    dataset.ends_at = captured.base - timedelta(days=1)
    dataset.save(update_fields=["ends_at"])

    dataset = _built(dataset)

    assert dataset.rows_written == 0 and dataset.manifest["shards"] == []
