"""Reading snapshots, registering the models trained on them, and flagging those models
when data they were trained on is withdrawn.

A pipeline's read of a snapshot (its manifest or a shard) is a read of the personal data
of everyone in it: one `dataset.read` event naming the pipeline and the purpose, and one
`personal_data.viewed` event per person in what was read, so each sees it under "Who
accessed my data" without learning who else was read.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    DatasetLineage,
    DatasetSnapshot,
    DatasetWithdrawal,
    ErasureJob,
    TrainedModel,
    TrainingPipeline,
)
from governance.services.audit import audit_record, audits_last
from governance.services.disclosure import VIEWED
from governance.stores.base import SubjectScope

NAME_MAX, VERSION_MAX = 200, 100


def dataset_read(
    *, pipeline: TrainingPipeline, dataset: DatasetSnapshot, shard: int | None = None
) -> int:
    """Audit a pipeline's read of a snapshot's manifest (`shard` None) or of one shard;
    returns how many people the read named."""
    lineage = DatasetLineage.objects.filter(dataset=dataset)
    if shard is not None:
        lineage = lineage.filter(shard=shard)
    subjects = sorted(set(lineage.values_list("employee__subject_id", flat=True)))
    what = "dataset manifest" if shard is None else "dataset shard"
    details = {"what": what, "dataset": dataset.pk, "pipeline": pipeline.name}
    if shard is not None:
        details["shard"] = shard
    purpose = dataset.purpose.slug
    # One chain lock and one multi-row INSERT for the read and every person in it: a
    # shard may name thousands of people.
    with transaction.atomic(), audits_last():
        audit_record(
            actor=pipeline,
            action="dataset.read",
            target=dataset,
            purpose=purpose,
            details={**details, "people": len(subjects)},
        )
        for subject in subjects:
            audit_record(
                actor=pipeline,
                action=VIEWED,
                target=dataset,
                subject=subject,
                purpose=purpose,
                details=details,
            )
    return len(subjects)


def _trained_at_check(trained_at: datetime) -> datetime:
    if trained_at > timezone.now():
        raise ValidationError(
            {"trained_at": [_("A model cannot have been trained in the future.")]}
        )
    return trained_at


def model_register(
    *,
    pipeline: TrainingPipeline,
    name: str,
    version: str,
    datasets: list[int],
    trained_at: datetime,
    readable,
) -> TrainedModel:
    """Record that `pipeline` trained `name` `version` on these snapshots, which it must
    be able to read (`readable`: the snapshots it may read)."""
    name, version = (name or "").strip(), (version or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationError(
            {"name": [_("Give a name of 1 to %(limit)s characters.") % {"limit": NAME_MAX}]}
        )
    if not version or len(version) > VERSION_MAX:
        raise ValidationError(
            {
                "version": [
                    _("Give a version of 1 to %(limit)s characters.") % {"limit": VERSION_MAX}
                ]
            }
        )
    wanted = sorted(set(datasets or []))
    if not wanted:
        raise ValidationError({"datasets": [_("Name at least one dataset.")]})
    found = list(readable.filter(pk__in=wanted))
    missing = sorted(set(wanted) - {d.pk for d in found})
    if missing:
        raise ValidationError(
            {
                "datasets": [
                    _("Not a dataset this pipeline can read: %(ids)s.") % {"ids": missing[:20]}
                ]
            }
        )
    _trained_at_check(trained_at)
    with transaction.atomic():
        if TrainedModel.objects.filter(name=name, version=version).exists():
            raise ValidationError({"version": [_("This model and version are registered.")]})
        model = TrainedModel.objects.create(
            name=name, version=version, pipeline=pipeline, trained_at=trained_at
        )
        model.datasets.set(found)
        audit_record(
            actor=pipeline,
            action="model.registered",
            target=model,
            details={"name": name, "version": version, "datasets": wanted},
        )
    return model


def dataset_withdrawals_record(job: ErasureJob, scope: SubjectScope) -> list[int]:
    """In the transaction creating an erasure job: the live snapshots holding the
    person's data in its scope are reached, so the models trained on them are flagged.
    Returns the snapshots' ids. A snapshot made ready later asks about consent again
    in its own transaction (see datasets._consent_ended_meanwhile_remove)."""
    from governance.stores.datasets import subject_rows_per_dataset

    reached = subject_rows_per_dataset(job.subject, scope)
    if not reached:
        return []
    now = timezone.now()
    DatasetWithdrawal.objects.bulk_create(
        [
            DatasetWithdrawal(
                dataset_id=dataset, employee_id=job.employee_id, job=job, rows=rows, created_at=now
            )
            for dataset, rows in sorted(reached.items())
        ],
        ignore_conflicts=True,
    )
    models = sorted(
        TrainedModel.objects.filter(datasets__in=reached.keys())
        .distinct()
        .values_list("pk", flat=True)
    )
    audit_record(
        actor=None,
        action="models.data_withdrawn",
        target=job,
        subject=job.subject,
        details={"cause": job.cause, "datasets": sorted(reached), "models": models},
    )
    return sorted(reached)
