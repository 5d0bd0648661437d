from datetime import UTC, datetime

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

STATE_LABELS = {
    "granted": "Granted",
    "withdrawn": "Withdrawn",
    "lapsed": "Needs your review",
    "expired": "Expired",
    "not_given": "Not given",
}


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def utc(value: datetime | None) -> str:
    """A <time> element in UTC, the zone every piece of evidence uses."""
    if not value:
        return "—"
    value = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}">{} UTC</time>',
        value.isoformat(),
        value.strftime("%Y-%m-%d %H:%M:%S"),
    )


@register.filter
def short_hash(value: str, length: int = 12) -> str:
    if not value:
        return "—"
    return format_html('<code title="{}">{}…</code>', value, value[:length])


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
