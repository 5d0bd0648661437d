"""cora sits on the works council: a login with that role and no Employee record, so
everything she reaches she reaches as the council, never as an employee."""

import pytest

from governance.models import Role
from tests.factories import make_user


@pytest.fixture
def cora(db):
    return make_user("cora@example.com", roles=(Role.WORKS_COUNCIL,), employee=False)


@pytest.fixture(autouse=True)
def counted_now(settings):
    """Each figure is checked against the database as it stands: every read counts anew.
    How long a count is kept is tested with the counts (tests/people/test_aggregate_counts.py)."""
    settings.CONSENT_AGGREGATES_MAX_AGE = 0
