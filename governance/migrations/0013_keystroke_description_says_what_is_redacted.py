"""The seeded description of keystrokes said every character is redacted; only personal
data typed as text is (cards, ids, emails, phone numbers, IBANs, secrets, password fields).
An officer's own wording is left alone."""

from django.db import migrations

OLD = "Key presses and releases; characters are redacted by safeguards."
NEW = (
    "Key presses and releases with the character typed; personal data typed as text "
    "(card numbers, national ids, emails, phone numbers, IBANs, secrets) and anything typed "
    "into password fields is redacted before it is stored."
)


def forwards(apps, schema_editor):
    apps.get_model("governance", "DataKind").objects.filter(slug="key", description=OLD).update(
        description=NEW
    )


def backwards(apps, schema_editor):
    apps.get_model("governance", "DataKind").objects.filter(slug="key", description=NEW).update(
        description=OLD
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0012_data_subject_requests")]
    operations = [migrations.RunPython(forwards, backwards)]
