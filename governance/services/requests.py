"""Data subject requests: filed, worked through their states on the legal clock, fulfilled.

Every change locks the request row, checks that the transition is allowed from the
state it finds, appends a line to the request's history and an audit event in the
same transaction, and tells the person by email after commit. Fulfilment reuses
what exists: consent withdrawal, erasure jobs (`cause="request"`), restriction of
processing, and a package of the person's data built on the `exports` queue.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from governance.deadlines import CLOCKS, clock_for, paused_days_between, supervisory_authority
from governance.models import (
    PACKAGE_KINDS,
    SCOPED_KINDS,
    Application,
    DataKind,
    DataRequest,
    DataRequestEvent,
    Employee,
    ErasureCause,
    ErasureJob,
    ExportPackage,
    OwedErasure,
    Purpose,
    RequestKind,
    Role,
)
from governance.services.audit import audit_record
from governance.services.consent import RequestContext, consent_withdraw_all
from governance.services.disclosure import personal_data_viewed
from governance.services.erasure import erasure_job_create
from governance.services.people import user_has_role
from governance.services.restriction import employee_processing_restrict

State = DataRequest.State
DEFERRED = (
    "Part of your data must be kept for a legal obligation and is not erased yet; it is "
    "erased as soon as that obligation ends. Everything else was erased."
)
MAX_DETAILS = 5000
MAX_RECEIVED_AGO = timedelta(days=365)
MAX_REASON = 500
# Profile fields an officer may correct for a rectification request.
RECTIFIABLE = {
    "first_name": 150,
    "last_name": 150,
    "department": 100,
    "country": 2,
    "region": 100,
}


def _today() -> date:
    return timezone.now().date()


def _clock(request: DataRequest):
    return CLOCKS[request.clock]


def _history(request: DataRequest, *, actor, action: str, before: str, message: str = "") -> None:
    DataRequestEvent.objects.create(
        request=request,
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_state=before,
        to_state=request.state,
        message=message,
    )
    audit_record(
        actor=actor,
        action=f"request.{action}",
        target=request,
        subject=request.employee.subject_id,
        details={
            "kind": request.kind,
            "from": before,
            "to": request.state,
            "due_on": request.due_on.isoformat(),
            **({"reason": message[:MAX_REASON]} if message else {}),
        },
    )


def _tell(request: DataRequest, kind: str, **context) -> None:
    """Email the person after commit; the email is recorded with the request."""

    def send():
        from governance.services.mail import email_send

        fresh = DataRequest.objects.select_related("employee__user").get(pk=request.pk)
        email_send(
            to=fresh.employee.user.email,
            kind=kind,
            context={
                "request": fresh,
                "employee": fresh.employee,
                "authority": supervisory_authority(fresh.clock),
                **context,
            },
            request=fresh,
        )

    transaction.on_commit(send)


def _required(text: str, field: str, message: str, limit: int = MAX_REASON) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(limit)s characters.") % {"limit": limit}]})
    return text


def _locked(request: DataRequest, allowed: tuple[str, ...], verb: str) -> DataRequest:
    locked = (
        DataRequest.objects.select_for_update(of=("self",))
        .select_related("employee__user")
        .get(pk=request.pk)
    )
    if locked.state not in allowed:
        raise ValidationError(
            {
                "state": [
                    _("A request that is %(state)s cannot be %(verb)s.")
                    % {"state": locked.get_state_display().lower(), "verb": verb}
                ]
            }
        )
    return locked


def _is_officer(user) -> bool:
    return user_has_role(user, Role.PRIVACY_OFFICER)


# --- filing -----------------------------------------------------------------------------


def request_file(
    *,
    employee: Employee,
    kind: str,
    actor,
    purpose: Purpose | None = None,
    application: Application | None = None,
    data_kind: DataKind | None = None,
    details: str = "",
    identity_check: str = "",
    received_at: datetime | None = None,
) -> tuple[DataRequest, bool]:
    """File a request; (the open one, False) when the same kind and scope is already open.

    Filed by the person themselves, it waits for an officer to verify it. Filed by an
    officer on the person's behalf, the officer says how identity was checked and the
    request starts in progress.
    """
    if kind not in RequestKind.values:
        raise ValidationError({"kind": [_("Unknown kind %(kind)s.") % {"kind": repr(kind)}]})
    scope = {"purpose": purpose, "application": application, "data_kind": data_kind}
    if kind not in SCOPED_KINDS and any(scope.values()):
        raise ValidationError(
            {"kind": [_("Only erasure, restriction and objection requests can name a scope.")]}
        )
    details = (details or "").strip()
    if len(details) > MAX_DETAILS:
        raise ValidationError(
            {"details": [_("At most %(limit)s characters.") % {"limit": MAX_DETAILS}]}
        )
    on_behalf = actor.pk != employee.user_id
    if on_behalf and not _is_officer(actor):
        raise PermissionDenied(_("Only a privacy officer files a request for someone else."))
    if on_behalf:
        identity_check = _required(
            identity_check, "identity_check", _("Say how the person's identity was checked.")
        )
    now = timezone.now()
    received_at = _received(received_at, now=now, on_behalf=on_behalf)
    clock = clock_for(employee.country, employee.region)
    try:
        with transaction.atomic():
            open_one = _open_request(employee, kind, scope)
            if open_one is not None:
                return open_one, False
            request = DataRequest.objects.create(
                employee=employee,
                kind=kind,
                details=details,
                filed_by=actor,
                identity_check=identity_check if on_behalf else "",
                jurisdiction=employee.jurisdiction or "unknown",
                clock=clock.key,
                received_at=received_at,
                due_on=clock.due(received_at.date()),
                **scope,
            )
            _history(
                request,
                actor=actor,
                action="filed_on_behalf" if on_behalf else "filed",
                before="",
                message=details[:MAX_REASON],
            )
            _tell(request, "request_received")
            if on_behalf:
                _start(request, actor=actor, message=f"Identity checked: {identity_check}")
    except IntegrityError:
        # Filed twice at the same moment: the unique constraint let one through.
        existing = _open_request(employee, kind, scope)
        if existing is None:
            raise
        return existing, False
    return request, True


def _received(received_at: datetime | None, *, now: datetime, on_behalf: bool) -> datetime:
    """When the request reached the company: the clock runs from then. A request that
    came by letter or email days ago is filed by an officer with the day it arrived."""
    if received_at is None:
        return now
    if not on_behalf:
        raise ValidationError({"received_at": [_("A request filed here is received now.")]})
    if received_at > now:
        raise ValidationError({"received_at": [_("A request cannot arrive in the future.")]})
    if received_at < now - MAX_RECEIVED_AGO:
        raise ValidationError(
            {
                "received_at": [
                    _("At most %(days)s days ago; file older ones by hand.")
                    % {"days": MAX_RECEIVED_AGO.days}
                ]
            }
        )
    return received_at


def _open_request(employee: Employee, kind: str, scope: dict) -> DataRequest | None:
    filters = {}
    for name, value in scope.items():
        filters[name if value is not None else f"{name}__isnull"] = (
            value if value is not None else True
        )
    return DataRequest.objects.filter(
        employee=employee, kind=kind, state__in=DataRequest.OPEN_STATES, **filters
    ).first()


# --- the officer's transitions ----------------------------------------------------------


def request_assign(*, request: DataRequest, assignee, actor) -> DataRequest:
    if assignee is not None and not _is_officer(assignee):
        raise ValidationError({"assignee": [_("Requests are assigned to privacy officers.")]})
    with transaction.atomic():
        request = _locked(request, DataRequest.OPEN_STATES, pgettext("request", "assigned"))
        if request.assignee_id == getattr(assignee, "pk", None):
            return request
        request.assignee = assignee
        request.save(update_fields=["assignee", "updated_at"])
        name = assignee.get_username() if assignee else "nobody"
        _history(request, actor=actor, action="assigned", before=request.state, message=name)
    return request


def request_identity_ask(*, request: DataRequest, actor, reason: str) -> DataRequest:
    """Ask the person for proof of identity; the clock stops until it is verified."""
    reason = _required(reason, "reason", _("Say what proof of identity is needed."))
    with transaction.atomic():
        request = _locked(request, (State.RECEIVED,), pgettext("request", "paused for identity"))
        before = request.state
        request.state = State.AWAITING_IDENTITY
        request.paused_at = timezone.now()
        request.save(update_fields=["state", "paused_at", "updated_at"])
        _history(request, actor=actor, action="identity_requested", before=before, message=reason)
        _tell(request, "request_identity", reason=reason)
    return request


def request_verify(*, request: DataRequest, actor, identity_check: str = "") -> DataRequest:
    """Identity is confirmed: the clock runs again and fulfilment starts."""
    with transaction.atomic():
        request = _locked(
            request,
            (State.RECEIVED, State.AWAITING_IDENTITY),
            pgettext("request", "verified"),
        )
        check = _required(
            identity_check, "identity_check", _("Say how the person's identity was checked.")
        )
        request.identity_check = check
        _resume_clock(request)
        _start(request, actor=actor, message=f"Identity checked: {check}")
    return request


def _resume_clock(request: DataRequest) -> None:
    if request.paused_at is None:
        return
    request.paused_days += paused_days_between(request.paused_at.date(), _today())
    request.paused_at = None
    request.due_on = _clock(request).due(
        request.received_at.date(),
        paused_days=request.paused_days,
        extended_days=request.extended_days,
    )


def request_extend(*, request: DataRequest, actor, days: int, reason: str) -> DataRequest:
    """Extend the deadline once, with a reason, while the first deadline still runs."""
    reason = _required(reason, "reason", _("Say why the request needs more time."))
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationError({"days": [_("A whole number of days, at least 1.")]})
    with transaction.atomic():
        request = _locked(request, DataRequest.OPEN_STATES, pgettext("request", "extended"))
        if request.extended_days:
            raise ValidationError({"days": [_("The deadline has already been extended once.")]})
        if _today() > request.due_on:
            raise ValidationError(
                {"days": [_("The deadline has passed; it can only be extended before it.")]}
            )
        limit = _clock(request).extension_limit(request.due_on)
        if days > limit:
            raise ValidationError(
                {
                    "days": [
                        _("At most %(limit)s days under %(law)s.")
                        % {"limit": limit, "law": _clock(request).label}
                    ]
                }
            )
        request.extended_days = days
        request.extension_reason = reason
        request.extended_at = timezone.now()
        request.due_on += timedelta(days=days)
        request.save(
            update_fields=[
                "extended_days",
                "extension_reason",
                "extended_at",
                "due_on",
                "updated_at",
            ]
        )
        _history(request, actor=actor, action="extended", before=request.state, message=reason)
        _tell(request, "request_extended", reason=reason)
    return request


def request_reject(*, request: DataRequest, actor, reason: str) -> DataRequest:
    reason = _required(reason, "reason", _("Say why the request is rejected."), limit=MAX_DETAILS)
    with transaction.atomic():
        request = _locked(request, DataRequest.OPEN_STATES, pgettext("request", "rejected"))
        if request.erasure_job_id:
            raise ValidationError(
                {"state": [_("The erasure has started; it cannot be rejected any more.")]}
            )
        before = _close(request, State.REJECTED, outcome=reason)
        _history(request, actor=actor, action="rejected", before=before, message=reason)
        _tell(request, "request_rejected", reason=reason)
    return request


def request_complete(
    *,
    request: DataRequest,
    actor,
    outcome: str = "",
    restrict: bool | None = None,
    corrections: dict | None = None,
) -> DataRequest:
    """Complete a request an officer decides: restriction (restrict or not), rectification
    (correct profile fields and/or say why observed events are not corrected), objection.

    Access, portability and erasure complete by themselves when their package is ready
    or their erasure is verified.
    """
    with transaction.atomic():
        request = _locked(request, (State.IN_PROGRESS,), pgettext("request", "completed"))
        if request.kind in PACKAGE_KINDS or request.kind == RequestKind.ERASURE:
            raise ValidationError(
                {
                    "state": [
                        _(
                            "This request completes by itself when its package is ready or "
                            "its erasure is verified."
                        )
                    ]
                }
            )
        outcome = (outcome or "").strip()
        if len(outcome) > MAX_DETAILS:
            raise ValidationError(
                {"outcome": [_("At most %(limit)s characters.") % {"limit": MAX_DETAILS}]}
            )
        if request.kind == RequestKind.RESTRICTION and restrict is False:
            # Not restricting is refusing the request: the person is told why and where
            # to complain, as for any rejection.
            reason = _required(outcome, "outcome", _("Say why processing is not restricted."))
            _close(request, State.REJECTED, outcome=reason)
            _history(
                request, actor=actor, action="rejected", before=State.IN_PROGRESS, message=reason
            )
            _tell(request, "request_rejected", reason=reason)
            return request
        if request.kind == RequestKind.RESTRICTION:
            outcome = _decide_restriction(request, actor=actor, restrict=restrict, outcome=outcome)
        elif request.kind == RequestKind.RECTIFICATION:
            outcome = _rectify(request, actor=actor, corrections=corrections or {}, outcome=outcome)
        elif not outcome:
            outcome = "Done."
        _close(request, State.COMPLETED, outcome=outcome)
        _history(
            request, actor=actor, action="completed", before=State.IN_PROGRESS, message=outcome
        )
        _tell(request, "request_completed")
    return request


def _decide_restriction(request: DataRequest, *, actor, restrict: bool | None, outcome: str) -> str:
    if restrict is None:
        raise ValidationError(
            {"restrict": [_("Decide whether processing is restricted (true) or not (false).")]}
        )
    employee_processing_restrict(
        employee=request.employee,
        restricted=True,
        reason=f"Request #{request.pk}: restriction of processing (Art. 18)",
        actor=actor,
    )
    # Capture can be stopped for a whole person only: a restriction asked for one part
    # covers all of it, and the person is told so rather than left to assume otherwise.
    asked = _scope_text(request)
    covers = (
        f" You asked about {asked}; the restriction covers all of your interaction data."
        if asked
        else ""
    )
    told = (
        "Processing of your interaction data is restricted: nothing more is recorded and "
        f"what is kept is only stored.{covers} You will be told when the restriction is lifted."
    )
    return "\n".join(part for part in (told, outcome) if part)


def _scope_text(request: DataRequest) -> str:
    parts = [
        f"{label} {obj.name}"
        for label, obj in (
            ("purpose", request.purpose),
            ("application", request.application),
            ("data kind", request.data_kind),
        )
        if obj is not None
    ]
    return ", ".join(parts)


def _rectify(request: DataRequest, *, actor, corrections: dict, outcome: str) -> str:
    unknown = sorted(set(corrections) - set(RECTIFIABLE))
    if unknown:
        raise ValidationError(
            {
                "corrections": [
                    _("Cannot correct %(fields)s; correctable: %(correctable)s.")
                    % {"fields": ", ".join(unknown), "correctable": ", ".join(RECTIFIABLE)}
                ]
            }
        )
    if not corrections and not outcome:
        raise ValidationError(
            {
                "outcome": [
                    _(
                        "Correct a profile field, or say why correction does not apply "
                        "(recorded interaction events are observations, not statements)."
                    )
                ]
            }
        )
    employee = (
        Employee.objects.select_for_update(no_key=True)
        .select_related("user")
        .get(pk=request.employee_id)
    )
    changed = {}
    for field, value in corrections.items():
        value = str(value if value is not None else "").strip()
        if len(value) > RECTIFIABLE[field] or (field == "country" and len(value) != 2):
            raise ValidationError(
                {"corrections": [_("%(field)s: not a valid value.") % {"field": field}]}
            )
        owner = employee.user if field in ("first_name", "last_name") else employee
        if field == "country":
            value = value.upper()
        if getattr(owner, field) != value:
            changed[field] = {"from": getattr(owner, field), "to": value}
            setattr(owner, field, value)
    if changed:
        user_fields = [f for f in changed if f in ("first_name", "last_name")]
        employee_fields = [f for f in changed if f not in user_fields]
        if user_fields:
            employee.user.save(update_fields=user_fields)
        if employee_fields:
            employee.save(update_fields=employee_fields)
        audit_record(
            actor=actor,
            action="employee.rectified",
            target=employee,
            subject=employee.subject_id,
            details={"request": request.pk, "changed": changed},
        )
    summary = "; ".join(f"{f}: {c['from'] or '—'} → {c['to']}" for f, c in changed.items())
    return "\n".join(part for part in (f"Corrected {summary}." if summary else "", outcome) if part)


def _close(request: DataRequest, state: str, *, outcome: str) -> str:
    """Close the request; returns the state it was in."""
    before = request.state
    request.state = state
    request.outcome = outcome
    request.closed_at = timezone.now()
    request.paused_at = None
    request.save(update_fields=["state", "outcome", "closed_at", "paused_at", "updated_at"])
    return before


# --- the person's own transitions -------------------------------------------------------


def request_withdraw(*, request: DataRequest, actor, reason: str = "") -> DataRequest:
    with transaction.atomic():
        request = _locked(request, DataRequest.OPEN_STATES, pgettext("request", "withdrawn"))
        if request.erasure_job_id:
            raise ValidationError(
                {"state": [_("The erasure has started; it cannot be withdrawn any more.")]}
            )
        before = _close(request, State.WITHDRAWN, outcome=(reason or "").strip()[:MAX_REASON])
        ExportPackage.objects.filter(request=request, state=ExportPackage.State.BUILDING).update(
            state=ExportPackage.State.FAILED, last_error="The request was withdrawn."
        )
        _history(request, actor=actor, action="withdrawn", before=before, message=request.outcome)
    return request


# --- fulfilment -------------------------------------------------------------------------


def _start(request: DataRequest, *, actor, message: str) -> None:
    """Move to in progress and set the fulfilment of its kind going (inside the caller's
    transaction, with the request row locked)."""
    before = request.state
    request.state = State.IN_PROGRESS
    request.save()
    _history(request, actor=actor, action="verified", before=before, message=message)
    if request.kind in PACKAGE_KINDS:
        _package_start(request)
    elif request.kind == RequestKind.ERASURE:
        _erasure_start(request, actor=actor)
    elif request.kind == RequestKind.OBJECTION:
        _objection_apply(request, actor=actor)


def _package_start(request: DataRequest) -> ExportPackage:
    package = ExportPackage.objects.create(
        request=request,
        employee=request.employee,
        subject=request.employee.subject_id,
        created_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue_package(package.pk))
    return package


def request_package_rebuild(*, request: DataRequest, actor) -> ExportPackage:
    """Build the copy again after its build failed for good; the failed package stays,
    with its error, as the record of what happened."""
    with transaction.atomic():
        request = _locked(request, (State.IN_PROGRESS,), pgettext("request", "given a new copy"))
        latest = request.packages.order_by("-created_at", "-pk").first()
        if (
            request.kind not in PACKAGE_KINDS
            or latest is None
            or latest.state != ExportPackage.State.FAILED
        ):
            raise ValidationError({"state": [_("Only a copy whose build failed is built again.")]})
        package = _package_start(request)
        _history(
            request,
            actor=actor,
            action="package_rebuilt",
            before=request.state,
            message="The copy is being prepared again.",
        )
    return package


def _enqueue_package(package_id: int) -> None:
    from governance.tasks.exports import export_package_build

    export_package_build.delay(package_id)


def _scope_kwargs(request: DataRequest) -> dict:
    return {
        "purpose": request.purpose,
        "application": request.application,
        "data_kind": request.data_kind,
    }


def _request_context() -> RequestContext:
    from governance.models import ConsentMethod

    return RequestContext(method=ConsentMethod.SYSTEM, user_agent="data subject request")


def _erasure_start(request: DataRequest, *, actor) -> None:
    """Withdraw consent in the scope, so capture stops, then erase it from every store."""
    events = consent_withdraw_all(
        employee=request.employee, actor=actor, context=_request_context(), **_scope_kwargs(request)
    )
    job = erasure_job_create(
        employee=request.employee,
        cause=ErasureCause.REQUEST,
        actor=actor,
        purposes=[request.purpose] if request.purpose else [],
        applications=[request.application] if request.application else [],
        data_kinds=[request.data_kind] if request.data_kind else [],
        cause_ref=f"request:{request.pk}",
        reason=f"Erasure request #{request.pk}",
    )
    # This job erases what those withdrawals owe: no second job for the same data.
    OwedErasure.objects.filter(cause__in=events).update(state=OwedErasure.State.SCHEDULED, job=job)
    request.erasure_job = job
    request.save(update_fields=["erasure_job", "updated_at"])


def _objection_apply(request: DataRequest, *, actor) -> None:
    """Art. 21: processing for the objected purpose stops (every application and kind)."""
    events = consent_withdraw_all(
        employee=request.employee, actor=actor, context=_request_context(), purpose=request.purpose
    )
    what = request.purpose.name if request.purpose else "every purpose"
    if events:
        withdrawn = (
            f"Your consent for it was withdrawn ({len(events)} "
            f"{'choice' if len(events) == 1 else 'choices'}), so nothing more is recorded for "
            "it, and the data kept under that consent will be erased."
        )
    else:
        withdrawn = "You had no consent in force for it, so nothing of yours is recorded for it."
    outcome = f"Your objection to processing for {what} is recorded. {withdrawn}"
    _close(request, State.COMPLETED, outcome=outcome)
    _history(request, actor=actor, action="completed", before=State.IN_PROGRESS, message=outcome)
    _tell(request, "request_completed")


def request_erasure_settled(job_id: int) -> DataRequest | None:
    """The erasure job of an erasure request has settled: complete the request when the
    job verified, or mark it deferred while a legal hold keeps part of the data."""
    with transaction.atomic():
        request = (
            DataRequest.objects.select_for_update(of=("self",))
            .select_related("employee__user", "erasure_job")
            .filter(erasure_job_id=job_id, state__in=[State.IN_PROGRESS, State.BLOCKED_BY_HOLD])
            .first()
        )
        if request is None:
            return None
        job = request.erasure_job
        before = request.state
        if job.state == ErasureJob.State.VERIFIED:
            asked = _scope_text(request)
            what = f"Your data ({asked})" if asked else "All of your interaction data"
            outcome = f"{what} was erased from every store; the signed receipt proves it."
            _close(request, State.COMPLETED, outcome=outcome)
            _history(request, actor=None, action="completed", before=before, message=outcome)
            _tell(request, "request_completed")
        elif job.state == ErasureJob.State.BLOCKED_BY_HOLD and before != State.BLOCKED_BY_HOLD:
            request.state = State.BLOCKED_BY_HOLD
            request.save(update_fields=["state", "updated_at"])
            _history(
                request,
                actor=None,
                action="deferred",
                before=before,
                message=DEFERRED,
            )
            # The answer the law asks for within the deadline: what was done, what is
            # deferred and why, and where to complain.
            _tell(request, "request_deferred")
        elif job.state == ErasureJob.State.RUNNING and before == State.BLOCKED_BY_HOLD:
            request.state = State.IN_PROGRESS
            request.save(update_fields=["state", "updated_at"])
            _history(request, actor=None, action="resumed", before=before)
    return request


def request_package_settled(package_id: int) -> DataRequest | None:
    """The package of an access or portability request is built (or failed for good)."""
    with transaction.atomic():
        package = ExportPackage.objects.get(pk=package_id)
        request = (
            DataRequest.objects.select_for_update(of=("self",))
            .select_related("employee__user")
            .filter(pk=package.request_id, state=State.IN_PROGRESS)
            .first()
        )
        if request is None or package.state != ExportPackage.State.READY:
            return request
        outcome = (
            f"Your copy is ready to download until {package.expires_at:%Y-%m-%d %H:%M} UTC."
            if package.expires_at
            else "Your copy is ready to download."
        )
        _close(request, State.COMPLETED, outcome=outcome)
        _history(request, actor=None, action="completed", before=State.IN_PROGRESS, message=outcome)
        _tell(request, "request_completed", package=package)
    return request


# --- officers' reads --------------------------------------------------------------------


def request_viewed(*, request: DataRequest, actor) -> None:
    """An officer opened a request: it holds the person's personal data, so the read is
    audited like the consent disclosure, and the person sees it under "Who accessed my
    data". The progress poll does not come here: it carries no personal data."""
    personal_data_viewed(
        viewer=actor,
        people=[request.employee],
        what="data subject request",
        target=request,
        details={"request": request.pk},
    )


