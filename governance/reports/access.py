"""The access report: who accessed whose data, when, what and why.

Every read of someone's personal data is an audit event; so are the copies made of
it (packages built and downloaded, reports downloaded) and the disclosures of one
person's consent. The report is those events of a period, with the accessor, the
subject's pseudonym, what was read and the reason given. The subject's employee number is
filled in only in a report about one person (the `subject` filter, which already names
them): a report about everyone ties no pseudonym to a person.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import AuditEvent, Employee, Role
from governance.reports.base import Period, TabularReport, iso_utc, register

# Reads and copies of personal data, as the services audit them (dataset reads too,
# once datasets are read through the portal).
ACCESS_ACTIONS = (
    "personal_data.viewed",
    "package.built",
    "package.downloaded",
    "report.downloaded",
    "dataset.read",
)


def employee_by_number_or_email(value: str, *, field: str) -> Employee:
    value = (value or "").strip()
    employee = (
        Employee.objects.filter(Q(employee_number=value) | Q(user__email__iexact=value))
        .order_by("pk")
        .first()
    )
    if employee is None:
        raise ValidationError(
            {
                field: [
                    gettext("No employee has the number or email “%(value)s”.")
                    % {"value": value[:80]}
                ]
            }
        )
    return employee


@register
class AccessReport(TabularReport):
    key = "access"
    title = _("Access report")
    description = _("Who accessed whose data: views, disclosures, packages and report downloads.")
    roles = frozenset({Role.LEGAL})
    filters = {
        "subject": _("Whose data: an employee number or work email"),
        "accessor": _("Who accessed it: a user's email"),
    }
    columns = (
        "seq",
        "occurred_at",
        "accessor",
        "accessor_type",
        "action",
        "what",
        "subject",
        "subject_employee_number",
        "target_type",
        "target_id",
        "purpose",
        "reason",
    )
    pdf_columns = ("occurred_at", "accessor", "action", "what", "subject", "reason")

    def clean_filters(self, filters):
        cleaned = super().clean_filters(filters)
        if "subject" in cleaned:
            cleaned["subject"] = employee_by_number_or_email(
                str(cleaned["subject"]), field="subject"
            ).employee_number
        if "accessor" in cleaned:
            email = str(cleaned["accessor"]).strip()
            user = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
            if user is None:
                raise ValidationError(
                    {
                        "accessor": [
                            gettext("No user has the email “%(email)s”.") % {"email": email[:80]}
                        ]
                    }
                )
            cleaned["accessor"] = user.email
        return cleaned

    def query(self, period: Period, filters: dict):
        audit, people = AuditEvent._meta.db_table, Employee._meta.db_table
        where = ["a.action = ANY(%s)", "a.occurred_at >= %s", "a.occurred_at < %s"]
        args: list = [list(ACCESS_ACTIONS), period.starts, period.ends]
        number = "''"
        if "subject" in filters:
            number = "coalesce(e.employee_number, '')"
            where.append("a.subject = %s")
            args.append(Employee.objects.get(employee_number=filters["subject"]).subject_id)
        if "accessor" in filters:
            user = get_user_model().objects.get(email__iexact=filters["accessor"])
            where.append("a.actor_type = 'user' AND a.actor_id = %s")
            args.append(str(user.pk))
        sql = f"""
            SELECT a.seq, {iso_utc("a.occurred_at")}, a.actor_label, a.actor_type, a.action,
                   coalesce(a.details->>'what', a.target_type), a.subject,
                   {number}, a.target_type, a.target_id, a.purpose,
                   coalesce(a.details->>'reason', '')
            FROM {audit} a
            LEFT JOIN {people} e ON a.subject <> '' AND e.subject_id = a.subject
            WHERE {" AND ".join(where)}
            ORDER BY a.seq
        """
        return sql, args
