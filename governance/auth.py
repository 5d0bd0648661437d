"""Sign-in glue: django-axes' backend, client address and lockout page, and the
signal receivers that audit logins, logouts, lockouts, new users and role changes.

The throttling rules themselves are settings (AXES_* in portal/settings.py).
"""

import ipaddress
import logging

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.shortcuts import render

from governance.services.auth import (
    auth_lockout_record,
    auth_login_failed_record,
    auth_login_record,
    auth_logout_record,
)
from governance.services.people import (
    role_changes_record,
    user_created_record,
    user_deleted_record,
    user_password_changed_record,
)

log = logging.getLogger(__name__)


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses logins for a locked-out username or address, before any password check.

    Axes' own backend raises when authenticate() comes without a request. Every
    login over the network has one (the login views, the admin's); a call
    without one is code in this process (a management command, the test
    client's login()) with no client to throttle, so it passes through to the
    next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def _valid_ip(value: str | None) -> str | None:
    """The address in `value`, also where a proxy wrote it with a port (1.2.3.4:5678,
    [2001:db8::1]:5678), or None."""
    value = (value or "").strip()
    candidates = [value]
    host, colon, port = value.rpartition(":")
    if colon and port.isdigit():
        candidates.append(host.removeprefix("[").removesuffix("]"))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our proxies, the one they saw.

    With BEHIND_PROXY, each of TRUSTED_PROXY_COUNT proxies appends the address
    it received the request from to X-Forwarded-For; the entry that many places
    from the right is the client as our outermost proxy saw it. Entries further
    left come from the client itself and are never trusted: otherwise an
    attacker could pick a fresh address for every attempt.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    if not settings.BEHIND_PROXY:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or len(hops) < count:
        # Fewer hops than our proxies add: misconfigured. REMOTE_ADDR is then a proxy,
        # shared by every client, so say so loudly rather than throttle quietly by it.
        log.warning("X-Forwarded-For has %d hops, expected %d or more", len(hops), count)
        return remote
    client = _valid_ip(hops[-count])
    if client is None:
        log.warning("X-Forwarded-For entry %d from the right is not an address", count)
    return client or remote


def lockout_response(request, original_response=None, credentials=None):
    """The login page's lockout message, with 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=429,
    )


def on_user_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    """Axes' user_locked_out: audit the moment a lockout begins.

    Axes sends the signal again for every attempt refused during the lockout;
    those are recognisable by not having been counted as failures, and are
    left out, so that hammering a locked account cannot flood the audit chain.
    """
    if getattr(request, "axes_failures_since_start", None) is None:
        log.info("login refused during a lockout")
        return
    auth_lockout_record(username=username, ip_address=ip_address)


def on_user_logged_in(sender, request, user, **kwargs):
    # A login without a posted password is code starting a session for a user
    # it already trusts (the test client's force_login, a tool); say which.
    posted = request is not None and request.method == "POST" and "password" in request.POST
    auth_login_record(
        user=user,
        method="password" if posted else "session",
        ip_address=client_ip(request) if request is not None else None,
    )


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None:  # a logout without a session
        auth_logout_record(user=user)


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    """Audit a refused password; not the attempts refused unread during a lockout.

    Axes refuses those before any password check and does not count them (as in
    `on_user_locked_out`); its receiver runs before this one (its app is listed
    first), so a counted failure is one with a count.
    """
    if getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    ):
        return
    auth_login_failed_record(
        username=credentials.get(get_user_model().USERNAME_FIELD),
        ip_address=client_ip(request) if request is not None else None,
    )


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loading a fixture, not changing an account
        return
    if created:
        user_created_record(user=instance)
    elif getattr(instance, "_password", None) is not None:
        # set_password() keeps the new raw password until the save; a hash upgraded at
        # login is saved after clearing it, so only a real change comes here.
        user_password_changed_record(user=instance)


def on_user_deleted(sender, instance, **kwargs):
    user_deleted_record(user=instance)


def on_user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Audit each role granted or revoked, from either side of User.groups.

    Django sends post_add with only the groups newly added, but post_remove with
    every group asked for and post_clear with none, so what was really linked is
    read before the removal (pre_*) and kept on the instance until after it.
    """
    if action in ("pre_remove", "pre_clear"):
        instance._roles_leaving = _linked(sender, instance, reverse, pk_set)
    elif action == "post_add" and pk_set:
        role_changes_record(pairs=_pairs(instance, reverse, pk_set), granted=True)
    elif action in ("post_remove", "post_clear"):
        leaving = instance.__dict__.pop("_roles_leaving", set())
        if leaving:
            role_changes_record(pairs=_pairs(instance, reverse, leaving), granted=False)


def _linked(through, instance, reverse, pk_set) -> set[int]:
    """The pks on the other side that `instance` is linked to now (of `pk_set`, if given)."""
    mine, other = ("group_id", "user_id") if reverse else ("user_id", "group_id")
    rows = through.objects.filter(**{mine: instance.pk})
    if pk_set is not None:
        rows = rows.filter(**{f"{other}__in": pk_set})
    return set(rows.values_list(other, flat=True))


def _pairs(instance, reverse, pks) -> list[tuple]:
    if reverse:
        users = get_user_model().objects.filter(pk__in=pks).order_by("pk")
        return [(user, instance) for user in users]
    return [(instance, group) for group in Group.objects.filter(pk__in=pks).order_by("pk")]
