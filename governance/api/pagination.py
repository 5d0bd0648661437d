"""Pagination for every list: bounded page sizes, and bad paging input is a 400.

DRF quietly falls back to the default page for `limit=abc`, and passes a huge
`limit` or `offset` straight to PostgreSQL, whose bigint LIMIT/OFFSET then
fails as a server error. Here a value that is not a whole number in range is a
400 naming the parameter, and the schema states the range.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

MAX_PAGE_SIZE = 1000
INVALID_CURSOR = gettext_lazy("Not a cursor this list gave out: follow `next` or `previous`.")
# PostgreSQL's OFFSET is a bigint; anything past the last row is an empty page anyway.
MAX_OFFSET = 2**63 - 1
# Plain ASCII digits: int() would also take " 7", "+7", "7_000" and other scripts' digits.
DIGITS = re.compile(r"[0-9]{1,20}")


def query_int(request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The whole number `name` in the query string, `default` when absent, else a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = int(raw) if DIGITS.fullmatch(raw) else None
    if value is None or not minimum <= value <= maximum:
        raise ValidationError(
            {
                name: [
                    _("Must be a whole number from %(minimum)s to %(maximum)s.")
                    % {"minimum": minimum, "maximum": maximum}
                ]
            }
        )
    return value


def _bounded(parameters: list[dict], bounds: dict[str, tuple[int, int]]) -> list[dict]:
    for parameter in parameters:
        if parameter["name"] in bounds:
            low, high = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
    return parameters


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`limit` from 1 to 1000 (default PAGE_SIZE) and `offset` from 0; anything else is a 400."""

    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request) -> int:
        return query_int(
            request,
            self.limit_query_param,
            default=self.default_limit,
            minimum=1,
            maximum=self.max_limit,
        )

    def get_offset(self, request) -> int:
        return query_int(request, self.offset_query_param, default=0, minimum=0, maximum=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {
                self.limit_query_param: (1, self.max_limit),
                self.offset_query_param: (0, MAX_OFFSET),
            },
        )


class SeqCursorPagination(CursorPagination):
    """Audit entries newest first; pages stay stable while new entries are appended.

    A cursor that does not decode, or whose position is not a sequence number, is a
    400 naming `cursor`, as a bad `page_size` is one naming `page_size`.
    """

    ordering = "-seq"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return query_int(
            request,
            self.page_size_query_param,
            default=self.page_size,
            minimum=1,
            maximum=self.max_page_size,
        )

    def decode_cursor(self, request):
        # DRF checks the offset and direction but hands the position to the query as
        # it came: a hand-made cursor with p=abc would fail there, as a 500.
        try:
            cursor = super().decode_cursor(request)
        except NotFound:  # DRF's answer to a cursor that does not decode
            cursor = None
            readable = False
        else:
            position = cursor.position if cursor is not None else None
            readable = position is None or DIGITS.fullmatch(position) is not None
        if not readable:
            raise ValidationError({self.cursor_query_param: [str(INVALID_CURSOR)]})
        return cursor

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {self.page_size_query_param: (1, self.max_page_size)},
        )
