"""Demo data: a small company with a catalogue, a published notice and a mix of consents.

Safe to run again: people and catalogue rows are matched by their keys, and
consents are seeded only while nobody has any consent history.
"""

import random
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import (
    Application,
    ConsentEvent,
    DataKind,
    Employee,
    Notice,
    Purpose,
    RetentionPolicy,
    Role,
    SafeguardRule,
)
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.notices import notice_create, notice_publish
from governance.services.people import roles_ensure, user_role_grant
from governance.services.retention import retention_policy_create
from governance.services.scopes import Scope

DEMO_LOGINS = [
    ("employee@example.com", "Erin", "Employee", (Role.EMPLOYEE,)),
    ("officer@example.com", "Omar", "Officer", (Role.EMPLOYEE, Role.PRIVACY_OFFICER)),
    ("legal@example.com", "Lena", "Legal", (Role.EMPLOYEE, Role.LEGAL)),
    ("admin@example.com", "Adam", "Admin", (Role.ADMIN,)),
    ("council@example.com", "Carla", "Council", (Role.WORKS_COUNCIL,)),
]
DEMO_EMAILS = {email for email, *_ in DEMO_LOGINS}
# One policy per store an officer bounds, for every purpose: raw events go soonest.
DEMO_RETENTION = [
    ("Raw interaction events: 90 days", "events", 90),
    ("Session summaries: 1 year", "sessions", 365),
    ("Daily activity counts: 1 year", "activity", 365),
]
DEPARTMENTS = ["Engineering", "Finance", "Sales", "Support", "Design", "Operations"]
COUNTRIES = [("DE", ""), ("FR", ""), ("GB", ""), ("NL", ""), ("US", "CA"), ("ES", "")]
FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Femi",
    "Gus",
    "Hana",
    "Ivo",
    "Jia",
    "Kai",
    "Lea",
    "Mo",
    "Nia",
    "Oto",
    "Pia",
    "Quin",
    "Raj",
    "Sia",
    "Tom",
]
LAST = [
    "Abe",
    "Berg",
    "Cruz",
    "Diaz",
    "Eng",
    "Fox",
    "Gil",
    "Holm",
    "Ito",
    "Jung",
    "Kim",
    "Lund",
    "Moss",
    "Ngo",
    "Orr",
    "Park",
]

APPLICATIONS = [
    ("vscode", "Visual Studio Code", ["code", "com.microsoft.VSCode"]),
    ("calc", "LibreOffice Calc", ["soffice.bin", "org.libreoffice.script"]),
    ("firefox", "Firefox", ["firefox", "org.mozilla.firefox"]),
    ("terminal", "Terminal", ["gnome-terminal-server", "com.apple.Terminal"]),
    ("thunderbird", "Thunderbird", ["thunderbird", "org.mozilla.thunderbird"]),
    ("password-manager", "1Password", ["1password", "com.1password.1password"]),
]
PURPOSES = [
    (
        "train-computer-use-models",
        "Train computer-use models",
        Purpose.Use.PERMITTED,
        "Teach AI models to operate computers from how people use applications.",
    ),
    (
        "evaluate-computer-use-models",
        "Evaluate computer-use models",
        Purpose.Use.PERMITTED,
        "Measure how well trained models reproduce real workflows.",
    ),
    (
        "performance-evaluation",
        "Performance evaluation of employees",
        Purpose.Use.PROHIBITED,
        "Judging any individual's work, speed or attendance. Never permitted.",
    ),
    (
        "disciplinary-monitoring",
        "Disciplinary monitoring",
        Purpose.Use.PROHIBITED,
        "Looking for misconduct in anyone's activity. Never permitted.",
    ),
]
NOTICE_BODY = """We would like to record how you use a few applications at work - keystrokes, \
pointer movement, clicks, scrolling, menu choices and which window has focus - to train and \
evaluate AI models that operate computers.

Recording is off unless you turn it on, per application and kind of data. Saying no, or \
changing your mind later, has no effect on your job, your reviews or your pay: the data is \
never used to evaluate you, and your manager cannot see your choice.

Before anything is stored, password fields are dropped, excluded applications are ignored, \
and card numbers, national ids, email addresses, phone numbers, IBANs and secrets you type \
are replaced by a marker. Window titles are kept only as a keyed hash.

You can see what is kept about you, withdraw and have it erased at any time on this \
portal, and under My requests ask for a copy to download. Every change you make gives you a \
signed receipt."""


