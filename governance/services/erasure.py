"""The erasure engine: a saga in PostgreSQL that erases one subject from every store.

A job has one step per registered store. Each step is claimed with a
conditional UPDATE and a lease (so two workers never run it at once and a
dead worker's step is taken over), deletes in batches that each commit with
their progress, and is verified only by a fresh count that finds no rows left
except those a legal hold preserves. A store may cut its part into lanes that
run at once on connections of their own, each verified by its own fresh count.
When every step has verified, the job issues one signed receipt, anchored to
the audit chain.
"""

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import BigIntegerField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from governance.models import (
    Application,
    DataKind,
    Employee,
    ErasureCause,
    ErasureJob,
    ErasureStep,
    OwedErasure,
    Purpose,
)
from governance.services.audit import audit_record, audits_last
from governance.services.lineage import dataset_withdrawals_record
from governance.services.locks import lock_holds
from governance.services.restriction import employee_processing_restrict
from governance.services.signing import public_key_b64, sign_document
from governance.stores import REGISTRY, SubjectScope, store
from governance.stores.holds import hold_windows

BATCH_SECONDS = settings.ERASURE_BATCH_MS / 1000
BATCH_MOST = settings.ERASURE_BATCH_SIZE
BATCH_FIRST = 100_000  # rows in a step's first batch, before its rate is known
BATCH_LEAST = 1000
LANES = max(settings.ERASURE_LANES, 1)
LEASE = timedelta(seconds=settings.ERASURE_LEASE_SECONDS)
STALE_PENDING = timedelta(seconds=30)
MAX_ATTEMPTS = 10
MAX_VERIFY_ROUNDS = 5

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepOutcome:
    """How a step's run ended, for the driver: its state, the rows it deleted, and the
    error it raised, if any (the step is then pending again for a retry, or failed)."""

    state: str
    deleted: int
    error: Exception | None = None


class BatchSizer:
    """Rows for a step's next batch, so that each commits in about `seconds`: the rate
    of its batches so far times the time allowed, within [BATCH_LEAST, most]. Sized by
    time, a batch keeps hold placements waiting about as long on any machine and for
    any store, while a fast store deletes in few commits."""

    def __init__(self, *, seconds: float | None = None, most: int | None = None):
        self.seconds = BATCH_SECONDS if seconds is None else seconds
        self.most = BATCH_MOST if most is None else most
        self.rows = max(min(BATCH_FIRST, self.most), 1)

    def record(self, deleted: int, elapsed: float) -> None:
        if deleted <= 0 or elapsed <= 0:
            return
        wanted = int(deleted / elapsed * self.seconds)
        # At most four times as many at once: one quick batch is a thin basis.
        self.rows = max(min(wanted, 4 * self.rows, self.most), min(BATCH_LEAST, self.most))


def job_scope(job: ErasureJob) -> SubjectScope:
    return SubjectScope(
        purpose_ids=frozenset(job.purpose_ids) or None,
        application_ids=frozenset(job.application_ids) or None,
        data_kind_ids=frozenset(job.data_kind_ids) or None,
    )


