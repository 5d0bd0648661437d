"""Dataset snapshots' files: Parquet shards under DATASETS_URL (any fsspec URL), and the
one read of the events table a build makes.

The Parquet schema below is a contract with the training pipelines: add columns at the
end, never rename or retype one (bump SCHEMA_VERSION if that ever must happen).
People appear only under the snapshot's own pseudonym, so no two snapshots can be
joined on a person; which person is which stays in PostgreSQL (DatasetLineage).
"""

import hashlib
import hmac
from collections.abc import Iterator

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from governance.models import DatasetSnapshot
from governance.models.ingestion import EVENT_TABLE

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
    sql = f"""SELECT e.subject, e.application_id, e.data_kind_id, e.session_id, e.id, e.ts,
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
    """Columns of rows gathered up to DATASET_SHARD_ROWS, then written as one shard."""

    def __init__(self, location: str):
        self.fs, self.root = dataset_fs(location)
        self.fs.makedirs(self.root, exist_ok=True)
        self.shards: list[dict] = []
        self._columns: dict[str, list] = {name: [] for name in SCHEMA.names}

    @property
    def index(self) -> int:
        """The index of the shard being filled."""
        return len(self.shards)

    @property
    def pending(self) -> int:
        return len(self._columns["event_id"])

    def add(self, values: tuple) -> None:
        for name, value in zip(SCHEMA.names, values, strict=True):
            self._columns[name].append(value)

    def flush(self) -> None:
        if not self.pending:
            return
        table = pa.table(self._columns, schema=SCHEMA)
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer, compression="zstd")
        data = buffer.getvalue().to_pybytes()
        name = shard_name(self.index)
        self.fs.pipe_file(f"{self.root}/{name}", data)
        self.shards.append(
            {
                "name": name,
                "rows": table.num_rows,
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        self._columns = {name: [] for name in SCHEMA.names}


def shard_read(location: str, name: str) -> pa.Table:
    fs, root = dataset_fs(location)
    with fs.open(f"{root}/{name}", "rb") as handle:
        return pq.read_table(handle)
