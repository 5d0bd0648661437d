"""Consent changes per second through the service, against the same rows in raw SQL.

1. One change at a time. The service validates the scope against the notice,
   takes the per-employee advisory lock, locks the state row, appends the event,
   folds the state and appends to the hash chain, one transaction per change. The
   raw baseline does the INSERT/UPSERTs of a change (event, state, holdings, audit
   row) in one transaction each, with no checks: the floor PostgreSQL itself sets on this machine.
2. A material notice lapsing `--lapse-grants` grants (`--scopes` per person). The
   service is the lapse task's loop run in this process (`notice_apply_material_change`,
   batches of `LAPSE_BATCH_SIZE`): person locks, state rows FOR UPDATE, events,
   fold and audit rows in bulk, one chain lock per batch, then the summary. The raw
   baseline writes the same rows for another population as bare per-row statements
   (psycopg `executemany`: INSERT event, UPDATE state, INSERT audit row with a
   sha256 link; one UPDATE of the holdings per transaction), in transactions of the same size, with no locks or checks.
"""

import argparse
import hashlib
import uuid

from bench.common import bench_database, timed

DB = "portal_bench_consent"
CHANGED = "We now keep menus for longer."  # the material notice of the lapse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100)
    parser.add_argument("--lapse-grants", type=int, default=100_000)
    parser.add_argument("--scopes", type=int, default=12, help="grants per person in the lapse")
    parser.add_argument("--skip-changes", action="store_true", help="only the lapse")
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    with bench_database(DB):
        if not args.skip_changes:
            run(args.employees)
        run_lapse(args.lapse_grants, args.scopes)


