"""Forms of the data subject request pages; every change still goes through
governance/services/requests.py, whose ValidationErrors land on these forms."""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import Application, DataKind, DataRequest, Purpose, RequestKind
from governance.selectors.requests import received_at_for_day, request_assignees
from governance.services.requests import MAX_DETAILS, MAX_REASON, MAX_RECEIVED_AGO

# What each right means, in a line a person can act on.
KIND_HELP = {
    RequestKind.ACCESS: _("A copy of everything kept about you, and how and why it is used."),
    RequestKind.PORTABILITY: _(
        "Your data in common machine-readable files (JSON, CSV) to take elsewhere."
    ),
    RequestKind.ERASURE: _(
        "Erase what was recorded about you — all of it, or one part — from every store, and "
        "stop recording it."
    ),
    RequestKind.RECTIFICATION: _(
        "Correct details about you that are wrong, such as your name, department or location."
    ),
    RequestKind.RESTRICTION: _(
        "Keep your data but stop using it while a question about it is settled."
    ),
    RequestKind.OBJECTION: _("Object to a use of your data: processing for that purpose stops."),
}


def kind_choices() -> list[tuple[str, str]]:
    return [(value, f"{label} — {KIND_HELP[value]}") for value, label in RequestKind.choices]


def _written(label: str = "", help_text: str = "", *, long: bool = False, required: bool = True):
    """A field the officer writes in, as long as the service takes (a reason, or an
    outcome or rejection the person reads in full)."""
    return forms.CharField(
        max_length=MAX_DETAILS if long else MAX_REASON,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3 if long else 2}),
        label=label or None,
        help_text=help_text,
    )


class ScopeFields(forms.Form):
    """The optional part of the person's data an erasure, restriction or objection names."""

    purpose = forms.ModelChoiceField(
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED).order_by("name"),
        required=False,
        label=_("Purpose"),
        empty_label=_("Every purpose"),
    )
    application = forms.ModelChoiceField(
        queryset=Application.objects.order_by("name"),
        required=False,
        label=_("Application"),
        empty_label=_("Every application"),
    )
    data_kind = forms.ModelChoiceField(
        queryset=DataKind.objects.order_by("name"),
        required=False,
        empty_label=_("Every kind of data"),
        label=_("Kind of data"),
    )
    details = _written(
        _("Details"),
        _("Anything that helps, e.g. what is wrong and what it should say."),
        long=True,
        required=False,
    )

    def scope(self) -> dict:
        return {
            name: self.cleaned_data.get(name) for name in ("purpose", "application", "data_kind")
        }


class RequestFileForm(ScopeFields):
    kind = forms.ChoiceField(
        choices=kind_choices, widget=forms.RadioSelect, label=_("What do you ask for?")
    )
    field_order = ["kind", "purpose", "application", "data_kind", "details"]


