from datetime import UTC, datetime, time, timedelta

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from governance.api.serializers.base import PlainTextField, StrictCharField, StrictSerializer
from governance.models import AuditEvent

MOMENT_HELP = "An ISO 8601 date (`2026-03-01`) or date and time (`2026-03-01T09:30:00Z`), UTC."


def parse_moment(text: str, *, end: bool) -> datetime | None:
    """An ISO date or datetime as an instant; None when it is neither.

    As the end of a period it is inclusive: a date covers that whole day, a time
    that instant. The result is the exclusive bound either way.
    """
    text = (text or "").strip()
    try:
        # A date first: parse_datetime also reads "2026-03-01", as its midnight.
        day = parse_date(text)
        moment = None if day is not None else parse_datetime(text)
    except ValueError:
        return None
    if moment is not None:
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment + timedelta(microseconds=1) if end else moment
    if day is None:
        return None
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


class MomentField(serializers.CharField):
    """A date or a datetime, parsed into an instant (the exclusive end for `to`)."""

    default_error_messages = {"invalid": gettext_lazy("Must be an ISO 8601 date or date and time.")}

    def __init__(self, *, end: bool, **kwargs):
        self.end = end
        super().__init__(help_text=MOMENT_HELP, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        moment = parse_moment(text, end=self.end) if len(text) <= 40 else None
        if moment is None:
            self.fail("invalid")
        return moment


class AuditQuerySerializer(serializers.Serializer):
    """The audit log's filters (query string); paging parameters are the paginator's."""

    action = serializers.CharField(
        required=False, max_length=80, help_text="Action prefix, e.g. `consent.`."
    )
    subject = serializers.CharField(
        required=False,
        max_length=254,
        help_text="A pseudonym, or an employee number or work email (resolved to the "
        "pseudonym; filtering by a person is recorded as a read of their data).",
    )
    actor = serializers.CharField(
        required=False, max_length=150, help_text="User id or username, or `device:<id>`."
    )
    actor_id = serializers.CharField(
        required=False, max_length=64, help_text="Same as `actor` (kept for older clients)."
    )
    # `from` is a Python keyword: declared under another name and renamed below.
    from_ = MomentField(end=False, required=False)
    to = MomentField(end=True, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        since, until = attrs.get("from"), attrs.get("to")
        if since is not None and until is not None and until <= since:
            raise serializers.ValidationError({"to": [_("Must not be before `from`.")]})
        return attrs


class AuditEventSerializer(serializers.ModelSerializer):
    """A full audit log entry, for officers and legal.

    Subjects are pseudonyms. Where an entry would tie one to a person (the person
    acting for themselves, a user or employee row as the target, a username, email
    address or employee number anywhere in the details, a data subject request's
    subject and due date) those fields are masked and named in `masked`; the stored
    entry is unchanged and verifies (`/api/v1/audit/verify`).
    """

    masked = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor_type",
            "actor_id",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "subject",
            "purpose",
            "details",
            "prev_hash",
            "hash",
            "masked",
        ]
        read_only_fields = fields

    def get_masked(self, event) -> list[str]:
        return list(getattr(event, "masked", ()))


class RevealSerializer(StrictSerializer):
    subject = PlainTextField(max_length=40, help_text="The pseudonym, e.g. `sub_1a2b…`.")
    reason = StrictCharField(
        max_length=500,
        help_text="Why you need to know who this is; the person sees it: name nobody else in it.",
    )


class RevealedSubjectSerializer(serializers.Serializer):
    subject = serializers.CharField(source="subject_id")
    employee_number = serializers.CharField()
    display_name = serializers.CharField()


# What a person sees of the details of an entry about them: what was seen and, for a
# look at their data, the reason given (the page shows it; the reveal form says the
# person sees it). Anything else -- usernames, ids of other people's requests -- stays
# with officers and legal.
ACCESS_LOG_DETAILS = (
    "what",
    "reason",
    "scope",
    "receipt_id",
    "state_version",
    "notice_version",
    "method",
)


class AccessLogEntrySerializer(serializers.ModelSerializer):
    """One entry of "who accessed my data", as the person it is about sees it."""

    details = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["seq", "occurred_at", "actor_type", "actor_label", "action", "purpose", "details"]
        read_only_fields = fields

    def get_details(self, event) -> dict:
        return {key: event.details[key] for key in ACCESS_LOG_DETAILS if key in event.details}


class ChainVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Links verified before stopping.")
    first_bad_seq = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    head_seq = serializers.IntegerField(allow_null=True)
    head_hash = serializers.CharField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
