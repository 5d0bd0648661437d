"""Reads of data subject requests, scoped to who asks: the person's own, or the officers' queue.

The API and the pages read through these, so both show the same rows in the same
order. An employee reaches only their own requests (another person's is None, which
the edges answer as 404); officers see every request, soonest deadline first.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from governance.models import (
    PACKAGE_KINDS,
    DataRequest,
    DataRequestEvent,
    ErasureJob,
    ExportPackage,
    Role,
    SentEmail,
)
from governance.selectors.erasure import PERSONAL_STATE_LABELS

# Packages whose zip was written in full, whether or not it can still be downloaded.
PACKAGE_FINISHED = (
    ExportPackage.State.READY,
    ExportPackage.State.REVOKED,
    ExportPackage.State.EXPIRED,
    ExportPackage.State.ERASED,
)
# Open requests due within this many days are "due soon" in the queue.
DUE_SOON_DAYS = 7
# The history line's author as the person reads it: officers are never named to them.
PRIVACY_TEAM = _("privacy team")
PORTAL = _("portal")
YOU = _("you")
# The same authors after "by" on a page, each phrase translated whole: German declines the
# author ("von Ihnen", "vom Portal"), so "by" and "you" translated apart read "von Sie".
BY_PRIVACY_TEAM = _("by privacy team")
BY_PORTAL = _("by portal")
BY_YOU = _("by you")

State = DataRequest.State
# How a request's state reads to the person it is about: never "legal hold".
PERSONAL_REQUEST_STATES = {
    State.RECEIVED: _("Received: the privacy office checks it is you"),
    State.AWAITING_IDENTITY: _("Waiting for your proof of identity"),
    State.IN_PROGRESS: _("In progress"),
    State.BLOCKED_BY_HOLD: PERSONAL_STATE_LABELS[ErasureJob.State.BLOCKED_BY_HOLD],
    State.COMPLETED: _("Completed"),
    State.REJECTED: _("Rejected"),
    State.WITHDRAWN: _("Withdrawn by you"),
}
# A history line's action in words, the same for both readers.
HISTORY_LABELS = {
    "filed": _("Request received"),
    "filed_on_behalf": _("Filed on the person's behalf by the privacy office"),
    "assigned": _("Assigned"),
    "identity_requested": _("Proof of identity asked for"),
    "verified": _("Identity checked; work started"),
    "extended": _("Deadline extended"),
    "rejected": _("Rejected"),
    "completed": _("Completed"),
    "withdrawn": _("Withdrawn"),
    "deferred": _("Partly deferred for a legal obligation"),
    "resumed": _("Resumed"),
    "package_rebuilt": _("Copy being prepared again"),
}
# What the person reads instead of the message an officer reads: the officer's name
# and the legal hold stay inside the privacy office.
PERSONAL_MESSAGES = {
    "assigned": _("someone in the privacy team"),
    # The erasure's note on the page says that everything else is erased: said once.
    "deferred": _("The deferred part is erased automatically when the legal obligation ends."),
}
# The person reads a filing on their behalf as done for them.
PERSONAL_LABELS = {"filed_on_behalf": _("Filed for you")}
# Lines whose message is read on the line itself ("Assigned: olivia"), not below it.
INLINE_MESSAGES = frozenset({"assigned"})


def _today() -> date:
    # The service's own "today" (services.requests._today): deadlines are UTC dates.
    return timezone.now().date()


def received_at_for_day(day: date, *, now: datetime | None = None) -> datetime:
    """When a request that arrived on `day` (a letter, an email, a call) was received, for
    an officer filing it on the person's behalf: now if that is today, otherwise 12:00 UTC
    that day, so its UTC date (where the clock starts) is the day given."""
    now = now or timezone.now()
    if day == now.date():
        return now
    return datetime.combine(day, time(12), tzinfo=UTC)


def _base() -> QuerySet:
    return DataRequest.objects.select_related(
        "employee", "purpose", "application", "data_kind", "erasure_job"
    ).order_by()


def _with_detail(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("history", queryset=DataRequestEvent.objects.select_related("actor")),
        Prefetch(
            "packages",
            queryset=ExportPackage.objects.select_related("revoked_by").order_by(
                "-created_at", "-pk"
            ),
        ),
    )


# The employee's own


def requests_for_employee(user) -> QuerySet:
    """The caller's own requests, newest first; none for someone without an Employee record."""
    employee = getattr(user, "employee", None) if getattr(user, "is_authenticated", False) else None
    if employee is None:
        return DataRequest.objects.none()
    return _base().filter(employee=employee).order_by("-received_at", "-pk")


