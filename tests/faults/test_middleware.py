"""Which errors mean "a backing service is unavailable", tried with real failures.

An outage (refused connection, a session terminated by the server, Redis away)
answers 503 + Retry-After; an error of the statement itself (a deadlock, a
unique violation) is not an outage and still reaches Django's 500 handling.
"""

import threading

import orjson
import psycopg
import pytest
import redis
from django.db import IntegrityError, OperationalError, connection, connections
from django.test import RequestFactory
from redis.backoff import NoBackoff
from redis.retry import Retry

from governance.middleware import ServiceUnavailableMiddleware, unavailable_service
from tests.worker import worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)


def raised(call) -> BaseException:
    try:
        call()
    except BaseException as error:
        return error
    pytest.fail(f"{call} raised nothing")


def answer(path: str, error: BaseException):
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    return middleware.process_exception(RequestFactory().post(path), error)


def test_a_refused_database_connection_is_answered_503_with_retry_after(tmp_path):
    missing = connection.settings_dict | {"HOST": str(tmp_path), "PORT": "5432", "OPTIONS": {}}
    wrapper = type(connections["default"])(missing)  # a connection of its own
    error = raised(wrapper.ensure_connection)

    assert isinstance(error, OperationalError)
    response = answer("/api/v1/ingest/batches", error)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "temporarily unavailable" in orjson.loads(response.content)["detail"]
    page = answer("/consent/", error)
    assert page.status_code == 503 and page["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in page.content


def test_a_session_terminated_by_the_server_is_unavailable():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg.connect(worker_database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])  # 57P01, as a shutdown does

    error = raised(lambda: connection.cursor().execute("SELECT 1"))
    connection.close()

    assert unavailable_service(error) == "database"


def test_redis_away_is_unavailable(tmp_path):
    client = redis.Redis(unix_socket_path=str(tmp_path / "none.sock"), retry=Retry(NoBackoff(), 0))
    assert unavailable_service(raised(client.ping)) == "redis"


def test_a_deadlock_is_not_an_outage():
    """Two transactions that lock two rows in opposite orders: PostgreSQL aborts one."""
    url = worker_database_url()
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS faults_deadlock (id int PRIMARY KEY)")
        setup.execute("INSERT INTO faults_deadlock VALUES (1), (2) ON CONFLICT DO NOTHING")
    both = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def lock(first: int, second: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT 1 FROM faults_deadlock WHERE id = %s FOR UPDATE", [first])
                both.wait()
                cursor.execute("SELECT 1 FROM faults_deadlock WHERE id = %s FOR UPDATE", [second])
                cursor.execute("ROLLBACK")
        except OperationalError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with psycopg.connect(url, autocommit=True) as cleanup:
        cleanup.execute("DROP TABLE faults_deadlock")

    assert len(errors) == 1
    assert errors[0].__cause__.sqlstate == "40P01"
    assert unavailable_service(errors[0]) is None
    assert answer("/api/v1/ingest/batches", errors[0]) is None


def test_a_statement_error_is_not_an_outage(django_user_model):
    django_user_model.objects.create(username="twice")
    error = raised(lambda: django_user_model.objects.create(username="twice"))
    assert isinstance(error, IntegrityError)
    assert unavailable_service(error) is None
