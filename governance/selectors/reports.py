"""Reports as their requester sees them: one's own, and no one else's."""

from governance.models import Report


def reports_of(*, user):
    return Report.objects.filter(requester=user).order_by("-created_at", "-pk")


def report_of(*, user, report_id: int) -> Report | None:
    return Report.objects.filter(requester=user, pk=report_id).first()
