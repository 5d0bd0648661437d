"""The reports page (legal; privacy officers for the kinds they may have): ask for a
report, follow its progress, download it through a signed link only its requester can
use. A link not valid for the signed-in person is 404; one that is over is 410."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from governance import reports as registry
from governance.models import Report
from governance.reports.base import FORMAT_LABELS
from governance.selectors.reports import reports_of
from governance.services.reports import (
    ReportGone,
    ReportNotFound,
    report_download_open,
    report_download_url,
    report_percent,
    report_request,
)
from governance.views.access import AuditorRequiredMixin
from governance.views.forms import apply_service_errors

SHOWN = 50


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of report"))
    # Not required here: a kind without a period takes none, and the service names a
    # missing day for the kinds that need one.
    vars()["from"] = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    to = forms.DateField(
        label=gettext_lazy("To"), required=False,
        help_text=gettext_lazy(
            "Whole days in UTC, both included (the record of processing activities "
            "takes no period: it is as of its making)."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    format = forms.ChoiceField(label=gettext_lazy("Format"))
    subject = forms.CharField(
        label=gettext_lazy("Whose data (access report)"), required=False, max_length=254,
        help_text=gettext_lazy("An employee number or work email; empty for everyone."),
    )  # fmt: skip
    accessor = forms.CharField(
        label=gettext_lazy("Who accessed it (access report)"), required=False, max_length=254,
        help_text=gettext_lazy("A user's email; empty for everyone."),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = registry.kinds_for(user)
        self.fields["kind"].choices = [(k.key, k.title) for k in kinds]
        formats = sorted({f for k in kinds for f in k.formats}, key=list(FORMAT_LABELS).index)
        self.fields["format"].choices = [(f, FORMAT_LABELS[f]) for f in formats]
        # For reports.js: offer only the chosen kind's formats (the service still refuses
        # any other).
        self.fields["kind"].widget.attrs["data-formats"] = json.dumps(
            {k.key: list(k.formats) for k in kinds}
        )
        if not self.is_bound:
            today = timezone.now().date()
            self.initial.setdefault("from", today.replace(month=1, day=1))
            self.initial.setdefault("to", today)


def _rows(user) -> list[dict]:
    return [
        {
            "report": report,
            "title": getattr(registry.kind(report.kind), "title", report.kind),
            "format": FORMAT_LABELS.get(report.format, report.format),
            "percent": report_percent(report),
            "download_url": report_download_url(report, user=user)
            if report.state == Report.State.READY
            else None,
        }
        for report in reports_of(user=user)[:SHOWN]
    ]


@method_decorator(never_cache, name="dispatch")
class ReportsPageView(AuditorRequiredMixin, View):
    def get(self, request):
        return self.render(ReportForm(user=request.user))

    def post(self, request):
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            filters = {k: data[k] for k in ("subject", "accessor") if data.get(k)}
            try:
                report = report_request(
                    actor=request.user,
                    kind=data["kind"],
                    date_from=data["from"],
                    date_to=data["to"],
                    format=data["format"],
                    filters=filters,
                )
            except PermissionDenied as exc:
                form.add_error("kind", str(exc))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Report #%(number)s is being built.") % {"number": report.pk}
                )
                return redirect("legal-reports")
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {
            "form": form,
            "rows": _rows(self.request.user),
            "kinds": registry.kinds_for(self.request.user),
        }
        return render(self.request, "reports/reports.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class ReportsStatusView(AuditorRequiredMixin, View):
    """What the page's progress bars poll: my reports' states and progress, nothing more."""

    def get(self, request):
        reports = [
            {"id": r.pk, "state": r.state, "percent": report_percent(r), "rows": r.rows_written}
            for r in reports_of(user=request.user)[:SHOWN]
        ]
        return JsonResponse({"reports": reports})


class ReportDownloadView(AuditorRequiredMixin, View):
    http_method_names = ["get"]  # not HEAD: every GET is a download, audited

    def get(self, request, token: str):
        try:
            report, file = report_download_open(token=token, user=request.user)
        except ReportNotFound:
            return render(request, "reports/not_found.html", status=404)
        except ReportGone as gone:
            return render(request, "reports/gone.html", {"reason": str(gone)}, status=410)
        extension = registry.FORMATS[report.format][1]
        response = FileResponse(
            file,
            as_attachment=True,
            filename=f"{report.kind}-report-{report.params['from']}-{report.params['to']}"
            f"-{report.pk}.{extension}",
            content_type=registry.FORMATS[report.format][0],
        )
        response["Cache-Control"] = "private, no-store"
        return response
