"""The audit evidence bundle and the record of processing activities, as report kinds:
both are written whole by `governance/evidence/`."""

from django.utils.translation import gettext_lazy as _

from governance.evidence.bundle import audit_bundle_write
from governance.evidence.processing_record import processing_record_write
from governance.models import Role
from governance.reports.base import DocumentReport, Period, register


@register
class AuditBundle(DocumentReport):
    key = "audit_bundle"
    title = _("Audit evidence bundle")
    description = _(
        "The audit events of the period as JSON Lines with the signed checkpoints that "
        "cover them, the public key and a standalone verify_bundle.py that checks every "
        "link and signature offline."
    )
    formats = ("zip",)
    roles = frozenset({Role.LEGAL})

    def write(self, out, *, report, period: Period, progress) -> int:
        expected = None

        def written(events: int, total: int) -> None:
            nonlocal expected
            if total != expected:
                expected = total
                progress.expect(total)
            progress(events)

        manifest = audit_bundle_write(
            out, date_from=period.first, date_to=period.last, progress=written
        )
        first, last = manifest["events"]["first_seq"], manifest["events"]["last_seq"]
        return 0 if first is None else last - first + 1


@register
class ProcessingRecord(DocumentReport):
    key = "processing_record"
    title = _("Record of processing activities (Art. 30)")
    description = _(
        "Purposes and their lawful basis, categories of data and of people, recipients, "
        "transfers, retention per store and the safeguards in force, as the portal "
        "enforces them when the record is made (no period: from and to are not needed)."
    )
    formats = ("pdf", "json")
    roles = frozenset({Role.LEGAL, Role.PRIVACY_OFFICER})
    uses_period = False

    def write(self, out, *, report, period: Period, progress) -> int:
        record = processing_record_write(out, fmt=report.format)
        return len(record["purposes"])
