"""The migration to texts per language: every notice becomes one text with its content,
and its version hash (which consent events and receipts carry) stays what it was."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from governance.models import Notice
from governance.services.notices import notice_content_hash, notice_text_hash
from tests.ingestion.test_migration_drop_tally import migrate, migration_named
from tests.notices.test_statement import legacy_hash


@pytest.fixture
def around(transactional_db):
    """(the migration before, this one); the schema is back at the newest afterwards."""
    executor = MigrationExecutor(connection)
    texts = migration_named(executor, "_notice_texts")
    [before] = executor.loader.graph.node_map[texts].parents
    yield before.key, texts
    migrate(executor.loader.graph.leaf_nodes())


def test_every_notice_becomes_one_text_in_its_language_and_keeps_its_hash(around):
    before, texts = around
    migrate([before])
    old = MigrationExecutor(connection).loader.project_state([before]).apps
    officer = get_user_model().objects.create_user("olivia@example.com", password="x")
    OldNotice = old.get_model("governance", "Notice")
    for version, language, status in ((1, "en", "published"), (2, "de", "draft")):
        OldNotice.objects.create(
            version=version,
            language=language,
            title=f"Notice {version}",
            body=f"Text {version}.",
            effective_at=timezone.now(),
            status=status,
            created_by_id=officer.pk,
        )

    migrate([texts])

    for notice in Notice.objects.order_by("version"):
        [text] = notice.texts.all()
        assert (text.language, text.title, text.body) == (
            notice.language,
            notice.title,
            notice.body,
        )
        assert text.content_hash == notice_text_hash(
            version=notice.version, language=notice.language, title=notice.title, body=notice.body
        )
        # One text: the version hash is the one it was published with.
        assert notice_content_hash(notice) == legacy_hash(notice)
