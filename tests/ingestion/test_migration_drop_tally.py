"""The migration that stops tallying refusals per person: old rows in, no person out."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "governance"


def migration_named(executor: MigrationExecutor, suffix: str) -> tuple[str, str]:
    """This migration's key whatever number it gets when branches are merged."""
    [key] = [k for k in executor.loader.graph.nodes if k[0] == APP and k[1].endswith(suffix)]
    return key


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(target)


@pytest.fixture
def around(transactional_db):
    """(the migration before, this one); the schema is back at the newest afterwards."""
    executor = MigrationExecutor(connection)
    per_device = migration_named(executor, "_drop_tally_per_device")
    [before] = executor.loader.graph.node_map[per_device].parents
    yield before.key, per_device
    migrate(executor.loader.graph.leaf_nodes())


def test_per_person_tallies_become_one_row_per_day_and_reason_naming_no_one(around):
    before, per_device = around
    migrate([before])
    day, other_day = date(2026, 11, 2), date(2026, 11, 3)
    with connection.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO governance_droptally (subject, day, reason, events)
               VALUES (%s, %s, %s, %s)""",
            [
                ("sub_alice", day, "no_consent", 40),
                ("sub_bob", day, "no_consent", 2),
                ("sub_alice", day, "restricted", 7),
                ("sub_carol", other_day, "no_consent", 5),
            ],
        )

    migrate([per_device])

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT device_id, application_id, day, reason, events
               FROM governance_droptally ORDER BY day, reason"""
        )
        rows = cursor.fetchall()
        cursor.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_name = 'governance_droptally'"""
        )
        columns = {name for (name,) in cursor.fetchall()}
    assert rows == [
        (None, None, day, "no_consent", 42),
        (None, None, day, "restricted", 7),
        (None, None, other_day, "no_consent", 5),
    ]
    assert "subject" not in columns
    assert "sub_alice" not in repr(rows)


def test_going_back_leaves_no_tallies_rather_than_inventing_whose_they_were(around):
    before, _ = around
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO governance_droptally (device_id, application_id, day, reason, events)
               VALUES (NULL, NULL, '2026-11-02', 'no_consent', 3)"""
        )
    migrate([before])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM governance_droptally")
        assert cursor.fetchone()[0] == 0
