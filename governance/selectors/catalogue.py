from governance.models import Application, CaptureDevice, DataKind, Purpose, SafeguardRule


def applications_list(*, enabled: bool | None = None):
    qs = Application.objects.all()
    return qs if enabled is None else qs.filter(enabled=enabled)


def data_kinds_list(*, enabled: bool | None = None):
    qs = DataKind.objects.all()
    return qs if enabled is None else qs.filter(enabled=enabled)


def purposes_list(*, enabled: bool | None = None):
    qs = Purpose.objects.all()
    return qs if enabled is None else qs.filter(enabled=enabled)


def safeguards_list():
    return SafeguardRule.objects.select_related("application")


def devices_list(*, active: bool | None = None):
    qs = CaptureDevice.objects.select_related("created_by", "revoked_by")
    if active is None:
        return qs
    return qs.filter(revoked_at__isnull=active)