def erasure_job_create(
    *,
    employee: Employee,
    cause: str,
    actor=None,
    purposes: list[Purpose] = (),
    applications: list[Application] = (),
    data_kinds: list[DataKind] = (),
    cause_ref: str = "",
    reason: str = "",
    restrict_capture: bool | None = None,
) -> ErasureJob:
    """Create a job with a pending step per store; its tasks start after commit.

    `restrict_capture` (for an erasure of everything): also restrict the person's
    processing (Art. 18) in this transaction, so that once the job exists no later
    batch stores anything of theirs and the verified erasure does not fill up again.
    False records that the officer chose to let capture go on; None, that nobody chose.
    """
    if restrict_capture and (purposes or applications or data_kinds):
        raise ValidationError(
            {"restrict_capture": [_("Only an erasure of everything restricts capture.")]}
        )
    with transaction.atomic(), audits_last():
        job = ErasureJob.objects.create(
            employee=employee,
            subject=employee.subject_id,
            cause=cause,
            cause_ref=cause_ref,
            purpose_ids=sorted(p.pk for p in purposes),
            application_ids=sorted(a.pk for a in applications),
            data_kind_ids=sorted(k.pk for k in data_kinds),
            requested_by=actor if getattr(actor, "pk", None) else None,
            reason=reason[:500],
            restricts_capture=restrict_capture,
            created_at=timezone.now(),
        )
        ErasureStep.objects.bulk_create(ErasureStep(job=job, store=name) for name in REGISTRY)
        # Which snapshots it reaches is known now, from the lineage the erasure rewrites.
        dataset_withdrawals_record(job, job_scope(job))
        if restrict_capture:
            # The reason is evidence: in English, whatever language the officer reads.
            with translation.override("en"):
                cause_text = job.get_cause_display().lower()
            # Waits for the person's ingest batches in flight (the chain lock comes last).
            employee_processing_restrict(
                employee=employee,
                restricted=True,
                reason=f"Erasure #{job.pk} of everything ({cause_text})",
                actor=actor,
            )
        details = {"cause": cause, "cause_ref": cause_ref, "scope": _scope_details(job)}
        if restrict_capture is not None:
            details["restrict_capture"] = restrict_capture
        audit_record(
            actor=actor,
            action="erasure.requested",
            target=job,
            subject=job.subject,
            details=details,
        )
        transaction.on_commit(lambda: _enqueue_advance(job.pk))
    return job


def _scope_details(job: ErasureJob) -> dict:
    def slugs(model, ids):
        if not ids:  # the whole dimension: no query to build for it
            return "all"
        return sorted(model.objects.filter(pk__in=ids).values_list("slug", flat=True)) or "all"

    return {
        "purposes": slugs(Purpose, job.purpose_ids),
        "applications": slugs(Application, job.application_ids),
        "data_kinds": slugs(DataKind, job.data_kind_ids),
    }


def owed_erasures_schedule(*, limit: int = 500) -> int:
    """Turn erasures owed after withdrawals, or after consent that lapsed or expired and
    was not given again, into jobs (each exactly once)."""
    scheduled = 0
    with transaction.atomic(), audits_last():
        owed = list(
            # Only the owed rows: the people, scopes and consent events they name stay
            # free for the consent changes that reference them meanwhile.
            OwedErasure.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=OwedErasure.State.OWED)
            .select_related("employee", "purpose", "application", "data_kind", "cause")
            .order_by("pk")[:limit]
        )
        for item in owed:
            job = erasure_job_create(
                employee=item.employee,
                cause=item.erasure_cause,
                purposes=[item.purpose],
                applications=[item.application],
                data_kinds=[item.data_kind],
                cause_ref=str(item.cause.receipt_id),
            )
            item.state = OwedErasure.State.SCHEDULED
            item.job = job
            item.save(update_fields=["state", "job"])
            scheduled += 1
    return scheduled


def _enqueue_advance(job_id: int) -> None:
    from governance.tasks.erasure import erasure_job_advance

    erasure_job_advance.delay(job_id)


TERMINAL = (ErasureStep.State.VERIFIED, ErasureStep.State.BLOCKED_BY_HOLD, ErasureStep.State.FAILED)


def erasure_job_advance(job_id: int) -> None:
    """The job's one driver: run its open steps stage by stage in this process, then
    settle the job. Steps return their outcomes here and never call back: this loop
    alone decides what runs next.

    Steps run inline rather than as further tasks: stages are sequential anyway,
    and every hop through the broker would add latency for nothing. A step that
    another worker holds is left to it (that worker advances the job when done);
    a dead worker's step is taken over once its lease expires (the reconciler).
    A step that raised is re-raised once the job has gone as far as it can, so
    the task that drove it records the failure.
    """
    ended, errors = _job_drive(job_id)
    if ended:
        erasure_job_finish(job_id)
    if errors:
        raise errors[0]


