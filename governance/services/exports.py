"""Access packages: built on the `exports` queue, delivered by signed per-user links.

A build claims its package (a session advisory lock, so one builder at a time and
a dead builder's claim goes with its connection; then a conditional UPDATE that
counts the attempt while the package is still being built), reads every store
inside one REPEATABLE READ snapshot, so the files agree with each other, and
streams each into a zip in a temporary file: nothing grows with the person's
data but the file. The zip is saved into the `exports` storage and the package
marked ready by a second conditional UPDATE; if the package was erased, revoked
or withdrawn meanwhile, that UPDATE finds nothing and the file is deleted again.

A download link carries a signed token naming the package and the user (and the
user's session hash, so a password change ends it), valid for LINK_MAX_AGE.
"""

import logging
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.deadlines import clock_for, supervisory_authority
from governance.models import (
    AuditEvent,
    CaptureDevice,
    ConsentEvent,
    ConsentState,
    DataKind,
    DataRequest,
    ExportPackage,
    Purpose,
    SafeguardRule,
)
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.packages import (
    MANIFEST_NAME,
    Art15Summary,
    BackgroundWriter,
    PackageZip,
    RetentionLine,
    jsonl_write,
    summary_html,
)
from governance.services.audit import audit_record
from governance.services.language import employee_language
from governance.services.links import download_token, download_token_read
from governance.services.locks import (
    package_build_try_lock,
    package_build_unlock,
    package_builds_running,
)
from governance.services.receipts import consent_receipt
from governance.services.signing import public_key_b64, sign_document
from governance.stores import REGISTRY, store
from governance.stores.exports import BuildProgress, exports_storage

logger = logging.getLogger(__name__)

State = ExportPackage.State
MAX_ATTEMPTS = 3
LINK_MAX_AGE = timedelta(hours=1)
LINK_SALT = "governance.package-download"
STALE_BUILDING = timedelta(minutes=2)
CHUNK = 2000


# --- building ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildOutcome:
    """How a build call ended (of a package, or of a report): its state, and whether
    the task should retry."""

    state: str
    retry: bool = False
    attempts: int = 0


def export_package_build(package_id: int) -> BuildOutcome:
    """Build one package; safe to run twice or concurrently (the second call does nothing)."""
    if not package_build_try_lock(package_id):
        return BuildOutcome(_state_of(package_id))  # another process is building it
    try:
        claimed = ExportPackage.objects.filter(pk=package_id, state=State.BUILDING).update(
            attempts=F("attempts") + 1, rows_written=0, last_error=""
        )
        if claimed != 1:
            return BuildOutcome(_state_of(package_id))  # ready, failed, revoked, erased…
        package = ExportPackage.objects.select_related("employee__user", "request").get(
            pk=package_id
        )
        try:
            return _build(package)
        except Exception as exc:
            logger.exception("building access package %s failed", package_id)
            return _failed(package, exc)
    finally:
        package_build_unlock(package_id)


def _state_of(package_id: int) -> str:
    return ExportPackage.objects.filter(pk=package_id).values_list("state", flat=True).first()


def _build(package: ExportPackage) -> BuildOutcome:
    progress = BuildProgress(package.pk)
    try:
        with tempfile.TemporaryFile(prefix="package-") as tmp:
            started = time.perf_counter()
            manifest = _write_zip(package, tmp, progress)
            written = time.perf_counter()
            outcome = _publish(package, tmp, manifest)
            logger.info(
                "package %s: %d rows, zip written %.3f s, saved and marked %.3f s",
                package.pk, sum(f.get("rows", 0) for f in manifest["files"].values()),
                written - started, time.perf_counter() - written,
            )  # fmt: skip
            return outcome
    finally:
        progress.close()


