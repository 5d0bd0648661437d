"""Login throttling (django-axes): repeated failures lock out a username and an address.

Axes stays enabled here exactly as in production; its counters live in the
test database, so every test starts unlocked.
"""

import time
from datetime import timedelta

import pytest
from django.test import Client

from governance.models import AuditEvent
from governance.services.audit import audit_verify

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


def attempt(client, username, password, *, ip=ATTACKER, url=LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail_until_locked(client, username, limit, *, ip=ATTACKER, url=LOGIN, **extra):
    responses = [
        attempt(client, username, "wrong-password", ip=ip, url=url, **extra) for _ in range(limit)
    ]
    assert [r.status_code for r in responses[:-1]] == [200] * (limit - 1)
    return responses[-1]


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_the_right_password_is_refused_after_too_many_wrong_ones(client, alice, password, limit):
    locked = fail_until_locked(client, "alice@example.com", limit)

    assert locked.status_code == 429
    response = attempt(client, "alice@example.com", password)
    assert response.status_code == 429
    assert not logged_in(client)


def test_the_lockout_page_says_what_happened_and_for_how_long(client, alice, settings, limit):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    body = fail_until_locked(client, "alice@example.com", limit).content.decode()

    assert "Logging in is paused" in body
    assert "15 minutes" in body
    assert 'href="/accounts/login/"' in body
    assert "portal.css" in body  # the portal's own page, not a bare text response


def test_a_lockout_is_recorded_on_the_audit_chain(client, alice, limit):
    fail_until_locked(client, "alice@example.com", limit)
    attempt(client, "alice@example.com", "still-wrong")  # refused during the lockout

    events = list(AuditEvent.objects.filter(action="auth.locked_out"))
    assert len(events) == 1  # the lockout, not every attempt refused during it
    event = events[0]
    assert event.actor_label == "login-throttle"
    # The chain is kept for good: the network the attempts came from, not the machine.
    assert event.details == {
        "username": "alice@example.com",
        "account_exists": True,
        "network": "203.0.113.0/24",
    }
    assert (event.target_type, event.target_id) == ("User", str(alice.pk))
    assert event.subject == alice.employee.subject_id
    assert audit_verify().ok


def test_a_lockout_for_an_unknown_username_is_audited_without_it_or_a_target(client, db, limit):
    fail_until_locked(client, "nobody@example.com", limit)

    event = AuditEvent.objects.get(action="auth.locked_out")
    # What was typed names nobody (a typo, a password in the wrong box): it is not kept.
    assert event.details == {"username": "", "account_exists": False, "network": "203.0.113.0/24"}
    assert (event.target_type, event.target_id, event.subject) == ("", "", "")


def test_another_user_from_another_address_is_not_affected(client, alice, bob, password, limit):
    fail_until_locked(client, "alice@example.com", limit)

    other = Client()
    response = attempt(other, "bob@example.com", password, ip=ELSEWHERE)
    assert response.status_code == 302
    assert logged_in(other)


def test_the_username_stays_locked_from_another_address(client, alice, password, limit):
    fail_until_locked(client, "alice@example.com", limit)

    response = attempt(Client(), "alice@example.com", password, ip=ELSEWHERE)
    assert response.status_code == 429


def test_the_address_stays_locked_for_another_username(client, alice, bob, password, limit):
    fail_until_locked(client, "alice@example.com", limit)

    response = attempt(Client(), "bob@example.com", password, ip=ATTACKER)
    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, alice, password, settings, limit):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    fail_until_locked(client, "alice@example.com", limit)
    assert attempt(client, "alice@example.com", password).status_code == 429

    deadline = time.monotonic() + 15
    while (status := attempt(client, "alice@example.com", password).status_code) == 429:
        assert time.monotonic() < deadline, "still locked out long after the cool-off"
        time.sleep(0.25)
    assert status == 302
    assert logged_in(client)


def test_the_admin_login_is_throttled_too(client, ada, password, limit):
    locked = fail_until_locked(client, "ada@example.com", limit, url=ADMIN_LOGIN)

    assert locked.status_code == 429
    assert attempt(client, "ada@example.com", password, url=ADMIN_LOGIN).status_code == 429
    assert client.get("/admin/").status_code == 302


def test_behind_a_proxy_the_address_it_saw_counts_not_what_the_client_claims(
    client, alice, bob, password, settings, limit
):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(limit):  # a fresh made-up address on every attempt
        forwarded = f"192.0.2.{n}, {ATTACKER}"
        attempt(client, "nobody@example.com", "x", ip=proxy, HTTP_X_FORWARDED_FOR=forwarded)

    attacker = attempt(
        Client(), "bob@example.com", password, ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    assert attacker.status_code == 429
    someone_else = attempt(
        Client(), "bob@example.com", password, ip=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE
    )
    assert someone_else.status_code == 302


def test_a_proxy_that_writes_the_port_too_still_names_the_client(
    client, alice, bob, password, settings, limit
):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    fail_until_locked(
        client, "nobody@example.com", limit, ip=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}:51234"
    )

    attacker = attempt(
        Client(), "bob@example.com", password, ip=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}:40000"
    )
    assert attacker.status_code == 429
    # Everyone else behind the same proxy still logs in: the proxy itself was not locked.
    someone_else = attempt(
        Client(), "bob@example.com", password, ip=proxy, HTTP_X_FORWARDED_FOR="[2001:db8::5]:443"
    )
    assert someone_else.status_code == 302


def test_without_a_proxy_a_forwarded_header_is_ignored(client, alice, password, settings, limit):
    settings.BEHIND_PROXY = False
    for n in range(limit):
        forwarded = f"192.0.2.{n}"
        attempt(client, "nobody@example.com", "x", HTTP_X_FORWARDED_FOR=forwarded)

    response = attempt(Client(), "alice@example.com", password, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert response.status_code == 429


def test_logins_below_the_limit_still_succeed(client, alice, password, limit):
    for _ in range(limit - 1):
        attempt(client, "alice@example.com", "wrong-password")

    assert attempt(client, "alice@example.com", password).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_the_test_clients_login_helpers_still_work(client, alice, password):
    """They authenticate without a request, which the throttle lets through unchecked."""
    assert client.login(username="alice@example.com", password=password)
    assert logged_in(client)
    other = Client()
    other.force_login(alice)
    assert logged_in(other)


def test_neither_the_passwords_tried_nor_successful_logins_are_stored(
    client, alice, password, limit
):
    from axes.models import AccessAttempt, AccessLog

    assert attempt(Client(), "alice@example.com", password, ip=ELSEWHERE).status_code == 302
    for n in range(limit):
        attempt(client, "alice@example.com", f"guess-number-{n}")

    stored = " ".join(f"{a.get_data} {a.post_data}" for a in AccessAttempt.objects.all())
    assert AccessAttempt.objects.exists()
    assert "guess-number" not in stored
    assert not AccessLog.objects.exists()  # no record of who logged in when, from where