def _job_drive(job_id: int) -> tuple[bool, list[Exception]]:
    """Run the job's open steps, stage by stage; whether every step has ended (the job
    is to be settled), and the errors its steps raised."""
    errors: list[Exception] = []
    steps = _steps_read(job_id)
    while True:
        open_steps = [s for s in steps if s.state not in TERMINAL]
        if not open_steps:
            return True, errors
        stage = min(REGISTRY[s.store].stage for s in open_steps)
        staged = [s for s in open_steps if REGISTRY[s.store].stage == stage]
        # Every earlier stage has ended (as read): no need to read the steps again.
        pending = [s for s in staged if s.state == ErasureStep.State.PENDING]
        job = open_steps[0].job
        ended, claimed = _stage_start(job, pending)
        outcomes = {
            # The question just found something in these stores: no count first.
            step.pk: _step_run_claimed(claimed, found=True)
            if claimed and step.pk == claimed.pk
            else _step_run(step.pk, ready=True, job=job, found=True)
            for step in pending
            if step.pk not in ended
        }
        ran = [o for o in outcomes.values() if o is not None]
        errors += [o.error for o in ran if o.error is not None]
        if not (ran or ended) or any(o.state == ErasureStep.State.PENDING for o in ran):
            break  # held by another worker, or released for a retry: not ours to drive
        if len(ended) + len(ran) < len(staged):
            steps = _steps_read(job_id)  # another worker ran some: see how they ended
            continue
        # This process ended every step of the stage: the next starts without a read.
        for step in staged:
            outcome = outcomes.get(step.pk)
            step.state = outcome.state if outcome else ErasureStep.State.VERIFIED
    return False, errors


def _steps_read(job_id: int) -> list[ErasureStep]:
    return list(ErasureStep.objects.filter(job_id=job_id).select_related("job"))


def _job_starts(now, job_sql: str, job_params: list) -> tuple[str, list]:
    """A WITH clause, and its parameters, that marks the job (`job_sql` selects its id)
    running in the statement that starts its first step: no round trip of its own."""
    sql = f"""WITH job_started AS (
                  UPDATE {ErasureJob._meta.db_table} SET state = %s, started_at = %s
                  WHERE id = ({job_sql}) AND state = %s
              )"""
    return sql, [ErasureJob.State.RUNNING, now, *job_params, ErasureJob.State.PENDING]


def _stage_start(job: ErasureJob, steps: list[ErasureStep]) -> tuple[set[int], ErasureStep | None]:
    """Start a stage's pending steps in one statement: those whose stores hold nothing
    of the subject in scope end at once, and the first that holds something is claimed
    by this worker (the others when their turn comes: a lease starts when its step
    does); the job is marked running with its first stage. Returns the ids ended and
    the step claimed, if any.

    A step per store would spend a claim, a count and an end on each (derived stores
    are often empty): instead each store is asked in that statement, and what the
    question found is the fresh count of those with nothing: rows left 0. No delete
    runs on them, so no hold is at stake. Rows erased by an earlier attempt of a step
    stay its figures. A step another worker claimed meanwhile is not pending: neither
    ended nor claimed here."""
    if not steps:
        return set(), None
    questions, params = _stage_questions(job, steps)
    now = timezone.now()
    job_starts, job_starts_params = _job_starts(now, "%s", [job.pk])
    started = list(
        ErasureStep.objects.raw(
            f"""{job_starts}
                UPDATE {ErasureStep._meta.db_table} AS s SET
                    state = CASE WHEN a.nothing THEN %s ELSE %s END,
                    attempts = s.attempts + 1, started_at = COALESCE(s.started_at, %s),
                    lease_until = CASE WHEN a.nothing THEN NULL ELSE %s::timestamptz END,
                    finished_at = CASE WHEN a.nothing THEN %s::timestamptz ELSE s.finished_at END,
                    rows_before = CASE WHEN a.nothing THEN s.rows_deleted ELSE s.rows_before END,
                    rows_expected = CASE WHEN a.nothing
                        THEN COALESCE(s.rows_expected, s.rows_deleted) ELSE s.rows_expected END,
                    rows_after = CASE WHEN a.nothing THEN 0 ELSE s.rows_after END,
                    rows_held = CASE WHEN a.nothing THEN 0 ELSE s.rows_held END,
                    last_error = CASE WHEN a.nothing THEN '' ELSE s.last_error END
                FROM (
                    SELECT id, nothing, NOT nothing
                           AND row_number() OVER (PARTITION BY nothing ORDER BY turn) = 1 AS first
                    FROM (VALUES {", ".join(questions)}) AS asked (id, turn, nothing)
                ) AS a
                WHERE s.id = a.id AND s.state = %s AND (a.nothing OR a.first)
                RETURNING s.*""",
            [
                *job_starts_params,
                ErasureStep.State.VERIFIED,
                ErasureStep.State.RUNNING,
                now,
                now + LEASE,
                now,
                *params,
                ErasureStep.State.PENDING,
            ],
        )  # fmt: skip
    )
    ended, claimed = set(), None
    for step in started:
        step.job = job
        if step.state == ErasureStep.State.VERIFIED:
            ended.add(step.pk)
            logger.info(
                "erasure job %s step %s: 0 rows, nothing in scope (asked with %d other stores)",
                job.pk, step.store, len(steps) - 1,
            )  # fmt: skip
        else:
            claimed = step
    return ended, claimed


