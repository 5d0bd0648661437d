"""Data subject requests (GDPR Art. 15–21, CPRA), their history, and the emails they send."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.erasure import ErasureJob
from governance.models.people import Employee


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to my data (Art. 15)")
    PORTABILITY = "portability", _("A portable copy (Art. 20)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RECTIFICATION = "rectification", _("Correction (Art. 16)")
    RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
    OBJECTION = "objection", _("Objection (Art. 21)")


# The kinds that may name a part of the person's data (purpose × application × kind).
SCOPED_KINDS = frozenset({RequestKind.ERASURE, RequestKind.RESTRICTION, RequestKind.OBJECTION})
# The kinds fulfilled by a package of the person's data.
PACKAGE_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})


class RequestClock(models.TextChoices):
    GDPR = "gdpr", _("GDPR: one month, extendable by two")
    UK_GDPR = "uk_gdpr", _("UK GDPR: one month, extendable by two")
    CPRA = "cpra", _("CPRA: 45 days, extendable by 45")


class DataRequest(models.Model):
    """One request of a person about their data, worked by the privacy team to its deadline.

    `due_on` is always the current deadline: the first one from the clock, plus the
    days spent waiting for proof of identity, plus an extension.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        AWAITING_IDENTITY = "awaiting_identity", _("Waiting for proof of identity")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED_BY_HOLD = "blocked_by_hold", _("Partly deferred by a legal hold")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (
        State.RECEIVED,
        State.AWAITING_IDENTITY,
        State.IN_PROGRESS,
        State.BLOCKED_BY_HOLD,
    )
    # The states in which the deadline runs: waiting for proof of identity stops the
    # clock, and an erasure deferred by a legal obligation has had its answer.
    CLOCK_STATES = (State.RECEIVED, State.IN_PROGRESS)

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="data_requests")
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    purpose = models.ForeignKey(
        Purpose, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data_kind = models.ForeignKey(
        DataKind, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    details = models.TextField(blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # How an officer filing on someone's behalf, or verifying, checked who they are.
    identity_check = models.CharField(max_length=500, blank=True)
    jurisdiction = models.CharField(max_length=40)
    clock = models.CharField(max_length=8, choices=RequestClock.choices)
    received_at = models.DateTimeField()
    due_on = models.DateField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    extended_days = models.PositiveIntegerField(default=0)
    extension_reason = models.CharField(max_length=500, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # What was done (completed) or why not (rejected), as the person is told.
    outcome = models.TextField(blank=True)
    erasure_job = models.ForeignKey(
        ErasureJob, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # A second open request of the same kind and scope is the first one.
            models.UniqueConstraint(
                fields=["employee", "kind", "purpose", "application", "data_kind"],
                condition=Q(
                    state__in=["received", "awaiting_identity", "in_progress", "blocked_by_hold"]
                ),
                nulls_distinct=False,
                name="one_open_request_per_kind_and_scope",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"]),
            models.Index(fields=["employee", "-received_at"]),
            models.Index(fields=["assignee", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"request #{self.pk} ({self.kind}, {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class DataRequestEvent(models.Model):
    """One line of a request's history, as both the person and the officers read it."""

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="history")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]


class SentEmail(models.Model):
    """Every email the portal sent (or failed to send), for the record."""

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    kind = models.CharField(max_length=32)
    request = models.ForeignKey(
        DataRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="emails"
    )
    sent_at = models.DateTimeField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-sent_at"])]


class ExportPackage(models.Model):
    """A zip of everything kept about one person, built for an access or portability request.

    The file lives in the `exports` file storage; this row is the `exports` store's
    record of it, erased with the person and expired by retention.
    """

    class State(models.TextChoices):
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        REVOKED = "revoked", _("Link revoked")
        EXPIRED = "expired", _("Expired")
        ERASED = "erased", _("Erased")

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="packages")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=40)
    state = models.CharField(max_length=12, choices=State.choices, default=State.BUILDING)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField(null=True, blank=True)
    rows_expected = models.BigIntegerField(null=True, blank=True)
    rows_written = models.BigIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "state"]),
            models.Index(fields=["state", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"package #{self.pk} ({self.state})"