def _write_zip(package: ExportPackage, tmp, progress: BuildProgress) -> dict:
    """Every part of the package into the zip in `tmp`; returns the signed manifest."""
    archive = PackageZip(tmp)
    files: list[tuple[str, str]] = []
    with _snapshot():
        _expect(package, progress)
        for name, target in REGISTRY.items():
            if hasattr(target, "export_csv"):
                path = f"data/{name}.csv"
                rows = archive.member(path, lambda out, t=target: _csv(t, package, out, progress))
            else:
                path = f"data/{name}.jsonl"
                rows = archive.member(
                    path,
                    lambda out, t=target: jsonl_write(out, t.export(package.subject), progress),
                )
            progress.part_done(rows)
            # Lazy: read in the person's language when the summary is written.
            what = format_lazy(
                gettext_lazy("{description} (store “{name}”)"),
                description=target.description,
                name=name,
            )
            files.append((path, what))
        for path, what, rows_of in (
            ("consent/history.jsonl", gettext_lazy("Every consent you gave or withdrew, each "
             "with its signed receipt"), _consent_history),
            ("requests/requests.jsonl", gettext_lazy("Your requests about your data and their "
             "history"), _requests),
            ("audit/about_me.jsonl", gettext_lazy("Who accessed or changed your data: the audit "
             "entries about you"), _audit_about),
        ):  # fmt: skip
            rows = archive.member(path, lambda out, r=rows_of: jsonl_write(out, r(package)))
            progress.part_done(rows)
            files.append((path, what))
        with translation.override(employee_language(package.employee)):
            summary = summary_html(_summary(package, files))
    archive.write_bytes("summary.html", summary.encode())
    manifest = sign_document(
        {
            "type": "access-package-manifest",
            "version": 1,
            "package": package.pk,
            "request": package.request_id,
            "subject": package.subject,
            "built_at": timezone.now().isoformat(),
            "files": dict(archive.files),
            "publicKey": public_key_b64(),
        }
    )
    archive.write_bytes(MANIFEST_NAME, _json(manifest))
    archive.close()
    return manifest


def _csv(target, package: ExportPackage, out, progress: BuildProgress) -> int:
    """A store's own CSV stream, compressed and hashed while the next rows arrive."""
    with BackgroundWriter(out) as background:
        return target.export_csv(package.subject, background, progress=progress)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One REPEATABLE READ transaction, so every file reads the same moment (inside a
    caller's transaction, that one's snapshot)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _expect(package: ExportPackage, progress: BuildProgress) -> None:
    """The rows a progress bar is measured against: the stores' estimates (a small store
    gives none: its count is as cheap) and the rest."""
    expected = 0
    for registered in REGISTRY.values():
        estimate = registered.estimate(package.subject)
        expected += registered.count(package.subject) if estimate is None else estimate
    expected += ConsentEvent.objects.filter(employee_id=package.employee_id).count()
    expected += DataRequest.objects.filter(employee_id=package.employee_id).count()
    expected += AuditEvent.objects.filter(subject=package.subject).count()
    progress.expect(expected)


def _json(document: dict) -> bytes:
    import orjson

    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def _consent_history(package: ExportPackage) -> Iterator[dict]:
    events = (
        ConsentEvent.objects.filter(employee_id=package.employee_id)
        .select_related("employee", "purpose", "application", "data_kind", "notice")
        .order_by("occurred_at", "pk")
    )
    for event in events.iterator(chunk_size=CHUNK):
        yield {
            "receipt_id": event.receipt_id,
            "occurred_at": event.occurred_at,
            "action": event.action,
            "purpose": event.purpose.slug,
            "application": event.application.slug,
            "data_kind": event.data_kind.slug,
            "method": event.method,
            "actor": event.actor_label,
            "notice_version": event.notice_version,
            "notice_hash": event.notice_hash,
            "receipt": consent_receipt(event),
        }


