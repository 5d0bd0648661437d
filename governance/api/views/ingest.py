"""The capture devices' API, with a bearer token: POST /api/v1/ingest/batches posts event
batches; GET /api/v1/ingest/policy tells a device what it may capture.

The body is read raw and decoded by msgspec in one pass; DRF only routes,
authenticates and documents. A rejected batch stores nothing.

Chunked bodies: a request sent with ``Transfer-Encoding: chunked`` has no
Content-Length, so Django's request stream reads nothing from it. The WSGI
server de-chunks the body, and when it marks the input as ending there
(``wsgi.input_terminated``, as gunicorn and mod_wsgi do) the view reads
``wsgi.input`` itself, to at most 8 MiB + 1 byte. A server that does not mark it
(Django's runserver) hands over the raw connection, where reading to the end
would wait for the client to hang up: such a request gets 411 Length Required.
"""

from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.schema import msgspec_openapi
from governance.api.serializers.capture_policy import (
    EMPLOYEES_HELP,
    CapturePolicySerializer,
    employees_parse,
)
from governance.api.tokens import BearerTokenAuthentication
from governance.models import CaptureDevice
from governance.selectors.capture_policy import capture_policy
from governance.services.devices import device_authenticate
from governance.services.ingestion import (
    MAX_BODY_BYTES,
    MAX_EVENTS,
    BatchIdTaken,
    BatchInvalid,
    PurposeInvalid,
    QuotaExceeded,
    batch_decode,
    ingest_batch,
)
from governance.services.ingestion.schema import Batch


class DeviceTokenAuthentication(BearerTokenAuthentication):
    """`Authorization: Bearer <device token>`; only the token's hash is stored."""

    kind = "device"
    realm = "ingest"
    find = staticmethod(device_authenticate)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A capture device token, shown once when the device is registered.",
        }


class IsCaptureDevice(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, CaptureDevice)


class RawBodyParser(BaseParser):
    """Names the media type for DRF and the schema; the view reads the body (`batch_body`)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Batch too large.")
    default_code = "too_large"


class LengthRequired(exceptions.APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = gettext_lazy(
        "Send a Content-Length, or chunks through a server that ends the input."
    )
    default_code = "length_required"


class BodyInvalid(Exception):
    """The request's framing is wrong (a Content-Length that is not a length)."""


def batch_body(request) -> bytes:
    """The request body, at most MAX_BODY_BYTES + 1 bytes of it (see the module docstring)."""
    meta = request.META
    length = meta.get("CONTENT_LENGTH")
    if length in (None, ""):
        if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
            return b""
        if not meta.get("wsgi.input_terminated"):
            raise LengthRequired()
        return meta["wsgi.input"].read(MAX_BODY_BYTES + 1)
    if not (length.isascii() and length.isdigit()):
        raise BodyInvalid(f"Content-Length {length[:20]!r} is not a length")
    if len(length) > len(str(MAX_BODY_BYTES)) or int(length) > MAX_BODY_BYTES:
        raise TooLarge(_("Body over %(limit)s bytes.") % {"limit": MAX_BODY_BYTES})
    # Django's stream stops at Content-Length; a body that ends sooner comes back short,
    # and an incomplete message is refused even when what arrived parses.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) < int(length):
        raise BodyInvalid(f"the body ended after {len(body)} of {length} bytes")
    return body


BATCH_SCHEMA = {
    **msgspec_openapi(Batch),
    "description": f"At most {MAX_EVENTS:,} events; text without NUL characters.",
}
RESULT_SCHEMA = {
    "type": "object",
    "properties": {
        "batch_id": {"type": "string", "format": "uuid"},
        "accepted": {"type": "integer", "minimum": 0},
        "dropped": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1},
            "description": "Events not stored, by reason (no_consent, out_of_range_time, ...)",
        },
        "redacted": {"type": "integer", "minimum": 0},
    },
    "required": ["batch_id", "accepted", "dropped", "redacted"],
}
PROBLEMS_SCHEMA = {
    "type": "object",
    "properties": {
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer", "nullable": True},
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                },
                "required": ["index", "field", "message"],
            },
        }
    },
    "required": ["problems"],
}

BATCH_EXAMPLE = {
    "batch_id": "0b7e3c7e-6a5e-4c55-9a53-8f4cf6e0b8a1",
    "device_id": "laptop-42",
    "events": [
        {
            "employee": "alice@example.com",
            "ts": "2026-11-29T09:15:02.123Z",
            "app": "code",
            "type": "key_down",
            "session_id": "s-1",
            "window_title": "main.py - project",
            "secure_input": False,
            "key": {"code": "KeyA", "char": "a"},
        }
    ],
}


