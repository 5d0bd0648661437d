"""Which consents a material notice lapses, and which changes must be material.

A material change lapses only the scopes it changes: the officer picks the affected
purposes, applications and data kinds (`Notice.lapse_*`), each empty meaning every
one. The lapse batches, the ingestion gate and a grant over a stale grant all apply
the same rule, so what a notice lapses is exactly what capture stops for.

A notice that offers something the one before did not (a purpose, an application or
a kind of data) asks for consent to something new: published as non-material, the
grants people gave under the older text would count for it, so that is refused.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.models import Notice
from governance.services.scopes import Scope

# (lapse field, the notice's own field it narrows, the grant's field it matches)
LAPSE_FIELDS = (
    ("lapse_purposes", "purposes", "purpose"),
    ("lapse_applications", "applications", "application"),
    ("lapse_data_kinds", "data_kinds", "data_kind"),
)
LAPSE_FIELD_NAMES = tuple(name for name, _covered, _grant_field in LAPSE_FIELDS)
# How the scope a notice covers is named in an error message.
COVERED_LABELS = {
    "purposes": gettext_lazy("purposes"),
    "applications": gettext_lazy("applications"),
    "data_kinds": gettext_lazy("data kinds"),
}


def notice_lapse_scope_pop(fields: dict) -> dict:
    """Take the lapse-scope choices out of a create/update's fields (only those given)."""
    return {name: fields.pop(name) for name in LAPSE_FIELD_NAMES if name in fields}


def notice_lapse_scope_apply(notice: Notice, choices: dict) -> None:
    """Set the lapse scope given, then check the notice's whole lapse scope: only a
    material change lapses anything, and only within what the notice itself covers."""
    unknown = set(choices) - set(LAPSE_FIELD_NAMES)
    if unknown:
        raise TypeError(f"not a lapse-scope field: {', '.join(sorted(unknown))}")
    for name, items in choices.items():
        getattr(notice, name).set(items)
    errors: dict[str, list[str]] = {}
    for name, covered, _grant_field in LAPSE_FIELDS:
        chosen = set(getattr(notice, name).all())
        if not chosen:
            continue
        if not notice.material_change:
            errors[name] = [_("Only a material change lapses consent: leave this empty.")]
            continue
        outside = sorted(str(item) for item in chosen - set(getattr(notice, covered).all()))
        if outside:
            errors[name] = [
                _("Not covered by this notice: %(items)s.") % {"items": ", ".join(outside)}
            ]
    if errors:
        raise ValidationError(errors)


def notice_lapse_scope_content(notice: Notice) -> dict:
    """The lapse scope as the content hash records it; nothing when it is every scope,
    so the hash of a notice that lapses everything is what it was before scopes existed."""
    content = {
        name: sorted(getattr(notice, name).values_list("slug", flat=True))
        for name in LAPSE_FIELD_NAMES
    }
    return content if any(content.values()) else {}


def notice_lapse_filter(notice: Notice, prefix: str = "") -> Q:
    """The grants (ConsentState or ConsentEvent rows, `prefix` for a join) this notice's
    lapse reaches by scope; the version rule is the caller's."""
    condition = Q()
    for name, _covered, grant_field in LAPSE_FIELDS:
        ids = list(getattr(notice, name).values_list("pk", flat=True))
        if ids:
            condition &= Q(**{f"{prefix}{grant_field}_id__in": ids})
    return condition


def notice_lapses_scope(notice: Notice, scope: Scope) -> bool:
    for name, _covered, grant_field in LAPSE_FIELDS:
        chosen = getattr(notice, name)
        if chosen.exists() and not chosen.filter(pk=getattr(scope, grant_field).pk).exists():
            return False
    return True


# The gate's form of the same rule, in two parts. LAPSING_NOTICES_SQL is a WITH item:
# the material notices in effect (or whose lapse has begun) with their lapse scopes,
# read once per statement (its one parameter is the time now). GRANT_SUPERSEDED_SQL is
# true for a ConsentState row `s`, joined to its notice as `g`, when one of them is newer
# than the notice the grant was given under and lapses the grant's scope. A correlated
# subquery per row into the lapse tables cost three times as much for 100 people.
#
# A notice whose lapse is applied is left out: no grant in its scope under an older
# version is left (`_lapse_finish` checks that, exclusive with grants), and every grant
# since is under it or newer. So outside a lapse in progress the list is empty and the
# gate pays nothing per row for it.
LAPSING_NOTICES_SQL = """lapsing AS MATERIALIZED (
    SELECT n.version,
      ARRAY(SELECT purpose_id FROM governance_notice_lapse_purposes x
            WHERE x.notice_id = n.id) AS purposes,
      ARRAY(SELECT application_id FROM governance_notice_lapse_applications x
            WHERE x.notice_id = n.id) AS applications,
      ARRAY(SELECT datakind_id FROM governance_notice_lapse_data_kinds x
            WHERE x.notice_id = n.id) AS data_kinds
    FROM governance_notice n
    WHERE n.status = 'published' AND n.material_change AND n.lapse_applied_at IS NULL
      AND (n.lapse_started_at IS NOT NULL OR n.effective_at <= %s))"""
GRANT_SUPERSEDED_SQL = """EXISTS (
    SELECT 1 FROM lapsing m WHERE m.version > g.version
      AND (cardinality(m.purposes) = 0 OR s.purpose_id = ANY(m.purposes))
      AND (cardinality(m.applications) = 0 OR s.application_id = ANY(m.applications))
      AND (cardinality(m.data_kinds) = 0 OR s.data_kind_id = ANY(m.data_kinds)))"""


def notice_additions_check(notice: Notice) -> None:
    """Refuse to publish as non-material a notice that adds purposes, applications or
    data kinds to the latest published one; the error names what was added."""
    if notice.material_change:
        return
    previous = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED, version__lt=notice.version)
        .order_by("-version")
        .first()
    )
    if previous is None:
        return
    added = []
    for _lapse_field, covered, _grant_field in LAPSE_FIELDS:
        new = getattr(notice, covered).exclude(pk__in=getattr(previous, covered).all())
        names = sorted(str(item) for item in new)
        if names:
            label = COVERED_LABELS[covered]
            added.append(f"{label}: {', '.join(names)}")
    if added:
        raise ValidationError(
            {
                "material_change": [
                    _(
                        "Adds to version %(version)s (%(added)s): consent given under the "
                        "older text does not cover it, so publish it as a material change."
                    )
                    % {"version": previous.version, "added": "; ".join(added)}
                ]
            }
        )
