"""Personas, one per role, and the catalogue most tests need.

alice and bob are employees (bob is "someone else"), olivia is a privacy
officer, leo is legal, ada is an admin.
"""

import pytest
from django.db import connection

from governance.models import Role
from governance.models.ingestion import EVENT_TABLE
from governance.services.scopes import Scope
from tests.factories import PASSWORD, make_catalogue, make_user, publish_notice

pytest_plugins = ["tests.worker"]


@pytest.fixture
def alice(db):
    return make_user("alice@example.com", department="Engineering", country="DE")


@pytest.fixture
def bob(db):
    return make_user("bob@example.com", department="Finance", country="FR")


@pytest.fixture
def olivia(db):
    return make_user("olivia@example.com", roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER))


@pytest.fixture
def leo(db):
    return make_user("leo@example.com", roles=(Role.EMPLOYEE, Role.LEGAL))


@pytest.fixture
def ada(db):
    user = make_user("ada@example.com", roles=(Role.ADMIN,), employee=False)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def catalogue(db, olivia):
    cat = make_catalogue()
    cat["notice"] = publish_notice(olivia, cat)
    return cat


@pytest.fixture
def scope(catalogue):
    return Scope(catalogue["purpose"], catalogue["applications"][0], catalogue["kinds"][0])


@pytest.fixture
def other_scope(catalogue):
    return Scope(catalogue["purpose"], catalogue["applications"][1], catalogue["kinds"][1])


@pytest.fixture
def transactional_db(transactional_db):
    """Tests that commit end with a flush, which must truncate the append-only tables.

    Truncation triggers fire only in the default replication role; switching
    this connection to `replica` for the flush is what a superuser maintaining
    the database would do. `_evidence_triggers_on` resets it for the next test.
    """
    yield transactional_db
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        # The partitioned events table is not a Django-managed model: flush skips it.
        cursor.execute(f"TRUNCATE {EVENT_TABLE}")


@pytest.fixture(autouse=True)
def _evidence_triggers_on(request, django_db_blocker):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        # Route `django_db(transaction=True)` through the override above, too.
        request.getfixturevalue("transactional_db")
    if marker or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    ):
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    yield
