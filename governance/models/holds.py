from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from governance.models.people import Employee


def default_review_at():
    return timezone.now() + timedelta(days=settings.LEGAL_HOLD_REVIEW_DAYS)


class LegalHold(models.Model):
    """Data that must be preserved for a legal matter; beats retention and erasure.

    Covers the custodians' rows in the listed stores (empty: every store) whose
    time falls in [starts, ends) (an absent bound is open). Deletion that meets
    held rows is deferred and resumes when the last covering hold is released.
    """

    matter = models.CharField(max_length=200)
    reason = models.TextField()
    custodians = models.ManyToManyField(Employee, related_name="legal_holds")
    starts = models.DateTimeField(null=True, blank=True)
    ends = models.DateTimeField(null=True, blank=True)
    stores = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.TextField(blank=True)
    # Legal looks again by this date whether the hold is still needed (storage limitation).
    review_at = models.DateTimeField(default=default_review_at)
    # The review date legal was last reminded of: one reminder per date, whoever sends it.
    review_reminded_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["released_at"]), models.Index(fields=["review_at"])]

    def __str__(self) -> str:
        return self.matter

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    @property
    def review_overdue(self) -> bool:
        return self.is_active and self.review_at <= timezone.now()

    def covers_store(self, store: str) -> bool:
        return not self.stores or store in self.stores
