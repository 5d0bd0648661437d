"""What the benchmarks that need interaction events share: people who consent, a day-
partitioned events table filled in bulk, and a real Celery worker."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DAYS = 10  # day partitions the rows lie over
# The events table's indexes, dropped while the table is filled and built once after:
# loading 20M rows into indexed partitions would take most of the run.
INDEXES = {
    "governance_ievent_subject_scope": "(subject, purpose_id, application_id, data_kind_id)",
    "governance_ievent_session": "(device_id, session_id, subject)",
}


def setup_people(names: list[str], *, officer_roles=None):
    """An officer, a catalogue with a published notice, `names` people consenting to every
    kind in VS Code, a capture device, and the day partitions."""
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.devices import device_create
    from governance.services.scopes import Scope
    from governance.stores.events import event_partition_create
    from tests.factories import make_catalogue, make_user, publish_notice, retention_baseline

    officer = make_user(
        "officer@bench.example", **({"roles": officer_roles} if officer_roles else {})
    )
    catalogue = make_catalogue()
    retention_baseline()  # a notice is published only over data some policy bounds
    publish_notice(officer, catalogue)
    people = {name: make_user(f"{name}@bench.example") for name in names}
    vscode = catalogue["applications"][0]
    for user in people.values():
        for kind in catalogue["kinds"]:
            consent_grant(
                employee=user.employee,
                scope=Scope(catalogue["purpose"], vscode, kind),
                actor=user,
                context=RequestContext(),
            )
    device, _ = device_create(name="bench", actor=officer)
    today = datetime.now(UTC).date()
    for offset in range(DAYS):
        event_partition_create(today - timedelta(days=offset))
    return officer, people, catalogue, device


def load(catalogue, device, rows: dict[str, int]) -> float:
    """Insert `rows` (subject SQL expression -> count) with the indexes dropped, then
    rebuild them and analyse; returns the seconds it took."""
    from django.db import connection

    from governance.models.ingestion import EVENT_TABLE

    started = time.perf_counter()
    kinds = [k.pk for k in catalogue["kinds"]]
    start = datetime.now(UTC) - timedelta(days=DAYS - 1, hours=12)
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(f"ALTER TABLE {EVENT_TABLE} DROP CONSTRAINT IF EXISTS {EVENT_TABLE}_pkey")
        for subject_sql, count in rows.items():
            cursor.execute(
                f"""INSERT INTO {EVENT_TABLE} (ts, subject, purpose_id, application_id,
                        data_kind_id, event_type, consent_version, device_id, session_id,
                        batch_id, pointer_x, pointer_y)
                    SELECT %s::timestamptz + (random() * %s) * interval '1 second',
                           {subject_sql}, %s, %s, (%s::bigint[])[1 + (g %% 6)],
                           'pointer_move', 1, %s, 's' || (g / 500), %s::uuid,
                           (g %% 1920), (g %% 1080)
                    FROM generate_series(1, %s) AS g""",
                [
                    start,
                    (DAYS - 1) * 86400,
                    catalogue["purpose"].pk,
                    catalogue["applications"][0].pk,
                    kinds,
                    device.pk,
                    "00000000-0000-4000-8000-000000000000",
                    count,
                ],
            )
        cursor.execute(f"ALTER TABLE {EVENT_TABLE} ADD PRIMARY KEY (ts, id)")
        for name, columns in INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON {EVENT_TABLE} {columns}")
        # As autovacuum leaves a table at rest: hint bits set, visibility map current.
        cursor.execute(f"VACUUM (ANALYZE) {EVENT_TABLE}")
    return time.perf_counter() - started


def start_worker(log_path: Path, *, queues: str, concurrency: int, name: str) -> subprocess.Popen:
    """A real worker on the bench database; exits the benchmark when it does not start."""
    from django.conf import settings

    from portal.celery import wait_for_heartbeat

    env = {**os.environ, "PORTAL_TESTING": "0", "SECRET_KEY": settings.SECRET_KEY}
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", queues,
             "--concurrency", str(concurrency), "-l", "INFO", "--without-mingle",
             "--without-gossip", "-n", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    if not wait_for_heartbeat(60):
        worker.kill()
        raise SystemExit(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
    return worker
