import time

from django.core.management.base import BaseCommand, CommandError

from governance.devtools.scale import SeedRefused, scale_seed


class Command(BaseCommand):
    help = (
        "Bulk load (COPY) a company at benchmark scale: people, consents, day-partitioned "
        "events with their summaries, erasure jobs, holds, retention runs and a verifiable "
        "audit log. The issue's size: --employees 100000 --events 10000000 --audit-events "
        "1000000."
    )

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=2000)
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--audit-events", type=int, default=20_000)
        parser.add_argument("--days", type=int, default=14, help="day partitions the events fill")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--force", action="store_true", help="add to a database that already has employees"
        )

    def handle(self, *args, **options):
        start = time.perf_counter()
        try:
            result = scale_seed(
                employees=options["employees"],
                events=options["events"],
                audit_events=options["audit_events"],
                days=options["days"],
                seed=options["seed"],
                force=options["force"],
                log=self.stdout.write,
            )
        except SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Seeded {result.employees} employees, {result.consent_events} consent events, "
            f"{result.events} events ({result.sessions} sessions, {result.activity_days} "
            f"activity rows), {result.audit_events} audit events in "
            f"{time.perf_counter() - start:.1f} s."
        )
        for name, login in result.personas.items():
            self.stdout.write(f"  {name:<9} {login}")
