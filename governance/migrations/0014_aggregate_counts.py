from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0013_keystroke_description_says_what_is_redacted"),
    ]

    operations = [
        migrations.CreateModel(
            name="AggregateCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=80, unique=True)),
                ("min_group_size", models.PositiveIntegerField()),
                ("counted_at", models.DateTimeField()),
                ("groups", models.JSONField(default=list)),
            ],
        ),
    ]
