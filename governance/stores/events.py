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
from django.utils.translation import gettext_lazy as _

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


def _windows_within(holds: list[HoldWindow], lo: datetime | None, hi: datetime | None):
    """The hold windows that overlap [lo, hi) (None: open), so may cover rows there."""
    return [
        w
        for w in holds
        if (w.starts is None or hi is None or w.starts < hi)
        and (w.ends is None or lo is None or w.ends > lo)
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


def _ts_bounds(lo: datetime | None, hi: datetime | None) -> tuple[str, list]:
    """Conditions (after others) keeping rows with `ts` in [lo, hi); None is open."""
    sql, params = "", []
    if lo is not None:
        sql, params = " AND ts >= %s", [lo]
    if hi is not None:
        sql, params = f"{sql} AND ts < %s", [*params, hi]
    return sql, params


@dataclass(frozen=True)
class Piece:
    """A stretch of time whose rows live in one table: an attached day partition, or a
    stretch no attached day covers (its rows in DEFAULT). `rows`: the planner's estimate."""

    lo: datetime | None
    hi: datetime | None
    table: str
    rows: float


def _pieces(expected: dict[str, float], lo: datetime | None, hi: datetime | None) -> list[Piece]:
    """[lo, hi) (day boundaries or open) cut into pieces, in time order, from the plan's
    partitions. DEFAULT's estimate is one figure for every stretch it may hold: it goes
    with the stretch before all days (where retention's older days would be), once."""
    pieces: list[Piece] = []
    at = lo

    def gap(until: datetime | None) -> None:
        rows = expected.get(DEFAULT_PARTITION, 0) if at is None else 0
        pieces.append(Piece(at, until, DEFAULT_PARTITION, rows))

    for day in sorted(d for d in map(partition_day, expected) if d is not None):
        start, end = _bounds(day)
        if (lo is not None and start < lo) or (hi is not None and start >= hi):
            continue
        if at is None or at < start:
            gap(start)
        pieces.append(Piece(start, end, partition_name(day), expected[partition_name(day)]))
        at = end
    if hi is None or at is None or at < hi:
        gap(hi)
    return pieces


# At least this many rows of a subject (by the estimate) per lane before a step
# splits into lanes. Two connections deleting at once contend for writing the WAL
# (a full-page image of every page first changed since the last checkpoint): measured
# here, 2 x 50k took 15-30 ms longer than one DELETE of 100k, while 2 x 500k, their
# fresh counts at once too, beat one DELETE and one count of 1M.
LANE_LEAST = 250_000


class EventsLane:
    """The subject's rows with `ts` in [lo, hi) (None: open): a part of the events step
    that erases and verifies on its own, on a connection of its own if the engine has
    one to spare. Lanes split time, not tables: whatever partitions come or go while
    they run, every row lies in exactly one lane, and a lane's fresh count (the parent
    table, bounded by its times) sees every row of its stretch wherever it lives."""

    def __init__(self, lo=None, hi=None, planned: dict[str, float] | None = None):
        self.lo, self.hi = lo, hi
        self._planned = planned  # the plan the lanes were cut by, for the first batch
        self.expected = round(sum(p.rows for p in _pieces(planned or {}, lo, hi)))

    def _where(self, scope: SubjectScope) -> tuple[str, list]:
        where, params = scope_sql(scope)
        bounds, bound_params = _ts_bounds(self.lo, self.hi)
        return where + bounds, params + bound_params

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        """With `just_erased`, by a bitmap scan: in the transaction that deleted them, the
        index points at rows that are gone, and an index scan visits each on its own
        (about a quarter of the DELETE's time), where a bitmap scan visits each page once
        (a tenth). Rows deleted by committed transactions are the other way round: the
        bitmap scan sets their hint bits row by row, and the index scan also marks their
        entries dead, so that later scans skip them."""
        where, params = self._where(scope)
        with default_connection.cursor() as cursor:
            if not just_erased:
                cursor.execute(
                    f"SELECT count(*) FROM {EVENT_TABLE} WHERE subject = %s{where}",
                    [subject, *params],
                )
                return cursor.fetchone()[0]
            cursor.execute(
                """SELECT current_setting('enable_indexscan'),
                          current_setting('enable_indexonlyscan'),
                          set_config('enable_indexscan', 'off', true),
                          set_config('enable_indexonlyscan', 'off', true)"""
            )
            planning = cursor.fetchone()[:2]
            # As it was for the rest of the transaction, by the count itself: set_config
            # runs once the count is planned, without a round trip of its own.
            cursor.execute(
                f"""SELECT count(*), set_config('enable_indexscan', %s, true),
                           set_config('enable_indexonlyscan', %s, true)
                    FROM {EVENT_TABLE} WHERE subject = %s{where}""",
                [*planning, subject, *params],
            )
            return cursor.fetchone()[0]

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        if not holds:
            return 0
        where, params = self._where(scope)
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
        position: tuple | None = None,
    ) -> tuple[int, tuple | None]:
        """About `limit` rows of the lane, in time order; `position` says where to go on.

        The lane's time is cut into pieces: each attached day, and each stretch that no
        attached day covers (its rows are in DEFAULT). Consecutive pieces that no hold
        window overlaps, whose estimated rows fit in the batch, go in one plain DELETE of
        the parent bounded by their times: the statement a raw DELETE runs, pruned to
        those partitions; its own row count is the figure erased. The estimates plan,
        nothing counts first: statistics that are off make a batch larger or smaller
        than planned, never a row missed (the lane's fresh count is exact). A piece a
        hold overlaps, or estimated at more than twice the batch, goes `limit` rows at a
        time, chosen by ctid, never a held one. A batch expected to finish the lane may
        run to twice the limit: one more batch costs a transaction and a plan.
        """
        where, params = scope_sql(scope)
        start = self.lo if position is None else position[0]
        with default_connection.cursor() as cursor:
            expected, self._planned = self._planned, None
            if expected is None:
                expected = _rows_expected(cursor, subject, where, params)
            pieces = _pieces(expected, start, self.hi)
            ceiling = 2 * limit if sum(p.rows for p in pieces) <= 2 * limit else limit
            run: list[Piece] = []  # consecutive pieces going in one statement
            for i, piece in enumerate(pieces):
                windows = _windows_within(holds, piece.lo, piece.hi)
                room = ceiling - sum(p.rows for p in run)
                if not windows and (piece.rows <= room or (not run and piece.rows <= 2 * limit)):
                    run.append(piece)
                    continue
                if run:
                    return self._delete_run(cursor, run, subject, where, params), (piece.lo,)
                # Alone in its batch: `limit` rows by ctid, never a held one.
                held, held_params = held_sql(windows, "ts")
                bounds, bound_params = (
                    _ts_bounds(piece.lo, piece.hi) if piece.table == DEFAULT_PARTITION else ("", [])
                )
                cursor.execute(
                    f"""DELETE FROM {piece.table} WHERE ctid = ANY(ARRAY(
                            SELECT ctid FROM {piece.table}
                            WHERE subject = %s{where}{bounds} AND NOT {held} LIMIT %s))""",
                    [subject, *params, *bound_params, *held_params, limit],
                )
                if cursor.rowcount >= limit:
                    return cursor.rowcount, (piece.lo,)  # the piece may hold more
                return cursor.rowcount, ((piece.hi,) if i + 1 < len(pieces) else None)
            return (self._delete_run(cursor, run, subject, where, params) if run else 0), None

    @staticmethod
    def _delete_run(cursor, run: list[Piece], subject: str, where: str, params: list) -> int:
        bounds, bound_params = _ts_bounds(run[0].lo, run[-1].hi)
        cursor.execute(
            f"DELETE FROM {EVENT_TABLE} WHERE subject = %s{where}{bounds}",
            [subject, *params, *bound_params],
        )
        return cursor.rowcount


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
class EventsStore(EventsLane):
    """As a lane, all of time: counting, counting held rows and erasing over the whole
    table; an erasure step cuts it into `lanes` instead."""

    name = "events"
    description = _("Raw interaction events in PostgreSQL, partitioned by day")
    models = (InteractionEvent,)
    stage = 0
    retained = (
        RetainedTable(
            EVENT_TABLE, "ts", ("ts", "id"), "app_kind", partitioned=True, has_purpose=True
        ),
    )

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        where, params = scope_sql(scope)
        with default_connection.cursor() as cursor:
            return round(sum(_rows_expected(cursor, subject, where, params).values()))

    def anything_sql(self, subject: str, scope: SubjectScope = EVERYTHING) -> tuple[str, list]:
        where, params = scope_sql(scope)
        return (
            f"EXISTS (SELECT 1 FROM {EVENT_TABLE} WHERE subject = %s{where})",
            [subject, *params],
        )

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

    def lanes(self, subject: str, scope: SubjectScope, most: int) -> list[EventsLane]:
        """The subject's rows cut into up to `most` lanes of consecutive days, about
        equal by the planner's estimates, covering all time between them (the first
        open below, the last above). One lane below LANE_LEAST rows a lane."""
        where, params = scope_sql(scope)
        with default_connection.cursor() as cursor:
            expected = _rows_expected(cursor, subject, where, params)
        total = sum(expected.values())
        n = max(min(most, int(total // LANE_LEAST)), 1)
        cuts: list[datetime] = []
        done = 0.0
        for piece in _pieces(expected, None, None)[:-1]:  # the last piece ends nowhere
            done += piece.rows
            if len(cuts) < n - 1 and done >= total * (len(cuts) + 1) / n:
                cuts.append(piece.hi)
        edges = [None, *cuts, None]
        return [EventsLane(lo, hi, expected) for lo, hi in zip(edges, edges[1:], strict=False)]

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
