from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from governance.models import DataRequest, Role
from governance.selectors.consent import owed_erasures_all
from governance.selectors.erasure import erasure_jobs_running_count, my_erasures_open_count
from governance.selectors.holds import legal_holds_list
from governance.selectors.notices import notice_current
from governance.selectors.pages import consent_summary_for
from governance.services.people import user_has_role
from governance.views.access import employee_of


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        employee = employee_of(self.request.user)
        context["notice"] = notice_current()
        user = self.request.user
        if employee is not None:
            context["summary"] = consent_summary_for(employee=employee)
            context["erasures_open"] = my_erasures_open_count(employee=employee)
            context["requests_open"] = DataRequest.objects.filter(
                employee=employee, state__in=DataRequest.OPEN_STATES
            ).count()
        if user_has_role(user, Role.PRIVACY_OFFICER):
            context["erasures_owed"] = owed_erasures_all().count()
            context["erasure_jobs_running"] = erasure_jobs_running_count()
            open_requests = DataRequest.objects.filter(state__in=DataRequest.OPEN_STATES)
            context["requests_open_all"] = open_requests.count()
            # Only a running clock is late: a paused or deferred request is not overdue.
            context["requests_overdue"] = DataRequest.objects.filter(
                state__in=DataRequest.CLOCK_STATES, due_on__lt=timezone.now().date()
            ).count()
        if user_has_role(user, Role.LEGAL):
            context["holds_active"] = legal_holds_list(active=True).count()
        return context
