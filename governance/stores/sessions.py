"""The sessions and activity stores: summaries derived from the events, per person.

Session summaries are recomputed from the events of each session a batch
touched. The to-do rows are written with the events; a worker claims them with
FOR UPDATE SKIP LOCKED and deletes them in the transaction that rewrites the
summaries, so a killed worker leaves them to be claimed again.
"""

from collections.abc import Iterator
from dataclasses import replace

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import ActivityDay, DataKind, DropTally, SessionRefresh, SessionSummary
from governance.stores.base import EVERYTHING, RetainedTable, SubjectScope, register, store
from governance.stores.events import scope_sql
from governance.stores.holds import HoldWindow, held_sql

IDLE_GAP_SECONDS = 60  # gaps longer than this between events do not count as active time


def sessions_refresh_pending(*, limit: int = 200) -> int:
    """Recompute up to `limit` pending session summaries; returns how many were done."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM governance_sessionrefresh WHERE id IN (
                   SELECT id FROM governance_sessionrefresh ORDER BY id
                   LIMIT %s FOR UPDATE SKIP LOCKED)
               RETURNING subject, device_id, session_id""",
            [limit],
        )
        claimed = cursor.fetchall()
        for subject, device_id, session_id in claimed:
            session_summary_rebuild(
                cursor, subject=subject, device_id=device_id, session_id=session_id
            )
    return len(claimed)


def session_summary_rebuild(
    cursor, *, subject: str, device_id: int, session_id: str, keep_apps: frozenset = frozenset()
) -> None:
    """Recompute one session's summaries from its events; `keep_apps` are left untouched
    (a legal hold on the sessions store freezes those summaries as they are)."""
    now = timezone.now()
    totals = store("events").session_totals(
        cursor,
        subject=subject,
        device_id=device_id,
        session_id=session_id,
        idle_gap_seconds=IDLE_GAP_SECONDS,
    )
    rows = [row for row in totals if row[0] not in keep_apps]
    cursor.execute(
        """DELETE FROM governance_sessionsummary
           WHERE subject = %s AND device_id = %s AND session_id = %s
             AND NOT (application_id = ANY(%s))""",
        [subject, device_id, session_id, [r[0] for r in rows] + sorted(keep_apps)],
    )
    if not rows:
        return
    cursor.executemany(
        """INSERT INTO governance_sessionsummary (subject, device_id, session_id,
               application_id, started_at, ended_at, events, active_seconds, counts,
               refreshed_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (subject, device_id, session_id, application_id) DO UPDATE SET
               started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
               events = EXCLUDED.events, active_seconds = EXCLUDED.active_seconds,
               counts = EXCLUDED.counts, refreshed_at = EXCLUDED.refreshed_at""",
        [
            (subject, device_id, session_id, app, start, end, n, active, counts, now)
            for app, start, end, n, active, counts in rows
        ],
    )


def _kind_slugs(scope: SubjectScope) -> list[str] | None:
    if scope.data_kind_ids is None:
        return None
    return list(DataKind.objects.filter(pk__in=scope.data_kind_ids).values_list("slug", flat=True))


def _summaries_sql(scope: SubjectScope) -> tuple[str, list]:
    """Summaries touched by a scope: of its applications, holding counts of its kinds."""
    clauses, params = [], []
    if scope.application_ids is not None:
        clauses.append("application_id = ANY(%s)")
        params.append(sorted(scope.application_ids))
    slugs = _kind_slugs(scope)
    if slugs is not None:
        clauses.append("counts ?| %s")
        params.append(slugs)
    return "".join(f" AND {c}" for c in clauses), params


class SmallStore:
    """A store small per subject: each batch is one statement, repeated while it fills."""

    def erase_batch(
        self,
        subject: str,
        scope: SubjectScope,
        holds: list[HoldWindow],
        limit: int,
        position: object = None,
    ) -> tuple[int, object]:
        done = self._erase(subject, scope, holds, limit)
        return done, ("more" if done >= limit else None)

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> None:
        return None  # few rows per subject: one batch, then the exact figure