class IngestBatchView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsCaptureDevice]
    parser_classes = [RawBodyParser]
    throttle_classes = []

    @extend_schema(
        operation_id="ingest_batch",
        summary="Post a batch of interaction events (capture device token)",
        description=(
            "At most 10,000 events and 8 MiB. Each event is checked against the employee's "
            "consent for purpose × application × data kind inside the write transaction; "
            "excluded apps, password fields and typed personal data are dropped or redacted "
            "before storage. The same batch_id again returns the first result. Events dated "
            "outside INGEST_MAX_AGE back or INGEST_MAX_SKEW ahead are dropped as "
            "out_of_range_time. A chunked body is read when the server de-chunks it."
        ),
        request={"application/json": BATCH_SCHEMA},
        examples=[OpenApiExample("One keystroke", value=BATCH_EXAMPLE, request_only=True)],
        responses={
            200: OpenApiResponse(
                response=RESULT_SCHEMA,
                description="What was stored, dropped (by reason) and redacted; a retry of "
                "the same batch_id answers the same",
            ),
            400: OpenApiResponse(
                response=PROBLEMS_SCHEMA,
                description="Problems, each with the event index and field; nothing stored",
            ),
            401: OpenApiResponse(description="Missing, unknown or revoked device token"),
            409: OpenApiResponse(description="The batch_id was used by another device"),
            411: OpenApiResponse(description="Chunked body behind a server that cannot end it"),
            413: OpenApiResponse(description="Over 10,000 events or 8 MiB"),
            429: OpenApiResponse(description="Device quota exceeded; see Retry-After"),
        },
        tags=["ingest"],
    )
    def post(self, request):
        if request.negotiator.select_parser(request, request.parsers) is None:
            raise exceptions.UnsupportedMediaType(request.content_type)
        try:
            body = batch_body(request)
        except BodyInvalid as exc:
            return Response(
                {"problems": [{"index": None, "field": None, "message": str(exc)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge(_("Body over %(limit)s bytes.") % {"limit": MAX_BODY_BYTES})
        try:
            batch = batch_decode(body)
        except BatchInvalid as exc:
            return Response({"problems": exc.problems}, status=status.HTTP_400_BAD_REQUEST)
        if len(batch.events) > MAX_EVENTS:
            raise TooLarge(_("At most %(limit)s events per batch.") % {"limit": MAX_EVENTS})
        try:
            result = ingest_batch(device=request.auth, batch=batch)
        except PurposeInvalid as exc:
            return Response(
                {"problems": [{"index": None, "field": "purpose", "message": str(exc)}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except BatchIdTaken:
            return Response(
                {"problems": [{"index": None, "field": "batch_id", "message": "already used"}]},
                status=status.HTTP_409_CONFLICT,
            )
        except QuotaExceeded as exc:
            return Response(
                {"detail": str(exc)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return Response(result.as_json())


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match names this ETag (weakly compared, as RFC 9110 has it) or is `*`."""
    tags = parse_etags(if_none_match) if if_none_match else []
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


POLICY_EXAMPLE = {
    "version": "3f1a9c0e5b7d4a2f8c6e1b0d9a7f5e3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e",
    "poll_seconds": 60,
    "timing_resolution_ms": 50,
    "applications": [{"application": "vscode", "identifiers": ["code", "Code.exe"]}],
    "data_kinds": [{"data_kind": "key", "event_types": ["key_down", "key_up"]}],
    "excluded_applications": [{"application": "password-manager", "identifiers": ["1password"]}],
    "excluded_window_patterns": ["(?i)\\bbank\\b"],
    "employees": [
        {
            "employee": "alice@example.com",
            "purposes": [
                {
                    "purpose": "train-computer-use-models",
                    "applications": [{"application": "vscode", "data_kinds": ["click", "key"]}],
                }
            ],
        },
        {"employee": "E1002", "purposes": []},
    ],
}


class CapturePolicyView(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsCaptureDevice]
    throttle_classes = []

    @extend_schema(
        operation_id="ingest_policy",
        summary="What this device may capture now (capture device token)",
        description=(
            "For the people named in `employees`: the applications and data kinds each has "
            "consented to per purpose, with the excluded applications and window patterns and "
            "the keystroke timing resolution. Capture nothing else. Poll every `poll_seconds` "
            "with `If-None-Match: <ETag>`: 304 while nothing changed. A withdrawal changes the "
            "version at once. Someone who may not be recorded, whether or not they exist, gets "
            "an entry with no purposes. The ingest gate still refuses whatever the policy "
            "does not allow."
        ),
        parameters=[
            OpenApiParameter("employees", OpenApiTypes.STR, description=EMPLOYEES_HELP),
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="The ETag of the policy the device holds.",
            ),
        ],
        responses={
            200: OpenApiResponse(
                response=CapturePolicySerializer,
                description="The policy; its `version` is the ETag",
                examples=[
                    OpenApiExample(
                        "One person who consented, one who did not", value=POLICY_EXAMPLE
                    )
                ],
            ),
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
            400: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="`{employees: [message]}`: an empty or over-long entry, or too many",
            ),
            401: OpenApiResponse(description="Missing, unknown or revoked device token"),
        },
        tags=["ingest"],
    )
    def get(self, request):
        employees = employees_parse(request.query_params.getlist("employees"))
        policy = capture_policy(employees=employees)
        etag = quote_etag(policy.version)
        # A proxy must not answer another device from its cache, nor without asking.
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(CapturePolicySerializer(policy.body).data, headers=headers)
