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
import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


def scope_groups(dataset: DatasetSnapshot) -> list[tuple[str, int, int, int]]:
    """(subject, application id, data kind id, rows) of the snapshot's scope: whom a build
    must ask about, and how many rows each answer lets in or keeps out."""
    where, params = _scope_sql(dataset)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT e.subject, e.application_id, e.data_kind_id, count(*)
                FROM {EVENT_TABLE} e WHERE {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
            params,
        )
        return cursor.fetchall()


# The columns of a scope's rows as the build reads them: SCHEMA's, with the time as
# microseconds since the epoch and the menu path as JSON text (CSV has no lists).
_AS_READ = {"ts": pa.int64(), "menu_path": pa.string()}
_READ = pa.schema([f.with_type(_AS_READ[f.name]) if f.name in _AS_READ else f for f in SCHEMA])


def scope_select(dataset: DatasetSnapshot, join: str = "", subject: str = "e.subject"):
    """The SELECT of a snapshot's rows in SCHEMA's order, ordered by time (so a shard
    holds a stretch of time, and the same rows always make the same shards)."""
    where, params = _scope_sql(dataset)
    sql = f"""SELECT e.id, (extract(epoch FROM e.ts) * 1000000)::bigint, {subject},
                     e.session_id, a.slug, k.slug, e.event_type, e.key_code, e.key_char,
                     e.redaction, e.pointer_x, e.pointer_y, e.button, e.scroll_dx, e.scroll_dy,
                     e.menu_path::text, e.title_hash
              FROM {EVENT_TABLE} e {join}
              JOIN governance_application a ON a.id = e.application_id
              JOIN governance_datakind k ON k.id = e.data_kind_id
              WHERE {where}
              ORDER BY e.ts, e.id"""
    return sql, params