def _stage_questions(job: ErasureJob, steps: list[ErasureStep]) -> tuple[list[str], list]:
    """Per step, in turn: a VALUES row (its id, its turn, whether its store holds nothing
    of the subject in scope) and the parameters. A store in PostgreSQL is asked by its
    `anything_sql` in the statement itself; a small store elsewhere (Redis) counts on its
    own first, as its step would."""
    scope = job_scope(job)
    questions, params = [], []
    for turn, step in enumerate(steps):
        target = store(step.store)
        if hasattr(target, "anything_sql"):
            sql, sql_params = target.anything_sql(job.subject, scope)
            questions.append(f"(%s::bigint, %s, NOT {sql})")
            params += [step.pk, turn, *sql_params]
        else:
            empty = target.estimate(job.subject, scope) is None
            questions.append("(%s::bigint, %s, %s)")
            params += [step.pk, turn, empty and not target.count(job.subject, scope)]
    return questions, params


def _claim(step_id: int, job: ErasureJob | None = None) -> ErasureStep | None:
    """Take the step: pending, or running under an expired lease (its worker died).
    One statement changes and returns it: the step as claimed, with `job` (the caller
    has read it already) or its job read again."""
    now = timezone.now()
    table = ErasureStep._meta.db_table
    job_starts, job_starts_params = _job_starts(
        now, f"SELECT job_id FROM {table} WHERE id = %s", [step_id]
    )
    claimed = list(
        ErasureStep.objects.raw(
            f"""{job_starts}
                UPDATE {table}
                SET state = %s, lease_until = %s, attempts = attempts + 1,
                    started_at = COALESCE(started_at, %s)
                WHERE id = %s AND (state = %s OR (state = %s AND lease_until < %s))
                RETURNING *""",
            [
                *job_starts_params,
                ErasureStep.State.RUNNING,
                now + LEASE,
                now,
                step_id,
                ErasureStep.State.PENDING,
                ErasureStep.State.RUNNING,
                now,
            ],
        )  # fmt: skip
    )
    if len(claimed) != 1:
        return None
    step = claimed[0]
    if job is not None and job.pk == step.job_id:
        step.job = job
    return step


def _earlier_stage_open(step: ErasureStep) -> bool:
    stage = REGISTRY[step.store].stage
    return any(
        REGISTRY[other.store].stage < stage and other.state not in TERMINAL
        for other in ErasureStep.objects.filter(job_id=step.job_id).exclude(pk=step.pk)
    )


def erasure_step_run(step_id: int, *, advance: bool = True) -> StepOutcome | None:
    """Run one step to a verified, blocked or failed end, then (unless `advance` is
    False) hand its job to the driver. Safe to call twice."""
    outcome = _step_run(step_id)
    if outcome is None:
        return None
    if advance and outcome.state != ErasureStep.State.PENDING:
        erasure_job_advance(ErasureStep.objects.values_list("job_id", flat=True).get(pk=step_id))
    if outcome.error is not None:
        raise outcome.error
    return outcome


def _step_run(
    step_id: int, *, ready: bool = False, job: ErasureJob | None = None, found: bool = False
) -> StepOutcome | None:
    """Claim and run one step; its outcome, or None when it was not ours to run.
    `ready`: the caller has seen every earlier stage end; `job`: the step's, as read;
    `found`: the caller has just found something of the subject in the step's store."""
    if not ready:
        waiting = ErasureStep.objects.filter(pk=step_id).first()
        if waiting is None or _earlier_stage_open(waiting):
            return None  # too early: an earlier stage runs first; no attempt is spent
    step = _claim(step_id, job)
    if step is None:
        return None
    return _step_run_claimed(step, found=found)


