"""The record of processing activities (GDPR Art. 30(1)), generated from what the portal
enforces: the catalogue (purposes, applications, data kinds), the retention policies of
every registered store and the safeguards in force.

What the catalogue does not hold comes from settings, documented in the README:
`PROCESSING_LAWFUL_BASIS` (every permitted purpose rests on the employee's consent,
which the ingestion gate enforces), `PROCESSING_RECIPIENTS` and `PROCESSING_TRANSFERS`.
A purpose marked for third-party disclosure adds its recipients line from the catalogue.
"""

from datetime import UTC
from typing import BinaryIO

import orjson
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from governance.models import (
    Application,
    ConsentState,
    DataKind,
    Employee,
    Purpose,
    SafeguardRule,
)
from governance.services.exports import _safeguard_text, _safeguards
from governance.services.retention import effective_keep
from governance.stores import REGISTRY

RECORD_TYPE = "record-of-processing-activities"
FORMATS = ("json", "pdf")

# Art. 30(1)(g): what the portal itself does, true of every installation.
TECHNICAL_MEASURES = (
    "Nothing is stored without consent: the ingestion gate checks the person's consent for "
    "the purpose, application and data kind inside the write transaction.",
    "A withdrawal stops ingestion for that scope at once and erases what was stored under it "
    "in every registered store, verified per store and confirmed by a signed receipt.",
    "Excluded applications, secure-input fields and personal data typed as text (card "
    "numbers, national ids, emails, phone numbers, IBANs, secrets) are dropped or redacted "
    "before anything is written.",
    "Interaction data and the audit log name people only by a pseudonymous subject id.",
    "Retention policies are enforced daily; legal holds preserve only what they cover.",
    "Every change and every read of a person's data is recorded in an append-only, "
    "hash-chained audit log whose head is signed at regular intervals.",
    "Role-based access: employees see only their own data; aggregates shown to others are "
    "suppressed below a group of five.",
)


def processing_record_build() -> dict:
    """The record as a document (JSON-ready: strings, numbers, lists and dicts)."""
    purposes = list(Purpose.objects.order_by("use", "name"))
    return {
        "type": RECORD_TYPE,
        "generated_at": timezone.now().astimezone(UTC).isoformat(),
        "controller": dict(settings.CONTROLLER),
        "purposes": [_purpose(p) for p in purposes],
        "data_categories": [
            {
                "slug": kind.slug,
                "name": kind.name,
                "category": kind.pii_category,
                "description": kind.description,
                "enabled": kind.enabled,
            }
            for kind in DataKind.objects.order_by("name")
        ],
        "applications": _applications(),
        "data_subjects": _data_subjects(),
        "recipients": _recipients(purposes),
        "transfers": list(settings.PROCESSING_TRANSFERS),
        "retention": _retention(),
        "safeguards": [_safeguard_line(rule) for rule in _safeguards()],
        "technical_measures": list(TECHNICAL_MEASURES),
    }


def processing_record_write(out: BinaryIO, *, fmt: str) -> dict:
    """Write the record as `fmt` ("json" or "pdf") into `out`; returns the record."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    record = processing_record_build()
    if fmt == "json":
        out.write(orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    else:
        out.write(_pdf(record))
    return record


def _purpose(purpose: Purpose) -> dict:
    permitted = purpose.use == Purpose.Use.PERMITTED
    return {
        "slug": purpose.slug,
        "name": purpose.name,
        "description": purpose.description,
        "use": purpose.use,
        "category": purpose.category,
        "lawful_basis": settings.PROCESSING_LAWFUL_BASIS
        if permitted
        else "None: a prohibited purpose; no data may be processed for it",
        "enabled": purpose.enabled,
        "third_party_disclosure": purpose.third_party_disclosure,
        "termination": purpose.termination if permitted else "",
    }


def _safeguard_line(rule) -> str:
    """A safeguard as the record states it: a rule named after its detector says the name
    once ("Redaction detector: Card numbers (Luhn-checked)")."""
    text = _safeguard_text(rule)
    if rule.detector and rule.name == rule.get_detector_display():
        text = text.replace(f" — {rule.name}", "", 1)
    return text


def _applications() -> list[dict]:
    """The catalogue's applications; `recorded` is false where a safeguard excludes one."""
    excluded = set(
        SafeguardRule.objects.filter(
            enabled=True, kind=SafeguardRule.Kind.EXCLUDED_APPLICATION
        ).values_list("application_id", flat=True)
    )
    return [
        {
            "slug": app.slug,
            "name": app.name,
            "enabled": app.enabled,
            "recorded": app.enabled and app.pk not in excluded,
        }
        for app in Application.objects.order_by("name")
    ]


def _data_subjects() -> list[dict]:
    """Employees are the only data subjects; where they are, from their own records."""
    consenting = (
        ConsentState.objects.filter(state=ConsentState.State.GRANTED)
        .values_list("employee_id", flat=True)
        .distinct()
    )
    countries = sorted(
        Employee.objects.filter(pk__in=consenting)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )
    return [
        {
            "category": "Employees who have opted in to recording",
            "description": "Staff of the controller whose computer interactions are recorded "
            "in the applications and data kinds they consented to",
            "countries": countries,
        }
    ]


