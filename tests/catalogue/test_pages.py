"""Officer catalogue pages: the form validates, the service writes and audits."""

import re

from governance.models import Application, AuditEvent, DataKind, Purpose, SafeguardRule


def audit_actions(prefix: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_officer_creates_an_application_through_the_form(as_user, olivia, catalogue):
    client = as_user(olivia)
    data = {"name": "Firefox", "slug": "firefox", "identifiers": "firefox\norg.mozilla.firefox"}
    response = client.post("/officer/applications/new/", data, follow=True)
    app = Application.objects.get(slug="firefox")
    assert app.identifiers == ["firefox", "org.mozilla.firefox"]
    assert app.enabled
    assert audit_actions("catalogue.application.") == ["catalogue.application.created"]
    body = response.content.decode()
    assert "Created application “Firefox”." in body
    assert f'data-id="{app.pk}" data-enabled="true"' in body


def test_duplicate_slug_is_shown_on_the_form_and_nothing_is_written(as_user, olivia, catalogue):
    client = as_user(olivia)
    response = client.post("/officer/applications/new/", {"name": "Other", "slug": "vscode"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Application with this Slug already exists." in body
    assert "Nothing was saved." in body
    assert Application.objects.filter(slug="vscode").count() == 1
    assert not audit_actions("catalogue.")


def test_invalid_safeguard_pattern_shows_the_service_error(as_user, olivia, catalogue):
    client = as_user(olivia)
    data = {"kind": "window_title_pattern", "name": "Banking", "pattern": "(unclosed"}
    response = client.post("/officer/safeguards/new/", data)
    assert response.status_code == 400
    assert "Not a valid regular expression" in response.content.decode()
    assert not SafeguardRule.objects.exists()
    assert not audit_actions("catalogue.")


def test_excluded_application_rule_needs_an_application(as_user, olivia, catalogue):
    data = {"kind": "excluded_application", "name": "No banking app"}
    response = as_user(olivia).post("/officer/safeguards/new/", data)
    assert response.status_code == 400
    assert "Choose the application to exclude." in response.content.decode()
    assert not SafeguardRule.objects.exists()


def test_officer_edits_a_data_kind(as_user, olivia, catalogue):
    kind = DataKind.objects.get(slug="scroll")
    data = {"name": "Scrolling", "slug": "scroll", "description": "Wheel deltas only."}
    data["pii_category"] = "Behavioural data"
    response = as_user(olivia).post(f"/officer/data-kinds/{kind.pk}/edit/", data)
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.description == "Wheel deltas only."
    event = AuditEvent.objects.get(action="catalogue.datakind.updated")
    assert event.details == {"fields": {"description": "Wheel deltas only."}}


def test_edit_form_shows_current_values(as_user, olivia, catalogue):
    app = catalogue["applications"][0]
    body = as_user(olivia).get(f"/officer/applications/{app.pk}/edit/").content.decode()
    assert 'value="Visual Studio Code"' in body
    assert ">\ncode</textarea>" in body


def test_disable_and_enable_go_through_the_service(as_user, olivia, catalogue):
    purpose = catalogue["purpose"]
    client = as_user(olivia)
    client.post(f"/officer/purposes/{purpose.pk}/enabled/", {"enabled": "0"})
    purpose.refresh_from_db()
    assert not purpose.enabled
    response = client.post(
        f"/officer/purposes/{purpose.pk}/enabled/", {"enabled": "1"}, follow=True
    )
    purpose.refresh_from_db()
    assert purpose.enabled
    assert audit_actions("catalogue.purpose.") == [
        "catalogue.purpose.disabled",
        "catalogue.purpose.enabled",
    ]
    assert "Enabled purpose" in response.content.decode()


def test_lists_show_every_kind(as_user, olivia, catalogue):
    client = as_user(olivia)
    assert "LibreOffice Calc" in client.get("/officer/applications/").content.decode()
    assert "Window focus" in client.get("/officer/data-kinds/").content.decode()
    purposes = client.get("/officer/purposes/").content.decode()
    assert "Performance evaluation" in purposes and "Prohibited" in purposes
    assert Purpose.objects.count() == 2


def test_unknown_catalogue_row_is_404(as_user, olivia, catalogue):
    assert as_user(olivia).get("/officer/applications/999999/edit/").status_code == 404


def test_slug_is_fixed_once_created(as_user, olivia, catalogue):
    app = catalogue["applications"][0]
    client = as_user(olivia)
    form = client.get(f"/officer/applications/{app.pk}/edit/").content.decode()
    assert re.search(r'<input[^>]*name="slug"[^>]*disabled', form)
    data = {"name": "VS Code", "slug": "renamed", "identifiers": "code"}
    assert client.post(f"/officer/applications/{app.pk}/edit/", data).status_code == 302
    app.refresh_from_db()
    assert (app.slug, app.name) == ("vscode", "VS Code")
