"""Legal reports: asked for by legal (officers for some kinds), built on the `exports`
queue into the `exports` file storage, downloaded through a signed link only the
requester can use, expired by the retention run REPORT_TTL_DAYS after they are built.

A build claims its report with a conditional UPDATE that takes a lease (a queued
report, or one whose last builder's lease ran out: a killed worker), reads inside one
REPEATABLE READ snapshot, streams into a temporary file, saves it into the storage and
marks the report ready with a second conditional UPDATE that names the attempt, so a
builder whose lease was taken over never publishes.
"""

import logging
import secrets
import tempfile
import time
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from governance import reports as registry
from governance.models import Employee, Report, Role
from governance.reports.base import DocumentReport, Period, formats_text
from governance.reports.pdf import write_pdf
from governance.reports.writers import HashedFile, estimate_of, write_csv, write_jsonl
from governance.services.audit import audit_record
from governance.services.exports import LINK_MAX_AGE, BuildOutcome, _snapshot
from governance.services.language import employee_language
from governance.services.links import download_token, download_token_read
from governance.services.people import user_has_role
from governance.stores.exports import BuildProgress, exports_storage

logger = logging.getLogger(__name__)

State = Report.State
LINK_SALT = "governance.report-download"
MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=30)
STALE_QUEUED = timedelta(minutes=2)


# --- asking -----------------------------------------------------------------------------


def report_request(
    *,
    actor,
    kind: str,
    date_from: date | None,
    date_to: date | None,
    format: str,
    filters: dict | None = None,
) -> Report:
    """Queue a report; 403 (PermissionDenied) for a caller who may not have this kind.

    A kind that uses no period (the record of processing activities, "as of" its making)
    takes no `date_from`/`date_to`: its params hold the day it was asked for as both."""
    if not (user_has_role(actor, Role.LEGAL) or user_has_role(actor, Role.PRIVACY_OFFICER)):
        raise PermissionDenied(_("Only legal and privacy officers may ask for reports."))
    report_kind = registry.kind(kind)
    if report_kind is None:
        known = ", ".join(sorted(registry.kinds()))
        raise ValidationError(
            {
                "kind": [
                    _("Unknown report kind “%(kind)s”; one of: %(known)s.")
                    % {"kind": kind, "known": known}
                ]
            }
        )
    if not report_kind.allowed(actor):
        raise PermissionDenied(_("The %(kind)s report is for legal only.") % {"kind": kind})
    if format not in report_kind.formats:
        raise ValidationError(
            {
                "format": [
                    _("The %(report)s comes as %(formats)s.")
                    % {"report": report_kind.title, "formats": formats_text(report_kind.formats)}
                ]
            }
        )
    if not report_kind.uses_period:
        date_from = date_to = timezone.now().date()
    for field, value in (("from", date_from), ("to", date_to)):
        if value is None:
            raise ValidationError(
                {
                    field: [
                        _("The %(report)s needs a period: “%(field)s” is required.")
                        % {"report": report_kind.title, "field": field}
                    ]
                }
            )
    if date_to < date_from:
        raise ValidationError({"to": [_("The period ends before it starts.")]})
    days = (date_to - date_from).days + 1
    if days > settings.REPORT_MAX_DAYS:
        raise ValidationError(
            {
                "to": [
                    _("A report covers at most %(limit)s days; this is %(days)s.")
                    % {"limit": settings.REPORT_MAX_DAYS, "days": days}
                ]
            }
        )
    cleaned = report_kind.clean_filters(dict(filters or {}))
    with transaction.atomic():
        report = Report.objects.create(
            kind=kind,
            format=format,
            params={"from": date_from.isoformat(), "to": date_to.isoformat(), **cleaned},
            requester=actor,
            created_at=timezone.now(),
        )
        _report_audited(report, "report.requested", actor=actor, params=report.params)
        transaction.on_commit(lambda: _enqueue(report.pk))
    return report


def _enqueue(report_id: int) -> None:
    from governance.tasks.reports import report_build

    report_build.delay(report_id)


