"""Indexes for the audit log's actor and action-prefix filters.

Built CONCURRENTLY (outside a transaction): the audit table is the largest that
every audited change appends to, and a plain CREATE INDEX would block those
writes for as long as the build takes on millions of rows.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("governance", "0016_works_council_role"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["actor_id", "-seq"], name="auditevent_actor_seq"),
        ),
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass("action", name="varchar_pattern_ops"),
                models.OrderBy(models.F("seq"), descending=True),
                name="auditevent_action_prefix",
            ),
        ),
    ]
