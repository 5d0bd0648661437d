"""The language of each response, and 503 + Retry-After when a backing service is down.

A backing service that is down answers 503 with Retry-After, never 500.

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
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header

from governance.services.language import language_supported

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# admin_shutdown, crash_shutdown, cannot_connect_now (the server is starting or stopping).
SHUTDOWN_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
UNAVAILABLE_HTML = """<!doctype html>
<html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>
<body><h1>{}</h1>
<p>{}</p>
</body></html>
"""
UNAVAILABLE_DETAIL = {
    "database": gettext_lazy("The database is temporarily unavailable; retry later."),
    "redis": gettext_lazy("The redis is temporarily unavailable; retry later."),
    "task broker": gettext_lazy("The task broker is temporarily unavailable; retry later."),
}
API_PREFIX = "/api/"


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
        if request.path.startswith(API_PREFIX):
            response = JsonResponse({"detail": str(UNAVAILABLE_DETAIL[service])}, status=503)
        else:
            response = HttpResponse(_unavailable_page(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def _unavailable_page() -> str:
    title = _("Temporarily unavailable")
    return format_html(
        UNAVAILABLE_HTML,
        translation.get_language(),
        title,
        title,
        _("The portal cannot reach a service it depends on. Please try again in a few seconds."),
    )


def browser_language(request) -> str:
    """The first of the portal's languages the request's Accept-Language names (a
    regional variant counts: de-AT is de), else the company default."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _profile_language(request) -> str:
    """A signed-in employee's chosen language; "" when they chose none (Automatic), are
    not an employee or are not signed in (then the cookie and browser decide).

    Reading the profile is the request's first query. When the database is down it
    reads nothing: the view meets the same outage, which becomes a 503 there
    (ServiceUnavailableMiddleware sees only a view's exceptions, not a middleware's).
    """
    try:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        employee = getattr(user, "employee", None)  # None for an account without one
    except (OperationalError, InterfaceError) as exc:
        if unavailable_service(exc) is None:
            raise
        return ""
    chosen = employee.language if employee is not None else ""
    return chosen if language_supported(chosen) else ""


class LanguageMiddleware(LocaleMiddleware):
    """Pages: the employee's profile language, then the language switch's cookie, then
    the browser's Accept-Language, then LANGUAGE_CODE. The API answers in the language
    its client asks for in Accept-Language (a bearer token is authenticated only later,
    by the view), else LANGUAGE_CODE. Django's LocaleMiddleware does the cookie and
    browser part and sets Content-Language and Vary: Accept-Language.
    """

    def process_request(self, request):
        if request.path.startswith(API_PREFIX):
            language = browser_language(request)
        else:
            language = _profile_language(request)
            if not language:
                super().process_request(request)
                return
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not request.path.startswith(API_PREFIX):
            # The profile (through the session) or the switch's cookie chose it.
            patch_vary_headers(response, ("Cookie",))
        return response