def _step_run_claimed(step: ErasureStep, *, found: bool) -> StepOutcome:
    """Run a step this worker has just claimed; its outcome."""
    try:
        return _erase(step, found=found)
    except Exception as exc:
        return StepOutcome(_release(step, error=f"{exc.__class__.__name__}: {exc}"), 0, exc)


def _release(step: ErasureStep, *, error: str) -> str:
    """After a run that raised: pending again for a retry, or failed after too many."""
    failed = step.attempts >= MAX_ATTEMPTS
    state = ErasureStep.State.FAILED if failed else ErasureStep.State.PENDING
    ErasureStep.objects.filter(pk=step.pk).update(
        state=state, lease_until=None, last_error=error[:2000]
    )
    return state


@dataclass
class LaneOutcome:
    """How one lane of a step ended: its fresh count (rows left, of them held) taken in
    its last batch's transaction, and what it took."""

    deleted: int = 0
    remaining: int = 0
    held: int = 0
    batches: int = 0
    deleting: float = 0.0
    counting: float = 0.0


def _erase(step: ErasureStep, *, found: bool = False) -> StepOutcome:
    """Delete in batches, then verify with a fresh count. The deletes' own row counts,
    committed with each batch, are the rows erased; what was there before is those
    plus what the fresh count finds left (held rows), so no count runs before.

    A store may cut a subject's rows into lanes (the events store: stretches of time),
    each erased and verified on its own; up to ERASURE_LANES of them run at once, each
    on a connection of its own. A lane's fresh count runs in its last batch's
    transaction, after its deletes: under READ COMMITTED it sees every row committed by
    then, as a count after the commit would. Together the lanes cover every row in
    scope, so their counts, each after its lane's last delete, are the step's fresh
    count. A step in one lane ends with that batch's commit (one transaction fewer; for
    a store with nothing to erase, one in all); lanes end the step once all have."""
    job, target = step.job, store(step.store)
    scope = job_scope(job)
    split = hasattr(target, "lanes")
    lanes = target.lanes(job.subject, scope, LANES) if split else [target]
    if step.rows_expected is None:
        if split:
            expected = sum(lane.expected for lane in lanes)
        else:
            expected = target.estimate(job.subject, scope)
        if expected is not None:
            # Written with the step's first batch, not in a round trip of its own: the
            # bar has nothing to show before that batch commits anyway.
            step.rows_expected = expected
        elif not found:
            # A small store counts first: when nothing is in scope, that count is the
            # fresh count (no delete runs, so no hold is at stake) and the step ends on
            # it, without a deleting transaction. Derived stores are often empty.
            started = time.perf_counter()
            if target.count(job.subject, scope) == 0:
                _step_end(step, ErasureStep.State.VERIFIED, deleted=0, remaining=0, held=0)
                logger.info(
                    "erasure job %s step %s: 0 rows in 0 batches 0.000 s, fresh count %.3f s",
                    job.pk, step.store, time.perf_counter() - started,
                )  # fmt: skip
                return StepOutcome(ErasureStep.State.VERIFIED, 0)
    started = time.perf_counter()
    if len(lanes) == 1:
        outcomes = [_erase_lane(step, lanes[0], scope, ends_step=True)]
    else:
        outcomes = _lanes_run(step, lanes, scope)
    remaining, held = sum(o.remaining for o in outcomes), sum(o.held for o in outcomes)
    state = ErasureStep.State.BLOCKED_BY_HOLD if held else ErasureStep.State.VERIFIED
    if len(lanes) > 1:
        _step_end(step, state, deleted=0, remaining=remaining, held=held)
    deleted = sum(o.deleted for o in outcomes)
    logger.info(
        "erasure job %s step %s: %d rows in %d batches %.3f s, fresh count %.3f s%s",
        job.pk, step.store, deleted, sum(o.batches for o in outcomes),
        max(o.deleting for o in outcomes), max(o.counting for o in outcomes),
        f" ({len(lanes)} lanes at once, the slowest's; {time.perf_counter() - started:.3f} s"
        " in all)" if len(lanes) > 1 else "",
    )  # fmt: skip
    return StepOutcome(state, deleted)


