"""The Art. 15 summary: what is processed about the person, why, for how long, from where,
with which safeguards, and what they may do about it, as one readable HTML page."""

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RetentionLine:
    store: str
    description: str
    period: str  # in words: "90 days (policy "Raw events")", "until erased", …


@dataclass(frozen=True)
class Art15Summary:
    person: str
    subject: str
    controller: dict
    authority: dict
    built_at: datetime
    purposes: list[dict]  # name, description, use, consented (bool)
    categories: list[dict]  # name, category, description
    recipients: list[str]
    retention: list[RetentionLine]
    devices: list[str]
    safeguards: list[str]
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, what it holds)


RIGHTS = (
    (_("Access (Art. 15)"), _("a copy of your data and this information — this package.")),
    (_("Rectification (Art. 16)"), _("correction of inaccurate data about you.")),
    (_("Erasure (Art. 17)"), _("erasure of your data from every store, with a signed receipt.")),
    (_("Restriction (Art. 18)"), _("that your data is kept but no longer processed.")),
    (
        _("Portability (Art. 20)"),
        _("your data in a structured, machine-readable format (CSV, JSON)."),
    ),
    (_("Objection (Art. 21)"), _("to stop processing for a purpose.")),
    (_("Withdrawal of consent (Art. 7(3))"), _("at any time, as easily as you gave it.")),
)


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def summary_html(s: Art15Summary) -> str:
    e = escape
    # Outside the f-strings: xgettext does not look inside them, so a call there is never
    # put in the catalogue and stays English.
    never_used, consented = e(gettext("never used for this")), e(gettext("you consented"))
    purposes = [
        f"<strong>{e(p['name'])}</strong>"
        + (f" — {e(p['description'])}" if p.get("description") else "")
        + (f" <em>({never_used})</em>" if p.get("use") == "prohibited" else "")
        + (f" <em>({consented})</em>" if p.get("consented") else "")
        for p in s.purposes
    ]
    categories = [
        f"<strong>{e(c['name'])}</strong> ({e(c['category'])})"
        + (f" — {e(c['description'])}" if c.get("description") else "")
        for c in s.categories
    ]
    retention = "".join(
        f"<tr><td><code>{e(r.store)}</code></td><td>{e(r.description)}</td>"
        f"<td>{e(r.period)}</td></tr>"
        for r in s.retention
    )
    rights = [f"<strong>{e(name)}</strong>: {e(what)}" for name, what in RIGHTS]
    authority = format_html(
        '<a href="{}">{}</a>', s.authority.get("url", ""), s.authority.get("name", "")
    )
    complaint = e(gettext("Complaint"))
    rights.append(
        f"<strong>{complaint}</strong>: "
        + e(gettext("you may complain to the supervisory authority, %(authority)s."))
        % {"authority": authority}
    )
    files = "".join(
        f"<tr><td><code>{e(name)}</code></td><td>{e(what)}</td></tr>" for name, what in s.files
    )
    c = s.controller
    t = {key: e(str(text)) for key, text in _chrome().items()}
    prepared = e(
        gettext(
            "Prepared for %(person)s (pseudonym %(subject)s) on %(built_at)s UTC by "
            "%(controller)s (%(contact)s, %(email)s, %(address)s)."
        )
    ) % {
        "person": e(s.person),
        "subject": f"<code>{e(s.subject)}</code>",
        "built_at": e(s.built_at.strftime("%Y-%m-%d %H:%M")),
        "controller": e(c.get("piiController", "")),
        "contact": e(c.get("contact", "")),
        "email": e(c.get("email", "")),
        "address": e(c.get("address", "")),
    }
    return f"""<!doctype html>
<html lang="{e(get_language() or "en")}"><head><meta charset="utf-8">
<title>{t["title"]}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}}</style></head>
<body>
<h1>{t["title"]}</h1>
<p>{prepared}</p>

<h2>{t["purposes"]}</h2>
{_list(purposes, gettext("No purpose is recorded."))}

<h2>{t["categories"]}</h2>
{_list(categories, gettext("No category is recorded."))}

<h2>{t["recipients"]}</h2>
{_list([e(r) for r in s.recipients], gettext("Nobody outside the controller."))}

<h2>{t["retention"]}</h2>
<table><thead><tr><th>{t["store"]}</th><th>{t["holds"]}</th><th>{t["kept"]}</th></tr></thead>
<tbody>{retention}</tbody></table>

<h2>{t["source"]}</h2>
<p>{t["devices"]}</p>
{_list([e(d) for d in s.devices], gettext("No capture device has recorded data of yours."))}

<h2>{t["safeguards"]}</h2>
{_list([e(x) for x in s.safeguards], gettext("No safeguard rule is enabled."))}

<h2>{t["rights"]}</h2>
{_list(rights, "")}

<h2>{t["files"]}</h2>
<table><thead><tr><th>{t["file"]}</th><th>{t["holds"]}</th></tr></thead><tbody>{files}</tbody></table>
<p>{t["manifest"] % {"manifest": "<code>manifest.json</code>"}}</p>
</body></html>
"""


def _chrome() -> dict[str, str]:
    """The page's own words, in the active language."""
    return {
        "title": gettext("Your data: access package"),
        "purposes": gettext("Purposes of processing"),
        "categories": gettext("Categories of data"),
        "recipients": gettext("Recipients"),
        "retention": gettext("How long each store keeps your data"),
        "store": gettext("Store"),
        "holds": gettext("What it holds"),
        "kept": gettext("Kept for"),
        "source": gettext("Where the data comes from"),
        "devices": gettext("Recorded on your computer by these capture devices:"),
        "safeguards": gettext("Safeguards applied before anything is stored"),
        "rights": gettext("Your rights"),
        "files": gettext("What is in this package"),
        "file": gettext("File"),
        "manifest": gettext(
            "%(manifest)s lists the SHA-256 of every file and is signed (Ed25519) with the "
            "portal's key, whose public half it carries, so you can check nothing was changed."
        ),
    }