def request_for_employee(user, pk) -> DataRequest | None:
    """One of the caller's own requests with its history and packages; None if not theirs."""
    if not _is_pk(pk):
        return None
    return _with_detail(requests_for_employee(user)).filter(pk=pk).first()


# The officers' queue


@dataclass(frozen=True)
class QueueFilters:
    """What the queue can be narrowed to; None means "any"."""

    state: str | None = None
    # True: any open state (received, awaiting identity, in progress, deferred); False: closed.
    open: bool | None = None
    kind: str | None = None
    # A user id, "me" (the viewer) or "none" (unassigned).
    assignee: int | str | None = None
    overdue: bool | None = None
    due_before: date | None = None


def requests_queue(filters: QueueFilters | dict | None = None, *, viewer=None) -> QuerySet:
    """Every request, soonest deadline first (then oldest id), narrowed by `filters`.

    `assignee="me"` needs `viewer`. `overdue=True` means open and past its due date;
    `overdue=False`, everything else.
    """
    if isinstance(filters, dict):
        filters = QueueFilters(**{k: v for k, v in filters.items() if v not in (None, "")})
    filters = filters or QueueFilters()
    queryset = _base().select_related("employee__user", "assignee").order_by("due_on", "pk")
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.open is not None:
        lookup = {"state__in": DataRequest.OPEN_STATES}
        queryset = queryset.filter(**lookup) if filters.open else queryset.exclude(**lookup)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee == "me":
        queryset = queryset.filter(assignee_id=getattr(viewer, "pk", None))
    elif filters.assignee is not None:
        queryset = queryset.filter(assignee_id=int(filters.assignee))
    if filters.overdue is not None:
        # Only a running clock can be late: see request_is_overdue.
        late = {"state__in": DataRequest.CLOCK_STATES, "due_on__lt": _today()}
        queryset = queryset.filter(**late) if filters.overdue else queryset.exclude(**late)
    if filters.due_before is not None:
        queryset = queryset.filter(due_on__lt=filters.due_before)
    return queryset


