from governance.tasks.aggregates import counts_refresh
from governance.tasks.audit import audit_checkpoint_sign
from governance.tasks.consent import consents_expire_due, consents_grace_enforce
from governance.tasks.datasets import dataset_build, datasets_reconcile
from governance.tasks.erasure import (
    erasure_deferred_resume,
    erasure_job_advance,
    erasure_reconcile,
    erasure_step_run,
    owed_erasures_schedule,
)
from governance.tasks.exports import export_package_build, export_packages_reconcile
from governance.tasks.holds import legal_holds_remind_review
from governance.tasks.ingestion import event_partitions_maintain, sessions_refresh
from governance.tasks.notices import notice_lapse_consents, notices_apply_due
from governance.tasks.privacy import consent_network_data_minimise, leavers_evidence_pseudonymise
from governance.tasks.reports import report_build, reports_reconcile
from governance.tasks.requests import requests_remind
from governance.tasks.retention import retention_enforce

__all__ = [
    "dataset_build",
    "datasets_reconcile",
    "consent_network_data_minimise",
    "counts_refresh",
    "audit_checkpoint_sign",
    "consents_expire_due",
    "consents_grace_enforce",
    "erasure_deferred_resume",
    "erasure_job_advance",
    "erasure_reconcile",
    "erasure_step_run",
    "event_partitions_maintain",
    "export_package_build",
    "export_packages_reconcile",
    "leavers_evidence_pseudonymise",
    "legal_holds_remind_review",
    "notice_lapse_consents",
    "notices_apply_due",
    "owed_erasures_schedule",
    "report_build",
    "reports_reconcile",
    "requests_remind",
    "retention_enforce",
    "sessions_refresh",
]
