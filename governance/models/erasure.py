from django.db import models

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.consent import ConsentEvent
from governance.models.people import Employee


class OwedErasure(models.Model):
    """A durable record, committed with a withdrawal, that a scope's data must be erased.

    The erasure engine turns these into jobs; until a job exists the erasure is
    listed for officers and shown to the employee as pending.
    """

    class State(models.TextChoices):
        OWED = "owed", "Pending"
        SCHEDULED = "scheduled", "Scheduled"

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="owed_erasures")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    cause = models.OneToOneField(
        ConsentEvent, on_delete=models.PROTECT, related_name="owed_erasure"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OWED)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]
