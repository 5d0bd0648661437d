"""A company at benchmark scale, bulk loaded with COPY: `manage.py seed_scale`.

100k people and 10M events through the services would take hours (every grant
takes locks and writes an audit row; every event goes through the gate). This
writes the same rows directly, consistent with each other: events only for
scopes their person granted, activity days and session summaries that add up
to the events, owed erasures for withdrawals, and an audit log whose hash
chain verifies (hashed here exactly as `services/audit.py` does).

The catalogue and the notice go through the services, so the notice hash is
the real one; everything counted in the hundreds of thousands is COPYed.
"""

import hashlib
import io
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from governance.devtools.demo import retention_policies_seed
from governance.models import (
    Application,
    AuditEvent,
    CaptureDevice,
    DataKind,
    Employee,
    EventType,
    Notice,
    Purpose,
    RetentionPolicy,
    Role,
)
from governance.models.ingestion import EVENT_TABLE
from governance.services.audit import GENESIS_HASH, audit_hash
from governance.services.notices import notice_create, notice_publish
from governance.services.people import roles_ensure

try:  # the partitions module is moving into the events store
    from governance.stores.events import event_partition_create
except ImportError:  # pragma: no cover - before the move
    from governance.services.partitions import event_partition_create

DEPARTMENTS = [
    "Engineering",
    "Finance",
    "Sales",
    "Support",
    "Design",
    "Operations",
    "Legal",
    "Research",
    "Marketing",
    "People",
]
COUNTRIES = [("DE", ""), ("FR", ""), ("GB", ""), ("NL", ""), ("US", "CA"), ("ES", ""), ("PL", "")]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jia", "Kai", "Lea"]
LAST = ["Abe", "Berg", "Cruz", "Diaz", "Eng", "Fox", "Gil", "Holm", "Ito", "Jung", "Kim", "Lund"]
APPLICATIONS = [
    ("vscode", "Visual Studio Code", ["code"]),
    ("calc", "LibreOffice Calc", ["soffice.bin"]),
    ("firefox", "Firefox", ["firefox"]),
    ("terminal", "Terminal", ["gnome-terminal-server"]),
    ("thunderbird", "Thunderbird", ["thunderbird"]),
]
# The bench logs in as these; they are ordinary employees with roles on top.
PERSONAS = [
    ("employee", (Role.EMPLOYEE,)),
    ("officer", (Role.EMPLOYEE, Role.PRIVACY_OFFICER)),
    ("legal", (Role.EMPLOYEE, Role.LEGAL)),
]
KIND_TYPES = {
    "key": (EventType.KEY_DOWN, EventType.KEY_UP),
    "pointer": (EventType.POINTER_MOVE,),
    "click": (EventType.POINTER_DOWN, EventType.POINTER_UP),
    "scroll": (EventType.SCROLL,),
    "menu": (EventType.MENU_SELECT,),
    "window_focus": (EventType.WINDOW_FOCUS,),
}
AUDIT_ACTIONS = [
    "personal_data.viewed",
    "consent.granted",
    "consent.withdrawn",
    "my_data.exported",
    "erasure.requested",
    "erasure.completed",
    "retention.enforced",
    "device.created",
]
EVENTS_PER_SESSION = 40
CONSENTING_SHARE = 0.6
WITHDRAWING_SHARE = 0.1
NULL = "\\N"


@dataclass
class ScaleResult:
    employees: int
    consent_events: int
    events: int
    sessions: int
    activity_days: int
    audit_events: int
    seconds: dict[str, float] = field(default_factory=dict)
    personas: dict[str, str] = field(default_factory=dict)


class SeedRefused(Exception):
    pass


