"""What is stored about one person, read from the summaries the gateway keeps.

Only ActivityDay and SessionSummary are read, never the events
table: the page must stay cheap however much was recorded, and counting the
events themselves is the erasure and export work's job, not a page view's.
Every query is filtered by the person's subject pseudonym, the key the
stores use; days are UTC dates, as the gateway files them.

Nothing is kept about a person's events that were not recorded (refused for lack
of consent, a restriction or an excluded application): those are tallied per
capture device, never per person, so this summary has nothing to show of them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import (
    ActivityDay,
    Application,
    DataKind,
    Employee,
    SessionSummary,
)
from governance.selectors.datasets import MyDatasets, my_datasets

NOT_RECORDED = _(
    "Nothing is kept about you of what was not recorded: events refused because you had "
    "not consented, because processing of your data was restricted, or because the "
    "application or window is excluded leave no count, date or trace under your name."
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
    restricted_since: datetime | None  # Art. 18: nothing new is recorded while set
    start: date
    end: date
    days: list[DayActivity]  # every day of the period, oldest first
    sessions: list[SessionRow]  # newest first
    kind_names: dict[str, str]  # data kind slug -> name, for the session counts
    training: MyDatasets  # the training datasets holding the person's data, and models

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
    def not_recorded(self) -> str:
        """What is kept about events of this person that were not recorded: nothing."""
        return NOT_RECORDED


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
    return MyDataSummary(
        subject_id=subject,
        total_events=totals["events"] or 0,
        last_recorded=totals["last"],
        redacted=totals["redacted"] or 0,
        restricted_since=employee.processing_restricted_at,
        start=start,
        end=end,
        days=_days(subject, start, end),
        sessions=_sessions(subject),
        kind_names=dict(DataKind.objects.values_list("slug", "name")),
        training=my_datasets(employee=employee),
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
    span = (end - start).days + 1
    return [
        DayActivity(day, counts.get(day, []))
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
