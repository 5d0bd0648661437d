"""Officer views of people: a directory without consent, an audited consent view, aggregates."""

from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from governance.models import Employee
from governance.selectors.consent import owed_erasures_all
from governance.selectors.counts import consent_aggregates_counted
from governance.selectors.pages import employees_directory
from governance.services.disclosure import employee_consent_disclose
from governance.services.people import employee_leave
from governance.views.access import OfficerRequiredMixin
from governance.views.forms import (
    AggregateForm,
    DisclosureForm,
    LeavingForm,
    PeopleSearchForm,
    apply_service_errors,
)
from governance.views.keyset import keyset_page


class PeopleView(OfficerRequiredMixin, TemplateView):
    template_name = "people/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = PeopleSearchForm(self.request.GET)
        query = search.cleaned_data["q"] if search.is_valid() else ""
        # Keyset on the employee number: no count of 100k people, no OFFSET.
        people = keyset_page(
            employees_directory(query=query),
            self.request.GET,
            key="employee_number",
            size=50,
            descending=False,
            numeric=False,
        )
        context.update(search=search, people=people)
        return context


@method_decorator(never_cache, name="dispatch")
class ConsentDisclosureView(OfficerRequiredMixin, View):
    """GET asks why; POST with a reason audits the look and shows the person's consent."""

    template_name = "people/disclosure.html"

    def get(self, request, pk):
        person = get_object_or_404(Employee.objects.select_related("user"), pk=pk)
        return self.render(person, DisclosureForm())

    def post(self, request, pk):
        person = get_object_or_404(Employee.objects.select_related("user"), pk=pk)
        form = DisclosureForm(request.POST)
        if form.is_valid():
            try:
                disclosed = employee_consent_disclose(
                    viewer=request.user, employee=person, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return self.render(
                    person, form, disclosed=disclosed, reason=form.cleaned_data["reason"]
                )
        return self.render(person, form, status=400)

    def render(self, person, form, *, status=200, **extra):
        context = {"person": person, "form": form, **extra}
        return render(self.request, self.template_name, context, status=status)


@method_decorator(never_cache, name="dispatch")
class LeavingView(OfficerRequiredMixin, View):
    """Record that a person left: their interaction data is erased, their capture stops."""

    template_name = "people/leaving.html"

    def get(self, request, pk):
        person = get_object_or_404(Employee.objects.select_related("user"), pk=pk)
        return self.render(person, LeavingForm())

    def post(self, request, pk):
        person = get_object_or_404(Employee.objects.select_related("user"), pk=pk)
        form = LeavingForm(request.POST)
        if form.is_valid():
            left_at = datetime.combine(form.cleaned_data["left_on"], time.min, tzinfo=UTC)
            try:
                employee_leave(employee=person, left_at=left_at, actor=request.user)
            except ValidationError as exc:
                form.add_error("left_on", exc.message_dict.get("left_at", exc.messages))
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s (%(employee)s) left on %(date)s: their data is being erased "
                        "and capture has stopped."
                    )
                    % {
                        "name": person.display_name,
                        "employee": person.employee_number,
                        "date": f"{left_at:%Y-%m-%d}",
                    },
                )
                return redirect("officer-person-leaving", person.pk)
        return self.render(person, form, status=400)

    def render(self, person, form, *, status=200):
        job = person.erasure_jobs.filter(cause="left").order_by("-pk").first()
        context = {
            "person": person,
            "form": form,
            "job": job,
            "evidence_days": settings.EVIDENCE_RETENTION_DAYS,
            "network_days": settings.CONSENT_NETWORK_DATA_DAYS,
        }
        return render(self.request, self.template_name, context, status=status)


class AggregatesView(OfficerRequiredMixin, TemplateView):
    template_name = "people/aggregates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AggregateForm(self.request.GET or None)
        group_by, purpose = "department", None
        if form.is_bound and form.is_valid():
            group_by = form.cleaned_data["group_by"] or group_by
            purpose = form.cleaned_data["purpose"]
        counted = consent_aggregates_counted(group_by=group_by, purpose=purpose)
        context.update(
            form=form,
            rows=counted.rows,
            counted_at=counted.counted_at,
            max_age=settings.CONSENT_AGGREGATES_MAX_AGE,
            group_by=group_by,
            purpose=purpose,
            min_group_size=counted.min_group_size,
        )
        return context


class ErasuresOwedView(OfficerRequiredMixin, TemplateView):
    template_name = "people/erasures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        erasures = Paginator(owed_erasures_all(), 50)
        context["erasures"] = erasures.get_page(self.request.GET.get("page"))
        return context
