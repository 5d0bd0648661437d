"""Dataset snapshots: consented events of one purpose handed to training as Parquet.

A snapshot is asked for (`dataset_request`) by an officer or a training pipeline and
built by a task on the `exports` queue (`dataset_build`). The build reads the consent
rule of the ingestion gate (`grants_live`) at build time, so a row goes in only if its
person has a live grant for exactly its scope now, under the notice in force, is not
restricted and has not objected; every other row is counted by reason in the manifest.
"""

import hashlib
import json
import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    Application,
    ConsentState,
    DataKind,
    DatasetSnapshot,
    Employee,
    Purpose,
    TrainingPipeline,
)
from governance.services.audit import audit_record
from governance.services.ingestion.gate import grants_live
from governance.services.locks import (
    dataset_build_try_lock,
    dataset_build_unlock,
    dataset_builds_running,
)
from governance.stores.base import SubjectScope
from governance.stores.datasets import (
    SCHEMA_VERSION,
    ShardWriter,
    dataset_files_remove,
    dataset_location,
    lineage_write,
    pseudonym,
    scope_batches,
    scope_groups,
    snapshot_subject_remove,
)
from governance.stores.exports import BuildProgress

logger = logging.getLogger(__name__)
State = DatasetSnapshot.State
# A snapshot still building this long after it was asked for, that no process holds the
# build lock of, lost its task (a message lost between commit and publish, a dead worker).
STALE_BUILDING = timedelta(minutes=5)


class Exclusion:
    """Why a row of the scope stayed out of a snapshot (the manifest's `excluded` keys)."""

    UNKNOWN_PERSON = "unknown_person"
    RESTRICTED = "restricted"
    OBJECTED = "objected"
    NOT_CONSENTED = "not_consented"


def _resolve(model, field: str, slugs) -> list:
    if not isinstance(slugs, list | tuple) or not slugs:
        raise ValidationError({field: [_("Name at least one.")]})
    wanted = sorted({str(s) for s in slugs})
    found = {o.slug: o for o in model.objects.filter(slug__in=wanted)}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        raise ValidationError({field: [_("Unknown: %(slugs)s.") % {"slugs": ", ".join(unknown)}]})
    return [found[s] for s in wanted]


def _purpose_check(slug: str, pipeline: TrainingPipeline | None) -> Purpose:
    purpose = Purpose.objects.filter(slug=slug).first()
    if purpose is None:
        raise ValidationError({"purpose": [_("Unknown purpose: %(slugs)s.") % {"slugs": slug}]})
    if not purpose.consentable:
        raise ValidationError({"purpose": [_("This purpose is prohibited or disabled.")]})
    if pipeline is not None and not pipeline.purposes.filter(pk=purpose.pk).exists():
        raise PermissionDenied(_("This pipeline is not registered for that purpose."))
    if not ConsentState.objects.filter(purpose=purpose, state="granted").exists():
        raise ValidationError({"purpose": [_("Nobody has consented to this purpose.")]})
    return purpose


def _definition(purpose, applications, data_kinds, starts_at, ends_at) -> str:
    canonical = json.dumps(
        [
            purpose.pk,
            [a.pk for a in applications],
            [k.pk for k in data_kinds],
            starts_at.isoformat(),
            ends_at.isoformat(),
        ]
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def dataset_request(
    *,
    actor,
    purpose: str,
    applications: list[str],
    data_kinds: list[str],
    starts_at: datetime,
    ends_at: datetime,
    pipeline: TrainingPipeline | None = None,
) -> DatasetSnapshot:
    """Define a snapshot and queue its build. `actor` is the officer, or the pipeline."""
    chosen_purpose = _purpose_check(purpose, pipeline)
    apps = _resolve(Application, "applications", applications)
    kinds = _resolve(DataKind, "data_kinds", data_kinds)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("The range is empty: it must end after it starts.")]})
    with transaction.atomic():
        dataset = DatasetSnapshot.objects.create(
            purpose=chosen_purpose,
            starts_at=starts_at,
            ends_at=ends_at,
            definition=_definition(chosen_purpose, apps, kinds, starts_at, ends_at),
            pipeline=pipeline,
            requested_by=None if pipeline is not None else actor,
            pseudonym_key=secrets.token_hex(32),
        )
        dataset.location = dataset_location(dataset.pk)
        dataset.save(update_fields=["location"])
        dataset.applications.set(apps)
        dataset.data_kinds.set(kinds)
        audit_record(
            actor=actor,
            action="dataset.requested",
            target=dataset,
            purpose=chosen_purpose.slug,
            details={
                "applications": [a.slug for a in apps],
                "data_kinds": [k.slug for k in kinds],
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "pipeline": pipeline.pk if pipeline else None,
            },
        )
        from governance.tasks.datasets import dataset_build as task

        transaction.on_commit(lambda: task.delay(dataset.pk))
    return dataset


