"""What a German API client reads when its input is refused."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_body_that_is_not_json_is_refused_in_the_readers_language(client_as, alice):
    def post(language):
        return client_as(alice).post(
            "/api/v1/me/requests",
            "{{",
            content_type="application/json",
            headers={"accept-language": language},
        )

    german, english = post("de"), post("en")

    assert german.status_code == english.status_code == 400
    assert german.json()["detail"].startswith("Ungültiges JSON - Expecting property name")
    assert english.json()["detail"].startswith("JSON parse error - Expecting property name")
