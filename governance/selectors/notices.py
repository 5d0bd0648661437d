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
    return (
        notice.purposes.filter(pk=scope.purpose.pk).exists()
        and notice.applications.filter(pk=scope.application.pk).exists()
        and notice.data_kinds.filter(pk=scope.data_kind.pk).exists()
    )


def notice_list():
    return Notice.objects.prefetch_related("purposes", "applications", "data_kinds").order_by(
        "-version"
    )