class _Eligibility:
    """Who may be in the snapshot: the people of the scope, learnt at once, and their
    live grants; what it holds grows with the people of the scope, not its rows."""

    def __init__(self, purpose_id: int):
        self.purpose_id = purpose_id
        self.people: dict[str, tuple[int, str | None]] = {}  # subject → (employee, reason)
        self.scopes: set[tuple[int, int, int]] = set()  # (employee, application, kind)

    def learn(self, subjects: set[str]) -> None:
        if not subjects:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT e.subject_id, e.id, e.processing_restricted_at IS NOT NULL,
                          EXISTS (SELECT 1 FROM governance_datarequest r
                                  WHERE r.employee_id = e.id AND r.kind = 'objection'
                                    AND r.state = 'completed'
                                    AND (r.purpose_id IS NULL OR r.purpose_id = %s))
                   FROM governance_employee e WHERE e.subject_id = ANY(%s)""",
                [self.purpose_id, sorted(subjects)],
            )
            rows = cursor.fetchall()
        for subject, employee_id, restricted, objected in rows:
            reason = (
                Exclusion.RESTRICTED if restricted else Exclusion.OBJECTED if objected else None
            )
            self.people[subject] = (employee_id, reason)
        for subject in subjects:
            self.people.setdefault(subject, (0, Exclusion.UNKNOWN_PERSON))
        eligible = [self.people[s][0] for s in subjects if self.people[s][1] is None]
        for employee, _purpose, app, kind, _version in grants_live(
            eligible, purpose_id=self.purpose_id, lock=False
        ):
            self.scopes.add((employee, app, kind))

    def verdict(self, subject: str, app: int, kind: int) -> tuple[int, str | None]:
        employee, reason = self.people[subject]
        if reason is None and (employee, app, kind) not in self.scopes:
            reason = Exclusion.NOT_CONSENTED
        return employee, reason


def dataset_build(dataset_id: int) -> str | None:
    """Build a snapshot's shards; safe to run twice or at once (a second call while one
    builds does nothing; a run after a crashed one starts again from nothing; a finished
    snapshot is left alone)."""
    if not dataset_build_try_lock(dataset_id):
        return State.BUILDING  # another process is building it
    try:
        dataset = DatasetSnapshot.objects.filter(pk=dataset_id).first()
        if dataset is None or dataset.state != State.BUILDING:
            return dataset.state if dataset else None
        return _build(dataset)
    finally:
        dataset_build_unlock(dataset_id)


def _build(dataset: DatasetSnapshot) -> str:
    dataset_files_remove(dataset.location)
    progress = BuildProgress(dataset.pk, model=DatasetSnapshot)
    try:
        shards, lineage, excluded = _write_shards(dataset, progress)
    except Exception as exc:
        logger.exception("building dataset %s failed", dataset.pk)
        return _failed(dataset, exc)
    finally:
        progress.close()
    return _ready(dataset, shards, lineage, excluded)


def _write_shards(dataset: DatasetSnapshot, progress: BuildProgress):
    """Who is let in is decided per person, application and kind (every row of one such
    group shares the answer), so PostgreSQL sends only the admitted groups' rows, each
    person already under the snapshot's pseudonym."""
    groups = scope_groups(dataset)
    progress.expect(sum(n for *_, n in groups))
    eligibility = _Eligibility(dataset.purpose_id)
    eligibility.learn({subject for subject, *_ in groups})
    excluded: Counter = Counter()
    admitted, people = [], {}  # people: pseudonym → employee
    for subject, app, kind, n in groups:
        employee, reason = eligibility.verdict(subject, app, kind)
        if reason is not None:
            excluded[reason] += n
            continue
        admitted.append((subject, app, kind))
        people[subject] = employee
    subjects = {s: pseudonym(dataset.pseudonym_key, s) for s in people}
    people = {subjects[s]: employee for s, employee in people.items()}
    with ShardWriter(dataset.location, settings.DATASET_SHARD_ROWS, people) as writer:
        for batch in scope_batches(dataset, admitted, subjects):
            writer.write(batch)
            progress.part_done(batch.num_rows)
        writer.flush()
    return writer.shards, writer.lineage, excluded