class OfficerRequestFileForm(ScopeFields):
    employee = forms.CharField(
        max_length=254,
        label=_("Employee number or work email"),
        help_text=_("e.g. E1042 or jane.doe@example.com."),
    )
    kind = forms.ChoiceField(choices=RequestKind.choices, label=_("Kind of request"))
    # Named as the service's argument, so its objections land on this field.
    received_at = forms.DateField(
        label=_("Received on"),
        required=False,  # left empty: today
        initial=lambda: timezone.now().date(),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=format_lazy(
            _(
                "The day the request reached us (UTC): the legal deadline runs from it. Not in "
                "the future, at most {days} days back. Today is filed as received now; an "
                "earlier day as received at 12:00 UTC that day."
            ),
            days=MAX_RECEIVED_AGO.days,
        ),
    )
    identity_check = _written(
        _("How was the person's identity checked?"),
        _(
            "e.g. “In person, staff badge seen”. The person can read this note on their "
            "request's page. The request starts at once."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].help_text = _(
            "Purpose, application and kind of data: only for erasure, restriction and objection."
        )

    def clean_received_at(self):
        day = self.cleaned_data["received_at"] or timezone.now().date()
        if day > timezone.now().date():
            raise forms.ValidationError(_("A request cannot arrive in the future."))
        return received_at_for_day(day)

    field_order = [
        "employee",
        "kind",
        "received_at",
        "purpose",
        "application",
        "data_kind",
        "details",
        "identity_check",
    ]


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class AssignForm(forms.Form):
    # A QuerySet is evaluated per form render, so newly appointed officers show at once.
    assignee = OfficerChoiceField(
        queryset=request_assignees(),
        required=False,
        label=_("Assignee"),
        empty_label=_("Nobody"),
    )


class IdentityAskForm(forms.Form):
    reason = _written(
        _("What proof of identity is needed?"),
        _("Emailed to the person. The deadline pauses until you verify."),
    )


class VerifyForm(forms.Form):
    identity_check = _written(
        _("How was identity checked?"),
        _(
            "e.g. “Signed in with their own account and confirmed by phone”. The person can "
            "read this note on their request's page. Fulfilment starts at once."
        ),
    )


class ExtendForm(forms.Form):
    # The cap only keeps the number a number of days: the service says the real limit.
    days = forms.IntegerField(min_value=1, max_value=2**31 - 1, label=_("Extra days"))
    reason = _written(_("Why is more time needed?"), _("The person is told."))


class RejectForm(forms.Form):
    reason = _written(
        _("Why is the request rejected?"),
        _("The person is told, with the supervisory authority they may complain to."),
        long=True,
    )


class OutcomeForm(forms.Form):
    outcome = _written(
        _("Outcome"), _("What was done, as the person reads it."), long=True, required=False
    )


class RestrictionCompleteForm(OutcomeForm):
    restrict = forms.TypedChoiceField(
        choices=[("yes", _("Yes, restrict processing")), ("no", _("No, do not restrict"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label=_("Restrict processing?"),
    )
    field_order = ["restrict", "outcome"]


RECTIFICATION_OUTCOME = _(
    "Recorded interaction events (keystrokes, pointer movements, clicks, scrolling, menus, "
    "window focus) are observations of what happened, not statements about you, so they "
    "are not corrected."
)


class RectificationCompleteForm(OutcomeForm):
    first_name = forms.CharField(max_length=150, required=False, label=_("First name"))
    last_name = forms.CharField(max_length=150, required=False, label=_("Last name"))
    department = forms.CharField(max_length=100, required=False, label=_("Department"))
    country = forms.CharField(
        max_length=2,
        required=False,
        label=_("Country"),
        help_text=_("Two letters, e.g. DE. Decides the legal clock."),
    )
    region = forms.CharField(
        max_length=100, required=False, label=_("Region"), help_text=_("e.g. CA.")
    )
    field_order = ["first_name", "last_name", "department", "country", "region", "outcome"]

    PROFILE = ("first_name", "last_name", "department", "country", "region")

    @classmethod
    def initial_for(cls, request: DataRequest) -> dict:
        employee = request.employee
        return {
            "first_name": employee.user.first_name,
            "last_name": employee.user.last_name,
            "department": employee.department,
            "country": employee.country,
            "region": employee.region,
            "outcome": str(RECTIFICATION_OUTCOME),
        }

    def corrections(self, request: DataRequest) -> dict:
        """Only the fields the officer changed: untouched empty ones are not corrections."""
        current = self.initial_for(request)
        return {
            name: self.cleaned_data[name]
            for name in self.PROFILE
            if (self.cleaned_data.get(name) or "") != (current[name] or "")
        }


class RevokeForm(forms.Form):
    reason = _written(_("Why revoke the download link?"))


class RebuildForm(forms.Form):
    """Nothing to say: the failed build's error is on the page, and the new one is audited."""


OPEN = "open"
ANY = "all"


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (OPEN, pgettext_lazy("request", "Open")),
            (ANY, _("Any state")),
            *DataRequest.State.choices,
        ],
        required=False,
        label=pgettext_lazy("request", "State"),
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any kind")), *RequestKind.choices], required=False, label=_("Kind")
    )
    assignee = forms.ChoiceField(required=False, label=_("Assignee"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *(
                (str(user.pk), user.get_full_name() or user.get_username())
                for user in request_assignees()
            ),
        ]
