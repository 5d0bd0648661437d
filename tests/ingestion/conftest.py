import pytest

from governance.models import SafeguardRule
from governance.services.consent import RequestContext, consent_grant
from governance.services.scopes import Scope
from tests.ingestion.helpers import device_with_token


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
