"""Session summaries, recomputed from the events of each session a batch touched.

The to-do rows are written with the events; a worker claims them with
FOR UPDATE SKIP LOCKED and deletes them in the transaction that rewrites the
summaries, so a killed worker leaves them to be claimed again.
"""

from django.db import connection, transaction
from django.utils import timezone

from governance.models.ingestion import EVENT_TABLE

IDLE_GAP_SECONDS = 60  # gaps longer than this between events do not count as active time

SUMMARY_SQL = f"""
WITH ev AS (
    SELECT application_id, data_kind_id, ts,
           EXTRACT(EPOCH FROM ts - lag(ts) OVER (PARTITION BY application_id ORDER BY ts)) AS gap
    FROM {EVENT_TABLE}
    WHERE device_id = %(device)s AND session_id = %(session)s AND subject = %(subject)s
), per_kind AS (
    SELECT application_id, dk.slug, count(*) AS n
    FROM ev JOIN governance_datakind dk ON dk.id = ev.data_kind_id
    GROUP BY application_id, dk.slug
)
SELECT ev.application_id, min(ts), max(ts), count(*),
       coalesce(sum(gap) FILTER (WHERE gap <= {IDLE_GAP_SECONDS}), 0)::bigint,
       (SELECT jsonb_object_agg(slug, n) FROM per_kind p
         WHERE p.application_id = ev.application_id)
FROM ev GROUP BY ev.application_id
"""


def sessions_refresh_pending(*, limit: int = 200) -> int:
    """Recompute up to `limit` pending session summaries; returns how many were done."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM governance_sessionrefresh WHERE id IN (
                   SELECT id FROM governance_sessionrefresh ORDER BY id
                   LIMIT %s FOR UPDATE SKIP LOCKED)
               RETURNING subject, device_id, session_id""",
            [limit],
        )
        claimed = cursor.fetchall()
        for subject, device_id, session_id in claimed:
            session_summary_rebuild(
                cursor, subject=subject, device_id=device_id, session_id=session_id
            )
    return len(claimed)


def session_summary_rebuild(
    cursor, *, subject: str, device_id: int, session_id: str, keep_apps: frozenset = frozenset()
) -> None:
    """Recompute one session's summaries from its events; `keep_apps` are left untouched
    (a legal hold on the sessions store freezes those summaries as they are)."""
    now = timezone.now()
    cursor.execute(SUMMARY_SQL, {"device": device_id, "session": session_id, "subject": subject})
    rows = [row for row in cursor.fetchall() if row[0] not in keep_apps]
    cursor.execute(
        """DELETE FROM governance_sessionsummary
           WHERE subject = %s AND device_id = %s AND session_id = %s
             AND NOT (application_id = ANY(%s))""",
        [subject, device_id, session_id, [r[0] for r in rows] + sorted(keep_apps)],
    )
    if not rows:
        return
    cursor.executemany(
        """INSERT INTO governance_sessionsummary (subject, device_id, session_id,
               application_id, started_at, ended_at, events, active_seconds, counts,
               refreshed_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (subject, device_id, session_id, application_id) DO UPDATE SET
               started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
               events = EXCLUDED.events, active_seconds = EXCLUDED.active_seconds,
               counts = EXCLUDED.counts, refreshed_at = EXCLUDED.refreshed_at""",
        [
            (subject, device_id, session_id, app, start, end, n, active, counts, now)
            for app, start, end, n, active, counts in rows
        ],
    )
