from django.core.management import call_command

from governance.models import ConsentEvent, Employee, Notice
from governance.services.audit import audit_verify


def test_seed_demo_builds_a_company_and_is_safe_to_run_again(db, capsys, monkeypatch):
    monkeypatch.setenv("PORTAL_DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", people=12)
    out = capsys.readouterr().out
    assert "employee@example.com" in out and "demo-pass-123" in out
    assert "council@example.com" in out and "Works council" in out
    employees, events = Employee.objects.count(), ConsentEvent.objects.count()
    assert employees == 12 and events > 0
    assert Notice.objects.filter(status="published").count() == 1
    assert len({e.department for e in Employee.objects.all()}) > 1
    call_command("seed_demo", people=12)
    assert (Employee.objects.count(), ConsentEvent.objects.count()) == (employees, events)
    assert audit_verify().ok
    from django.contrib.auth import authenticate

    assert authenticate(username="officer@example.com", password="demo-pass-123")
    council = authenticate(username="council@example.com", password="demo-pass-123")
    assert council.groups.filter(name="works_council").exists()
    assert not Employee.objects.filter(user=council).exists()