# --- reminders --------------------------------------------------------------------------


def requests_remind(*, today: date | None = None) -> int:
    """Email each assignee the open requests due within REQUEST_REMINDER_DAYS or overdue.

    One email per assignee per day: a second run the same day sends nothing again.
    Unassigned requests go to every privacy officer.
    """
    from django.contrib.auth import get_user_model

    from governance.models import SentEmail
    from governance.services.mail import email_send

    today = today or _today()
    horizon = today + timedelta(days=settings.REQUEST_REMINDER_DAYS)
    due = list(
        DataRequest.objects.filter(state__in=DataRequest.CLOCK_STATES, due_on__lte=horizon)
        .select_related("employee__user", "assignee")
        .order_by("due_on", "pk")
    )
    if not due:
        return 0
    officers = list(
        get_user_model().objects.filter(groups__name=Role.PRIVACY_OFFICER, is_active=True)
    )
    by_person: dict[int, tuple[object, list[DataRequest]]] = {}
    for request in due:
        for person in [request.assignee] if request.assignee else officers:
            by_person.setdefault(person.pk, (person, []))[1].append(request)
    sent = 0
    for person, requests in by_person.values():
        if not person.email:
            continue
        if SentEmail.objects.filter(
            kind="requests_due", to=person.email, sent_at__date=today
        ).exists():
            continue
        email_send(
            to=person.email,
            kind="requests_due",
            context={
                "person": person,
                "overdue": [r for r in requests if r.due_on < today],
                "due_soon": [r for r in requests if r.due_on >= today],
                "today": today,
            },
        )
        sent += 1
    return sent
