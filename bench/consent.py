"""Consent changes per second through the service, against the same rows in raw SQL.

The service validates the scope against the notice, takes the per-employee
advisory lock, locks the state row, appends the event, folds the state and
appends to the hash chain, one transaction per change. The raw baseline does
the three INSERT/UPSERTs of a change in one transaction each, with no checks:
the floor PostgreSQL itself sets on this machine.
"""

import argparse
import hashlib
import uuid

from bench.common import bench_database, timed

DB = "portal_bench_consent"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=100)
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same args
    with bench_database(DB):
        run(args.employees)


def run(employees: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from governance.models import Employee
    from governance.services.consent import RequestContext, consent_grant
    from governance.services.scopes import Scope
    from tests.factories import make_catalogue, make_user, publish_notice

    officer = make_user("officer@bench.example", employee=True)
    catalogue = make_catalogue()
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
    print(f"  raw SQL (3 inserts, one txn each):  {raw_rate:8.0f} changes/s")
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


if __name__ == "__main__":
    main()
