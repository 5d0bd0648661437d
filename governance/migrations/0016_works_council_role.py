"""Employee representatives get a role of their own: the works council's aggregate dashboard."""

from django.db import migrations


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="works_council")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0015_audit_checkpoints"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