# Erasures the person did not ask for. Under a restriction they obtained to preserve their
# data for a legal claim (Art. 18(1)(c); Art. 17(3)(e)) these keep all of it, as retention
# does, until the restriction is lifted; their own withdrawal or erasure request goes on.
PRESERVATION_DEFERS = frozenset(
    {ErasureCause.OFFICER, ErasureCause.CONSENT_ENDED, ErasureCause.LEFT}
)


def _erase_lane(step: ErasureStep, lane, scope: SubjectScope, *, ends_step: bool) -> LaneOutcome:
    """Erase one lane (or a whole store) in batches that each commit with their progress,
    then verify it in the last batch's transaction. With `ends_step` (the only lane), that
    transaction also records the step's end."""
    job = step.job
    sizer = BatchSizer()
    out = LaneOutcome()
    for _round in range(MAX_VERIFY_ROUNDS):
        position = None  # where the store left off: a store-defined resume token
        found = None
        while True:
            started = time.perf_counter()
            verifying = 0.0
            own = connection.get_autocommit()  # not inside a caller's (or a test's)
            with transaction.atomic():
                _batch_begin(unflushed=own)
                holds = hold_windows(
                    employee_id=job.employee_id,
                    store=step.store,
                    preservation=job.cause in PRESERVATION_DEFERS,
                )
                # Batches sized by time keep a hold placement's wait short where a hold
                # is at stake; without one, a statement takes what the store plans.
                limit = sizer.rows if holds else BATCH_MOST
                n, position = lane.erase_batch(job.subject, scope, holds, limit, position)
                if position is None:
                    erased = time.perf_counter()
                    # Measured per 100k rows: a bitmap count of rows this transaction
                    # deleted 10 ms, an index count 20 ms; of rows deleted by committed
                    # batches 50 ms and 25 ms. The bitmap wins from about 3/4 deleted now.
                    mostly_now = 4 * n >= 3 * (out.deleted + n)
                    found = _residue(lane, job.subject, scope, holds, just_erased=mostly_now)
                    verifying = time.perf_counter() - erased
                if found is not None and ends_step:
                    left, held = found
                    state = (
                        ErasureStep.State.BLOCKED_BY_HOLD if held else ErasureStep.State.VERIFIED
                    )
                    _step_end(step, state, deleted=n, remaining=left, held=held)
                else:
                    ErasureStep.objects.filter(pk=step.pk).update(
                        rows_deleted=F("rows_deleted") + n,
                        rows_expected=_expected(step),
                        lease_until=timezone.now() + LEASE,
                    )
            elapsed = time.perf_counter() - started - verifying
            sizer.record(n, elapsed)
            out.deleted, out.batches = out.deleted + n, out.batches + 1
            out.deleting, out.counting = out.deleting + elapsed, out.counting + verifying
            if position is None:
                break
        if found is not None:
            out.remaining, out.held = found
            return out
    raise RuntimeError("rows keep arriving in scope; is consent still granted?")


def _batch_begin(*, unflushed: bool) -> None:
    """A deleting batch's first statement. It takes the holds lock, shared: a hold being
    placed waits for this batch's commit, and one placed before is seen by the read of
    the holds that follows (in a statement of its own: under READ COMMITTED a statement
    that waited for a lock still reads what was committed when it began).

    With `unflushed` (the batch is a transaction of its own, not part of a caller's),
    its commit also returns before its WAL reaches the disk (`synchronous_commit = off`
    for this transaction only): a flush per batch cost more than a small store's whole
    step. Nothing is lost that the proof needs: a server crash can only take the last
    batches with it, each whole with its own progress, and the step runs again. The
    receipt's commit flushes, and the WAL is written in order, so a durable receipt
    means every batch before it is durable too."""
    lock_holds(shared=True, commit_unflushed=unflushed)


def _residue(lane, subject: str, scope: SubjectScope, holds, *, just_erased: bool):
    """A fresh count after a lane's last deletes, in their transaction (under the holds
    lock it took): (rows left, of them held) when nothing is left but held rows; None
    when rows arrived meanwhile (another round)."""
    remaining = lane.count(subject, scope, just_erased=just_erased)
    held = lane.count_held(subject, scope, holds) if remaining else 0
    return None if remaining - held else (remaining, held)


