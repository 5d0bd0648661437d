"""Legal holds: placed, changed and released by legal; they beat retention and erasure.

A hold keeps data past its keep, so it is not meant to outlive its matter: each has
a review date (LEGAL_HOLD_REVIEW_DAYS after placing unless legal sets one), legal is
mailed once when it passes, and releasing a hold needs a reason on the record.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Employee, LegalHold, Role
from governance.services.audit import audit_record
from governance.services.locks import lock_holds
from governance.stores import REGISTRY

# Reasons are read by legal and, in the audit log, by officers: a page of text, not a file.
REASON_MAX_LENGTH = 2000


def _validate(*, matter, reason, custodians, starts, ends, stores, review_at=None) -> None:
    errors: dict[str, list[str]] = {}
    if not (matter or "").strip():
        errors["matter"] = [_("Name the matter.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the data must be preserved.")]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [
            _("Keep the reason under %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}
        ]
    if not custodians:
        errors["custodians"] = [_("Name at least one custodian.")]
    if starts and ends and starts >= ends:
        errors["ends"] = [_("The end must be after the start.")]
    if review_at is not None and review_at <= timezone.now():
        errors["review_at"] = [_("Set the review date in the future.")]
    unknown = sorted(set(stores or []) - set(REGISTRY))
    named = set(stores or []) - set(unknown)
    unholdable = sorted(s for s in named if not getattr(REGISTRY[s], "holdable", True))
    if unknown:
        errors["stores"] = [_("Unknown store(s): %(stores)s.") % {"stores": ", ".join(unknown)}]
    elif named and len(unholdable) == len(named):
        # A hold naming only these would look like preservation and preserve nothing.
        errors["stores"] = [
            _("A hold cannot keep %(stores)s: name a store it can.")
            % {"stores": ", ".join(unholdable)}
        ]
    if errors:
        raise ValidationError(errors)


def _hold_details(hold: LegalHold) -> dict:
    return {
        "matter": hold.matter,
        "custodians": sorted(hold.custodians.values_list("subject_id", flat=True)),
        "starts": hold.starts.isoformat() if hold.starts else None,
        "ends": hold.ends.isoformat() if hold.ends else None,
        "stores": hold.stores or "all",
        "review_at": hold.review_at.isoformat(),
    }


def legal_hold_create(
    *,
    actor,
    matter: str,
    reason: str,
    custodians: list[Employee],
    starts: datetime | None = None,
    ends: datetime | None = None,
    stores: list[str] | None = None,
    review_at: datetime | None = None,
) -> LegalHold:
    """`review_at`: when legal looks again whether the hold is still needed (default:
    LEGAL_HOLD_REVIEW_DAYS from now)."""
    _validate(
        matter=matter,
        reason=reason,
        custodians=custodians,
        starts=starts,
        ends=ends,
        stores=stores,
        review_at=review_at,
    )
    now = timezone.now()
    with transaction.atomic():
        lock_holds()
        hold = LegalHold.objects.create(
            matter=matter.strip(),
            reason=reason.strip(),
            starts=starts,
            ends=ends,
            stores=sorted(set(stores or [])),
            created_by=actor,
            created_at=now,
            review_at=review_at or now + timedelta(days=settings.LEGAL_HOLD_REVIEW_DAYS),
        )
        hold.custodians.set(custodians)
        audit_record(
            actor=actor, action="legal_hold.placed", target=hold, details=_hold_details(hold)
        )
    return hold


def legal_hold_update(*, hold: LegalHold, actor, **fields) -> LegalHold:
    with transaction.atomic():
        lock_holds()
        hold = LegalHold.objects.select_for_update(no_key=True).get(pk=hold.pk)
        if not hold.is_active:
            raise ValidationError({"non_field_errors": [_("A released hold cannot change.")]})
        custodians = fields.pop("custodians", None)
        if fields.get("review_at", True) is None:
            del fields["review_at"]  # absent from a form: unchanged
        merged = {
            "matter": fields.get("matter", hold.matter),
            "reason": fields.get("reason", hold.reason),
            "custodians": custodians if custodians is not None else list(hold.custodians.all()),
            "starts": fields.get("starts", hold.starts),
            "ends": fields.get("ends", hold.ends),
            "stores": fields.get("stores", hold.stores),
            # Only a new review date must lie ahead; an overdue one may stay while other
            # fields change.
            "review_at": fields.get("review_at"),
        }
        _validate(**merged)
        for name, value in fields.items():
            setattr(hold, name, value)
        hold.save()
        if custodians is not None:
            hold.custodians.set(custodians)
        audit_record(
            actor=actor, action="legal_hold.changed", target=hold, details=_hold_details(hold)
        )
    # Narrowing a hold can free deferred deletions.
    transaction.on_commit(_redrive_deferred)
    return hold


def legal_hold_release(*, hold: LegalHold, actor, reason: str) -> LegalHold:
    """Release a hold: the reason (why the data need no longer be preserved) is required
    and goes on the hold and in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the data need no longer be preserved.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("Keep the reason under %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}
                ]
            }
        )
    with transaction.atomic():
        lock_holds()
        hold = LegalHold.objects.select_for_update(no_key=True).get(pk=hold.pk)
        if not hold.is_active:
            return hold
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_reason = reason
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_record(
            actor=actor,
            action="legal_hold.released",
            target=hold,
            details={**_hold_details(hold), "reason": reason[:500]},
        )
        transaction.on_commit(_redrive_deferred)
    return hold


def _redrive_deferred() -> None:
    from governance.tasks.erasure import erasure_deferred_resume
    from governance.tasks.retention import retention_enforce

    erasure_deferred_resume.delay()
    retention_enforce.delay()


def legal_holds_remind_review(*, now: datetime | None = None) -> int:
    """Mail legal once for each active hold whose review date has passed; how many.

    Safe to run twice or at once: each hold is claimed with a conditional UPDATE
    of `review_reminded_for`, so a review date is reminded once; a new review
    date set by legal is reminded again when it passes."""
    now = now or timezone.now()
    due = LegalHold.objects.filter(released_at__isnull=True, review_at__lte=now).exclude(
        review_reminded_for=F("review_at")
    )
    reminded = 0
    for hold_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = (
                LegalHold.objects.filter(pk=hold_id, released_at__isnull=True, review_at__lte=now)
                .exclude(review_reminded_for=F("review_at"))
                .update(review_reminded_for=F("review_at"))
            )
            if not claimed:
                continue
            hold = LegalHold.objects.get(pk=hold_id)
            audit_record(
                actor=None,
                action="legal_hold.review_reminded",
                target=hold,
                details={"matter": hold.matter, "review_at": hold.review_at.isoformat()},
            )
            transaction.on_commit(lambda hold_id=hold_id: _mail_review_due(hold_id))
        reminded += 1
    return reminded


def _mail_review_due(hold_id: int) -> None:
    from governance.services.mail import email_send

    hold = LegalHold.objects.get(pk=hold_id)
    legal = get_user_model().objects.filter(is_active=True, groups__name=Role.LEGAL.value)
    for email in legal.exclude(email="").values_list("email", flat=True).distinct():
        email_send(to=email, kind="legal_hold_review_due", context={"hold": hold})
