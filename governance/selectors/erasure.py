"""Reads of erasure jobs: every job for officers, only their own for employees.

Jobs come back with their steps, their scope resolved to catalogue rows and a
progress figure, so pages and the API show the same numbers.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import (
    Application,
    DataKind,
    Employee,
    ErasureCause,
    ErasureJob,
    ErasureStep,
    OwedErasure,
    Purpose,
)
from governance.stores import REGISTRY

# How an erasure reads to the person it is about. A hold is never named: they learn
# only that part of the erasure waits on a legal obligation, not what the matter is.
PERSONAL_STATE_LABELS = {
    ErasureJob.State.PENDING: _("Pending"),
    ErasureJob.State.RUNNING: _("In progress"),
    ErasureJob.State.VERIFIED: _("Done"),
    ErasureJob.State.BLOCKED_BY_HOLD: _("Partly deferred for a legal obligation"),
    ErasureJob.State.FAILED: _("Stopped by an error"),
}
PERSONAL_STEP_LABELS = {
    ErasureStep.State.PENDING: _("Pending"),
    ErasureStep.State.RUNNING: _("In progress"),
    ErasureStep.State.VERIFIED: _("Verified empty"),
    ErasureStep.State.BLOCKED_BY_HOLD: _("Partly deferred"),
    ErasureStep.State.FAILED: _("Stopped by an error"),
}
PERSONAL_NOTES = {
    ErasureJob.State.BLOCKED_BY_HOLD: _(
        "Part of this erasure is deferred for a legal obligation. Everything else is erased; "
        "the deferred part is erased automatically when the obligation ends."
    ),
    ErasureJob.State.FAILED: _(
        "This erasure stopped with an error. The privacy office sees it in its list of "
        "erasure jobs."
    ),
}
PERSONAL_CAUSES = {
    ErasureCause.CONSENT_WITHDRAWAL: _("You withdrew consent"),
    ErasureCause.CONSENT_ENDED: _("Your consent lapsed or expired and was not given again"),
    ErasureCause.OFFICER: _("Started by the privacy office"),
    ErasureCause.REQUEST: _("Your erasure request"),
    ErasureCause.LEFT: _("You left the company"),
}


@dataclass(frozen=True)
class ErasureScope:
    """What a job erases; an empty list means every purpose, application or data kind."""

    purposes: list[Purpose] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    data_kinds: list[DataKind] = field(default_factory=list)

    @property
    def everything(self) -> bool:
        return not (self.purposes or self.applications or self.data_kinds)

    def slugs(self) -> dict[str, list[str] | str]:
        """Slugs per dimension, "all" where the job is not limited (as in the receipt)."""

        def named(rows):
            return sorted(row.slug for row in rows) or "all"

        return {
            "purposes": named(self.purposes),
            "applications": named(self.applications),
            "data_kinds": named(self.data_kinds),
        }

    @property
    def single(self) -> str:
        """ "purpose/application/data_kind" when the scope is exactly one consent scope."""
        if len(self.purposes) == len(self.applications) == len(self.data_kinds) == 1:
            return f"{self.purposes[0].slug}/{self.applications[0].slug}/{self.data_kinds[0].slug}"
        return ""

    @property
    def label(self) -> str:
        if self.everything:
            return gettext("Everything")

        def names(rows, every):
            return ", ".join(row.name for row in rows) if rows else every

        return gettext("%(kinds)s in %(application)s (%(purpose)s)") % {
            "kinds": names(self.data_kinds, gettext("All data")),
            "application": names(self.applications, gettext("every application")),
            "purpose": names(self.purposes, gettext("every purpose")),
        }


@dataclass(frozen=True)
class StepProgress:
    step: ErasureStep
    percent: int

    @property
    def store(self) -> str:
        return self.step.store

    @property
    def personal_state_label(self) -> str:
        return PERSONAL_STEP_LABELS[self.step.state]

    @property
    def description(self) -> str:
        registered = REGISTRY.get(self.step.store)
        # Text in the reader's language now: it goes into JSON as well as pages.
        return str(registered.description) if registered else ""


@dataclass(frozen=True)
class ErasureProgress:
    """How far a job is: a percentage for the bar, and the row counts behind it."""

    percent: int
    stores_done: int
    stores_total: int
    rows_before: int
    rows_deleted: int
    rows_held: int


@dataclass(frozen=True)
class ErasureView:
    """One erasure as pages and the API show it; `job` is None while it is only owed."""

    job: ErasureJob | None
    state: str
    cause: str
    cause_ref: str
    scope: ErasureScope
    requested_at: datetime
    steps: list[StepProgress]
    progress: ErasureProgress

    @property
    def id(self) -> int | None:
        return self.job.pk if self.job else None

    @property
    def receipt(self) -> dict | None:
        return self.job.receipt if self.job else None

    @property
    def completed_at(self) -> datetime | None:
        return self.job.completed_at if self.job else None

    @property
    def state_label(self) -> str:
        return ErasureJob.State(self.state).label

    @property
    def cause_label(self) -> str:
        return ErasureCause(self.cause).label

    @property
    def listed_cause_ref(self) -> str:
        """The cause's reference as a list naming people by pseudonym may show it: a
        request's id leads to the person through the request queue, so only the job's
        own page, an audited read, shows it."""
        return "" if self.cause == ErasureCause.REQUEST else self.cause_ref

    @property
    def listed_requester(self) -> str | None:
        """Who asked, as such a list may show it: a person who asked for their own
        erasure is "the person", not their login."""
        job = self.job
        if job is None or job.requested_by_id is None:
            return None
        if self.requested_by_the_person:
            return "the person"
        return job.requested_by.get_username()

    @property
    def requested_by_the_person(self) -> bool:
        """The person asked for their own erasure (a page words "by the person" in the
        reader's language; `listed_requester` is the API's fixed value)."""
        job = self.job
        return job is not None and job.requested_by_id == job.employee.user_id

    @property
    def personal_state_label(self) -> str:
        return PERSONAL_STATE_LABELS[self.state]

    @property
    def personal_note(self) -> str:
        return PERSONAL_NOTES.get(self.state, "")

    @property
    def personal_cause(self) -> str:
        return PERSONAL_CAUSES[self.cause]


def step_percent(step: ErasureStep) -> int:
    """The share of the step's rows dealt with. A step blocked by a hold is checked: what
    could be erased is, and the held rows are counted, so its bar is full like the text
    beside it ("4 of 4 stores checked")."""
    if step.state in (ErasureStep.State.VERIFIED, ErasureStep.State.BLOCKED_BY_HOLD):
        return 100
    # Running: measured against the estimate taken when it started (no count runs before).
    expected = step.rows_before if step.rows_before is not None else step.rows_expected
    if not expected:
        return 0
    # A running step never shows 100: only a fresh count can finish it.
    return min(99, int(100 * step.rows_deleted / expected))


def _progress(job_state: str, steps: list[StepProgress]) -> ErasureProgress:
    ended = (ErasureStep.State.VERIFIED, ErasureStep.State.BLOCKED_BY_HOLD)
    if job_state == ErasureJob.State.VERIFIED:
        percent = 100
    elif steps:
        percent = round(sum(s.percent for s in steps) / len(steps))
    else:
        percent = 0
    return ErasureProgress(
        percent=percent,
        stores_done=sum(s.step.state in ended for s in steps),
        stores_total=len(steps) or len(REGISTRY),
        rows_before=sum(s.step.rows_before or 0 for s in steps),
        rows_deleted=sum(s.step.rows_deleted for s in steps),
        rows_held=sum(s.step.rows_held for s in steps),
    )


def _store_order(step: ErasureStep) -> tuple[int, str]:
    """Stores in the order the job erases them: sources first, then what derives from them."""
    registered = REGISTRY.get(step.store)
    return (registered.stage if registered else 99, step.store)


def _catalogue_rows(jobs: list[ErasureJob]) -> tuple[dict, dict, dict]:
    """Every purpose, application and data kind the jobs name, by id, in three queries."""

    def load(model, attr):
        ids = {pk for job in jobs for pk in getattr(job, attr)}
        return model.objects.in_bulk(ids) if ids else {}

    return (
        load(Purpose, "purpose_ids"),
        load(Application, "application_ids"),
        load(DataKind, "data_kind_ids"),
    )


def erasure_views(jobs) -> list[ErasureView]:
    """Jobs (with `steps` prefetched) as ErasureViews, their steps in the order they run."""
    jobs = list(jobs)
    purposes, applications, kinds = _catalogue_rows(jobs)
    views = []
    for job in jobs:
        scope = ErasureScope(
            purposes=[purposes[pk] for pk in job.purpose_ids if pk in purposes],
            applications=[applications[pk] for pk in job.application_ids if pk in applications],
            data_kinds=[kinds[pk] for pk in job.data_kind_ids if pk in kinds],
        )
        steps = [
            StepProgress(step, step_percent(step))
            for step in sorted(job.steps.all(), key=_store_order)
        ]
        views.append(
            ErasureView(
                job=job,
                state=job.state,
                cause=job.cause,
                cause_ref=job.cause_ref,
                scope=scope,
                requested_at=job.created_at,
                steps=steps,
                progress=_progress(job.state, steps),
            )
        )
    return views


def _owed_view(owed: OwedErasure) -> ErasureView:
    steps: list[StepProgress] = []
    return ErasureView(
        job=None,
        state=ErasureJob.State.PENDING,
        cause=owed.erasure_cause,
        cause_ref=str(owed.cause.receipt_id),
        scope=ErasureScope([owed.purpose], [owed.application], [owed.data_kind]),
        requested_at=owed.created_at,
        steps=steps,
        progress=_progress(ErasureJob.State.PENDING, steps),
    )


def _with_steps(qs):
    return qs.prefetch_related(
        Prefetch("steps", queryset=ErasureStep.objects.order_by("store"))
    ).order_by("-created_at", "-pk")


# Officers


def erasure_jobs_all(*, state: str | None = None, cause: str | None = None):
    """Every job, newest first; for officers, who see subjects by pseudonym."""
    qs = ErasureJob.objects.select_related("requested_by", "employee")
    if state:
        qs = qs.filter(state=state)
    if cause:
        qs = qs.filter(cause=cause)
    return _with_steps(qs)


def erasure_job_get(*, job_id: int) -> ErasureView | None:
    job = _with_steps(ErasureJob.objects.select_related("requested_by", "employee")).filter(
        pk=job_id
    )
    views = erasure_views(job)
    return views[0] if views else None


def erasure_jobs_running_count() -> int:
    return ErasureJob.objects.filter(
        state__in=[ErasureJob.State.PENDING, ErasureJob.State.RUNNING]
    ).count()


def employee_find(*, identifier: str) -> Employee | None:
    """An employee by employee number or work email, in any case (e0002 finds E0002)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return (
        Employee.objects.select_related("user")
        .filter(Q(employee_number__iexact=identifier) | Q(user__email__iexact=identifier))
        .first()
    )


