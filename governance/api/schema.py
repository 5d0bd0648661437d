"""Shared pieces of the OpenAPI description: error responses every endpoint may give."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

FIELD_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Bad input: `{field: [messages]}`, or `detail` for a body that is not JSON. "
    "Nothing was written.",
    examples=[
        OpenApiExample("Unknown scope", value={"application": ["Unknown application 'notepad'."]})
    ],
)
FORBIDDEN = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Not signed in, or your role may not do this: `{detail: message}`.",
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such object for you.")


def errors(*codes: int) -> dict:
    table = {400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}
    return {code: table[code] for code in codes}


class NamedEnumField(serializers.ChoiceField):
    """A choice field described by its own named enum component (`enum_name`).

    drf-spectacular names enums after the field, and `state` already means
    something else elsewhere in this API; a named component needs no override.
    """

    enum_name = ""


class NamedEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedEnumField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={"type": "string", "enum": list(field.choices)},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref
