from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.evidence.bundle import audit_bundle_write
from governance.services.audit import audit_record


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Write the audit evidence bundle of a period (UTC days, both included) as a zip that "
        "anyone can check with the verify_bundle.py inside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="the zip file to write")

    def handle(self, *args, date_from: str, date_to: str, out: str, **options):
        first, last = _day(date_from, "--from"), _day(date_to, "--to")
        if last < first:
            raise CommandError(f"--to ({last}) is before --from ({first})")
        path = Path(out)
        try:
            with path.open("wb") as handle:
                manifest = audit_bundle_write(handle, date_from=first, date_to=last)
        except OSError as exc:
            raise CommandError(f"--out: cannot write {out}: {exc.strerror or exc}") from exc
        except BaseException:
            path.unlink(missing_ok=True)  # no half-written bundle is left to be mistaken
            raise
        events = manifest["events"]
        with transaction.atomic():
            audit_record(
                actor="manage.py audit_bundle",
                action="audit.bundle_exported",
                details={"from": first.isoformat(), "to": last.isoformat(), **events},
            )
        held = (
            f"events {events['first_seq']}..{events['last_seq']}"
            if events["first_seq"]
            else "no events"
        )
        self.stdout.write(
            f"wrote {out}: {held}, {manifest['checkpoints']} checkpoints; "
            f"check it with: python verify_bundle.py {out} (inside the zip)"
        )
