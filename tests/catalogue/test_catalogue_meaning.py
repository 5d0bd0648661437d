"""What a scope means cannot change under people's consent."""

import pytest
from django.core.exceptions import ValidationError

from governance.models import Application, Purpose
from governance.services.catalogue import catalogue_disable, catalogue_update
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.scopes import scope_resolve


def test_slugs_never_change(catalogue, olivia):
    app = catalogue["applications"][0]
    with pytest.raises(ValidationError) as err:
        catalogue_update(app, actor=olivia, slug="renamed")
    assert "slug" in err.value.message_dict
    assert Application.objects.get(pk=app.pk).slug == "vscode"


def test_consented_purpose_cannot_become_prohibited(catalogue, olivia, alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    with pytest.raises(ValidationError) as err:
        catalogue_update(scope.purpose, actor=olivia, use=Purpose.Use.PROHIBITED)
    assert "use" in err.value.message_dict
    assert Purpose.objects.get(pk=scope.purpose.pk).use == Purpose.Use.PERMITTED


def test_consent_to_a_disabled_application_can_still_be_withdrawn(catalogue, olivia, alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    catalogue_disable(scope.application, actor=olivia)
    slugs = scope.as_slugs()
    with pytest.raises(ValidationError):
        scope_resolve(**slugs)
    held = scope_resolve(**slugs, for_withdrawal=True)
    event = consent_withdraw(
        employee=alice.employee, scope=held, actor=alice, context=RequestContext()
    )
    assert event.action == "withdrawn"
