from governance.models import DatasetSnapshot, TrainingPipeline


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
