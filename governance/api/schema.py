"""Shared pieces of the OpenAPI description: error responses every endpoint may give."""

import copy

import msgspec
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": "What went wrong, in words.",
}
FIELD_ERRORS_BODY = {
    "type": "object",
    "additionalProperties": {},
    "description": "`{field: [messages]}` (a list field's items by index), or `{detail: message}`.",
}

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
UNAUTHENTICATED = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="On an endpoint that takes a bearer token: not signed in, or a token that is "
    "unknown, revoked or of another kind of principal: `{detail: message}`.",
)


def errors(*codes: int) -> dict:
    table = {400: FIELD_ERRORS, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}
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


HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
DETAIL_REF = {"$ref": "#/components/schemas/ErrorDetail"}
GENERATED = {
    "400": (
        "Bad input: a query parameter, path or body value that is not what the operation "
        "takes. Nothing was written.",
        {"$ref": "#/components/schemas/FieldErrors"},
    ),
    "403": (
        "Not signed in, the form of a signed-in session without its CSRF token, or your "
        "role may not do this.",
        DETAIL_REF,
    ),
    "404": ("No such object for you (or a page cursor that is not one of ours).", DETAIL_REF),
    "415": ("The body is not `application/json`.", DETAIL_REF),
    "503": (
        "PostgreSQL or Redis cannot be reached right now: send the same request again "
        "after `Retry-After` seconds.",
        DETAIL_REF,
    ),
}
URI_TOO_LONG = {
    "description": "The URL is longer than the web server in front of the portal accepts."
}


def _needs(operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    places = {parameter["in"] for parameter in parameters}
    names = {parameter["name"] for parameter in parameters}
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    needs = {"503"}  # any operation, while a backing service is down
    if "query" in places or "path" in places or "requestBody" in operation:
        needs.add("400")
    if "cookieAuth" in schemes:
        needs.add("403")
    if "path" in places or "cursor" in names:
        needs.add("404")
    if "requestBody" in operation:
        needs.add("415")
    return needs


def _generated(code: str) -> dict:
    description, body = GENERATED[code]
    response = {
        "description": description,
        "content": {"application/json": {"schema": copy.deepcopy(body)}},
    }
    if code == "503":
        response["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    return response


def document_error_responses(result, generator, request, public):
    """Add the error answers DRF gives but views do not declare (postprocessing hook).

    Every operation behind a session can be 403; one with a query string, path or
    body can be 400 (bad filter values, paging or a NUL character); one naming an
    object, or paging with a cursor, can be 404; one with a body, 415; any, 503
    while PostgreSQL or Redis is down. Declared responses are kept.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS_BODY)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in sorted(_needs(operation)):
                if code not in responses:
                    responses[code] = _generated(code)
            responses.setdefault("414", dict(URI_TOO_LONG))
    return result


def msgspec_openapi(struct: type) -> dict:
    """A msgspec type's JSON Schema as an inline OpenAPI 3.0 schema.

    The ingest body is decoded by msgspec, not by a serializer: describing it from
    the same structs keeps the documented contract and the decoder one thing.
    OpenAPI 3.0 has no `{"type": "null"}`; an optional member becomes `nullable`.
    """
    (root,), components = msgspec.json.schema_components([struct], ref_template="{name}")

    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return convert(components[node["$ref"]])
        options = node.get("anyOf")
        if options and {"type": "null"} in options and len(options) == 2:
            (other,) = [option for option in options if option != {"type": "null"}]
            rest = {key: value for key, value in node.items() if key != "anyOf"}
            return {**convert(other), **convert(rest), "nullable": True}
        converted = {
            key: convert(value)
            for key, value in node.items()
            if key != "title" and not (key == "required" and value == [])
        }
        if "enum" in converted and "type" not in converted:
            converted["type"] = "string"
        return converted

    return convert(root)
