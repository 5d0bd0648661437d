"""Shared pieces of the OpenAPI description: error responses every endpoint may give."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

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
