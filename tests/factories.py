"""Builders for test data, going through the same services the product uses."""

import itertools

from django.contrib.auth import get_user_model

from governance.models import Application, DataKind, Employee, Purpose, Role
from governance.services.notices import notice_create, notice_publish
from governance.services.people import user_role_grant
from governance.services.retention import retention_policy_create
from governance.stores import REGISTRY

_numbers = itertools.count(1000)
PASSWORD = "correct-horse-battery-staple"


def make_user(email: str, *, roles=(Role.EMPLOYEE,), employee=True, **employee_fields):
    user = get_user_model().objects.create_user(
        username=email,
        email=email,
        password=PASSWORD,
        first_name=email.split("@")[0].capitalize(),
    )
    for role in roles:
        user_role_grant(user=user, role=role)
    if employee:
        Employee.objects.create(
            user=user,
            employee_number=employee_fields.pop("employee_number", f"E{next(_numbers)}"),
            department=employee_fields.pop("department", "Engineering"),
            country=employee_fields.pop("country", "DE"),
            **employee_fields,
        )
    return user


def make_catalogue() -> dict:
    purpose = Purpose.objects.create(
        slug="train-computer-use-models",
        name="Train computer-use models",
        description="Teach AI models to operate computers from how people use them.",
    )
    prohibited = Purpose.objects.create(
        slug="performance-evaluation",
        name="Performance evaluation",
        use=Purpose.Use.PROHIBITED,
        description="Judging an individual's work. Never permitted.",
    )
    apps = [
        Application.objects.create(slug="vscode", name="Visual Studio Code", identifiers=["code"]),
        Application.objects.create(
            slug="calc", name="LibreOffice Calc", identifiers=["soffice.bin"]
        ),
    ]
    # A committing test's flush also empties the rows the migrations seeded.
    for slug in ("click", "key", "menu", "pointer", "scroll", "window_focus"):
        DataKind.objects.get_or_create(slug=slug, defaults={"name": slug.replace("_", " ").title()})
    kinds = list(DataKind.objects.order_by("slug"))
    return {"purpose": purpose, "prohibited": prohibited, "applications": apps, "kinds": kinds}


BASELINE_KEEP_DAYS = 365


def cover_retention(actor) -> list:
    """One policy per store an officer's policy bounds, for every purpose, application and
    kind: what a notice needs before it can be published (storage limitation)."""
    return [
        retention_policy_create(
            actor=actor, name=f"Baseline: {name}", store=name, keep_days=BASELINE_KEEP_DAYS
        )
        for name, store in REGISTRY.items()
        if store.retained
    ]


def publish_notice(
    actor, catalogue: dict, *, material: bool = False, body: str | None = None, effective_at=None
):
    """Publish a notice over the whole catalogue; `effective_at` defaults to now."""
    extra = {"effective_at": effective_at} if effective_at is not None else {}
    notice = notice_create(
        actor=actor,
        title="Recording how you use your computer",
        body=body or "We record keystrokes, pointer movement and menus in the listed apps.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        material_change=material,
        **extra,
    )
    return notice_publish(notice=notice, actor=actor)