@register
class SessionsStore(SmallStore):
    name = "sessions"
    description = _("Per-session summaries derived from events (app, span, counts, active time)")
    # Pending refreshes name the subject too: they go with the summaries.
    models = (SessionSummary, SessionRefresh)
    stage = 1  # derived from events: erased after them, rebuilt from what is left
    # Pending refreshes are work items, not data kept: retention leaves them to the worker.
    retained = (RetainedTable("governance_sessionsummary", "started_at", ("id",), "app_counts"),)

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        where, params = _summaries_sql(scope)
        sql = f"SELECT (SELECT count(*) FROM governance_sessionsummary WHERE subject = %s{where})"
        params = [subject, *params]
        if scope == EVERYTHING:  # pending refreshes go with everything
            sql += " + (SELECT count(*) FROM governance_sessionrefresh WHERE subject = %s)"
            params.append(subject)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def anything_sql(self, subject: str, scope: SubjectScope = EVERYTHING) -> tuple[str, list]:
        where, params = _summaries_sql(scope)
        sql = f"EXISTS (SELECT 1 FROM governance_sessionsummary WHERE subject = %s{where})"
        params = [subject, *params]
        if scope == EVERYTHING:
            sql += " OR EXISTS (SELECT 1 FROM governance_sessionrefresh WHERE subject = %s)"
            params.append(subject)
        return f"({sql})", params

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        rows = SessionSummary.objects.filter(subject=subject)
        if scope.application_ids is not None:
            rows = rows.filter(application_id__in=scope.application_ids)
        yield from (
            rows.order_by("started_at")
            .values(
                "device_id",
                "session_id",
                "application__slug",
                "started_at",
                "ended_at",
                "events",
                "counts",
                "active_seconds",
            )
            .iterator(chunk_size=2000)
        )

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        """Summaries a hold keeps: their own window is held, or (for a scoped erasure,
        which rebuilds summaries from the events left) in-scope source events are still
        there, which after the events step means a hold on the events keeps them."""
        where, params = _summaries_sql(scope)
        held, held_params = held_sql(holds, "started_at")
        conditions, condition_params = [held], list(held_params)
        if scope != EVERYTHING:
            sources, source_params = store("events").session_has_events_sql(scope, "s")
            conditions.append(sources)
            condition_params += source_params
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT count(*) FROM governance_sessionsummary s
                    WHERE subject = %s{where} AND ({" OR ".join(conditions)})""",
                [subject, *params, *condition_params],
            )
            return cursor.fetchone()[0]

    def device_ids(self, subject: str) -> list[int]:
        """The capture devices that recorded this person's sessions (the data's source)."""
        summaries = SessionSummary.objects.filter(subject=subject).values_list("device_id")
        pending = SessionRefresh.objects.filter(subject=subject).values_list("device_id")
        return sorted({row[0] for row in summaries.union(pending)})

    def refresh_request(self, sessions: list[tuple]) -> None:
        """Ask for (subject, device, session, requested at) to be summarised again: with
        the events, in the gateway's transaction (the worker's to-do list)."""
        with connection.cursor() as cursor:
            cursor.executemany(
                """INSERT INTO governance_sessionrefresh (subject, device_id, session_id,
                       requested_at) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (subject, device_id, session_id) DO NOTHING""",
                sessions,
            )

    def _erase(self, subject: str, scope: SubjectScope, holds: list[HoldWindow], limit: int):
        """Everything: delete the summaries. A scope: rebuild them from the events left."""
        where, params = _summaries_sql(scope)
        held, held_params = held_sql(holds, "started_at")
        with connection.cursor() as cursor:
            if scope == EVERYTHING:
                cursor.execute(
                    "DELETE FROM governance_sessionrefresh WHERE subject = %s", [subject]
                )
                refreshes = cursor.rowcount
                cursor.execute(
                    f"""DELETE FROM governance_sessionsummary WHERE id IN (
                            SELECT id FROM governance_sessionsummary
                            WHERE subject = %s AND NOT {held} LIMIT %s)""",
                    [subject, *held_params, limit],
                )
                return refreshes + cursor.rowcount
            in_scope = f"SELECT count(*) FROM governance_sessionsummary WHERE subject = %s{where}"
            cursor.execute(in_scope, [subject, *params])
            before = cursor.fetchone()[0]
            cursor.execute(
                f"""SELECT DISTINCT device_id, session_id FROM governance_sessionsummary
                    WHERE subject = %s{where} AND NOT {held} LIMIT %s""",
                [subject, *params, *held_params, limit],
            )
            for device_id, session_id in cursor.fetchall():
                cursor.execute(
                    f"""SELECT application_id FROM governance_sessionsummary
                        WHERE subject = %s AND device_id = %s AND session_id = %s AND {held}""",
                    [subject, device_id, session_id, *held_params],
                )
                frozen = frozenset(row[0] for row in cursor.fetchall())
                session_summary_rebuild(
                    cursor,
                    subject=subject,
                    device_id=device_id,
                    session_id=session_id,
                    keep_apps=frozen,
                )
            cursor.execute(in_scope, [subject, *params])
            # Summaries that left the scope: deleted, or rebuilt without its kinds.
            return max(before - cursor.fetchone()[0], 0)


def _activity_sql(scope: SubjectScope) -> tuple[str, list]:
    # Activity rows carry application and kind but no purpose.
    return scope_sql(replace(scope, purpose_ids=None))


@register
class ActivityStore(SmallStore):
    name = "activity"
    description = _("Daily counts of stored and redacted events per person")
    # The refusal tallies name a device, never a person: they are here so that the
    # store's retention policies purge them by day too, not because they hold subject data.
    models = (ActivityDay, DropTally)
    stage = 1
    retained = (
        RetainedTable("governance_activityday", "day", ("id",), "app_kind", by_day=True),
        RetainedTable(
            "governance_droptally", "day", ("id",), "none", by_day=True, per_subject=False
        ),
    )

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        where, params = _activity_sql(scope)
        sql = f"SELECT count(*) FROM governance_activityday WHERE subject = %s{where}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [subject, *params])
            return cursor.fetchone()[0]

    def anything_sql(self, subject: str, scope: SubjectScope = EVERYTHING) -> tuple[str, list]:
        where, params = _activity_sql(scope)
        return (
            f"EXISTS (SELECT 1 FROM governance_activityday WHERE subject = %s{where})",
            [subject, *params],
        )

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        days = ActivityDay.objects.filter(subject=subject)
        if scope.application_ids is not None:
            days = days.filter(application_id__in=scope.application_ids)
        if scope.data_kind_ids is not None:
            days = days.filter(data_kind_id__in=scope.data_kind_ids)
        for row in (
            days.order_by("day")
            .values(
                "day", "application__slug", "data_kind__slug", "events", "redacted", "last_recorded"
            )
            .iterator(chunk_size=2000)
        ):
            yield {"record": "stored", **row}

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        if not holds:
            return 0
        where, params = _activity_sql(scope)
        held, held_params = held_sql(holds, "day", by_day=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM governance_activityday WHERE subject = %s{where} AND {held}",
                [subject, *params, *held_params],
            )
            return cursor.fetchone()[0]

    def _erase(self, subject: str, scope: SubjectScope, holds: list[HoldWindow], limit: int):
        where, params = _activity_sql(scope)
        held, held_params = held_sql(holds, "day", by_day=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""DELETE FROM governance_activityday WHERE id IN (
                        SELECT id FROM governance_activityday
                        WHERE subject = %s{where} AND NOT {held} LIMIT %s)""",
                [subject, *params, *held_params, limit],
            )
            return cursor.rowcount

    def record(self, days: list[tuple], drops: list[tuple]) -> None:
        """Add a batch to the daily counts, in the gateway's transaction: `days` as
        (subject, day, application, data kind, events, redacted, last recorded), `drops`
        (refused events, naming no one) as (device, application or None, day, reason,
        events)."""
        with connection.cursor() as cursor:
            if days:
                cursor.executemany(
                    """INSERT INTO governance_activityday (subject, day, application_id,
                           data_kind_id, events, redacted, last_recorded)
                       VALUES (%s, %s, %s, %s, %s, %s, %s)
                       ON CONFLICT (subject, day, application_id, data_kind_id) DO UPDATE SET
                           events = governance_activityday.events + EXCLUDED.events,
                           redacted = governance_activityday.redacted + EXCLUDED.redacted,
                           last_recorded = GREATEST(governance_activityday.last_recorded,
                                                    EXCLUDED.last_recorded)""",
                    days,
                )
            if drops:
                cursor.executemany(
                    """INSERT INTO governance_droptally (device_id, application_id, day,
                           reason, events)
                       VALUES (%s, %s, %s, %s, %s)
                       ON CONFLICT (device_id, application_id, day, reason) DO UPDATE SET
                           events = governance_droptally.events + EXCLUDED.events""",
                    drops,
                )
