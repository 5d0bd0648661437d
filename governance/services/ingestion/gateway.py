"""The ingestion gateway: consent-gated, safeguarded storage of one event batch.

One transaction per batch: claim the batch id, read the employees and their
granted ConsentState rows FOR SHARE (a concurrent withdrawal holds them FOR
UPDATE, so it either commits first and we see it, or waits for our commit and
then owes erasure of what we stored), COPY the accepted rows, and record the
summaries. Nothing of a rejected batch is written.
"""

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from governance.models import CaptureDevice, IngestBatch, Purpose
from governance.models.ingestion import EVENT_TABLE, EVENT_TYPE_KIND
from governance.services.health import redis_client
from governance.services.ingestion.safeguards import (
    SafeguardPolicy,
    safeguard_policy_load,
    title_hash,
)
from governance.services.ingestion.schema import Batch, Event
from governance.services.redaction import carry_over, marker, redact_keystrokes

COPY_COLUMNS = (
    "ts, subject, purpose_id, application_id, data_kind_id, event_type, consent_version, "
    "device_id, session_id, batch_id, key_code, key_char, redaction, pointer_x, pointer_y, "
    "button, scroll_dx, scroll_dy, menu_path, title_hash"
)
COPY_TYPES = [
    "timestamptz", "varchar", "int8", "int8", "int8", "varchar", "int4",
    "int8", "varchar", "uuid", "varchar", "varchar", "varchar", "int4", "int4",
    "varchar", "int4", "int4", "jsonb", "varchar",
]  # fmt: skip
KEY_TYPES = ("key_down", "key_up")
CONTEXT_TTL = 3600  # seconds a session's typed tail is kept for detection across batches


class DropReason:
    UNKNOWN_EMPLOYEE = "unknown_employee"
    UNKNOWN_APP = "unknown_app"
    EXCLUDED_APP = "excluded_app"
    EXCLUDED_WINDOW = "excluded_window"
    RESTRICTED = "restricted"
    NO_CONSENT = "no_consent"


@dataclass
class IngestResult:
    batch_id: str
    accepted: int
    dropped: dict[str, int]
    redacted: int
    replayed: bool = False
    sessions: set = field(default_factory=set, repr=False)

    def as_json(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "accepted": self.accepted,
            "dropped": self.dropped,
            "redacted": self.redacted,
        }


class PurposeInvalid(Exception):
    pass


class QuotaExceeded(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"quota exceeded, retry after {retry_after}s")
        self.retry_after = retry_after


class BatchIdTaken(Exception):
    """The batch id was used by another device."""


def _previous_result(batch: Batch, device: CaptureDevice) -> IngestResult | None:
    row = IngestBatch.objects.filter(batch_id=batch.batch_id).first()
    if row is None:
        return None
    if row.device_id != device.pk:
        raise BatchIdTaken(str(batch.batch_id))
    return IngestResult(str(row.batch_id), row.accepted, row.dropped, row.redacted, replayed=True)


def quota_take(device: CaptureDevice, events: int) -> None:
    """Count events against the device's per-minute quota atomically in Redis."""
    limit = settings.INGEST_QUOTA_EVENTS_PER_MINUTE
    window = int(time.time() // 60)
    key = f"portal:quota:{device.pk}:{window}"
    pipe = redis_client().pipeline()
    pipe.incrby(key, events)
    pipe.expire(key, 120)
    used, _ = pipe.execute()
    if used > limit:
        redis_client().decrby(key, events)  # a refused batch does not use the quota
        raise QuotaExceeded(retry_after=max(1, 60 - int(time.time() % 60)))


def _purpose(batch: Batch) -> Purpose:
    slug = batch.purpose or settings.INGEST_DEFAULT_PURPOSE
    purpose = Purpose.objects.filter(slug=slug).first()
    if purpose is None or not purpose.consentable:
        raise PurposeInvalid(f"purpose {slug!r} is unknown, disabled or prohibited")
    return purpose


def ingest_batch(*, device: CaptureDevice, batch: Batch) -> IngestResult:
    """Store what consent and the safeguards allow of one batch; the same batch id again
    returns the first result and stores nothing."""
    previous = _previous_result(batch, device)
    if previous is not None:
        return previous
    purpose = _purpose(batch)
    quota_take(device, len(batch.events))
    policy = safeguard_policy_load()
    with transaction.atomic():
        if not _claim(batch, device):
            # A concurrent request with the same id committed first: answer as it did.
            transaction.set_rollback(True)
            return _previous_result(batch, device)
        result = _store(device=device, batch=batch, purpose=purpose, policy=policy)
        IngestBatch.objects.filter(batch_id=batch.batch_id).update(
            accepted=result.accepted, redacted=result.redacted, dropped=result.dropped
        )
        CaptureDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
        transaction.on_commit(lambda: _after_commit(result))
    return result


def _claim(batch: Batch, device: CaptureDevice) -> bool:
    """Insert the batch row first: a second request with the same id waits here for the
    first to commit, then finds the conflict."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO governance_ingestbatch
                   (batch_id, device_id, received_at, events, accepted, redacted, dropped)
               VALUES (%s, %s, %s, %s, 0, 0, '{}')
               ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id""",
            [batch.batch_id, device.pk, timezone.now(), len(batch.events)],
        )
        return cursor.fetchone() is not None


