"""A backing service that is down answers 503 with Retry-After, never 500.

PostgreSQL restarting, Redis restarting, the broker unreachable: the request
failed through no fault of the client, and the same request later will work.
Saying so (503 + Retry-After) lets capture devices retry the same batch, which
the gateway stores once whatever happened to the first try. A deadlock, a
statement timeout or a bad query is not an outage: those stay errors.

Only exceptions a view raises reach ``process_exception`` (DRF re-raises every
exception that is not an ``APIException``); the connection itself is closed or
checked at the end of the request by Django (``close_if_unusable_or_obsolete``),
so the next request after the server is back reconnects.
"""

import logging

import kombu.exceptions
import psycopg
import redis.exceptions
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# admin_shutdown, crash_shutdown, cannot_connect_now (the server is starting or stopping).
SHUTDOWN_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
UNAVAILABLE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><h1>Temporarily unavailable</h1>
<p>The portal cannot reach a service it depends on. Please try again in a few seconds.</p>
</body></html>
"""


def _database_unavailable(exc: BaseException) -> bool:
    """A lost or refused connection, or a server shutting down; not a statement's error."""
    if isinstance(exc, InterfaceError):
        # "connection already closed" means an outage; a closed cursor is a bug.
        return any(_broken(conn) for conn in connections.all(initialized_only=True))
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else None
    if cause is None:
        return False
    sqlstate = cause.sqlstate
    if sqlstate is None:
        # Raised by the client, not the server: connecting failed or the link broke.
        return isinstance(cause, psycopg.OperationalError)
    return sqlstate.startswith("08") or sqlstate in SHUTDOWN_SQLSTATES


def _broken(conn) -> bool:
    return conn.connection is not None and conn.connection.closed


def unavailable_service(exc: BaseException) -> str | None:
    """Which backing service ``exc`` says is unreachable, or None if it is another error."""
    if isinstance(exc, OperationalError | InterfaceError) and _database_unavailable(exc):
        return "database"
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return "redis"
    if isinstance(exc, kombu.exceptions.OperationalError):
        return "task broker"
    return None


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        service = unavailable_service(exception)
        if service is None:
            return None
        logger.warning(
            "%s %s: %s unavailable (%s: %s); answered 503",
            request.method,
            request.path,
            service,
            exception.__class__.__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": f"The {service} is temporarily unavailable; retry later."},
                status=503,
            )
        else:
            response = HttpResponse(UNAVAILABLE_HTML, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
