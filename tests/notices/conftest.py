import pytest


@pytest.fixture(autouse=True)
def _stores_covered(retention_in_force):
    """These tests publish notices: every store has a policy, as publishing requires."""
