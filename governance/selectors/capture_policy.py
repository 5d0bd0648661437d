"""What a capture device may record now, for the people it names: its capture policy.

Devices poll it (`GET /api/v1/ingest/policy`) so that what a person has not
consented to is not captured in the first place. The ingest gate stays the
guarantee: it re-reads consent in the write transaction, and this policy reads
the same rule (`services/ingestion/gate.py`), so it never offers what the gate
would refuse.

Who a device serves: the portal has no assignment of people to devices (the gate
takes events of any employee from any registered device), so a device names the
people signed in on it with `?employees=`, as it names them in its batches (work
email or employee number). Someone the device cannot record (no such person, a
restricted person, one who consented to nothing) gets the same empty entry:
the answer never tells whether a person exists, only that nothing of them may be
sent. Each entry carries the reference as the device wrote it, never another
identifier of the person.

The version is a hash over everything else in the body, read from the current
ConsentState rows, so a withdrawal committed before the request changes it.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import orjson
from django.conf import settings

from governance.models import Application, DataKind, Purpose
from governance.models.ingestion import EVENT_TYPE_KIND
from governance.services.ingestion.gate import employees_find, grants_live
from governance.services.ingestion.safeguards import safeguard_policy_load

MAX_EMPLOYEES = 100  # per request: a device serves the few people signed in on it
MAX_REFERENCE = 254  # the longest work email


@dataclass(frozen=True)
class CapturePolicy:
    version: str
    body: dict  # the answer, version included


class Catalogue:
    """What may be captured at all, from the catalogue and its safeguards."""

    def __init__(self):
        safeguards = safeguard_policy_load()
        excluded = {entry.pk for entry in safeguards.apps.values() if entry.excluded}
        apps = Application.objects.filter(enabled=True).order_by("slug")
        self.apps = {
            pk: (slug, ids) for pk, slug, ids in apps.values_list("pk", "slug", "identifiers")
        }
        self.capturable_apps = {pk for pk in self.apps if pk not in excluded}
        self.excluded_apps = [pk for pk in self.apps if pk in excluded]  # by slug, as apps
        self.kinds = dict(DataKind.objects.filter(enabled=True).values_list("pk", "slug"))
        self.purposes = {
            p.pk: p.slug for p in Purpose.objects.filter(enabled=True) if p.consentable
        }
        self.title_patterns = [pattern.pattern for pattern in safeguards.title_patterns]
        self.timing_resolution_ms = safeguards.key_resolution_ms

    def application(self, pk: int) -> dict:
        slug, identifiers = self.apps[pk]
        return {"application": slug, "identifiers": list(identifiers)}

    def as_json(self) -> dict:
        types_of: dict[str, list[str]] = defaultdict(list)
        for event_type, kind in EVENT_TYPE_KIND.items():
            types_of[kind].append(str(event_type))
        return {
            "applications": [
                self.application(pk) for pk in self.apps if pk in self.capturable_apps
            ],
            "data_kinds": [
                {"data_kind": slug, "event_types": sorted(types_of.get(slug, []))}
                for slug in sorted(self.kinds.values())
            ],
            "excluded_applications": [self.application(pk) for pk in self.excluded_apps],
            "excluded_window_patterns": sorted(self.title_patterns),
            "timing_resolution_ms": self.timing_resolution_ms,
        }


def capture_policy(*, employees: list[str]) -> CapturePolicy:
    """The policy for the people named (as a device names them), in the order asked."""
    catalogue = Catalogue()
    people = employees_find(set(employees), lock=False)
    recordable = {ref: p[0] for ref, p in people.items() if p is not None and not p[2]}
    scopes: dict[int, dict[int, dict[int, list[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    grants = grants_live(sorted(set(recordable.values())), purpose_id=None, lock=False)
    for employee_id, purpose_id, app_id, kind_id, _version in grants:
        if (
            purpose_id in catalogue.purposes
            and app_id in catalogue.capturable_apps
            and kind_id in catalogue.kinds
        ):
            scopes[employee_id][purpose_id][app_id].append(catalogue.kinds[kind_id])
    entries = []
    for ref in employees:
        granted = scopes.get(recordable.get(ref), {})
        entries.append({"employee": ref, "purposes": _purposes(granted, catalogue)})
    body = {
        **catalogue.as_json(),
        "employees": entries,
        "poll_seconds": settings.INGEST_POLICY_POLL_SECONDS,
    }
    version = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return CapturePolicy(version=version, body={"version": version, **body})


def _purposes(granted: dict[int, dict[int, list[str]]], catalogue: Catalogue) -> list[dict]:
    return sorted(
        (
            {
                "purpose": catalogue.purposes[purpose_id],
                "applications": sorted(
                    (
                        {"application": catalogue.apps[app_id][0], "data_kinds": sorted(kinds)}
                        for app_id, kinds in apps.items()
                    ),
                    key=lambda a: a["application"],
                ),
            }
            for purpose_id, apps in granted.items()
        ),
        key=lambda p: p["purpose"],
    )
