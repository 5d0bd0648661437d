"""A notice version holds one text per language, and a consent event names the text shown.

Every existing notice becomes one text in its own language with the same title and body,
so the version hashes that consent events and receipts carry stay what they were. The
texts of a published version never change: a trigger refuses INSERT, UPDATE and DELETE
of a text whose version is published (also through a version's deletion).
"""

import hashlib

import django.db.models.deletion
import orjson
from django.db import migrations, models


def text_hash(version: int, language: str, title: str, body: str) -> str:
    """services.notices.notice_text_hash as it is now (a migration keeps its own copy)."""
    content = {"version": version, "language": language, "title": title, "body": body}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def texts_from_notices(apps, schema_editor):
    Notice = apps.get_model("governance", "Notice")
    NoticeText = apps.get_model("governance", "NoticeText")
    NoticeText.objects.bulk_create(
        NoticeText(
            notice_id=pk,
            language=language,
            title=title,
            body=body,
            content_hash=text_hash(version, language, title, body),
        )
        for pk, version, language, title, body in Notice.objects.values_list(
            "pk", "version", "language", "title", "body"
        ).iterator()
    )


PUBLISHED_TEXTS_FIXED = """
CREATE FUNCTION governance_noticetext_draft_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM governance_notice
               WHERE status = 'published'
                 AND id IN (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.notice_id END,
                            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.notice_id END))
    THEN
        RAISE EXCEPTION '% on % is not allowed: the texts of a published notice never change',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER governance_noticetext_draft_only
    BEFORE INSERT OR UPDATE OR DELETE ON governance_noticetext
    FOR EACH ROW EXECUTE FUNCTION governance_noticetext_draft_only();
CREATE TRIGGER governance_noticetext_no_truncate BEFORE TRUNCATE ON governance_noticetext
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
"""

PUBLISHED_TEXTS_FREE = """
DROP TRIGGER governance_noticetext_no_truncate ON governance_noticetext;
DROP TRIGGER governance_noticetext_draft_only ON governance_noticetext;
DROP FUNCTION governance_noticetext_draft_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0028_employee_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="consentevent",
            name="text_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="consentevent",
            name="text_language",
            field=models.CharField(blank=True, max_length=16, null=True),
        ),
        migrations.CreateModel(
            name="NoticeText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(help_text="One of LANGUAGES", max_length=16)),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField()),
                ("withdrawal_right", models.TextField(blank=True)),
                ("access_right", models.TextField(blank=True)),
                ("safeguards", models.TextField(blank=True)),
                ("content_hash", models.CharField(help_text="SHA-256 of this text", max_length=64)),
                (
                    "notice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="texts",
                        to="governance.notice",
                    ),
                ),
            ],
            options={
                "ordering": ["language"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("notice", "language"), name="one_text_per_language"
                    )
                ],
            },
        ),
        migrations.RunPython(texts_from_notices, migrations.RunPython.noop),
        migrations.RunSQL(PUBLISHED_TEXTS_FIXED, PUBLISHED_TEXTS_FREE),
    ]