def run(employees: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from governance.models import Employee
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.scopes import Scope
    from tests.factories import make_catalogue, make_user, publish_notice, retention_baseline

    officer = make_user("officer@bench.example", employee=True)
    catalogue = make_catalogue()
    retention_baseline()  # a notice is published only over data some policy bounds
    notice = publish_notice(officer, catalogue)
    scopes = [
        Scope(catalogue["purpose"], app, kind)
        for app in catalogue["applications"]
        for kind in catalogue["kinds"]
    ]
    people = [make_user(f"p{i}@bench.example").employee for i in range(employees * 2)]
    service_people, raw_people = people[:employees], people[employees:]
    changes = len(service_people) * len(scopes)
    results: dict[str, float] = {}
    context = RequestContext(ip_address="127.0.0.1", user_agent="bench")

    with timed("service", results):
        for employee in service_people:
            for scope in scopes:
                consent_grant(employee=employee, scope=scope, actor=employee.user, context=context)

    raw = connection.cursor().cursor  # the psycopg cursor underneath Django's
    with timed("raw", results):
        for employee in raw_people:
            for scope in scopes:
                _raw_change(raw, employee, scope, notice, timezone.now())

    assert Employee.objects.count() == employees * 2 + 1
    service_rate = changes / results["service"]
    raw_rate = changes / results["raw"]
    print(f"consent changes: {changes} per path ({employees} employees x {len(scopes)} scopes)")
    print(f"  service (locks, fold, audit chain): {service_rate:8.0f} changes/s")
    print(f"  raw SQL (4 writes, one txn each):   {raw_rate:8.0f} changes/s")
    print(f"  ratio service/raw: {service_rate / raw_rate:.2f}")
    del transaction


def _raw_change(cur, employee, scope, notice, now) -> None:
    receipt = uuid.uuid4()
    cur.execute("BEGIN")
    cur.execute(
        """INSERT INTO governance_consentevent (receipt_id, employee_id, purpose_id,
           application_id, data_kind_id, action, state_version, notice_id, notice_version,
           notice_hash, occurred_at, method, actor_id, actor_label, ip_address, user_agent)
           VALUES (%s,%s,%s,%s,%s,'granted',1,%s,%s,%s,%s,'web',%s,%s,'127.0.0.1','bench')
           RETURNING id""",
        (
            receipt,
            employee.pk,
            scope.purpose.pk,
            scope.application.pk,
            scope.data_kind.pk,
            notice.pk,
            notice.version,
            notice.content_hash,
            now,
            employee.user_id,
            employee.user.username,
        ),
    )
    event_id = cur.fetchone()[0]
    cur.execute(
        """INSERT INTO governance_consentstate (employee_id, purpose_id, application_id,
           data_kind_id, state, version, notice_id, last_event_id, updated_at)
           VALUES (%s,%s,%s,%s,'granted',1,%s,%s,%s)""",
        (
            employee.pk,
            scope.purpose.pk,
            scope.application.pk,
            scope.data_kind.pk,
            notice.pk,
            event_id,
            now,
        ),
    )
    cur.execute(
        """INSERT INTO governance_consentholding AS h (employee_id, purpose_id, granted)
           VALUES (%s, %s, 1), (%s, NULL, 1)
           ON CONFLICT ON CONSTRAINT one_holding_per_purpose
           DO UPDATE SET granted = h.granted + 1""",
        (employee.pk, scope.purpose.pk, employee.pk),
    )
    digest = hashlib.sha256(receipt.bytes).hexdigest()
    cur.execute(
        """INSERT INTO governance_auditevent (seq, occurred_at, actor_type, actor_id,
           actor_label, action, target_type, target_id, subject, purpose, details,
           prev_hash, hash)
           VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM governance_auditevent), %s, 'user',
           %s, %s, 'consent.granted', 'ConsentEvent', %s, %s, %s, '{}', %s, %s)""",
        (
            now,
            str(employee.user_id),
            employee.user.username,
            str(event_id),
            employee.subject_id,
            scope.purpose.slug,
            digest,
            digest,
        ),
    )
    cur.execute("COMMIT")


def run_lapse(grants: int, per_person: int) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from governance.models import ConsentState, Notice
    from governance.services.consent import LAPSE_BATCH_SIZE
    from governance.services.notices import (
        notice_apply_material_change,
    )
    from tests.factories import make_catalogue, make_user, publish_notice, retention_baseline

    officer = make_user("lapse-officer@bench.example", employee=True)
    catalogue = _catalogue(make_catalogue)
    retention_baseline()  # a notice is published only over data some policy bounds
    old = Notice.objects.filter(status=Notice.Status.PUBLISHED).order_by("-version").first()
    old = old or publish_notice(officer, catalogue)
    people = -(-grants // per_person)
    _granted_people("svc", people, per_person, old)
    raw_people = _granted_people("raw", people, per_person, old)
    notice = publish_notice(
        officer,
        catalogue,
        material=True,
        body=CHANGED,
        effective_at=timezone.now() + timedelta(days=1),
    )
    results: dict[str, float] = {}
    raw = connection.cursor().cursor
    with timed("raw", results):
        raw_rows = _raw_lapse(raw, raw_people, notice, LAPSE_BATCH_SIZE)
    Notice.objects.filter(pk=notice.pk).update(effective_at=timezone.now())
    # The single-change run above leaves grants of its own: the lapse takes them too.
    granted = ConsentState.objects.filter(state=ConsentState.State.GRANTED).count()
    with timed("service", results):
        lapsed = notice_apply_material_change(notice=notice)
    notice.refresh_from_db()
    assert notice.lapse_applied_at is not None
    assert raw_rows == people * per_person, raw_rows
    assert lapsed == granted, (lapsed, granted)
    assert not ConsentState.objects.filter(state=ConsentState.State.GRANTED).exists()
    service_rate = lapsed / results["service"]
    raw_rate = raw_rows / results["raw"]
    print(
        f"material-notice lapse: {lapsed} grants by the service, {raw_rows} raw "
        f"({people} people x {per_person} each), "
        f"batches of {LAPSE_BATCH_SIZE}"
    )
    print(f"  service (task's batches, bulk, 1 chain lock/batch): {service_rate:8.0f} grants/s")
    print(f"  raw SQL (executemany, same rows, same txn size):    {raw_rate:8.0f} grants/s")
    print(f"  ratio service/raw: {service_rate / raw_rate:.2f}")


def _catalogue(make_catalogue) -> dict:
    from governance.models import Application, DataKind, Purpose

    purpose = Purpose.objects.filter(slug="train-computer-use-models").first()
    if purpose is None:
        return make_catalogue()
    return {
        "purpose": purpose,
        "applications": list(Application.objects.order_by("pk")[:2]),
        "kinds": list(DataKind.objects.order_by("slug")),
    }


def _granted_people(prefix: str, count: int, per_person: int, notice) -> list[int]:
    """`count` employees, each granted `per_person` scopes under `notice`, written in bulk."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from governance.models import Employee

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{i}@bench.example", email=f"{prefix}{i}@bench.example")
        for i in range(count)
    )
    employees = Employee.objects.bulk_create(
        Employee(user=u, employee_number=f"{prefix.upper()}{i}", department="Bench", country="DE")
        for i, u in enumerate(users)
    )
    ids = [e.pk for e in employees]
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH scopes AS (
                 SELECT p.id AS purpose_id, a.id AS application_id, k.id AS data_kind_id
                 FROM governance_notice_purposes p
                 JOIN governance_notice_applications a USING (notice_id)
                 JOIN governance_notice_data_kinds k USING (notice_id)
                 WHERE notice_id = %s ORDER BY 1, 2, 3 LIMIT %s)
               INSERT INTO governance_consentevent (receipt_id, employee_id, purpose_id,
                 application_id, data_kind_id, action, state_version, notice_id, notice_version,
                 notice_hash, occurred_at, method, actor_label, user_agent)
               SELECT gen_random_uuid(), e.id, s.purpose_id, s.application_id, s.data_kind_id,
                 'granted', 1, %s, %s, %s, now(), 'web', 'bench', 'bench'
               FROM unnest(%s::bigint[]) AS e(id) CROSS JOIN scopes s""",
            [notice.pk, per_person, notice.pk, notice.version, notice.content_hash, ids],
        )
        cursor.execute(
            """INSERT INTO governance_consentstate (employee_id, purpose_id, application_id,
                 data_kind_id, state, version, notice_id, last_event_id, updated_at)
               SELECT employee_id, purpose_id, application_id, data_kind_id, 'granted', 1,
                 notice_id, id, now()
               FROM governance_consentevent WHERE employee_id = ANY(%s)""",
            [ids],
        )
        # The services keep the holdings in step with the states; so must this seed.
        cursor.execute(
            """INSERT INTO governance_consentholding (employee_id, purpose_id, granted)
               SELECT employee_id, purpose_id, count(*) FROM governance_consentstate
               WHERE employee_id = ANY(%s) AND state = 'granted'
               GROUP BY GROUPING SETS ((employee_id, purpose_id), (employee_id))""",
            [ids],
        )
        cursor.execute("ANALYZE")
    return ids


def _raw_lapse(cur, people: list[int], notice, batch: int) -> int:
    """The rows a lapse writes, as bare statements in transactions of `batch` grants."""
    from django.utils import timezone

    cur.execute(
        """SELECT id, employee_id, purpose_id, application_id, data_kind_id, version
           FROM governance_consentstate WHERE employee_id = ANY(%s) AND state = 'granted'
           ORDER BY employee_id, id""",
        [people],
    )
    states = cur.fetchall()
    for start in range(0, len(states), batch):
        chunk = states[start : start + batch]
        now = timezone.now()
        receipts = [uuid.uuid4() for _ in chunk]
        cur.execute("BEGIN")
        cur.executemany(
            """INSERT INTO governance_consentevent (receipt_id, employee_id, purpose_id,
               application_id, data_kind_id, action, state_version, notice_id, notice_version,
               notice_hash, occurred_at, method, actor_label, user_agent)
               VALUES (%s,%s,%s,%s,%s,'lapsed',%s,%s,%s,%s,%s,'system','system','')
               RETURNING id""",
            [
                (r, e, p, a, k, v + 1, notice.pk, notice.version, notice.content_hash, now)
                for r, (_, e, p, a, k, v) in zip(receipts, chunk, strict=True)
            ],
            returning=True,
        )
        event_ids = []
        while True:
            event_ids.append(cur.fetchone()[0])
            if not cur.nextset():
                break
        cur.executemany(
            """UPDATE governance_consentstate SET state = 'lapsed', version = %s,
               notice_id = %s, last_event_id = %s, updated_at = %s WHERE id = %s""",
            [
                (v + 1, notice.pk, event_id, now, sid)
                for event_id, (sid, _, _, _, _, v) in zip(event_ids, chunk, strict=True)
            ],
        )
        cur.execute(
            """UPDATE governance_consentholding h SET granted = h.granted - c.n
               FROM (SELECT employee_id, purpose_id, count(*) AS n
                     FROM unnest(%s::bigint[], %s::bigint[]) AS c(employee_id, purpose_id)
                     GROUP BY GROUPING SETS ((employee_id, purpose_id), (employee_id))) c
               WHERE h.employee_id = c.employee_id
                 AND h.purpose_id IS NOT DISTINCT FROM c.purpose_id""",
            [[e for _, e, _, _, _, _ in chunk], [p for _, _, p, _, _, _ in chunk]],
        )
        cur.execute("SELECT seq, hash FROM governance_auditevent ORDER BY seq DESC LIMIT 1")
        seq, prev = cur.fetchone()
        rows = []
        for receipt, event_id, (_, e, _, _, _, _) in zip(receipts, event_ids, chunk, strict=True):
            link = hashlib.sha256(prev.encode() + receipt.bytes).hexdigest()
            seq += 1
            rows.append((seq, now, str(event_id), str(e), prev, link))
            prev = link
        cur.executemany(
            """INSERT INTO governance_auditevent (seq, occurred_at, actor_type, actor_id,
               actor_label, action, target_type, target_id, subject, purpose, details,
               prev_hash, hash)
               VALUES (%s, %s, 'system', '', 'system', 'consent.lapsed', 'ConsentEvent', %s,
               %s, '', '{}', %s, %s)""",
            rows,
        )
        cur.execute("COMMIT")
    return len(states)


if __name__ == "__main__":
    main()