@dataclass
class DemoResult:
    password: str
    password_generated: bool
    employees: int
    consents_seeded: bool


def demo_password() -> tuple[str, bool]:
    """PORTAL_DEMO_PASSWORD, else one generated on first use and kept under .data/."""
    import os

    if os.environ.get("PORTAL_DEMO_PASSWORD"):
        return os.environ["PORTAL_DEMO_PASSWORD"], False
    path = settings.DATA_DIR / "demo_password"
    if path.exists():
        return path.read_text().strip(), False
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password)
    path.chmod(0o600)
    return password, True


def _person(email, first, last, roles, *, number, department, country, region, password_hash):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email,
        defaults={
            "email": email,
            "first_name": first,
            "last_name": last,
            "password": password_hash,
        },
    )
    if not created and user.password != password_hash and email in DEMO_EMAILS:
        user.password = password_hash
        user.save(update_fields=["password"])
    for role in roles:
        user_role_grant(user=user, role=role)
    if Role.ADMIN in roles:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if Role.EMPLOYEE not in roles:
        return user  # the admin and the works council login are not recorded people
    Employee.objects.get_or_create(
        user=user,
        defaults={
            "employee_number": number,
            "department": department,
            "country": country,
            "region": region,
        },
    )
    return user


def _catalogue(officer):
    for slug, name, identifiers in APPLICATIONS:
        Application.objects.get_or_create(
            slug=slug, defaults={"name": name, "identifiers": identifiers}
        )
    for slug, name, use, description in PURPOSES:
        Purpose.objects.get_or_create(
            slug=slug, defaults={"name": name, "use": use, "description": description}
        )
    rules = [
        {
            "kind": SafeguardRule.Kind.EXCLUDED_APPLICATION,
            "name": "Never record the password manager",
            "application": Application.objects.get(slug="password-manager"),
        },
        {
            "kind": SafeguardRule.Kind.WINDOW_TITLE_PATTERN,
            "name": "Banking, payroll and health windows",
            "pattern": r"(?i)\b(bank|payroll|salary|medical|health)\b",
        },
        {
            "kind": SafeguardRule.Kind.KEYSTROKE_TIMING,
            "name": "Coarsen keystroke timing",
            "resolution_ms": 50,
        },
        *[
            {"kind": SafeguardRule.Kind.REDACTION_DETECTOR, "name": label, "detector": value}
            for value, label in SafeguardRule.Detector.choices
        ],
    ]
    for rule in rules:
        SafeguardRule.objects.get_or_create(kind=rule["kind"], name=rule["name"], defaults=rule)
    retention_policies_seed(officer)
    if not Notice.objects.filter(status=Notice.Status.PUBLISHED).exists():
        notice = notice_create(
            actor=officer,
            title="Recording how you use your computer, to train AI models",
            body=NOTICE_BODY,
            purposes=list(Purpose.objects.filter(use=Purpose.Use.PERMITTED)),
            applications=list(Application.objects.exclude(slug="password-manager")),
            data_kinds=list(DataKind.objects.all()),
            material_change=True,
        )
        notice_publish(notice=notice, actor=officer)


def retention_policies_seed(officer) -> None:
    """The demo's retention policies, each once by name: a notice is published only over
    data some policy bounds."""
    for name, store, keep_days in DEMO_RETENTION:
        if not RetentionPolicy.objects.filter(name=name).exists():
            retention_policy_create(actor=officer, name=name, store=store, keep_days=keep_days)


