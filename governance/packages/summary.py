"""The Art. 15 summary: what is processed about the person, why, for how long, from where,
with which safeguards, and what they may do about it, as one readable HTML page."""

from dataclasses import dataclass, field
from datetime import datetime
from html import escape


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
    ("Access (Art. 15)", "a copy of your data and this information — this package."),
    ("Rectification (Art. 16)", "correction of inaccurate data about you."),
    ("Erasure (Art. 17)", "erasure of your data from every store, with a signed receipt."),
    ("Restriction (Art. 18)", "that your data is kept but no longer processed."),
    ("Portability (Art. 20)", "your data in a structured, machine-readable format (CSV, JSON)."),
    ("Objection (Art. 21)", "to stop processing for a purpose."),
    ("Withdrawal of consent (Art. 7(3))", "at any time, as easily as you gave it."),
)


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f"<p>{escape(empty)}</p>"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def summary_html(s: Art15Summary) -> str:
    e = escape
    purposes = [
        f"<strong>{e(p['name'])}</strong>"
        + (f" — {e(p['description'])}" if p.get("description") else "")
        + (" <em>(never used for this)</em>" if p.get("use") == "prohibited" else "")
        + (" <em>(you consented)</em>" if p.get("consented") else "")
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
    rights.append(
        "<strong>Complaint</strong>: you may complain to the supervisory authority, "
        f'<a href="{e(s.authority.get("url", ""))}">{e(s.authority.get("name", ""))}</a>.'
    )
    files = "".join(
        f"<tr><td><code>{e(name)}</code></td><td>{e(what)}</td></tr>" for name, what in s.files
    )
    c = s.controller
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Your data: access package</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;
text-align:left;vertical-align:top}}</style></head>
<body>
<h1>Your data: access package</h1>
<p>Prepared for {e(s.person)} (pseudonym <code>{e(s.subject)}</code>) on
{e(s.built_at.strftime("%Y-%m-%d %H:%M"))} UTC by {e(c.get("piiController", ""))}
({e(c.get("contact", ""))}, {e(c.get("email", ""))}, {e(c.get("address", ""))}).</p>

<h2>Purposes of processing</h2>
{_list(purposes, "No purpose is recorded.")}

<h2>Categories of data</h2>
{_list(categories, "No category is recorded.")}

<h2>Recipients</h2>
{_list([e(r) for r in s.recipients], "Nobody outside the controller.")}

<h2>How long each store keeps your data</h2>
<table><thead><tr><th>Store</th><th>What it holds</th><th>Kept for</th></tr></thead>
<tbody>{retention}</tbody></table>

<h2>Where the data comes from</h2>
<p>Recorded on your computer by these capture devices:</p>
{_list([e(d) for d in s.devices], "No capture device has recorded data of yours.")}

<h2>Safeguards applied before anything is stored</h2>
{_list([e(x) for x in s.safeguards], "No safeguard rule is enabled.")}

<h2>Your rights</h2>
{_list(rights, "")}

<h2>What is in this package</h2>
<table><thead><tr><th>File</th><th>What it holds</th></tr></thead><tbody>{files}</tbody></table>
<p><code>manifest.json</code> lists the SHA-256 of every file and is signed (Ed25519) with the
portal's key, whose public half it carries, so you can check nothing was changed.</p>
</body></html>
"""
