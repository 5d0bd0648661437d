"""Reads of retention policies and the evidence of their runs (officers)."""

from governance.models import RetentionPolicy, RetentionRun


def retention_policies_list():
    """Enabled policies first, then by store and name."""
    return (
        RetentionPolicy.objects.select_related("created_by")
        .prefetch_related("applications", "data_kinds")
        .order_by("-enabled", "store", "name", "pk")
    )


def retention_runs_list(*, store: str | None = None):
    """Runs newest first: the evidence of what retention removed and what holds kept."""
    qs = RetentionRun.objects.select_related("policy").order_by("-started_at", "-pk")
    return qs.filter(store=store) if store else qs
