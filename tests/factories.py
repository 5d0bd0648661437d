"""Builders for test data, going through the same services the product uses."""

import itertools
from contextlib import contextmanager

from django.contrib.auth import get_user_model

from governance.models import Application, DataKind, Employee, Purpose, RetentionPolicy, Role
from governance.services.notices import notice_create, notice_publish
from governance.services.people import user_role_grant
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


def retention_baseline() -> list[RetentionPolicy]:
    """One policy per store an officer's policy bounds, for every purpose, application and
    kind (written without the service: no audit row): what a notice needs to be published."""
    return [
        RetentionPolicy.objects.create(name=f"Baseline: {name}", store=name, keep_days=365)
        for name, store in REGISTRY.items()
        if store.retained
    ]


@contextmanager
def retention_covered():
    """The baseline policies within the block only: a notice is published only over data
    some policy bounds, and the tests of every domain then see only the policies they set
    themselves."""
    baseline = retention_baseline()
    try:
        yield baseline
    finally:
        RetentionPolicy.objects.filter(pk__in=[p.pk for p in baseline]).delete()


def draft_notice(actor, catalogue: dict, **fields):
    """A draft notice over the whole catalogue (`fields` as notice_create takes them)."""
    fields.setdefault("title", "Recording how you use your computer")
    fields.setdefault(
        "body", "We record keystrokes, pointer movement and menus in the listed apps."
    )
    return notice_create(
        actor=actor,
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=catalogue["kinds"],
        **fields,
    )


def publish_notice(
    actor, catalogue: dict, *, material: bool = False, body: str | None = None, effective_at=None
):
    """Publish a notice over the whole catalogue; `effective_at` defaults to now.

    Published under the baseline retention policies (gone afterwards): a test that means
    other policies sets them itself."""
    extra = {"effective_at": effective_at} if effective_at is not None else {}
    if body:
        extra["body"] = body
    notice = draft_notice(actor, catalogue, material_change=material, **extra)
    with retention_covered():
        return notice_publish(notice=notice, actor=actor)
