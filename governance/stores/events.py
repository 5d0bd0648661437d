"""The events store: raw interaction events in one table range-partitioned by day on `ts`.

Every statement that reads or writes the events table lives here: the
gateway's COPY and its retroactive redaction, the per-session totals the
sessions store summarises, erasure, and the day partitions retention drops.

Day partitions are created ahead by beat, strays moved out of DEFAULT.
Creating a partition for a range that the DEFAULT partition already holds rows
of fails ("updated partition constraint for default partition would be
violated"), so those rows are moved into the new table before it is attached,
all in one transaction.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone

from governance.models import Application, DataKind, InteractionEvent, Purpose
from governance.models.ingestion import EVENT_TABLE
from governance.stores.base import EVERYTHING, RetainedTable, SubjectScope, register
from governance.stores.holds import HoldWindow, held_sql

DEFAULT_PARTITION = f"{EVENT_TABLE}_default"
DAYS_AHEAD = 7

EXPORT_COLUMNS = (
    "ts, event_type, application_id, data_kind_id, purpose_id, consent_version, device_id, "
    "session_id, key_code, key_char, redaction, pointer_x, pointer_y, button, scroll_dx, "
    "scroll_dy, menu_path, title_hash"
)
# What the gateway's rows hold, in this order.
COPY_COLUMNS = (
    "ts, subject, purpose_id, application_id, data_kind_id, event_type, consent_version, "
    "device_id, session_id, batch_id, key_code, key_char, redaction, pointer_x, pointer_y, "
    "button, scroll_dx, scroll_dy, menu_path, title_hash"
)
COPY_TYPES = [
    "timestamptz", "varchar", "int8", "int8", "int8", "varchar", "int4",
    "int8", "varchar", "uuid", "varchar", "varchar", "varchar", "int4", "int4",
    "varchar", "int4", "int4", "jsonb", "varchar",
]  # fmt: skip

# The events as a person reads them in their access package: names for ids, times in
# ISO 8601 UTC, in time order. `{where}` is the scope (conditions on `e.`). Names come
# from the catalogue as JSON objects (id -> slug) passed in: a lookup per row costs less
# than joining three tables to a million rows.
CSV_EXPORT_SQL = f"""COPY (
    SELECT to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
           e.event_type, %s::jsonb ->> e.application_id::text AS application,
           %s::jsonb ->> e.data_kind_id::text AS data_kind,
           %s::jsonb ->> e.purpose_id::text AS purpose,
           e.consent_version, e.device_id, e.session_id, e.key_code, e.key_char,
           e.redaction, e.pointer_x, e.pointer_y, e.button, e.scroll_dx, e.scroll_dy,
           e.menu_path, e.title_hash
    FROM {EVENT_TABLE} e
    WHERE e.subject = %s{{where}}
    ORDER BY e.ts, e.id
) TO STDOUT (FORMAT CSV, HEADER)"""
CSV_BLOCK_BYTES = 1 << 16

# ---------------------------------------------------------------------------
# Day partitions


def partition_name(day: date) -> str:
    return f"{EVENT_TABLE}_p{day:%Y%m%d}"


def partition_day(partition: str) -> date | None:
    """The day a partition holds, or None for a table not named as a day partition."""
    try:
        day = datetime.strptime(partition.removeprefix(f"{EVENT_TABLE}_p"), "%Y%m%d").date()
    except ValueError:
        return None
    return day if partition_name(day) == partition else None


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def event_partitions(connection=None) -> list[str]:
    """Names of the attached day partitions, oldest first."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
               WHERE p.relname = %s AND c.relname <> %s ORDER BY c.relname""",
            [EVENT_TABLE, DEFAULT_PARTITION],
        )
        return [row[0] for row in cursor.fetchall()]


def event_partition_create(day: date, connection=None) -> bool:
    """Create the partition for `day` if missing; returns True when it was created."""
    connection = connection or default_connection
    name = partition_name(day)
    start, end = _bounds(day)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            return False
        # Lock out writers to the parent while rows move and the partition attaches.
        cursor.execute(f"LOCK TABLE {EVENT_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {EVENT_TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"""WITH moved AS (
                    DELETE FROM {DEFAULT_PARTITION} WHERE ts >= %s AND ts < %s RETURNING *
                ) INSERT INTO {name} SELECT * FROM moved""",
            [start, end],
        )
        cursor.execute(
            f"ALTER TABLE {EVENT_TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )
    return True


def event_partitions_ensure(*, days_ahead: int = DAYS_AHEAD, connection=None) -> list[str]:
    """Make sure yesterday, today and the next `days_ahead` days have partitions."""
    today = timezone.now().astimezone(UTC).date()
    created = []
    for offset in range(-1, days_ahead + 1):
        day = today + timedelta(days=offset)
        if event_partition_create(day, connection=connection):
            created.append(partition_name(day))
    return created


def event_partitions_adopt_strays(connection=None) -> list[str]:
    """Give every day that has rows in DEFAULT a partition of its own."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM {DEFAULT_PARTITION} ORDER BY 1"
        )
        days = [row[0] for row in cursor.fetchall()]
    return [partition_name(d) for d in days if event_partition_create(d, connection=connection)]