def _requests(package: ExportPackage) -> Iterator[dict]:
    requests = (
        DataRequest.objects.filter(employee_id=package.employee_id)
        .select_related("purpose", "application", "data_kind")
        .prefetch_related("history")
        .order_by("received_at", "pk")
    )
    for request in requests:
        yield {
            "request": request.pk,
            "kind": request.kind,
            "state": request.state,
            "scope": {
                "purpose": request.purpose.slug if request.purpose else None,
                "application": request.application.slug if request.application else None,
                "data_kind": request.data_kind.slug if request.data_kind else None,
            },
            "details": request.details,
            "received_at": request.received_at,
            "due_on": request.due_on,
            "closed_at": request.closed_at,
            "outcome": request.outcome,
            "history": [
                {
                    "occurred_at": line.occurred_at,
                    "action": line.action,
                    "from": line.from_state,
                    "to": line.to_state,
                    "message": line.message,
                }
                for line in request.history.all()
            ],
        }


def _audit_about(package: ExportPackage) -> Iterator[dict]:
    """Every audit entry about the person: the access-log page's, and their own logins and
    logouts too, which that page leaves out but a copy of their data includes."""
    yield from (
        AuditEvent.objects.filter(subject=package.subject)
        .order_by("seq")
        .values(
            "seq",
            "occurred_at",
            "actor_type",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "purpose",
            "details",
            "hash",
        )
        .iterator(chunk_size=CHUNK)
    )


def _retention_line(name: str, target) -> RetentionLine:
    from governance.services.retention import effective_keep

    if not target.retained:
        # A store whose data expires by itself says when; the packages are the other.
        period = str(
            getattr(target, "kept_for", None)
            or _("%(days)s days after the package is built, then deleted")
            % {"days": settings.EXPORT_TTL_DAYS}
        )
    else:
        rules = effective_keep(name).rules
        if not rules:
            period = _("Until you withdraw consent or ask for erasure (no retention policy)")
        else:
            period = "; ".join(
                (
                    _("%(days)s days (policy “%(name)s”)")
                    if r.covers_everything
                    else _("%(days)s days (policy “%(name)s”, some applications or kinds)")
                )
                % {"days": r.keep_days, "name": r.name}
                for r in rules
            )
    return RetentionLine(store=name, description=str(target.description), period=period)


def _summary(package: ExportPackage, files: list[tuple[str, str]]) -> Art15Summary:
    employee = package.employee
    consented = set(
        ConsentState.objects.filter(
            employee=employee, state=ConsentState.State.GRANTED
        ).values_list("purpose_id", flat=True)
    )
    purposes = list(Purpose.objects.order_by("use", "name"))
    recipients = [
        _(
            "%(controller)s: its privacy office and the teams that train computer-use models, "
            "from consented dataset snapshots only"
        )
        % {"controller": settings.CONTROLLER["piiController"]}
    ]
    recipients += [
        _("Third parties named in the consent notice, for “%(purpose)s”") % {"purpose": p.name}
        for p in purposes
        if p.third_party_disclosure
    ]
    device_ids = store("sessions").device_ids(package.subject)
    devices = [
        _("%(device)s (registered %(date)s)")
        % {"device": d.name, "date": f"{d.created_at:%Y-%m-%d}"}
        for d in CaptureDevice.objects.filter(pk__in=device_ids).order_by("name")
    ]
    return Art15Summary(
        person=employee.user.get_full_name() or employee.user.email,
        subject=package.subject,
        controller=settings.CONTROLLER,
        authority=supervisory_authority(clock_for(employee.country, employee.region).key),
        built_at=timezone.now(),
        purposes=[
            {
                "name": p.name,
                "description": p.description,
                "use": p.use,
                "consented": p.pk in consented,
            }
            for p in purposes
        ],
        categories=[
            {"name": k.name, "category": k.pii_category, "description": k.description}
            for k in DataKind.objects.order_by("name")
        ],
        recipients=recipients,
        retention=[_retention_line(name, target) for name, target in REGISTRY.items()],
        devices=devices,
        safeguards=[
            _("Key event times are stored rounded to %(floor)s ms or coarser, always.")
            % {"floor": KEY_TIMING_FLOOR_MS},
            *(_safeguard_text(rule) for rule in _safeguards()),
        ],
        files=[*files, ("summary.html", _("This page")), (MANIFEST_NAME, _("The signed manifest"))],
    )


