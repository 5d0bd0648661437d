"""Erasure pages: officers start and follow jobs; employees follow their own erasures.

Progress bars are filled in by the server; portal.js keeps them moving while
a job runs by polling the job's JSON, so every page also works without it.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from governance.models import ErasureCause
from governance.selectors.erasure import (
    employee_find,
    erasure_job_get,
    erasure_jobs_all,
    erasure_views,
    my_erasure_get,
    my_erasures,
)
from governance.services.disclosure import personal_data_viewed
from governance.services.erasure import erasure_job_create
from governance.services.signing import public_key_b64
from governance.views.access import EmployeeRequiredMixin, OfficerRequiredMixin
from governance.views.forms import ErasureJobFilterForm, ErasureStartForm, apply_service_errors

PAGE_SIZE = 50


def receipt_response(view) -> JsonResponse:
    response = JsonResponse(view.receipt, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="erasure-receipt-{view.id}.json"'
    return response


@method_decorator(never_cache, name="dispatch")
class ErasureJobsView(OfficerRequiredMixin, View):
    """The jobs, newest first, and the form that starts an officer's erasure."""

    def get(self, request):
        return self.render(ErasureStartForm())

    def post(self, request):
        form = ErasureStartForm(request.POST)
        if form.is_valid():
            employee = employee_find(identifier=form.cleaned_data["employee"])
            if employee is None:
                form.add_error("employee", _("No employee has this number or work email."))
            else:
                try:
                    job = erasure_job_create(
                        employee=employee,
                        cause=ErasureCause.OFFICER,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        restrict_capture=form.cleaned_data["restrict_capture"],
                    )
                except ValidationError as exc:
                    apply_service_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _(
                            "Erasure #%(number)s started for %(name)s (%(employee)s), subject %(subject)s."
                        )
                        % {
                            "number": job.pk,
                            "name": employee.display_name,
                            "employee": employee.employee_number,
                            "subject": job.subject,
                        },
                    )
                    return redirect("officer-erasure-job", job.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        filters = ErasureJobFilterForm(self.request.GET or None)
        state = cause = None
        if filters.is_bound and filters.is_valid():
            state = filters.cleaned_data["state"] or None
            cause = filters.cleaned_data["cause"] or None
        page = Paginator(erasure_jobs_all(state=state, cause=cause), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context = {
            "form": form,
            "filters": filters,
            "page": page,
            "jobs": erasure_views(page.object_list),
        }
        return render(self.request, "erasure/jobs.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class ErasureJobDetailView(OfficerRequiredMixin, TemplateView):
    """One job, naming the person it erases: the list shows pseudonyms, this page says who,
    and the look is audited. Its progress poll reads the list, which names nobody."""

    template_name = "erasure/job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        view = erasure_job_get(job_id=kwargs["job_id"])
        if view is None:
            raise Http404(_("No such erasure job."))
        personal_data_viewed(
            viewer=self.request.user,
            people=[view.job.employee],
            what="erasure job",
            target=view.job,
        )
        context.update(job=view, person=view.job.employee)
        return context


class ErasureJobReceiptView(OfficerRequiredMixin, View):
    def get(self, request, job_id):
        view = erasure_job_get(job_id=job_id)
        if view is None or not view.receipt:
            raise Http404(_("No receipt: the job does not exist or has not finished."))
        personal_data_viewed(
            viewer=request.user,
            people=[view.job.employee],
            what="erasure receipt",
            target=view.job,
        )
        return receipt_response(view)


class MyErasuresView(EmployeeRequiredMixin, TemplateView):
    """The signed-in person's erasures, with progress, and how to check a receipt."""

    template_name = "consent/erasures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            erasures=my_erasures(employee=self.employee),
            public_key=public_key_b64(),
            poll_url=reverse("api-my-erasures"),
        )
        return context


class MyErasureReceiptView(EmployeeRequiredMixin, View):
    def get(self, request, job_id):
        view = my_erasure_get(employee=self.employee, job_id=job_id)
        if view is None or not view.receipt:
            raise Http404(_("No receipt: the erasure is not yours or has not finished."))
        return receipt_response(view)
