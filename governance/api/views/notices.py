"""Consent notices: officers draft, edit drafts and publish; everyone reads published ones."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from governance.api.filters import NoticeFilter
from governance.api.permissions import NoticeAccess
from governance.api.schema import errors
from governance.api.serializers.notices import (
    LanguageField,
    NoticePublishSerializer,
    NoticeSerializer,
    NoticeTextSerializer,
    NoticeTextWriteSerializer,
    NoticeWriteSerializer,
)
from governance.api.views.base import JSONBodyMixin
from governance.models import Notice, Role
from governance.selectors.notices import notice_list
from governance.services.notices import (
    notice_create,
    notice_publish,
    notice_text_remove,
    notice_text_set,
    notice_update,
)
from governance.services.people import user_has_role

READERS = (
    "Officers see drafts too; employees and legal see published versions only "
    "(a draft is 404 to them)."
)


LANGUAGE_PARAMETER = OpenApiParameter(
    "language",
    str,
    OpenApiParameter.PATH,
    enum=list(LanguageField().choices),
    description="One of the portal's languages.",
)


@extend_schema_view(
    list=extend_schema(summary="List notice versions, newest first", description=READERS),
    retrieve=extend_schema(
        summary="One notice version",
        description=READERS,
        responses={200: NoticeSerializer, **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Draft a new notice version (officers)",
        request=NoticeWriteSerializer,
        responses={201: NoticeSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Edit a draft (officers); a published version is 400",
        request=NoticeWriteSerializer,
        responses={200: NoticeSerializer, **errors(400, 403, 404)},
    ),
    publish=extend_schema(
        summary="Publish a draft (officers)",
        description="Fixes its content hash. A material change lapses consents given under "
        "older versions once in effect, in its lapse scope (lapse_purposes, "
        "lapse_applications, lapse_data_kinds; empty: every one); those people see "
        "needs_review. A version that adds purposes, applications or data kinds to the "
        "latest published one must be a material change: otherwise 400 on material_change "
        "naming what was added. Publishing a published version again changes nothing. Refused with 400 `retention` (one line per "
        "store and purpose, naming the applications × kinds left out) unless enabled retention "
        "policies cover every store for all it asks consent for. The body may set "
        "`material_change` (as the publish page does); the lapse scope is the draft's (PATCH), "
        "and any other key is a 400 with nothing published.",
        request=NoticePublishSerializer,
        responses={200: NoticeSerializer, **errors(400, 403, 404)},
    ),
)
@extend_schema_view(
    text=extend_schema(
        methods=["PUT"],
        summary="Add or replace a draft's text in one language (officers)",
        description="A version holds one text per language; the one in the company's "
        "language (LANGUAGE_CODE) is required to publish, and all are published together. "
        "Putting the version's own language changes its title and body too. A published "
        "version, or a language that is not one of the portal's, is a 400.",
        parameters=[LANGUAGE_PARAMETER],
        request=NoticeTextWriteSerializer,
        responses={200: NoticeTextSerializer, **errors(400, 403, 404)},
    ),
)
@extend_schema_view(
    text=extend_schema(
        methods=["DELETE"],
        summary="Remove a draft's text in one language (officers)",
        description="The text in the version's own language cannot be removed (400); "
        "a language the draft has no text in is a 404.",
        parameters=[LANGUAGE_PARAMETER],
        request=None,
        responses={204: None, **errors(400, 403, 404)},
    ),
)
@extend_schema(tags=["notices"])
class NoticeViewSet(
    JSONBodyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [NoticeAccess]
    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()
    filterset_class = NoticeFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        notices = notice_list()
        if not user_has_role(self.request.user, Role.PRIVACY_OFFICER):
            notices = notices.filter(status=Notice.Status.PUBLISHED)
        return notices

    def create(self, request):
        serializer = NoticeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = notice_create(actor=request.user, **serializer.validated_data)
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        notice = self.get_object()
        serializer = NoticeWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        notice = notice_update(notice=notice, actor=request.user, **serializer.validated_data)
        return Response(NoticeSerializer(notice_list().get(pk=notice.pk)).data)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        serializer = NoticePublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = notice_publish(
            notice=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(NoticeSerializer(notice_list().get(pk=notice.pk)).data)

    @action(detail=True, methods=["put", "delete"], url_path=r"texts/(?P<language>[^/]+)")
    def text(self, request, pk=None, language=None):
        try:
            language = LanguageField().run_validation(language)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"language": exc.detail}) from exc
        notice = self.get_object()
        if request.method == "DELETE":
            if not notice_text_remove(notice=notice, actor=request.user, language=language):
                raise NotFound("This draft has no text in that language.")
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = NoticeTextWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        text = notice_text_set(
            notice=notice, actor=request.user, language=language, **serializer.validated_data
        )
        return Response(NoticeTextSerializer(text).data)
