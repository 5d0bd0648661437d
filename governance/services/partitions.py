"""Day partitions of the events table: created ahead by beat, strays moved out of DEFAULT.

Creating a partition for a range that the DEFAULT partition already holds rows
of fails ("updated partition constraint for default partition would be
violated"), so those rows are moved into the new table before it is attached,
all in one transaction.
"""

from datetime import UTC, date, datetime, timedelta

from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone

from governance.models.ingestion import EVENT_TABLE

DEFAULT_PARTITION = f"{EVENT_TABLE}_default"
DAYS_AHEAD = 7


def partition_name(day: date) -> str:
    return f"{EVENT_TABLE}_p{day:%Y%m%d}"


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
