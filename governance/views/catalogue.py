"""Officer pages for what may be recorded: one set of views serves each catalogue kind."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from governance.models import Application, DataKind, Purpose, SafeguardRule
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.selectors import catalogue as selectors
from governance.services.catalogue import catalogue_create, catalogue_disable, catalogue_update
from governance.views.access import OfficerRequiredMixin
from governance.views.forms import (
    ApplicationForm,
    DataKindForm,
    PurposeForm,
    SafeguardForm,
    apply_service_errors,
)


@dataclass(frozen=True)
class CatalogueKind:
    slug: str  # URL segment and url-name prefix
    model: type[models.Model]
    form: type[forms.ModelForm]
    title: str  # lazy, like singular, the headings and intro: read in the reader's language
    singular: str
    rows: Callable[[], Iterable[models.Model]]  # the selector listing them
    columns: tuple[tuple[str, str], ...]  # (attribute, heading)
    intro: str


KINDS = [
    CatalogueKind(
        slug="applications",
        model=Application,
        form=ApplicationForm,
        title=_("Applications"),
        singular=_("application"),
        rows=selectors.applications_list,
        columns=(
            ("name", _("Name")),
            ("slug", _("Slug")),
            ("identifiers", _("Executables / bundle ids")),
        ),
        intro=_(
            "The applications the capture client may record. Disabled applications are "
            "never offered for consent and nothing from them is stored."
        ),
    ),
    CatalogueKind(
        slug="data-kinds",
        model=DataKind,
        form=DataKindForm,
        title=_("Data kinds"),
        singular=_("data kind"),
        rows=selectors.data_kinds_list,
        columns=(("name", _("Name")), ("slug", _("Slug")), ("pii_category", _("PII category"))),
        intro=_("The kinds of interaction the capture client records."),
    ),
    CatalogueKind(
        slug="purposes",
        model=Purpose,
        form=PurposeForm,
        title=_("Purposes"),
        singular=_("purpose"),
        rows=selectors.purposes_list,
        columns=(("name", _("Name")), ("slug", _("Slug")), ("get_use_display", _("Use"))),
        intro=_("Why data is processed — and, as prohibited purposes, what it must never serve."),
    ),
    CatalogueKind(
        slug="safeguards",
        model=SafeguardRule,
        form=SafeguardForm,
        title=_("Safeguards"),
        singular=_("safeguard"),
        rows=selectors.safeguards_list,
        columns=(("name", _("Name")), ("get_kind_display", _("Kind")), ("setting", _("Setting"))),
        intro=format_lazy(
            _(
                "Rules applied before anything is stored: excluded applications and window "
                "titles, redaction of personal data typed as text, keystroke-timing coarsening "
                "(never finer than {floor} ms, whatever a rule says)."
            ),
            floor=KEY_TIMING_FLOOR_MS,
        ),
    ),
]


def _cell(obj, attribute: str):
    if attribute == "setting":
        return (
            obj.application
            or obj.pattern
            or obj.get_detector_display()
            or (f"{obj.resolution_ms} ms" if obj.resolution_ms else "")
        )
    value = getattr(obj, attribute)
    value = value() if callable(value) else value
    return ", ".join(value) if isinstance(value, list) else value


class CatalogueListView(OfficerRequiredMixin, View):
    kind: CatalogueKind = None

    def get(self, request):
        rows = [
            {"obj": obj, "cells": [_cell(obj, attr) for attr, _heading in self.kind.columns]}
            for obj in self.kind.rows()
        ]
        return render(request, "catalogue/list.html", {"kind": self.kind, "rows": rows})


class CatalogueFormView(OfficerRequiredMixin, View):
    """Create (no pk) or edit (pk): the form validates, the service writes."""

    kind: CatalogueKind = None

    def get(self, request, pk=None):
        instance = self._instance(pk)
        return self.render(self.kind.form(instance=instance), instance)

    def post(self, request, pk=None):
        instance = self._instance(pk)
        # The form validates a scratch copy; the service re-reads and writes the row.
        scratch = type(instance).objects.get(pk=pk) if instance else None
        form = self.kind.form(request.POST, instance=scratch)
        if form.is_valid():
            try:
                if instance is None:
                    obj = catalogue_create(self.kind.model, actor=request.user, **form.cleaned_data)
                else:
                    obj = catalogue_update(instance, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                done = (
                    gettext("Created %(kind)s “%(name)s”.")
                    if instance is None
                    else gettext("Saved %(kind)s “%(name)s”.")
                )
                messages.success(request, done % {"kind": self.kind.singular, "name": obj})
                return redirect(f"officer-{self.kind.slug}")
        return self.render(form, instance, status=400)

    def _instance(self, pk):
        return None if pk is None else get_object_or_404(self.kind.model, pk=pk)

    def render(self, form, instance, status=200):
        context = {"kind": self.kind, "form": form, "instance": instance}
        return render(self.request, "catalogue/form.html", context, status=status)


class CatalogueToggleView(OfficerRequiredMixin, View):
    """POST enabled=0 disables, enabled=1 enables again; nothing is ever deleted."""

    kind: CatalogueKind = None
    http_method_names = ["post"]

    def post(self, request, pk):
        instance = get_object_or_404(self.kind.model, pk=pk)
        enable = request.POST.get("enabled") == "1"
        try:
            if enable:
                catalogue_update(instance, actor=request.user, enabled=True)
            else:
                catalogue_disable(instance, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            done = (
                gettext("Enabled %(kind)s “%(name)s”.")
                if enable
                else gettext("Disabled %(kind)s “%(name)s”.")
            )
            messages.success(request, done % {"kind": self.kind.singular, "name": instance})
        return redirect(f"officer-{self.kind.slug}")


def catalogue_urls() -> list:
    patterns = []
    for kind in KINDS:
        base = f"officer/{kind.slug}/"
        name = f"officer-{kind.slug}"
        patterns += [
            path(base, CatalogueListView.as_view(kind=kind), name=name),
            path(f"{base}new/", CatalogueFormView.as_view(kind=kind), name=f"{name}-new"),
            path(
                f"{base}<int:pk>/edit/", CatalogueFormView.as_view(kind=kind), name=f"{name}-edit"
            ),
            path(
                f"{base}<int:pk>/enabled/",
                CatalogueToggleView.as_view(kind=kind),
                name=f"{name}-toggle",
            ),
        ]
    return patterns
