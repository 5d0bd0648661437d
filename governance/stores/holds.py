"""Legal hold windows as SQL: which of a subject's rows a store must keep."""

from dataclasses import dataclass
from datetime import datetime


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
