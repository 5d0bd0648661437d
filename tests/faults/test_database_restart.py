"""PostgreSQL restarted under load: clients see 503 + Retry-After, never 500; every
batch answered 200 is stored exactly once; an erasure job ends with one receipt.

The PostgreSQL restarted here is this session's own (see conftest), never the
machine's.
"""

import threading
import time
import uuid

import pytest
import requests
from django.db import connection

from governance.models import IngestBatch, InteractionEvent
from governance.models.ingestion import EVENT_TABLE
from governance.services.erasure import erasure_job_create
from tests.erasure.test_faults import (
    assert_erased_exactly_once,
    brake_mid_step,
    events_step,
    feed_events,
    settle,
)
from tests.factories import PASSWORD, make_user
from tests.faults.conftest import (
    CLIENTS,
    CaptureClient,
    RowLocks,
    clear_key_rows,
    load,
    reconnect,
    settings_env,
)
from tests.ingestion.helpers import batch, typed
from tests.servers import DEADLINE, wait_until
from tests.worker import CeleryWorker, publishing_to

pytestmark = pytest.mark.worker

BATCHES = 20  # per client


def rows_by_batch(batch_ids) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT batch_id::text, count(*) FROM {EVENT_TABLE}
                WHERE batch_id = ANY(%s::uuid[]) GROUP BY batch_id""",
            [list(batch_ids)],
        )
        return dict(cursor.fetchall())


def assert_outage_answered_503(traffic) -> None:
    """Every answer was 200 or 503; every 503 says when to come back and why."""
    answers = traffic.answers()
    odd = [(a.status, a.body[:300]) for a in answers if a.status not in (200, 503)]
    assert odd == [], "only 200 and 503 may be answered"
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "the outage was never seen by a client"
    for answer in unavailable:
        assert answer.retry_after is not None and int(answer.retry_after) > 0
        assert b"temporarily unavailable" in answer.body


def assert_stored_once(traffic) -> None:
    """Each batch was finally answered 200, and its accepted rows are stored once."""
    assert [c.unfinished for c in traffic.clients] == [[]] * len(traffic.clients)
    accepted = traffic.accepted()
    assert len(accepted) == sum(c.batches for c in traffic.clients)
    assert all(n > 0 for n in accepted.values())
    assert rows_by_batch(accepted) == accepted
    recorded = dict(
        IngestBatch.objects.filter(batch_id__in=accepted).values_list("batch_id", "accepted")
    )
    assert {str(k): v for k, v in recorded.items()} == accepted


def logged_in(portal, email: str) -> requests.Session:
    http = requests.Session()
    login = f"{portal.url}/accounts/login/"
    http.get(login, timeout=10).raise_for_status()
    response = http.post(
        login,
        data={
            "username": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
        headers={"Referer": login},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return http


def test_ingestion_across_a_postgres_restart_answers_503_and_stores_each_batch_once(
    portal, private_db, seed
):
    officer = logged_in(portal, seed.officer.email)
    traffic = load(portal, seed, BATCHES)
    deadline = time.monotonic() + DEADLINE
    traffic.warm_up(2, deadline)
    # Every client's next batch will wait for its day summary, its rows already copied.
    locks = RowLocks(
        private_db.url,
        """SELECT 1 FROM governance_activityday WHERE subject = ANY(%s)
           ORDER BY subject, day, application_id, data_kind_id""",
        [[client.subject for client in traffic.clients]],
    )
    traffic.start(deadline)
    wait_until(
        lambda: len(locks.blocked()) == CLIENTS, "every client's batch is held", log=portal.log
    )

    private_db.stop()  # fast: the held batches' sessions are terminated mid-transaction
    locks.close()
    wait_until(lambda: traffic.answered_503(3 * CLIENTS), "clients get 503", log=portal.log)
    page = officer.get(f"{portal.url}/", timeout=10)
    health = portal.healthz()
    private_db.start()
    traffic.join(DEADLINE)
    reconnect()

    assert_outage_answered_503(traffic)
    assert page.status_code == 503, page.text[:500]
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Retry-After"]
    assert health["http"] == 503
    assert health["checks"]["database"]["status"] == "failing"
    assert_stored_once(traffic)
    # The web workers reconnected by themselves: pages work again for the same session.
    assert officer.get(f"{portal.url}/", timeout=10).status_code == 200
    assert portal.healthz()["checks"]["database"]["status"] == "ok"


@pytest.fixture
def erasure_worker(private_db, private_redis, tmp_path):
    """A real worker on the private PostgreSQL and Redis, with small erasure batches and a
    short lease, so that a step takes many commits and a lost claim runs out quickly."""
    worker = CeleryWorker(
        env={
            **settings_env(),
            "DATABASE_URL": private_db.url,
            "REDIS_URL": private_redis.url,
            "ERASURE_BATCH_SIZE": "1000",
            "ERASURE_LEASE_SECONDS": "2",
        },
        log_path=tmp_path / "celery-worker.log",
    )
    worker.start()
    yield worker
    worker.kill()


ROWS = 20_000


def test_an_erasure_job_across_a_postgres_restart_ends_with_one_receipt(
    private_db, private_redis, erasure_worker, seed
):
    user = make_user(f"erin.{uuid.uuid4().hex[:8]}@example.com")
    feed_events(user.employee, seed.catalogue, seed.device, ROWS)
    other = seed.employees[-1].employee
    feed_events(other, seed.catalogue, seed.device, 500)
    others = {other.subject_id: InteractionEvent.objects.filter(subject=other.subject_id).count()}

    with publishing_to(private_redis.url):
        job = erasure_job_create(
            employee=user.employee, cause="officer", actor=seed.officer, reason="restart"
        )
        brake, step = brake_mid_step(job, erasure_worker)
        private_db.stop()  # the worker's DELETE, half done, is terminated with our brake
        brake.conn.close()
        private_db.start()
        reconnect()
        # Its claim on the step is lost with the database; settle() plays beat's
        # reconciler, which hands the step on once the lease has run out.
        job = settle(job, erasure_worker)

    assert_erased_exactly_once(job, others)
    assert events_step(job).attempts >= 2, "the step was taken up again after the restart"
    assert events_step(job).rows_before == ROWS


def test_a_batch_cut_off_by_a_postgres_restart_is_redacted_when_retried(portal, private_db, seed):
    """ "john.smith" in one batch, "@example.com" in the next; the second is cut off by the
    restart after it has read the typed tail, and is stored only when it comes again."""
    user = seed.employees[1]
    typist = CaptureClient(portal, seed.token, user.email, user.employee.subject_id, batches=0)
    session, http = f"pii-{uuid.uuid4().hex[:8]}", requests.Session()
    deadline = time.monotonic() + DEADLINE
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    first_body = batch(typed("john.smith", user.email, session), batch_id=first)
    second_body = batch(typed("@example.com", user.email, session, start_ms=2000), batch_id=second)
    typist.send(first, first_body, deadline, http)
    locks = RowLocks(
        private_db.url,
        """SELECT 1 FROM governance_activityday WHERE subject = %s
           ORDER BY subject, day, application_id, data_kind_id""",
        [user.employee.subject_id],
    )
    cut_off = threading.Thread(target=typist.post, args=(requests.Session(), second, second_body))
    cut_off.start()
    wait_until(lambda: locks.blocked(), "the second batch is held", log=portal.log)
    private_db.stop()
    locks.close()
    cut_off.join(DEADLINE)
    private_db.start()
    typist.send(second, second_body, deadline, http)
    reconnect()

    assert [a.status for a in typist.answers] == [200, 503, 200]
    assert clear_key_rows(session) == [], "the address is redacted in both batches"
