from django.conf import settings
from django.db import models

from governance.models.catalogue import Application, DataKind, Purpose


class RetentionPolicy(models.Model):
    """Keep a store's data of these purposes × applications × data kinds for N days
    (empty: all).

    Where several enabled policies cover the same data, the shortest keep wins: data
    is kept no longer than the purposes need. A policy marked `legal_minimum` (a law
    requires keeping the data that long) is a floor instead: the longest legal
    minimum covering the data overrides any shorter keep.
    """

    name = models.CharField(max_length=120)
    store = models.CharField(max_length=32)
    purposes = models.ManyToManyField(Purpose, blank=True, related_name="+")
    applications = models.ManyToManyField(Application, blank=True, related_name="+")
    data_kinds = models.ManyToManyField(DataKind, blank=True, related_name="+")
    keep_days = models.PositiveIntegerField()
    legal_minimum = models.BooleanField(
        default=False, help_text="A law requires keeping this data at least this long"
    )
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["store", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.store}, {self.keep_days} days)"


class RetentionRun(models.Model):
    """Evidence of one enforcement (or dry run) of retention on one store."""

    policy = models.ForeignKey(
        RetentionPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    store = models.CharField(max_length=32)
    cutoff = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    rows_removed = models.BigIntegerField(default=0)
    rows_held = models.BigIntegerField(default=0)
    partitions_dropped = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["store", "-started_at"])]
