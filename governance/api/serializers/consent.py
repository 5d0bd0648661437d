"""An employee's own consent: the notice, every scope's state, the history, owed erasures."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from governance.api.serializers.base import (
    StrictBooleanField,
    StrictCharField,
    StrictSerializer,
    StrictSlugField,
    drf_datetime,
)
from governance.api.serializers.notices import LanguageField
from governance.models import ConsentAction, ConsentMethod, ConsentState, OwedErasure
from governance.selectors.api_support import consent_state_held
from governance.services.scopes import Scope, scope_resolve

SCOPE_STATES = [*ConsentState.State.values, "not_given"]


@extend_schema_field({"type": "string", "enum": SCOPE_STATES})
class ScopeStateField(serializers.ChoiceField):
    """A scope's state, `not_given` when the person never decided (an inline enum, so it
    does not collide with the erasure `state` enum in the schema)."""

    def __init__(self, **kwargs):
        super().__init__(choices=SCOPE_STATES, **kwargs)


class NoticeSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    language = serializers.CharField()
    content_hash = serializers.CharField()
    material_change = serializers.BooleanField()
    effective_at = serializers.DateTimeField()


class NoticeReadingSerializer(serializers.Serializer):
    """The text of the notice this person reads: theirs, or the company's if missing."""

    language = serializers.CharField(source="text.language")
    title = serializers.CharField(source="text.title")
    body = serializers.CharField(source="text.body")
    content_hash = serializers.CharField(
        source="text.content_hash", help_text="Send as text_hash when granting."
    )
    fallback = serializers.BooleanField(
        help_text="The notice has no text in your language; this is the company's."
    )
    withdrawal_right = serializers.CharField(source="prose.withdrawal_right")
    access_right = serializers.CharField(source="prose.access_right")
    safeguards = serializers.CharField(source="prose.safeguards")
    languages = serializers.SerializerMethodField(help_text="Every language the notice has.")

    def get_languages(self, reading) -> list[str]:
        return [text.language for text in reading.texts]


class ScopeStateSerializer(serializers.Serializer):
    """One ScopeRow from selectors.consent.consent_scopes_for, named by slugs."""

    purpose = serializers.CharField(source="purpose.slug")
    application = serializers.CharField(source="application.slug")
    data_kind = serializers.CharField(source="data_kind.slug")
    state = ScopeStateField()
    version = serializers.IntegerField(help_text="ConsentState version; 0 if never given.")
    notice_version = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    offered = serializers.BooleanField(
        help_text="Covered by the current notice, so it can be granted now."
    )
    erasure_due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Lapsed or expired: what was recorded under this scope is kept until then "
        "for you to grant it again; after it, it is erased as after a withdrawal. Null in "
        "every other state.",
    )


class ConsentEventSerializer(serializers.Serializer):
    receipt_id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    purpose = serializers.CharField(source="purpose.slug")
    application = serializers.CharField(source="application.slug")
    data_kind = serializers.CharField(source="data_kind.slug")
    state_version = serializers.IntegerField()
    notice_version = serializers.IntegerField()
    text_language = serializers.CharField(
        allow_null=True, help_text="Grants: the language of the notice text read."
    )
    text_hash = serializers.CharField(
        allow_null=True, help_text="Grants: the content hash of the notice text read."
    )
    occurred_at = serializers.DateTimeField()
    method = serializers.ChoiceField(choices=ConsentMethod.choices)


