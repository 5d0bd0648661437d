from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """A legal report: asked for by one user, built on the `exports` queue, kept until it
    expires (REPORT_TTL_DAYS after it is built).

    The file lives in the `exports` file storage. A report about many people is legal's
    evidence, not one person's data: erasing a person leaves it (it carries no subject
    of its own); it goes when it expires, through the retention run.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        ERASED = "erased", _("Erased")

    kind = models.CharField(max_length=32)
    format = models.CharField(max_length=8)
    params = models.JSONField(default=dict, help_text="from, to and the kind's filters")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    rows_expected = models.BigIntegerField(null=True, blank=True)
    rows_written = models.BigIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A build past this time is taken as dead"
    )
    last_error = models.TextField(blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requester", "-created_at", "-id"]),
            models.Index(fields=["state", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"report #{self.pk} {self.kind} ({self.state})"
