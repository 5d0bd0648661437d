from collections.abc import Iterator

from django.db import connection

from governance.models import InteractionEvent
from governance.models.ingestion import EVENT_TABLE
from governance.stores.base import EVERYTHING, RetainedTable, SubjectScope, register
from governance.stores.holds import HoldWindow, held_sql

EXPORT_COLUMNS = (
    "ts, event_type, application_id, data_kind_id, purpose_id, consent_version, device_id, "
    "session_id, key_code, key_char, redaction, pointer_x, pointer_y, button, scroll_dx, "
    "scroll_dy, menu_path, title_hash"
)


def scope_sql(scope: SubjectScope, prefix: str = "") -> tuple[str, list]:
    """SQL conditions (after the subject) for a scope, with their parameters."""
    clauses, params = [], []
    for column, ids in (
        ("purpose_id", scope.purpose_ids),
        ("application_id", scope.application_ids),
        ("data_kind_id", scope.data_kind_ids),
    ):
        if ids is not None:
            clauses.append(f"{prefix}{column} = ANY(%s)")
            params.append(sorted(ids))
    return "".join(f" AND {c}" for c in clauses), params


@register
class EventsStore:
    name = "events"
    description = "Raw interaction events in PostgreSQL, partitioned by day"
    models = (InteractionEvent,)
    stage = 0
    retained = (RetainedTable(EVENT_TABLE, "ts", ("ts", "id"), "app_kind", partitioned=True),)

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        where, params = scope_sql(scope)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {EVENT_TABLE} WHERE subject = %s{where}",
                [subject, *params],
            )
            return cursor.fetchone()[0]

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        """Stream rows with a server-side cursor: never a subject's whole history in memory."""
        where, params = scope_sql(scope)
        names = [c.strip() for c in EXPORT_COLUMNS.split(",")]
        with connection.cursor() as django_cursor:
            raw = django_cursor.cursor.connection.cursor(name="events_export")
            try:
                raw.itersize = 5000
                raw.execute(
                    f"SELECT {EXPORT_COLUMNS} FROM {EVENT_TABLE} "
                    f"WHERE subject = %s{where} ORDER BY ts, id",
                    [subject, *params],
                )
                for row in raw:
                    yield dict(zip(names, row, strict=True))
            finally:
                raw.close()

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        if not holds:
            return 0
        where, params = scope_sql(scope)
        held, held_params = held_sql(holds, "ts")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {EVENT_TABLE} WHERE subject = %s{where} AND {held}",
                [subject, *params, *held_params],
            )
            return cursor.fetchone()[0]

    def erase_batch(
        self,
        subject: str,
        scope: SubjectScope,
        holds: list[HoldWindow],
        limit: int,
        position: int | None = None,
    ) -> tuple[int, int | None]:
        """One batch from one day partition at a time, by ctid: each DELETE is a plain
        index scan of one table, with no join back through the partitioned parent.
        `position` is the index of the partition being worked on."""
        from governance.services.partitions import DEFAULT_PARTITION, event_partitions

        partitions = [*event_partitions(), DEFAULT_PARTITION]
        where, params = scope_sql(scope)
        held, held_params = held_sql(holds, "ts")
        index = position or 0
        total = 0
        with connection.cursor() as cursor:
            # Fill one batch from as many partitions as it takes: fewer commits.
            while index < len(partitions) and total < limit:
                table = partitions[index]
                cursor.execute(
                    f"""DELETE FROM {table} WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM {table}
                            WHERE subject = %s{where} AND NOT {held} LIMIT %s))""",
                    [subject, *params, *held_params, limit - total],
                )
                deleted = cursor.rowcount
                total += deleted
                if total >= limit:
                    return total, index  # this partition may hold more
                index += 1
        return total, (index if index < len(partitions) and total else None)
