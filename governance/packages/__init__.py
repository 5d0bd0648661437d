"""Access package formats: a pure library (no database, no Django models).

A package is a zip whose every file is hashed as it is written; the manifest
lists each file's SHA-256, size and rows, and is signed by the caller. Writers
take iterables and write as they go, so nothing grows with the person's data.
"""

from governance.packages.summary import Art15Summary, RetentionLine, summary_html
from governance.packages.writers import (
    MANIFEST_NAME,
    BackgroundWriter,
    PackageZip,
    csv_write,
    iso_utc,
    jsonl_write,
)

__all__ = [
    "MANIFEST_NAME",
    "Art15Summary",
    "BackgroundWriter",
    "PackageZip",
    "RetentionLine",
    "csv_write",
    "iso_utc",
    "jsonl_write",
    "summary_html",
]
