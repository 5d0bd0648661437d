from django.core.management.base import BaseCommand, CommandError

from governance.services.audit import audit_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit non-zero at the first link that does not hold."

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at seq {result.first_bad_seq}: {result.reason} "
                f"({result.count} events verified before it)"
            )
        head = f", head seq {result.head_seq} hash {result.head_hash}" if result.count else ""
        self.stdout.write(f"ok: {result.count} audit events verified{head}")