def _subject_of(filters: dict) -> str:
    """A report about one person's data names them in its audit events, so it shows in
    their "Who accessed my data"."""
    number = filters.get("subject")
    if not number:
        return ""
    return (
        Employee.objects.filter(employee_number=number).values_list("subject_id", flat=True).first()
        or ""
    )


def report_what(report: Report) -> str:
    """What a report is, in words, for its audit events (so "Who accessed my data" and the
    access report can say which report, of which period): never a filter's value."""
    kind = registry.kind(report.kind)
    with translation.override("en"):  # audit text: the same words whoever reads
        title = str(kind.title) if kind else report.kind
    if kind is not None and not kind.uses_period:
        return f"{title}, as of {report.params['to']}"
    return f"{title}, {report.params['from']} to {report.params['to']}"


def period_of(report: Report) -> Period:
    return Period(
        date.fromisoformat(report.params["from"]), date.fromisoformat(report.params["to"])
    )


def filters_of(report: Report) -> dict:
    return {k: v for k, v in report.params.items() if k not in ("from", "to")}


def _report_audited(report: Report, action: str, *, actor, **details) -> None:
    """An audit event of `report`'s life, naming the person it is filtered to (so it shows
    in their "Who accessed my data") and saying which report it is."""
    audit_record(
        actor=actor,
        action=action,
        target=report,
        subject=_subject_of(filters_of(report)),
        details={
            "kind": report.kind,
            "format": report.format,
            "what": report_what(report),
            **details,
        },
    )


# --- building ---------------------------------------------------------------------------


def report_build(report_id: int) -> BuildOutcome:
    """Build one report; safe to run twice or concurrently (only one claim succeeds)."""
    now = timezone.now()
    claimed = Report.objects.filter(
        Q(state=State.QUEUED) | Q(state=State.BUILDING, lease_until__lt=now), pk=report_id
    ).update(
        state=State.BUILDING,
        attempts=F("attempts") + 1,
        lease_until=now + LEASE,
        rows_written=0,
        last_error="",
    )
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return BuildOutcome("")
    if claimed != 1:
        return BuildOutcome(report.state)
    try:
        return _build(report)
    except Exception as exc:
        logger.exception("building report %s failed", report_id)
        return _failed(report, exc)


def _build(report: Report) -> BuildOutcome:
    kind = registry.kind(report.kind)
    progress = BuildProgress(report.pk, model=Report)
    generated_at = timezone.now()
    try:
        with tempfile.TemporaryFile(prefix="report-") as tmp:
            out = HashedFile(tmp)
            started = time.perf_counter()
            if isinstance(kind, DocumentReport):
                # A document reads as it needs to: the audit bundle signs the chain's
                # head before it reads the period in one snapshot of its own.
                rows = kind.write(out, report=report, period=period_of(report), progress=progress)
            else:
                with _snapshot():
                    rows = _write(kind, report, out, progress, generated_at)
            out.flush()
            written = time.perf_counter()
            outcome = _publish(report, tmp, out, rows)
            logger.info(
                "report %s: %d rows, written %.3f s, saved and marked %.3f s",
                report.pk, rows, written - started, time.perf_counter() - written,
            )  # fmt: skip
            return outcome
    finally:
        progress.close()


def _write(kind, report: Report, out, progress: BuildProgress, generated_at) -> int:
    period, filters = period_of(report), filters_of(report)
    if report.format == "pdf":
        # A document a person reads: in the requester's language, as their pages are. CSV
        # and JSON Lines are read by programs and keep their fixed English.
        employee = Employee.objects.filter(user_id=report.requester_id).first()
        with translation.override(employee_language(employee)):
            return write_pdf(kind, period, filters, out, progress, generated_at=generated_at)
    estimate = estimate_of(kind, period, filters)
    if estimate is not None:
        progress.expect(estimate)
    writer = write_csv if report.format == "csv" else write_jsonl
    return writer(kind, period, filters, out, progress)


