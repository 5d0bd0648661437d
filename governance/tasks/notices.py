from celery import shared_task

from governance.models import Notice
from governance.services.notices import notice_apply_material_change


@shared_task(name="governance.tasks.notices.notices_apply_due")
def notices_apply_due() -> int:
    """Lapse older consents for material notices whose effective date has come."""
    lapsed = 0
    due = Notice.objects.filter(
        status=Notice.Status.PUBLISHED, material_change=True, lapse_applied_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in due:
        lapsed += notice_apply_material_change(notice=Notice.objects.get(pk=pk))
    return lapsed
