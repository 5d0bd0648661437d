from governance.models import AuditEvent


def audit_events_list(
    *, action: str | None = None, subject: str | None = None, actor_id: str | None = None
):
    """The audit log for officers and legal, newest first, optionally filtered."""
    qs = AuditEvent.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if subject:
        qs = qs.filter(subject=subject)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    return qs


def audit_events_about(*, employee):
    """Who did what with this person's data: the employee's own view of the log."""
    return AuditEvent.objects.filter(subject=employee.subject_id).order_by("-seq")