def _safeguards():
    return SafeguardRule.objects.filter(enabled=True).select_related("application")


def _safeguard_text(rule: SafeguardRule) -> str:
    text = f"{rule.get_kind_display()}: {rule.name}"
    if rule.application:
        text += f" ({rule.application.name})"
    if rule.detector:
        text += f" — {rule.get_detector_display()}"
    if rule.resolution_ms:
        text += _(" — key timings rounded to %(ms)s ms") % {"ms": rule.resolution_ms}
    return text


def _publish(package: ExportPackage, tmp, manifest: dict) -> BuildOutcome:
    """Save the zip into the storage and mark the package ready, unless it changed state
    meanwhile (then the file goes again)."""
    import hashlib

    tmp.seek(0)
    digest = hashlib.sha256()
    for block in iter(lambda: tmp.read(1 << 20), b""):
        digest.update(block)
    size = tmp.tell()
    tmp.seek(0)
    storage = exports_storage()
    name = storage.save(
        f"packages/{package.subject}/{package.pk}-{secrets.token_hex(8)}.zip", File(tmp)
    )
    now = timezone.now()
    rows = sum(f.get("rows", 0) for f in manifest["files"].values())
    with transaction.atomic():
        # Still building, and not started again by an erasure (which notes it in
        # last_error, cleared by this build's claim) since this build read the stores.
        claim = {"state": State.BUILDING, "last_error": ""}
        ready = ExportPackage.objects.filter(pk=package.pk, **claim).update(
            state=State.READY,
            file_name=name,
            size_bytes=size,
            sha256=digest.hexdigest(),
            manifest=manifest,
            rows_written=rows,
            last_error="",
            ready_at=now,
            expires_at=now + timedelta(days=settings.EXPORT_TTL_DAYS),
        )
        if ready:
            package.refresh_from_db()
            audit_record(
                actor=None,
                action="package.built",
                target=package,
                subject=package.subject,
                details={"request": package.request_id, "bytes": size, "rows": rows,
                         "sha256": package.sha256},
            )  # fmt: skip
            # The request completes in the same transaction: neither without the other.
            from governance.services.requests import request_package_settled

            request_package_settled(package.pk)
    if not ready:
        # Erased, revoked or withdrawn while it was being built; or started again by an
        # erasure, and then built again from what is left.
        storage.delete(name)
        state = _state_of(package.pk)
        return BuildOutcome(state, retry=state == State.BUILDING, attempts=1)
    return BuildOutcome(State.READY)


def _failed(package: ExportPackage, exc: Exception) -> BuildOutcome:
    """After a build that raised: building again for a retry, or failed after too many."""
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    attempts = ExportPackage.objects.values_list("attempts", flat=True).get(pk=package.pk)
    give_up = attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        changed = ExportPackage.objects.filter(pk=package.pk, state=State.BUILDING).update(
            state=State.FAILED if give_up else State.BUILDING, last_error=error
        )
        if changed and give_up:
            audit_record(
                actor=None,
                action="package.failed",
                target=package,
                subject=package.subject,
                details={"request": package.request_id, "attempts": attempts, "error": error},
            )
    state = _state_of(package.pk)
    return BuildOutcome(state, retry=state == State.BUILDING, attempts=attempts)


def export_packages_reconcile() -> list[int]:
    """Beat: packages still building a while after they were asked for, that no process
    is building (a lost task, a dead worker, a retry that never came): build them again."""
    stale = ExportPackage.objects.filter(
        state=State.BUILDING, created_at__lt=timezone.now() - STALE_BUILDING
    ).values_list("pk", flat=True)
    running = package_builds_running()
    return [pk for pk in stale if pk not in running]


