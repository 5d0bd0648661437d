"""The consent register: opt-in and withdrawal rates per month, per application, data kind
and department, never about one person.

A rate is over everyone in the group (every employee for an application or a data kind,
the department's people for a department). Suppression is the aggregates page's rule
(`selectors.consent.consent_aggregates`): a cell is hidden when the group has fewer than
MIN_GROUP_SIZE people, or when those who did it, or those who did not, are fewer than
that; either would let a reader infer one person's choice.
"""

from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import (
    Application,
    ConsentAction,
    ConsentEvent,
    DataKind,
    Employee,
    Role,
)
from governance.reports.base import Chart, Period, TabularReport, register

DIMENSIONS = ("application", "data_kind", "department")


def hidden(people: int, did: int) -> bool:
    k = settings.MIN_GROUP_SIZE
    return people < k or did < k or (people - did) < k


def _rate(people: int, did: int | None) -> float | None:
    return None if did is None or not people else round(did / people, 4)


@register
class ConsentRegister(TabularReport):
    key = "consent"
    title = _("Consent register")
    description = _(
        "Opt-in and withdrawal rates per month, per application, data kind and department "
        "(groups under the minimum size are suppressed)."
    )
    roles = frozenset({Role.LEGAL, Role.PRIVACY_OFFICER})
    columns = (
        "month",
        "dimension",
        "group",
        "people",
        "opted_in",
        "opt_in_rate",
        "withdrew",
        "withdrawal_rate",
        # Each half is hidden on its own: a row can show its withdrawals and hide its
        # opt-ins (or the other way round).
        "opt_in_suppressed",
        "withdrawal_suppressed",
    )

    def _tallies(self, period: Period) -> dict[tuple[str, str, str], tuple[int, int]]:
        """(month, dimension, group) → (people who granted, people who withdrew)."""
        events, people = ConsentEvent._meta.db_table, Employee._meta.db_table
        granted, withdrawn = ConsentAction.GRANTED.value, ConsentAction.WITHDRAWN.value
        counts = (
            f"count(DISTINCT c.employee_id) FILTER (WHERE c.action = '{granted}'), "
            f"count(DISTINCT c.employee_id) FILTER (WHERE c.action = '{withdrawn}')"
        )
        month = "to_char(c.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')"
        window = "c.occurred_at >= %s AND c.occurred_at < %s"
        sql = f"""
            SELECT {month}, 'application', a.name, {counts}
              FROM {events} c JOIN {Application._meta.db_table} a ON a.id = c.application_id
             WHERE {window} GROUP BY 1, 3
            UNION ALL
            SELECT {month}, 'data_kind', k.name, {counts}
              FROM {events} c JOIN {DataKind._meta.db_table} k ON k.id = c.data_kind_id
             WHERE {window} GROUP BY 1, 3
            UNION ALL
            SELECT {month}, 'department', e.department, {counts}
              FROM {events} c JOIN {people} e ON e.id = c.employee_id
             WHERE {window} GROUP BY 1, 3
        """
        bounds = [period.starts, period.ends]
        with connection.cursor() as cursor:
            cursor.execute(sql, bounds * 3)
            return {(m, d, g): (gr, wd) for m, d, g, gr, wd in cursor.fetchall()}

    def _headcounts(self) -> tuple[int, dict[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT department, count(*) FROM {Employee._meta.db_table} GROUP BY 1")
            departments = dict(cursor.fetchall())
        return sum(departments.values()), departments

    def rows(self, period: Period, filters: dict) -> Iterator[tuple]:
        tallies = self._tallies(period)
        everyone, departments = self._headcounts()
        groups = {
            "application": list(
                Application.objects.order_by("name").values_list("name", flat=True)
            ),
            "data_kind": list(DataKind.objects.order_by("name").values_list("name", flat=True)),
            "department": sorted(departments),
        }
        for month in period.months():
            for dimension in DIMENSIONS:
                for group in groups[dimension]:
                    people = departments[group] if dimension == "department" else everyone
                    opted, withdrew = tallies.get((month, dimension, group), (0, 0))
                    opted_shown = None if hidden(people, opted) else opted
                    withdrew_shown = None if hidden(people, withdrew) else withdrew
                    yield (
                        month, dimension, group, people,
                        opted_shown, _rate(people, opted_shown),
                        withdrew_shown, _rate(people, withdrew_shown),
                        opted_shown is None, withdrew_shown is None,
                    )  # fmt: skip

    def chart(self, period: Period, filters: dict) -> Chart:
        """The share of everyone who opted in to something, per month (suppressed → gap)."""
        events = ConsentEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM'),
                           count(DISTINCT employee_id)
                    FROM {events} WHERE action = %s AND occurred_at >= %s AND occurred_at < %s
                    GROUP BY 1""",
                [ConsentAction.GRANTED.value, period.starts, period.ends],
            )
            by_month = dict(cursor.fetchall())
        everyone, _ = self._headcounts()
        labels = period.months()
        values = [
            None if hidden(everyone, by_month.get(m, 0)) else _rate(everyone, by_month[m])
            for m in labels
        ]
        return Chart(gettext("Share of employees who opted in, per month"), labels, values)
