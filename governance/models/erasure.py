from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.consent import ConsentEvent
from governance.models.people import Employee


class OwedErasure(models.Model):
    """A durable record, committed with a withdrawal (or once the grace period of a
    lapsed or expired consent has passed), that a scope's data must be erased.

    The erasure engine turns these into jobs; until a job exists the erasure is
    listed for officers and shown to the employee as pending.
    """

    class State(models.TextChoices):
        OWED = "owed", _("Pending")
        SCHEDULED = "scheduled", _("Scheduled")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="owed_erasures")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    cause = models.OneToOneField(
        ConsentEvent, on_delete=models.PROTECT, related_name="owed_erasure"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OWED)
    created_at = models.DateTimeField()
    job = models.ForeignKey(
        "ErasureJob", null=True, blank=True, on_delete=models.PROTECT, related_name="owed"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            # The officers' list, newest first, reads its page without sorting every one.
            models.Index(fields=["-created_at", "-id"]),
        ]

    @property
    def erasure_cause(self) -> str:
        """Why the job is run: a withdrawal, or consent that ended and was not renewed."""
        if self.cause.action == "withdrawn":
            return ErasureCause.CONSENT_WITHDRAWAL
        return ErasureCause.CONSENT_ENDED


class ErasureCause(models.TextChoices):
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Consent withdrawn")
    # Lapsed by a material notice or expired by age, and not given again in the grace period.
    CONSENT_ENDED = "consent_ended", _("Consent lapsed or expired")
    OFFICER = "officer", _("Privacy officer")
    REQUEST = "request", _("Data subject request")
    LEFT = "left", _("Left the company")


class ErasureJob(models.Model):
    """Erase one subject's data (all of it, or one scope) from every registered store.

    A saga kept in PostgreSQL: one ErasureStep per store, each driven by a task
    that can die and be re-driven. The job issues a signed receipt once, when
    every step has verified zero residue.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("In progress")
        VERIFIED = "verified", _("Done")
        BLOCKED_BY_HOLD = "blocked_by_hold", _("Partly deferred by a legal hold")
        FAILED = "failed", _("Failed")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="erasure_jobs")
    subject = models.CharField(max_length=40)
    cause = models.CharField(max_length=32, choices=ErasureCause.choices)
    cause_ref = models.CharField(max_length=64, blank=True)
    # Empty lists mean "every": an officer's or a request's erasure covers everything.
    purpose_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    application_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    data_kind_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    # Whether erasing everything also restricted the person's capture (Art. 18), so the
    # erased stores do not fill up again; None where nobody chose (a withdrawal's scope).
    restricts_capture = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    receipt = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["employee", "-created_at"]),
            # The officers' list, newest first, reads its page without sorting every job.
            models.Index(fields=["-created_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"erasure #{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.VERIFIED, self.State.FAILED)


class ErasureStep(models.Model):
    """The part of an ErasureJob that concerns one store."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        VERIFIED = "verified", _("Verified")
        BLOCKED_BY_HOLD = "blocked_by_hold", _("Blocked by hold")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(ErasureJob, on_delete=models.PROTECT, related_name="steps")
    store = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    rows_before = models.BigIntegerField(null=True, blank=True)
    # The store's estimate when the step starts: progress until the fresh count is exact.
    rows_expected = models.BigIntegerField(null=True, blank=True)
    rows_deleted = models.BigIntegerField(default=0)
    rows_after = models.BigIntegerField(null=True, blank=True)
    rows_held = models.BigIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job", "store"]
        constraints = [models.UniqueConstraint(fields=["job", "store"], name="one_step_per_store")]
        indexes = [models.Index(fields=["state", "lease_until"])]
