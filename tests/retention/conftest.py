import pytest
from django.utils import timezone

from governance.models import RetentionPolicy
from governance.stores import REGISTRY
from tests.factories import BASELINE_KEEP_DAYS, make_catalogue, publish_notice


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def catalogue(db, olivia):
    """A catalogue and its notice, published under policies that are then gone: these tests
    set every policy they mean (their runs and audit rows are the evidence)."""
    catalogue = make_catalogue()
    baseline = [
        RetentionPolicy.objects.create(name=name, store=name, keep_days=BASELINE_KEEP_DAYS)
        for name, store in REGISTRY.items()
        if store.retained
    ]
    catalogue["notice"] = publish_notice(olivia, catalogue)
    RetentionPolicy.objects.filter(pk__in=[p.pk for p in baseline]).delete()
    return catalogue


@pytest.fixture
def vscode(catalogue):
    return catalogue["applications"][0]


@pytest.fixture
def calc(catalogue):
    return catalogue["applications"][1]


@pytest.fixture
def kind(catalogue):
    """Data kinds by slug: kind["key"], kind["pointer"], …"""
    return {k.slug: k for k in catalogue["kinds"]}
