"""Interaction data as stored: raw events (partitioned by day) and what is derived from them.

Every row names its person by the pseudonymous `subject` id, never by email.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from governance.models.catalogue import Application, DataKind, Purpose
from governance.models.devices import CaptureDevice

EVENT_TABLE = "governance_interactionevent"


class EventType(models.TextChoices):
    KEY_DOWN = "key_down", _("Key down")
    KEY_UP = "key_up", _("Key up")
    POINTER_MOVE = "pointer_move", _("Pointer move")
    POINTER_DOWN = "pointer_down", _("Pointer down")
    POINTER_UP = "pointer_up", _("Pointer up")
    SCROLL = "scroll", _("Scroll")
    MENU_SELECT = "menu_select", _("Menu select")
    WINDOW_FOCUS = "window_focus", _("Window focus")


# Which catalogue data kind each event type is recorded (and consented) as.
EVENT_TYPE_KIND = {
    EventType.KEY_DOWN: "key",
    EventType.KEY_UP: "key",
    EventType.POINTER_MOVE: "pointer",
    EventType.POINTER_DOWN: "click",
    EventType.POINTER_UP: "click",
    EventType.SCROLL: "scroll",
    EventType.MENU_SELECT: "menu",
    EventType.WINDOW_FOCUS: "window_focus",
}


class InteractionEvent(models.Model):
    """One captured event. The table is range-partitioned by day on `ts` (raw SQL migration),
    so Django does not manage it; this model is for reading and counting."""

    id = models.BigIntegerField(primary_key=True)
    ts = models.DateTimeField()
    subject = models.CharField(max_length=40)
    purpose = models.ForeignKey(Purpose, on_delete=models.DO_NOTHING, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.DO_NOTHING, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.DO_NOTHING, related_name="+")
    event_type = models.CharField(max_length=16, choices=EventType.choices)
    consent_version = models.IntegerField()
    device = models.ForeignKey(CaptureDevice, on_delete=models.DO_NOTHING, related_name="+")
    session_id = models.CharField(max_length=64)
    batch_id = models.UUIDField()
    key_code = models.CharField(max_length=32, null=True)
    key_char = models.CharField(max_length=16, null=True)
    redaction = models.CharField(max_length=16, null=True)
    pointer_x = models.IntegerField(null=True)
    pointer_y = models.IntegerField(null=True)
    button = models.CharField(max_length=16, null=True)
    scroll_dx = models.IntegerField(null=True)
    scroll_dy = models.IntegerField(null=True)
    menu_path = models.JSONField(null=True)
    title_hash = models.CharField(max_length=64, null=True)

    class Meta:
        managed = False
        db_table = EVENT_TABLE


class IngestBatch(models.Model):
    """A batch already taken: the same batch_id again gets this result, nothing stored twice."""

    batch_id = models.UUIDField(primary_key=True)
    device = models.ForeignKey(CaptureDevice, on_delete=models.PROTECT, related_name="batches")
    received_at = models.DateTimeField()
    events = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField()
    redacted = models.PositiveIntegerField()
    dropped = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["device", "-received_at"])]


class SessionSummary(models.Model):
    """Per person, device, capture session and application: span, counts by kind, active time."""

    subject = models.CharField(max_length=40)
    device = models.ForeignKey(CaptureDevice, on_delete=models.PROTECT, related_name="+")
    session_id = models.CharField(max_length=64)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    events = models.PositiveIntegerField()
    counts = models.JSONField(default=dict, help_text="events by data kind slug")
    active_seconds = models.PositiveIntegerField()
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "device", "session_id", "application"],
                name="one_summary_per_session_app",
            )
        ]
        indexes = [
            models.Index(fields=["subject", "-started_at"]),
            # Retention reads only rows older than the youngest cut-off.
            models.Index(fields=["started_at"]),
        ]


class SessionRefresh(models.Model):
    """Durable to-do, written with the events: this session's summary must be recomputed."""

    subject = models.CharField(max_length=40)
    device = models.ForeignKey(CaptureDevice, on_delete=models.PROTECT, related_name="+")
    session_id = models.CharField(max_length=64)
    requested_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "device", "session_id"], name="one_refresh_per_session"
            )
        ]


class ActivityDay(models.Model):
    """Events stored and keystrokes redacted per person, day, application and data kind."""

    subject = models.CharField(max_length=40)
    day = models.DateField()
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    data_kind = models.ForeignKey(DataKind, on_delete=models.PROTECT, related_name="+")
    events = models.BigIntegerField(default=0)
    redacted = models.BigIntegerField(default=0)
    last_recorded = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "day", "application", "data_kind"], name="one_activity_row"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "-day"]),
            # Retention reads only days older than the youngest cut-off.
            models.Index(fields=["day"]),
        ]


class DropTally(models.Model):
    """Events refused per capture device, application, day and reason, naming no one.

    A count of one person's refusals per day would be a daily activity record of
    someone who said no (or was restricted, or used an excluded application): the
    refusal itself must leave no trace about them. The device and application
    are enough to see a misconfigured client or an application to exclude.
    """

    device = models.ForeignKey(
        CaptureDevice,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Null for tallies kept before they named the device (merged, per day)",
    )
    application = models.ForeignKey(
        Application,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Null when the application is not in the catalogue",
    )
    day = models.DateField()
    reason = models.CharField(max_length=32)
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "application", "day", "reason"],
                name="one_drop_tally_per_device",
                nulls_distinct=False,
            )
        ]
        # Retention reads only days older than the youngest cut-off.
        indexes = [models.Index(fields=["day"])]