def request_assignees() -> QuerySet:
    """The active privacy officers a request can be assigned to, by email."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.PRIVACY_OFFICER, is_active=True)
        .order_by("email")
    )


def request_for_officer(pk) -> DataRequest | None:
    """Any request, with its history, packages and the emails sent about it."""
    if not _is_pk(pk):
        return None
    return (
        _with_detail(requests_queue())
        .select_related("filed_by")
        .prefetch_related(Prefetch("emails", queryset=SentEmail.objects.order_by("sent_at", "pk")))
        .filter(pk=pk)
        .first()
    )


# What both sides show about one request


def _clock_runs(request: DataRequest) -> bool:
    """Whether the deadline is running: waiting for proof of identity stops it, and an
    erasure deferred by a legal obligation has had its answer."""
    return request.state in DataRequest.CLOCK_STATES


def request_is_overdue(request: DataRequest, *, today: date | None = None) -> bool:
    return _clock_runs(request) and request.due_on < (today or _today())


def request_is_due_soon(request: DataRequest, *, today: date | None = None) -> bool:
    """Clock running, not overdue, and due within DUE_SOON_DAYS."""
    today = today or _today()
    return _clock_runs(request) and today <= request.due_on <= today + timedelta(days=DUE_SOON_DAYS)


def request_days_left_when_paused(request: DataRequest) -> int | None:
    """How many days the clock had left when it stopped for proof of identity; None when it
    is not paused. They are what the person still has once the clock runs again."""
    if request.state != State.AWAITING_IDENTITY or request.paused_at is None:
        return None
    return (request.due_on - request.paused_at.date()).days


@dataclass(frozen=True)
class Deadline:
    """The due date in words: overdue and due-soon are said, never shown by colour alone."""

    due_on: date
    overdue: bool
    soon: bool
    days_left: int | None  # None unless the clock runs (see DataRequest.CLOCK_STATES)
    # Waiting for proof of identity: the days left when the clock stopped; None otherwise.
    days_left_when_paused: int | None = None

    @property
    def paused(self) -> bool:
        return self.days_left_when_paused is not None

    @property
    def words(self) -> str:
        if self.paused:
            left = self.days_left_when_paused
            return ngettext(
                "Clock paused while we wait for proof of identity — %(days)s day was left "
                "when it stopped",
                "Clock paused while we wait for proof of identity — %(days)s days were left "
                "when it stopped",
                left,
            ) % {"days": left}
        if self.days_left is None:
            return ""
        if self.days_left < 0:
            late = -self.days_left
            return ngettext("Overdue by %(days)s day", "Overdue by %(days)s days", late) % {
                "days": late
            }
        if self.days_left == 0:
            return gettext("Due today")
        return ngettext("Due in %(days)s day", "Due in %(days)s days", self.days_left) % {
            "days": self.days_left
        }


def request_deadline(request: DataRequest, *, today: date | None = None) -> Deadline:
    today = today or _today()
    return Deadline(
        due_on=request.due_on,
        overdue=request_is_overdue(request, today=today),
        soon=request_is_due_soon(request, today=today),
        days_left=(request.due_on - today).days if _clock_runs(request) else None,
        days_left_when_paused=request_days_left_when_paused(request),
    )


def request_package(request: DataRequest) -> ExportPackage | None:
    """The newest package of an access or portability request, if one was started."""
    if request.kind not in PACKAGE_KINDS:
        return None
    packages = list(request.packages.all())  # prefetched newest first by the selectors
    return packages[0] if packages else None


def request_ready_package(request: DataRequest) -> ExportPackage | None:
    """The newest package whose link works now: the one an officer may revoke."""
    ready = [p for p in request.packages.all() if package_state(p) == ExportPackage.State.READY]
    return ready[0] if ready else None


def request_failed_package(request: DataRequest) -> ExportPackage | None:
    """The newest package when its build failed for good: an officer may build it again."""
    package = request_package(request)
    return package if package is not None and package.state == ExportPackage.State.FAILED else None


def package_state(package: ExportPackage, *, now: datetime | None = None) -> str:
    """The package's state as it reads: a ready package past its expiry is expired, even
    before the retention run marks it so (no download is served any more)."""
    if (
        package.state == ExportPackage.State.READY
        and package.expires_at is not None
        and package.expires_at <= (now or timezone.now())
    ):
        return ExportPackage.State.EXPIRED
    return package.state


# Why a copy can no longer be downloaded, as the person and the officers read it.
PACKAGE_GONE = {
    ExportPackage.State.REVOKED: _("The privacy team revoked its download link."),
    ExportPackage.State.EXPIRED: _("It expired: copies are kept for a limited time."),
    ExportPackage.State.ERASED: _("It expired and was erased: copies are kept for a limited time."),
}


@dataclass(frozen=True)
class PackageView:
    """A package as both pages show it: its state as it reads now, and its progress."""

    package: ExportPackage
    state: str
    percent: int  # 0 until the rows are counted
    rows_text: str

    @property
    def state_label(self) -> str:
        return str(ExportPackage.State(self.state).label)

    @property
    def downloadable(self) -> bool:
        return self.state == ExportPackage.State.READY

    @property
    def gone(self) -> str:
        """Why it can no longer be downloaded; "" while it can be, or is being made."""
        return PACKAGE_GONE.get(self.state, "")


def package_view(package: ExportPackage, *, now: datetime | None = None) -> PackageView:
    return PackageView(
        package=package,
        state=package_state(package, now=now),
        percent=package_percent(package) or 0,
        rows_text=package_rows_text(package),
    )


def package_percent(package: ExportPackage) -> int | None:
    """How much of the package is written; None until its rows are counted.

    A package that was finished (ready, or since revoked, expired or erased) is 100. One
    still building never shows 100, even when more rows came than were counted at the
    start: only the finished zip is ready."""
    if package.state in PACKAGE_FINISHED:
        return 100
    if package.state != ExportPackage.State.BUILDING or not package.rows_expected:
        return None
    return min(99, package.rows_written * 100 // package.rows_expected)


def package_rows_text(package: ExportPackage) -> str:
    """ "N of M rows" while the count holds; "N rows" once it is passed or was never taken."""
    written, expected = package.rows_written, package.rows_expected
    if expected and written <= expected:
        return gettext("%(written)s of %(expected)s rows") % {
            "written": written,
            "expected": expected,
        }
    return ngettext("%(rows)s row", "%(rows)s rows", written) % {"rows": written}


def request_state_label(request: DataRequest, *, for_person: bool) -> str:
    """The state in words. The person learns that part of an erasure waits on a legal
    obligation, never that it is a legal hold (as on their erasures' pages)."""
    return _state_label(request.state, for_person=for_person)


def _state_label(state: str, *, for_person: bool) -> str:
    if for_person:
        return PERSONAL_REQUEST_STATES[state]
    return str(State(state).label)


@dataclass(frozen=True)
class HistoryLine:
    """One line of a request's history as one reader may read it."""

    occurred_at: datetime
    action: str
    label: str
    from_state: str
    to_state: str
    # The state the line moved the request to, in the reader's words; "" if it did not move.
    state_label: str
    message: str
    by: str
    # "by you" as a page shows it.
    byline: str

    @property
    def inline(self) -> bool:
        """The message belongs on the label's line ("Assigned: olivia")."""
        return self.action in INLINE_MESSAGES


def request_history(request: DataRequest, *, for_person: bool) -> list[HistoryLine]:
    """The history, oldest first. The person reads every line, since each one is a step of
    their request; they are never told which officer acted, nor that a legal hold exists."""
    return [_history_line(event, for_person=for_person) for event in request.history.all()]


def _history_line(event: DataRequestEvent, *, for_person: bool) -> HistoryLine:
    moved = bool(event.from_state) and event.to_state != event.from_state
    message = event.message
    label = HISTORY_LABELS.get(event.action, event.action.replace("_", " "))
    if for_person:
        message = PERSONAL_MESSAGES.get(event.action, message)
        label = PERSONAL_LABELS.get(event.action, label)
    state_label = _state_label(event.to_state, for_person=for_person) if moved else ""
    return HistoryLine(
        occurred_at=event.occurred_at,
        action=event.action,
        label=label,
        from_state=event.from_state,
        to_state=event.to_state,
        state_label="" if _says_the_same(label, state_label) else state_label,
        message=message,
        **_author(event, for_person=for_person),
    )


def _says_the_same(label: str, state_label: str) -> bool:
    """Whether "(now: …)" would repeat the line's label: "Withdrawn (now: withdrawn)"."""
    label, state_label = label.lower(), state_label.lower()
    return bool(state_label) and (label.startswith(state_label) or state_label.startswith(label))


def _author(event: DataRequestEvent, *, for_person: bool) -> dict[str, str]:
    """Who made a history line (`by`) and the phrase naming them (`byline`): for the
    person, "you", "privacy team" or "portal" only."""
    if event.actor_id is None:
        return {"by": PORTAL, "byline": BY_PORTAL}
    if for_person and event.actor_id == event.request.employee.user_id:
        return {"by": YOU, "byline": BY_YOU}
    if for_person:
        return {"by": PRIVACY_TEAM, "byline": BY_PRIVACY_TEAM}
    username = event.actor.get_username()
    return {"by": username, "byline": gettext("by %(by)s") % {"by": username}}


def _is_pk(pk) -> bool:
    try:
        return 0 < int(pk) < 2**63
    except (TypeError, ValueError):
        return False
