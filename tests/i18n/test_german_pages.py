"""What people whose profile is German read on the pages: German sentences, not English
words built in Python nor German words put together in English order."""

import pytest

from governance.services.requests import request_file

pytestmark = pytest.mark.django_db


def in_german(user):
    user.employee.language = "de"
    user.employee.save(update_fields=["language"])
    return user


def test_a_request_history_says_who_acted_in_german_grammar(as_user, alice):
    request, _ = request_file(employee=alice.employee, kind="access", actor=alice)

    page = as_user(in_german(alice)).get(f"/requests/{request.pk}/").content.decode()

    assert "von Ihnen" in page
    assert "von Sie" not in page
