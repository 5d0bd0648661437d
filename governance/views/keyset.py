"""Keyset paging for pages over large tables: `?before=` / `?after=` a key, never an OFFSET.

Django's Paginator counts the whole result for "Page n of N" and skips rows
with OFFSET, so page 10,000 of the audit log reads 500,000 rows first. Here
each page is one indexed range read of `size + 1` rows (the extra row says
whether an older page exists) and, off the first page, one `EXISTS` for a newer
page. Links keep the other query parameters (the filters).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

from governance.api.pagination import DIGITS

BEFORE, AFTER = "before", "after"


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
    key: str,
    size: int,
    descending: bool = True,
    numeric: bool = True,
) -> KeysetPage:
    """One page of `queryset` ordered by the unique `key` (newest/“first” page without cursor).

    "Older" continues in the listing order (`?before=` the last key shown), "newer"
    goes back (`?after=` the first key shown); for an ascending listing read
    "before" as "further down" all the same.
    """
    down = f"{key}__lt" if descending else f"{key}__gt"
    up = f"{key}__gt" if descending else f"{key}__lt"
    at_or_down = f"{key}__lte" if descending else f"{key}__gte"
    at_or_up = f"{key}__gte" if descending else f"{key}__lte"
    order = f"-{key}" if descending else key
    upwards = key if descending else f"-{key}"
    before = _cursor(query, BEFORE, numeric=numeric)
    after = _cursor(query, AFTER, numeric=numeric) if before is None else None
    if after is not None:
        # Read upwards from the cursor, then show the rows in the listing order.
        rows = list(queryset.filter(**{up: after}).order_by(upwards)[: size + 1])
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = queryset.filter(**{at_or_down: after}).exists()
    else:
        scoped = queryset.filter(**{down: before}) if before is not None else queryset
        rows = list(scoped.order_by(order)[: size + 1])
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None and queryset.filter(**{at_or_up: before}).exists()
    page = KeysetPage(items=rows)
    if rows and has_older:
        page.older_url = _link(query, BEFORE, getattr(rows[-1], key))
    if has_newer:
        page.newer_url = _link(query, AFTER, getattr(rows[0], key)) if rows else _first(query)
    return page


def _first(query: QueryDict) -> str:
    query = query.copy()
    for name in (BEFORE, AFTER, "page"):
        query.pop(name, None)
    return "?" + query.urlencode()
