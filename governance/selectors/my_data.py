"""What is stored about one person, read from the summaries the gateway keeps.

Only ActivityDay, DropTally and SessionSummary are read, never the events
table: the page must stay cheap however much was recorded, and counting the
events themselves is the erasure and export work's job, not a page view's.
Every query is filtered by the person's subject pseudonym, the key the
stores use; days are UTC dates, as the gateway files them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from governance.models import (
    ActivityDay,
    Application,
    DataKind,
    DropTally,
    Employee,
    SessionSummary,
)

DEFAULT_DAYS = 30
MAX_DAYS = 365
SESSIONS_SHOWN = 50


@dataclass(frozen=True)
class ScopeCount:
    """Events stored on one day for one application and data kind."""

    application: Application
    data_kind: DataKind
    events: int
    redacted: int


@dataclass(frozen=True)
class DayActivity:
    date: date
    by_application: list[ScopeCount] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(count.events for count in self.by_application)

    @property
    def redacted(self) -> int:
        return sum(count.redacted for count in self.by_application)


@dataclass(frozen=True)
class SessionRow:
    application: Application
    device_name: str
    session_id: str
    started_at: datetime
    ended_at: datetime
    events: int
    counts: dict[str, int]  # data kind slug -> events
    active_seconds: int


@dataclass(frozen=True)
class MyDataSummary:
    subject_id: str
    total_events: int  # all days, not only the period
    last_recorded: datetime | None
    redacted: int  # all days
    dropped: dict[str, int]  # all days, reason -> events not stored
    start: date
    end: date
    days: list[DayActivity]  # every day of the period, oldest first
    sessions: list[SessionRow]  # newest first
    kind_names: dict[str, str]  # data kind slug -> name, for the session counts

    @property
    def period_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def period_events(self) -> int:
        return sum(day.events for day in self.days)

    @property
    def period_redacted(self) -> int:
        return sum(day.redacted for day in self.days)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


def my_data_summary(*, employee: Employee, days: int = DEFAULT_DAYS) -> MyDataSummary:
    """Totals, the last `days` days (today included) and the latest sessions of one person."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    subject = employee.subject_id
    end = timezone.now().astimezone(UTC).date()
    start = end - timedelta(days=days - 1)
    activity = ActivityDay.objects.filter(subject=subject)
    totals = activity.aggregate(
        events=Sum("events"), redacted=Sum("redacted"), last=Max("last_recorded")
    )
    dropped = (
        DropTally.objects.filter(subject=subject)
        .values_list("reason")
        .annotate(events=Sum("events"))
        .order_by("reason")
    )
    return MyDataSummary(
        subject_id=subject,
        total_events=totals["events"] or 0,
        last_recorded=totals["last"],
        redacted=totals["redacted"] or 0,
        dropped=dict(dropped),
        start=start,
        end=end,
        days=_days(subject, start, end),
        sessions=_sessions(subject),
        kind_names=dict(DataKind.objects.values_list("slug", "name")),
    )


def _days(subject: str, start: date, end: date) -> list[DayActivity]:
    counts: dict[date, list[ScopeCount]] = defaultdict(list)
    rows = (
        ActivityDay.objects.filter(subject=subject, day__range=(start, end))
        .select_related("application", "data_kind")
        .order_by("day", "application__name", "data_kind__name")
    )
    for row in rows:
        counts[row.day].append(ScopeCount(row.application, row.data_kind, row.events, row.redacted))
    dropped: dict[date, dict[str, int]] = defaultdict(dict)
    tallies = DropTally.objects.filter(subject=subject, day__range=(start, end)).order_by("reason")
    for day, reason, events in tallies.values_list("day", "reason", "events"):
        dropped[day][reason] = events
    span = (end - start).days + 1
    return [
        DayActivity(day, counts.get(day, []), dropped.get(day, {}))
        for day in (start + timedelta(days=offset) for offset in range(span))
    ]


def _sessions(subject: str) -> list[SessionRow]:
    rows = (
        SessionSummary.objects.filter(subject=subject)
        .select_related("application", "device")
        .order_by("-started_at", "-pk")[:SESSIONS_SHOWN]
    )
    return [
        SessionRow(
            application=row.application,
            device_name=row.device.name,
            session_id=row.session_id,
            started_at=row.started_at,
            ended_at=row.ended_at,
            events=row.events,
            counts=dict(sorted(row.counts.items())),
            active_seconds=row.active_seconds,
        )
        for row in rows
    ]