def _publish(report: Report, tmp, written: HashedFile, rows: int) -> BuildOutcome:
    """Save the file into the storage and mark the report ready, unless another build took
    it over meanwhile (then the file goes again)."""
    tmp.seek(0)
    digest, size = written.sha256, written.size
    extension = registry.FORMATS[report.format][1]
    storage = exports_storage()
    name = storage.save(
        f"reports/{report.kind}/{report.pk}-{secrets.token_hex(8)}.{extension}", File(tmp)
    )
    now = timezone.now()
    with transaction.atomic():
        published = Report.objects.filter(
            pk=report.pk, state=State.BUILDING, attempts=report.attempts
        ).update(
            state=State.READY,
            file_name=name,
            size_bytes=size,
            sha256=digest.hexdigest(),
            rows_written=rows,
            rows_expected=rows,
            ready_at=now,
            expires_at=now + timedelta(days=settings.REPORT_TTL_DAYS),
            lease_until=None,
        )
        if published:
            _report_audited(
                report,
                "report.generated",
                actor=None,
                params=report.params,
                rows=rows,
                sha256=digest.hexdigest(),
                requester=report.requester_id,
            )
    if not published:
        storage.delete(name)  # another builder took it over meanwhile
    return BuildOutcome(_state_of(report.pk))


def _failed(report: Report, exc: Exception) -> BuildOutcome:
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    give_up = report.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        changed = Report.objects.filter(
            pk=report.pk, state=State.BUILDING, attempts=report.attempts
        ).update(
            state=State.FAILED if give_up else State.QUEUED, last_error=error, lease_until=None
        )
        if changed and give_up:
            audit_record(
                actor=None,
                action="report.failed",
                target=report,
                details={"kind": report.kind, "attempts": report.attempts, "error": error},
            )
    state = _state_of(report.pk)
    return BuildOutcome(state, retry=state == State.QUEUED, attempts=report.attempts)


def _state_of(report_id: int) -> str:
    return Report.objects.filter(pk=report_id).values_list("state", flat=True).first() or ""


def reports_reconcile() -> list[int]:
    """Beat: reports queued a while ago that no task picked up (a lost message), and builds
    whose lease ran out (a dead worker): build them again."""
    now = timezone.now()
    return list(
        Report.objects.filter(
            Q(state=State.QUEUED, created_at__lt=now - STALE_QUEUED)
            | Q(state=State.BUILDING, lease_until__lt=now)
        ).values_list("pk", flat=True)
    )


def report_percent(report: Report) -> int:
    if report.state == State.READY:
        return 100
    if not report.rows_expected:
        return 0
    return min(99, int(100 * report.rows_written / report.rows_expected))


# --- delivery ---------------------------------------------------------------------------


class ReportNotFound(Exception):
    """A link not valid for this user: tampered, someone else's, or not ready."""


class ReportGone(Exception):
    """A link to a report that existed but is over: the link or the report expired."""


def report_download_url(report: Report, *, user) -> str:
    """A relative URL with a signed token for this report and this user, valid for
    LINK_MAX_AGE, only for that user and until their password changes (the link is bound
    to the password's hash, not to one browser session)."""
    token = download_token(salt=LINK_SALT, key="r", object_id=report.pk, user=user)
    return reverse("report-download", kwargs={"token": token})


def report_download_open(*, token: str, user):
    """Check a link for the signed-in `user`, open the report's file and audit the download.

    Returns (report, file); raises ReportNotFound or ReportGone."""
    link = download_token_read(token, salt=LINK_SALT, key="r", user=user, max_age=LINK_MAX_AGE)
    if link is None:
        raise ReportNotFound
    report = Report.objects.filter(pk=link.object_id, requester=user).first()
    if report is None:
        raise ReportNotFound
    if link.expired:
        raise ReportGone(
            _("This download link has expired: open the reports page for a fresh one.")
        )
    expired = report.expires_at is not None and report.expires_at <= timezone.now()
    if report.state in (State.EXPIRED, State.ERASED) or (report.state == State.READY and expired):
        raise ReportGone(_("This report has expired and was deleted. Ask for it again."))
    if report.state != State.READY:
        raise ReportNotFound
    try:
        file = exports_storage().open(report.file_name, "rb")
    except FileNotFoundError as exc:
        raise ReportGone(_("This report has expired and was deleted. Ask for it again.")) from exc
    with transaction.atomic():
        _report_audited(report, "report.downloaded", actor=user, sha256=report.sha256)
    return report, file
