"""Advisory locks that order writes; every key used in the product is defined here.

Transaction-scoped (`_xact_`): they are released at commit or rollback, so a
lock can never outlive the change it protects.
"""

from django.db import connection

AUDIT_CHAIN = 0x41554449  # "AUDI": one total order for the audit hash chain
NOTICES = 0x4E4F5443  # "NOTC": notice numbering/publication vs. grants reading the notice
CONSENT = 0x434F4E53  # "CONS": with the employee id, all consent writes of one person
HOLDS = 0x484F4C44  # "HOLD": hold changes (exclusive) vs. every deleting batch (shared)
RETENTION_POLICIES = 0x52504F4C  # "RPOL": policy changes (exclusive) vs. retention batches (shared)
RETENTION_RUN = 0x52455445  # "RETE": one retention enforcement at a time (session-scoped)
PACKAGE_BUILD = 0x50414B47  # "PAKG": with the package id, one build of it at a time (session)
DATASET_BUILD = 0x44534554  # "DSET": with the snapshot id, one build of it at a time (session)


def lock_audit_chain() -> None:
    _execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN])


def lock_notices(*, shared: bool = False) -> None:
    """Exclusive for publishing; shared for grants, so none slips past a lapse."""
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    _execute(f"SELECT {fn}(%s)", [NOTICES])


def lock_employee_consent(employee_id: int) -> None:
    _execute("SELECT pg_advisory_xact_lock(%s, %s)", [CONSENT, employee_id & 0x7FFFFFFF])


def lock_holds(*, shared: bool = False, commit_unflushed: bool = False) -> None:
    """Shared by each deleting transaction, which then reads the holds it must respect;
    exclusive while a hold is placed or changed, so no batch deletes past a new hold.
    `commit_unflushed`: the transaction's commit also returns before its WAL reaches the
    disk (`synchronous_commit = off` for it alone), set in the same round trip."""
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    unflushed = ", set_config('synchronous_commit', 'off', true)" if commit_unflushed else ""
    _execute(f"SELECT {fn}(%s){unflushed}", [HOLDS])


def lock_retention_policies(*, shared: bool = False) -> None:
    """Exclusive while a retention policy changes; shared by each retention batch, which
    then re-reads the policies, so no batch deletes by a keep an officer just lengthened."""
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    _execute(f"SELECT {fn}(%s)", [RETENTION_POLICIES])


def retention_run_try_lock() -> bool:
    """Claim the one retention enforcement; False when another process holds it.

    The one session-scoped lock here: an enforcement commits many batches, so a
    transaction lock cannot span it. It goes with `retention_run_unlock()`, or
    with the connection when the process dies, so it cannot outlive its run.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RETENTION_RUN])
        return cursor.fetchone()[0]


def retention_run_unlock() -> None:
    _execute("SELECT pg_advisory_unlock(%s)", [RETENTION_RUN])


def package_build_try_lock(package_id: int) -> bool:
    """Claim the build of one access package; False when another process is building it.

    Session-scoped like the retention run's lock, and for the same reason: a build
    commits progress as it goes. A dead worker's lock goes with its connection, so a
    package whose builder died can be built again at once.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [PACKAGE_BUILD, package_id])
        return cursor.fetchone()[0]


def package_build_unlock(package_id: int) -> None:
    _execute("SELECT pg_advisory_unlock(%s, %s)", [PACKAGE_BUILD, package_id])


def dataset_build_try_lock(dataset_id: int) -> bool:
    """Claim the build of one dataset snapshot, as `package_build_try_lock` does a
    package's: a second worker (a redelivered task) must not write the same shards."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [DATASET_BUILD, dataset_id])
        return cursor.fetchone()[0]


def dataset_build_unlock(dataset_id: int) -> None:
    _execute("SELECT pg_advisory_unlock(%s, %s)", [DATASET_BUILD, dataset_id])


def package_builds_running() -> set[int]:
    """Ids of the packages some process is building now (holds the build lock of)."""
    return _builds_running(PACKAGE_BUILD)


def dataset_builds_running() -> set[int]:
    """Ids of the dataset snapshots some process is building now."""
    return _builds_running(DATASET_BUILD)


def _builds_running(key: int) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT objid FROM pg_locks
               WHERE locktype = 'advisory' AND classid::int8 = %s AND objsubid = 2 AND granted""",
            [key],
        )
        return {int(row[0]) for row in cursor.fetchall()}


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
