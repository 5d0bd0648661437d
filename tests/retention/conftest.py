import pytest
from django.utils import timezone


@pytest.fixture
def now():
    return timezone.now()


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
