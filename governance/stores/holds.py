"""Legal hold windows: which of a subject's rows a store must keep, read and as SQL.

A restriction a person obtained to preserve their data for a legal claim (Art. 18(1)(c),
`Employee.restriction_preserves`) keeps all of it like a hold with an open window, until
it is lifted: retention always honours it, an erasure unless the person asked for it.

The reads live here, beside the windows they return, so the erasure and
retention engines need nothing of the hold services (which enqueue their
tasks): no import runs in a circle.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from governance.models import Employee, LegalHold


@dataclass(frozen=True)
class HoldWindow:
    """Rows whose time is in [starts, ends) are held; None is an open bound."""

    starts: datetime | None = None
    ends: datetime | None = None


def held_sql(windows: list[HoldWindow], column: str, *, by_day: bool = False) -> tuple[str, list]:
    """A condition true for held rows ("FALSE" when nothing is held), with parameters.

    With `by_day`, `column` is a date and a day is held when it overlaps a window.
    """
    if not windows:
        return "FALSE", []
    lower, upper, cast = (">=", "<=", "::date") if by_day else (">=", "<", "")
    parts, params = [], []
    for window in windows:
        bounds = []
        if window.starts is not None:
            bounds.append(f"{column} {lower} %s{cast}")
            params.append(window.starts)
        if window.ends is not None:
            bounds.append(f"{column} {upper} %s{cast}")
            params.append(window.ends)
        parts.append("(" + " AND ".join(bounds) + ")" if bounds else "TRUE")
    return "(" + " OR ".join(parts) + ")", params


def hold_windows(*, employee_id: int, store: str, preservation: bool = True) -> list[HoldWindow]:
    """The active holds on this custodian's data in this store, as time windows, and with
    `preservation` an open window while their restriction preserves their data.

    Call it inside the deleting transaction after lock_holds(shared=True): a change of
    restriction takes that lock exclusively. Every deleting batch asks, so it is one
    statement written out, not querysets compiled afresh each time (the restriction's
    condition is `_preserving()`'s).
    """
    custodians = LegalHold.custodians.through._meta.db_table
    sql = f"""SELECT h.starts, h.ends FROM {LegalHold._meta.db_table} h
              JOIN {custodians} c ON c.legalhold_id = h.id
              WHERE c.employee_id = %s AND h.released_at IS NULL
                AND (h.stores = '{{}}' OR %s = ANY(h.stores))"""
    params: list = [employee_id, store]
    if preservation:
        # An open window, which holds everything, while their restriction preserves it.
        sql += f"""
              UNION ALL
              SELECT NULL, NULL FROM {Employee._meta.db_table}
              WHERE id = %s AND processing_restricted_at IS NOT NULL AND restriction_preserves"""
        params.append(employee_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [HoldWindow(starts, ends) for starts, ends in cursor.fetchall()]


def _preserving():
    return Employee.objects.filter(
        processing_restricted_at__isnull=False, restriction_preserves=True
    )


def hold_windows_by_subject(*, store: str) -> dict[str, list[HoldWindow]]:
    """Every custodian's active hold windows for one store, keyed by subject (for retention)."""
    return hold_windows_by_store(stores=[store])[store]


def hold_windows_by_store(*, stores) -> dict[str, dict[str, list[HoldWindow]]]:
    """`hold_windows_by_subject` for each of `stores`, from one read of the active holds
    and one of the preserving restrictions."""
    by_store: dict[str, dict[str, list[HoldWindow]]] = {store: {} for store in stores}
    holds = LegalHold.objects.filter(released_at__isnull=True).prefetch_related("custodians")
    for hold in holds:
        window = HoldWindow(hold.starts, hold.ends)
        for store, windows in by_store.items():
            if hold.stores and store not in hold.stores:
                continue
            for custodian in hold.custodians.all():
                windows.setdefault(custodian.subject_id, []).append(window)
    for subject in _preserving().values_list("subject_id", flat=True):
        for windows in by_store.values():
            windows[subject] = [HoldWindow()]  # an open window holds everything
    return by_store
