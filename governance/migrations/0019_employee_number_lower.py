"""An index on the lower-cased employee number, for the audit log's masking of numbers
in entries' details (a lookup that would otherwise read every employee).

Built CONCURRENTLY, outside a transaction, so the people table stays writable.
"""

import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("governance", "0018_legal_reports"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="employee",
            index=models.Index(
                django.db.models.functions.text.Lower("employee_number"),
                name="employee_number_lower",
            ),
        ),
    ]
