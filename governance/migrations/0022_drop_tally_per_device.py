"""Refused events are tallied per capture device, application, day and reason, no longer
per person.

The per-person rows never recorded the device or the application, so they cannot be
split by them: each day's and reason's rows are summed into one row naming neither
(device and application null), and every row naming a person is deleted, in one
statement. Going back leaves no tallies: a row that names no one cannot be given back
to the person it came from.
"""

import django.db.models.deletion
from django.db import migrations, models

MERGE_INTO_DAYS = """
WITH per_person AS (
    DELETE FROM governance_droptally RETURNING day, reason, events
)
INSERT INTO governance_droptally (subject, day, reason, events, device_id, application_id)
SELECT '', day, reason, sum(events), NULL, NULL FROM per_person GROUP BY day, reason
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0021_notice_lapse_scope_and_consent_age"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="droptally", name="one_drop_tally"),
        migrations.AddField(
            model_name="droptally",
            name="application",
            field=models.ForeignKey(
                help_text="Null when the application is not in the catalogue",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="governance.application",
            ),
        ),
        migrations.AddField(
            model_name="droptally",
            name="device",
            field=models.ForeignKey(
                help_text="Null for tallies kept before they named the device (merged, per day)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="governance.capturedevice",
            ),
        ),
        # The subject column is still NOT NULL here: the merged rows name nobody with ''.
        migrations.RunSQL(MERGE_INTO_DAYS, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(model_name="droptally", name="subject"),
        # Backwards, the subject column comes back NOT NULL: no row may be there then.
        migrations.RunSQL(migrations.RunSQL.noop, reverse_sql="DELETE FROM governance_droptally"),
        migrations.AddConstraint(
            model_name="droptally",
            constraint=models.UniqueConstraint(
                fields=("device", "application", "day", "reason"),
                name="one_drop_tally_per_device",
                nulls_distinct=False,
            ),
        ),
    ]
