"""Keyset paging for pages over large tables: `?before=` / `?after=` a key, never an OFFSET.

Django's Paginator counts the whole result for "Page n of N" and skips rows
with OFFSET, so page 10,000 of the audit log reads 500,000 rows first. Here
each page is one indexed range read of `size + 1` rows (the extra row says
whether an older page exists) and, off the first page, one `EXISTS` for a newer
page. Links keep the other query parameters (the filters).

A key is one unique field, or a tuple of fields whose last is unique (the
officers' queue pages by `("due_on", "pk")`): the cursor then holds each value,
joined by "~", and the range is the tuple comparison spelled out as OR-ed ANDs.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import QueryDict

from governance.api.pagination import DIGITS

BEFORE, AFTER = "before", "after"
PART = "~"


@dataclass
class KeysetPage:
    items: list
    newer_url: str | None = None
    older_url: str | None = None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _cursor(query: QueryDict, name: str, *, numeric: bool):
    raw = query.get(name)
    if raw is None or raw == "" or len(raw) > 64:
        return None
    if numeric:
        return int(raw) if DIGITS.fullmatch(raw) else None
    return raw


def _tuple_cursor(query: QueryDict, name: str, queryset: QuerySet, keys: tuple) -> tuple | None:
    raw = query.get(name)
    if raw is None or raw == "" or len(raw) > 64:
        return None
    parts = raw.split(PART)
    if len(parts) != len(keys):
        return None
    meta = queryset.model._meta
    try:
        values = tuple(
            (meta.pk if key == "pk" else meta.get_field(key)).to_python(part)
            for key, part in zip(keys, parts, strict=True)
        )
    except (ValidationError, ValueError, OverflowError):
        return None
    return None if None in values else values


def _past(keys: tuple, values: tuple, op: str) -> Q:
    """Rows strictly past `values` in the tuple order of `keys` (`op` is "gt" or "lt")."""
    past = Q()
    for i, key in enumerate(keys):
        past |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__{op}": values[i]})
    return past


def _value(row, keys: tuple) -> str:
    return PART.join(str(getattr(row, key)) for key in keys)


def _link(query: QueryDict, name: str, value) -> str:
    query = query.copy()
    query.pop(BEFORE, None)
    query.pop(AFTER, None)
    query.pop("page", None)
    query[name] = str(value)
    return "?" + query.urlencode()


def keyset_page(
    queryset: QuerySet,
    query: QueryDict,
    *,
    key: str | tuple[str, ...],
    size: int,
    descending: bool = True,
    numeric: bool = True,
) -> KeysetPage:
    """One page of `queryset` ordered by the unique `key` (newest/“first” page without cursor).

    "Older" continues in the listing order (`?before=` the last key shown), "newer"
    goes back (`?after=` the first key shown); for an ascending listing read
    "before" as "further down" all the same.
    """
    keys = (key,) if isinstance(key, str) else tuple(key)
    down, up = ("lt", "gt") if descending else ("gt", "lt")
    order = [f"-{k}" if descending else k for k in keys]
    upwards = [k if descending else f"-{k}" for k in keys]
    if len(keys) == 1:
        cursor = _cursor(query, BEFORE, numeric=numeric)
        before = None if cursor is None else (cursor,)
        cursor = _cursor(query, AFTER, numeric=numeric) if before is None else None
        after = None if cursor is None else (cursor,)
    else:
        before = _tuple_cursor(query, BEFORE, queryset, keys)
        after = _tuple_cursor(query, AFTER, queryset, keys) if before is None else None
    if after is not None:
        # Read upwards from the cursor, then show the rows in the listing order.
        rows = list(queryset.filter(_past(keys, after, up)).order_by(*upwards)[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = queryset.exclude(_past(keys, after, up)).exists()
    else:
        scoped = queryset.filter(_past(keys, before, down)) if before is not None else queryset
        rows = list(scoped.order_by(*order)[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None and queryset.exclude(_past(keys, before, down)).exists()
    page = KeysetPage(items=rows)
    if rows and has_older:
        page.older_url = _link(query, BEFORE, _value(rows[-1], keys))
    if has_newer:
        page.newer_url = _link(query, AFTER, _value(rows[0], keys)) if rows else _first(query)
    return page


def _first(query: QueryDict) -> str:
    query = query.copy()
    for name in (BEFORE, AFTER, "page"):
        query.pop(name, None)
    return "?" + query.urlencode()
