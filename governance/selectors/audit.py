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


# The person's own logins and logouts carry their pseudonym (an officer filtering
# by subject sees the account's activity) but are not someone using their data.
OWN_SESSION_ACTIONS = ("auth.login", "auth.logout")


def audit_events_about(*, employee):
    """Who did what with this person's data: the employee's own view of the log.

    Their own logins and logouts are left out; failed logins, lockouts and role
    changes of their account stay, as someone else may be behind them.
    """
    return (
        AuditEvent.objects.filter(subject=employee.subject_id)
        .exclude(action__in=OWN_SESSION_ACTIONS)
        .order_by("-seq")
    )
