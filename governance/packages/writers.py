"""Streaming writers: zip members hashed as they are written, JSON Lines and CSV."""

import csv
import hashlib
import io
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

import orjson

MANIFEST_NAME = "manifest.json"
# Rows between progress calls: often enough for a bar, rarely enough to cost nothing.
PROGRESS_EVERY = 10_000


class HashedMember(io.RawIOBase):
    """One file in the zip: bytes go to the compressor and into its SHA-256 as written."""

    def __init__(self, stream):
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._stream.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


class PackageZip:
    """A zip being written to a file object, with a record of every member for the manifest.

    Deflate at level 1: the package is built while the person waits, and level 1 keeps
    most of the size gain at a fraction of the time of the default level.
    """

    def __init__(self, fileobj):
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.files: dict[str, dict] = {}

    def member(self, name: str, write: Callable[[HashedMember], int | None]) -> int | None:
        """Write one file through `write(out)`, which returns its rows (or None)."""
        with self.zip.open(name, "w", force_zip64=True) as stream:
            out = HashedMember(stream)
            rows = write(out)
        self.files[name] = {"sha256": out.sha256.hexdigest(), "bytes": out.size}
        if rows is not None:
            self.files[name]["rows"] = rows
        return rows

    def write_bytes(self, name: str, data: bytes) -> None:
        self.member(name, lambda out: out.write(data) and None)

    def close(self) -> None:
        self.zip.close()


def iso_utc(value):
    """ISO 8601 in UTC with a Z for datetimes, ISO dates; anything else unchanged."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _default(value):
    return str(value)  # UUIDs, Decimals: their canonical text


JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_APPEND_NEWLINE


def jsonl_write(out, rows: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
    """One JSON object per line, datetimes as ISO 8601 UTC; returns the rows written."""
    n = 0
    for row in rows:
        out.write(orjson.dumps(row, default=_default, option=JSON_OPTIONS))
        n += 1
        if progress and n % PROGRESS_EVERY == 0:
            progress(n)
    return n


def csv_write(
    out,
    rows: Iterable[dict],
    columns: list[str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """CSV with one header row, times as ISO 8601 UTC, nested values as JSON."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        n += 1
        if progress and n % PROGRESS_EVERY == 0:
            progress(n)
    text.flush()
    text.detach()
    return n


def _cell(value):
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return iso_utc(value)


class BackgroundWriter:
    """Writes blocks to `out` from a thread of its own, while the caller reads the next.

    Compressing and hashing release the GIL, so a stream read from the database
    (COPY) and its compression overlap instead of taking turns. At most `depth`
    blocks wait in between: memory stays bounded whatever the stream's size.
    Use as a context manager; an error in the thread is raised on leaving it."""

    def __init__(self, out, *, depth: int = 8):
        self._out = out
        self._blocks: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="package-writer", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def write(self, data) -> int:
        if self._error is not None:
            raise self._error
        self._blocks.put(bytes(data))  # a copy: the caller reuses its buffer
        return len(data)

    def _drain(self) -> None:
        while (block := self._blocks.get()) is not None:
            if self._error is None:
                try:
                    self._out.write(block)
                except BaseException as exc:  # handed to the caller on leaving
                    self._error = exc

    def __exit__(self, *exc_info):
        self._blocks.put(None)
        self._thread.join()
        if self._error is not None and exc_info[0] is None:
            raise self._error
        return False