# --- delivery ---------------------------------------------------------------------------


class PackageNotFound(Exception):
    """A link that is not valid for this user: tampered, someone else's, or not ready."""


class PackageGone(Exception):
    """A link to a package that existed but is gone: link expired, revoked, package expired.

    `new_copy` says what the person does next: False, the package is still there and their
    request's page has a fresh link; True, it is gone and they ask for a new copy."""

    def __init__(self, reason: str, *, package: ExportPackage, new_copy: bool):
        super().__init__(reason)
        self.package = package
        self.new_copy = new_copy


def _package_expired(package: ExportPackage) -> PackageGone:
    return PackageGone(
        _(
            "This copy has expired and was erased: copies are kept for a limited time. "
            "Ask for a new copy."
        ),
        package=package,
        new_copy=True,
    )


def package_download_url(package: ExportPackage, *, user) -> str:
    """A relative URL with a signed token for this package and this user, valid for
    LINK_MAX_AGE and only in that user's signed-in session."""
    token = download_token(salt=LINK_SALT, key="p", object_id=package.pk, user=user)
    return reverse("package-download", kwargs={"token": token})


def package_download_open(*, token: str, user):
    """Check a download link for the signed-in `user` and open the package's file.

    Returns (package, file). The download is audited and counted. Raises
    PackageNotFound (tampered, someone else's, not ready) or PackageGone (link
    expired, revoked, package expired or erased)."""
    link = download_token_read(token, salt=LINK_SALT, key="p", user=user, max_age=LINK_MAX_AGE)
    if link is None:
        raise PackageNotFound
    package = (
        ExportPackage.objects.filter(pk=link.object_id, employee__user=user)
        .select_related("employee")
        .first()
    )
    if package is None:
        raise PackageNotFound
    if link.expired:
        raise PackageGone(
            _(
                "This download link has expired: links work for a short while only. Open "
                "your request's page for a fresh link."
            ),
            package=package,
            new_copy=False,
        )
    if package.state == State.REVOKED:
        raise PackageGone(
            _("The privacy team revoked this copy's download link. Ask for a new copy."),
            package=package,
            new_copy=True,
        )
    if package.state in (State.EXPIRED, State.ERASED):
        raise _package_expired(package)
    if package.state != State.READY:
        raise PackageNotFound
    if package.expires_at and package.expires_at <= timezone.now():
        raise _package_expired(package)
    storage = exports_storage()
    try:
        file = storage.open(package.file_name, "rb")
    except FileNotFoundError as exc:
        raise _package_expired(package) from exc
    with transaction.atomic():
        ExportPackage.objects.filter(pk=package.pk).update(downloads=F("downloads") + 1)
        audit_record(
            actor=user,
            action="package.downloaded",
            target=package,
            subject=package.subject,
            details={"request": package.request_id, "sha256": package.sha256},
        )
    return package, file


def package_revoke(*, package: ExportPackage, actor, reason: str) -> ExportPackage:
    """An officer ends a package's links (a leak, a mistake); the file goes at expiry."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the package is revoked.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("At most %(limit)s characters.") % {"limit": 500}]})
    with transaction.atomic():
        package = ExportPackage.objects.select_for_update(of=("self",)).get(pk=package.pk)
        if package.state == State.REVOKED:
            return package
        if package.state not in (State.BUILDING, State.READY):
            raise ValidationError(
                {
                    "state": [
                        _("A package that is %(state)s cannot be revoked.")
                        % {"state": package.get_state_display().lower()}
                    ]
                }
            )
        package.state = State.REVOKED
        package.revoked_at = timezone.now()
        package.revoked_by = actor if getattr(actor, "pk", None) else None
        package.save(update_fields=["state", "revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="package.revoked",
            target=package,
            subject=package.subject,
            details={"request": package.request_id, "reason": reason},
        )
    return package
