"""Legal holds as legal reads and writes them; custodians are named by work email."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from governance.api.serializers.base import (
    PlainTextField,
    StoreNameField,
    StrictCharField,
    StrictSerializer,
)
from governance.selectors.holds import employees_by_work_email
from governance.services.holds import REASON_MAX_LENGTH


class CustodianSerializer(serializers.Serializer):
    work_email = serializers.EmailField()
    employee_number = serializers.CharField()
    display_name = serializers.CharField()
    subject_id = serializers.CharField(help_text="The pseudonym the data stores use.")


class LegalHoldSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    matter = serializers.CharField()
    reason = serializers.CharField()
    custodians = CustodianSerializer(many=True, source="custodians.all")
    starts = serializers.DateTimeField(allow_null=True, help_text="null: from the beginning.")
    ends = serializers.DateTimeField(allow_null=True, help_text="null: open-ended.")
    stores = serializers.ListField(child=serializers.CharField(), help_text="Empty: every store.")
    active = serializers.BooleanField(source="is_active")
    created_by = serializers.CharField(source="created_by.get_username")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
    released_by = serializers.CharField(
        source="released_by.get_username", allow_null=True, default=None
    )
    release_reason = serializers.CharField()
    review_at = serializers.DateTimeField(
        help_text="When legal checks whether the hold is still needed."
    )
    review_overdue = serializers.BooleanField(
        help_text="Active and past its review date: legal has been (or is about to be) mailed."
    )


class CustodianPseudonymSerializer(serializers.Serializer):
    subject_id = serializers.CharField(help_text="The pseudonym the data stores use.")


class LegalHoldSummarySerializer(LegalHoldSerializer):
    """A hold in the list: custodians by pseudonym only. One hold (an audited read) names them."""

    custodians = CustodianPseudonymSerializer(many=True, source="custodians.all")


class LegalHoldWriteSerializer(StrictSerializer):
    """Create (all of matter, reason, custodians) or change (any of them) a hold.

    `custodians` are work emails; an email nobody has is a 400 naming it.
    Absent `starts`/`ends` are open bounds, and absent or empty `stores` means
    every store.
    """

    matter = PlainTextField(max_length=200)
    reason = StrictCharField(max_length=REASON_MAX_LENGTH)
    custodians = serializers.ListField(
        child=PlainTextField(max_length=254), allow_empty=False, help_text="Work emails."
    )
    starts = serializers.DateTimeField(required=False, allow_null=True)
    ends = serializers.DateTimeField(required=False, allow_null=True)
    stores = serializers.ListField(child=StoreNameField(), required=False)
    review_at = serializers.DateTimeField(
        required=False,
        help_text="Must lie ahead. Absent on create: LEGAL_HOLD_REVIEW_DAYS from now.",
    )

    def validate_custodians(self, emails: list[str]):
        employees, unknown = employees_by_work_email(emails)
        if unknown:
            raise serializers.ValidationError(
                [
                    _("No employee has the work email %(email)s.") % {"email": email}
                    for email in unknown
                ]
            )
        return employees


class LegalHoldReleaseSerializer(StrictSerializer):
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH, help_text="Why the data may go now (required)."
    )
