from collections.abc import Iterator
from dataclasses import replace

from django.db import connection

from governance.models import ActivityDay, DataKind, DropTally, SessionRefresh, SessionSummary
from governance.stores.base import EVERYTHING, RetainedTable, SubjectScope, register
from governance.stores.events import scope_sql
from governance.stores.holds import HoldWindow, held_sql


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


@register
class SessionsStore(SmallStore):
    name = "sessions"
    description = "Per-session summaries derived from events (app, span, counts, active time)"
    # Pending refreshes name the subject too: they go with the summaries.
    models = (SessionSummary, SessionRefresh)
    stage = 1  # derived from events: erased after them, rebuilt from what is left
    # Pending refreshes are work items, not data kept: retention leaves them to the worker.
    retained = (RetainedTable("governance_sessionsummary", "started_at", ("id",), "app_counts"),)

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        where, params = _summaries_sql(scope)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM governance_sessionsummary WHERE subject = %s{where}",
                [subject, *params],
            )
            summaries = cursor.fetchone()[0]
        if scope != EVERYTHING:
            return summaries
        return summaries + SessionRefresh.objects.filter(subject=subject).count()

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
        from governance.models.ingestion import EVENT_TABLE

        where, params = _summaries_sql(scope)
        held, held_params = held_sql(holds, "started_at")
        conditions, condition_params = [held], list(held_params)
        if scope != EVERYTHING:
            source_where, source_params = scope_sql(scope, prefix="e.")
            conditions.append(
                f"""EXISTS (SELECT 1 FROM {EVENT_TABLE} e WHERE e.subject = s.subject
                    AND e.device_id = s.device_id AND e.session_id = s.session_id
                    AND e.application_id = s.application_id{source_where})"""
            )
            condition_params += source_params
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT count(*) FROM governance_sessionsummary s
                    WHERE subject = %s{where} AND ({" OR ".join(conditions)})""",
                [subject, *params, *condition_params],
            )
            return cursor.fetchone()[0]

    def _erase(self, subject: str, scope: SubjectScope, holds: list[HoldWindow], limit: int):
        """Everything: delete the summaries. A scope: rebuild them from the events left."""
        from governance.services.sessions import session_summary_rebuild

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
    description = "Daily counts of stored, redacted and dropped events per person"
    models = (ActivityDay, DropTally)
    stage = 1
    retained = (
        RetainedTable("governance_activityday", "day", ("id",), "app_kind", by_day=True),
        RetainedTable("governance_droptally", "day", ("id",), "none", by_day=True),
    )

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        where, params = _activity_sql(scope)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM governance_activityday WHERE subject = %s{where}",
                [subject, *params],
            )
            days = cursor.fetchone()[0]
        if scope != EVERYTHING:
            return days
        return days + DropTally.objects.filter(subject=subject).count()

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
        if scope == EVERYTHING:
            for row in (
                DropTally.objects.filter(subject=subject)
                .order_by("day")
                .values("day", "reason", "events")
            ):
                yield {"record": "not_stored", **row}

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
            held_days = cursor.fetchone()[0]
            if scope != EVERYTHING:
                return held_days
            cursor.execute(
                f"SELECT count(*) FROM governance_droptally WHERE subject = %s AND {held}",
                [subject, *held_params],
            )
            return held_days + cursor.fetchone()[0]

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
            deleted = cursor.rowcount
            if scope == EVERYTHING:
                cursor.execute(
                    f"DELETE FROM governance_droptally WHERE subject = %s AND NOT {held}",
                    [subject, *held_params],
                )
                deleted += cursor.rowcount
            return deleted
