"""The datasets store: snapshots' Parquet shards under DATASETS_URL (any fsspec URL), the
lineage index that says whose rows each shard holds, and the one read of the events
table a build makes.

The Parquet schema below is a contract with the training pipelines: add columns at the
end, never rename or retype one (bump SCHEMA_VERSION if that ever must happen).
People appear only under the snapshot's own pseudonym, so no two snapshots can be
joined on a person; which person is which stays in PostgreSQL (DatasetLineage).
"""

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from governance.models import Application, DataKind, DatasetLineage, DatasetSnapshot, Employee
from governance.models.ingestion import EVENT_TABLE
from governance.services.audit import audit_record
from governance.stores.base import EVERYTHING, SubjectScope, register
from governance.stores.holds import HoldWindow

SCHEMA_VERSION = 1
SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("subject", pa.string(), nullable=False),
        pa.field("session", pa.string(), nullable=False),
        pa.field("application", pa.string(), nullable=False),
        pa.field("data_kind", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("key_code", pa.string()),
        pa.field("key_char", pa.string()),
        pa.field("redaction", pa.string()),
        pa.field("pointer_x", pa.int32()),
        pa.field("pointer_y", pa.int32()),
        pa.field("button", pa.string()),
        pa.field("scroll_dx", pa.int32()),
        pa.field("scroll_dy", pa.int32()),
        pa.field("menu_path", pa.list_(pa.string())),
        pa.field("title_hash", pa.string()),
    ],
    metadata={"portal.dataset_schema": str(SCHEMA_VERSION)},
)
# Columns copied from the events table as they are (after the pseudonymised ones).
COPIED = SCHEMA.names[4:]
FETCH_ROWS = 5000


def dataset_location(dataset_id: int) -> str:
    return f"{settings.DATASETS_URL.rstrip('/')}/{dataset_id}"


def dataset_fs(location: str) -> tuple[fsspec.AbstractFileSystem, str]:
    return fsspec.core.url_to_fs(location)


def dataset_files_remove(location: str) -> None:
    """Delete a snapshot's folder and every shard in it; nothing there is fine."""
    if not location:
        return
    fs, root = dataset_fs(location)
    if fs.exists(root):
        fs.rm(root, recursive=True)


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.parquet"


def pseudonym(key: str, value: str) -> str:
    """HMAC-SHA-256 of `value` under the snapshot's key (hex): stable inside a snapshot,
    unlinkable across snapshots."""
    return hmac.new(bytes.fromhex(key), value.encode(), hashlib.sha256).hexdigest()


def _scope_sql(dataset: DatasetSnapshot) -> tuple[str, list]:
    return (
        """e.purpose_id = %s AND e.application_id = ANY(%s) AND e.data_kind_id = ANY(%s)
           AND e.ts >= %s AND e.ts < %s""",
        [
            dataset.purpose_id,
            list(dataset.applications.values_list("pk", flat=True)),
            list(dataset.data_kinds.values_list("pk", flat=True)),
            dataset.starts_at,
            dataset.ends_at,
        ],
    )


def scope_rows_count(dataset: DatasetSnapshot) -> int:
    where, params = _scope_sql(dataset)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {EVENT_TABLE} e WHERE {where}", params)
        return cursor.fetchone()[0]


def scope_rows(dataset: DatasetSnapshot) -> Iterator[list[tuple]]:
    """The events in the snapshot's scope, in chunks of FETCH_ROWS, through a server-side
    cursor: memory stays bounded however many rows the scope holds. Each row is
    (employee-side subject, application id, data kind id, session id, *SCHEMA columns
    from `application` on). Call inside a transaction (a named cursor lives in one)."""
    where, params = _scope_sql(dataset)
    # The time as microseconds since the epoch: what the Parquet column holds, without a
    # timezone-aware datetime made and taken apart again per row.
    sql = f"""SELECT e.subject, e.application_id, e.data_kind_id, e.session_id, e.id,
                     (extract(epoch FROM e.ts) * 1000000)::bigint,
                     a.slug, k.slug, e.event_type, e.key_code, e.key_char, e.redaction,
                     e.pointer_x, e.pointer_y, e.button, e.scroll_dx, e.scroll_dy,
                     e.menu_path, e.title_hash
              FROM {EVENT_TABLE} e
              JOIN governance_application a ON a.id = e.application_id
              JOIN governance_datakind k ON k.id = e.data_kind_id
              WHERE {where}"""
    connection.ensure_connection()
    with connection.connection.cursor(name=f"dataset_{dataset.pk}") as cursor:
        cursor.itersize = FETCH_ROWS
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(FETCH_ROWS):
            yield chunk


