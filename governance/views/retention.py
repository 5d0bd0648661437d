"""Retention pages (officers): policies, what they would delete now, and run evidence."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from governance.selectors.retention import (
    published_notice_gaps,
    retention_policies_list,
    retention_runs_list,
)
from governance.services.retention import (
    retention_dry_run,
    retention_policy_create,
    retention_policy_disable,
    retention_policy_update,
)
from governance.views.access import OfficerRequiredMixin
from governance.views.forms import RetentionPolicyForm, apply_service_errors


class PoliciesView(OfficerRequiredMixin, TemplateView):
    template_name = "retention/policies.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["policies"] = retention_policies_list()
        context["gaps"] = published_notice_gaps()
        return context


@method_decorator(never_cache, name="dispatch")
class PolicyFormView(OfficerRequiredMixin, View):
    """New policy (no pk) or edit one; the service validates and audits."""

    def get(self, request, pk=None):
        policy = self.policy(pk)
        initial = RetentionPolicyForm.initial_from(policy) if policy else None
        return self.render(policy, RetentionPolicyForm(initial=initial))

    def post(self, request, pk=None):
        policy = self.policy(pk)
        form = RetentionPolicyForm(request.POST)
        if form.is_valid():
            try:
                if policy is None:
                    policy = retention_policy_create(actor=request.user, **form.cleaned_data)
                    messages.success(request, _("Created “%(name)s”.") % {"name": policy.name})
                else:
                    policy = retention_policy_update(
                        policy=policy, actor=request.user, **form.cleaned_data
                    )
                    messages.success(request, _("Saved “%(name)s”.") % {"name": policy.name})
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("officer-retention")
        return self.render(policy, form, status=400)

    def policy(self, pk):
        return get_object_or_404(retention_policies_list(), pk=pk) if pk else None

    def render(self, policy, form, status=200):
        context = {"policy": policy, "form": form}
        return render(self.request, "retention/form.html", context, status=status)


class PolicyDisableView(OfficerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        policy = get_object_or_404(retention_policies_list(), pk=pk)
        policy = retention_policy_disable(policy=policy, actor=request.user)
        messages.success(
            request,
            _("Disabled “%(name)s”. Its past runs stay in the evidence.") % {"name": policy.name},
        )
        return redirect("officer-retention")


class DryRunView(OfficerRequiredMixin, TemplateView):
    """Counted on request, not on every visit to the policies: it reads whole tables."""

    template_name = "retention/dry_run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = retention_dry_run()
        return context


class RunsView(OfficerRequiredMixin, TemplateView):
    template_name = "retention/runs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = Paginator(retention_runs_list(), 50)
        context["runs"] = runs.get_page(self.request.GET.get("page"))
        return context
