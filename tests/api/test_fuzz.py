"""The public API, fuzzed from its own OpenAPI description: no 5xx, nothing undocumented.

schemathesis generates requests for every operation in /api/schema/ (valid ones
and deliberately broken ones: wrong types, NUL characters, huge numbers, missing
fields) and sends them in-process to the WSGI application as five callers: an
employee, a privacy officer, legal (each signed in with a session), a capture
device and a training pipeline (bearer tokens). Every response must pass schemathesis' checks: no server
error, a status code, content type, headers and body the schema documents, bad
input refused, authentication enforced.

Bounded on purpose: a fixed seed, deterministic generation and a few examples per
operation and phase, so the module runs in a few minutes on two cores. Each
operation × caller is one test in a transaction that is rolled back, so nothing
the fuzzer writes reaches later tests.
"""

import secrets

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from governance.services.pipelines import pipeline_create
from tests.ingestion.helpers import device_with_token

SEED = 20261201
MAX_EXAMPLES = 8

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            # Query strings may carry parameters an operation does not read (DRF's
            # `format`, a cache buster); ignoring those is by design. Bodies are strict.
            "allow-extra-parameters": False,
        },
        "checks": {
            # A well-formed value naming a row that does not exist (an employee number,
            # a slug, a policy id) is a 400 naming the field (DESIGN §6); the schema
            # cannot say which rows exist, so "valid data rejected" is not a defect.
            "positive_data_acceptance": {"enabled": False},
        },
        # Sequences of calls would outgrow the time budget; each operation alone is covered.
        "phases": {"stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


CALLERS = ["employee", "officer", "legal", "device", "pipeline"]


class Caller:
    """Who the current test calls as: the auth provider below reads it per request."""

    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class CallerAuth:
    """Declared to schemathesis as the API's authentication, so its checks can drop it
    and see the API refuse the request without it."""

    def get(self, case, context):
        return {"headers": dict(Caller.headers), "cookies": dict(Caller.cookies)}

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), **data["headers"]}
        case.cookies = {**(case.cookies or {}), **data["cookies"]}


@pytest.fixture
def in_test_transaction(db):
    """Keep the WSGI handler from closing the connection that holds the test's transaction.

    Django's own test client does the same: between requests a real server closes
    connections, which here would end the transaction the test rolls back.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def caller(request, in_test_transaction, catalogue, alice, olivia, leo):
    """Sign in as `request.param`: a session (with its CSRF pair), or a device's or a
    training pipeline's token."""
    name = request.param
    if name in ("device", "pipeline"):
        if name == "device":
            _, token = device_with_token(olivia)
        else:
            _, token = pipeline_create(
                name="fuzzed", purposes=[catalogue["purpose"].slug], actor=olivia
            )
        Caller.headers, Caller.cookies = {"Authorization": f"Bearer {token}"}, {}
    else:
        client = Client()
        client.force_login({"employee": alice, "officer": olivia, "legal": leo}[name])
        csrf = secrets.token_hex(16)
        Caller.headers = {"X-CSRFToken": csrf}
        Caller.cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}
    yield name
    Caller.headers, Caller.cookies = {}, {}


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_api_answers_every_request_as_its_schema_says(case, caller):
    case.call_and_validate()