# The employee's own


def my_erasures(*, employee: Employee, limit: int | None = None) -> list[ErasureView]:
    """This person's erasures, newest first: their jobs, and owed ones not yet a job."""
    owed = (
        OwedErasure.objects.filter(employee=employee, state=OwedErasure.State.OWED)
        .select_related("purpose", "application", "data_kind", "cause")
        .order_by("-created_at", "-pk")
    )
    views = [_owed_view(item) for item in owed]
    jobs = _with_steps(ErasureJob.objects.filter(employee=employee))
    views += erasure_views(jobs[:limit] if limit else jobs)
    views.sort(key=lambda view: view.requested_at, reverse=True)
    return views[:limit] if limit else views


def my_erasure_get(*, employee: Employee, job_id: int) -> ErasureView | None:
    """One of this person's own jobs; None for anyone else's."""
    views = erasure_views(_with_steps(ErasureJob.objects.filter(employee=employee, pk=job_id)))
    return views[0] if views else None


def erasure_scope_states_for(*, employee: Employee) -> dict[tuple[int, int, int], str]:
    """(purpose, application, data kind) ids -> the state of this person's latest erasure
    of that scope (`pending` until a job exists), for notes on the consent controls."""
    states: dict[tuple[int, int, int], str] = {}
    owed = (
        OwedErasure.objects.filter(employee=employee)
        .select_related("job")
        .order_by("created_at", "pk")
    )
    for item in owed:
        key = (item.purpose_id, item.application_id, item.data_kind_id)
        states[key] = item.job.state if item.job else ErasureJob.State.PENDING
    return states


def my_erasures_open_count(*, employee: Employee) -> int:
    """Erasures of this person not finished yet (owed, pending or running)."""
    owed = OwedErasure.objects.filter(employee=employee, state=OwedErasure.State.OWED).count()
    jobs = ErasureJob.objects.filter(
        employee=employee, state__in=[ErasureJob.State.PENDING, ErasureJob.State.RUNNING]
    ).count()
    return owed + jobs
