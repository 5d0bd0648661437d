"""Signed checkpoints of the audit chain: evidence, so append-only like the chain itself.

The triggers reuse `governance_refuse_change()` from 0002.
"""

from django.db import migrations, models

TABLE = "governance_auditcheckpoint"

TRIGGERS = f"""
CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
"""

DROP_TRIGGERS = f"""
DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_aggregate_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "seq",
                    models.BigIntegerField(
                        help_text="Sequence number of the head", primary_key=True, serialize=False
                    ),
                ),
                (
                    "head_hash",
                    models.CharField(help_text="Hash of the event at `seq`", max_length=64),
                ),
                ("signed_at", models.DateTimeField()),
                (
                    "key_id",
                    models.CharField(
                        help_text="SHA-256 of the raw public key (hex)", max_length=64
                    ),
                ),
                (
                    "signature",
                    models.CharField(help_text="Ed25519 signature, base64url", max_length=128),
                ),
            ],
            options={
                "ordering": ["-seq"],
            },
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
