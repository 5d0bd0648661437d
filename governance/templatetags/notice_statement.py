"""The part of a notice Art. 13 GDPR requires, shown the same way on every page."""

from django import template

from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.models.notices import LawfulBasis, NoticeText

PROSE_FIELDS = NoticeText.PROSE_FIELDS

register = template.Library()


@register.inclusion_tag("notices/_statement.html")
def notice_statement(notice, reading=None):
    """`reading` (selectors.notices.NoticeReading): the text shown, whose wording of the
    rights and safeguards replaces the version's own."""
    names = dict(notice.purposes.values_list("slug", "name"))
    bases = [
        (names.get(slug, slug), LawfulBasis(basis).label if basis in LawfulBasis.values else basis)
        for slug, basis in sorted((notice.lawful_bases or {}).items())
    ]
    prose = reading.prose if reading else {name: getattr(notice, name) for name in PROSE_FIELDS}
    return {
        "notice": notice,
        "bases": bases,
        "prose": prose,
        "prose_language": reading.text.language if reading else notice.language,
        "key_timing_floor_ms": KEY_TIMING_FLOOR_MS,
    }
