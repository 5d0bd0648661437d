"""Who may call what, for every route in the URLconf: one row per route in ACCESS.

The cases come from walking `get_resolver()` through its includes, so a route
missing from ACCESS fails `test_every_route_is_in_the_matrix`, and so does a
row whose route is gone. Each route × method it accepts × caller is one test:
allowed callers are served; refused callers get the refusal the product gives
and change nothing. Refusals, as the code makes them:

- anonymous API callers: 403 "Authentication credentials were not provided."
  (401 on the ingest routes, whose only way in is a device's bearer token: a
  session counts for nothing there, so signed-in people get 401 too);
- anonymous visitors of pages: 302 to the login page, back to where they were;
- a signed-in caller without the role: 403 (the API says which role it takes);
- an employee asking for another person's object: 404, as if it did not exist.

Path parameters name objects that belong to someone else: bob's receipt, bob's
erasure, bob's employee number. bob is a caller only where he owns the object.

The admin site is one row: every admin page goes through AdminSite.admin_view,
which lets staff in and sends everyone else to the admin login;
tests/people/test_admin.py covers what the admin shows.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.functional import Promise
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from governance.models import (
    DataKind,
    DataRequest,
    DataRequestEvent,
    DatasetSnapshot,
    ErasureJob,
    ExportPackage,
    LegalHold,
    RetentionPolicy,
    Role,
    SafeguardRule,
    TrainingPipeline,
)
from governance.selectors.datasets import datasets_readable
from governance.services.catalogue import catalogue_create
from governance.services.consent import RequestContext, consent_grant
from governance.services.datasets import dataset_request
from governance.services.devices import device_create
from governance.services.erasure import erasure_job_create
from governance.services.exports import export_package_build, package_download_url
from governance.services.holds import legal_hold_create
from governance.services.lineage import model_register
from governance.services.pipelines import pipeline_create
from governance.services.reports import report_build, report_download_url, report_request
from governance.services.requests import request_assign, request_file
from governance.services.retention import retention_policy_create
from governance.services.scopes import Scope
from governance.stores.datasets import dataset_files_remove, dataset_fs, shard_name
from tests.conftest import written
from tests.erasure.helpers import drive
from tests.factories import (
    draft_notice,
    make_catalogue,
    make_user,
    publish_notice,
    retention_baseline,
)
from tests.reports.helpers import report_files_delete
from tests.requests.helpers import package_files_delete

# Callers. bob is "someone else": he owns the objects in the paths.
ANONYMOUS, DEVICE, PIPELINE = "anonymous", "device", "pipeline"
TOKENS = (DEVICE, PIPELINE)
PEOPLE = ("alice", "olivia", "leo", "ada", "cora")
ANYONE = frozenset({ANONYMOUS, *PEOPLE})
SIGNED_IN = frozenset(PEOPLE)
# ada the admin and cora of the works council have no Employee record
EMPLOYEES = frozenset({"alice", "olivia", "leo"})
OFFICER = frozenset({"olivia"})
LEGAL = frozenset({"leo"})
OFFICER_LEGAL = OFFICER | LEGAL
OWNER = frozenset({"bob"})
STAFF = frozenset({"ada"})
COUNCIL = frozenset({"cora"})
DEVICES = frozenset({DEVICE})
PIPELINES = frozenset({PIPELINE})

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
NOT_AUTHENTICATED = "Authentication credentials were not provided."


@dataclass(frozen=True)
class Access:
    """Who may call one route, per method, and what a call looks like.

    `params` names the world object filling each path parameter (DEFAULT_PARAMS
    otherwise). A method in `writes` changes something when an allowed caller
    sends `bodies[method]`, which is what makes "a refused call writes nothing"
    worth asserting. `hidden` callers get 404: the object is not theirs to know of.
    """

    methods: dict[str, frozenset[str]]
    params: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, dict] = field(default_factory=dict)
    writes: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    served: frozenset[int] = frozenset({200})  # what an allowed GET answers
    bearer_only: bool = False  # sessions are ignored: every refused caller is unauthenticated
    # A bearer token is taken besides sessions: anonymous callers and tokens of another
    # kind of principal are 401, signed-in people without the role 403.
    bearer: bool = False
    others: int = 405  # what an allowed caller gets for a method the route does not take
    # Token callers the route knows but whose principal may not do this: 403, as for people.
    known: frozenset[str] = frozenset()
    # A module the allowed call imports lazily, written in a parallel branch: until it is
    # merged the allowed caller's case is skipped (the refusals are tested all the same).
    needs: str = ""


def get(who, **kw) -> Access:
    return Access({"GET": who}, **kw)


DEFAULT_PARAMS = {
    "receipt_id": "bob_receipt",
    "job_id": "bob_job",
    "employee_number": "bob_number",
    "request_id": "bob_queued",
}
SCOPE = {"purpose": "train-computer-use-models", "application": "vscode", "data_kind": "key"}
# Its dataset is the world's ready snapshot, known once the world is built.
MODEL_REGISTERED = {"name": "pointer-policy", "version": "2", "trained_at": "2026-02-02T00:00:00Z"}
DATASET_ASKED = {
    "purpose": "train-computer-use-models",
    "applications": ["vscode"],
    "data_kinds": ["key"],
    "starts_at": "2026-01-01T00:00:00Z",
    "ends_at": "2026-02-01T00:00:00Z",
}
REPORT_ASKED = {"kind": "requests", "from": "2026-01-01", "to": "2026-01-31", "format": "csv"}

CATALOGUE = {
    # URL segment: (API basename, readers, body to create one, world key of one)
    "applications": (
        "api-application",
        EMPLOYEES,
        {"slug": "gimp", "name": "GIMP"},
        "application",
    ),
    "data-kinds": ("api-data-kind", EMPLOYEES, {"slug": "touch", "name": "Touch"}, "data_kind"),
    "purposes": ("api-purpose", EMPLOYEES, {"slug": "qa", "name": "Quality assurance"}, "purpose"),
    # Safeguard rules tell how the filters work: officers and legal only.
    "safeguards": (
        "api-safeguard",
        OFFICER_LEGAL,
        {"kind": "redaction_detector", "name": "IBAN", "detector": "iban"},
        "safeguard",
    ),
}


def _catalogue_rows() -> dict[str, Access]:
    rows = {}
    for segment, (basename, readers, create, key) in CATALOGUE.items():
        pk = {"pk": key}
        rows |= {
            f"{basename}-list": Access(
                {"GET": readers, "POST": OFFICER}, bodies={"POST": create}, writes={"POST"}
            ),
            f"{basename}-detail": Access(
                {"GET": readers, "PATCH": OFFICER},
                params=pk,
                bodies={"PATCH": {"name": "Renamed"}},
                writes={"PATCH"},
            ),
            f"{basename}-disable": Access({"POST": OFFICER}, params=pk, writes={"POST"}),
            f"officer-{segment}": get(OFFICER),
            f"officer-{segment}-new": Access({"GET": OFFICER, "POST": OFFICER}),
            f"officer-{segment}-edit": Access({"GET": OFFICER, "POST": OFFICER}, params=pk),
            f"officer-{segment}-toggle": Access(
                {"POST": OFFICER}, params=pk, bodies={"POST": {"enabled": "0"}}, writes={"POST"}
            ),
        }
    return rows


ACCESS: dict[str, Access] = {
    # Outside the portal's own views
    "admin:index": get(STAFF),
    # Django's form views take PUT as POST.
    "login": Access({"GET": ANYONE, "POST": ANYONE, "PUT": ANYONE}),
    "logout": Access({"POST": ANYONE}),
    # The header's language switch: an employee's profile, anyone else's cookie.
    "language": Access({"POST": ANYONE}),
    "password_change": Access({"GET": SIGNED_IN, "POST": SIGNED_IN, "PUT": SIGNED_IN}),
    "password_change_done": get(SIGNED_IN),
    "password_reset": Access({"GET": ANYONE, "POST": ANYONE, "PUT": ANYONE}),
    "password_reset_done": get(ANYONE),
    # A valid link, whatever the method, is swapped for one without the token in it.
    "password_reset_confirm": Access(
        {"GET": ANYONE, "POST": ANYONE, "PUT": ANYONE},
        params={"uidb64": "bob_uidb64", "token": "bob_reset_token"},
        served=frozenset({302}),
        others=302,
    ),
    "password_reset_complete": get(ANYONE),
    "schema": get(ANYONE),
    "api-docs": get(ANYONE),
    "healthz": get(ANYONE, served=frozenset({200, 503})),  # 503: no worker heartbeat here
    "metrics": get(ANYONE),
    # Any other path under /api/: a JSON 404 for everyone (whatever the method).
    "api-not-found": get(ANYONE, served=frozenset({404}), others=404),
    # API: capture devices
    "api-ingest-batches": Access({"POST": DEVICES}, bearer_only=True),
    "api-ingest-policy": get(DEVICES, bearer_only=True),
    # API: the caller's own consent and data
    "api-my-consents": get(EMPLOYEES),
    "api-my-consent-grant": Access({"POST": EMPLOYEES}, bodies={"POST": SCOPE}, writes={"POST"}),
    "api-my-consent-withdraw": Access({"POST": EMPLOYEES}, bodies={"POST": SCOPE}),
    "api-my-consent-receipt": get(OWNER, hidden=EMPLOYEES),
    "api-my-erasures": get(EMPLOYEES),
    "api-my-erasure": get(OWNER, hidden=EMPLOYEES),
    "api-my-erasure-receipt": get(OWNER, hidden=EMPLOYEES),
    "api-my-access-log": get(EMPLOYEES),
    "api-my-requests": Access(
        {"GET": EMPLOYEES, "POST": EMPLOYEES},
        bodies={"POST": {"kind": "rectification"}},
        writes={"POST"},
    ),
    "api-my-request": get(OWNER, hidden=EMPLOYEES),
    "api-my-request-withdraw": Access({"POST": OWNER}, hidden=EMPLOYEES, writes={"POST"}),
    "api-my-data": get(EMPLOYEES),
    # API: privacy officers (and legal for reports and the audit log)
    "api-erasures-owed": get(OFFICER),
    "api-erasure-jobs": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={"POST": {"employee": "bob@example.com", "reason": "DSR 7"}},
        writes={"POST"},
    ),
    "api-erasure-job": get(OFFICER),
    "api-consent-disclosure": Access(
        {"POST": OFFICER}, bodies={"POST": {"reason": "DSR 7"}}, writes={"POST"}
    ),
    "api-processing-restriction": Access(
        {"POST": OFFICER},
        bodies={"POST": {"restricted": True, "reason": "Art. 18 request"}},
        writes={"POST"},
    ),
    "api-employee-leaving": Access(
        {"POST": OFFICER},
        bodies={"POST": {"left_at": "2026-11-30T17:00:00Z"}},
        writes={"POST"},
    ),
    "api-consent-aggregates": get(OFFICER_LEGAL),
    "api-retention-runs": get(OFFICER),
    # API: data subject requests, worked by privacy officers (bob's restriction request is
    # received and assigned to olivia; another, for one purpose, in progress; his portability
    # copy ready).
    "api-requests": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={
            "POST": {"employee": "bob@example.com", "kind": "objection", "identity_check": "ID"}
        },
        writes={"POST"},
    ),
    "api-request": get(OFFICER),
    "api-request-assign": Access(
        {"POST": OFFICER}, bodies={"POST": {"assignee": None}}, writes={"POST"}
    ),
    "api-request-identity": Access(
        {"POST": OFFICER}, bodies={"POST": {"reason": "Reply from work"}}, writes={"POST"}
    ),
    "api-request-verify": Access(
        {"POST": OFFICER}, bodies={"POST": {"identity_check": "Seen in person"}}, writes={"POST"}
    ),
    "api-request-extend": Access(
        {"POST": OFFICER}, bodies={"POST": {"days": 5, "reason": "Volume"}}, writes={"POST"}
    ),
    "api-request-reject": Access(
        {"POST": OFFICER}, bodies={"POST": {"reason": "Unfounded"}}, writes={"POST"}
    ),
    "api-request-complete": Access(
        {"POST": OFFICER},
        params={"request_id": "bob_deciding"},
        bodies={"POST": {"restrict": False, "outcome": "Processing is lawful and needed."}},
        writes={"POST"},
    ),
    "api-request-package-revoke": Access(
        {"POST": OFFICER},
        params={"request_id": "bob_portability"},
        bodies={"POST": {"reason": "Sent to the wrong address"}},
        writes={"POST"},
        needs="governance.services.exports",
    ),
    "api-council-summary": get(COUNCIL),
    # Reports: legal's (officers ask for some kinds); leo's report is his alone.
    "api-reports": Access(
        {"GET": OFFICER_LEGAL, "POST": OFFICER_LEGAL},
        bodies={"POST": REPORT_ASKED},
        writes={"POST"},
    ),
    "api-report": get(LEGAL, params={"report_id": "leo_report"}, hidden=OFFICER),
    "api-audit-events": get(OFFICER_LEGAL),
    "api-audit-verify": get(OFFICER_LEGAL),
    # A pseudonym nobody has, with no reason: refused as bad input (tests/audit covers reveals).
    "api-audit-reveal": Access(
        {"POST": OFFICER_LEGAL}, bodies={"POST": {"subject": "sub_nobody", "reason": ""}}
    ),
    "api-notice-list": Access(
        {"GET": EMPLOYEES, "POST": OFFICER},
        bodies={
            "POST": {
                "title": "t",
                "body": "b",
                "purposes": ["train-computer-use-models"],
                "applications": ["vscode"],
                "data_kinds": ["key"],
            }
        },
        writes={"POST"},
    ),
    # The published version: everyone reads it; a published version never changes (400).
    "api-notice-detail": Access({"GET": EMPLOYEES, "PATCH": OFFICER}, params={"pk": "notice"}),
    "api-notice-publish": Access({"POST": OFFICER}, params={"pk": "draft"}, writes={"POST"}),
    # A draft's texts: the version's own (en) is replaced, and cannot be removed (400).
    "api-notice-text": Access(
        {"PUT": OFFICER, "DELETE": OFFICER},
        params={"pk": "draft", "language": "language_en"},
        bodies={"PUT": {"title": "t", "body": "b"}},
    ),
    "api-device-list": Access(
        {"GET": OFFICER, "POST": OFFICER}, bodies={"POST": {"name": "laptop-42"}}, writes={"POST"}
    ),
    "api-device-detail": get(OFFICER, params={"pk": "device"}),
    "api-pipeline-list": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={"POST": {"name": "trainer-2", "purposes": ["train-computer-use-models"]}},
        writes={"POST"},
    ),
    "api-pipeline-detail": get(OFFICER, params={"pk": "pipeline"}),
    "api-pipeline-revoke": Access({"POST": OFFICER}, params={"pk": "pipeline"}, writes={"POST"}),
    "api-dataset-list": Access(
        {"GET": OFFICER | PIPELINES, "POST": OFFICER | PIPELINES},
        bodies={"POST": DATASET_ASKED},
        writes={"POST"},
        bearer=True,
    ),
    # The officer's snapshot: not the pipeline's to know of.
    "api-dataset-detail": get(OFFICER, params={"pk": "dataset"}, hidden=PIPELINES, bearer=True),
    # Reading is the pipelines' alone: an officer's ready snapshot of its purpose.
    "api-dataset-readable": get(PIPELINES, bearer=True),
    "api-dataset-manifest": get(PIPELINES, params={"pk": "ready_dataset"}, bearer=True),
    "api-dataset-shard": get(
        PIPELINES, params={"pk": "ready_dataset", "index": "shard"}, bearer=True
    ),
    "api-model-list": Access(
        {"GET": OFFICER, "POST": PIPELINES},
        bodies={"POST": MODEL_REGISTERED},
        writes={"POST"},
        bearer=True,
        known=PIPELINES,
    ),
    "api-model-detail": get(OFFICER, params={"pk": "model"}, bearer=True, known=PIPELINES),
    "api-model-flagged": get(OFFICER, bearer=True, known=PIPELINES),
    "api-device-revoke": Access({"POST": OFFICER}, params={"pk": "device"}, writes={"POST"}),
    "api-retention-policy-list": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={"POST": {"name": "Keys: 30 days", "store": "events", "keep_days": 30}},
        writes={"POST"},
    ),
    "api-retention-policy-dry-run": get(OFFICER),
    "api-retention-policy-detail": Access(
        {"GET": OFFICER, "PATCH": OFFICER},
        params={"pk": "policy"},
        bodies={"PATCH": {"keep_days": 60}},
        writes={"PATCH"},
    ),
    "api-retention-policy-disable": Access(
        {"POST": OFFICER}, params={"pk": "policy"}, writes={"POST"}
    ),
    # API: legal
    "api-legal-hold-list": Access(
        {"GET": LEGAL, "POST": LEGAL},
        bodies={
            "POST": {
                "matter": "Smith v. Example",
                "reason": "Litigation",
                "custodians": ["alice@example.com"],
            }
        },
        writes={"POST"},
    ),
    "api-legal-hold-detail": Access(
        {"GET": LEGAL, "PATCH": LEGAL},
        params={"pk": "hold"},
        bodies={"PATCH": {"reason": "Wider litigation"}},
        writes={"PATCH"},
    ),
    "api-legal-hold-release": Access(
        {"POST": LEGAL},
        params={"pk": "hold"},
        bodies={"POST": {"reason": "Settled"}},
        writes={"POST"},
    ),
    # Pages: everyone signed in
    "home": get(SIGNED_IN),
    "notice": get(SIGNED_IN, params={"version": "notice_version"}),
    # Pages: the employee's own consent and data
    "consent": get(EMPLOYEES),
    "consent-grant": Access({"POST": EMPLOYEES}, bodies={"POST": SCOPE}, writes={"POST"}),
    "consent-withdraw": Access({"POST": EMPLOYEES}, bodies={"POST": SCOPE}),
    "consent-withdraw-all": Access({"GET": EMPLOYEES, "POST": EMPLOYEES}),
    "consent-receipt": get(OWNER, hidden=EMPLOYEES),
    "consent-access-log": get(EMPLOYEES),
    "my-erasures": get(EMPLOYEES),
    "my-erasure-receipt": get(OWNER, hidden=EMPLOYEES),
    "my-data": get(EMPLOYEES),
    "my-requests": Access(
        {"GET": EMPLOYEES, "POST": EMPLOYEES},
        bodies={"POST": {"kind": "access"}},
        writes={"POST"},
    ),
    "my-request": get(OWNER, params={"pk": "bob_request"}, hidden=EMPLOYEES),
    "my-request-status": get(OWNER, params={"pk": "bob_request"}, hidden=EMPLOYEES),
    "my-request-withdraw": Access(
        {"POST": OWNER}, params={"pk": "bob_request"}, hidden=EMPLOYEES, writes={"POST"}
    ),
    # A package's link is bob's alone: to anyone else signed in it leads nowhere.
    "package-download": get(OWNER, hidden=EMPLOYEES, params={"token": "bob_package_token"}),
    # Pages: privacy officers
    **_catalogue_rows(),
    "officer-notices": get(OFFICER),
    "officer-notices-new": Access({"GET": OFFICER, "POST": OFFICER}),
    "officer-notice": Access(
        {"GET": OFFICER, "POST": OFFICER}, params={"version": "draft_version"}, writes={"POST"}
    ),
    "officer-notice-edit": Access(
        {"GET": OFFICER, "POST": OFFICER}, params={"version": "draft_version"}
    ),
    "officer-notice-text": Access(
        {"GET": OFFICER, "POST": OFFICER},
        params={"version": "draft_version", "language": "language_en"},
    ),
    "officer-notice-text-remove": Access(
        {"POST": OFFICER}, params={"version": "draft_version", "language": "language_en"}
    ),
    "officer-devices": Access(
        {"GET": OFFICER, "POST": OFFICER}, bodies={"POST": {"name": "rogue"}}, writes={"POST"}
    ),
    "officer-device-revoke": Access({"POST": OFFICER}, params={"pk": "device"}, writes={"POST"}),
    "officer-pipelines": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={"POST": {"name": "rogue", "purposes": "train-computer-use-models"}},
        writes={"POST"},
    ),
    "officer-pipeline-revoke": Access(
        {"POST": OFFICER}, params={"pk": "pipeline"}, writes={"POST"}
    ),
    "officer-datasets": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={
            "POST": {
                **DATASET_ASKED,
                "applications": "vscode",
                "data_kinds": "key",
                "starts_at": "2026-01-01T00:00",
                "ends_at": "2026-02-01T00:00",
            }
        },
        writes={"POST"},
    ),
    "officer-datasets-status": get(OFFICER),
    "officer-models": get(OFFICER),
    "officer-erasures": get(OFFICER),
    "officer-erasure-jobs": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={"POST": {"employee": "bob@example.com", "reason": "DSR 7", "confirm": "on"}},
        writes={"POST"},
    ),
    "officer-erasure-job": get(OFFICER),
    "officer-erasure-job-receipt": get(OFFICER),
    "officer-requests": get(OFFICER),
    "officer-request-new": Access(
        {"GET": OFFICER, "POST": OFFICER},
        bodies={
            "POST": {
                "employee": "bob@example.com",
                "kind": "rectification",
                "identity_check": "In person, badge seen",
            }
        },
        writes={"POST"},
    ),
    "officer-request": Access(
        {"GET": OFFICER, "POST": OFFICER},
        params={"pk": "bob_request"},
        bodies={"POST": {"action": "identity", "identity-reason": "A copy of your badge"}},
        writes={"POST"},
    ),
    "officer-request-status": get(OFFICER, params={"pk": "bob_request"}),
    "officer-retention": get(OFFICER),
    "officer-retention-new": Access({"GET": OFFICER, "POST": OFFICER}),
    "officer-retention-edit": Access({"GET": OFFICER, "POST": OFFICER}, params={"pk": "policy"}),
    "officer-retention-disable": Access(
        {"POST": OFFICER}, params={"pk": "policy"}, writes={"POST"}
    ),
    "officer-retention-dry-run": get(OFFICER),
    "officer-retention-runs": get(OFFICER),
    "officer-people": get(OFFICER),
    "officer-person-leaving": Access(
        {"GET": OFFICER, "POST": OFFICER},
        params={"pk": "bob_employee"},
        bodies={"POST": {"left_on": "2026-11-30", "confirm": "on"}},
        writes={"POST"},
    ),
    "officer-person-consent": Access(
        {"GET": OFFICER, "POST": OFFICER},
        params={"pk": "bob_employee"},
        bodies={"POST": {"reason": "DSR 7"}},
        writes={"POST"},
    ),
    "officer-aggregates": get(OFFICER),
    # Pages: legal
    "legal-holds": get(LEGAL),
    "legal-hold-new": Access({"GET": LEGAL, "POST": LEGAL}),
    "legal-hold": get(LEGAL, params={"pk": "hold"}),
    "legal-hold-edit": Access({"GET": LEGAL, "POST": LEGAL}, params={"pk": "hold"}),
    "legal-hold-release": Access(
        {"GET": LEGAL, "POST": LEGAL},
        params={"pk": "hold"},
        bodies={"POST": {"reason": "Settled"}},
        writes={"POST"},
    ),
    # Pages: privacy officers and legal
    "audit": Access({"GET": OFFICER_LEGAL, "POST": OFFICER_LEGAL}),
    "audit-reveal": Access({"GET": OFFICER_LEGAL, "POST": OFFICER_LEGAL}),
    # Pages: the works council
    "council": get(COUNCIL),
    "legal-reports": Access(
        {"GET": OFFICER_LEGAL, "POST": OFFICER_LEGAL},
        bodies={"POST": REPORT_ASKED},
        writes={"POST"},
    ),
    "legal-reports-status": get(OFFICER_LEGAL),
    "report-download": get(LEGAL, params={"token": "leo_report_token"}, hidden=OFFICER),
}


# The URLconf, walked


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # readable: /api/v1/applications/{pk}
    methods: frozenset[str] | None  # None for function views: ACCESS alone says
    refusals: frozenset[str]  # what the API's permission classes say when they refuse

    @property
    def kind(self) -> str:
        if self.pattern.startswith("/admin/"):
            return "admin"
        return "api" if self.pattern.startswith("/api/") else "page"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.pattern)

    def __str__(self) -> str:
        return self.pattern


OPAQUE_NAMESPACES = {"admin"}


def _readable(pattern) -> str:
    text = str(pattern).removeprefix("^").removesuffix("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)


def _methods(callback) -> frozenset[str] | None:
    if getattr(callback, "actions", None):  # a viewset route: its own method → action map
        return frozenset(method.upper() for method in callback.actions)
    view = getattr(callback, "view_class", None)
    if view is None:
        return None
    return frozenset(
        method.upper()
        for method in view.http_method_names
        if method not in ("head", "options") and hasattr(view, method)
    )


def _refusals(callback) -> frozenset[str]:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    # An action may name permissions of its own (@action(permission_classes=...)).
    own = getattr(callback, "initkwargs", {}).get("permission_classes", ())
    # A message is text or lazily translated text (read here in the default language).
    return frozenset(
        str(permission.message)
        for permission in (*getattr(view, "permission_classes", ()), *own)
        if isinstance(getattr(permission, "message", None), str | Promise)
    )


def _walk(patterns, prefix="/"):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in OPAQUE_NAMESPACES:
                name = f"{entry.namespace}:index"
                yield Route(name, prefix + _readable(entry.pattern), None, frozenset())
            else:
                yield from _walk(entry.url_patterns, prefix + _readable(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(
                entry.name,
                prefix + _readable(entry.pattern),
                _methods(entry.callback),
                _refusals(entry.callback),
            )


ROUTES = list(_walk(get_resolver().url_patterns))


def callers(route: Route) -> list[str]:
    access = ACCESS[route.name]
    who = [ANONYMOUS, *PEOPLE]
    if route.pattern.startswith("/api/v1/"):
        who.extend(TOKENS)  # a device's or a pipeline's token opens only its own routes
    if any("bob" in allowed for allowed in access.methods.values()):
        who.append("bob")
    return who


CASES = [
    pytest.param(route, method, caller, id=f"{method} {route} as {caller}")
    for route in ROUTES
    if route.name in ACCESS
    for method in sorted(ACCESS[route.name].methods)
    for caller in callers(route)
]


# The world every case runs in, built once for the module


KEY_TABLES = (
    DataKind,
    DataRequest,
    DataRequestEvent,
    DatasetSnapshot,
    ErasureJob,
    LegalHold,
    RetentionPolicy,
    TrainingPipeline,
)


def key_rows() -> dict[str, int]:
    """Rows in the tables a call could write to; every service write adds an AuditEvent."""
    return {**written(), **{model.__name__: model.objects.count() for model in KEY_TABLES}}


@dataclass
class World:
    params: dict
    sessions: dict[str, str]
    token: str
    pipeline_token: str

    def call(self, caller: str, method: str, path: str, body=None, *, csrf_checks=False):
        client = APIClient(enforce_csrf_checks=csrf_checks)
        headers = {}
        if caller == DEVICE:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        elif caller == PIPELINE:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.pipeline_token}"
        elif caller != ANONYMOUS:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[caller]
        if path.startswith("/api/"):
            data = "" if body is None else json.dumps(body)
            content_type = "application/json"
        else:
            data, content_type = urlencode(body or {}), "application/x-www-form-urlencoded"
        return client.generic(method, path, data, content_type=content_type, **headers)

    def path(self, route: Route) -> str:
        access = ACCESS[route.name]
        kwargs = {}
        for param in route.params:
            key = access.params.get(param) or DEFAULT_PARAMS.get(param)
            assert key, f"{route}: say in ACCESS which object fills {{{param}}}"
            kwargs[param] = self.params[key]
        return reverse(route.name, kwargs=kwargs)


def _build_world() -> World:
    people = {
        "alice": make_user("alice@example.com"),
        "bob": make_user("bob@example.com"),
        "olivia": make_user("olivia@example.com", roles=(Role.EMPLOYEE, Role.PRIVACY_OFFICER)),
        "leo": make_user("leo@example.com", roles=(Role.EMPLOYEE, Role.LEGAL)),
        "ada": make_user("ada@example.com", roles=(Role.ADMIN,), employee=False),
        "cora": make_user("cora@example.com", roles=(Role.WORKS_COUNCIL,), employee=False),
    }
    olivia, bob = people["olivia"], people["bob"]
    people["ada"].is_staff = people["ada"].is_superuser = True
    people["ada"].save(update_fields=["is_staff", "is_superuser"])

    catalogue = make_catalogue()
    retention_baseline()  # kept: the draft below is published by the matrix too
    notice = publish_notice(olivia, catalogue)
    draft = draft_notice(olivia, catalogue, title="Draft", body="Next version")
    vscode = catalogue["applications"][0]
    key = DataKind.objects.get(slug="key")
    grant = consent_grant(
        employee=bob.employee,
        scope=Scope(catalogue["purpose"], vscode, key),
        actor=bob,
        context=RequestContext(),
    )
    # A finished erasure, so its receipt exists, before any hold could defer it.
    job = drive(erasure_job_create(employee=bob.employee, cause="officer", actor=olivia))
    assert job.receipt, job.state
    safeguard = catalogue_create(
        SafeguardRule, actor=olivia, kind="redaction_detector", name="Cards", detector="card_number"
    )
    device, _ = device_create(name="laptop-1", actor=olivia)
    pipeline, pipeline_token = pipeline_create(
        name="trainer", purposes=["train-computer-use-models"], actor=olivia
    )
    dataset = dataset_request(actor=olivia, **_dataset_asked(catalogue))
    ready_dataset = _ready_dataset(olivia, catalogue)
    MODEL_REGISTERED["datasets"] = [ready_dataset.pk]
    model = model_register(
        pipeline=pipeline,
        name="pointer-policy",
        version="1",
        datasets=[ready_dataset.pk],
        trained_at=datetime(2026, 2, 1, tzinfo=UTC),
        readable=datasets_readable(pipeline=pipeline),
    )
    _, token = device_create(name="capture laptop", actor=olivia)
    hold = legal_hold_create(
        actor=people["leo"], matter="Doe v. Example", reason="Litigation", custodians=[bob.employee]
    )
    policy = retention_policy_create(actor=olivia, name="Sessions", store="sessions", keep_days=90)
    bob_request, _ = request_file(employee=bob.employee, kind="access", actor=bob)
    # For the requests API: kinds and scopes no other world object files, whose
    # verification starts nothing heavy.
    bob_queued, _ = request_file(employee=bob.employee, kind="restriction", actor=bob)
    request_assign(request=bob_queued, assignee=olivia, actor=olivia)
    bob_deciding, _ = request_file(
        employee=bob.employee,
        kind="restriction",
        purpose=catalogue["purpose"],
        actor=olivia,
        identity_check="In person",
    )
    bob_portability, _ = request_file(
        employee=bob.employee, kind="portability", actor=olivia, identity_check="In person"
    )
    package = ExportPackage.objects.get(request=bob_portability)
    assert export_package_build(package.pk).state == "ready"
    leo_report = report_request(
        actor=people["leo"],
        kind="holds",
        date_from=date(2026, 1, 1),
        date_to=date(2026, 1, 31),
        format="csv",
    )
    assert report_build(leo_report.pk).state == "ready"
    leo_report.refresh_from_db()

    sessions = {}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    bob.refresh_from_db()  # the reset token hangs on last_login, which signing in set
    params = {
        "application": catalogue["applications"][1].pk,
        "data_kind": catalogue["kinds"][0].pk,
        "purpose": catalogue["prohibited"].pk,
        "safeguard": safeguard.pk,
        "notice": notice.pk,
        "notice_version": notice.version,
        "draft": draft.pk,
        "draft_version": draft.version,
        "language_en": "en",
        "device": device.pk,
        "pipeline": pipeline.pk,
        "dataset": dataset.pk,
        "ready_dataset": ready_dataset.pk,
        "shard": 0,
        "model": model.pk,
        "hold": hold.pk,
        "policy": policy.pk,
        "bob_receipt": grant.receipt_id,
        "bob_job": job.pk,
        "bob_number": bob.employee.employee_number,
        "bob_queued": bob_queued.pk,
        "bob_deciding": bob_deciding.pk,
        "bob_portability": bob_portability.pk,
        "bob_employee": bob.employee.pk,
        "bob_request": bob_request.pk,
        "bob_uidb64": urlsafe_base64_encode(force_bytes(bob.pk)),
        "bob_reset_token": default_token_generator.make_token(bob),
        "bob_package_token": package_download_url(package, user=bob).split("/")[-2],
        "leo_report": leo_report.pk,
        "leo_report_token": report_download_url(leo_report, user=people["leo"]).split("/")[-2],
    }
    return World(params=params, sessions=sessions, token=token, pipeline_token=pipeline_token)


def _ready_dataset(olivia, catalogue) -> DatasetSnapshot:
    """A ready snapshot of one shard (its bytes are all a download streams)."""
    dataset = dataset_request(actor=olivia, **_dataset_asked(catalogue))
    fs, root = dataset_fs(dataset.location)
    data = b"PAR1 a shard PAR1"
    fs.makedirs(root, exist_ok=True)
    fs.pipe_file(f"{root}/{shard_name(0)}", data)
    shard = {"name": shard_name(0), "rows": 0, "bytes": len(data), "sha256": "0" * 64}
    dataset.state, dataset.manifest = DatasetSnapshot.State.READY, {"shards": [shard]}
    dataset.save(update_fields=["state", "manifest"])
    return dataset


def _dataset_asked(catalogue) -> dict:
    return {
        **DATASET_ASKED,
        "starts_at": datetime(2026, 1, 1, tzinfo=UTC),
        "ends_at": datetime(2026, 2, 1, tzinfo=UTC),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once in a transaction that the module rolls back; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as TestCase marks its own, so durable blocks nest
        outer.__enter__()
        try:
            built = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        package_files_delete()  # bob's package: its row rolls back, its file would stay
        report_files_delete()
        for location in DatasetSnapshot.objects.values_list("location", flat=True):
            dataset_files_remove(location)
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# The tests


def test_every_route_is_in_the_matrix():
    names = [route.name for route in ROUTES]
    unnamed = [str(route) for route in ROUTES if not route.name]
    assert not unnamed, f"name these routes so the matrix can key them: {unnamed}"
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"route names used twice: {twice}"
    missing = [f"{route.name} ({route})" for route in ROUTES if route.name not in ACCESS]
    assert not missing, f"add these routes to ACCESS in {__name__}: {missing}"
    gone = sorted(set(ACCESS) - set(names))
    assert not gone, f"ACCESS has rows for routes that no longer exist: {gone}"


def test_the_matrix_names_exactly_the_methods_each_view_accepts():
    wrong = {
        f"{route.name} ({route})": (sorted(route.methods), sorted(ACCESS[route.name].methods))
        for route in ROUTES
        if route.name in ACCESS
        and route.methods is not None
        and route.methods != set(ACCESS[route.name].methods)
    }
    assert not wrong, f"(the view accepts, ACCESS says): {wrong}"


def test_every_write_the_matrix_counts_on_is_an_unsafe_method_of_the_route():
    wrong = {
        name: sorted(access.writes - set(access.methods) | access.writes - set(UNSAFE))
        for name, access in ACCESS.items()
        if access.writes - set(access.methods) or access.writes - set(UNSAFE)
    }
    assert not wrong


@pytest.mark.parametrize(("route", "method", "caller"), CASES)
def test_role_matrix(world, db, route, method, caller):
    access = ACCESS[route.name]
    if access.needs and caller in access.methods[method]:
        pytest.importorskip(access.needs)
    path = world.path(route)
    before = key_rows()

    response = world.call(caller, method, path, access.bodies.get(method))

    status = response.status_code
    shown = f"{status} {_body(response)[:300]!r}"
    if caller in access.methods[method]:
        if method == "GET":
            assert status in access.served, shown
        else:
            assert status not in (401, 403, 404, 405) and status < 500, shown
            if method in access.writes:
                assert status < 400, shown
                assert key_rows() != before, "an allowed write changed nothing"
        assert not _to_login(response), shown
        return

    if caller in access.hidden:
        assert status == 404, shown
    elif route.kind == "admin":
        assert status == 302 and response["Location"].startswith("/admin/login/"), shown
    elif route.kind == "page":
        if caller == ANONYMOUS:
            assert status == 302, shown
            assert response["Location"] == f"/accounts/login/?{urlencode({'next': path}, safe='/')}"
        else:
            assert status == 403, shown
    elif caller in access.known:
        assert status == 403, shown
        assert response.json()["detail"] in route.refusals, shown
    elif caller in TOKENS and (access.bearer_only or access.bearer):
        assert status == 401, shown  # a token of another kind of principal is no token here
    elif caller in (ANONYMOUS, *TOKENS) or access.bearer_only:
        assert status == (401 if access.bearer_only or access.bearer else 403), shown
        assert response.json()["detail"] == NOT_AUTHENTICATED
    else:
        assert status == 403, shown
        assert response.json()["detail"] in route.refusals, shown
    assert key_rows() == before


def _body(response) -> bytes:
    """A page's content, or a streamed download's (read to the end, which closes it)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _to_login(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and "login/?next=" in location


def _most_allowed(access: Access) -> str:
    """The caller allowed the most methods: refusals come before 405, so ask someone let in."""
    return max(
        (*PEOPLE, "bob", ANONYMOUS, *TOKENS),
        key=lambda caller: sum(caller in allowed for allowed in access.methods.values()),
    )


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if route.name in ACCESS and route.kind != "admin"], ids=str
)
def test_methods_a_route_does_not_accept_are_405(world, db, route):
    access = ACCESS[route.name]
    caller = _most_allowed(access)
    path = world.path(route)
    others = [m for m in ("GET", *UNSAFE) if m not in access.methods]
    before = key_rows()

    got = {method: world.call(caller, method, path).status_code for method in others}

    assert got == dict.fromkeys(others, access.others)
    assert key_rows() == before


CSRF_CASES = [
    pytest.param(route, method, id=f"{method} {route}")
    for route in ROUTES
    if route.name in ACCESS
    for method, allowed in sorted(ACCESS[route.name].methods.items())
    if method in UNSAFE and allowed - DEVICES - PIPELINES
]


@pytest.mark.parametrize(("route", "method"), CSRF_CASES)
def test_unsafe_calls_without_a_csrf_token_are_refused(world, db, route, method):
    access = ACCESS[route.name]
    caller = next(c for c in (*PEOPLE, "bob", ANONYMOUS) if c in access.methods[method])
    before = key_rows()

    response = world.call(
        caller, method, world.path(route), access.bodies.get(method), csrf_checks=True
    )

    assert response.status_code == 403, response.content[:300]
    assert b"CSRF" in response.content
    assert key_rows() == before


def test_an_empty_batch_body_is_a_400(world, db):
    response = world.call(DEVICE, "POST", reverse("api-ingest-batches"))

    assert response.status_code == 400
