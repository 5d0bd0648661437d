from collections.abc import Iterator

from governance.models import ActivityDay, DropTally, SessionRefresh, SessionSummary
from governance.stores.base import EVERYTHING, SubjectScope, register


def _scoped(queryset, scope: SubjectScope, *, kinds: bool = True):
    if scope.application_ids is not None:
        queryset = queryset.filter(application_id__in=scope.application_ids)
    if kinds and scope.data_kind_ids is not None:
        queryset = queryset.filter(data_kind_id__in=scope.data_kind_ids)
    return queryset


@register
class SessionsStore:
    name = "sessions"
    description = "Per-session summaries derived from events (app, span, counts, active time)"
    # Pending refreshes name the subject too: they go with the summaries.
    models = (SessionSummary, SessionRefresh)

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        summaries = _scoped(SessionSummary.objects.filter(subject=subject), scope, kinds=False)
        pending = SessionRefresh.objects.filter(subject=subject) if scope == EVERYTHING else None
        return summaries.count() + (pending.count() if pending is not None else 0)

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        rows = _scoped(SessionSummary.objects.filter(subject=subject), scope, kinds=False)
        yield from (
            rows.order_by("started_at")
            .values(
                "device_id",
                "session_id",
                "application__slug",
                "started_at",
                "ended_at",
                "events",
                "counts",
                "active_seconds",
            )
            .iterator(chunk_size=2000)
        )


@register
class ActivityStore:
    name = "activity"
    description = "Daily counts of stored, redacted and dropped events per person"
    models = (ActivityDay, DropTally)

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int:
        days = _scoped(ActivityDay.objects.filter(subject=subject), scope).count()
        everything = scope == EVERYTHING
        return days + (DropTally.objects.filter(subject=subject).count() if everything else 0)

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]:
        days = _scoped(ActivityDay.objects.filter(subject=subject), scope).order_by("day")
        for row in days.values(
            "day", "application__slug", "data_kind__slug", "events", "redacted", "last_recorded"
        ).iterator(chunk_size=2000):
            yield {"record": "stored", **row}
        if scope == EVERYTHING:
            for row in (
                DropTally.objects.filter(subject=subject)
                .order_by("day")
                .values("day", "reason", "events")
            ):
                yield {"record": "not_stored", **row}
