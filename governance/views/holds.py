"""Legal holds (legal only): list, place, change and release with a confirmation step."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from governance.selectors.holds import legal_hold_get, legal_holds_list
from governance.services.disclosure import custodians_viewed
from governance.services.holds import legal_hold_create, legal_hold_release, legal_hold_update
from governance.views.access import LegalRequiredMixin
from governance.views.forms import LegalHoldForm, LegalHoldReleaseForm, apply_service_errors


def hold_or_404(pk: int):
    hold = legal_hold_get(hold_id=pk)
    if hold is None:
        raise Http404(_("No such legal hold."))
    return hold


class HoldListView(LegalRequiredMixin, TemplateView):
    template_name = "legal/holds.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        holds = list(legal_holds_list())
        context.update(
            active=[h for h in holds if h.is_active],
            released=[h for h in holds if not h.is_active],
        )
        return context


@method_decorator(never_cache, name="dispatch")
class HoldDetailView(LegalRequiredMixin, TemplateView):
    """One hold, naming its custodians (the list shows pseudonyms): an audited read."""

    template_name = "legal/hold.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        hold = hold_or_404(kwargs["pk"])
        custodians_viewed(viewer=self.request.user, hold=hold)
        context["hold"] = hold
        return context


@method_decorator(never_cache, name="dispatch")
class HoldCreateView(LegalRequiredMixin, View):
    def get(self, request):
        return self.render(LegalHoldForm())

    def post(self, request):
        form = LegalHoldForm(request.POST)
        if form.is_valid():
            try:
                hold = legal_hold_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Hold placed: “%(matter)s”. Covered data is kept.") % {"matter": hold.matter},
                )
                return redirect("legal-hold", hold.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(self.request, "legal/hold_form.html", {"form": form}, status=status)


@method_decorator(never_cache, name="dispatch")
class HoldEditView(LegalRequiredMixin, View):
    def get(self, request, pk):
        hold = hold_or_404(pk)
        if not hold.is_active:
            messages.info(request, _("This hold is released; it can no longer change."))
            return redirect("legal-hold", hold.pk)
        custodians_viewed(viewer=request.user, hold=hold)  # the form names them
        return self.render(hold, LegalHoldForm(initial=LegalHoldForm.initial_from(hold)))

    def post(self, request, pk):
        hold = hold_or_404(pk)
        form = LegalHoldForm(request.POST)
        if form.is_valid():
            try:
                hold = legal_hold_update(hold=hold, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Saved “%(name)s”.") % {"name": hold.matter})
                return redirect("legal-hold", hold.pk)
        return self.render(hold, form, status=400)

    def render(self, hold, form, status=200):
        context = {"form": form, "hold": hold}
        return render(self.request, "legal/hold_form.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class HoldReleaseView(LegalRequiredMixin, View):
    """GET asks for confirmation (and a reason); POST releases."""

    def get(self, request, pk):
        hold = hold_or_404(pk)
        if not hold.is_active:
            messages.info(request, _("This hold is already released."))
            return redirect("legal-hold", hold.pk)
        return self.render(hold, LegalHoldReleaseForm())

    def post(self, request, pk):
        hold = hold_or_404(pk)
        form = LegalHoldReleaseForm(request.POST)
        if not form.is_valid():
            return self.render(hold, form, status=400)
        was_active = hold.is_active
        hold = legal_hold_release(hold=hold, actor=request.user, reason=form.cleaned_data["reason"])
        if was_active:
            messages.success(
                request,
                _(
                    "Released “%(matter)s”. Deletions it deferred resume now, unless another "
                    "hold covers the same data."
                )
                % {"matter": hold.matter},
            )
        else:
            messages.info(request, _("This hold was already released; nothing changed."))
        return redirect("legal-holds")

    def render(self, hold, form, status=200):
        context = {"form": form, "hold": hold}
        return render(self.request, "legal/hold_release.html", context, status=status)
