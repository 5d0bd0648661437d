"""Legal holds: placed, changed and released by legal; they beat retention and erasure."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import Employee, LegalHold
from governance.services.audit import audit_record
from governance.services.locks import lock_holds
from governance.stores import REGISTRY


def _validate(*, matter, reason, custodians, starts, ends, stores) -> None:
    errors: dict[str, list[str]] = {}
    if not (matter or "").strip():
        errors["matter"] = ["Name the matter."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why the data must be preserved."]
    if not custodians:
        errors["custodians"] = ["Name at least one custodian."]
    if starts and ends and starts >= ends:
        errors["ends"] = ["The end must be after the start."]
    unknown = sorted(set(stores or []) - set(REGISTRY))
    if unknown:
        errors["stores"] = [f"Unknown store(s): {', '.join(unknown)}."]
    if errors:
        raise ValidationError(errors)


def _hold_details(hold: LegalHold) -> dict:
    return {
        "matter": hold.matter,
        "custodians": sorted(hold.custodians.values_list("subject_id", flat=True)),
        "starts": hold.starts.isoformat() if hold.starts else None,
        "ends": hold.ends.isoformat() if hold.ends else None,
        "stores": hold.stores or "all",
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
) -> LegalHold:
    _validate(
        matter=matter, reason=reason, custodians=custodians, starts=starts, ends=ends, stores=stores
    )
    with transaction.atomic():
        lock_holds()
        hold = LegalHold.objects.create(
            matter=matter.strip(),
            reason=reason.strip(),
            starts=starts,
            ends=ends,
            stores=sorted(set(stores or [])),
            created_by=actor,
            created_at=timezone.now(),
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
            raise ValidationError({"non_field_errors": ["A released hold cannot change."]})
        custodians = fields.pop("custodians", None)
        merged = {
            "matter": fields.get("matter", hold.matter),
            "reason": fields.get("reason", hold.reason),
            "custodians": custodians if custodians is not None else list(hold.custodians.all()),
            "starts": fields.get("starts", hold.starts),
            "ends": fields.get("ends", hold.ends),
            "stores": fields.get("stores", hold.stores),
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


def legal_hold_release(*, hold: LegalHold, actor, reason: str = "") -> LegalHold:
    with transaction.atomic():
        lock_holds()
        hold = LegalHold.objects.select_for_update(no_key=True).get(pk=hold.pk)
        if not hold.is_active:
            return hold
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_reason = (reason or "").strip()
        hold.save(update_fields=["released_at", "released_by", "release_reason"])
        audit_record(
            actor=actor, action="legal_hold.released", target=hold, details=_hold_details(hold)
        )
        transaction.on_commit(_redrive_deferred)
    return hold


def _redrive_deferred() -> None:
    from governance.tasks.erasure import erasure_deferred_resume
    from governance.tasks.retention import retention_enforce

    erasure_deferred_resume.delay()
    retention_enforce.delay()