def _copy(table: str, columns: str, rows: Iterable[Iterable], *, chunk: int = 50_000) -> int:
    """COPY text rows (None is NULL) into `table`; returns how many were written."""
    count = 0
    buffer = io.StringIO()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            buffer.write("\t".join(NULL if v is None else str(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % chunk == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


def _sync_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


class _Timer:
    def __init__(self, log: Callable[[str], None]):
        self.log, self.seconds = log, {}

    def step(self, name: str, fn, *args, **kwargs):
        start = time.perf_counter()
        value = fn(*args, **kwargs)
        self.seconds[name] = time.perf_counter() - start
        self.log(f"  {name}: {self.seconds[name]:.1f} s")
        return value


@dataclass
class _World:
    rng: random.Random
    now: datetime
    user_ids: list[int]
    employees: list[tuple[int, str, int]]  # (employee id, subject, user id)
    officer_user: object
    legal_user: object
    purpose: Purpose
    notice: Notice
    applications: list[Application]
    kinds: list[DataKind]
    devices: list[int]
    # employee index -> granted (application id, kind id, kind slug) for the ingest purpose
    granted: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)


def _people(n: int, rng: random.Random, now: datetime) -> tuple[list[int], list]:
    User = get_user_model()
    first_user = _next_id(User)
    first_employee = _next_id(Employee)
    tag = f"{first_user:x}"
    password = make_password(None)  # unusable: the bench logs in with force_login
    joined = now.isoformat()
    names = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(n)]
    logins = {i: name for i, (name, _roles) in enumerate(PERSONAS)}

    def email(i):
        first, last = names[i]
        local = f"scale-{logins[i]}" if i in logins else f"{first}.{last}.{i}".lower()
        return f"{local}.{tag}@example.com"

    _copy(
        "auth_user",
        "id, password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined",
        (
            (first_user + i, password, "f", email(i), names[i][0], names[i][1], email(i))
            + ("f", "t", joined)
            for i in range(n)
        ),
    )
    subjects = [f"sub_{rng.getrandbits(96):024x}" for _ in range(n)]
    places = [rng.choice(COUNTRIES) for _ in range(n)]
    departments = [rng.choice(DEPARTMENTS) for _ in range(n)]
    _copy(
        "governance_employee",
        "id, user_id, employee_number, department, country, region, manager_id, subject_id, "
        "created_at",
        (
            (
                first_employee + i,
                first_user + i,
                f"S{tag}-{i + 1:07d}",
                departments[i],
                places[i][0],
                places[i][1],
                # A manager per department: the first of every hundred.
                None if i < 100 else first_employee + (i % 100),
                subjects[i],
                joined,
            )
            for i in range(n)
        ),
    )
    _sync_sequence("auth_user")
    _sync_sequence("governance_employee")
    roles_ensure()
    groups = {g.name: g.pk for g in Group.objects.all()}
    memberships = [(first_user + i, groups[Role.EMPLOYEE.value]) for i in range(n)]
    for i, (_name, roles) in enumerate(PERSONAS):
        memberships += [(first_user + i, groups[r.value]) for r in roles if r != Role.EMPLOYEE]
    _copy("auth_user_groups", "user_id, group_id", memberships)
    employees = [(first_employee + i, subjects[i], first_user + i) for i in range(n)]
    users = User.objects.in_bulk([first_user + 1, first_user + 2])
    return employees, (users[first_user + 1], users[first_user + 2])


def _catalogue(officer) -> tuple[Purpose, Notice, list[Application], list[DataKind]]:
    for slug, name, identifiers in APPLICATIONS:
        Application.objects.get_or_create(
            slug=slug, defaults={"name": name, "identifiers": identifiers}
        )
    purpose, _ = Purpose.objects.get_or_create(
        slug=settings.INGEST_DEFAULT_PURPOSE,
        defaults={"name": "Train computer-use models", "use": Purpose.Use.PERMITTED},
    )
    Purpose.objects.get_or_create(
        slug="performance-evaluation",
        defaults={"name": "Performance evaluation of employees", "use": Purpose.Use.PROHIBITED},
    )
    applications = list(Application.objects.filter(slug__in=[a[0] for a in APPLICATIONS]))
    kinds = list(DataKind.objects.filter(slug__in=list(KIND_TYPES)))
    notice = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED, purposes=purpose)
        .order_by("-version")
        .first()
    )
    if notice is None:
        retention_policies_seed(officer)
        notice = notice_create(
            actor=officer,
            title="Recording how you use your computer, to train AI models",
            body="Scale benchmark notice: recording is off unless you turn it on.",
            purposes=[purpose],
            applications=applications,
            data_kinds=kinds,
            # New to any notice published before (if one was): material, lapsing nothing.
            material_change=True,
            lapse_purposes=[purpose],
        )
        notice = notice_publish(notice=notice, actor=officer)
    return purpose, notice, applications, kinds


