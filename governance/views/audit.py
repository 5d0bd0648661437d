"""The audit log for officers and legal, with verification of the hash chain.

Subjects show as pseudonyms only. Filtering by a person, or revealing who a
pseudonym is (with a reason), is a read of that person's data and is itself audited.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from governance.selectors.audit import audit_entries_masked, audit_events_for, audit_people_resolve
from governance.services.audit import audit_verify
from governance.services.disclosure import UnknownSubject, personal_data_viewed, subject_reveal
from governance.views.access import AuditorRequiredMixin
from governance.views.forms import AuditFilterForm, RevealForm, apply_service_errors
from governance.views.keyset import KeysetPage, keyset_page

PAGE_SIZE = 50


@method_decorator(never_cache, name="dispatch")
class AuditLogView(AuditorRequiredMixin, View):
    """GET lists and filters; POST (the Verify chain button) adds the verification result."""

    def get(self, request):
        return self.render()

    def post(self, request):
        return self.render(verification=audit_verify())

    def render(self, verification=None):
        form = AuditFilterForm(self.request.GET)
        if not form.is_valid():
            context = {"form": form, "events": KeysetPage(items=[]), "verification": verification}
            return render(self.request, "audit/list.html", context, status=400)
        filters = form.cleaned_data
        who = audit_people_resolve(subject=filters["subject"], actor=filters["actor"])
        events = audit_events_for(
            who=who,
            action=filters["action"].strip(),
            since=filters["from"],
            until=filters["to"],
        )
        # Keyset on seq: a deep page costs what the first does, and nothing counts the log.
        page = keyset_page(events, self.request.GET, key="seq", size=PAGE_SIZE)
        page.items = audit_entries_masked(page.items)
        # After the read, so the page shows the log as it was when asked.
        personal_data_viewed(
            viewer=self.request.user,
            people=who.people,
            what="audit events",
            details={"named_by": who.named_by} if who.named_by else None,
        )
        context = {"form": form, "events": page, "verification": verification, "who": who}
        return render(self.request, "audit/list.html", context)


@method_decorator(never_cache, name="dispatch")
class RevealView(AuditorRequiredMixin, View):
    """GET asks why; POST with a reason shows who a pseudonym is, and audits the look."""

    def get(self, request):
        form = RevealForm(initial={"subject": request.GET.get("subject", "")[:40]})
        return self.render(form)

    def post(self, request):
        form = RevealForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            person = subject_reveal(
                viewer=request.user,
                subject=form.cleaned_data["subject"],
                reason=form.cleaned_data["reason"],
            )
        except UnknownSubject:
            form.add_error("subject", _("Nobody has this pseudonym."))
            return self.render(form, status=404)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.render(form, status=400)
        return self.render(form, person=person, reason=form.cleaned_data["reason"])

    def render(self, form, *, status=200, **extra):
        return render(self.request, "audit/reveal.html", {"form": form, **extra}, status=status)
