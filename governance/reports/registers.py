"""Registers legal keeps: data subject requests, erasure certificates, retention evidence
and legal holds, each for a period."""

from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import (
    AuditEvent,
    DataRequest,
    Employee,
    ErasureCause,
    ErasureJob,
    LegalHold,
    RetentionPolicy,
    RetentionRun,
    Role,
)
from governance.reports.base import Chart, Period, TabularReport, iso_utc, register

OFFICER_AND_LEGAL = frozenset({Role.LEGAL, Role.PRIVACY_OFFICER})
# Answered: the clock stopped. A withdrawn request was not answered, so it is neither.
ANSWERED = (DataRequest.State.COMPLETED, DataRequest.State.REJECTED)


def _on_time_sql() -> str:
    """'yes' when answered by the due date, 'no' when answered late or still open past it,
    '' while it is open and not yet due (today in UTC) or when it was withdrawn."""
    answered = ", ".join(f"'{state}'" for state in ANSWERED)
    return f"""CASE
        WHEN r.state = '{DataRequest.State.WITHDRAWN}' THEN ''
        WHEN r.state IN ({answered}) AND r.closed_at IS NOT NULL THEN
            CASE WHEN (r.closed_at AT TIME ZONE 'UTC')::date <= r.due_on THEN 'yes' ELSE 'no' END
        WHEN (now() AT TIME ZONE 'UTC')::date > r.due_on THEN 'no'
        ELSE '' END"""


