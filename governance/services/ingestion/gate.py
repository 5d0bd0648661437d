"""The consent gate's two reads: who the events are about, and what they have granted.

The gateway reads them FOR SHARE inside the batch's transaction (a concurrent
withdrawal holds its row FOR UPDATE, so one of the two waits for the other); the
capture policy reads them without locks, to tell devices what not to send. Both
read the same rule, so the policy never offers what the gate would refuse.
"""

from django.db import connection
from django.utils import timezone

from governance.services.consent import consent_expiry_cutoff
from governance.services.notice_scopes import GRANT_SUPERSEDED_SQL, LAPSING_NOTICES_SQL


def employees_find(refs: set[str], *, lock: bool) -> dict[str, tuple[int, str, bool] | None]:
    """ref (work email or employee number) → (employee id, subject, restricted), or None.

    Two index lookups in one statement (governance_user_email_lower, the employee number's
    unique index): an OR across the join would read every person instead."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT e.id, e.subject_id, e.processing_restricted_at IS NOT NULL,
                      lower(u.email), e.employee_number
               FROM governance_employee e JOIN auth_user u ON u.id = e.user_id
               WHERE e.id IN (
                   SELECT e2.id FROM governance_employee e2
                   JOIN auth_user u2 ON u2.id = e2.user_id WHERE lower(u2.email) = ANY(%s)
                   UNION ALL
                   SELECT id FROM governance_employee WHERE employee_number = ANY(%s))
               ORDER BY e.id {"FOR SHARE OF e" if lock else ""}""",
            [[r.lower() for r in refs], list(refs)],
        )
        found = {}
        for pk, subject, restricted, email, number in cursor.fetchall():
            found[email] = found[number] = (pk, subject, restricted)
    return {ref: found.get(ref.lower()) or found.get(ref) for ref in refs}


# The newest published notice in effect, with its three sets, read once per statement
# (its one parameter is the time now).
NOTICE_IN_EFFECT_SQL = """in_effect AS MATERIALIZED (
    SELECT
      ARRAY(SELECT purpose_id FROM governance_notice_purposes x WHERE x.notice_id = n.id)
        AS purposes,
      ARRAY(SELECT application_id FROM governance_notice_applications x
            WHERE x.notice_id = n.id) AS applications,
      ARRAY(SELECT datakind_id FROM governance_notice_data_kinds x WHERE x.notice_id = n.id)
        AS data_kinds
    FROM governance_notice n WHERE n.status = 'published' AND n.effective_at <= %s
    ORDER BY n.version DESC LIMIT 1)"""


def grants_live(
    employee_ids: list[int], *, purpose_id: int | None, lock: bool
) -> list[tuple[int, int, int, int, int]]:
    """(employee, purpose, application, data kind, consent version) of granted scopes,
    of one purpose or (None) all; in id order, FOR SHARE when `lock`.

    A grant in a scope that a newer material notice in effect (or whose lapse has begun)
    lapses, or older than CONSENT_MAX_AGE_DAYS, counts as ended already: the lapse and
    expiry batches reach people batch by batch. Nor is anything captured that the notice
    in effect no longer describes: a later notice that drops an application, a kind or a
    purpose ends capture in it at once, even as a non-material change that lapses nothing
    (My consent lists such a scope as no longer offered).
    """
    if not employee_ids:
        return []
    now = timezone.now()
    purpose = "s.purpose_id = %s AND" if purpose_id is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {LAPSING_NOTICES_SQL}, {NOTICE_IN_EFFECT_SQL}
               SELECT s.employee_id, s.purpose_id, s.application_id, s.data_kind_id, s.version
               FROM governance_consentstate s JOIN governance_notice g ON g.id = s.notice_id
               WHERE {purpose} s.employee_id = ANY(%s) AND s.state = 'granted'
                 AND s.updated_at > %s AND NOT {GRANT_SUPERSEDED_SQL}
                 AND EXISTS (SELECT 1 FROM in_effect c WHERE s.purpose_id = ANY(c.purposes)
                   AND s.application_id = ANY(c.applications)
                   AND s.data_kind_id = ANY(c.data_kinds))
               ORDER BY s.id {"FOR SHARE OF s" if lock else ""}""",
            [
                now,
                now,
                *([purpose_id] if purpose_id is not None else []),
                employee_ids,
                consent_expiry_cutoff(now),
            ],
        )
        return cursor.fetchall()
