"""Consent evidence kept no longer, and naming no more, than its purpose needs.

Evidence of consent (`ConsentEvent`) is append-only; the database allows exactly
two changes to it (migration 0020), both made here:

- **Network data.** The IP address and user agent of a consent change help show,
  while a dispute is plausible, that the person gave it themselves. After
  `CONSENT_NETWORK_DATA_DAYS` they are minimised (NULL and ''). A receipt is built
  from the other columns, which stay as they were: it reads, and verifies, the same.
- **Leavers.** `EVIDENCE_RETENTION_DAYS` (6 years, a limitation period) after a
  person left, their consent evidence stops naming them: the events' network data
  goes and `actor_label` (their login) becomes their pseudonym; their account's
  login, email and name become the pseudonym or nothing, and it can no longer sign
  in. Receipts then name the pseudonym as the principal.

  Their employee number stays. It names nobody to the portal's readers without
  HR's records (pseudonymous data, Art. 4(5)), it is how HR or legal find the
  evidence again for a claim, and the audit log hides any employee number quoted
  in an entry by looking it up among employees: replaced, it would show in clear
  wherever an officer ever quoted it, in entries the hash chain forbids changing.
  The audit chain itself is untouched: it hashes its own rows, not these fields,
  so `audit_verify` passes before and after.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import ConsentEvent, Employee
from governance.services.audit import audit_record, audits_last

BATCH = 5000
# Events that still hold network data: the condition of their partial index.
HOLDS_NETWORK_DATA = Q(ip_address__isnull=False) | ~Q(user_agent="")


def consent_network_data_minimise(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Minimise the network data of consent events older than CONSENT_NETWORK_DATA_DAYS,
    in batches that each commit with one audit row; returns how many events changed.
    Safe to run twice at once: a batch skips the rows another one holds."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.CONSENT_NETWORK_DATA_DAYS)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                ConsentEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(HOLDS_NETWORK_DATA, occurred_at__lt=before)
                .order_by("occurred_at", "pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return total
            changed = ConsentEvent.objects.filter(pk__in=ids).update(ip_address=None, user_agent="")
            audit_record(
                actor=None,
                action="consent.network_data_minimised",
                details={
                    "events": changed,
                    "occurred_before": before.isoformat(),
                    "days": settings.CONSENT_NETWORK_DATA_DAYS,
                },
            )
        total += changed


def leavers_evidence_pseudonymise(*, now: datetime | None = None, limit: int = 500) -> int:
    """Pseudonymise the consent evidence of people who left EVIDENCE_RETENTION_DAYS ago
    or more (up to `limit` people, each in its own transaction); returns how many."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    due = (
        Employee.objects.filter(left_at__lt=before, evidence_pseudonymised_at__isnull=True)
        .order_by("left_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(employee_evidence_pseudonymise(employee_id=pk, now=now) for pk in list(due))


def employee_evidence_pseudonymise(*, employee_id: int, now: datetime | None = None) -> bool:
    """One leaver's evidence, if due and not done yet; True when this call did it."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    with transaction.atomic(), audits_last():
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee_id)
        if employee.evidence_pseudonymised_at or not employee.left_at or employee.left_at >= before:
            return False
        events = ConsentEvent.objects.filter(employee=employee)
        own = events.filter(actor_id=employee.user_id).update(
            ip_address=None, user_agent="", actor_label=employee.subject_id
        )
        # An officer's or the system's change keeps its actor: that names them, not the person.
        others = (
            events.exclude(actor_id=employee.user_id)
            .filter(HOLDS_NETWORK_DATA)
            .update(ip_address=None, user_agent="")
        )
        # By UPDATE, not save(): no account signal writes an audit row naming the login.
        get_user_model().objects.filter(pk=employee.user_id).update(
            username=employee.subject_id,
            email="",
            first_name="",
            last_name="",
            is_active=False,
            password=make_password(None),
        )
        employee.evidence_pseudonymised_at = now
        employee.save(update_fields=["evidence_pseudonymised_at"])
        audit_record(
            actor=None,
            action="employee.evidence_pseudonymised",
            target=employee,
            subject=employee.subject_id,
            details={
                "left_at": employee.left_at.isoformat(),
                "consent_events_by_them": own,
                "consent_events_minimised_otherwise": others,
            },
        )
    return True