def _devices(n: int) -> list[int]:
    devices = CaptureDevice.objects.bulk_create(
        CaptureDevice(
            name=f"Scale capture {i}",
            token_prefix=f"scl{i:04d}",
            token_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        )
        for i in range(n)
    )
    return [d.pk for d in devices]


def _consents(world: _World) -> int:
    """Grants for a share of people (everyone who appears in the bench among them)."""
    from governance.models import ConsentEvent, ConsentState

    rng, notice, purpose = world.rng, world.notice, world.purpose
    event_id, state_id = _next_id(ConsentEvent), _next_id(ConsentState)
    first_state = state_id
    events, states, owed = [], [], []
    at = world.now - timedelta(days=60)
    for index, (employee_id, _subject, user_id) in enumerate(world.employees):
        if index >= len(PERSONAS) and rng.random() > CONSENTING_SHARE:
            continue
        apps = rng.sample(world.applications, rng.randint(1, 3))
        kinds = rng.sample(world.kinds, rng.randint(2, len(world.kinds)))
        scopes = [(a, k) for a in apps for k in kinds]
        withdraws = index >= len(PERSONAS) and rng.random() < WITHDRAWING_SHARE
        granted = []
        for position, (app, kind) in enumerate(scopes):
            when = at + timedelta(seconds=rng.randint(0, 86400 * 30))
            events.append((event_id, employee_id, app.pk, kind.pk, "granted", 1, when, user_id))
            last, version, state = event_id, 1, "granted"
            event_id += 1
            if withdraws and position == 0:
                withdrawn_at = when + timedelta(days=rng.randint(1, 20))
                events.append(
                    (event_id, employee_id, app.pk, kind.pk, "withdrawn", 2, withdrawn_at, user_id)
                )
                owed.append((employee_id, app.pk, kind.pk, event_id, withdrawn_at))
                last, version, state = event_id, 2, "withdrawn"
                event_id += 1
            else:
                granted.append((app.pk, kind.pk, kind.slug))
            states.append((state_id, employee_id, app.pk, kind.pk, state, version, last, when))
            state_id += 1
        world.granted[index] = granted
    _copy(
        "governance_consentevent",
        "id, receipt_id, employee_id, purpose_id, application_id, data_kind_id, action, "
        "state_version, notice_id, notice_version, notice_hash, occurred_at, method, actor_id, "
        "actor_label, ip_address, user_agent",
        (
            (eid, uuid.UUID(int=rng.getrandbits(128), version=4), emp, purpose.pk, app, kind)
            + (action, version, notice.pk, notice.version, notice.content_hash, when.isoformat())
            + ("web", user, "employee", "127.0.0.1", "scale seed")
            for eid, emp, app, kind, action, version, when, user in events
        ),
    )
    _copy(
        "governance_consentstate",
        "id, employee_id, purpose_id, application_id, data_kind_id, state, version, notice_id, "
        "last_event_id, updated_at",
        (
            (sid, emp, purpose.pk, app, kind, state, version, notice.pk, last, when.isoformat())
            for sid, emp, app, kind, state, version, last, when in states
        ),
    )
    _consent_holdings(first_state)
    _copy(
        "governance_owederasure",
        "employee_id, purpose_id, application_id, data_kind_id, cause_id, state, created_at",
        (
            (emp, purpose.pk, app, kind, cause, "owed", when.isoformat())
            for emp, app, kind, cause, when in owed
        ),
    )
    for table in ("governance_consentevent", "governance_consentstate"):
        _sync_sequence(table)
    return len(events)


