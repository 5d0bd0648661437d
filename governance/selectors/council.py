"""What the works council sees: aggregates of the whole programme, never one person.

Every number that counts people, or things that each concern one person (erasure
jobs, requests), is shown only when it is at least MIN_GROUP_SIZE; opt-in rates
follow the consent aggregates' rule (`aggregate_row`), which also hides a rate
when those who granted or those who did not are too few. Event volumes are the
planner's estimates per day partition, shown for an application or data kind
only when at least k people hold a grant for it: a volume of one person's
recording would be a per-person number.

Each figure is one grouped query (or a catalogue read): nothing loops over people.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from governance.models import (
    Application,
    ConsentHolding,
    DataKind,
    DataRequest,
    Employee,
    ErasureJob,
    RetentionPolicy,
    SafeguardRule,
)
from governance.selectors.consent import aggregate_row
from governance.selectors.counts import consent_aggregates_counted, holders_counted
from governance.stores.events import event_volume_estimates

MONTHS = 12


def at_least_k(count: int) -> int | None:
    """A count as shown to the council: None ("fewer than k") below the minimum group size."""
    return count if count >= settings.MIN_GROUP_SIZE else None


@dataclass(frozen=True)
class OptInRow:
    """People in a group who hold a grant, of the people offered it."""

    key: str  # the slug, or the department's name
    label: str
    people: int | None  # None: fewer than k
    granted: int | None  # None: suppressed
    suppressed: bool

    @property
    def rate(self) -> int | None:
        """Percent who hold a grant, rounded; None when suppressed."""
        if self.suppressed or not self.people:
            return None
        return round(100 * self.granted / self.people)


@dataclass(frozen=True)
class VolumeMonth:
    """Events stored in one month (estimated), in all and per application and data kind."""

    month: date
    events: int | None  # None: suppressed
    by_application: dict[str, int | None] = field(default_factory=dict)
    by_data_kind: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ErasureMonth:
    month: date
    verified: int | None  # None: fewer than k


@dataclass(frozen=True)
class RequestMonth:
    month: date
    completed: int | None  # None: fewer than k
    on_time: int | None  # None: fewer than k

    @property
    def on_time_rate(self) -> int | None:
        if self.completed is None or self.on_time is None:
            return None
        return round(100 * self.on_time / self.completed)


@dataclass(frozen=True)
class PolicyRow:
    name: str
    store: str
    keep_days: int
    applications: list[str]  # empty: every application
    data_kinds: list[str]  # empty: every data kind


@dataclass(frozen=True)
class SafeguardRow:
    kind: str
    kind_label: str
    name: str
    application: str | None
    detector: str | None


@dataclass(frozen=True)
class CouncilSummary:
    min_group_size: int
    counted_at: datetime  # the oldest of the counts over everyone shown
    months: list[date]
    people: int | None
    holders: int | None
    by_application: list[OptInRow]
    by_data_kind: list[OptInRow]
    by_department: list[OptInRow]
    volumes: list[VolumeMonth]
    applications: list[tuple[str, str]]  # (slug, name) of the volume columns
    data_kinds: list[tuple[str, str]]
    erasures: list[ErasureMonth]
    requests: list[RequestMonth]
    retention_policies: list[PolicyRow]
    safeguards: list[SafeguardRow]


def council_summary(*, today: date | None = None) -> CouncilSummary:
    today = today or timezone.now().astimezone(UTC).date()
    months = month_starts(today, MONTHS)
    people = Employee.objects.count()
    holders = ConsentHolding.objects.filter(purpose__isnull=True, granted__gt=0).count()
    apps = list(Application.objects.order_by("name"))
    kinds = list(DataKind.objects.order_by("name"))
    # Counted over everyone: read as last counted (at most CONSENT_AGGREGATES_MAX_AGE).
    app_holders, apps_counted = holders_counted("application_id")
    kind_holders, kinds_counted = holders_counted("data_kind_id")
    departments = consent_aggregates_counted(group_by="department")
    return CouncilSummary(
        min_group_size=settings.MIN_GROUP_SIZE,
        counted_at=min(apps_counted, kinds_counted, departments.counted_at),
        months=months,
        people=at_least_k(people),
        holders=at_least_k(holders),
        by_application=[
            _opt_in(a.slug, a.name, people, app_holders.get(a.pk, 0))
            for a in apps
            if a.enabled or a.pk in app_holders
        ],
        by_data_kind=[
            _opt_in(k.slug, k.name, people, kind_holders.get(k.pk, 0))
            for k in kinds
            if k.enabled or k.pk in kind_holders
        ],
        by_department=[
            OptInRow(
                key=row.group,
                label=row.group,
                people=at_least_k(row.people),
                granted=row.granted,
                suppressed=row.suppressed,
            )
            for row in departments.rows
        ],
        volumes=_volumes(months, apps, kinds, app_holders, kind_holders, holders),
        applications=[(a.slug, a.name) for a in apps],
        data_kinds=[(k.slug, k.name) for k in kinds],
        erasures=_erasures(months),
        requests=_requests(months),
        retention_policies=_policies(),
        safeguards=_safeguards(),
    )


def month_starts(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    index = today.year * 12 + today.month - 1
    return [date((i // 12), i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _opt_in(key: str, label: str, people: int, granted: int) -> OptInRow:
    row = aggregate_row(group=key, people=people, granted=granted)
    return OptInRow(
        key=key,
        label=label,
        people=at_least_k(people),
        granted=row.granted,
        suppressed=row.suppressed,
    )


def _volumes(months, apps, kinds, app_holders, kind_holders, holders) -> list[VolumeMonth]:
    k = settings.MIN_GROUP_SIZE
    totals = {m: {"events": 0, "apps": {}, "kinds": {}} for m in months}
    for day in event_volume_estimates(since=months[0]):
        month = totals.get(day.day.replace(day=1))
        if month is None:  # partitions made ahead for next month
            continue
        month["events"] += day.events
        for pk, n in day.by_application.items():
            month["apps"][pk] = month["apps"].get(pk, 0) + n
        for pk, n in day.by_data_kind.items():
            month["kinds"][pk] = month["kinds"].get(pk, 0) + n

    def shown(count: int, holding: int) -> int | None:
        return count if holding >= k else None

    return [
        VolumeMonth(
            month=m,
            events=shown(t["events"], holders),
            by_application={
                a.slug: shown(t["apps"].get(a.pk, 0), app_holders.get(a.pk, 0)) for a in apps
            },
            by_data_kind={
                d.slug: shown(t["kinds"].get(d.pk, 0), kind_holders.get(d.pk, 0)) for d in kinds
            },
        )
        for m, t in totals.items()
    ]


def _since(months: list[date]) -> datetime:
    return datetime(months[0].year, months[0].month, 1, tzinfo=UTC)


def _erasures(months: list[date]) -> list[ErasureMonth]:
    done = dict(
        ErasureJob.objects.filter(state=ErasureJob.State.VERIFIED, completed_at__gte=_since(months))
        .annotate(month=TruncMonth("completed_at", tzinfo=UTC))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    by_month = {m.date() if isinstance(m, datetime) else m: n for m, n in done.items()}
    return [ErasureMonth(month=m, verified=at_least_k(by_month.get(m, 0))) for m in months]


def _requests(months: list[date]) -> list[RequestMonth]:
    rows = (
        DataRequest.objects.filter(state=DataRequest.State.COMPLETED, closed_at__gte=_since(months))
        .annotate(month=TruncMonth("closed_at", tzinfo=UTC))
        .values("month")
        .annotate(
            completed=Count("id"),
            on_time=Count("id", filter=Q(closed_at__date__lte=F("due_on"))),
        )
    )
    by_month = {
        (r["month"].date() if isinstance(r["month"], datetime) else r["month"]): r for r in rows
    }
    result = []
    for m in months:
        row = by_month.get(m, {"completed": 0, "on_time": 0})
        result.append(
            RequestMonth(
                month=m, completed=at_least_k(row["completed"]), on_time=at_least_k(row["on_time"])
            )
        )
    return result


def _policies() -> list[PolicyRow]:
    policies = (
        RetentionPolicy.objects.filter(enabled=True)
        .prefetch_related("applications", "data_kinds")
        .order_by("store", "name", "pk")
    )
    return [
        PolicyRow(
            name=p.name,
            store=p.store,
            keep_days=p.keep_days,
            applications=sorted(a.name for a in p.applications.all()),
            data_kinds=sorted(k.name for k in p.data_kinds.all()),
        )
        for p in policies
    ]


def _safeguards() -> list[SafeguardRow]:
    """Rules in force by kind and name; their patterns stay with officers and legal, since
    they tell how to slip data past the filters."""
    rules = SafeguardRule.objects.filter(enabled=True).select_related("application")
    return [
        SafeguardRow(
            kind=r.kind,
            kind_label=r.get_kind_display(),
            name=r.name,
            application=r.application.name if r.application else None,
            detector=r.get_detector_display() if r.detector else None,
        )
        for r in rules.order_by("kind", "name", "pk")
    ]
