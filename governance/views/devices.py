"""Capture devices: register (token shown once, never stored) and revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from governance.models import CaptureDevice
from governance.selectors.catalogue import devices_list
from governance.services.devices import device_create, device_revoke
from governance.views.access import OfficerRequiredMixin
from governance.views.context import token_shown
from governance.views.forms import DeviceForm, apply_service_errors


@method_decorator(never_cache, name="dispatch")
class DeviceListView(OfficerRequiredMixin, View):
    def get(self, request):
        return self.render(DeviceForm())

    def post(self, request):
        form = DeviceForm(request.POST)
        if form.is_valid():
            try:
                device, token = device_create(name=form.cleaned_data["name"], actor=request.user)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                # Rendered, not redirected: the token exists only in this response.
                return render(request, "devices/created.html", token_shown(device, token))
        return self.render(form, status=400)

    def render(self, form, status=200):
        context = {"form": form, "devices": devices_list()}
        return render(self.request, "devices/list.html", context, status=status)


class DeviceRevokeView(OfficerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        device = get_object_or_404(CaptureDevice, pk=pk)
        device_revoke(device=device, actor=request.user)
        messages.success(
            request, _("Revoked “%(name)s”. Its token no longer works.") % {"name": device.name}
        )
        return redirect("officer-devices")
