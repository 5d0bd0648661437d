"""Consent evidence minimised and leavers' evidence pseudonymised (daily by beat)."""

from celery import shared_task


@shared_task(name="governance.tasks.privacy.consent_network_data_minimise")
def consent_network_data_minimise() -> int:
    from governance.services.privacy import consent_network_data_minimise as minimise

    return minimise()


@shared_task(name="governance.tasks.privacy.leavers_evidence_pseudonymise")
def leavers_evidence_pseudonymise() -> int:
    from governance.services.privacy import leavers_evidence_pseudonymise as pseudonymise

    return pseudonymise()
