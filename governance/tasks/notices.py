from celery import shared_task

from governance.models import Notice
from governance.services.notices import notice_apply_material_change, notices_lapse_due


@shared_task(name="governance.tasks.notices.notice_lapse_consents")
def notice_lapse_consents(notice_id: int, batch_size: int | None = None) -> int:
    """Lapse, batch by batch, the consents a material notice replaced; safe to run twice."""
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return 0
    return notice_apply_material_change(notice=notice, batch_size=batch_size)


@shared_task(name="governance.tasks.notices.notices_apply_due")
def notices_apply_due() -> int:
    """Start (or re-drive, if its message was lost) the lapse of each material notice in
    effect that is not applied yet; how many were sent."""
    due = notices_lapse_due()
    for pk in due:
        notice_lapse_consents.delay(pk)
    return len(due)
