"""A tabular report's rows into a file: CSV, JSON Lines or PDF.

CSV of a kind with one SQL statement is PostgreSQL's own `COPY ... TO STDOUT`, passed
through block by block; JSON Lines and the PDF read the same statement through a
server-side cursor. Either way memory stays flat however many rows there are. Times
come out of the SQL already as ISO 8601 UTC text.
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterator

import orjson
from django.db import connection

from governance.reports.base import Period, TabularReport

CHUNK = 5000
BLOCK = 1 << 20
Progress = Callable[[int], None]


class HashedFile:
    """A write-only binary file over `raw` that hashes and counts what goes through, in
    blocks of a megabyte: rows arrive one by one, and a call per row to the file and to
    the hash costs more than the hashing itself."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._buffer = bytearray()

    def write(self, data) -> int:
        self._buffer += data
        if len(self._buffer) >= BLOCK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self.sha256.update(self._buffer)
            self.raw.write(self._buffer)
            self.size += len(self._buffer)
            self._buffer.clear()

    def tell(self) -> int:
        return self.size + len(self._buffer)

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


def rows_of(kind: TabularReport, period: Period, filters: dict) -> Iterator[tuple]:
    """The kind's rows, streamed (a server-side cursor inside the caller's transaction)."""
    statement = kind.query(period, filters)
    if statement is None:
        yield from kind.rows(period, filters)
        return
    sql, args = statement
    with connection.connection.cursor(name="report_rows") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(sql, args)
        yield from cursor


def count_of(kind: TabularReport, period: Period, filters: dict) -> int:
    statement = kind.query(period, filters)
    if statement is None:
        return sum(1 for _ in kind.rows(period, filters))
    sql, args = statement
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS report", args)
        return cursor.fetchone()[0]


def estimate_of(kind: TabularReport, period: Period, filters: dict) -> int | None:
    """The planner's guess of the rows, for a progress bar: free, unlike a count."""
    statement = kind.query(period, filters)
    if statement is None:
        return None
    sql, args = statement
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", args)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str | bytes):
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def write_csv(kind: TabularReport, period: Period, filters: dict, out, progress: Progress) -> int:
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(kind.columns)
    out.write(header.getvalue().encode())
    statement = kind.query(period, filters)
    if statement is None:
        return _csv_rows(kind.rows(period, filters), out, progress)
    sql, args = statement
    written = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # libpq hands COPY TO data over one row at a time: each block is a row.
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", args) as copy:
            for block in copy:
                out.write(block)
                written += 1
                if not written % CHUNK:
                    progress(written)
        return cursor.rowcount


def _csv_rows(rows: Iterator[tuple], out, progress: Progress) -> int:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    written = 0
    for row in rows:
        writer.writerow("" if value is None else value for value in row)
        written += 1
        if not written % CHUNK:
            out.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
            progress(written)
    out.write(text.getvalue().encode())
    return written


def write_jsonl(kind: TabularReport, period: Period, filters: dict, out, progress: Progress) -> int:
    columns = kind.columns
    written = 0
    for row in rows_of(kind, period, filters):
        out.write(orjson.dumps(dict(zip(columns, row, strict=True)), default=str) + b"\n")
        written += 1
        if written % CHUNK == 0:
            progress(written)
    return written
