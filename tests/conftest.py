"""Personas, one per role, the catalogue most tests need, and signed-in clients.

alice and bob are employees (bob is "someone else"), olivia is a privacy
officer, leo is legal, ada is an admin.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from governance.models import (
    Application,
    AuditEvent,
    CaptureDevice,
    ConsentEvent,
    ConsentState,
    Notice,
    OwedErasure,
    Purpose,
    Role,
    SafeguardRule,
)
from governance.models.ingestion import EVENT_TABLE
from governance.services.consent import RequestContext, consent_grant
from governance.services.scopes import Scope
from tests.factories import (
    PASSWORD,
    make_catalogue,
    make_user,
    publish_notice,
    retention_baseline,
)
from tests.ingestion.helpers import device_with_token

pytest_plugins = ["tests.worker", "tests.i18n.catalogues"]


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
def retention_in_force(db):
    """Baseline retention policies that stay: for tests that publish notices through the
    API or the pages, which publish only over data some policy bounds."""
    return retention_baseline()


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


# Capture: a device, a clean Redis, and alice consenting to everything in VS Code.


@pytest.fixture
def device(olivia):
    return device_with_token(olivia)


@pytest.fixture
def token(device):
    return device[1]


@pytest.fixture
def redis_clean():
    from governance.services.health import redis_client

    client = redis_client()
    for key in client.scan_iter("portal:*"):
        client.delete(key)
    yield client


@pytest.fixture
def alice_consents_all(catalogue, alice, redis_clean):
    """Alice granted every data kind in VS Code (not in Calc)."""
    vscode = catalogue["applications"][0]
    for kind in catalogue["kinds"]:
        consent_grant(
            employee=alice.employee,
            scope=Scope(catalogue["purpose"], vscode, kind),
            actor=alice,
            context=RequestContext(),
        )
    return alice


@pytest.fixture
def redaction_rules(db):
    return [
        SafeguardRule.objects.create(kind="redaction_detector", name=value, detector=value)
        for value, _ in SafeguardRule.Detector.choices
    ]


# Signed-in clients for the API and the pages of every domain, and counts of what they write.

WRITTEN = (
    AuditEvent,
    ConsentEvent,
    ConsentState,
    OwedErasure,
    Notice,
    CaptureDevice,
    Application,
    Purpose,
    SafeguardRule,
)


def written() -> dict[str, int]:
    """Row counts of every table an API call could write to."""
    return {model.__name__: model.objects.count() for model in WRITTEN}


def signed_in_earlier(client: Client, user) -> Client:
    """Give `client` a session of `user`'s, as a browser holds one from an earlier login.

    `force_login` is a login, and logins are audited (auth.login): tests that
    measure what a call writes would count the sign-in with it. Signing in is
    tested in tests/audit/test_auth_events.py; here it happened before the test.
    """
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def client_as(db):
    """client_as(user) -> an APIClient signed in as that user; client_as(None) is anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            signed_in_earlier(client, user)
        return client

    return make


@pytest.fixture
def as_user(db):
    """A test client signed in as the given user."""

    def sign_in(user) -> Client:
        return signed_in_earlier(Client(HTTP_USER_AGENT="pytest-browser/1.0"), user)

    return sign_in


@pytest.fixture
def personas(alice, olivia, leo, ada):
    return {"alice": alice, "olivia": olivia, "leo": leo, "ada": ada}
