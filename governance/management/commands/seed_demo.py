import os

from django.core.management.base import BaseCommand

from governance.devtools.demo import DEMO_LOGINS, demo_seed


class Command(BaseCommand):
    help = "Create the demo company (safe to run again) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=50)

    def handle(self, *args, people: int, **options):
        result = demo_seed(people=people)
        tail = ", consents seeded." if result.consents_seeded else "; consents already present."
        self.stdout.write(f"Demo data: {result.employees} employees{tail}")
        source = (
            "$PORTAL_DEMO_PASSWORD"
            if os.environ.get("PORTAL_DEMO_PASSWORD")
            else ".data/demo_password"
        )
        self.stdout.write(f"Demo logins (password for each, from {source}): {result.password}")
        for email, _first, _last, roles in DEMO_LOGINS:
            self.stdout.write(f"  {email:<24} {', '.join(str(r.label) for r in roles)}")