@dataclass(frozen=True)
class DayVolume:
    """The planner's estimate of one day partition's events, in all and per catalogue id."""

    day: date
    events: int
    by_application: dict[int, int]
    by_data_kind: dict[int, int]


def event_volume_estimates(*, since: date, connection=None) -> list[DayVolume]:
    """Events per day partition from `since` on, estimated from the statistics ANALYZE
    keeps (row count and most common values): no event is read, so it costs the same
    at ten million events as at ten. A partition never analyzed counts as empty.
    """
    connection = connection or default_connection
    first = partition_name(since)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.reltuples FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = %s::regclass AND c.relname >= %s ORDER BY c.relname""",
            [EVENT_TABLE, first],
        )
        days = {
            name: {"events": max(int(rows), 0), "application_id": {}, "data_kind_id": {}}
            for name, rows in cursor.fetchall()
            if partition_day(name) is not None
        }
        # pg_stats filtered on its own columns: joined to pg_class it is read whole.
        cursor.execute(
            """SELECT tablename, attname, most_common_vals::text, most_common_freqs
               FROM pg_stats WHERE schemaname = current_schema() AND tablename LIKE %s
                 AND tablename >= %s AND attname IN ('application_id', 'data_kind_id')""",
            [f"{EVENT_TABLE}_p%", first],
        )
        for name, column, values, freqs in cursor.fetchall():
            day = days.get(name)
            if day is None or not values:
                continue
            ids = [int(v) for v in values.strip("{}").split(",") if v]
            day[column] = {i: round(day["events"] * f) for i, f in zip(ids, freqs, strict=True)}
    return [
        DayVolume(
            day=partition_day(name),
            events=day["events"],
            by_application=day["application_id"],
            by_data_kind=day["data_kind_id"],
        )
        for name, day in days.items()
    ]


# ---------------------------------------------------------------------------
# The store


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


def _slugs(model) -> str:
    return json.dumps({str(pk): slug for pk, slug in model.objects.values_list("pk", "slug")})


def _windows_over(holds: list[HoldWindow], partition: str) -> list[HoldWindow]:
    """The hold windows that may cover rows of this partition: those overlapping its
    day (a day partition's rows all lie in that day), or all of them for DEFAULT."""
    day = partition_day(partition)
    if day is None:
        return holds
    start, end = _bounds(day)
    return [
        w
        for w in holds
        if (w.starts is None or w.starts < end) and (w.ends is None or w.ends > start)
    ]


def _rows_expected(cursor, subject: str, where: str, params: list) -> dict[str, float]:
    """The planner's estimate of each partition's rows in scope (from its statistics),
    all from one EXPLAIN of the parent."""
    cursor.execute(
        f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {EVENT_TABLE} WHERE subject = %s{where}",
        [subject, *params],
    )
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    expected: dict[str, float] = {}
    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Relation Name" in node:
            expected[node["Relation Name"]] = node["Plan Rows"]
        nodes += node.get("Plans", [])
    return expected


def _follows(days: list[str], partition: str) -> bool:
    """Whether `partition` is the day after the last of `days` (or `days` is empty).
    DEFAULT holds no row of an attached day: a run of consecutive days bounds a
    statement to exactly their partitions."""
    if not days:
        return True
    day, last = partition_day(partition), partition_day(days[-1])
    return day is not None and last is not None and day == last + timedelta(days=1)


def _run_source(tables: list[str]) -> tuple[str, str, list]:
    """Where a statement over `tables` reads: one partition (such as DEFAULT) by name, or
    consecutive day partitions through the parent, bounded by their days (the planner
    prunes it to exactly those partitions)."""
    if len(tables) == 1:
        return tables[0], "", []
    start, end = _bounds(partition_day(tables[0]))[0], _bounds(partition_day(tables[-1]))[1]
    return EVENT_TABLE, " AND ts >= %s AND ts < %s", [start, end]


def _delete_days(cursor, tables: list[str], subject: str, where: str, params: list) -> int:
    """One plain DELETE of the rows in scope of consecutive day partitions, or of one
    partition such as DEFAULT."""
    source, bounds, bound_params = _run_source(tables)
    cursor.execute(
        f"DELETE FROM {source} WHERE subject = %s{where}{bounds}",
        [subject, *params, *bound_params],
    )
    return cursor.rowcount


def _rows_capped(cursor, tables: list[str], subject: str, where, params, cap: int) -> int:
    """The rows in scope of `tables`, exactly, but never more than `cap`: the subject's
    index is read for at most `cap` entries, so checking a batch costs at most its size.
    Each partition by name, without the days' bounds: the subject's index then answers
    alone (an index-only scan), where a condition on `ts` would visit every row."""
    branches = " UNION ALL ".join(f"SELECT 1 FROM {t} WHERE subject = %s{where}" for t in tables)
    cursor.execute(
        f"SELECT count(*) FROM ({branches} LIMIT %s) capped",
        [*[subject, *params] * len(tables), cap],
    )
    return cursor.fetchone()[0]


# Per application of one session: first and last event, events, active seconds (gaps up
# to the idle gap), and counts by data kind slug. The sessions store summarises these.
SESSION_TOTALS_SQL = f"""
WITH ev AS (
    SELECT application_id, data_kind_id, ts,
           EXTRACT(EPOCH FROM ts - lag(ts) OVER (PARTITION BY application_id ORDER BY ts)) AS gap
    FROM {EVENT_TABLE}
    WHERE device_id = %(device)s AND session_id = %(session)s AND subject = %(subject)s
), per_kind AS (
    SELECT application_id, dk.slug, count(*) AS n
    FROM ev JOIN governance_datakind dk ON dk.id = ev.data_kind_id
    GROUP BY application_id, dk.slug
)
SELECT ev.application_id, min(ts), max(ts), count(*),
       coalesce(sum(gap) FILTER (WHERE gap <= %(idle_gap)s), 0)::bigint,
       (SELECT jsonb_object_agg(slug, n) FROM per_kind p
         WHERE p.application_id = ev.application_id)
FROM ev GROUP BY ev.application_id
"""


@register
class EventsStore:
    name = "events"
    description = "Raw interaction events in PostgreSQL, partitioned by day"
    models = (InteractionEvent,)
    stage = 0
    retained = (
        RetainedTable(
            EVENT_TABLE, "ts", ("ts", "id"), "app_kind", partitioned=True, has_purpose=True
        ),
    )

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        """With `just_erased`, by a bitmap scan: in the transaction that deleted them, the
        index points at rows that are gone, and an index scan visits each on its own
        (about a quarter of the DELETE's time), where a bitmap scan visits each page once
        (a tenth). Rows deleted by committed transactions are the other way round: the
        bitmap scan sets their hint bits row by row, and the index scan also marks their
        entries dead, so that later scans skip them."""
        where, params = scope_sql(scope)
        with default_connection.cursor() as cursor:
            if just_erased:
                cursor.execute(
                    """SELECT current_setting('enable_indexscan'),
                              current_setting('enable_indexonlyscan'),
                              set_config('enable_indexscan', 'off', true),
                              set_config('enable_indexonlyscan', 'off', true)"""
                )
                planning = cursor.fetchone()[:2]
            cursor.execute(
                f"SELECT count(*) FROM {EVENT_TABLE} WHERE subject = %s{where}",
                [subject, *params],
            )
            found = cursor.fetchone()[0]
            if just_erased:  # as it was, for the rest of the transaction
                cursor.execute(
                    """SELECT set_config('enable_indexscan', %s, true),
                              set_config('enable_indexonlyscan', %s, true)""",
                    planning,
                )
            return found

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        where, params = scope_sql(scope)
        with default_connection.cursor() as cursor:
            return round(sum(_rows_expected(cursor, subject, where, params).values()))

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        """Stream rows with a server-side cursor: never a subject's whole history in memory."""
        where, params = scope_sql(scope)
        names = [c.strip() for c in EXPORT_COLUMNS.split(",")]
        with default_connection.cursor() as django_cursor:
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

    def export_csv(
        self,
        subject: str,
        out,
        scope: SubjectScope = EVERYTHING,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write the subject's events as CSV (one header row, times ISO 8601 UTC, names
        instead of ids) to the binary stream `out`, straight from `COPY ... TO STDOUT`;
        returns the rows written. PostgreSQL formats every row: Python only moves
        blocks, so this runs near the speed of a raw COPY and holds one block at a time."""
        where, params = scope_sql(scope, prefix="e.")
        rows = -1  # the header is the first line
        block = bytearray()
        with default_connection.cursor() as django_cursor:
            statement = CSV_EXPORT_SQL.format(where=where)
            names = [_slugs(model) for model in (Application, DataKind, Purpose)]
            with django_cursor.cursor.copy(statement, [*names, subject, *params]) as copy:
                for line in copy:  # one row per line, as libpq hands them over
                    block += line
                    rows += 1
                    if len(block) >= CSV_BLOCK_BYTES:
                        out.write(block)
                        block.clear()
                        if progress:
                            progress(rows)
        out.write(block)
        return max(rows, 0)

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        if not holds:
            return 0
        where, params = scope_sql(scope)
        held, held_params = held_sql(holds, "ts")
        with default_connection.cursor() as cursor:
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
        position: str | None = None,
    ) -> tuple[int, str | None]:
        """About `limit` rows, day partition after day partition; `position` names the
        partition to go on with.

        Consecutive days that no hold window overlaps, whose rows in scope fit in what is
        left of the batch, go in one plain DELETE bounded by their days: the statement a
        raw DELETE runs, pruned to those partitions. Which days fit is planned from the
        planner's estimates, and checked by an exact count capped just past the room
        before each plain DELETE: stale statistics must never let one statement run far
        past its batch, holding the holds lock and outliving the step's lease. When the
        check fails, the run's days are counted exactly (each capped) and planned again.
        A partition with a hold over its day, or too large for the batch, goes `limit`
        rows at a time, chosen by ctid, never a held one. A partition alone in its batch
        may hold up to twice `limit`: going by ctid costs more than the batch running over;
        so may a batch that is expected to finish the step.
        """
        where, params = scope_sql(scope)
        total = 0
        with default_connection.cursor() as cursor:
            expected = _rows_expected(cursor, subject, where, params)
            # Nothing in the statement prunes: its plan names every attached partition
            # (as event_partitions() would, in the same order, DEFAULT last).
            attached = sorted(t for t in expected if t != DEFAULT_PARTITION)
            partitions = [*attached, DEFAULT_PARTITION]
            # A partition dropped since the last batch: start over, the rest are quick.
            first = partitions.index(position) if position in partitions else 0
            tables = partitions[first:]
            # A batch that can finish the step may run to twice the limit: one more batch
            # costs a transaction and a plan, and leaves the fresh count rows deleted by
            # committed batches to read (twice as slow as rows its own deletes removed).
            ceiling = 2 * limit if sum(expected.get(t, 0) for t in tables) <= 2 * limit else limit
            exact: set[str] = set()  # tables whose `expected` is a fresh exact count
            plain: list[str] = []  # consecutive days going in one statement

            def flush() -> bool:
                """Delete the run in `plain`, after checking that it fits; False (and
                nothing deleted) when it does not, its days then counted exactly."""
                nonlocal total
                run = plain.copy()
                plain.clear()
                if not run:
                    return True
                room = 2 * limit if len(run) == 1 and not total else ceiling - total
                most = 2 * limit + 1
                if not exact.issuperset(run):
                    found = _rows_capped(cursor, run, subject, where, params, room + 1)
                    if found > room:
                        counted = 0
                        for table in run:  # up to the first day past the room
                            # Capped past any room a batch gives: a capped count never fits.
                            n = _rows_capped(cursor, [table], subject, where, params, most)
                            expected[table], counted = n, counted + n
                            exact.add(table)
                            if counted > room:
                                break
                        return False
                total += _delete_days(cursor, run, subject, where, params)
                return True

            i = 0
            while True:
                table = tables[i] if i < len(tables) else None
                fits = False
                if table is not None:
                    room = ceiling - total - sum(expected.get(t, 0) for t in plain)
                    if not total and not plain:
                        room = 2 * limit
                    fits = not _windows_over(holds, table) and expected.get(table, 0) <= room
                    if fits and table != DEFAULT_PARTITION and _follows(plain, table):
                        plain.append(table)
                        i += 1
                        continue
                if plain:
                    run_start = tables.index(plain[0])
                    if not flush():
                        i = run_start  # plan the run again by its exact counts
                        continue
                if table is None:
                    return total, None
                if fits:
                    plain.append(table)  # a day after a gap, or DEFAULT: a run of its own
                    i += 1
                    continue
                if total:
                    return total, table  # a batch of its own
                held, held_params = held_sql(_windows_over(holds, table), "ts")
                cursor.execute(
                    f"""DELETE FROM {table} WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM {table}
                            WHERE subject = %s{where} AND NOT {held} LIMIT %s))""",
                    [subject, *params, *held_params, limit],
                )
                total += cursor.rowcount
                if cursor.rowcount >= limit:
                    return total, table  # this partition may hold more
                i += 1

    # -- for the ingestion gateway, inside its batch's transaction --------------

    def copy(self, rows: Iterable[tuple]) -> None:
        """COPY rows (in COPY_COLUMNS order) into the table, in binary."""
        cursor = default_connection.cursor().cursor  # psycopg's own cursor, for COPY
        with cursor.copy(f"COPY {EVENT_TABLE} ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(COPY_TYPES)
            for row in rows:
                copy.write_row(row)

    def redact_keys(
        self,
        *,
        device_id: int,
        session_id: str,
        subject: str,
        first: datetime,
        before: datetime | None,
        end: datetime,
        batch_id,
        lead_events: int,
        char: str,
        redaction: str,
    ) -> list[tuple[datetime, int, int]]:
        """Redact a session's key events stored in clear by batches other than `batch_id`,
        from `first` (or up to `lead_events` key_downs after `before` that left nothing in
        the text) to `end`; returns (ts, application, data kind) of each row redacted."""
        scope = [device_id, session_id, subject]
        with default_connection.cursor() as cursor:
            if before is not None and before < first:
                # Events right before the first character that left nothing in the text.
                cursor.execute(
                    f"""SELECT min(ts) FROM (
                           SELECT ts FROM {EVENT_TABLE}
                           WHERE device_id = %s AND session_id = %s AND subject = %s
                             AND event_type = 'key_down' AND ts > %s AND ts < %s
                             AND batch_id <> %s
                           ORDER BY ts DESC LIMIT %s) lead""",
                    [*scope, before, first, batch_id, lead_events],
                )
                lead = cursor.fetchone()[0]
                if lead is not None:
                    first = lead
            cursor.execute(
                f"""UPDATE {EVENT_TABLE}
                    SET key_char = %s, key_code = NULL, redaction = %s
                    WHERE device_id = %s AND session_id = %s AND subject = %s
                      AND ts >= %s AND ts <= %s AND batch_id <> %s
                      AND event_type IN ('key_down', 'key_up') AND redaction IS NULL
                      AND (key_code IS NOT NULL OR key_char IS NOT NULL)
                    RETURNING ts, application_id, data_kind_id""",
                [char, redaction, *scope, first, end, batch_id],
            )
            return cursor.fetchall()

    # -- for the sessions store, which is derived from these rows ---------------

    def session_totals(
        self, cursor, *, subject: str, device_id: int, session_id: str, idle_gap_seconds: int
    ) -> list[tuple]:
        """Per application of one session: (application, started, ended, events, active
        seconds, counts by kind)."""
        cursor.execute(
            SESSION_TOTALS_SQL,
            {
                "device": device_id,
                "session": session_id,
                "subject": subject,
                "idle_gap": idle_gap_seconds,
            },
        )
        return cursor.fetchall()

    def session_has_events_sql(self, scope: SubjectScope, summary: str) -> tuple[str, list]:
        """A condition true when the session summary aliased `summary` still has source
        events of its application in `scope`, with its parameters."""
        where, params = scope_sql(scope, prefix="e.")
        return (
            f"""EXISTS (SELECT 1 FROM {EVENT_TABLE} e WHERE e.subject = {summary}.subject
                AND e.device_id = {summary}.device_id AND e.session_id = {summary}.session_id
                AND e.application_id = {summary}.application_id{where})""",
            params,
        )

    # -- for retention ----------------------------------------------------------

    def partition_drop(self, cursor, partition: str) -> None:
        """Detach a day partition and drop it, in the caller's transaction (which has
        checked, under the hold lock, that nothing in it may stay)."""
        cursor.execute(f"ALTER TABLE {EVENT_TABLE} DETACH PARTITION {partition}")
        cursor.execute(f"DROP TABLE {partition}")