class MyConsentEventSerializer(ConsentEventSerializer):
    """A change of the caller's own consent, with where to download its receipt."""

    receipt_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_receipt_url(self, event) -> str:
        path = reverse("api-my-consent-receipt", kwargs={"receipt_id": event.receipt_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OwedErasureSerializer(serializers.Serializer):
    """An erasure owed because consent was withdrawn; `owed` reads as pending.

    Named by the subject pseudonym the data stores use, never by person, so the
    officers' list of all owed erasures is not a list of who withdrew.
    """

    id = serializers.IntegerField()
    subject = serializers.CharField(source="employee.subject_id")
    state = serializers.ChoiceField(choices=OwedErasure.State.choices)
    state_display = serializers.CharField(source="get_state_display")
    purpose = serializers.CharField(source="purpose.slug")
    application = serializers.CharField(source="application.slug")
    data_kind = serializers.CharField(source="data_kind.slug")
    created_at = serializers.DateTimeField()
    cause_receipt_id = serializers.UUIDField(source="cause.receipt_id")

    def to_representation(self, owed) -> dict:
        # The declared fields' JSON, built directly: DRF's walk (`inspect.signature` on
        # `get_state_display` per row) was most of the cost of the officers' list.
        return {
            "id": owed.id,
            "subject": owed.employee.subject_id,
            "state": owed.state,
            "state_display": str(OwedErasure.State(owed.state).label),
            "purpose": owed.purpose.slug,
            "application": owed.application.slug,
            "data_kind": owed.data_kind.slug,
            "created_at": drf_datetime(owed.created_at),
            "cause_receipt_id": str(owed.cause.receipt_id),
        }


class MyConsentsSerializer(serializers.Serializer):
    notice = NoticeSummarySerializer(allow_null=True, help_text="The notice in effect now.")
    notice_text = NoticeReadingSerializer(
        allow_null=True, help_text="Its text in your language, as you are asked to read it."
    )
    needs_review = serializers.BooleanField(
        help_text="Some consent lapsed under a materially changed notice, or expired "
        "(older than the longest a consent lasts), and awaits a decision."
    )
    scopes = ScopeStateSerializer(many=True)
    history = MyConsentEventSerializer(many=True)
    pending_erasures = OwedErasureSerializer(many=True)


class ScopeSerializer(StrictSerializer):
    """A scope named by slugs; `validated_data["scope"]` is the resolved Scope."""

    purpose = StrictSlugField(max_length=64)
    application = StrictSlugField(max_length=64)
    data_kind = StrictSlugField(max_length=32)

    def validate(self, attrs):
        return {"scope": scope_resolve(**attrs)}


@extend_schema_serializer(component_name="Scope")  # the grant body's schema name stays
class GrantSerializer(ScopeSerializer):
    """A scope to consent to, and optionally which text of the notice was read."""

    language = LanguageField(
        required=False,
        help_text="The language the notice was read in; defaults to yours (or the "
        "company's). A language the notice lacks records the company's text, as shown.",
    )
    text_hash = StrictCharField(
        required=False,
        max_length=64,
        help_text="content_hash of the text read; refused (400) unless it is a text of "
        "the notice in effect.",
    )

    def validate(self, attrs):
        read = {name: attrs.pop(name) for name in ("language", "text_hash") if name in attrs}
        return {**super().validate(attrs), **read}


class WithdrawSerializer(ScopeSerializer):
    """Either one scope, or `{"all": true}` alone.

    A scope the person holds a consent state for can always be withdrawn, even
    if its application, data kind or purpose has since been disabled or made
    prohibited: withdrawal must never be harder than giving consent.
    """

    purpose = StrictSlugField(max_length=64, required=False, help_text="Unless `all`.")
    application = StrictSlugField(max_length=64, required=False, help_text="Unless `all`.")
    data_kind = StrictSlugField(max_length=32, required=False, help_text="Unless `all`.")
    all = StrictBooleanField(
        required=False, help_text="true withdraws every scope; send it without a scope."
    )

    def validate_all(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                _("Send true to withdraw everything, or leave it out and name a scope.")
            )
        return value

    def validate(self, attrs):
        names = ("purpose", "application", "data_kind")
        if attrs.get("all"):
            named = sorted(name for name in names if name in attrs)
            if named:
                raise serializers.ValidationError(
                    {name: [_("Leave this out when withdrawing everything.")] for name in named}
                )
            return {"all": True}
        missing = [name for name in names if name not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: [_("This field is required.")] for name in missing}
            )
        held = consent_state_held(employee=self.context["employee"], **attrs)
        if held is not None:
            return {"scope": Scope(held.purpose, held.application, held.data_kind)}
        return super().validate(attrs)


class ConsentChangeSerializer(serializers.Serializer):
    changed = serializers.BooleanField(help_text="false when the request repeated the state.")
    events = MyConsentEventSerializer(many=True)
