"""Training pipelines and the dataset snapshots built for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.people import Employee
from governance.models.principals import TokenPrincipal


class TrainingPipeline(TokenPrincipal):
    """A training job's principal: reads snapshots of the purposes it is registered for.

    Like a capture device, it holds a bearer token of which only the hash is kept."""

    purposes = models.ManyToManyField(Purpose, related_name="+")

    class Meta(TokenPrincipal.Meta):
        pass


class DatasetSnapshot(models.Model):
    """Consented events of one purpose, applications, kinds and time range, as Parquet
    shards. `definition` identifies what was asked for: a newer ready snapshot of the
    same definition supersedes the older ones."""

    class State(models.TextChoices):
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        SUPERSEDED = "superseded", _("Superseded")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed")

    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    applications = models.ManyToManyField(Application, related_name="+")
    data_kinds = models.ManyToManyField(DataKind, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    definition = models.CharField(max_length=64, db_index=True)
    pipeline = models.ForeignKey(
        TrainingPipeline, null=True, blank=True, on_delete=models.PROTECT, related_name="datasets"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.BUILDING)
    # The key of this snapshot's subject pseudonyms: never shown, never shared, so two
    # snapshots cannot be joined on people.
    pseudonym_key = models.CharField(max_length=64, editable=False)
    location = models.CharField(max_length=500, blank=True)
    rows_expected = models.BigIntegerField(null=True, blank=True)
    rows_written = models.BigIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"Dataset #{self.pk} ({self.purpose_id}, {self.state})"

    @property
    def percent(self) -> int:
        if self.state != self.State.BUILDING:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, int(100 * self.rows_written / self.rows_expected))


class DatasetLineage(models.Model):
    """How many rows of one person, application and data kind one shard holds: the index
    erasure and lineage read.

    Kept here, never in the shards, which name people only by the snapshot's pseudonym."""

    dataset = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="lineage")
    shard = models.PositiveIntegerField()
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "shard", "employee", "application", "data_kind"],
                name="dataset_lineage_unique",
            )
        ]
        indexes = [models.Index(fields=["employee", "dataset"])]


class TrainedModel(models.Model):
    """A model a pipeline trained on some snapshots: what lineage answers "which models
    saw my data?" with."""

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100)
    pipeline = models.ForeignKey(TrainingPipeline, on_delete=models.PROTECT, related_name="models")
    datasets = models.ManyToManyField(DatasetSnapshot, related_name="models")
    trained_at = models.DateTimeField()
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="trained_model_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class DatasetWithdrawal(models.Model):
    """A person's data in a snapshot that a withdrawal, an objection or an erasure reached:
    the models trained on the snapshot before it were trained on data since withdrawn."""

    dataset = models.ForeignKey(
        DatasetSnapshot, on_delete=models.CASCADE, related_name="withdrawals"
    )
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    job = models.ForeignKey(
        "governance.ErasureJob", on_delete=models.PROTECT, related_name="dataset_withdrawals"
    )
    rows = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "dataset"], name="dataset_withdrawal_unique")
        ]
        indexes = [models.Index(fields=["dataset", "created_at"])]
