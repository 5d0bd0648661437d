"""Forms render and check input; every write still goes through a service."""

import copy
import re

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import (
    Application,
    DataKind,
    ErasureCause,
    ErasureJob,
    Notice,
    NoticeText,
    Purpose,
    SafeguardRule,
)
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.models.notices import LawfulBasis
from governance.selectors.holds import employees_by_work_email
from governance.services.holds import REASON_MAX_LENGTH
from governance.services.notices import notice_statement, notice_statement_defaults
from governance.stores import REGISTRY


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form; unknown keys become form-wide errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        if target is None and field not in (NON_FIELD_ERRORS, "non_field_errors"):
            errors = [ValidationError(f"{field}: {message}") for e in errors for message in e]
        form.add_error(target, errors)


# The fields a service names in the errors a banner shows, in the reader's words.
SERVICE_FIELD_LABELS = {
    "purpose": _("Purpose"),
    "application": _("Application"),
    "data_kind": _("Data kind"),
    "reason": _("Reason"),
    "kind": _("Kind"),
    "language": _("Language"),
    "scope": _("Scope"),
    "version": _("Version"),
    "state": pgettext_lazy("request", "State"),
}


def service_error_messages(exc: ValidationError) -> list[str]:
    """Flatten a service's ValidationError for a message banner."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    labels = {"non_field_errors": "", NON_FIELD_ERRORS: ""}
    labels |= {field: f"{label}: " for field, label in SERVICE_FIELD_LABELS.items()}
    out = []
    for field, errors in exc.error_dict.items():
        prefix = labels.get(field, field.replace("_", " ").capitalize() + ": ")
        out.extend(prefix + message for error in errors for message in error)
    return out


class ScopeForm(forms.Form):
    """One consent scope, named by slugs, as posted by a Grant or Withdraw button."""

    purpose = forms.SlugField(max_length=64)
    application = forms.SlugField(max_length=64)
    data_kind = forms.SlugField(max_length=32)


class LinesField(forms.CharField):
    """A list of short strings typed one per line (commas also separate)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]


