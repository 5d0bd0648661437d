"""Data subject request pages: employees file and follow their own requests; privacy
officers work the queue on the legal clock.

Every change is one call of governance/services/requests.py (or of the exports
service for a package's link): its ValidationError becomes form errors and a 400
with nothing changed; success redirects with a message (POST-redirect-GET).
Progress of a package being built or an erasure running is server-rendered;
portal.js keeps it moving by polling the small status JSON below.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from governance.deadlines import CLOCKS
from governance.models import SCOPED_KINDS, DataRequest, ExportPackage, RequestKind
from governance.selectors.erasure import employee_find, erasure_job_get, my_erasure_get
from governance.selectors.requests import (
    QueueFilters,
    package_percent,
    package_rows_text,
    package_state,
    package_view,
    request_deadline,
    request_failed_package,
    request_for_employee,
    request_for_officer,
    request_history,
    request_package,
    request_ready_package,
    request_state_label,
    requests_for_employee,
    requests_queue,
)
from governance.services import requests as services
from governance.views import request_forms as rf
from governance.views.access import EmployeeRequiredMixin, OfficerRequiredMixin
from governance.views.forms import apply_service_errors, service_error_messages
from governance.views.keyset import keyset_page

State = DataRequest.State
KINDS = frozenset(RequestKind.values)
PAGE_SIZE = 50


def _own_request(user, pk) -> DataRequest:
    """One of the person's own requests; anyone else's is a 404, as if it did not exist."""
    found = request_for_employee(user, pk)
    if found is None:
        raise Http404(_("No such request."))
    return found


def _officer_request(pk) -> DataRequest:
    found = request_for_officer(pk)
    if found is None:
        raise Http404(_("No such request."))
    return found


def _queue_filters(form: rf.QueueFilterForm) -> QueueFilters:
    """The page's filters as the queue selector's: open requests unless a state is chosen."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    state = data.get("state") or rf.OPEN
    return QueueFilters(
        open=True if state == rf.OPEN else None,
        state=None if state in (rf.OPEN, rf.ANY) else state,
        kind=data.get("kind") or None,
        assignee=data.get("assignee") or None,
    )


# --- how a request reads ---------------------------------------------------------------


def scope_label(request: DataRequest) -> str:
    if request.kind not in SCOPED_KINDS:
        return ""
    if not (request.purpose or request.application or request.data_kind):
        return _("All your data")
    kinds = request.data_kind.name if request.data_kind else _("All data")
    app = request.application.name if request.application else _("every application")
    purpose = request.purpose.name if request.purpose else _("every purpose")
    return _("%(kinds)s in %(application)s (%(purpose)s)") % {
        "kinds": kinds,
        "application": app,
        "purpose": purpose,
    }


def _download_url(package: ExportPackage, user) -> str | None:
    """The signed, per-user link, from the exports service (written alongside)."""
    if package is None or package_state(package) != ExportPackage.State.READY:
        return None
    try:
        from governance.services.exports import package_download_url
    except ImportError:  # the exports service is not in this build yet
        return None
    return package_download_url(package, user=user)


def status_json(request: DataRequest) -> JsonResponse:
    """The request's state and its package's progress, nothing about the person: pages poll
    it every few seconds, so an officer's poll is not an audited read (the page was)."""
    package = request_package(request)
    body = {"id": request.pk, "state": request.state, "package": None}
    if package is not None:
        body["package"] = {
            "id": package.pk,
            # As the page reads it, so a package that expires while it is open reloads it.
            "state": package_state(package),
            # portal.js draws a number; before the rows are counted that is 0.
            "percent": package_percent(package) or 0,
            "rows_written": package.rows_written,
            "rows_expected": package.rows_expected,
            "rows_text": package_rows_text(package),
        }
    return JsonResponse(body)


