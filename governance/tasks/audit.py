"""Audit tasks: signing the chain head is idempotent, so a repeated run does nothing."""

from celery import shared_task

from governance.services import audit_checkpoints


@shared_task(name="governance.tasks.audit.audit_checkpoint_sign")
def audit_checkpoint_sign() -> int | None:
    checkpoint = audit_checkpoints.audit_checkpoint_sign()
    return checkpoint.seq if checkpoint else None
