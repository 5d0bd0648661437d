"""The data kinds of the capture client and the four role groups exist from the start."""

from django.db import migrations

DATA_KINDS = [
    ("key", "Keystrokes", "Key presses and releases; characters are redacted by safeguards."),
    ("pointer", "Pointer movement", "Mouse or trackpad positions over time."),
    ("click", "Clicks", "Pointer button presses and releases."),
    ("scroll", "Scrolling", "Scroll wheel and gesture deltas."),
    ("menu", "Menu navigation", "Menu paths chosen in an application."),
    ("window_focus", "Window focus", "Which window is active; titles are stored only hashed."),
]
ROLES = ["employee", "privacy_officer", "legal", "admin"]


def forwards(apps, schema_editor):
    DataKind = apps.get_model("governance", "DataKind")
    Group = apps.get_model("auth", "Group")
    for slug, name, description in DATA_KINDS:
        DataKind.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_append_only_evidence"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
