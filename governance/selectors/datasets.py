from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Prefetch, Q, Sum

from governance.models import (
    DatasetSnapshot,
    DatasetWithdrawal,
    Employee,
    TrainedModel,
    TrainingPipeline,
)
from governance.stores.datasets import LIVE


def pipelines_list():
    return TrainingPipeline.objects.select_related("created_by", "revoked_by").prefetch_related(
        "purposes"
    )


def datasets_visible(*, pipeline: TrainingPipeline | None):
    """Snapshots the caller may see: an officer every one, a pipeline its own only."""
    qs = DatasetSnapshot.objects.select_related("purpose").prefetch_related(
        "applications", "data_kinds"
    )
    if pipeline is not None:
        qs = qs.filter(pipeline=pipeline)
    return qs


def datasets_readable(*, pipeline: TrainingPipeline):
    """Ready snapshots a pipeline may read: of the purposes it is registered for, asked
    for by an officer or by this pipeline (another pipeline's are not its business)."""
    return (
        datasets_visible(pipeline=None)
        .filter(state=DatasetSnapshot.State.READY, purpose__in=pipeline.purposes.all())
        .filter(Q(pipeline__isnull=True) | Q(pipeline=pipeline))
    )


def models_list():
    return TrainedModel.objects.select_related("pipeline").prefetch_related(
        Prefetch("datasets", queryset=DatasetSnapshot.objects.select_related("purpose"))
    )


@dataclass(frozen=True)
class FlaggedModel:
    model: TrainedModel
    people: int  # people whose data it was trained on and was since withdrawn
    rows: int
    latest: datetime


def models_flagged() -> list[FlaggedModel]:
    """Models trained on data since withdrawn: a withdrawal, objection or erasure reached
    a snapshot they were trained on after they were trained, with counts per model (the
    input to a decision to retrain)."""
    counts = (
        DatasetWithdrawal.objects.filter(
            dataset__models__isnull=False, created_at__gt=F("dataset__models__trained_at")
        )
        .values("dataset__models")
        .annotate(
            people=Count("employee", distinct=True), rows=Sum("rows"), latest=Max("created_at")
        )
    )
    by_model = {c["dataset__models"]: c for c in counts}
    models = models_list().filter(pk__in=by_model)
    flagged = [
        FlaggedModel(
            model=m,
            people=by_model[m.pk]["people"],
            rows=by_model[m.pk]["rows"],
            latest=by_model[m.pk]["latest"],
        )
        for m in models
    ]
    return sorted(flagged, key=lambda f: (-f.people, f.model.name, f.model.version))


@dataclass(frozen=True)
class MyDatasets:
    datasets: list[DatasetSnapshot]  # live snapshots holding the person's data
    models: list[TrainedModel]  # models trained on a snapshot that held it


def my_datasets(*, employee: Employee) -> MyDatasets:
    """Which snapshots hold a person's data (from the lineage index) and which registered
    models were trained on a snapshot that did, including snapshots since expired, or
    that their data has been erased from since."""
    live = (
        datasets_visible(pipeline=None)
        .filter(lineage__employee=employee, state__in=LIVE)
        .distinct()
        .order_by("-created_at", "-pk")
    )
    held = DatasetSnapshot.objects.filter(
        Q(lineage__employee=employee) | Q(withdrawals__employee=employee)
    )
    models = models_list().filter(datasets__in=held).distinct().order_by("name", "version")
    return MyDatasets(datasets=list(live), models=list(models))
