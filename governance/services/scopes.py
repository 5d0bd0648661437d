"""A consent scope is purpose × application × data kind, named by slugs at the edges."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from governance.models import Application, DataKind, Purpose


@dataclass(frozen=True)
class Scope:
    purpose: Purpose
    application: Application
    data_kind: DataKind

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.purpose.pk, self.application.pk, self.data_kind.pk)

    def as_slugs(self) -> dict[str, str]:
        return {
            "purpose": self.purpose.slug,
            "application": self.application.slug,
            "data_kind": self.data_kind.slug,
        }

    def __str__(self) -> str:
        return f"{self.purpose.slug}/{self.application.slug}/{self.data_kind.slug}"


def scope_resolve(
    *, purpose: str, application: str, data_kind: str, for_withdrawal: bool = False
) -> Scope:
    """Look up a scope by slugs; ValidationError names each bad field.

    A grant needs an enabled, permitted scope. A withdrawal accepts any existing
    one: a person who consented before an entry was disabled must still be able
    to take that consent back.
    """
    errors: dict[str, list[str]] = {}
    found = {}
    unknown = {
        "purpose": _("Unknown purpose %(slug)s."),
        "application": _("Unknown application %(slug)s."),
        "data_kind": _("Unknown data kind %(slug)s."),
    }
    for field, model, slug in (
        ("purpose", Purpose, purpose),
        ("application", Application, application),
        ("data_kind", DataKind, data_kind),
    ):
        obj = model.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        if obj is None:
            errors[field] = [unknown[field] % {"slug": repr(slug)}]
        elif for_withdrawal:
            found[field] = obj
        elif not obj.enabled:
            errors[field] = [_("%(name)s is disabled.") % {"name": obj.name}]
        elif field == "purpose" and obj.use == Purpose.Use.PROHIBITED:
            errors[field] = [
                _("%(name)s is a prohibited use; consent cannot be given for it.")
                % {"name": obj.name}
            ]
        else:
            found[field] = obj
    if errors:
        raise ValidationError(errors)
    return Scope(**found)