def _recipients(purposes: list[Purpose]) -> list[str]:
    recipients = list(settings.PROCESSING_RECIPIENTS)
    recipients += [
        f"Third parties named in the consent notice, for “{p.name}”"
        for p in purposes
        if p.third_party_disclosure and p.use == Purpose.Use.PERMITTED
    ]
    return recipients


def _retention() -> list[dict]:
    apps = dict(Application.objects.values_list("pk", "slug"))
    kinds = dict(DataKind.objects.values_list("pk", "slug"))
    stores = []
    for name, target in REGISTRY.items():
        # A store's description is translated lazily: text here, for orjson.
        entry = {"store": name, "description": str(target.description), "policies": []}
        if not target.retained:
            entry["period"] = str(
                getattr(target, "kept_for", None)
                or f"{settings.EXPORT_TTL_DAYS} days after it is built, then deleted"
            )
            stores.append(entry)
            continue
        rules = effective_keep(name).rules
        for rule in rules:
            entry["policies"].append(
                {
                    "name": rule.name,
                    "keep_days": rule.keep_days,
                    "applications": _slugs(rule.application_ids, apps),
                    "data_kinds": _slugs(rule.data_kind_ids, kinds),
                }
            )
        entry["period"] = (
            "; ".join(f"{r.keep_days} days ({r.name})" for r in rules)
            if rules
            else "No retention policy: kept until consent is withdrawn or erasure is asked for"
        )
        stores.append(entry)
    return stores


def _slugs(ids: frozenset[int] | None, names: dict[int, str]) -> list[str] | str:
    return "all" if ids is None else sorted(names[i] for i in ids if i in names)


# --- PDF --------------------------------------------------------------------------------
# The PDF's built-in fonts hold Latin-1 only: typographic punctuation becomes its plain
# form, anything else a "?", so no catalogue text can stop the record being written.
_PLAIN = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
                        "…": "...", "•": "-", "€": "EUR", "→": "->", "\u00a0": " "})  # fmt: skip


def _text(value) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value).translate(_PLAIN)
    return text.encode("latin-1", "replace").decode("latin-1")


class _RecordPdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        footer = _("Record of processing activities - page %(page)s") % {"page": self.page_no()}
        self.cell(0, 8, _text(footer), align="C")


def _pdf(record: dict) -> bytes:
    pdf = _RecordPdf(format="A4")
    pdf.set_title(_text(_("Record of processing activities")))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 9, _text(_("Record of processing activities (GDPR Art. 30)")),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    controller = record["controller"]
    _paragraph(
        pdf,
        _(
            "Controller: %(controller)s, %(address)s. Contact: %(contact)s, %(email)s, "
            "%(phone)s. Generated %(generated)s UTC from the portal's catalogue, retention "
            "policies and safeguards."
        )
        % {
            "controller": controller.get("piiController", ""),
            "address": controller.get("address", ""),
            "contact": controller.get("contact", ""),
            "email": controller.get("email", ""),
            "phone": controller.get("phone", ""),
            "generated": record["generated_at"][:16],
        },
    )
    _heading(pdf, _("1. Purposes and their lawful basis"))
    _table(pdf, (_("Purpose"), _("Use"), _("Lawful basis"), _("Description")), (25, 15, 30, 30),
           [(p["name"], p["use"], p["lawful_basis"], p["description"])
            for p in record["purposes"]])  # fmt: skip
    _heading(pdf, _("2. Categories of personal data (data kinds)"))
    _table(pdf, (_("Data kind"), _("Category"), _("Description")), (25, 25, 50),
           [(k["name"], k["category"], k["description"]) for k in record["data_categories"]])  # fmt: skip
    _paragraph(pdf, _("Recorded in the applications: %(applications)s.")
               % {"applications": _text([a["name"] for a in record["applications"] if a["recorded"]])})  # fmt: skip
    _heading(pdf, _("3. Categories of data subjects"))
    _table(pdf, (_("Category"), _("Description"), _("Countries")), (30, 50, 20),
           [(s["category"], s["description"], s["countries"] or "-")
            for s in record["data_subjects"]])  # fmt: skip
    _heading(pdf, _("4. Recipients"))
    _bullets(pdf, record["recipients"] or [_("None")])
    _heading(pdf, _("5. Transfers to third countries or international organisations"))
    _bullets(pdf, record["transfers"] or [_("None")])
    _heading(pdf, _("6. Retention periods per store"))
    _table(pdf, (_("Store"), _("What it holds"), _("Kept")), (15, 40, 45),
           [(r["store"], r["description"], r["period"]) for r in record["retention"]])  # fmt: skip
    _heading(pdf, _("7. Safeguards in force"))
    _bullets(pdf, record["safeguards"] or [_("No safeguard rule is enabled")])
    _heading(pdf, _("8. Technical and organisational security measures"))
    _bullets(pdf, record["technical_measures"])
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 12)
    pdf.multi_cell(0, 7, _text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("helvetica", size=9)
    pdf.multi_cell(0, 5, _text(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _bullets(pdf: FPDF, items: list[str]) -> None:
    for item in items:
        pdf.multi_cell(0, 5, "-  " + _text(item), align="L", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: tuple, widths: tuple, rows: list[tuple]) -> None:
    pdf.set_font("helvetica", size=8)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.5) as table:
        table.row([_text(h) for h in header])
        for row in rows:
            table.row([_text(cell) for cell in row])
    pdf.set_font("helvetica", size=9)
