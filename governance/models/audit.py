from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One link of the hash-chained audit log. Append-only (database triggers).

    `hash` = sha256(prev_hash || canonical JSON of the other fields); the chain
    order is `seq`, assigned under one advisory lock so it equals commit order.
    """

    class ActorType(models.TextChoices):
        USER = "user", _("User")
        SERVICE = "service", _("Service principal")
        SYSTEM = "system", _("System")

    seq = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    subject = models.CharField(max_length=40, blank=True, help_text="Subject pseudonym")
    purpose = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["subject", "-seq"]),
            models.Index(fields=["action", "-seq"]),
            models.Index(fields=["occurred_at"]),
            # The audit page's filters page by seq within one actor, or one action prefix
            # (LIKE 'x%' needs the pattern operator class under a non-C collation).
            models.Index(fields=["actor_id", "-seq"], name="auditevent_actor_seq"),
            models.Index(
                OpClass("action", name="varchar_pattern_ops"),
                F("seq").desc(),
                name="auditevent_action_prefix",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditCheckpoint(models.Model):
    """The chain head at `seq`, signed with the portal's Ed25519 key. Append-only.

    Anyone holding the public key can check that the events up to `seq` are the
    ones the portal had then: rewriting history would need a new signature. The
    signature covers the canonical JSON of `checkpoint_document()`.
    """

    seq = models.BigIntegerField(primary_key=True, help_text="Sequence number of the head")
    head_hash = models.CharField(max_length=64, help_text="Hash of the event at `seq`")
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64, help_text="SHA-256 of the raw public key (hex)")
    signature = models.CharField(max_length=128, help_text="Ed25519 signature, base64url")

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