def _employees(refs: set[str]) -> dict[str, tuple[int, str, bool]]:
    """ref (work email or employee number) → (employee id, subject, restricted), FOR SHARE."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.id, e.subject_id, e.processing_restricted_at IS NOT NULL,
                      lower(u.email), e.employee_number
               FROM governance_employee e JOIN auth_user u ON u.id = e.user_id
               WHERE lower(u.email) = ANY(%s) OR e.employee_number = ANY(%s)
               ORDER BY e.id FOR SHARE OF e""",
            [[r.lower() for r in refs], list(refs)],
        )
        found = {}
        for pk, subject, restricted, email, number in cursor.fetchall():
            found[email] = found[number] = (pk, subject, restricted)
    return {ref: found.get(ref.lower()) or found.get(ref) for ref in refs}


def _granted(employee_ids: list[int], purpose: Purpose) -> dict[tuple[int, int, int], int]:
    """(employee, application, data kind) → consent version, for granted scopes, FOR SHARE."""
    if not employee_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT employee_id, application_id, data_kind_id, version
               FROM governance_consentstate
               WHERE purpose_id = %s AND employee_id = ANY(%s) AND state = 'granted'
               ORDER BY id FOR SHARE""",
            [purpose.pk, employee_ids],
        )
        return {(e, a, k): v for e, a, k, v in cursor.fetchall()}


def _kind_ids() -> dict[str, int]:
    from governance.models import DataKind

    return dict(DataKind.objects.filter(enabled=True).values_list("slug", "pk"))


def _store(
    *, device: CaptureDevice, batch: Batch, purpose: Purpose, policy: SafeguardPolicy
) -> IngestResult:
    events = batch.events
    people = _employees({e.employee for e in events})
    granted = _granted(sorted({p[0] for p in people.values() if p}), purpose)
    kinds = _kind_ids()
    dropped: Counter = Counter()
    drops_by_subject: Counter = Counter()
    kept: list[tuple[int, Event, str, int, int, int]] = []  # index, event, subject, app, kind, v
    for index, event in enumerate(events):
        person = people[event.employee]
        if person is None:
            dropped[DropReason.UNKNOWN_EMPLOYEE] += 1
            continue
        employee_id, subject, restricted = person
        reason = None
        app = policy.apps.get(event.app)
        kind_id = kinds.get(EVENT_TYPE_KIND[event.type])
        if app is None or not app.enabled:
            reason = DropReason.UNKNOWN_APP
        elif app.excluded:
            reason = DropReason.EXCLUDED_APP
        elif restricted:
            reason = DropReason.RESTRICTED
        elif policy.title_patterns and policy.title_excluded(event.window_title):
            reason = DropReason.EXCLUDED_WINDOW
        else:
            version = granted.get((employee_id, app.pk, kind_id)) if kind_id else None
            if version is None:
                reason = DropReason.NO_CONSENT
        if reason is not None:
            dropped[reason] += 1
            drops_by_subject[(subject, event.ts.astimezone(UTC).date(), reason)] += 1
            continue
        kept.append((index, event, subject, app.pk, kind_id, version))
    redactions = _redact(device, kept, policy)
    rows = _rows(device, batch, purpose, kept, redactions, policy)
    _copy(rows)
    _summaries(kept, redactions, drops_by_subject, device)
    sessions = {(subject, device.pk, event.session_id) for _, event, subject, *_ in kept}
    return IngestResult(
        batch_id=str(batch.batch_id),
        accepted=len(kept),
        dropped=dict(dropped),
        redacted=sum(1 for r in redactions.values() if r is not None and r is not UNPAIRED),
        sessions=sessions,
    )


UNPAIRED = object()  # a key_up whose key_down is not in this batch: its key stays unknown


def _redact(device, kept, policy: SafeguardPolicy) -> dict[int, object]:
    """Per kept key event index: the detector whose match covers it, UNPAIRED, or None.

    Typed text is reassembled from key_down events per session, in time order.
    A key_up inherits its key_down's verdict; one whose key_down came in an
    earlier batch keeps neither code nor char, since that verdict is unknown here.
    """
    if not policy.detectors:
        return {}
    by_session: dict[tuple, list] = defaultdict(list)
    for index, event, subject, *_ in kept:
        if event.type in KEY_TYPES and not event.secure_input and event.key is not None:
            by_session[(subject, event.session_id)].append((event.ts, index, event))
    if not by_session:
        return {}
    redis = redis_client()
    keys = [f"portal:typed:{device.pk}:{s}:{sid}" for s, sid in by_session]
    contexts = redis.mget(keys)
    result: dict[int, object] = {}
    pipe = redis.pipeline()
    for key, context, session_keys in zip(keys, contexts, by_session.values(), strict=True):
        session_keys.sort(key=lambda item: (item[0], item[1]))
        downs = [(i, e) for _, i, e in session_keys if e.type == "key_down"]
        strokes = [(e.key.code, e.key.char) for _, e in downs]
        context_text = context.decode() if context else ""
        verdicts = redact_keystrokes(strokes, policy.detectors, context=context_text)
        pressed: dict[str | None, object] = {}
        verdict_of = dict(zip((i for i, _ in downs), verdicts, strict=True))
        for _, index, event in session_keys:
            if event.type == "key_down":
                result[index] = pressed[event.key.code] = verdict_of[index]
            else:
                result[index] = pressed.pop(event.key.code, UNPAIRED)
        pipe.set(key, carry_over(strokes, context_text), ex=CONTEXT_TTL)
    pipe.execute()
    return result


def _rows(device, batch, purpose, kept, redactions, policy: SafeguardPolicy):
    titles: dict[str | None, str | None] = {}
    coarsen = policy.coarsen if policy.key_resolution_ms > 1 else None
    device_id, batch_id, purpose_id = device.pk, batch.batch_id, purpose.pk
    for index, e, subject, app_id, kind_id, version in kept:
        title = e.window_title
        if title not in titles:
            titles[title] = title_hash(title)
        ts = e.ts
        code = char = redaction = None
        if e.type in KEY_TYPES:
            if coarsen is not None:
                ts = coarsen(ts)
            if e.key is not None and not e.secure_input:
                found = redactions.get(index)
                if found is None:
                    code, char = e.key.code, e.key.char
                elif found is not UNPAIRED:
                    # The code (Digit4, KeyJ) would reveal the character too.
                    char, redaction = marker(found), str(found)
        pointer, scroll = e.pointer, e.scroll
        yield (
            ts, subject, purpose_id, app_id, kind_id, e.type, version,
            device_id, e.session_id, batch_id, code, char, redaction,
            pointer.x if pointer else None, pointer.y if pointer else None,
            pointer.button if pointer else None,
            scroll.dx if scroll else None, scroll.dy if scroll else None,
            _jsonb(e.menu.path) if e.menu else None, titles[title],
        )  # fmt: skip


def _jsonb(value):
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _copy(rows) -> None:
    cursor = connection.cursor().cursor  # psycopg's own cursor, for COPY
    with cursor.copy(f"COPY {EVENT_TABLE} ({COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(COPY_TYPES)
        for row in rows:
            copy.write_row(row)


def _summaries(kept, redactions, drops_by_subject, device) -> None:
    """Keep the per-day summaries in step with the rows, in the same transaction."""
    now = timezone.now()
    activity: dict[tuple, list] = {}
    for index, event, subject, app_id, kind_id, _ in kept:
        key = (subject, event.ts.astimezone(UTC).date(), app_id, kind_id)
        entry = activity.setdefault(key, [0, 0, event.ts])
        entry[0] += 1
        entry[1] += redactions.get(index) not in (None, UNPAIRED)
        entry[2] = max(entry[2], event.ts)
    with connection.cursor() as cursor:
        if activity:
            cursor.executemany(
                """INSERT INTO governance_activityday
                       (subject, day, application_id, data_kind_id, events, redacted, last_recorded)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (subject, day, application_id, data_kind_id) DO UPDATE SET
                       events = governance_activityday.events + EXCLUDED.events,
                       redacted = governance_activityday.redacted + EXCLUDED.redacted,
                       last_recorded = GREATEST(governance_activityday.last_recorded,
                                                EXCLUDED.last_recorded)""",
                [(*key, n, r, last) for key, (n, r, last) in sorted(activity.items())],
            )
        if drops_by_subject:
            cursor.executemany(
                """INSERT INTO governance_droptally (subject, day, reason, events)
                   VALUES (%s, %s, %s, %s)
                   ON CONFLICT (subject, day, reason) DO UPDATE SET
                       events = governance_droptally.events + EXCLUDED.events""",
                [(*key, n) for key, n in sorted(drops_by_subject.items())],
            )
        sessions = sorted({(subject, event.session_id) for _, event, subject, *_ in kept})
        if sessions:
            cursor.executemany(
                """INSERT INTO governance_sessionrefresh (subject, device_id, session_id,
                       requested_at) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (subject, device_id, session_id) DO NOTHING""",
                [(subject, device.pk, sid, now) for subject, sid in sessions],
            )


def _after_commit(result: IngestResult) -> None:
    from governance.services.metrics import ingest_counters_add

    ingest_counters_add(result)
    if result.sessions:
        from governance.tasks.ingestion import sessions_refresh

        sessions_refresh.delay()