def _lanes_run(step: ErasureStep, lanes: list, scope: SubjectScope) -> list[LaneOutcome]:
    """Run the lanes, all but the first on the lane threads' connections at once, the
    first on this one; wait for all of them before raising what any raised (so no lane
    is left deleting behind a released step). Inside a transaction (a caller's, or a
    test's) other connections could not see its rows: the lanes then run here, one
    after another."""
    if connection.in_atomic_block:
        return [_erase_lane(step, lane, scope, ends_step=False) for lane in lanes]
    pool = _lane_threads()
    others = [
        pool.submit(_on_own_connection, _erase_lane, step, lane, scope, ends_step=False)
        for lane in lanes[1:]
    ]
    outcomes, errors = [], []
    try:
        outcomes.append(_erase_lane(step, lanes[0], scope, ends_step=False))
    except Exception as exc:
        errors.append(exc)
    for other in others:
        try:
            outcomes.append(other.result())
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    return outcomes


def _on_own_connection(run, *args, **kwargs):
    """`run` on this lane thread's connection: kept between steps (opening one costs as
    much as a small lane), replaced when it is too old or broken."""
    close_old_connections()
    try:
        return run(*args, **kwargs)
    finally:
        close_old_connections()


_lanes: tuple[int, ThreadPoolExecutor] | None = None


def _lane_threads() -> ThreadPoolExecutor:
    """This process's lane threads (a forked worker process starts its own)."""
    global _lanes
    if _lanes is None or _lanes[0] != os.getpid():
        _lanes = (os.getpid(), ThreadPoolExecutor(LANES - 1, thread_name_prefix="erasure-lane"))
    return _lanes[1]


def erasure_lanes_close() -> None:
    """Stop this process's lane threads and close their connections (a test database
    cannot be dropped while they are open)."""
    global _lanes
    if _lanes is None or _lanes[0] != os.getpid():
        return
    pool, _lanes = _lanes[1], None
    everyone = threading.Barrier(LANES - 1)

    def close() -> None:
        everyone.wait(timeout=10)  # one each: each thread holds one until all have one
        connections.close_all()

    for _lane in range(LANES - 1):
        pool.submit(close)
    pool.shutdown(wait=True)


def _step_end(step: ErasureStep, state: str, *, deleted: int, remaining: int, held: int) -> None:
    """Record the step's end with its last batch's `deleted` rows and the fresh count."""
    # SET expressions read the row as it was: rows_before counts this batch too.
    before = F("rows_deleted") + deleted + remaining
    ErasureStep.objects.filter(pk=step.pk).update(
        rows_deleted=F("rows_deleted") + deleted,
        state=state,
        rows_before=before,
        rows_expected=_expected(step, before),  # `before` for a store that gave none
        rows_after=remaining,
        rows_held=held,
        lease_until=None,
        finished_at=timezone.now(),
        last_error="",
    )


def _expected(step: ErasureStep, *otherwise) -> Coalesce:
    """The step's estimate as recorded, or as taken when this run started."""
    taken = Value(step.rows_expected, output_field=BigIntegerField())
    return Coalesce(F("rows_expected"), taken, *otherwise)


def erasure_job_finish(job_id: int) -> ErasureJob:
    """Settle the job's state from its steps; issue the receipt once when all verified."""
    with transaction.atomic():
        # Its commit flushes (only a batch's skip it): the receipt is durable before it
        # is shown.
        job = ErasureJob.objects.select_for_update(no_key=True).get(pk=job_id)
        if job.state == ErasureJob.State.VERIFIED:
            return job
        steps = list(job.steps.order_by("store"))
        states = {s.state for s in steps}
        if not states <= set(TERMINAL):
            return job
        if ErasureStep.State.FAILED in states:
            new_state = ErasureJob.State.FAILED
        elif ErasureStep.State.BLOCKED_BY_HOLD in states:
            new_state = ErasureJob.State.BLOCKED_BY_HOLD
        else:
            new_state = ErasureJob.State.VERIFIED
        if new_state == job.state:
            return job
        job.state = new_state
        details = {"steps": {s.store: _step_counts(s) for s in steps}}
        if new_state == ErasureJob.State.VERIFIED:
            job.completed_at = timezone.now()
            anchor = audit_record(
                action="erasure.completed",
                actor=None,
                target=job,
                subject=job.subject,
                details=details,
            )
            job.receipt = _receipt(job, steps, anchor)
        else:
            audit_record(
                action=f"erasure.{new_state}",
                actor=None,
                target=job,
                subject=job.subject,
                details=details,
            )
        job.save(update_fields=["state", "completed_at", "receipt"])
        if job.cause == ErasureCause.REQUEST:
            _request_settle(job.pk)
    return job


