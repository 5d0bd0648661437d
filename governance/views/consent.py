"""The employee's own consent: controls per scope, withdraw everything, history, receipts."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from governance.models import ConsentState
from governance.selectors.audit import audit_events_about
from governance.selectors.consent import (
    consent_event_for,
    consent_history_for,
    consent_scopes_for,
)
from governance.selectors.erasure import erasure_scope_states_for, my_erasures
from governance.selectors.notices import notice_current, notice_reading, reader_language
from governance.services.consent import consent_grant, consent_withdraw, consent_withdraw_all
from governance.services.receipts import consent_receipt
from governance.services.scopes import scope_resolve
from governance.views.access import EmployeeRequiredMixin, web_context
from governance.views.forms import ScopeForm, service_error_messages
from governance.views.keyset import keyset_page

HISTORY_PAGE_SIZE = 50
RECENT_ERASURES = 5


class MyConsentView(EmployeeRequiredMixin, TemplateView):
    template_name = "consent/my_consent.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = notice_current()
        if notice is not None:
            language = reader_language(self.employee, self.request.GET.get("lang"))
            context["reading"] = notice_reading(notice, language=language)
        rows = consent_scopes_for(employee=self.employee, notice=notice)
        erasing = erasure_scope_states_for(employee=self.employee)
        history = Paginator(consent_history_for(employee=self.employee), HISTORY_PAGE_SIZE)
        due = [row.erasure_due_at for row in rows if row.erasure_due_at is not None]
        context.update(
            notice=notice,
            matrices=scope_matrices(rows, erasing),
            unoffered=[row for row in rows if not row.offered],
            needs_review=sum(row.state == ConsentState.State.LAPSED for row in rows),
            expired=sum(row.state == ConsentState.State.EXPIRED for row in rows),
            max_age_days=settings.CONSENT_MAX_AGE_DAYS,
            # The soonest of the deadlines each lapsed or expired scope shows.
            first_erasure_due=min(due, default=None),
            now=timezone.now(),
            granted=sum(row.state == ConsentState.State.GRANTED for row in rows),
            # Restricted (Art. 18, by an officer's erasure or a leaving too): the gate
            # stores nothing whatever is granted, and the page must not suggest otherwise.
            restricted_since=self.employee.processing_restricted_at,
            history=history.get_page(self.request.GET.get("page")),
            erasures=my_erasures(employee=self.employee, limit=RECENT_ERASURES),
        )
        return context


def scope_matrices(rows, erasing: dict) -> list[dict]:
    """Offered scopes as one table per purpose: applications × data kinds.

    `erasing` maps scope ids to the state of the scope's latest erasure.
    """
    matrices: dict[int, dict] = {}
    for row in rows:
        if not row.offered:
            continue
        matrix = matrices.setdefault(
            row.purpose.pk, {"purpose": row.purpose, "kinds": [], "apps": {}}
        )
        if row.data_kind not in matrix["kinds"]:
            matrix["kinds"].append(row.data_kind)
        cells = matrix["apps"].setdefault(row.application, [])
        key = (row.purpose.pk, row.application.pk, row.data_kind.pk)
        cells.append({"row": row, "erasure": erasing.get(key)})
    return [
        {"purpose": m["purpose"], "kinds": m["kinds"], "apps": list(m["apps"].items())}
        for m in matrices.values()
    ]


class ScopeChangeView(EmployeeRequiredMixin, View):
    """POST one scope's Grant or Withdraw button."""

    http_method_names = ["post"]
    change = None  # staticmethod(consent_grant) or staticmethod(consent_withdraw)
    for_withdrawal = False

    form_class = ScopeForm

    def post(self, request):
        form = self.form_class(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            fields = dict(form.cleaned_data)
            read = {name: fields.pop(name) for name in ("language", "text_hash") if name in fields}
            scope = scope_resolve(**fields, for_withdrawal=self.for_withdrawal)
            event = self.change(
                employee=self.employee,
                scope=scope,
                actor=request.user,
                context=web_context(request),
                **{name: value for name, value in read.items() if value},
            )
        except ValidationError as exc:
            for message in service_error_messages(exc):
                messages.error(request, message)
            return redirect("consent")
        messages.success(request, self.confirmation(scope, event))
        return redirect("consent")

    def confirmation(self, scope, event) -> str:
        raise NotImplementedError


def _scope_label(scope) -> str:
    return _("%(kind)s in %(application)s (%(purpose)s)") % {
        "kind": scope.data_kind.name,
        "application": scope.application.name,
        "purpose": scope.purpose.name,
    }


class GrantForm(ScopeForm):
    """A Grant button: the scope, and the text of the notice the page showed."""

    language = forms.CharField(max_length=16, required=False)
    text_hash = forms.CharField(max_length=64, required=False)


class GrantView(ScopeChangeView):
    change = staticmethod(consent_grant)
    form_class = GrantForm

    def confirmation(self, scope, event) -> str:
        if event is None:
            return _("%(scope)s was already granted; nothing changed.") % {
                "scope": _scope_label(scope)
            }
        return _("Granted: %(scope)s. Your receipt is in the history below.") % {
            "scope": _scope_label(scope)
        }


class WithdrawView(ScopeChangeView):
    change = staticmethod(consent_withdraw)
    for_withdrawal = True

    def confirmation(self, scope, event) -> str:
        if event is None:
            return _("%(scope)s was not granted; nothing changed.") % {"scope": _scope_label(scope)}
        return _(
            "Withdrawn: %(scope)s. Nothing more is recorded for it, "
            "and erasure of what was recorded is pending."
        ) % {"scope": _scope_label(scope)}


class WithdrawAllView(EmployeeRequiredMixin, TemplateView):
    """GET asks for confirmation; POST withdraws every scope in one transaction."""

    template_name = "consent/withdraw_all.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = consent_scopes_for(employee=self.employee)
        context["active"] = [
            row for row in rows if row.state not in ("not_given", ConsentState.State.WITHDRAWN)
        ]
        return context

    def post(self, request):
        events = consent_withdraw_all(
            employee=self.employee, actor=request.user, context=web_context(request)
        )
        if events:
            messages.success(
                request,
                ngettext(
                    "Withdrew everything: %(n)s scope. Nothing more is recorded, "
                    "and erasure of what was recorded is pending.",
                    "Withdrew everything: %(n)s scopes. Nothing more is recorded, "
                    "and erasure of what was recorded is pending.",
                    len(events),
                )
                % {"n": len(events)},
            )
        else:
            messages.info(request, _("You had nothing to withdraw; nothing changed."))
        return redirect("consent")


class ReceiptDownloadView(EmployeeRequiredMixin, View):
    def get(self, request, receipt_id):
        event = consent_event_for(employee=self.employee, receipt_id=receipt_id)
        if event is None:
            raise Http404(_("No such receipt."))
        response = JsonResponse(consent_receipt(event), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = (
            f'attachment; filename="consent-receipt-{event.receipt_id}.json"'
        )
        return response


class AccessLogView(EmployeeRequiredMixin, TemplateView):
    """Every audit event about the signed-in person: who did what with their data."""

    template_name = "consent/access_log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Keyset on seq: an active person's log can be long, and a page never counts it.
        events = audit_events_about(employee=self.employee)
        context["events"] = keyset_page(events, self.request.GET, key="seq", size=50)
        return context
