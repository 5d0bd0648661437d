"""The exports store: access packages (zips of a person's data) in the `exports` file storage.

A package is a copy of everything the other stores hold about one person, so it
is personal data of every scope at once: any erasure of the person, whatever
its scope, erases their packages (a copy left behind would still hold the
erased part). Its rows are the store's record of the files; what counts is the
file, so `count` asks the storage whether each file still exists.

Packages expire by themselves `EXPORT_TTL_DAYS` after they are built rather
than by an officer's retention policy: `purge_expired` is what retention calls
for this store. Legal holds beat both, by the package's creation time.

Legal reports share the storage and its expiry (`REPORT_TTL_DAYS`): a report about
many people is evidence, not one person's data, so erasing a person leaves it, but
it goes when it expires, in the same retention run.
"""

import time
from collections.abc import Iterator
from datetime import datetime

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext_lazy as _

from governance.models import ExportPackage, Report
from governance.stores.base import EVERYTHING, SubjectScope, register
from governance.stores.holds import HoldWindow

State = ExportPackage.State
# States whose file may still be in the storage.
WITH_FILE = (State.BUILDING, State.READY, State.FAILED, State.REVOKED)
ERASABLE = (State.READY, State.FAILED, State.REVOKED)
RESTARTED = "Started again: data of this person was erased while the package was being built."


def exports_storage():
    return storages["exports"]


def _held(package: ExportPackage, holds: list[HoldWindow]) -> bool:
    at = package.created_at
    return any(
        (w.starts is None or at >= w.starts) and (w.ends is None or at < w.ends) for w in holds
    )


def _file_exists(row: ExportPackage | Report) -> bool:
    return bool(row.file_name) and exports_storage().exists(row.file_name)


@register
class ExportsStore:
    name = "exports"
    description = _("Access packages (zips of a person's data) until they expire")
    models = (ExportPackage,)
    stage = 1  # a copy of the other stores: erased after them, like the derived stores
    # No table retention could purge by an officer's policy: packages carry their own
    # expiry (EXPORT_TTL_DAYS), which `purge_expired` enforces for retention.
    retained = ()

    def _with_files(self, subject: str):
        return ExportPackage.objects.filter(subject=subject, state__in=WITH_FILE).exclude(
            file_name=""
        )

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        # Every scope: a package holds data of all of them.
        return sum(1 for package in self._with_files(subject) if _file_exists(package))

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        return self._with_files(subject).count()

    def anything_sql(self, subject: str, scope: SubjectScope = EVERYTHING) -> tuple[str, list]:
        # Packages of every state erase_batch touches: with a file, or being built.
        sql, params = (
            ExportPackage.objects.filter(subject=subject, state__in=WITH_FILE)
            .values("pk")
            .query.sql_with_params()
        )
        return f"EXISTS ({sql})", list(params)

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        """The packages' metadata, never their contents (a package of packages would grow
        with every request)."""
        for package in self._with_files(subject).order_by("created_at", "pk"):
            if not _file_exists(package):
                continue
            yield {
                "package": package.pk,
                "request": package.request_id,
                "state": package.state,
                "created_at": package.created_at,
                "ready_at": package.ready_at,
                "expires_at": package.expires_at,
                "size_bytes": package.size_bytes,
                "sha256": package.sha256,
                "downloads": package.downloads,
            }

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        if not holds:
            return 0
        return sum(
            1
            for package in self._with_files(subject)
            if _held(package, holds) and _file_exists(package)
        )

    def erase_batch(
        self,
        subject: str,
        scope: SubjectScope,
        holds: list[HoldWindow],
        limit: int,
        position: object = None,
    ) -> tuple[int, object]:
        """Delete the files of packages no hold covers and mark their rows erased.

        The row changes in the caller's transaction; the file goes at once, because
        a file deleted and a rollback leaves a row naming a missing file (counted as
        gone, served as gone), never a file that no row names.

        A package being built has no file yet, and its request still wants one: it
        starts again (attempts reset, the restart noted in `last_error`), so a build
        that read the stores before the erasure finds the note, deletes its file
        instead of publishing it, and the package is built again from what is left."""
        ExportPackage.objects.filter(subject=subject, state=State.BUILDING).update(
            attempts=0, rows_written=0, last_error=RESTARTED
        )
        packages = list(
            ExportPackage.objects.select_for_update(of=("self",))
            .filter(subject=subject, state__in=ERASABLE)
            .order_by("pk")[:limit]
        )
        erased = 0
        for package in packages:
            if _held(package, holds):
                continue
            erased += _file_exists(package)
            _remove(package, State.ERASED)
        more = len(packages) >= limit and erased > 0
        return erased, ("more" if more else None)

    def purge_expired(self, now: datetime, holds: dict[str, list[HoldWindow]]) -> tuple[int, int]:
        """Retention for packages, in the caller's transaction (which holds the hold lock):
        delete the files of those past `expires_at` that no hold covers (`holds` by
        subject) and mark them expired. Returns (files removed, files a hold keeps)."""
        removed = held = 0
        expired = (
            ExportPackage.objects.select_for_update(of=("self",))
            .filter(state__in=WITH_FILE, expires_at__lt=now)
            .exclude(file_name="")
            .order_by("pk")
        )
        for package in expired:
            if _held(package, holds.get(package.subject, [])):
                held += 1
                continue
            removed += _file_exists(package)
            _remove(package, State.EXPIRED)
        return removed + reports_expire(now), held


def _remove(row: ExportPackage | Report, state: str) -> None:
    """Delete a package's (or a report's) file and mark it `state`."""
    if row.file_name:
        exports_storage().delete(row.file_name)
    type(row).objects.filter(pk=row.pk).update(state=state, file_name="")


def reports_expire(now: datetime) -> int:
    """Delete the files of reports past `expires_at` and mark them expired; returns how
    many files went."""
    removed = 0
    expired = (
        Report.objects.select_for_update(of=("self",))
        .filter(expires_at__lt=now)
        .exclude(file_name="")
        .order_by("pk")
    )
    for report in expired:
        removed += _file_exists(report)
        _remove(report, Report.State.EXPIRED)
    return removed


class BuildProgress:
    """Rows written so far into a package (or a report: `model`) being built, as the
    people waiting for it see it.

    Written on a connection of its own, committed at once: the build reads the stores
    inside one snapshot transaction (and streams COPY on its connection), so progress
    written there would show only at the end. At most every `interval` seconds."""

    def __init__(self, package_id: int, *, interval: float = 0.5, model=ExportPackage):
        self.package_id = package_id
        self.model = model
        self.interval = interval
        self.done = 0  # rows of the parts already written
        self._last = 0.0
        self._connection = None

    def __call__(self, rows_in_part: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._write(self.done + rows_in_part)

    def part_done(self, rows: int) -> None:
        self.done += rows
        self(0)

    def expect(self, rows: int) -> None:
        self._update("rows_expected", rows)

    def _write(self, rows: int) -> None:
        self._update("rows_written", rows)

    def _update(self, column: str, rows: int) -> None:
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.model._meta.db_table} SET {column} = %s "
                "WHERE id = %s AND state = %s",
                [rows, self.package_id, State.BUILDING],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
