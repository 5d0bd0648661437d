"""Every page of every role passes axe-core (WCAG 2.2 AA) in English and in German.

axe-core (node_modules/, pinned in package-lock.json) runs inside Debian's
Chromium on each page as the role sees it, with real objects behind the detail
pages; a serious or critical violation fails the role's test, every page's
findings listed at once. Each role signs in once; the German pass reuses that
session in a context whose browser asks for German, as a German browser would.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from governance.models import (
    ConsentMethod,
    DataKind,
    DataRequest,
    DatasetSnapshot,
    ExportPackage,
    Role,
    SafeguardRule,
)
from governance.selectors.datasets import datasets_readable
from governance.services.catalogue import catalogue_create
from governance.services.consent import RequestContext, consent_grant, consent_withdraw
from governance.services.datasets import dataset_build, dataset_request
from governance.services.devices import device_create
from governance.services.erasure import erasure_job_create
from governance.services.exports import export_package_build
from governance.services.holds import legal_hold_create
from governance.services.lineage import model_register
from governance.services.pipelines import pipeline_create
from governance.services.reports import report_build, report_request
from governance.services.requests import request_file
from governance.services.retention import retention_policy_create
from governance.services.scopes import Scope
from governance.stores.datasets import dataset_files_remove
from tests.browser.steps import axe_violations, log_in
from tests.erasure.helpers import drive, record_events
from tests.factories import (
    draft_notice,
    make_catalogue,
    make_user,
    publish_notice,
    retention_baseline,
)
from tests.reports.helpers import report_files_delete
from tests.requests.helpers import package_files_delete

pytestmark = pytest.mark.browser

WEB = RequestContext(method=ConsentMethod.WEB)
LANGUAGES = {
    "en": {"locale": "en-GB", "extra_http_headers": {"Accept-Language": "en-GB,en;q=0.9"}},
    "de": {"locale": "de-DE", "extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}},
}
NOT_FOUND = "/no-such-page/"


def build_company() -> dict:
    """One of everything a page can show: the objects behind every detail page."""
    alice = make_user("alice@example.com", department="Engineering", country="DE")
    bob = make_user("bob@example.com", department="Finance", country="FR")
    olivia = make_user("olivia@example.com", roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER))
    leo = make_user("leo@example.com", roles=(Role.EMPLOYEE, Role.LEGAL))
    ada = make_user("ada@example.com", roles=(Role.ADMIN,), employee=False)
    ada.is_staff = ada.is_superuser = True
    ada.save(update_fields=["is_staff", "is_superuser"])
    make_user("cora@example.com", roles=(Role.WORKS_COUNCIL,), employee=False)

    catalogue = make_catalogue()
    retention_baseline()
    notice = publish_notice(olivia, catalogue)
    draft = draft_notice(olivia, catalogue, title="Draft", body="Next version")
    vscode, calc = catalogue["applications"]
    key = DataKind.objects.get(slug="key")
    scope = Scope(catalogue["purpose"], vscode, key)
    # Enough people in Sales for the aggregates and the works council's charts to show.
    for i in range(12):
        person = make_user(f"person{i}@example.com", department="Sales", country="NL")
        if i < 7:
            consent_grant(employee=person.employee, scope=scope, actor=person, context=WEB)
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=WEB)
    # alice: VS Code's keys and scrolls granted (and recorded, for My data's chart), its
    # clicks withdrawn, Calc's keys granted.
    for app, slug in ((vscode, "key"), (vscode, "scroll"), (vscode, "click"), (calc, "key")):
        kind = DataKind.objects.get(slug=slug)
        consent_grant(
            employee=alice.employee,
            scope=Scope(catalogue["purpose"], app, kind),
            actor=alice,
            context=WEB,
        )
    click = Scope(catalogue["purpose"], vscode, DataKind.objects.get(slug="click"))
    consent_withdraw(employee=alice.employee, scope=click, actor=alice, context=WEB)
    _, token = device_create(name="Capture laptop", actor=olivia)
    assert record_events(token) == 90
    job = drive(erasure_job_create(employee=bob.employee, cause="officer", actor=olivia))
    # Her withdrawn clicks, erased (her other data stays for My data).
    drive(
        erasure_job_create(
            employee=alice.employee,
            cause="officer",
            actor=olivia,
            purposes=[catalogue["purpose"]],
            applications=[vscode],
            data_kinds=[click.data_kind],
        )
    )
    safeguard = catalogue_create(
        SafeguardRule, actor=olivia, kind="redaction_detector", name="Cards", detector="card_number"
    )
    device_create(name="Laptop 42", actor=olivia)
    pipeline, _ = pipeline_create(
        name="trainer", purposes=["train-computer-use-models"], actor=olivia
    )
    # A snapshot of alice's recorded keys, built, and a model trained on it.
    now = datetime.now(UTC)
    dataset = dataset_request(
        actor=olivia,
        purpose="train-computer-use-models",
        applications=["vscode"],
        data_kinds=["key"],
        starts_at=now - timedelta(days=7),
        ends_at=now,
    )
    assert dataset_build(dataset.pk) == "ready"
    model_register(
        pipeline=pipeline,
        name="pointer-policy",
        version="1",
        datasets=[dataset.pk],
        trained_at=now,
        readable=datasets_readable(pipeline=pipeline),
    )
    hold = legal_hold_create(
        actor=leo, matter="Doe v. Example", reason="Litigation", custodians=[bob.employee]
    )
    policy = retention_policy_create(actor=olivia, name="Sessions", store="sessions", keep_days=90)
    # alice's copy, ready to download; leo's report, ready too.
    alice_request, _ = request_file(
        employee=alice.employee, kind="access", actor=olivia, identity_check="In person"
    )
    package = ExportPackage.objects.get(request=alice_request)
    assert export_package_build(package.pk).state == "ready"
    report = report_request(
        actor=leo, kind="holds", date_from=date(2026, 1, 1), date_to=date.today(), format="csv"
    )
    assert report_build(report.pk).state == "ready"
    bob_request, _ = request_file(
        employee=bob.employee, kind="rectification", actor=olivia, identity_check="In person"
    )
    # An overdue one: the queue says so in words, not only in colour.
    overdue, _ = request_file(employee=bob.employee, kind="objection", actor=bob)
    DataRequest.objects.filter(pk=overdue.pk).update(due_on=date.today() - timedelta(days=2))
    return {
        "notice": notice.version,
        "draft": draft.version,
        "application": vscode.pk,
        "data_kind": key.pk,
        "purpose": catalogue["purpose"].pk,
        "safeguard": safeguard.pk,
        "job": job.pk,
        "hold": hold.pk,
        "policy": policy.pk,
        "alice_request": alice_request.pk,
        "bob_request": bob_request.pk,
        "bob_employee": bob.employee.pk,
        "alice_user": alice.pk,
        "alice_employee": alice.employee.pk,
    }


def pages_of(role: str, ids: dict) -> list[str]:
    """Every GET page the role opens: lists, detail pages, forms and the error pages."""
    if role == "anonymous":
        return [
            reverse("login"),
            reverse("password_reset"),
            reverse("password_reset_done"),
            reverse("password_reset_complete"),
            NOT_FOUND,
        ]
    common = [reverse("home"), reverse("password_change"), reverse("password_change_done")]
    employee = [
        reverse("consent"),
        reverse("consent-withdraw-all"),
        reverse("consent-access-log"),
        reverse("my-erasures"),
        reverse("my-data"),
        reverse("my-requests"),
        reverse("notice", kwargs={"version": ids["notice"]}),
    ]
    if role == "employee":
        return [
            *common,
            *employee,
            reverse("my-request", kwargs={"pk": ids["alice_request"]}),
            reverse("officer-people"),  # 403
            NOT_FOUND,
        ]
    if role == "officer":
        catalogue = [
            reverse(f"officer-{segment}{suffix}", kwargs=kwargs)
            for segment, pk in (
                ("applications", ids["application"]),
                ("data-kinds", ids["data_kind"]),
                ("purposes", ids["purpose"]),
                ("safeguards", ids["safeguard"]),
            )
            for suffix, kwargs in (("", {}), ("-new", {}), ("-edit", {"pk": pk}))
        ]
        draft, bob = {"version": ids["draft"]}, {"pk": ids["bob_employee"]}
        return [
            *common,
            *catalogue,
            reverse("officer-notices"),
            reverse("officer-notices-new"),
            reverse("officer-notice", kwargs=draft),
            reverse("officer-notice-edit", kwargs=draft),
            reverse("officer-devices"),
            reverse("officer-pipelines"),
            reverse("officer-datasets"),
            reverse("officer-models"),
            reverse("officer-requests"),
            reverse("officer-request-new"),
            reverse("officer-request", kwargs={"pk": ids["bob_request"]}),
            reverse("officer-people"),
            reverse("officer-person-consent", kwargs=bob),
            reverse("officer-person-leaving", kwargs=bob),
            reverse("officer-aggregates"),
            reverse("officer-retention"),
            reverse("officer-retention-new"),
            reverse("officer-retention-edit", kwargs={"pk": ids["policy"]}),
            reverse("officer-retention-dry-run"),
            reverse("officer-retention-runs"),
            reverse("officer-erasures"),
            reverse("officer-erasure-jobs"),
            reverse("officer-erasure-job", kwargs={"job_id": ids["job"]}),
            reverse("audit"),
            reverse("audit-reveal"),
            reverse("legal-reports"),
            reverse("api-docs"),
            reverse("legal-holds"),  # 403
        ]
    if role == "legal":
        hold = {"pk": ids["hold"]}
        return [
            *common,
            *employee,
            reverse("legal-holds"),
            reverse("legal-hold-new"),
            reverse("legal-hold", kwargs=hold),
            reverse("legal-hold-edit", kwargs=hold),
            reverse("legal-hold-release", kwargs=hold),
            reverse("audit"),
            reverse("audit-reveal"),
            reverse("legal-reports"),
        ]
    if role == "council":
        return [*common, reverse("council"), reverse("consent")]  # 403 for a non-employee
    return [  # admin; its change forms: see the test below
        *common,
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:governance_employee_changelist"),
    ]


def forms_sent_empty(role: str, ids: dict) -> list[tuple[str, str]]:
    """Forms that answer an empty submission with their errors: (page, a field of the form),
    named by field, which reads the same in every language."""
    return {
        "employee": [(reverse("my-requests"), "kind")],
        "officer": [
            (reverse("officer-applications-new"), "name"),
            (reverse("officer-request-new"), "employee"),
            (reverse("officer-retention-new"), "keep_days"),
            (reverse("officer-person-consent", kwargs={"pk": ids["bob_employee"]}), "reason"),
        ],
        "legal": [(reverse("legal-hold-new"), "matter")],
    }.get(role, [])


# Where colour marks a state, words say it too (WCAG 1.4.1): (page, the coloured elements).
SAID_IN_WORDS = {
    "employee": [("consent", "td.consent-cell[data-state] .badge")],
    "officer": [("officer-requests", "tr[data-overdue] [data-deadline=overdue]")],
}


def said_in_words(page, language: str, role: str) -> list[str]:
    failures = []
    for name, selector in SAID_IN_WORDS.get(role, []):
        page.goto(reverse(name))
        texts = page.locator(selector).all_inner_texts()
        if not texts or not all(text.strip() for text in texts):
            failures.append(f"{language} {reverse(name)}: {selector} in colour only: {texts}")
    return failures


ROLES = {
    "anonymous": None,
    "employee": "alice@example.com",
    "officer": "olivia@example.com",
    "legal": "leo@example.com",
    "council": "cora@example.com",
    "admin": "ada@example.com",
}


def check(page, where: str) -> list[str]:
    return [f"{where}: {violation}" for violation in axe_violations(page)]


def visit(page, language: str, paths: list[str]) -> list[str]:
    failures = []
    for path in paths:
        response = page.goto(path)
        if response.status >= 500:
            failures.append(f"{language} {path}: {response.status}")
            continue
        failures += check(page, f"{language} {path}")
        # A page served in a language says which (WCAG 3.1.1), so screen readers speak it.
        served = response.headers.get("content-language")
        declared = page.evaluate("document.documentElement.lang")
        if served and declared.split("-")[0] != served.split("-")[0]:
            failures.append(f"{language} {path}: served in {served}, <html lang={declared}>")
        if served and served.split("-")[0] != language:
            failures.append(f"{language} {path}: the browser asked for {language}, got {served}")
    return failures


def send_empty(page, language: str, forms: list[tuple[str, str]]) -> list[str]:
    failures = []
    for path, field in forms:
        page.goto(path)
        with page.expect_navigation():
            page.locator(f'form:has([name="{field}"]) button[type="submit"]').click()
        if not page.locator(".error-text, .form-errors, [role=alert]").count():
            failures.append(f"{language} {path}: sent empty, it showed no error")
        failures += check(page, f"{language} {path} sent empty")
    return failures


def login_error(page, language: str) -> list[str]:
    """The login form as it answers a wrong password."""
    page.goto(reverse("login"))
    page.locator("#id_username").fill("nobody@example.com")
    page.locator("#id_password").fill("wrong")
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    return check(page, f"{language} login error")


def tour(browser, base_url: str, email: str | None, password: str, visit_pages) -> list[str]:
    """Sign in once, then `visit_pages(page, language)` in each language; what failed."""
    failures: list[str] = []
    state = None
    for language, options in LANGUAGES.items():
        context = browser.new_context(
            base_url=base_url,
            storage_state=state,
            viewport={"width": 1280, "height": 900},
            **options,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        if state is None and email:
            log_in(page, email, password)
            state = context.storage_state()
        failures += visit_pages(page, language)
        failures += [f"{language}: page error {error}" for error in errors]
        context.close()
    return failures


@pytest.fixture
def company(live_server, django_db_serialized_rollback):
    """The company, committed for the live server; its package, report and dataset files
    go after."""
    yield build_company()
    package_files_delete()
    report_files_delete()
    for location in DatasetSnapshot.objects.values_list("location", flat=True):
        dataset_files_remove(location)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_has_no_serious_accessibility_violation(
    browser, live_server, company, role, password
):
    ids = company

    def visit_pages(page, language):
        failures = login_error(page, language) if role == "anonymous" else []
        failures += visit(page, language, pages_of(role, ids))
        failures += said_in_words(page, language, role)
        return failures + send_empty(page, language, forms_sent_empty(role, ids))

    failures = tour(browser, live_server.url, ROLES[role], password, visit_pages)
    assert not failures, "\n".join(failures)


def test_the_admin_change_forms_have_no_serious_accessibility_violation(
    browser, live_server, company, password
):
    ids = company
    paths = [
        reverse("admin:auth_user_change", kwargs={"object_id": ids["alice_user"]}),
        reverse("admin:governance_employee_change", kwargs={"object_id": ids["alice_employee"]}),
    ]
    failures = tour(
        browser,
        live_server.url,
        ROLES["admin"],
        password,
        lambda page, language: visit(page, language, paths),
    )
    assert not failures, "\n".join(failures)


def test_a_missing_axe_fails_with_a_clear_message(monkeypatch, tmp_path):
    from tests.browser import steps

    monkeypatch.setattr(steps, "AXE", tmp_path / "axe.min.js")
    with pytest.raises(pytest.fail.Exception, match=re.escape("npm ci")):
        steps.axe_violations(page=None)