class SlugFixedOnEdit(forms.ModelForm):
    """A slug names scopes in receipts, audit details and notice hashes: it never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _(
                "Fixed once created: receipts and audit records use it."
            )


# The model fields' own names, as labels a reader's language can change.
CATALOGUE_LABELS = {"name": _("Name"), "slug": _("Slug"), "description": _("Description")}


class ApplicationForm(SlugFixedOnEdit):
    identifiers = LinesField(
        required=False,
        label=_("Executables or bundle ids"),
        help_text=_("One per line, e.g. code, com.microsoft.VSCode."),
    )

    class Meta:
        model = Application
        fields = ["name", "slug", "identifiers", "description"]
        labels = CATALOGUE_LABELS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class DataKindForm(SlugFixedOnEdit):
    class Meta:
        model = DataKind
        fields = ["name", "slug", "description", "pii_category"]
        labels = {**CATALOGUE_LABELS, "pii_category": _("PII category")}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PurposeForm(SlugFixedOnEdit):
    class Meta:
        model = Purpose
        fields = [
            "name",
            "slug",
            "use",
            "description",
            "category",
            "termination",
            "third_party_disclosure",
        ]
        labels = {
            **CATALOGUE_LABELS,
            "use": _("Use"),
            "category": _("Category"),
            "termination": _("Termination"),
            "third_party_disclosure": _("Disclosed to third parties"),
        }
        help_texts = {
            "use": _(
                "Prohibited purposes name what the data must never serve; "
                "nobody can consent to them."
            ),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SafeguardForm(forms.ModelForm):
    class Meta:
        model = SafeguardRule
        fields = ["kind", "name", "application", "pattern", "detector", "resolution_ms"]
        labels = {
            "kind": _("Kind"),
            "name": _("Name"),
            "pattern": _("Pattern"),
            "detector": _("Detector"),
            "resolution_ms": _("Resolution (ms)"),
            "application": _("Application to exclude"),
        }
        help_texts = {
            "application": _("For excluded applications."),
            "pattern": _("For window title patterns: a regular expression."),
            "detector": _("For redaction detectors."),
            "resolution_ms": format_lazy(
                _(
                    "For keystroke timing: timestamps are rounded to this ({floor} ms at "
                    "least; key events are never stored finer)."
                ),
                floor=KEY_TIMING_FLOOR_MS,
            ),
        }


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The language of this text; add the others on the version's page."),
    )
    body = forms.CharField(label=_("Notice text"), widget=forms.Textarea(attrs={"rows": 12}))
    purposes = forms.ModelMultipleChoiceField(
        label=_("Purposes"),
        queryset=Purpose.objects.filter(enabled=True, use=Purpose.Use.PERMITTED),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only permitted purposes can be consented to."),
    )
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=Application.objects.filter(enabled=True),
        widget=forms.CheckboxSelectMultiple,
    )
    data_kinds = forms.ModelMultipleChoiceField(
        label=_("Data kinds"),
        queryset=DataKind.objects.filter(enabled=True),
        widget=forms.CheckboxSelectMultiple,
    )
    effective_at = forms.DateTimeField(
        label=_("Effective from (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to take effect when published."),
    )
    material_change = forms.BooleanField(
        required=False,
        label=_("Material change"),
        help_text=_("Consents given under earlier versions lapse; people are asked again."),
    )
    lapse_purposes = forms.ModelMultipleChoiceField(
        queryset=Purpose.objects.filter(enabled=True, use=Purpose.Use.PERMITTED),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("A material change lapses these purposes only"),
        help_text=_(
            "None ticked: every purpose. Only consent in scopes within all three choices lapses."
        ),
    )
    lapse_applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.filter(enabled=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("… these applications only"),
        help_text=_("None ticked: every application."),
    )
    lapse_data_kinds = forms.ModelMultipleChoiceField(
        queryset=DataKind.objects.filter(enabled=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("… these kinds of data only"),
        help_text=_("None ticked: every kind of data."),
    )

    # What Art. 13 requires the notice to say; a draft may leave these empty.
    controller_name = forms.CharField(max_length=200, required=False, label=_("Controller"))
    controller_contact = forms.CharField(
        max_length=300,
        required=False,
        label=_("Controller contact"),
        help_text=_("Address, email."),
    )
    dpo_contact = forms.CharField(
        max_length=300, required=False, label=_("Data protection officer contact")
    )
    recipients = forms.CharField(
        required=False,
        label=_("Recipients"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Categories of recipients, one per line."),
    )
    withdrawal_right = forms.CharField(
        required=False, label=_("Right to withdraw"), widget=forms.Textarea(attrs={"rows": 3})
    )
    access_right = forms.CharField(
        required=False,
        label=_("Right of access (and to rectification, erasure, restriction)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    authority_name = forms.CharField(
        max_length=200, required=False, label=_("Supervisory authority (right to complain)")
    )
    authority_contact = forms.CharField(
        max_length=300, required=False, label=_("Supervisory authority contact")
    )
    safeguards = forms.CharField(
        required=False, label=_("Safeguards"), widget=forms.Textarea(attrs={"rows": 4})
    )

    BASIS_PREFIX = "lawful_basis__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = list(self.fields)
        basis_fields = []
        for purpose in self.fields["purposes"].queryset:
            name = self.BASIS_PREFIX + purpose.slug
            self.fields[name] = forms.ChoiceField(
                choices=[("", "—"), *LawfulBasis.choices],
                required=False,
                label=_("Lawful basis: %(purpose)s") % {"purpose": purpose.name},
                help_text=_("Interaction capture rests on consent only."),
            )
            basis_fields.append(name)
        at = names.index("purposes") + 1
        self.order_fields([*names[:at], *basis_fields, *names[at:]])

    def clean_recipients(self) -> list[str]:
        lines = self.cleaned_data.get("recipients") or ""
        return [line.strip() for line in lines.splitlines() if line.strip()]

    def clean(self):
        cleaned = super().clean()
        bases = {
            name.removeprefix(self.BASIS_PREFIX): cleaned.pop(name)
            for name in list(cleaned)
            if name.startswith(self.BASIS_PREFIX)
        }
        chosen = {p.slug for p in cleaned.get("purposes") or []}
        cleaned["lawful_bases"] = {
            slug: basis for slug, basis in bases.items() if basis and slug in chosen
        }
        return cleaned

    @classmethod
    def initial_from(cls, notice: Notice, *, defaults: bool = True) -> dict:
        """A form for `notice`; with `defaults`, empty statement fields start from the
        portal's configuration (a new draft based on an older notice)."""
        purposes = list(notice.purposes.all())
        return {
            "title": notice.title,
            "language": notice.language,
            "body": notice.body,
            "purposes": purposes,
            "applications": list(notice.applications.all()),
            "data_kinds": list(notice.data_kinds.all()),
            "material_change": notice.material_change,
            "lapse_purposes": list(notice.lapse_purposes.all()),
            "lapse_applications": list(notice.lapse_applications.all()),
            "lapse_data_kinds": list(notice.lapse_data_kinds.all()),
            **cls.statement_initial(
                notice_statement(notice), purposes=purposes if defaults else None
            ),
        }

    @classmethod
    def statement_initial(cls, statement: dict, *, purposes=None) -> dict:
        """Form initial values for a statement; with `purposes`, configured defaults first."""
        if purposes is not None:
            statement = {**notice_statement_defaults(purposes), **statement}
        initial = {k: v for k, v in statement.items() if k not in ("lawful_bases", "recipients")}
        initial["recipients"] = "\n".join(statement.get("recipients", []))
        for slug, basis in statement.get("lawful_bases", {}).items():
            initial[cls.BASIS_PREFIX + slug] = basis
        return initial