def _consents(employees, rng: random.Random):
    notice = Notice.objects.filter(status=Notice.Status.PUBLISHED).order_by("-version").first()
    # Capture runs under the default ingest purpose: that is the consent that matters.
    purposes = sorted(
        notice.purposes.all(), key=lambda p: p.slug != settings.INGEST_DEFAULT_PURPOSE
    )
    applications = list(notice.applications.all())
    kinds = list(notice.data_kinds.all())
    context = RequestContext(ip_address="127.0.0.1", user_agent="demo seed")
    for employee in employees:
        willingness = rng.choice([0.0, 0.2, 0.5, 0.8, 1.0])
        for application in applications:
            if rng.random() > willingness:
                continue
            for kind in kinds:
                if rng.random() < 0.85:
                    scope = Scope(purposes[0], application, kind)
                    consent_grant(
                        employee=employee, scope=scope, actor=employee.user, context=context
                    )
        if rng.random() < 0.15:
            granted = employee.consent_states.filter(state="granted").select_related(
                "purpose", "application", "data_kind"
            )
            first = granted.first()
            if first:
                consent_withdraw(
                    employee=employee,
                    scope=Scope(first.purpose, first.application, first.data_kind),
                    actor=employee.user,
                    context=context,
                )


DEMO_REQUESTS = (
    ("access", "Please send me a copy of everything you keep about my computer use."),
    ("rectification", "My department is wrong: I moved to Research in March."),
    ("erasure", "I left the recording programme; please erase what was recorded."),
)


def _requests(employees, officer) -> None:
    """A few requests from people of the company, so the officers' queue shows its work."""
    from governance.services.requests import request_file, request_identity_ask

    others = [e for e in employees if e.employee_number.startswith("E")]
    for employee, (kind, details) in zip(others, DEMO_REQUESTS, strict=False):
        request, _ = request_file(
            employee=employee, kind=kind, actor=employee.user, details=details
        )
        if kind == "rectification":
            request_identity_ask(
                request=request,
                actor=officer,
                reason="Please confirm from your work email account that this request is yours.",
            )


def _demo_password_hash(password: str) -> str:
    """Reuse the stored hash while the password is unchanged, so reseeding stays fast."""
    from django.contrib.auth.hashers import check_password, make_password

    existing = (
        get_user_model()
        .objects.filter(username=DEMO_LOGINS[0][0])
        .values_list("password", flat=True)
        .first()
    )
    if existing and check_password(password, existing):
        return existing
    return make_password(password)


def demo_seed(*, people: int = 50, seed: int = 7) -> DemoResult:
    password, generated = demo_password()
    # One hash for everyone: hashing is deliberately slow, and these are demo accounts.
    password_hash = _demo_password_hash(password)
    rng = random.Random(seed)
    with transaction.atomic():
        roles_ensure()
        logins = []
        for index, (email, first, last, roles) in enumerate(DEMO_LOGINS):
            logins.append(
                _person(
                    email,
                    first,
                    last,
                    roles,
                    number=f"D{index + 1:03d}",
                    department=DEPARTMENTS[index % len(DEPARTMENTS)],
                    country="DE",
                    region="",
                    password_hash=password_hash,
                )
            )
        officer = logins[1]
        for index in range(people - 3):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            country, region = rng.choice(COUNTRIES)
            _person(
                f"{first}.{last}.{index}@example.com".lower(),
                first,
                last,
                (Role.EMPLOYEE,),
                number=f"E{index + 1:04d}",
                department=rng.choice(DEPARTMENTS),
                country=country,
                region=region,
                password_hash=password_hash,
            )
        _catalogue(officer)
        employees = list(Employee.objects.select_related("user").order_by("employee_number"))
        managers = {dept: None for dept in DEPARTMENTS}
        for employee in employees:
            manager = managers.get(employee.department)
            if manager is None:
                managers[employee.department] = employee
            elif employee.manager_id is None:
                employee.manager = manager
                employee.save(update_fields=["manager"])
        seeded = not ConsentEvent.objects.exists()
        if seeded:
            _consents(employees, rng)
            _requests(employees, officer)
    return DemoResult(password, generated, len(employees), seeded)
