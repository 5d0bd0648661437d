"""Login throttling glue for django-axes: backend, client address, lockout page, audit.

The throttling rules themselves are settings (AXES_* in portal/settings.py).
"""

import ipaddress
import logging

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render

from governance.services.auth import auth_lockout_record

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
