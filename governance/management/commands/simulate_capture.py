"""`manage.py simulate_capture`: realistic capture streams posted through the real endpoint.

The streams come from `governance.devtools.simulation`; this command picks the
employees, registers capture devices (their tokens live only in this process,
and the devices are revoked when it ends), and posts the batches over HTTP the
way a capture client would: one keep-alive connection, Retry-After honoured on
429, bounded retries with backoff when the connection fails. A batch sent again
after a lost response keeps its batch_id, so the server answers it once.

Like a capture client, each device polls its capture policy
(`GET /api/v1/ingest/policy`, with If-None-Match) at the interval the policy
gives, and sends only what it allows: after a withdrawal, the scope's events stop
leaving the machine by the next poll. `--ignore-policy` sends everything, to see
the gate refuse it instead.
"""

import http.client
import math
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.devtools.simulation import (
    EXCLUDED_IDENTIFIER,
    UNCATALOGUED_IDENTIFIER,
    CaptureApp,
    CapturePolicyFilter,
    Elsewhere,
    batch_body,
    capture_sessions,
    session_batches,
)
from governance.models import Application, ConsentState, Employee, SafeguardRule
from governance.services.devices import device_create, device_revoke
from governance.services.ingestion import MAX_EVENTS

INGEST_PATH = "/api/v1/ingest/batches"
POLICY_PATH = "/api/v1/ingest/policy"
CONSENTING_SHARE = 0.8  # the rest of the people picked have not consented to anything
RETRIES = 6  # per batch, for lost connections and 5xx: 0.1 s doubling, about 6 s in all
THROTTLED_RETRIES = 10  # per batch, for 429