class ShardWriter:
    """Columns of rows gathered up to `limit` rows, then written as one shard."""

    def __init__(self, location: str, limit: int):
        self.fs, self.root = dataset_fs(location)
        self.fs.makedirs(self.root, exist_ok=True)
        self.limit = limit
        self.shards: list[dict] = []
        self._columns: dict[str, list] = {name: [] for name in SCHEMA.names}

    @property
    def index(self) -> int:
        """The index of the shard being filled."""
        return len(self.shards)

    @property
    def room(self) -> int:
        """Rows the shard being filled takes before it is full."""
        return self.limit - len(self._columns["event_id"])

    def extend(self, rows: list[tuple], subjects: dict, sessions: dict) -> None:
        """Rows as `scope_rows` reads them, column by column (a list's extend per column,
        not an append per value); subjects and sessions by their pseudonyms."""
        columns = list(zip(*rows, strict=True))
        self._columns["event_id"].extend(columns[4])
        self._columns["ts"].extend(columns[5])
        self._columns["subject"].extend([subjects[s] for s in columns[0]])
        self._columns["session"].extend([sessions[s] for s in columns[3]])
        for name, values in zip(COPIED, columns[6:], strict=True):
            self._columns[name].extend(values)

    def flush(self) -> None:
        if self.room == self.limit:
            return
        table = pa.table(self._columns, schema=SCHEMA)
        self.shards.append(_shard_write(self.fs, self.root, shard_name(self.index), table))
        self._columns = {name: [] for name in SCHEMA.names}


