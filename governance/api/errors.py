"""API errors are JSON, always: `{"detail": message}` or `{field: [messages]}`.

- Django ValidationErrors from services become 400s with field errors.
- A NUL character in the path or query string is refused before any view runs:
  PostgreSQL text cannot hold one, so it would otherwise surface as a server error
  from whichever query first sees it.
- Paths under /api/ that match nothing, and Django's own error pages for them
  (400, 403, 404, 500), answer JSON; the portal's pages keep their HTML pages.
"""

import functools

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.urls import URLPattern
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NUL = "\x00"
NUL_IN_QUERY = gettext_lazy("Null characters are not allowed.")
# DRF's JSON parser words its error in English only (its catalogues lack the sentence).
JSON_PARSE_ERROR = "JSON parse error - "
API_PREFIX = "/api/"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        # Model.full_clean() files cross-field errors under "__all__"; say it the DRF way.
        if NON_FIELD_ERRORS in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith(JSON_PARSE_ERROR):
        error = str(exc.detail).removeprefix(JSON_PARSE_ERROR)
        exc = exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error})
    return drf_exception_handler(exc, context)


def _nul_in_query(request) -> dict[str, list[str]]:
    return {
        name.replace(NUL, "\\x00"): [str(NUL_IN_QUERY)]
        for name, values in request.GET.lists()
        if NUL in name or any(NUL in value for value in values)
    }


def refuse_nul_characters(view):
    """A NUL in the path is a 404 (no object has such a name), in the query string a 400."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if NUL in request.path_info:
            return JsonResponse({"detail": _("Not found.")}, status=404)
        errors = _nul_in_query(request)
        if errors:
            return JsonResponse(errors, status=400)
        return view(request, *args, **kwargs)

    return guarded


def guarded(pattern: URLPattern) -> URLPattern:
    return URLPattern(
        pattern.pattern, refuse_nul_characters(pattern.callback), pattern.default_args, pattern.name
    )


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


@csrf_exempt  # it changes nothing; a CSRF refusal would be Django's HTML 403 page
def api_not_found(request, *args, **kwargs):
    """Every /api/ path that names no endpoint, even with DEBUG on (no HTML debug page)."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("You do not have permission to do this.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)