@register
class RequestsRegister(TabularReport):
    key = "requests"
    title = _("Request register")
    description = _(
        "Every data subject request received in the period, and whether it was on time."
    )
    roles = OFFICER_AND_LEGAL
    columns = (
        "request",
        "kind",
        "employee_number",
        "received_at",
        "due_on",
        "extended_days",
        "extension_reason",
        "completed_at",
        "state",
        "outcome",
        "on_time",
    )
    pdf_columns = ("request", "kind", "received_at", "due_on", "completed_at", "state", "on_time")

    def query(self, period: Period, filters: dict):
        sql = f"""
            SELECT r.id, r.kind, e.employee_number, {iso_utc("r.received_at")},
                   to_char(r.due_on, 'YYYY-MM-DD'), r.extended_days, r.extension_reason,
                   {iso_utc("r.closed_at")}, r.state, r.outcome, {_on_time_sql()}
            FROM {DataRequest._meta.db_table} r
            JOIN {Employee._meta.db_table} e ON e.id = r.employee_id
            WHERE r.received_at >= %s AND r.received_at < %s
            ORDER BY r.received_at, r.id
        """
        return sql, [period.starts, period.ends]

    def chart(self, period: Period, filters: dict) -> Chart:
        """On-time rate per month of receipt, of the requests whose outcome is known."""
        sql = f"""
            SELECT to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM'),
                   count(*) FILTER (WHERE ({_on_time_sql()}) = 'yes'),
                   count(*) FILTER (WHERE ({_on_time_sql()}) <> '')
            FROM {DataRequest._meta.db_table} r
            WHERE r.received_at >= %s AND r.received_at < %s
            GROUP BY 1
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [period.starts, period.ends])
            by_month = {month: (yes, known) for month, yes, known in cursor.fetchall()}
        labels = period.months()
        values = [
            (by_month[m][0] / by_month[m][1]) if by_month.get(m, (0, 0))[1] else None
            for m in labels
        ]
        return Chart(gettext("Requests answered on time, per month received"), labels, values)


@register
class ErasureCertificates(TabularReport):
    key = "erasures"
    title = _("Erasure certificates")
    description = _(
        "Every erasure job of the period with its signed receipt, by pseudonym: the job's "
        "own page says whose it was, and opening it is an audited read."
    )
    roles = OFFICER_AND_LEGAL
    # No employee number: a list ties no pseudonym to a person.
    columns = (
        "job",
        "subject",
        "cause",
        "cause_ref",
        "reason",
        "state",
        "requested_by",
        "created_at",
        "completed_at",
        "receipt_signature",
        "receipt_public_key",
        "receipt",
    )
    pdf_columns = ("job", "subject", "cause", "state", "created_at", "completed_at")

    def query(self, period: Period, filters: dict):
        users = ErasureJob._meta.get_field("requested_by").related_model._meta.db_table
        # As the erasure job list shows them (ErasureView.listed_cause_ref and
        # listed_requester): a request's id leads to the person through the request
        # queue, and a person's own login names them.
        sql = f"""
            SELECT j.id, j.subject, j.cause,
                   CASE WHEN j.cause = %s THEN '' ELSE j.cause_ref END, j.reason, j.state,
                   CASE WHEN u.id IS NULL THEN ''
                        WHEN u.id = e.user_id THEN 'the person' ELSE u.email END,
                   {iso_utc("j.created_at")}, {iso_utc("j.completed_at")},
                   coalesce(j.receipt->'signature'->>'value', ''),
                   coalesce(j.receipt->>'publicKey', ''), coalesce(j.receipt::text, '')
            FROM {ErasureJob._meta.db_table} j
            LEFT JOIN {users} u ON u.id = j.requested_by_id
            LEFT JOIN {Employee._meta.db_table} e ON e.id = j.employee_id
            WHERE j.created_at >= %s AND j.created_at < %s
            ORDER BY j.created_at, j.id
        """
        return sql, [ErasureCause.REQUEST, period.starts, period.ends]


@register
class RetentionEvidence(TabularReport):
    key = "retention"
    title = _("Retention evidence")
    description = _("Every retention run of the period and what it removed or kept under a hold.")
    roles = OFFICER_AND_LEGAL
    columns = (
        "run",
        "store",
        "policy",
        "keep_days",
        "cutoff",
        "dry_run",
        "rows_removed",
        "rows_held",
        "partitions_dropped",
        "started_at",
        "finished_at",
        "duration_ms",
        "error",
    )
    pdf_columns = ("run", "store", "policy", "cutoff", "rows_removed", "rows_held", "started_at")

    def query(self, period: Period, filters: dict):
        sql = f"""
            SELECT r.id, r.store, coalesce(p.name, '(expiry of the store''s own files)'),
                   p.keep_days, {iso_utc("r.cutoff")}, r.dry_run, r.rows_removed, r.rows_held,
                   coalesce(jsonb_array_length(r.partitions_dropped), 0),
                   {iso_utc("r.started_at")}, {iso_utc("r.finished_at")}, r.duration_ms, r.error
            FROM {RetentionRun._meta.db_table} r
            LEFT JOIN {RetentionPolicy._meta.db_table} p ON p.id = r.policy_id
            WHERE r.started_at >= %s AND r.started_at < %s
            ORDER BY r.started_at, r.id
        """
        return sql, [period.starts, period.ends]


HOLD_ACTIONS = ("legal_hold.placed", "legal_hold.changed", "legal_hold.released")


@register
class HoldsRegister(TabularReport):
    key = "holds"
    title = _("Holds register")
    description = _("Legal holds placed, changed and released in the period, with reasons.")
    columns = (
        "seq",
        "occurred_at",
        "action",
        "hold",
        "matter",
        "by",
        "custodians",
        "starts",
        "ends",
        "stores",
        "reason",
    )
    pdf_columns = ("occurred_at", "action", "hold", "matter", "by", "custodians", "reason")

    def query(self, period: Period, filters: dict):
        sql = f"""
            SELECT a.seq, {iso_utc("a.occurred_at")}, a.action, a.target_id,
                   coalesce(a.details->>'matter', ''), a.actor_label,
                   coalesce(jsonb_array_length(a.details->'custodians'), 0),
                   coalesce(a.details->>'starts', ''), coalesce(a.details->>'ends', ''),
                   coalesce(a.details->>'stores', ''),
                   CASE WHEN a.action = 'legal_hold.released' THEN coalesce(h.release_reason, '')
                        ELSE coalesce(h.reason, '') END
            FROM {AuditEvent._meta.db_table} a
            LEFT JOIN {LegalHold._meta.db_table} h
              ON a.target_type = 'LegalHold' AND h.id::text = a.target_id
            WHERE a.action = ANY(%s) AND a.occurred_at >= %s AND a.occurred_at < %s
            ORDER BY a.seq
        """
        return sql, [list(HOLD_ACTIONS), period.starts, period.ends]