def _shard_write(fs, root: str, name: str, table: pa.Table) -> dict:
    """One shard file, and its manifest entry (name, rows, bytes, SHA-256 of the file)."""
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    data = buffer.getvalue().to_pybytes()
    fs.pipe_file(f"{root}/{name}", data)
    return {
        "name": name,
        "rows": table.num_rows,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def shard_open(location: str, name: str):
    """A shard's file opened for reading in blocks (the caller closes it)."""
    fs, root = dataset_fs(location)
    return fs.open(f"{root}/{name}", "rb")


def shard_read(location: str, name: str) -> pa.Table:
    fs, root = dataset_fs(location)
    with fs.open(f"{root}/{name}", "rb") as handle:
        return pq.read_table(handle)


# The store: erasure and expiry of what snapshots hold.

LIVE = (DatasetSnapshot.State.READY, DatasetSnapshot.State.SUPERSEDED)  # files kept


def _lineage(subject: str, scope: SubjectScope):
    """The lineage rows of a subject in live snapshots, within a scope."""
    rows = DatasetLineage.objects.filter(
        employee__subject_id=subject, dataset__state__in=LIVE
    ).select_related("dataset", "application", "data_kind")
    if scope.purpose_ids is not None:
        rows = rows.filter(dataset__purpose_id__in=scope.purpose_ids)
    if scope.application_ids is not None:
        rows = rows.filter(application_id__in=scope.application_ids)
    if scope.data_kind_ids is not None:
        rows = rows.filter(data_kind_id__in=scope.data_kind_ids)
    return rows


def _in_scope(table: pa.Table, dataset, subject: str, scope: SubjectScope) -> pa.Array:
    """True for the rows of `subject` within `scope` (the snapshot's purpose is in it)."""
    mask = pc.equal(table["subject"], pseudonym(dataset.pseudonym_key, subject))
    if scope.application_ids is not None:
        slugs = Application.objects.filter(pk__in=scope.application_ids).values_list("slug")
        mask = pc.and_(mask, pc.is_in(table["application"], pa.array([s for (s,) in slugs])))
    if scope.data_kind_ids is not None:
        slugs = DataKind.objects.filter(pk__in=scope.data_kind_ids).values_list("slug")
        mask = pc.and_(mask, pc.is_in(table["data_kind"], pa.array([s for (s,) in slugs])))
    return mask


def _held(table: pa.Table, holds: list[HoldWindow]) -> pa.Array:
    """True for the rows whose event time a hold window covers."""
    held = pa.array([False] * table.num_rows, type=pa.bool_())
    for window in holds:
        inside = pa.array([True] * table.num_rows, type=pa.bool_())
        if window.starts is not None:
            inside = pc.and_(inside, pc.greater_equal(table["ts"], pa.scalar(window.starts)))
        if window.ends is not None:
            inside = pc.and_(inside, pc.less(table["ts"], pa.scalar(window.ends)))
        held = pc.or_(held, inside)
    return held


def _shards_of(subject: str, scope: SubjectScope) -> list[tuple[int, int]]:
    """(snapshot, shard) pairs holding rows of the subject in scope, in order."""
    return sorted(set(_lineage(subject, scope).values_list("dataset_id", "shard")))


def _count_in_shards(subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
    """Rows of the subject in scope that the holds cover, read from the shards."""
    held = 0
    for dataset_id, shard in _shards_of(subject, scope):
        dataset = DatasetSnapshot.objects.get(pk=dataset_id)
        table = shard_read(dataset.location, dataset.manifest["shards"][shard]["name"])
        mask = pc.and_(_in_scope(table, dataset, subject, scope), _held(table, holds))
        held += pc.sum(mask).as_py() or 0
    return held


def _shard_erase(dataset, shard: int, subject: str, scope, holds) -> int:
    """Rewrite one shard without the subject's rows in scope that no hold covers: a new
    file is written and read back, then the manifest and lineage change in the caller's
    transaction, and the old file goes once that commits (a rollback leaves the manifest
    naming the old, complete file). Returns the rows removed."""
    entry = dataset.manifest["shards"][shard]
    table = shard_read(dataset.location, entry["name"])
    mine = _in_scope(table, dataset, subject, scope)
    going = pc.and_(mine, pc.invert(_held(table, holds))) if holds else mine
    removed = pc.sum(going).as_py() or 0
    if not removed:
        return 0
    kept = table.filter(pc.invert(going))
    fs, root = dataset_fs(dataset.location)
    revision = entry.get("revision", 0) + 1
    name = f"shard-{shard:05d}.r{revision}.parquet"
    rewritten = {**_shard_write(fs, root, name, kept), "revision": revision}
    check = shard_read(dataset.location, name)
    left = pc.and_(_in_scope(check, dataset, subject, scope), pc.invert(_held(check, holds)))
    if check.num_rows != kept.num_rows or (pc.sum(left).as_py() or 0):
        fs.rm(f"{root}/{name}")
        raise RuntimeError(f"shard {name} of dataset {dataset.pk} did not read back as written")
    dataset.manifest["shards"][shard] = rewritten
    dataset.manifest["rows"] -= removed
    dataset.rows_written -= removed
    dataset.save(update_fields=["manifest", "rows_written"])
    _lineage_recount(dataset, shard, subject, check)
    old = f"{root}/{entry['name']}"
    transaction.on_commit(lambda: fs.rm(old) if fs.exists(old) else None)
    return removed


def _lineage_recount(dataset, shard: int, subject: str, table: pa.Table) -> None:
    """The subject's lineage rows of one shard, counted again from what it now holds."""
    employee_id = Employee.objects.get(subject_id=subject).pk
    DatasetLineage.objects.filter(dataset=dataset, shard=shard, employee_id=employee_id).delete()
    mine = table.filter(pc.equal(table["subject"], pseudonym(dataset.pseudonym_key, subject)))
    if not mine.num_rows:
        return
    apps = dict(Application.objects.values_list("slug", "pk"))
    kinds = dict(DataKind.objects.values_list("slug", "pk"))
    counts = mine.group_by(["application", "data_kind"]).aggregate([("event_id", "count")])
    DatasetLineage.objects.bulk_create(
        DatasetLineage(
            dataset=dataset,
            shard=shard,
            employee_id=employee_id,
            application_id=apps[row["application"]],
            data_kind_id=kinds[row["data_kind"]],
            rows=row["event_id_count"],
        )
        for row in counts.to_pylist()
    )


def snapshot_subject_remove(dataset, subject: str, scope: SubjectScope) -> int:
    """Every row of the subject in scope out of one snapshot's shards (no hold applies:
    for rows that should never have gone in). Returns the rows removed."""
    shards = sorted(
        set(
            DatasetLineage.objects.filter(
                dataset=dataset,
                employee__subject_id=subject,
                application_id__in=scope.application_ids,
                data_kind_id__in=scope.data_kind_ids,
            ).values_list("shard", flat=True)
        )
    )
    return sum(_shard_erase(dataset, shard, subject, scope, []) for shard in shards)


@register
class DatasetsStore:
    name = "datasets"
    description = "Training dataset snapshots (Parquet shards) until they expire"
    models = (DatasetLineage,)
    stage = 1  # a copy of the events: erased after them
    # Snapshots carry their own expiry (DATASET_TTL_DAYS), enforced by `purge_expired`.
    retained = ()

    @property
    def kept_for(self) -> str:
        return f"{settings.DATASET_TTL_DAYS} days after the snapshot is built, then deleted"

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        """From the lineage index, which every rewrite of a shard updates from the shard
        it read back."""
        return _lineage(subject, scope).aggregate(n=Sum("rows"))["n"] or 0

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        return self.count(subject, scope)

    def anything_sql(self, subject: str, scope: SubjectScope = EVERYTHING) -> tuple[str, list]:
        # Any lineage row at all: erase_batch rewrites every shard one names.
        sql, params = _lineage(subject, scope).values("pk").query.sql_with_params()
        return f"EXISTS ({sql})", list(params)

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        """Which snapshots hold the subject's rows, how many, of which kind: never the
        rows themselves (they are the events store's, exported there)."""
        for row in _lineage(subject, scope).order_by("dataset_id", "shard", "pk"):
            yield {
                "dataset": row.dataset_id,
                "purpose": row.dataset.purpose.slug,
                "shard": row.shard,
                "application": row.application.slug,
                "data_kind": row.data_kind.slug,
                "rows": row.rows,
                "state": row.dataset.state,
                "ready_at": row.dataset.ready_at,
                "expires_at": row.dataset.expires_at,
            }

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        return _count_in_shards(subject, scope, holds) if holds else 0

    def erase_batch(self, subject, scope, holds, limit, position=None) -> tuple[int, object]:
        """One shard a call (a shard is rewritten whole): the next after `position`."""
        after = tuple(position) if position else (0, -1)
        for dataset_id, shard in _shards_of(subject, scope):
            if (dataset_id, shard) <= after:
                continue
            dataset = DatasetSnapshot.objects.select_for_update().get(pk=dataset_id)
            if dataset.state not in LIVE:
                return 0, [dataset_id, shard]
            return _shard_erase(dataset, shard, subject, scope, holds), [dataset_id, shard]
        return 0, None

    def purge_expired(self, now: datetime, holds: dict[str, list[HoldWindow]]) -> tuple[int, int]:
        """Retention for snapshots, in the caller's transaction (which holds the hold
        lock): delete the shards of those past `expires_at` and mark them expired, but keep
        a snapshot holding rows of a custodian whose hold overlaps its period. Returns
        (snapshots removed, snapshots a hold keeps)."""
        removed = held = 0
        expired = (
            DatasetSnapshot.objects.select_for_update()
            .filter(state__in=LIVE, expires_at__lt=now)
            .order_by("pk")
        )
        for dataset in expired:
            if _snapshot_held(dataset, holds):
                held += 1
                continue
            dataset_files_remove(dataset.location)
            DatasetSnapshot.objects.filter(pk=dataset.pk).update(
                state=DatasetSnapshot.State.EXPIRED
            )
            audit_record(
                actor=None,
                action="dataset.expired",
                target=dataset,
                purpose=dataset.purpose.slug,
                details={"expires_at": dataset.expires_at.isoformat()},
            )
            removed += 1
        return removed, held


def _snapshot_held(dataset, holds: dict[str, list[HoldWindow]]) -> bool:
    if not holds:
        return False
    subjects = DatasetLineage.objects.filter(dataset=dataset).values_list(
        "employee__subject_id", flat=True
    )
    for subject in set(subjects):
        for w in holds.get(subject, []):
            if (w.starts is None or w.starts < dataset.ends_at) and (
                w.ends is None or w.ends > dataset.starts_at
            ):
                return True
    return False


def subject_rows_per_dataset(subject: str, scope: SubjectScope) -> dict[int, int]:
    """Rows of the subject in scope per live snapshot, from the lineage index."""
    return dict(
        _lineage(subject, scope)
        .values("dataset_id")
        .annotate(n=Sum("rows"))
        .values_list("dataset_id", "n")
    )
