from django.utils import timezone

from governance.models import Notice


def notice_current(*, language: str | None = None) -> Notice | None:
    """The newest published notice already in effect."""
    notices = Notice.objects.filter(
        status=Notice.Status.PUBLISHED, effective_at__lte=timezone.now()
    ).order_by("-version")
    if language:
        preferred = notices.filter(language=language).first()
        if preferred:
            return preferred
    return notices.first()


def notice_covers(notice: Notice, scope) -> bool:
    return Notice.objects.filter(
        pk=notice.pk,
        purposes=scope.purpose,
        applications=scope.application,
        data_kinds=scope.data_kind,
    ).exists()


def notice_list():
    return Notice.objects.prefetch_related("purposes", "applications", "data_kinds").order_by(
        "-version"
    )
