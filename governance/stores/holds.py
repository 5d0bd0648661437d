"""Legal hold windows: which of a subject's rows a store must keep, read and as SQL.

The reads live here, beside the windows they return, so the erasure and
retention engines need nothing of the hold services (which enqueue their
tasks): no import runs in a circle.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from governance.models import LegalHold


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


def hold_windows(*, employee_id: int, store: str) -> list[HoldWindow]:
    """The active holds on this custodian's data in this store, as time windows.

    Call it inside the deleting transaction after lock_holds(shared=True).
    """
    holds = LegalHold.objects.filter(released_at__isnull=True, custodians=employee_id).filter(
        Q(stores=[]) | Q(stores__contains=[store])
    )
    return [HoldWindow(h.starts, h.ends) for h in holds]


def hold_windows_by_subject(*, store: str) -> dict[str, list[HoldWindow]]:
    """Every custodian's active hold windows for one store, keyed by subject (for retention)."""
    return hold_windows_by_store(stores=[store])[store]


def hold_windows_by_store(*, stores) -> dict[str, dict[str, list[HoldWindow]]]:
    """`hold_windows_by_subject` for each of `stores`, from one read of the active holds."""
    by_store: dict[str, dict[str, list[HoldWindow]]] = {store: {} for store in stores}
    holds = LegalHold.objects.filter(released_at__isnull=True).prefetch_related("custodians")
    for hold in holds:
        window = HoldWindow(hold.starts, hold.ends)
        for store, windows in by_store.items():
            if hold.stores and store not in hold.stores:
                continue
            for custodian in hold.custodians.all():
                windows.setdefault(custodian.subject_id, []).append(window)
    return by_store
