import re
from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from governance.services.requests import DEFERRED

register = template.Library()

STATE_LABELS = {
    "granted": pgettext_lazy("consent state", "Granted"),
    "withdrawn": pgettext_lazy("consent state", "Withdrawn"),
    "lapsed": pgettext_lazy("consent state", "Needs your review"),
    "expired": pgettext_lazy("consent state", "Expired"),
    "not_given": pgettext_lazy("consent state", "Not given"),
}


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def utc(value: datetime | None) -> str:
    """A <time> element in UTC, the zone every piece of evidence uses, to the second:
    in the reader's language's date order (2026-11-30 in English, 30.11.2026 in German),
    with the machine-readable ISO time in `datetime`."""
    if not value:
        return "—"
    value = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}">{} UTC</time>',
        value.isoformat(),
        date_format(value, "SHORT_DATETIME_FORMAT"),
    )


@register.filter
def short_hash(value: str, length: int = 12) -> str:
    if not value:
        return "—"
    return format_html('<code title="{}">{}…</code>', value, value[:length])


@register.inclusion_tag("includes/language_switch.html", takes_context=True)
def language_switch(context) -> dict:
    """The header's language switch. An employee's current choice is their profile's
    ("" is automatic); anyone else's is the language the page is in."""
    request = context.get("request")
    if request is None:  # rendered outside a request: no page to come back to
        return {"choices": []}
    employee = getattr(request.user, "employee", None)
    choices = [(code, name) for code, name in settings.LANGUAGES]
    if employee is not None:
        choices.insert(0, ("", _("Automatic")))
    return {
        "choices": choices,
        "selected": employee.language if employee is not None else translation.get_language(),
        "next": request.get_full_path(),
    }


@register.simple_tag(takes_context=True)
def nav_current(context, *prefixes: str, exact: bool = False) -> str:
    """aria-current for the navigation link whose section the page is in."""
    path = context["request"].path
    hit = any(path == p if exact else path.startswith(p) for p in prefixes)
    return mark_safe(' aria-current="page"') if hit else ""


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """This page's URL with `page` replaced, keeping the filters."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}={_plain(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    return str(value)


@register.filter
def detail_items(details: dict) -> list[tuple[str, str]]:
    """Audit details as (key, readable value) pairs, nested values flattened."""
    return [(key, _plain(value)) for key, value in sorted((details or {}).items())]


# Sentences the portal writes into a request's outcome and history. The request, its
# history and the audit log keep them as written, in English (evidence); pages and emails
# show them in the reader's language, a time in the reader's date order.
STORED_SENTENCES = {
    "Your copy is ready to download.": _("Your copy is ready to download."),
    "Done.": _("Done."),
    "The copy is being prepared again.": _("The copy is being prepared again."),
    "All of your interaction data was erased from every store; the signed receipt proves it.": _(
        "All of your interaction data was erased from every store; the signed receipt proves it."
    ),
    DEFERRED: _(
        "Part of your data must be kept for a legal obligation and is not erased yet; it is "
        "erased as soon as that obligation ends. Everything else was erased."
    ),
}
COPY_READY_UNTIL = re.compile(
    r"Your copy is ready to download until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC\."
)
IDENTITY_CHECKED = "Identity checked: "
# Outcomes composed from the request: an objection (its purpose's name, or every purpose,
# and how many choices it withdrew) and a scoped erasure (the scope asked for).
OBJECTION_RECORDED = re.compile(
    r"Your objection to processing for (?P<what>.+) is recorded\. (?:Your consent for it was "
    r"withdrawn \((?P<n>\d+) choices?\), so nothing more is recorded for it, and the data kept "
    r"under that consent will be erased\.|(?P<none>You had no consent in force for it, so "
    r"nothing of yours is recorded for it\.))"
)
SCOPE_ERASED = re.compile(
    r"Your data \((?P<asked>.+)\) was erased from every store; the signed receipt proves it\."
)
# A restriction decided: what the portal tells, then on the next lines what the officer wrote.
RESTRICTED = re.compile(
    r"Processing of your interaction data is restricted: nothing more is recorded and what is "
    r"kept is only stored\.(?: You asked about (?P<asked>.+); the restriction covers all of "
    r"your interaction data\.)? You will be told when the restriction is lifted\.(?P<rest>\n.*)?",
    re.DOTALL,
)
SCOPE_LABEL = re.compile(r"(?:^|(?<=, ))(purpose|application|data kind) ")
SCOPE_LABELS = {
    "purpose": _("purpose"),
    "application": _("application"),
    "data kind": _("data kind"),
}


def _objection_said(match: re.Match) -> str:
    what = match["what"]
    what = (
        pgettext("objection to processing for …", "every purpose")
        if what == "every purpose"
        else what
    )
    said = gettext("Your objection to processing for %(what)s is recorded.") % {"what": what}
    if match["none"]:
        nothing = gettext(
            "You had no consent in force for it, so nothing of yours is recorded for it."
        )
        return f"{said} {nothing}"
    n = int(match["n"])
    withdrawn = ngettext(
        "Your consent for it was withdrawn (%(n)s choice), so nothing more is recorded for "
        "it, and the data kept under that consent will be erased.",
        "Your consent for it was withdrawn (%(n)s choices), so nothing more is recorded for "
        "it, and the data kept under that consent will be erased.",
        n,
    ) % {"n": n}
    return f"{said} {withdrawn}"


def _scope_said(asked: str) -> str:
    """ "purpose X, data kind Y" with the labels in the reader's language, the names as kept."""
    return SCOPE_LABEL.sub(lambda label: f"{SCOPE_LABELS[label[1]]} ", asked)


def _restricted_said(match: re.Match) -> str:
    if match["asked"]:
        asked = _scope_said(match["asked"])
        said = gettext(
            "Processing of your interaction data is restricted: nothing more is recorded and "
            "what is kept is only stored. You asked about %(asked)s; the restriction covers "
            "all of your interaction data. You will be told when the restriction is lifted."
        ) % {"asked": asked}
    else:
        said = gettext(
            "Processing of your interaction data is restricted: nothing more is recorded and "
            "what is kept is only stored. You will be told when the restriction is lifted."
        )
    return said + (match["rest"] or "")


def _scope_erased_said(match: re.Match) -> str:
    asked = _scope_said(match["asked"])
    return gettext(
        "Your data (%(asked)s) was erased from every store; the signed receipt proves it."
    ) % {"asked": asked}


@register.filter
def as_said_to_reader(text: str) -> str:
    """A sentence the portal stored in English, in the reader's language; any other text
    (what a person wrote) as it is."""
    if not text:
        return text
    text = str(text)  # a history line's lazily translated message
    if text in STORED_SENTENCES:
        return str(STORED_SENTENCES[text])
    if text.startswith(IDENTITY_CHECKED):  # what the officer wrote follows
        check = text.removeprefix(IDENTITY_CHECKED)
        return gettext("Identity checked: %(check)s") % {"check": check}
    if objection := OBJECTION_RECORDED.fullmatch(text):
        return _objection_said(objection)
    if erased := SCOPE_ERASED.fullmatch(text):
        return _scope_erased_said(erased)
    if restricted := RESTRICTED.fullmatch(text):
        return _restricted_said(restricted)
    until = COPY_READY_UNTIL.fullmatch(text)
    if until is None:
        return text
    expires = datetime.strptime(until[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    return gettext("Your copy is ready to download until %(date)s %(time)s UTC.") % {
        "date": date_format(expires, "SHORT_DATE_FORMAT"),
        "time": date_format(expires, "H:i"),
    }