class NoticeTextForm(forms.Form):
    """A notice's title and text in one language (the language is in the address)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Notice text"), widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args, own: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not own:  # the version's own text words these in the version's statement
            for name in NoticeText.PROSE_FIELDS:
                self.fields[name] = copy.deepcopy(NoticeForm.base_fields[name])


class PublishForm(forms.Form):
    material_change = forms.BooleanField(
        required=False,
        label=_("This version is a material change"),
        help_text=_(
            "Every consent given under an earlier version lapses and shows as "
            "“needs your review” until the person grants it again."
        ),
    )


class DeviceForm(forms.Form):
    name = forms.CharField(
        max_length=200, label=_("Device name"), help_text=_("e.g. the laptop's asset tag.")
    )


class PipelineForm(forms.Form):
    name = forms.CharField(
        max_length=120, label=_("Pipeline name"), help_text=_("e.g. the training job's name.")
    )
    purposes = forms.ModelMultipleChoiceField(
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED, enabled=True),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        label=_("Purposes"),
        help_text=_("It may read snapshots of these purposes only."),
    )


def _utc_input(label: str, help_text: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=help_text,
    )


class DatasetForm(forms.Form):
    purpose = forms.ModelChoiceField(
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED, enabled=True),
        to_field_name="slug",
        label=_("Purpose"),
    )
    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        label=_("Applications"),
    )
    data_kinds = forms.ModelMultipleChoiceField(
        queryset=DataKind.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        label=_("Data kinds"),
    )
    starts_at = _utc_input(_("From (UTC)"), _("Events at or after this time."))
    ends_at = _utc_input(_("Until (UTC)"), _("Events before this time."))


class DisclosureForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Why do you need to see this person's consent?"),
        help_text=_(
            "Recorded in the audit log; the person reads it under “Who accessed my data”, "
            "so name nobody else in it."
        ),
    )


class LeavingForm(forms.Form):
    left_on = forms.DateField(
        label=_("Left on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Their last day; not in the future. Recorded from the start of that day (UTC)."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand this erases all their interaction data at once, in every store, "
            "and stops their capture. Their consent evidence is kept, then pseudonymised."
        ),
        error_messages={"required": _("Tick this to confirm.")},
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        required=False,
        max_length=80,
        label=_("Action starts with"),
        help_text=_("e.g. consent. or notice.published"),
    )
    subject = forms.CharField(
        required=False,
        max_length=254,
        label=_("Subject"),
        help_text=_("Pseudonym, employee number or work email"),
    )
    actor = forms.CharField(
        required=False, max_length=150, label=_("Actor"), help_text=_("User id or username")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Named as in the API; `from` cannot be a class attribute.
        self.fields["from"] = forms.CharField(
            required=False,
            max_length=40,
            label=_("From"),
            help_text=_("YYYY-MM-DD or ISO date and time"),
        )
        self.fields["to"] = forms.CharField(
            required=False,
            max_length=40,
            label=_("To"),
            help_text=_("Inclusive; YYYY-MM-DD or ISO"),
        )

    def _moment(self, name: str, *, end: bool):
        from governance.api.serializers.audit import parse_moment

        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        moment = parse_moment(text, end=end)
        if moment is None:
            raise forms.ValidationError(_("Enter a date (YYYY-MM-DD) or an ISO date and time."))
        return moment

    def clean_from(self):
        return self._moment("from", end=False)

    def clean_to(self):
        return self._moment("to", end=True)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("from"), cleaned.get("to")
        if since is not None and until is not None and until <= since:
            self.add_error("to", _("“To” must not be before “From”."))
        return cleaned


class RevealForm(forms.Form):
    subject = forms.CharField(max_length=40, label=_("Pseudonym"))
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Why do you need to know who this is?"),
        help_text=_(
            "Recorded in the audit log; the person reads it under “Who accessed my data”, "
            "so name nobody else in it."
        ),
    )


class AggregateForm(forms.Form):
    group_by = forms.ChoiceField(
        choices=[("department", _("Department")), ("country", _("Country"))],
        initial="department",
        required=False,
        label=_("Group by"),
    )
    purpose = forms.ModelChoiceField(
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED),
        required=False,
        label=_("Purpose"),
        empty_label=_("Any purpose"),
    )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search people"), max_length=100)


class ErasureStartForm(forms.Form):
    employee = forms.CharField(
        max_length=254,
        label=_("Employee number or work email"),
        help_text=_("e.g. E1042 or jane.doe@example.com."),
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Recorded on the job and in the audit log, e.g. the ticket of a request."),
    )
    restrict_capture = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Also restrict their capture (Art. 18), so nothing new of theirs is stored"),
        help_text=_(
            "Untick only if capture should go on (e.g. they consent again): without "
            "it, what they consent to is recorded again after the erasure. Recorded on the job."
        ),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand this erases everything recorded about this person, in every "
            "store, and cannot be undone."
        ),
        error_messages={"required": _("Tick this to confirm the erasure.")},
    )


class ErasureJobFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", _("Any state")), *ErasureJob.State.choices],
        required=False,
        label=pgettext_lazy("erasure job", "State"),
    )
    cause = forms.ChoiceField(
        choices=[("", _("Any cause")), *ErasureCause.choices], required=False, label=_("Cause")
    )


def _store_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} — {store.description}") for name, store in sorted(REGISTRY.items())]


def _retained_store_choices() -> list[tuple[str, str]]:
    """Stores a retention policy applies to: the others expire their data by themselves."""
    return [choice for choice in _store_choices() if REGISTRY[choice[0]].retained]


def _holdable_store_choices() -> list[tuple[str, str]]:
    return [choice for choice in _store_choices() if getattr(REGISTRY[choice[0]], "holdable", True)]


class LegalHoldForm(forms.Form):
    """A hold's fields; `custodians` cleans to Employee rows, naming any email nobody has."""

    matter = forms.CharField(
        max_length=200,
        label=_("Matter"),
        help_text=_("e.g. Smith v. Example Corp (case 24-118)."),
    )
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Reason"),
        help_text=_(
            "Why the data must be preserved. Legal and the audit log see it; the custodians do not."
        ),
    )
    custodians = LinesField(
        label=_("Custodians (work emails)"),
        help_text=_("One per line. Their data is preserved."),
    )
    starts = forms.DateTimeField(
        label=_("From (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: from the beginning."),
    )
    ends = forms.DateTimeField(
        label=_("Until (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: open-ended."),
    )
    stores = forms.MultipleChoiceField(
        choices=_holdable_store_choices,
        required=False,
        label=_("Stores"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every store, including stores added later."),
    )
    review_at = forms.DateTimeField(
        label=_("Review by (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=format_lazy(
            _(
                "When legal checks whether the hold is still needed; you are reminded by "
                "mail when it passes. Empty on a new hold: in {days} days; on a change: "
                "unchanged."
            ),
            days=settings.LEGAL_HOLD_REVIEW_DAYS,
        ),
    )

    def clean_review_at(self):
        # Empty means "the default" (new) or "unchanged" (edit): the service decides.
        return self.cleaned_data["review_at"] or None

    def clean_custodians(self):
        employees, unknown = employees_by_work_email(self.cleaned_data["custodians"])
        if unknown:
            raise ValidationError(
                [
                    _("No employee has the work email %(email)s.") % {"email": email}
                    for email in unknown
                ]
            )
        if not employees:
            raise ValidationError(_("Name at least one custodian."))
        return employees

    @classmethod
    def initial_from(cls, hold) -> dict:
        return {
            "matter": hold.matter,
            "reason": hold.reason,
            "custodians": [c.work_email for c in hold.custodians.all()],
            "starts": hold.starts,
            "ends": hold.ends,
            "stores": hold.stores,
            "review_at": hold.review_at,
        }


class LegalHoldReleaseForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the data need no longer be preserved.")},
        label=_("Why may the data go now?"),
        help_text=_("Recorded in the audit log, e.g. “Settled on 2025-03-02”."),
    )


