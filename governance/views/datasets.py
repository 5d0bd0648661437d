"""Training pipelines (register: token shown once; revoke) and dataset snapshots (define,
watch the build, read the manifest)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from governance.models import DatasetSnapshot, TrainingPipeline
from governance.selectors.datasets import (
    datasets_visible,
    models_flagged,
    models_list,
    pipelines_list,
)
from governance.services.datasets import dataset_request
from governance.services.pipelines import pipeline_create, pipeline_revoke
from governance.views.access import OfficerRequiredMixin
from governance.views.context import token_shown
from governance.views.forms import DatasetForm, PipelineForm, apply_service_errors

SHOWN = 50


def _slugs(rows) -> list[str]:
    return [row.slug for row in rows]


@method_decorator(never_cache, name="dispatch")
class PipelineListView(OfficerRequiredMixin, View):
    def get(self, request):
        return self.render(PipelineForm())

    def post(self, request):
        form = PipelineForm(request.POST)
        if form.is_valid():
            try:
                pipeline, token = pipeline_create(
                    name=form.cleaned_data["name"],
                    purposes=_slugs(form.cleaned_data["purposes"]),
                    actor=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                # Rendered, not redirected: the token exists only in this response.
                context = token_shown(pipeline, token)
                return render(request, "datasets/pipeline_created.html", context)
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {"form": form, "pipelines": pipelines_list()}
        return render(self.request, "datasets/pipelines.html", context, status=status)


class PipelineRevokeView(OfficerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        pipeline = get_object_or_404(TrainingPipeline, pk=pk)
        pipeline_revoke(pipeline=pipeline, actor=request.user)
        messages.success(
            request, _("Revoked “%(name)s”. Its token no longer works.") % {"name": pipeline.name}
        )
        return redirect("officer-pipelines")


@method_decorator(never_cache, name="dispatch")
class DatasetListView(OfficerRequiredMixin, View):
    def get(self, request):
        return self.render(DatasetForm())

    def post(self, request):
        form = DatasetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dataset = dataset_request(
                    actor=request.user,
                    purpose=data["purpose"].slug,
                    applications=_slugs(data["applications"]),
                    data_kinds=_slugs(data["data_kinds"]),
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Dataset #%(number)s is being built.") % {"number": dataset.pk}
                )
                return redirect("officer-datasets")
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {
            "form": form,
            "datasets": datasets_visible(pipeline=None).select_related("pipeline")[:SHOWN],
        }
        return render(self.request, "datasets/datasets.html", context, status=status)


@method_decorator(never_cache, name="dispatch")
class DatasetStatusView(OfficerRequiredMixin, View):
    """What datasets.js polls while a snapshot is being built."""

    def get(self, request):
        rows = DatasetSnapshot.objects.only("pk", "state", "rows_written", "rows_expected")[:SHOWN]
        body = [
            {"id": d.pk, "state": d.state, "percent": d.percent, "rows": d.rows_written}
            for d in rows
        ]
        return JsonResponse({"datasets": body})


@method_decorator(never_cache, name="dispatch")
class ModelListView(OfficerRequiredMixin, View):
    def get(self, request):
        context = {"models": models_list()[:SHOWN], "flagged": models_flagged()}
        return render(request, "datasets/models.html", context)
