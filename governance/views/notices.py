"""Notices: anyone signed in reads a published version; officers draft and publish."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from governance.models import NoticeText
from governance.selectors.notices import (
    language_name,
    notice_current,
    notice_list,
    notice_reading,
    reader_language,
)
from governance.selectors.pages import (
    notice_by_version,
    notice_grants_to_lapse,
    notice_lapsed_count,
    notice_published,
)
from governance.selectors.retention import retention_periods
from governance.services.notice_scopes import LAPSE_FIELD_NAMES
from governance.services.notices import (
    language_error,
    notice_create,
    notice_publish,
    notice_statement_missing,
    notice_text_remove,
    notice_text_set,
    notice_update,
)
from governance.views.access import OfficerRequiredMixin, employee_of
from governance.views.forms import NoticeForm, NoticeTextForm, PublishForm, apply_service_errors

# The form has one lawful-basis field per purpose; the statement has one map.
STATEMENT_LABELS = {"lawful_bases": gettext_lazy("Lawful basis for each purpose")}


class NoticePublicView(LoginRequiredMixin, TemplateView):
    """A published notice: the policyUrl every consent receipt points to."""

    template_name = "notices/public.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = notice_published(version=kwargs["version"])
        if notice is None:
            raise Http404(_("No published notice with this version."))
        current = notice_current()
        employee = employee_of(self.request.user)
        language = reader_language(employee, self.request.GET.get("lang"))
        context.update(
            notice=notice,
            reading=notice_reading(notice, language=language),
            current=current,
            retention_periods=retention_periods(notice),
        )
        return context


class NoticeListView(OfficerRequiredMixin, TemplateView):
    template_name = "notices/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notices"] = notice_list().select_related("created_by", "published_by")
        context["current"] = notice_current()
        return context


def _notice_fields(cleaned: dict) -> dict:
    fields = dict(cleaned)
    if fields.get("effective_at") is None:
        fields.pop("effective_at", None)
    return fields


class NoticeCreateView(OfficerRequiredMixin, View):
    template_name = "notices/form.html"

    def get(self, request):
        latest = notice_list().first()
        if latest:
            initial = NoticeForm.initial_from(latest)
        else:
            purposes = NoticeForm.base_fields["purposes"].queryset
            initial = NoticeForm.statement_initial({}, purposes=purposes)
        initial["material_change"] = False
        initial.update(dict.fromkeys(LAPSE_FIELD_NAMES, []))  # a lapse scope is per change
        return self.render(NoticeForm(initial=initial), based_on=latest)

    def post(self, request):
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = notice_create(actor=request.user, **_notice_fields(form.cleaned_data))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Draft version %(version)s saved.") % {"version": notice.version}
                )
                return redirect("officer-notice", version=notice.version)
        return self.render(form, status=400)

    def render(self, form, *, based_on=None, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "notice": None, "based_on": based_on},
            status=status,
        )


class NoticeEditView(OfficerRequiredMixin, View):
    template_name = "notices/form.html"

    def dispatch(self, request, *args, **kwargs):
        self.notice = notice_by_version(version=kwargs["version"])
        if self.notice is None:
            raise Http404(_("No such notice."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, version):
        if self.notice.is_published:
            messages.info(request, _("A published notice never changes; draft a new version."))
            return redirect("officer-notice", version=version)
        initial = NoticeForm.initial_from(self.notice, defaults=False)
        form = NoticeForm(initial={**initial, "effective_at": None})
        return self.render(form)

    def post(self, request, version):
        form = NoticeForm(request.POST)
        if form.is_valid():
            try:
                notice_update(
                    notice=self.notice, actor=request.user, **_notice_fields(form.cleaned_data)
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Draft version %(version)s saved.") % {"version": version}
                )
                return redirect("officer-notice", version=version)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(
            self.request, self.template_name, {"form": form, "notice": self.notice}, status=status
        )


class NoticeDetailView(OfficerRequiredMixin, View):
    template_name = "notices/detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.notice = notice_by_version(version=kwargs["version"])
        if self.notice is None:
            raise Http404(_("No such notice."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, version):
        form = PublishForm(initial={"material_change": self.notice.material_change})
        return self.render(form)

    def post(self, request, version):
        """Publish, first recording the material-change choice made on this form."""
        form = PublishForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        material = form.cleaned_data["material_change"]
        try:
            notice = notice_publish(
                notice=self.notice, actor=request.user, material_change=material
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.render(form, status=400)
        # notice_publish returns its own row, read before the lapse was applied.
        notice.refresh_from_db()
        message = _("Published version %(version)s.") % {"version": notice.version}
        if notice.material_change:
            if notice.lapse_applied_at is not None:
                lapsed = notice_lapsed_count(notice=notice)
                message += " " + ngettext(
                    "It is a material change: %(n)s consent given under earlier versions "
                    "lapsed and now need review.",
                    "It is a material change: %(n)s consents given under earlier versions "
                    "lapsed and now need review.",
                    lapsed,
                ) % {"n": lapsed}
            else:
                message += " " + _(
                    "It is a material change: older consents lapse when it takes effect."
                )
        messages.success(request, message)
        return redirect("officer-notice", version=notice.version)

    def render(self, form, status=200):
        notice = self.notice
        context = {
            "notice": notice,
            "form": form,
            "now": timezone.now(),
            "texts": list(notice.texts.all()),
            "missing_languages": [
                (code, name)
                for code, name in settings.LANGUAGES
                if not notice.texts.filter(language=code).exists()
            ],
            "default_language": language_name(settings.LANGUAGE_CODE),
        }
        if notice.is_published:
            context["lapsed"] = notice_lapsed_count(notice=notice)
        else:
            context["would_lapse"] = notice_grants_to_lapse(notice=notice)
            context["statement_missing"] = [
                STATEMENT_LABELS.get(name) or NoticeForm.base_fields[name].label
                for name in notice_statement_missing(notice)
            ]
            if settings.LANGUAGE_CODE in dict(context["missing_languages"]):
                context["statement_missing"].append(
                    _("a text in %(language)s") % {"language": context["default_language"]}
                )
            context["statement_missing"].extend(
                _("the %(language)s text's rights and safeguards")
                % {"language": text.language_name}
                for text in context["texts"]
                if text.language != notice.language and not text.states_prose
            )
        return render(self.request, self.template_name, context, status=status)


class NoticeTextView(OfficerRequiredMixin, View):
    """A draft's text in one language: GET the form, POST to save it."""

    template_name = "notices/text_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.notice = notice_by_version(version=kwargs["version"])
        if self.notice is None or language_error(kwargs["language"]):
            raise Http404(_("No such notice or language."))
        self.language = kwargs["language"]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, version, language):
        if self.notice.is_published:
            messages.info(request, _("A published notice never changes; draft a new version."))
            return redirect("officer-notice", version=version)
        text = self.notice.texts.filter(language=language).first()
        fields = ("title", "body", *NoticeText.PROSE_FIELDS)
        initial = {name: getattr(text, name) for name in fields} if text else {}
        return self.render(self.form(initial=initial), exists=text is not None)

    def form(self, *args, **kwargs) -> NoticeTextForm:
        return NoticeTextForm(*args, own=self.language == self.notice.language, **kwargs)

    def post(self, request, version, language):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                notice_text_set(
                    notice=self.notice, actor=request.user, language=language, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Text in %(language)s saved.") % {"language": language_name(language)},
                )
                return redirect("officer-notice", version=version)
        exists = self.notice.texts.filter(language=language).exists()
        return self.render(form, exists=exists, status=400)

    def render(self, form, *, exists: bool, status=200):
        context = {
            "form": form,
            "notice": self.notice,
            "language": self.language,
            "language_name": language_name(self.language),
            "exists": exists,
        }
        return render(self.request, self.template_name, context, status=status)


class NoticeTextRemoveView(OfficerRequiredMixin, View):
    """POST: remove a draft's text in one language."""

    http_method_names = ["post"]

    def post(self, request, version, language):
        notice = notice_by_version(version=version)
        if notice is None or language_error(language):
            raise Http404(_("No such notice or language."))
        try:
            removed = notice_text_remove(notice=notice, actor=request.user, language=language)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            name = language_name(language)
            if removed:
                messages.success(request, _("Text in %(language)s removed.") % {"language": name})
            else:
                messages.info(request, _("There was no text in %(language)s.") % {"language": name})
        return redirect("officer-notice", version=version)