class RetentionPolicyForm(forms.Form):
    name = forms.CharField(
        max_length=120, label=_("Name"), help_text=_("e.g. Raw keystrokes: 30 days.")
    )
    store = forms.ChoiceField(choices=_retained_store_choices, label=_("Store"))
    keep_days = forms.IntegerField(
        min_value=1,
        label=_("Keep (days)"),
        help_text=_("Data older than this goes at the next run."),
    )
    legal_minimum = forms.BooleanField(
        required=False,
        label=_("Legal minimum"),
        help_text=_(
            "A law requires keeping this data at least this long: a floor under shorter "
            "keeps. Otherwise the shortest keep covering data wins."
        ),
    )
    purposes = forms.ModelMultipleChoiceField(
        queryset=Purpose.objects.filter(use=Purpose.Use.PERMITTED).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Purposes"),
        help_text=_("None ticked: every purpose."),
    )
    applications = forms.ModelMultipleChoiceField(
        queryset=Application.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Applications"),
        help_text=_("None ticked: every application."),
    )
    data_kinds = forms.ModelMultipleChoiceField(
        queryset=DataKind.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Data kinds"),
        help_text=_("None ticked: every data kind."),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))

    @classmethod
    def initial_from(cls, policy) -> dict:
        return {
            "name": policy.name,
            "store": policy.store,
            "keep_days": policy.keep_days,
            "legal_minimum": policy.legal_minimum,
            "purposes": list(policy.purposes.all()),
            "applications": list(policy.applications.all()),
            "data_kinds": list(policy.data_kinds.all()),
            "enabled": policy.enabled,
        }
