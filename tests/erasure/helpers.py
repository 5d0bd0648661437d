"""Data to erase, and erasure jobs driven in-process, for the erasure pages and API tests.

The engine's own tests run jobs through a real worker; these tests are about
what people see, so they run each step in this process, as a task would.
"""

from datetime import UTC, datetime, timedelta

from django.test import Client

from governance.models import ErasureJob, InteractionEvent
from governance.services.erasure import erasure_step_run, owed_erasures_schedule
from governance.stores.sessions import sessions_refresh_pending
from tests.ingestion.helpers import batch, event, post, stamp


def record_events(token: str, email: str = "alice@example.com", *, days: int = 3) -> int:
    """Post 20 key and 10 scroll events a day of one consenting person in VS Code, the
    oldest day's 2.5 days ago, then 1.5 and 0.5 (so a keep of N days is clear of any)."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days - 0.5)
    events = []
    for day in range(days):
        start = base + timedelta(days=day)
        events += [event(email, ts=stamp(i * 500, start), session_id=f"d{day}") for i in range(20)]
        events += [
            event(email, type="scroll", ts=stamp(i * 700, start), session_id=f"d{day}")
            for i in range(10)
        ]
    accepted = post(Client(), token, batch(events)).json()["accepted"]
    sessions_refresh_pending()
    return accepted


def events_of(user) -> int:
    return InteractionEvent.objects.filter(subject=user.employee.subject_id).count()


def drive(job: ErasureJob) -> ErasureJob:
    """Run every step, stage by stage, as the erasure tasks would."""
    for _ in range(5):
        for step in job.steps.filter(state="pending").order_by("pk"):
            erasure_step_run(step.pk)
    return ErasureJob.objects.get(pk=job.pk)


def erase_owed() -> list[ErasureJob]:
    """Turn owed erasures into jobs and run them, as beat and the workers would."""
    owed_erasures_schedule()
    return [drive(job) for job in ErasureJob.objects.filter(state="pending").order_by("pk")]


def preserve(employee, officer, *, on: bool) -> None:
    """Set or lift the Art. 18(1)(c) ground of the person's restriction."""
    from governance.services.restriction import employee_processing_restrict

    employee_processing_restrict(
        employee=employee,
        restricted=True,
        reason="Claim" if on else "Settled",
        actor=officer,
        preserve_for_legal_claim=on,
    )
