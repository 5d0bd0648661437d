"""Reads of retention policies and the evidence of their runs (officers), and of the
periods they set for what a notice covers (notice publishing, employees, receipts)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from governance.models import Application, DataKind, Notice, Purpose, RetentionPolicy, RetentionRun
from governance.services.retention import KeepRule, deciding_rule, enabled_rules_by_store
from governance.stores import REGISTRY

GAP_EXAMPLES = 6


def retention_policies_list():
    """Enabled policies first, then by store and name."""
    return (
        RetentionPolicy.objects.select_related("created_by")
        .prefetch_related("applications", "data_kinds")
        .order_by("-enabled", "store", "name", "pk")
    )


def retention_runs_list(*, store: str | None = None):
    """Runs newest first: the evidence of what retention removed and what holds kept."""
    qs = RetentionRun.objects.select_related("policy").order_by("-started_at", "-pk")
    return qs.filter(store=store) if store else qs


def _retained_stores() -> list[str]:
    """Stores whose data an officer's policy must bound (access packages expire by themselves)."""
    return [name for name, store in REGISTRY.items() if store.retained]


def retention_gaps(
    purposes: Iterable[Purpose], applications: Iterable[Application], data_kinds: Iterable[DataKind]
) -> list[str]:
    """What no enabled retention policy covers, one line per store × purpose, in words.

    Every store's data of every purpose × application × data kind a notice asks
    consent for needs a policy, or it would be kept forever: empty means covered."""
    applications, data_kinds = list(applications), list(data_kinds)
    rules_by_store = enabled_rules_by_store()
    gaps = []
    for store in _retained_stores():
        rules = rules_by_store.get(store, ())
        for purpose in sorted(purposes, key=lambda p: p.slug):
            missing = [
                f"{app.name} × {kind.name}"
                for app in applications
                for kind in data_kinds
                if not any(r.covers(app.pk, kind.pk, purpose.pk) for r in rules)
            ]
            if not missing:
                continue
            what = _("%(store)s (%(description)s) for “%(purpose)s”") % {
                "store": store,
                "description": REGISTRY[store].description,
                "purpose": purpose.name,
            }
            if len(missing) == len(applications) * len(data_kinds):
                gaps.append(_("%(what)s: no enabled retention policy covers it.") % {"what": what})
                continue
            more = len(missing) - GAP_EXAMPLES
            listed = ", ".join(missing[:GAP_EXAMPLES])
            if more > 0:
                listed = _("%(listed)s and %(more)s more") % {"listed": listed, "more": more}
            gaps.append(
                _("%(what)s: no enabled retention policy covers %(listed)s.")
                % {"what": what, "listed": listed}
            )
    return gaps


def published_notice_gaps() -> list[str]:
    """What the newest published notice asks consent for that no enabled policy covers now
    (a policy disabled or narrowed after publishing): the retention page warns of it."""
    notice = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED)
        .prefetch_related("purposes", "applications", "data_kinds")
        .order_by("-version")
        .first()
    )
    if notice is None:
        return []
    return retention_gaps(notice.purposes.all(), notice.applications.all(), notice.data_kinds.all())


@dataclass(frozen=True)
class RetentionPeriod:
    """How long one store keeps data of one purpose, over the scopes a notice covers.

    `min_days`/`max_days` differ when applications or kinds have different keeps;
    `uncovered`: some scope has no policy (a notice published before policies were
    required). For a store whose data expires by itself, `purpose` is None, `kept_for`
    says how long and `min_days` = `max_days` = its expiry in days (None under a day)."""

    store: str
    description: str
    purpose: Purpose | None
    min_days: int | None
    max_days: int | None
    uncovered: bool = False
    legal_minimum: bool = False
    # A store that expires its data by itself: how long, in its own words, and what it
    # serves in place of a purpose (the typed-text tails live minutes, not days).
    kept_for: str = ""
    serves: str = ""

    @property
    def text(self) -> str:
        if self.kept_for:
            return self.kept_for
        if self.min_days is None:
            return _("Until you withdraw consent or ask for erasure (no retention policy)")
        days = (
            _("%(days)s days") % {"days": self.min_days}
            if self.min_days == self.max_days
            else _("%(min)s to %(max)s days, by application and kind")
            % {"min": self.min_days, "max": self.max_days}
        )
        if self.purpose is None:
            return _("%(days)s after it is built, then deleted") % {"days": days}
        if self.legal_minimum:
            return _("%(days)s, as the law requires") % {"days": days}
        return days


def _period(store: str, purpose: Purpose, decided: list[KeepRule | None]) -> RetentionPeriod:
    keeps = [rule.keep_days for rule in decided if rule is not None]
    return RetentionPeriod(
        store=store,
        description=str(REGISTRY[store].description),
        purpose=purpose,
        min_days=min(keeps, default=None),
        max_days=max(keeps, default=None),
        uncovered=None in decided,
        legal_minimum=any(rule is not None and rule.legal_minimum for rule in decided),
    )


def retention_periods(notice: Notice) -> list[RetentionPeriod]:
    """How long each store keeps the data a notice covers, per purpose, from the enabled
    policies now (the notice page shows them to the people asked to consent)."""
    purposes = sorted(notice.purposes.all(), key=lambda p: p.slug)
    scopes = [(a.pk, k.pk) for a in notice.applications.all() for k in notice.data_kinds.all()]
    rules_by_store = enabled_rules_by_store()
    periods = []
    for store in _retained_stores():
        rules = rules_by_store.get(store, ())
        for purpose in purposes:
            decided = [
                deciding_rule(r for r in rules if r.covers(app, kind, purpose.pk))
                for app, kind in scopes
            ]
            periods.append(_period(store, purpose, decided))
    return periods + _self_expiring()


def _self_expiring() -> list[RetentionPeriod]:
    """Stores no policy applies to: access packages expire EXPORT_TTL_DAYS after they are
    built; a store that says how long it keeps its data (`kept_for`) is taken at its word."""
    periods = []
    for name, store in REGISTRY.items():
        if store.retained:
            continue
        kept_for = getattr(store, "kept_for", "")
        days = None if kept_for else settings.EXPORT_TTL_DAYS
        periods.append(
            RetentionPeriod(
                store=name,
                description=str(store.description),
                purpose=None,
                min_days=days,
                max_days=days,
                kept_for=str(kept_for),
                serves=str(getattr(store, "serves", None) or _("Your copy of your data")),
            )
        )
    return periods


def retention_for_scope(*, purpose_id: int, application_id: int, data_kind_id: int) -> list[dict]:
    """Per store, the keep that applies to one consent scope now, for a consent receipt:
    {"store", "keepDays" (None: no policy, or kept less than a day), "policy",
    "legalMinimum"}, and "keptFor" in words for a store whose data expires by itself."""
    rules_by_store = enabled_rules_by_store()
    lines = []
    for store in _retained_stores():
        rules = rules_by_store.get(store, ())
        rule = deciding_rule(r for r in rules if r.covers(application_id, data_kind_id, purpose_id))
        lines.append(
            {
                "store": store,
                "description": str(REGISTRY[store].description),
                "keepDays": rule.keep_days if rule else None,
                "policy": rule.name if rule else None,
                "legalMinimum": bool(rule and rule.legal_minimum),
            }
        )
    for period in _self_expiring():
        lines.append(
            {
                "store": period.store,
                "description": period.description,
                "keepDays": period.max_days,
                "keptFor": period.text,
                "policy": None,
                "legalMinimum": False,
            }
        )
    return lines
