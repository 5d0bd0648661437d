"""Reads the API needs beyond the domain selectors, each scoped to its caller."""

from governance.models import ConsentState, Employee


def consent_state_held(
    *, employee: Employee, purpose: str, application: str, data_kind: str
) -> ConsentState | None:
    """This person's consent state for a scope named by slugs, whatever its catalogue status.

    services.scopes.scope_resolve refuses disabled and prohibited catalogue
    entries, which is right for a grant but would trap a person who consented
    before an entry was disabled: they must still be able to withdraw it.
    """
    return (
        ConsentState.objects.filter(
            employee=employee,
            purpose__slug=purpose,
            application__slug=application,
            data_kind__slug=data_kind,
        )
        .select_related("purpose", "application", "data_kind")
        .first()
    )
