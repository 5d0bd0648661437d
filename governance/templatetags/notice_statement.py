"""The part of a notice Art. 13 GDPR requires, shown the same way on every page."""

from django import template

from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.models.notices import LawfulBasis

register = template.Library()


@register.inclusion_tag("notices/_statement.html")
def notice_statement(notice):
    names = dict(notice.purposes.values_list("slug", "name"))
    bases = [
        (names.get(slug, slug), LawfulBasis(basis).label if basis in LawfulBasis.values else basis)
        for slug, basis in sorted((notice.lawful_bases or {}).items())
    ]
    return {"notice": notice, "bases": bases, "key_timing_floor_ms": KEY_TIMING_FLOOR_MS}