class IngestClient:
    """Posts batch bodies to the ingest endpoint over one keep-alive connection."""

    def __init__(self, url: str, timeout: float = 60.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"--url must be an http(s) URL, not {url!r}.")
        self.url = url
        self.path = parts.path.rstrip("/") + INGEST_PATH
        self.policy_path = parts.path.rstrip("/") + POLICY_PATH
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.endpoint = self.base + self.path
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self.connection = connection_class(parts.hostname, parts.port, timeout=timeout)

    def probe(self) -> None:
        """Fail early, before anything is registered, when nothing listens at the URL."""
        for attempt in range(3):
            try:
                self.connection.connect()
                return
            except OSError as exc:
                error = exc
                time.sleep(0.2 * (attempt + 1))
        raise CommandError(
            f"Cannot reach {self.url}: {error}. Is the portal running (`make run`), "
            "or is --url wrong?"
        )

    def post(self, body: bytes, token: str) -> dict:
        """The endpoint's result for one batch; CommandError when it cannot be had."""
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        _, _, data = self._call("POST", self.path, body, headers)
        return orjson.loads(data)

    def policy(self, token: str, employees: list[str], etag: str | None) -> tuple[str, dict | None]:
        """The device's capture policy and its ETag; None for the policy while it is the
        one `etag` names (304). CommandError on 401: the device must stop capturing."""
        headers = {"Authorization": f"Bearer {token}"}
        if etag:
            headers["If-None-Match"] = etag
        path = f"{self.policy_path}?{urlencode({'employees': ','.join(employees)})}"
        status, etag, data = self._call("GET", path, None, headers, done=(200, 304))
        return etag, (orjson.loads(data) if status == 200 else None)

    def _call(self, method, path, body, headers, done=(200,)) -> tuple[int, str, bytes]:
        """Status, ETag and body of a call that ended in `done`; retried as `post` says."""
        failures = throttled = 0
        while True:
            try:
                status, retry_after, etag, data = self._send(method, path, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                self.connection.close()  # the next request opens a new one
                failures += 1
                if failures > RETRIES:
                    raise CommandError(
                        f"Lost the connection to {self.url} ({exc}); gave up after "
                        f"{RETRIES} retries."
                    ) from exc
                time.sleep(0.1 * 2 ** (failures - 1))
                continue
            if status in done:
                return status, etag, data
            if status == 429 and throttled < THROTTLED_RETRIES:
                throttled += 1
                time.sleep(retry_after)
                continue
            if status >= 500 and failures < RETRIES:
                failures += 1
                time.sleep(0.1 * 2 ** (failures - 1))
                continue
            detail = data[:500].decode("utf-8", errors="replace")
            endpoint = self.base + path.split("?")[0]
            raise CommandError(f"{endpoint} answered HTTP {status}: {detail}")

    def _send(self, method, path, body, headers) -> tuple[int, float, str, bytes]:
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        retry_after = _seconds(response.getheader("Retry-After"))
        return response.status, retry_after, response.getheader("ETag") or "", data

    def close(self) -> None:
        self.connection.close()


def _seconds(retry_after: str | None) -> float:
    try:
        return min(max(float(retry_after or 1), 0.1), 60.0)
    except ValueError:
        return 1.0


@dataclass
class Tally:
    batches: int = 0
    events: int = 0
    accepted: int = 0
    redacted: int = 0
    dropped: Counter = field(default_factory=Counter)
    withheld: int = 0  # captured, but the policy did not allow sending them
    polls: int = 0
    policy_changes: int = 0

    def add(self, events: int, result: dict) -> None:
        self.batches += 1
        self.events += events
        self.accepted += result["accepted"]
        self.redacted += result["redacted"]
        self.dropped.update(result["dropped"])


@dataclass
class PendingBatch:
    sent_at: datetime  # when a client would send it: its last event's time
    device: int
    events: list[dict]


class DevicePolicy:
    """One device's capture policy for the people on it, asked again when it is due."""

    def __init__(self, client: IngestClient, token: str, employees: list[str], purpose: str):
        self.client, self.token, self.purpose = client, token, purpose
        self.employees = employees
        self.etag: str | None = None
        self.filter: CapturePolicyFilter | None = None
        self.due = 0.0  # time.monotonic() of the next poll
        self.poll_seconds = 60.0  # until the first policy says

    def refresh(self, tally: Tally, interval: float | None) -> CapturePolicyFilter:
        now = time.monotonic()
        if self.filter is None or now >= self.due:
            self.etag, policy = self.client.policy(self.token, self.employees, self.etag)
            tally.polls += 1
            if policy is not None:
                tally.policy_changes += self.filter is not None
                self.filter = CapturePolicyFilter(policy, self.purpose)
                self.poll_seconds = policy["poll_seconds"]
            self.due = now + (self.poll_seconds if interval is None else interval)
        return self.filter


class Progress:
    """One line on stderr, redrawn in place: events posted of the total, and the rate."""

    WIDTH = 30

    def __init__(self, stream, total: int, enabled: bool):
        self.stream, self.total, self.enabled = stream, total, enabled
        self.drawn_at = 0.0

    def update(self, done: int, elapsed: float, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.drawn_at < 0.1):
            return
        self.drawn_at = now
        filled = self.WIDTH * done // max(self.total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        rate = done / elapsed if elapsed > 0 else 0
        line = f"\r[{bar}] {done:,}/{self.total:,} events  {rate:,.0f} events/s".ljust(72)
        self.stream.write(line + ("\n" if final else ""), style_func=str, ending="")
        self.stream.flush()


def _employees(count: int) -> list[str]:
    """Mostly people who consented to something, some who did not; as work email."""
    granted = ConsentState.objects.filter(employee=OuterRef("pk"), state=ConsentState.State.GRANTED)
    people = (
        Employee.objects.select_related("user")
        .annotate(consenting=Exists(granted))
        .order_by("employee_number")
    )
    consenting = list(people.filter(consenting=True)[:count])
    others = list(people.filter(consenting=False)[:count])
    take = min(len(consenting), math.ceil(count * CONSENTING_SHARE))
    chosen = consenting[:take] + others[: count - take]
    chosen += consenting[take : take + count - len(chosen)]
    return [person.user.email or person.employee_number for person in chosen]


def _applications() -> tuple[list[CaptureApp], Elsewhere]:
    """The catalogue as a client reports it (first identifier), and where else people go."""
    excluded_ids = set(
        SafeguardRule.objects.filter(
            kind=SafeguardRule.Kind.EXCLUDED_APPLICATION, enabled=True
        ).values_list("application_id", flat=True)
    )
    apps, excluded, known = [], [], set()
    for app in Application.objects.filter(enabled=True).order_by("slug"):
        known.update([app.slug, *app.identifiers])
        entry = CaptureApp(identifier=(app.identifiers or [app.slug])[0], profile=app.slug)
        (excluded if app.pk in excluded_ids else apps).append(entry)
    elsewhere = Elsewhere()
    if excluded:
        elsewhere = Elsewhere(excluded=CaptureApp(excluded[0].identifier, EXCLUDED_IDENTIFIER))
    if UNCATALOGUED_IDENTIFIER in known:
        uncatalogued = CaptureApp("sim-uncatalogued-app", UNCATALOGUED_IDENTIFIER)
        elsewhere = Elsewhere(excluded=elsewhere.excluded, uncatalogued=uncatalogued)
    return apps, elsewhere


def _batches(sessions, *, devices: int, size: int) -> list[PendingBatch]:
    """Every session's events in batches, ordered by when a client would send them."""
    batches = []
    for index, session in enumerate(sessions):
        device = index % devices  # the employee's laptop
        for events in session_batches(session, size):
            batches.append(
                PendingBatch(
                    sent_at=datetime.fromisoformat(events[-1]["ts"]), device=device, events=events
                )
            )
    # Sessions run side by side; a sort by time keeps each session's batches in order.
    batches.sort(key=lambda batch: batch.sent_at)
    return batches


def _check(options: dict) -> None:
    if options["employees"] < 1 or options["minutes"] <= 0 or options["devices"] < 1:
        raise CommandError("--employees, --minutes and --devices must be positive.")
    if options["speed"] < 0:
        raise CommandError("--speed must be 0 (as fast as possible) or positive.")
    if not 1 <= options["batch_size"] <= MAX_EVENTS:
        raise CommandError(f"--batch-size must be between 1 and {MAX_EVENTS}.")
    if options["policy_poll"] is not None and options["policy_poll"] < 0:
        raise CommandError("--policy-poll must be 0 (before every batch) or positive.")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (how `make run` stops its children) unwinds like Ctrl-C, so devices get revoked."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(BaseCommand):
    help = (
        "Post realistic interaction streams (typing, pointer paths, clicks, scrolls, menus, "
        "window switches, with some personal data, password fields and excluded apps) for N "
        "employees through the ingestion endpoint, and print what it accepted and dropped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=10, help="people to simulate")
        parser.add_argument(
            "--minutes", type=float, default=3.0, help="of activity each, ending now"
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the portal")
        parser.add_argument("--devices", type=int, default=4, help="capture devices to register")
        parser.add_argument("--batch-size", type=int, default=500, help="events per batch")
        parser.add_argument("--seed", type=int, help="for the same streams again")
        parser.add_argument(
            "--purpose", help="purpose slug sent with each batch (default: the endpoint's)"
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=0.0,
            help="post at this multiple of real time (default 0: as fast as possible)",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (none unless a terminal)"
        )
        parser.add_argument(
            "--policy-poll",
            type=float,
            help="seconds between capture policy polls (default: what the policy says; "
            "0: before every batch)",
        )
        parser.add_argument(
            "--ignore-policy",
            action="store_true",
            help="send everything captured, as a client ignoring its policy; the gate refuses "
            "what it may not store",
        )

    def handle(self, *args, **options):
        _check(options)
        seed = options["seed"] if options["seed"] is not None else random.randrange(2**31)
        client = IngestClient(options["url"])
        client.probe()
        people = _employees(options["employees"])
        apps, elsewhere = _applications()
        if not people or not apps:
            raise CommandError(
                "No employees or no applications in the catalogue: run `manage.py seed_demo`."
            )
        device_count = min(options["devices"], len(people))
        end = timezone.now()
        start = end - timedelta(minutes=options["minutes"])
        sessions = capture_sessions(
            employees=people, apps=apps, start=start, end=end, seed=seed, elsewhere=elsewhere
        )
        batches = _batches(sessions, devices=device_count, size=options["batch_size"])
        total = sum(len(batch.events) for batch in batches)
        self.stdout.write(
            f"Simulating {len(people)} employees x {options['minutes']:g} min on {device_count} "
            f"devices (seed {seed}): {total:,} events in {len(batches)} batches "
            f"to {options['url']}"
        )
        show = options["verbosity"] > 0 and not options["no_progress"] and self.stderr.isatty()
        progress = Progress(self.stderr, total, show)
        devices = [
            device_create(name=f"simulator-{n + 1}", actor=None) for n in range(device_count)
        ]
        purpose = options["purpose"] or settings.INGEST_DEFAULT_PURPOSE
        policies = [
            DevicePolicy(client, token, people[n::device_count], purpose)
            for n, (_device, token) in enumerate(devices)
        ]
        try:
            with _terminate_as_interrupt():
                tally, elapsed = self._post(client, batches, policies, start, options, progress)
        except KeyboardInterrupt:
            raise CommandError("Interrupted.") from None
        finally:
            client.close()
            for device, _token in devices:  # their tokens end with this process
                device_revoke(device=device, actor=None)
        self._report(tally, elapsed)

    def _post(self, client, batches, policies, start, options, progress) -> tuple[Tally, float]:
        """Each batch when it is due, with what the device's policy allows of it."""
        tally = Tally()
        speed, interval = options["speed"], options["policy_poll"]
        began = time.monotonic()
        for batch in batches:
            if speed:
                due = (batch.sent_at - start).total_seconds() / speed
                time.sleep(max(0.0, due - (time.monotonic() - began)))
            device = policies[batch.device]
            events = batch.events
            if not options["ignore_policy"]:
                allowed = device.refresh(tally, interval)
                events = [event for event in events if allowed.allows(event)]
                tally.withheld += len(batch.events) - len(events)
            if events:
                name = f"simulator-{batch.device + 1}"
                body = batch_body(events, device_id=name, purpose=options["purpose"])
                tally.add(len(events), client.post(body, device.token))
            progress.update(tally.events + tally.withheld, time.monotonic() - began)
        elapsed = time.monotonic() - began
        progress.update(tally.events + tally.withheld, elapsed, final=True)
        return tally, elapsed

    def _report(self, tally: Tally, elapsed: float) -> None:
        dropped = ", ".join(f"{reason} {n:,}" for reason, n in tally.dropped.most_common())
        rate = tally.events / elapsed if elapsed > 0 else 0
        self.stdout.write(
            f"Posted {tally.batches:,} batches, {tally.events:,} events in {elapsed:.1f} s "
            f"({rate:,.0f} events/s)\n"
            f"  accepted  {tally.accepted:,}\n"
            f"  redacted  {tally.redacted:,}\n"
            f"  dropped   {sum(tally.dropped.values()):,}" + (f" ({dropped})" if dropped else "")
        )
        if tally.polls:
            self.stdout.write(
                f"  withheld  {tally.withheld:,} (captured, not sent: the capture policy does "
                f"not allow them; {tally.polls:,} polls, {tally.policy_changes:,} changes)"
            )
