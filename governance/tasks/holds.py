"""Legal holds' review reminders (daily by beat)."""

from celery import shared_task


@shared_task(name="governance.tasks.holds.legal_holds_remind_review")
def legal_holds_remind_review() -> int:
    from governance.services.holds import legal_holds_remind_review as remind

    return remind()