def _ready(dataset: DatasetSnapshot, shards, lineage: Counter, excluded: Counter) -> str:
    with transaction.atomic():
        dataset = DatasetSnapshot.objects.select_for_update().get(pk=dataset.pk)
        if dataset.state != State.BUILDING:  # expired or failed meanwhile
            dataset_files_remove(dataset.location)
            return dataset.state
        now = timezone.now()
        rows = sum(s["rows"] for s in shards)
        dataset.manifest = {
            "schema_version": SCHEMA_VERSION,
            "rows": rows,
            "shards": shards,
            "excluded": dict(sorted(excluded.items())),
        }
        dataset.rows_written = rows
        dataset.state = State.READY
        dataset.ready_at = now
        dataset.expires_at = now + timedelta(days=settings.DATASET_TTL_DAYS)
        dataset.error = ""
        dataset.save()
        lineage_write(dataset, lineage)
        _consent_ended_meanwhile_remove(dataset, lineage)
        superseded = list(
            DatasetSnapshot.objects.select_for_update()
            .filter(definition=dataset.definition, state=State.READY)
            .exclude(pk=dataset.pk)
            .values_list("pk", flat=True)
        )
        DatasetSnapshot.objects.filter(pk__in=superseded).update(
            state=State.SUPERSEDED, superseded_by=dataset
        )
        audit_record(
            actor=None,
            action="dataset.ready",
            target=dataset,
            purpose=dataset.purpose.slug,
            details={
                "rows": rows,
                "shards": len(shards),
                "people": len({key[1] for key in lineage}),
                "excluded": dataset.manifest["excluded"],
                "superseded": superseded,
            },
        )
    return dataset.state


def _consent_ended_meanwhile_remove(dataset: DatasetSnapshot, lineage: Counter) -> None:
    """Take out the rows of people whose consent ended (or who were restricted, or
    objected) while the build read: asked again here, in the transaction that makes the
    snapshot ready, so an erasure that ran before it commits cannot have missed them
    (it read a lineage without this snapshot), and one that runs after finds them in it."""
    subjects = dict(
        Employee.objects.filter(pk__in={key[1] for key in lineage}).values_list("pk", "subject_id")
    )
    recheck = _Eligibility(dataset.purpose_id)
    recheck.learn(set(subjects.values()))
    for app, kind, employee in sorted({(a, k, e) for _shard, e, a, k in lineage}):
        _, reason = recheck.verdict(subjects[employee], app, kind)
        if reason is None:
            continue
        scope = SubjectScope(application_ids=frozenset({app}), data_kind_ids=frozenset({kind}))
        removed = snapshot_subject_remove(dataset, subjects[employee], scope)
        excluded = dataset.manifest["excluded"]
        excluded[reason] = excluded.get(reason, 0) + removed
    dataset.save(update_fields=["manifest"])


def _failed(dataset: DatasetSnapshot, exc: Exception) -> str:
    dataset_files_remove(dataset.location)
    with transaction.atomic():
        updated = DatasetSnapshot.objects.filter(pk=dataset.pk, state=State.BUILDING).update(
            state=State.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        if updated:
            audit_record(
                actor=None,
                action="dataset.failed",
                target=dataset,
                details={"error": f"{exc.__class__.__name__}"},
            )
    return State.FAILED


def datasets_reconcile() -> list[int]:
    """Beat: snapshots still building a while after they were asked for, that no process
    is building: build them again."""
    stale = DatasetSnapshot.objects.filter(
        state=State.BUILDING, created_at__lt=timezone.now() - STALE_BUILDING
    ).values_list("pk", flat=True)
    running = dataset_builds_running()
    return [pk for pk in stale if pk not in running]