def _consent_holdings(first_state: int) -> None:
    """The holdings the seeded states imply, per purpose and in all, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO governance_consentholding (employee_id, purpose_id, granted)
               SELECT employee_id, purpose_id, count(*) FROM governance_consentstate
               WHERE state = 'granted' AND id >= %s
               GROUP BY GROUPING SETS ((employee_id, purpose_id), (employee_id))""",
            [first_state],
        )


def _event_days(now: datetime, days: int) -> list[datetime]:
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    starts = [today - timedelta(days=offset) for offset in range(days, 0, -1)]
    for start in starts:
        event_partition_create(start.date())
    return starts


def _events(world: _World, total: int, days: int) -> tuple[int, int, int]:
    """`total` events in sessions of granted scopes, with the summaries they imply."""
    rng, purpose_id = world.rng, world.purpose.pk
    starts = _event_days(world.now, days)
    people = [i for i, granted in world.granted.items() if granted]
    activity: dict[tuple, list] = defaultdict(lambda: [0, None])
    sessions: list[tuple] = []
    first_id = _next_event_id()

    def rows():
        event_id, produced, session_no = first_id, 0, 0
        # The bench's own employee always has data in the recent days.
        persona_sessions = [0] * min(days, 5)
        while produced < total:
            person = people[0] if persona_sessions and session_no < len(persona_sessions) else None
            person = person if person is not None else rng.choice(people)
            _employee_id, subject, _user = world.employees[person]
            granted = world.granted[person]
            app_id = rng.choice(granted)[0]
            kinds = [(kind_id, slug) for a, kind_id, slug in granted if a == app_id]
            day = starts[-1 - session_no] if session_no < len(persona_sessions) else None
            day = day or rng.choice(starts)
            started = day + timedelta(seconds=rng.randint(8 * 3600, 17 * 3600))
            device = rng.choice(world.devices)
            session_id = f"scale-{first_id}-{session_no}"
            batch = uuid.UUID(int=rng.getrandbits(128), version=4)
            n = min(
                total - produced, rng.randint(EVENTS_PER_SESSION // 2, EVENTS_PER_SESSION * 3 // 2)
            )
            ts, counts = started, defaultdict(int)
            for _ in range(n):
                ts += timedelta(milliseconds=rng.randint(50, 3000))
                kind_id, slug = kinds[rng.randrange(len(kinds))]
                event_type = rng.choice(KIND_TYPES[slug])
                key = slug == "key"
                pointer = slug in ("pointer", "click")
                yield (
                    event_id,
                    ts.isoformat(),
                    subject,
                    purpose_id,
                    app_id,
                    kind_id,
                    event_type,
                    1,
                    device,
                    session_id,
                    batch,
                    "KeyA" if key else None,
                    "a" if key else None,
                    rng.randrange(1920) if pointer else None,
                    rng.randrange(1080) if pointer else None,
                    120 if slug == "scroll" else None,
                )
                counts[slug] += 1
                tally = activity[(subject, day.date(), app_id, kind_id)]
                tally[0] += 1
                tally[1] = ts
                event_id += 1
            sessions.append((subject, device, session_id, app_id, started, ts, n, dict(counts)))
            produced += n
            session_no += 1

    count = _copy(
        EVENT_TABLE,
        "id, ts, subject, purpose_id, application_id, data_kind_id, event_type, "
        "consent_version, device_id, session_id, batch_id, key_code, key_char, pointer_x, "
        "pointer_y, scroll_dy",
        rows(),
        chunk=100_000,
    )
    _sync_sequence(EVENT_TABLE)
    refreshed = world.now.isoformat()
    _copy(
        "governance_sessionsummary",
        "subject, device_id, session_id, application_id, started_at, ended_at, events, counts, "
        "active_seconds, refreshed_at",
        (
            (subject, device, sid, app, start.isoformat(), end.isoformat(), n)
            + (orjson.dumps(counts).decode(), int((end - start).total_seconds()), refreshed)
            for subject, device, sid, app, start, end, n, counts in sessions
        ),
    )
    _copy(
        "governance_activityday",
        "subject, day, application_id, data_kind_id, events, redacted, last_recorded",
        (
            (subject, day.isoformat(), app, kind, n, 0, last.isoformat())
            for (subject, day, app, kind), (n, last) in activity.items()
        ),
    )
    return count, len(sessions), len(activity)


def _next_event_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {EVENT_TABLE}")
        return cursor.fetchone()[0]


def _erasures_holds_retention(world: _World, jobs: int) -> None:
    from governance.models import ErasureJob, ErasureStep, LegalHold, RetentionRun

    rng, now = world.rng, world.now
    created = ErasureJob.objects.bulk_create(
        (
            ErasureJob(
                employee_id=employee_id,
                subject=subject,
                cause="officer" if i % 7 == 0 else "consent_withdrawal",
                state="verified" if i % 50 else "blocked_by_hold",
                requested_by=world.officer_user,
                created_at=now - timedelta(minutes=i * 7),
                started_at=now - timedelta(minutes=i * 7),
                completed_at=now - timedelta(minutes=i * 7 - 1) if i % 50 else None,
            )
            for i, (employee_id, subject, _user) in enumerate(
                rng.sample(world.employees[len(PERSONAS) :], jobs)
            )
        ),
        batch_size=5000,
    )
    ErasureJob.objects.bulk_create(
        [
            ErasureJob(
                employee_id=world.employees[0][0],
                subject=world.employees[0][1],
                cause="request",
                state="verified",
                created_at=now - timedelta(days=3),
                completed_at=now - timedelta(days=3),
            )
        ]
    )
    ErasureStep.objects.bulk_create(
        (
            ErasureStep(
                job=job,
                store=store,
                state=job.state,
                rows_before=40,
                rows_deleted=40,
                rows_after=0,
                finished_at=job.completed_at,
            )
            for job in created
            for store in ("events", "sessions", "activity")
        ),
        batch_size=5000,
    )
    for i in range(30):
        hold = LegalHold.objects.create(
            matter=f"Matter {i + 1}",
            reason="Scale benchmark hold",
            created_by=world.legal_user,
            created_at=now - timedelta(days=i),
            released_at=now - timedelta(hours=i) if i % 3 == 0 else None,
            released_by=world.legal_user if i % 3 == 0 else None,
        )
        hold.custodians.set([e[0] for e in rng.sample(world.employees, 5)])
    policies = [
        RetentionPolicy.objects.create(name=f"{store} {days} days", store=store, keep_days=days)
        for store, days in (("events", 90), ("sessions", 365), ("activity", 365))
    ]
    RetentionRun.objects.bulk_create(
        (
            RetentionRun(
                policy=policies[i % 3],
                store=policies[i % 3].store,
                cutoff=now - timedelta(days=90 + i),
                dry_run=i % 5 == 0,
                rows_removed=rng.randint(0, 100_000),
                started_at=now - timedelta(days=i),
                finished_at=now - timedelta(days=i),
                duration_ms=rng.randint(5, 900),
            )
            for i in range(1000)
        ),
        batch_size=1000,
    )


def _audit(world: _World, n: int) -> int:
    """`n` chained audit events after the current head, hashed as `audit_record` does."""
    rng = world.rng
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    start = world.now - timedelta(days=30)
    step = timedelta(days=30) / max(n, 1)
    persona_subject = world.employees[0][1]
    officer_id, officer_label = str(world.officer_user.pk), world.officer_user.get_username()

    def rows():
        nonlocal seq, prev_hash
        event = AuditEvent(actor_type=AuditEvent.ActorType.USER, target_type="Employee")
        for i in range(n):
            employee_id, subject, _user = rng.choice(world.employees)
            if i % 1000 == 0:
                subject = persona_subject  # the bench's employee has an access log
            event.seq, event.prev_hash = seq, prev_hash
            event.occurred_at = start + step * i
            event.actor_id, event.actor_label = officer_id, officer_label
            event.action = AUDIT_ACTIONS[i % len(AUDIT_ACTIONS)]
            event.target_id, event.subject = str(employee_id), subject
            event.purpose = "compliance"
            event.details = {"reason": "scale seed", "n": i}
            event.hash = audit_hash(event)
            yield (
                seq,
                event.occurred_at.isoformat(),
                event.actor_type,
                event.actor_id,
                event.actor_label,
                event.action,
                event.target_type,
                event.target_id,
                event.subject,
                event.purpose,
                orjson.dumps(event.details).decode(),
                prev_hash,
                event.hash,
            )
            seq, prev_hash = seq + 1, event.hash

    return _copy(
        "governance_auditevent",
        "seq, occurred_at, actor_type, actor_id, actor_label, action, target_type, target_id, "
        "subject, purpose, details, prev_hash, hash",
        rows(),
    )


def scale_seed(
    *,
    employees: int = 2000,
    events: int = 100_000,
    audit_events: int = 20_000,
    days: int = 14,
    erasure_jobs: int | None = None,
    force: bool = False,
    seed: int = 11,
    log: Callable[[str], None] = lambda _line: None,
) -> ScaleResult:
    if employees < len(PERSONAS) + 100:
        raise SeedRefused(f"--employees must be at least {len(PERSONAS) + 100}.")
    if Employee.objects.exists() and not force:
        raise SeedRefused("This database already has employees; pass --force to add more.")
    rng = random.Random(seed)
    now = timezone.now().astimezone(UTC)
    timer = _Timer(log)
    with transaction.atomic():
        people, (officer, legal) = timer.step("people", _people, employees, rng, now)
        purpose, notice, applications, kinds = timer.step("catalogue", _catalogue, officer)
    world = _World(
        rng=rng,
        now=now,
        user_ids=[p[2] for p in people],
        employees=people,
        officer_user=officer,
        legal_user=legal,
        purpose=purpose,
        notice=notice,
        applications=applications,
        kinds=kinds,
        devices=_devices(20),
    )
    with transaction.atomic():
        consent_events = timer.step("consents", _consents, world)
    with transaction.atomic():
        n_events, n_sessions, n_days = timer.step("events", _events, world, events, days)
    jobs = erasure_jobs if erasure_jobs is not None else max(10, employees // 20)
    with transaction.atomic():
        timer.step("erasures, holds, retention", _erasures_holds_retention, world, jobs)
    with transaction.atomic():
        n_audit = timer.step("audit", _audit, world, audit_events)
    with connection.cursor() as cursor:
        # VACUUM as well: COPYed rows have no visibility map yet, so index-only scans
        # would visit the heap, and the first reads would write hint bits — until
        # autovacuum came by, which a fresh benchmark database does not wait for.
        timer.step("vacuum analyze", cursor.execute, "VACUUM ANALYZE")
    return ScaleResult(
        employees=employees,
        consent_events=consent_events,
        events=n_events,
        sessions=n_sessions,
        activity_days=n_days,
        audit_events=n_audit,
        seconds=timer.seconds,
        personas={
            name: get_user_model().objects.get(pk=people[i][2]).get_username()
            for i, (name, _roles) in enumerate(PERSONAS)
        },
    )