def _file(form, *, employee, actor, **extra) -> tuple[DataRequest, bool] | None:
    """File the form's request; None, with the service's objections on the form, if refused."""
    try:
        return services.request_file(
            employee=employee,
            kind=form.cleaned_data["kind"],
            actor=actor,
            details=form.cleaned_data["details"],
            **form.scope(),
            **extra,
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


# --- the employee's own requests -------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class MyRequestsView(EmployeeRequiredMixin, View):
    """The form that files a request, and the person's requests, newest first."""

    def get(self, request):
        # "Ask for a new copy" links here with the kind chosen.
        kind = request.GET.get("kind")
        return self.render(rf.RequestFileForm(initial={"kind": kind} if kind in KINDS else None))

    def post(self, request):
        form = rf.RequestFileForm(request.POST)
        filing = (
            _file(form, employee=self.employee, actor=request.user) if form.is_valid() else None
        )
        if filing is not None:
            filed, created = filing
            if created:
                messages.success(
                    request,
                    _(
                        "Request #%(number)s received. We answer by %(due)s; we may first "
                        "ask you to prove who you are."
                    )
                    % {"number": filed.pk, "due": f"{filed.due_on:%Y-%m-%d}"},
                )
            else:
                messages.info(
                    request,
                    _(
                        "You already have an open request: %(kind)s (#%(number)s); here it "
                        "is. Nothing new was filed."
                    )
                    % {"kind": filed.get_kind_display(), "number": filed.pk},
                )
            return redirect("my-request", filed.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        # Newest first by id, which is the order they were received in.
        own = requests_for_employee(self.request.user)
        page = keyset_page(own, self.request.GET, key="pk", size=PAGE_SIZE)
        today = timezone.now().date()
        context = {
            "form": form,
            "page": page,
            "rows": [
                {
                    "request": r,
                    "deadline": request_deadline(r, today=today),
                    "state": request_state_label(r, for_person=True),
                }
                for r in page
            ],
            "scoped_kinds": sorted(SCOPED_KINDS),
        }
        return render(self.request, "requests/mine.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class MyRequestView(EmployeeRequiredMixin, View):
    def get(self, request, pk):
        data_request = _own_request(request.user, pk)
        package = request_package(data_request)
        erasure = None
        if data_request.erasure_job_id:
            erasure = my_erasure_get(employee=self.employee, job_id=data_request.erasure_job_id)
        context = {
            "r": data_request,
            "deadline": request_deadline(data_request),
            "personal_state": request_state_label(data_request, for_person=True),
            "scope": scope_label(data_request),
            "history": request_history(data_request, for_person=True),
            "package": package,
            "pv": package_view(package) if package else None,
            "package_percent": (package_percent(package) or 0) if package else 0,
            "download_url": _download_url(package, request.user),
            "erasure": erasure,
            "authority": settings.SUPERVISORY_AUTHORITY,
            "can_withdraw": data_request.is_open and not data_request.erasure_job_id,
        }
        return render(request, "requests/mine_detail.html", context)


class MyRequestWithdrawView(EmployeeRequiredMixin, View):
    def post(self, request, pk):
        data_request = _own_request(request.user, pk)
        try:
            services.request_withdraw(
                request=data_request,
                actor=request.user,
                reason=request.POST.get("reason", "")[: services.MAX_REASON],
            )
        except ValidationError as exc:
            for text in service_error_messages(exc):
                messages.error(request, text)
        else:
            messages.success(
                request,
                _("Request #%(number)s withdrawn. Nothing more is done for it.") % {"number": pk},
            )
        return redirect("my-request", pk)


@method_decorator(never_cache, name="dispatch")
class MyRequestStatusView(EmployeeRequiredMixin, View):
    def get(self, request, pk):
        return status_json(_own_request(request.user, pk))


# --- the privacy office ----------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class QueueView(OfficerRequiredMixin, View):
    """Requests by due date, the most urgent first; open ones unless filtered otherwise."""

    def get(self, request):
        form = rf.QueueFilterForm(request.GET or None, initial={"state": rf.OPEN})
        filters = _queue_filters(form)
        queue = requests_queue(filters, viewer=request.user)
        # Keyset on the queue's own order (due date, then id): no COUNT, no OFFSET.
        page = keyset_page(
            queue, request.GET, key=("due_on", "pk"), size=PAGE_SIZE, descending=False
        )
        today = timezone.now().date()
        context = {
            "filters": form,
            "filtered": bool(
                request.GET.get("state") or filters.kind or filters.assignee is not None
            ),
            "page": page,
            "rows": [{"request": r, "deadline": request_deadline(r, today=today)} for r in page],
        }
        return render(request, "requests/queue.html", context)


class OfficerRequestNewView(OfficerRequiredMixin, View):
    """File a request on someone's behalf: they asked by email, by phone, in person."""

    def get(self, request):
        return self.render(rf.OfficerRequestFileForm())

    def post(self, request):
        form = rf.OfficerRequestFileForm(request.POST)
        filing = None
        if form.is_valid():
            employee = employee_find(identifier=form.cleaned_data["employee"])
            if employee is None:
                form.add_error("employee", _("No employee has this number or work email."))
            else:
                extra = {
                    "identity_check": form.cleaned_data["identity_check"],
                    "received_at": form.cleaned_data["received_at"],
                }
                filing = _file(form, employee=employee, actor=request.user, **extra)
        if filing is not None:
            filed, created = filing
            if created:
                messages.success(
                    request,
                    _("Request #%(number)s filed for %(name)s.")
                    % {"number": filed.pk, "name": employee.display_name},
                )
            else:
                messages.info(
                    request,
                    _(
                        "%(name)s already has this request open (#%(number)s); nothing new was filed."
                    )
                    % {"name": employee.display_name, "number": filed.pk},
                )
            return redirect("officer-request", filed.pk)
        return self.render(form, status=400)

    def render(self, form, status=200):
        return render(self.request, "requests/officer_new.html", {"form": form}, status=status)


COMPLETABLE = (RequestKind.RESTRICTION, RequestKind.RECTIFICATION, RequestKind.OBJECTION)


def allowed_actions(request: DataRequest, today: date | None = None) -> list[str]:
    """The transitions the services allow from where the request is, in working order."""
    today = today or timezone.now().date()
    actions = []
    if request.is_open:
        actions.append("assign")
    if request.state == State.RECEIVED:
        actions.append("identity")
    if request.state in (State.RECEIVED, State.AWAITING_IDENTITY):
        actions.append("verify")
    if request.is_open and not request.extended_days and today <= request.due_on:
        actions.append("extend")
    if request.state == State.IN_PROGRESS and request.kind in COMPLETABLE:
        actions.append("complete")
    if request.is_open and not request.erasure_job_id:
        actions.append("reject")
    if request.state == State.IN_PROGRESS and request_failed_package(request):
        actions.append("rebuild")
    return actions


def complete_form_class(request: DataRequest):
    if request.kind == RequestKind.RESTRICTION:
        return rf.RestrictionCompleteForm
    if request.kind == RequestKind.RECTIFICATION:
        return rf.RectificationCompleteForm
    return rf.OutcomeForm


@method_decorator(never_cache, name="dispatch")
class OfficerRequestView(OfficerRequiredMixin, View):
    """Everything about one request, and a form for each transition allowed from its state.

    Forms post `action=<name>` here; each is prefixed with its name so the page can
    hold several reason fields.
    """

    FORMS = {
        "assign": rf.AssignForm,
        "identity": rf.IdentityAskForm,
        "verify": rf.VerifyForm,
        "extend": rf.ExtendForm,
        "reject": rf.RejectForm,
        "revoke": rf.RevokeForm,
        "rebuild": rf.RebuildForm,
    }

    def get(self, request, pk):
        data_request = _officer_request(pk)
        services.request_viewed(request=data_request, actor=request.user)
        return self.render(data_request)

    def post(self, request, pk):
        data_request = _officer_request(pk)
        action = request.POST.get("action", "")
        allowed = allowed_actions(data_request)
        if action == "revoke" and request_ready_package(data_request):
            allowed.append("revoke")
        if action not in allowed:
            messages.error(request, _("That action is not possible from the request's state."))
            return self.render(data_request, status=400)
        form = self._form(data_request, action, data=request.POST)
        if form.is_valid():
            try:
                text = self.apply(data_request, action, form)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, text)
                return redirect("officer-request", pk)
        return self.render(data_request, bound={action: form}, status=400)

    def apply(self, data_request: DataRequest, action: str, form) -> str:
        data, actor = form.cleaned_data, self.request.user
        if action == "assign":
            services.request_assign(request=data_request, assignee=data["assignee"], actor=actor)
            who = data["assignee"]
            return (
                _("Assigned to %(name)s.") % {"name": who.get_full_name() or who.get_username()}
                if who
                else _("Unassigned.")
            )
        if action == "identity":
            services.request_identity_ask(request=data_request, actor=actor, reason=data["reason"])
            return _("Proof of identity asked for; the deadline is paused until you verify.")
        if action == "verify":
            services.request_verify(
                request=data_request, actor=actor, identity_check=data["identity_check"]
            )
            return _("Identity verified; fulfilment has started.")
        if action == "extend":
            done = services.request_extend(
                request=data_request, actor=actor, days=data["days"], reason=data["reason"]
            )
            return _("Extended by %(days)s days; now due %(due)s.") % {
                "days": data["days"],
                "due": f"{done.due_on:%Y-%m-%d}",
            }
        if action == "reject":
            services.request_reject(request=data_request, actor=actor, reason=data["reason"])
            return _("Rejected; the person is told why and where they may complain.")
        if action == "complete":
            extra = {}
            if data_request.kind == RequestKind.RESTRICTION:
                extra["restrict"] = data["restrict"]
            elif data_request.kind == RequestKind.RECTIFICATION:
                extra["corrections"] = form.corrections(data_request)
            services.request_complete(
                request=data_request, actor=actor, outcome=data["outcome"], **extra
            )
            return _("Completed; the person is told the outcome.")
        if action == "revoke":
            from governance.services.exports import package_revoke

            package_revoke(
                package=request_ready_package(data_request), actor=actor, reason=data["reason"]
            )
            return _("The download link is revoked.")
        if action == "rebuild":
            services.request_package_rebuild(request=data_request, actor=actor)
            return _("The copy is being prepared again.")
        raise AssertionError(action)

    def _form(self, data_request: DataRequest, action: str, data=None):
        if action == "complete":
            form_class = complete_form_class(data_request)
            initial = {}
            if form_class is rf.RectificationCompleteForm:
                initial = rf.RectificationCompleteForm.initial_for(data_request)
            return form_class(data, prefix=action, initial=initial)
        return self.FORMS[action](data, prefix=action)

    def render(self, data_request: DataRequest, *, bound=None, status=200):
        bound = bound or {}
        today = timezone.now().date()
        actions = allowed_actions(data_request, today)
        forms = {name: bound.get(name) or self._form(data_request, name) for name in actions}
        ready = request_ready_package(data_request)
        if ready is not None:
            forms["revoke"] = bound.get("revoke") or self._form(data_request, "revoke")
        clock = CLOCKS[data_request.clock]
        extension_limit = None
        if "extend" in actions:
            extension_limit = clock.extension_limit(data_request.due_on)
        erasure = None
        if data_request.erasure_job_id:
            erasure = erasure_job_get(job_id=data_request.erasure_job_id)
        packages = list(data_request.packages.all())
        context = {
            "r": data_request,
            "deadline": request_deadline(data_request, today=today),
            "scope": scope_label(data_request),
            "clock": clock,
            "extension_note": (
                _(
                    "Up to %(days)s days (until %(until)s) under %(law)s, once, and only "
                    "before the due date. The person is told."
                )
                % {
                    "days": extension_limit,
                    "until": f"{data_request.due_on + timedelta(days=extension_limit):%Y-%m-%d}",
                    "law": clock.label,
                }
                if extension_limit is not None
                else ""
            ),
            "forms": forms,
            "history": request_history(data_request, for_person=False),
            "packages": [package_view(p) for p in packages],
            "building": any(p.state == ExportPackage.State.BUILDING for p in packages),
            "latest_package": package_view(packages[0]) if packages else None,
            "erasure": erasure,
            "status_url": reverse("officer-request-status", args=[data_request.pk]),
        }
        return render(self.request, "requests/officer_detail.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class OfficerRequestStatusView(OfficerRequiredMixin, View):
    def get(self, request, pk):
        return status_json(_officer_request(pk))
