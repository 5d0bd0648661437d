import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.notices import Notice
from governance.models.people import Employee


class ConsentAction(models.TextChoices):
    GRANTED = "granted", pgettext_lazy("consent state", "Granted")
    WITHDRAWN = "withdrawn", pgettext_lazy("consent state", "Withdrawn")
    EXPIRED = "expired", pgettext_lazy("consent state", "Expired")
    LAPSED = "lapsed", pgettext_lazy("consent state", "Lapsed by a new notice")


class ConsentMethod(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    SYSTEM = "system", _("System")


class ConsentEvent(models.Model):
    """One change of one person's consent for one scope. Append-only (triggers), except
    that its network data (`ip_address`, `user_agent`) may be minimised and, once the
    person's evidence is pseudonymised, `actor_label` may become their pseudonym."""

    receipt_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="consent_events")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=ConsentAction.choices)
    state_version = models.PositiveIntegerField(help_text="ConsentState.version after this event")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+")
    notice_version = models.PositiveIntegerField()
    notice_hash = models.CharField(max_length=64)
    # The text of the notice the person was shown (grants only; empty on older events).
    text_language = models.CharField(max_length=16, null=True, blank=True)
    text_hash = models.CharField(max_length=64, null=True, blank=True)
    occurred_at = models.DateTimeField()
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["employee", "-occurred_at"]),
            # A notice's page counts the consents it lapsed; every grant names its notice
            # too, so without this the count filters all of that notice's grants.
            models.Index(
                fields=["notice"],
                condition=models.Q(action="lapsed"),
                name="consentevent_lapsed_idx",
            ),
            # Network data is minimised after CONSENT_NETWORK_DATA_DAYS: the daily run reads
            # only the events that still hold some, oldest first.
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(ip_address__isnull=False) | ~models.Q(user_agent=""),
                name="consentevent_network_data_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "purpose", "application", "data_kind", "state_version"],
                name="one_event_per_consent_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.receipt_id}"


class ConsentState(models.Model):
    """Current consent per employee × scope: the fold of its ConsentEvents.

    The ingestion gate reads this row (FOR SHARE) in the transaction that
    writes events; grants and withdrawals lock it FOR UPDATE, which is what
    makes a withdrawal and the gate linearisable.
    """

    class State(models.TextChoices):
        GRANTED = "granted", pgettext_lazy("consent state", "Granted")
        WITHDRAWN = "withdrawn", pgettext_lazy("consent state", "Withdrawn")
        EXPIRED = "expired", pgettext_lazy("consent state", "Expired")
        LAPSED = "lapsed", pgettext_lazy("consent state", "Needs your review")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="consent_states")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices)
    version = models.PositiveIntegerField(default=0)
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+")
    last_event = models.ForeignKey(ConsentEvent, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "purpose", "application", "data_kind"],
                name="one_state_per_scope",
            )
        ]
        indexes = [
            models.Index(fields=["state", "notice"]),
            # Who holds a grant (of a purpose): the aggregates read only this, index-only.
            models.Index(
                fields=["purpose", "employee"],
                condition=models.Q(state="granted"),
                name="consentstate_granted_idx",
            ),
            # Grants past CONSENT_MAX_AGE_DAYS, and lapses past their grace period, are
            # found by state and age (a granted row's updated_at is when it was granted).
            models.Index(fields=["state", "updated_at"], name="consentstate_state_age_idx"),
        ]

    @property
    def is_granted(self) -> bool:
        return self.state == self.State.GRANTED


ACTION_TO_STATE = {
    ConsentAction.GRANTED: ConsentState.State.GRANTED,
    ConsentAction.WITHDRAWN: ConsentState.State.WITHDRAWN,
    ConsentAction.EXPIRED: ConsentState.State.EXPIRED,
    ConsentAction.LAPSED: ConsentState.State.LAPSED,
}


class ConsentHolding(models.Model):
    """How many scopes a person holds granted now, per purpose; with no purpose, in all.

    Derived from ConsentState and written in the same transaction as every change
    of a state to or from granted, under the person's consent lock, so the
    aggregates count holders from one row per person instead of a DISTINCT over
    every grant. Like ConsentState it describes consent, not interaction data,
    and it goes wherever ConsentState goes.
    """

    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="consent_holdings"
    )
    purpose = models.ForeignKey(
        Purpose, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    granted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # One total row (purpose NULL) per person too: NULLs count as equal here.
            models.UniqueConstraint(
                fields=["employee", "purpose"],
                name="one_holding_per_purpose",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(granted__gte=0), name="holding_granted_not_negative"
            ),
        ]


class AggregateCount(models.Model):
    """A count over everyone, as last taken, under a key naming what was counted
    (e.g. `consent:department:any`, `holders:application_id`).

    Counting reads every person; pages read this instead and count again once it is
    older than CONSENT_AGGREGATES_MAX_AGE seconds. The consent aggregates per
    department or country are stored as the pages show them, already suppressed under
    `min_group_size`; holders per application or data kind are counts over everyone,
    suppressed where they are shown (governance/selectors/counts.py).
    """

    key = models.CharField(max_length=80, unique=True)
    min_group_size = models.PositiveIntegerField()
    counted_at = models.DateTimeField()
    groups = models.JSONField(default=list)
