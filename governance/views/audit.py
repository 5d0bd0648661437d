"""The audit log for officers and legal, with verification of the hash chain."""

from django.shortcuts import render
from django.views import View

from governance.selectors.audit import audit_events_list
from governance.services.audit import audit_verify
from governance.views.access import AuditorRequiredMixin
from governance.views.forms import AuditFilterForm
from governance.views.keyset import keyset_page

PAGE_SIZE = 50


class AuditLogView(AuditorRequiredMixin, View):
    """GET lists and filters; POST (the Verify chain button) adds the verification result."""

    def get(self, request):
        return self.render()

    def post(self, request):
        return self.render(verification=audit_verify())

    def render(self, verification=None):
        form = AuditFilterForm(self.request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        events = audit_events_list(
            action=(filters.get("action") or "").strip() or None,
            subject=(filters.get("subject") or "").strip() or None,
        )
        # Keyset on seq: a deep page costs what the first does, and nothing counts the log.
        page = keyset_page(events, self.request.GET, key="seq", size=PAGE_SIZE)
        context = {"form": form, "events": page, "verification": verification}
        return render(self.request, "audit/list.html", context)
