from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from governance.models import Role
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
        if user_has_role(user, Role.PRIVACY_OFFICER):
            context["erasures_owed"] = owed_erasures_all().count()
            context["erasure_jobs_running"] = erasure_jobs_running_count()
        if user_has_role(user, Role.LEGAL):
            context["holds_active"] = legal_holds_list(active=True).count()
        return context