def scope_batches(
    dataset: DatasetSnapshot, admitted: list[tuple[str, int, int]], subjects: dict[str, str]
) -> Iterator[pa.RecordBatch]:
    """The snapshot's rows of the admitted (subject, application id, data kind id) as
    SCHEMA record batches, people and sessions already under their pseudonyms
    (`subjects`: subject → pseudonym). PostgreSQL picks the rows and sends them as CSV by
    COPY; Arrow's reader parses them in blocks, so memory stays bounded whatever the
    scope holds, and no row becomes Python objects."""
    import pyarrow.csv as pv

    people, apps, kinds = (list(c) for c in zip(*admitted, strict=True)) if admitted else ([],) * 3
    sql, params = scope_select(
        dataset,
        join="JOIN unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[]) "
        "AS ok(subject, pseudonym, application_id, data_kind_id) ON ok.subject = e.subject "
        "AND ok.application_id = e.application_id AND ok.data_kind_id = e.data_kind_id",
        subject="ok.pseudonym",
    )
    params = [people, [subjects[p] for p in people], apps, kinds, *params]
    connection.ensure_connection()
    statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    with connection.connection.cursor() as cursor, cursor.copy(statement, params) as copy:
        stream, sessions = _CopyStream(copy), Pseudonyms(dataset.pseudonym_key, "session:")
        if stream.at_end():
            return  # Arrow's reader takes no CSV without a row
        reader = pv.open_csv(
            stream,
            read_options=pv.ReadOptions(column_names=_READ.names),
            parse_options=pv.ParseOptions(newlines_in_values=True),
            convert_options=pv.ConvertOptions(
                column_types=_READ,
                null_values=[""],  # PostgreSQL writes NULL bare and "" quoted
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
        for batch in reader:
            yield _as_schema(batch, sessions)


class _CopyStream:
    """A COPY's blocks (a row each) as a file Arrow's CSV reader can read."""

    def __init__(self, copy):
        self._blocks = iter(copy)
        self._rest = b""

    def at_end(self) -> bool:
        self._rest = self._rest or bytes(next(self._blocks, b""))
        return not self._rest

    def read(self, size: int = -1) -> bytes:
        parts, have = [self._rest], len(self._rest)
        if size < 0 or have < size:
            for block in self._blocks:
                parts.append(block)
                have += len(block)
                if have >= size >= 0:
                    break
        data = b"".join(parts)
        if size < 0:
            self._rest = b""
            return data
        self._rest = data[size:]
        return data[:size]

    @property
    def closed(self) -> bool:
        return False


class Pseudonyms:
    """`pseudonym(key, prefix + value)` for many values: the keyed hash state is made once
    and copied, and the pseudonyms of recent distinct values are kept (up to `keep`)."""

    def __init__(self, key: str, prefix: str = "", keep: int = 100_000):
        self._mac = hmac.new(bytes.fromhex(key), prefix.encode(), hashlib.sha256)
        self._known: dict[str, str] = {}
        self._keep = keep

    def __call__(self, value: str) -> str:
        known = self._known.get(value)
        if known is None:
            if len(self._known) >= self._keep:
                self._known.clear()
            mac = self._mac.copy()
            mac.update(value.encode())
            known = self._known[value] = mac.hexdigest()
        return known


def _as_schema(batch: pa.RecordBatch, sessions: Pseudonyms) -> pa.RecordBatch:
    """A batch as read, made SCHEMA's: the time typed, sessions pseudonymised (each
    distinct session once), menu paths as lists."""
    columns = dict(zip(batch.schema.names, batch.columns, strict=True))
    columns["ts"] = columns["ts"].cast(SCHEMA.field("ts").type)
    session = columns["session"].dictionary_encode()
    masked = pa.array([sessions(s) for s in session.dictionary.to_pylist()], pa.string())
    columns["session"] = masked.take(session.indices)
    # Each distinct menu path parsed once, as each session is masked once.
    menus = columns["menu_path"].dictionary_encode()
    paths = pa.array(
        [json.loads(m) for m in menus.dictionary.to_pylist()], SCHEMA.field("menu_path").type
    )
    columns["menu_path"] = paths.take(menus.indices)
    return pa.RecordBatch.from_arrays([columns[n] for n in SCHEMA.names], schema=SCHEMA)


class ShardWriter:
    """Record batches gathered up to `limit` rows, then written as one shard; counts, per
    shard, the rows of each person (`people`: pseudonym → employee id), application and
    data kind for the lineage index. A shard is compressed and stored on a thread of its
    own (Arrow and the file write let go of the GIL) while the next one is read; at most
    one waits there. Use as a context manager."""

    def __init__(self, location: str, limit: int, people: dict[str, int]):
        self.fs, self.root = dataset_fs(location)
        self.fs.makedirs(self.root, exist_ok=True)
        self.limit = limit
        self.people = people
        self.apps, self.kinds = _slug_ids()
        self.shards: list[dict] = []
        self.lineage: Counter = Counter()  # (shard, employee, application, kind) → rows
        self._batches: list[pa.RecordBatch] = []
        self._rows = 0
        self._index = 0
        self._storing = ThreadPoolExecutor(1, thread_name_prefix="shard-write")
        self._stored = None  # the shard being stored

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, *exc) -> None:
        self._storing.shutdown(wait=True)

    def write(self, batch: pa.RecordBatch) -> None:
        self._batches.append(batch)
        self._rows += batch.num_rows
        while self._rows >= self.limit:
            table = pa.Table.from_batches(self._batches, schema=SCHEMA)
            self._shard(table.slice(0, self.limit))
            rest = table.slice(self.limit)
            self._batches, self._rows = rest.to_batches(), rest.num_rows

    def flush(self) -> None:
        """Write what is gathered as the last shard, and wait until every shard is stored."""
        if self._rows:
            self._shard(pa.Table.from_batches(self._batches, schema=SCHEMA))
            self._batches, self._rows = [], 0
        self._wait()

    def _wait(self) -> None:
        if self._stored is not None:
            self.shards.append(self._stored.result())
            self._stored = None

    def _shard(self, table: pa.Table) -> None:
        index, self._index = self._index, self._index + 1
        self._wait()
        name = shard_name(index)
        self._stored = self._storing.submit(_shard_write, self.fs, self.root, name, table)
        counts = table.group_by(["subject", "application", "data_kind"]).aggregate(
            [("event_id", "count")]
        )
        for subject, app, kind, n in zip(*counts.to_pydict().values(), strict=True):
            self.lineage[(index, self.people[subject], self.apps[app], self.kinds[kind])] += n


def lineage_write(dataset: DatasetSnapshot, lineage: Counter) -> None:
    """The snapshot's lineage index, replaced by `lineage` ((shard, employee, application,
    kind) → rows) through one COPY."""
    DatasetLineage.objects.filter(dataset=dataset).delete()
    table = DatasetLineage._meta.db_table
    columns = "dataset_id, shard, employee_id, application_id, data_kind_id, rows"
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for (shard, employee, app, kind), n in sorted(lineage.items()):
            copy.write_row((dataset.pk, shard, employee, app, kind, n))


def _shard_write(fs, root: str, name: str, table: pa.Table) -> dict:
    """One shard file, and its manifest entry (name, rows, bytes, SHA-256 of the file)."""
    buffer = pa.BufferOutputStream()
    # Without Arrow's own copy of the schema: the Parquet types are the contract, so text
    # a rewrite hands over dictionary-encoded is stored as the text it is; SCHEMA's
    # metadata (its version) goes in as the file's.
    with pq.ParquetWriter(buffer, table.schema, compression="zstd", store_schema=False) as out:
        out.write_table(table)
        out.add_key_value_metadata(SCHEMA.metadata)
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


def shard_read(location: str, name: str, columns: list[str] | None = None) -> pa.Table:
    fs, root = dataset_fs(location)
    return _read(fs, f"{root}/{name}", columns)


# Text columns, which a rewrite keeps dictionary-encoded from read to write: filtering
# moves indices rather than strings, and the writer need not hash every value again.
_TEXT = [f.name for f in SCHEMA if f.type == pa.string()]


def _read(fs, path: str, columns: list[str] | None = None, *, encoded=False) -> pa.Table:
    # Given the filesystem rather than an open file, Arrow reads a local one natively
    # (four times as fast as through a Python file object) and any other by ranges.
    text = _TEXT if encoded else None
    return pq.read_table(path, filesystem=fs, columns=columns, read_dictionary=text)


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


@dataclass(frozen=True)
class _Cut:
    """Which rows of a snapshot's shards an erasure takes: the person's (under the
    snapshot's pseudonym) within the scope's applications and kinds (None: all), and of
    them those no hold window covers. Made once, from the database, so that shards can
    be cut on threads that never touch it."""

    who: str
    applications: pa.Array | None
    data_kinds: pa.Array | None
    holds: tuple[HoldWindow, ...]

    @classmethod
    def of(cls, dataset, subject: str, scope: SubjectScope, holds) -> "_Cut":
        def slugs(model, ids):
            return None if ids is None else pa.array(_slugs(model, ids), pa.string())

        return cls(
            who=pseudonym(dataset.pseudonym_key, subject),
            applications=slugs(Application, scope.application_ids),
            data_kinds=slugs(DataKind, scope.data_kind_ids),
            holds=tuple(holds),
        )

    @property
    def columns(self) -> list[str]:
        """The columns the cut reads (and a rewrite's read-back decodes)."""
        return ["subject", "application", "data_kind"] + (["ts"] if self.holds else [])

    def mine(self, table: pa.Table) -> pa.Array:
        """True for the person's rows within the scope."""
        mask = pc.equal(table["subject"], self.who)
        if self.applications is not None:
            mask = pc.and_(mask, pc.is_in(table["application"], self.applications))
        if self.data_kinds is not None:
            mask = pc.and_(mask, pc.is_in(table["data_kind"], self.data_kinds))
        return mask

    def held(self, table: pa.Table) -> pa.Array:
        """True for the rows whose event time a hold window covers."""
        held = pa.array([False] * table.num_rows, type=pa.bool_())
        for window in self.holds:
            inside = pa.array([True] * table.num_rows, type=pa.bool_())
            if window.starts is not None:
                inside = pc.and_(inside, pc.greater_equal(table["ts"], pa.scalar(window.starts)))
            if window.ends is not None:
                inside = pc.and_(inside, pc.less(table["ts"], pa.scalar(window.ends)))
            held = pc.or_(held, inside)
        return held

    def going(self, table: pa.Table) -> pa.Array:
        mine = self.mine(table)
        return pc.and_(mine, pc.invert(self.held(table))) if self.holds else mine


def _slugs(model, ids) -> list[str]:
    return list(model.objects.filter(pk__in=ids).values_list("slug", flat=True))


def _slug_ids() -> tuple[dict[str, int], dict[str, int]]:
    """Applications' and data kinds' ids by slug, as the shards name them."""
    return (
        dict(Application.objects.values_list("slug", "pk")),
        dict(DataKind.objects.values_list("slug", "pk")),
    )


def _shards_of(subject: str, scope: SubjectScope) -> list[tuple[int, int, int]]:
    """(snapshot, shard, rows) of the shards holding rows of the subject in scope, in
    order."""
    return list(
        _lineage(subject, scope)
        .values_list("dataset_id", "shard")
        .annotate(n=Sum("rows"))
        .order_by("dataset_id", "shard")
    )


def _count_in_shards(subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
    """Rows of the subject in scope that the holds cover, read from the shards."""
    held = 0
    # In snapshot order: each snapshot, and its cut, read once for all its shards.
    for dataset_id, shards in groupby(_shards_of(subject, scope), key=itemgetter(0)):
        dataset = DatasetSnapshot.objects.get(pk=dataset_id)
        cut = _Cut.of(dataset, subject, scope, holds)
        for _dataset, shard, _rows in shards:
            name = dataset.manifest["shards"][shard]["name"]
            table = shard_read(dataset.location, name, cut.columns)
            held += pc.sum(pc.and_(cut.mine(table), cut.held(table))).as_py() or 0
    return held


# Shards rewritten at once: reading, filtering, compressing and hashing a shard all run
# in Arrow and hashlib without the GIL, so two threads keep both cores busy.
REWRITE_THREADS = 2


@dataclass
class _Rewrite:
    shard: int
    old: str
    entry: dict  # the new file's manifest entry
    removed: int
    mine: list[tuple[str, str, int]]  # the person's rows left (held): application, kind, rows


def _shard_rewrite(fs, root: str, shard: int, entry: dict, cut: _Cut) -> _Rewrite | None:
    """One shard written again, as a new file, without the rows `cut` takes, and read
    back: the stored file must hash to what was written, hold as many rows and none that
    the cut takes. Touches files only (runs on a rewrite thread). None: nothing to take."""
    table = _read(fs, f"{root}/{entry['name']}", encoded=True)
    going = cut.going(table)
    removed = pc.sum(going).as_py() or 0
    if not removed:
        return None
    kept = table.filter(pc.invert(going))
    del table
    revision = entry.get("revision", 0) + 1
    name = f"shard-{shard:05d}.r{revision}.parquet"
    written = {**_shard_write(fs, root, name, kept), "revision": revision}
    stored = fs.cat_file(f"{root}/{name}")
    check = pq.read_table(pa.BufferReader(stored), columns=cut.columns)
    if (
        hashlib.sha256(stored).hexdigest() != written["sha256"]
        or check.num_rows != kept.num_rows
        or pc.sum(cut.going(check)).as_py()
    ):
        fs.rm(f"{root}/{name}")
        raise RuntimeError(f"shard {name} of {root} did not read back as written")
    left = check.filter(pc.equal(check["subject"], cut.who))
    counts = left.group_by(["application", "data_kind"]).aggregate([("subject", "count")])
    mine = list(zip(*counts.to_pydict().values(), strict=True))
    return _Rewrite(shard, entry["name"], written, removed, mine)


def _shards_erase(dataset, shards: list[int], subject: str, scope, holds) -> int:
    """Rewrite shards of one snapshot without the subject's rows in scope that no hold
    covers, REWRITE_THREADS at a time: new files are written and read back, then the
    manifest and lineage change in the caller's transaction, and the old files go once
    that commits (a rollback leaves the manifest naming the old, complete files). Returns
    the rows removed."""
    cut = _Cut.of(dataset, subject, scope, holds)
    fs, root = dataset_fs(dataset.location)
    entries = dataset.manifest["shards"]
    with ThreadPoolExecutor(REWRITE_THREADS, thread_name_prefix="shard-rewrite") as pool:
        futures = [pool.submit(_shard_rewrite, fs, root, n, entries[n], cut) for n in shards]
    failed = [f.exception() for f in futures if f.exception() is not None]
    done = [f.result() for f in futures if f.exception() is None and f.result() is not None]
    if failed:
        for rewrite in done:
            fs.rm(f"{root}/{rewrite.entry['name']}")
        raise failed[0]
    if not done:
        return 0
    removed = sum(r.removed for r in done)
    for rewrite in done:
        entries[rewrite.shard] = rewrite.entry
    dataset.manifest["rows"] -= removed
    dataset.rows_written -= removed
    dataset.save(update_fields=["manifest", "rows_written"])
    _lineage_recount(dataset, subject, done)
    old = [f"{root}/{r.old}" for r in done]
    transaction.on_commit(lambda: fs.rm([path for path in old if fs.exists(path)]))
    return removed


def _lineage_recount(dataset, subject: str, rewrites: list[_Rewrite]) -> None:
    """The subject's lineage rows of the rewritten shards, from what each now holds."""
    employee_id = Employee.objects.get(subject_id=subject).pk
    DatasetLineage.objects.filter(
        dataset=dataset, shard__in=[r.shard for r in rewrites], employee_id=employee_id
    ).delete()
    apps, kinds = _slug_ids()
    DatasetLineage.objects.bulk_create(
        DatasetLineage(
            dataset=dataset,
            shard=r.shard,
            employee_id=employee_id,
            application_id=apps[app],
            data_kind_id=kinds[kind],
            rows=n,
        )
        for r in rewrites
        for app, kind, n in r.mine
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
    return _shards_erase(dataset, shards, subject, scope, []) if shards else 0


@register
class DatasetsStore:
    name = "datasets"
    description = _("Training dataset snapshots (Parquet shards) until they expire")
    serves = _("Training the models of the purposes you consented to")
    models = (DatasetLineage,)
    stage = 1  # a copy of the events: erased after them
    # Snapshots carry their own expiry (DATASET_TTL_DAYS), enforced by `purge_expired`.
    retained = ()

    @property
    def kept_for(self) -> str:
        return gettext("%(days)s days after the snapshot is built, then deleted") % {
            "days": settings.DATASET_TTL_DAYS
        }

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
        """The next shards after `position` of one snapshot, as many as hold `limit` of the
        subject's rows by the lineage index (one at least), rewritten whole."""
        after = tuple(position) if position else (0, -1)
        pending = [(d, s, n) for d, s, n in _shards_of(subject, scope) if (d, s) > after]
        if not pending:
            return 0, None
        dataset_id, shards, rows = pending[0][0], [], 0
        for d, shard, n in pending:
            if d != dataset_id or (shards and rows + n > limit):
                break
            shards.append(shard)
            rows += n
        dataset = DatasetSnapshot.objects.select_for_update().get(pk=dataset_id)
        if dataset.state not in LIVE:
            return 0, [dataset_id, shards[-1]]
        return _shards_erase(dataset, shards, subject, scope, holds), [dataset_id, shards[-1]]

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