def _request_settle(job_id: int) -> None:
    """An erasure request follows its job in the same transaction, so neither can be
    settled without the other."""
    from governance.services.requests import request_erasure_settled

    request_erasure_settled(job_id)


def _step_counts(step: ErasureStep) -> dict:
    return {
        "rows_before": step.rows_before,
        "rows_deleted": step.rows_deleted,
        "rows_after": step.rows_after,
        "rows_held": step.rows_held,
        "state": step.state,
    }


def _receipt(job: ErasureJob, steps: list[ErasureStep], anchor) -> dict:
    return sign_document(
        {
            "type": "erasure-receipt",
            "version": 1,
            "job": job.pk,
            "subject": job.subject,
            "cause": job.cause,
            "scope": _scope_details(job),
            "requested_at": job.created_at.isoformat(),
            "completed_at": job.completed_at.isoformat(),
            "stores": {
                s.store: {
                    "rows_before": s.rows_before,
                    "rows_deleted": s.rows_deleted,
                    "rows_after": s.rows_after,
                    "started_at": s.started_at.isoformat() if s.started_at else None,
                    "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                    **_step_receipt_extra(job, s),
                }
                for s in steps
            },
            "audit": {"seq": anchor.seq, "hash": anchor.hash},
            "publicKey": public_key_b64(),
        }
    )


def _step_receipt_extra(job: ErasureJob, step: ErasureStep) -> dict:
    """The datasets step names the snapshots it reached (their ids and purposes)."""
    if step.store != "datasets":
        return {}
    reached = job.dataset_withdrawals.select_related("dataset__purpose").order_by("dataset_id")
    return {
        "datasets": [
            {"id": w.dataset_id, "purpose": w.dataset.purpose.slug, "rows": w.rows} for w in reached
        ]
    }


def erasure_deferred_resume() -> int:
    """After a hold changed: run blocked steps again; they delete what is no longer held."""
    with transaction.atomic():
        steps = list(
            ErasureStep.objects.select_for_update(skip_locked=True).filter(
                state=ErasureStep.State.BLOCKED_BY_HOLD
            )
        )
        job_ids = {s.job_id for s in steps}
        ErasureStep.objects.filter(pk__in=[s.pk for s in steps]).update(
            state=ErasureStep.State.PENDING, finished_at=None
        )
        ErasureJob.objects.filter(pk__in=job_ids).update(state=ErasureJob.State.RUNNING)
        for job_id in ErasureJob.objects.filter(
            pk__in=job_ids, cause=ErasureCause.REQUEST
        ).values_list("pk", flat=True):
            _request_settle(job_id)
        for job_id in job_ids:
            transaction.on_commit(lambda job_id=job_id: _enqueue_advance(job_id))
    return len(steps)


def erasure_reconcile() -> dict[str, int]:
    """Beat: schedule owed erasures, re-drive steps left pending or with expired leases,
    and settle jobs whose steps have all ended. Every action here is idempotent."""
    now = timezone.now()
    scheduled = owed_erasures_schedule()
    stale = ErasureStep.objects.filter(
        Q(state=ErasureStep.State.PENDING, updated_at__lt=now - STALE_PENDING)
        | Q(state=ErasureStep.State.RUNNING, lease_until__lt=now)
    )
    job_ids = set(stale.values_list("job_id", flat=True))
    # Jobs whose steps have all ended but whose own state was never settled.
    unsettled = ErasureJob.objects.filter(
        state__in=[ErasureJob.State.PENDING, ErasureJob.State.RUNNING]
    ).exclude(steps__state__in=[ErasureStep.State.PENDING, ErasureStep.State.RUNNING])
    job_ids |= set(unsettled.values_list("pk", flat=True))
    ErasureStep.objects.filter(state=ErasureStep.State.RUNNING, lease_until__lt=now).update(
        state=ErasureStep.State.PENDING, lease_until=None
    )
    for job_id in job_ids:
        _enqueue_advance(job_id)
    return {"scheduled": scheduled, "redriven": len(job_ids)}
