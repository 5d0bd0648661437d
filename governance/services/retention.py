"""Retention: officers' policies, what they would delete now, and their enforcement.

A policy keeps a store's data of some purposes × applications × data kinds
(empty: all) for N days. Where several enabled policies cover the same data the
shortest keep wins (storage limitation: no longer than the purposes need),
unless policies marked *legal minimum* cover it too: the longest of those is a
floor. So a row is kept max(shortest ordinary keep, longest legal minimum), and
the policy giving that keep *decides* it (ties: the legal minimum, then the
older policy). Notice publishing refuses scopes no policy covers
(selectors/retention.py::retention_gaps); data no policy covers is kept.

In SQL each row gets two CASEs, the ordinary rules shortest keep first and the
legal minimums longest first; the first rule of each that could cover the row
gives a cut-off, the earlier cut-off (the longer keep) applies. How rows name
what they hold:

- events name a purpose, an application and a data kind; activity days name an
  application and a kind but no purpose, so a policy of any purpose covers them;
- a session summary names one application and the kinds it counts: it goes
  only when every kind it counts is covered, and by the rules that cover any of
  its kinds (a summary counting nothing counts as "any kind");
- a drop tally names neither: only a policy for all applications and kinds
  covers it wholly, and any policy of its store may decide it.

Rows of a person who restricted processing to preserve them for a legal claim
(Art. 18(1)(c), `Employee.restriction_preserves`) are held like a legal hold's
until the restriction is lifted.

Times: events by `ts`, summaries by `started_at` (the column holds use),
activity days and tallies by `day`, which goes once the whole day is past the
cut-off. Pending session refreshes are work items, not retained data.

Enforcement, per store and under one run lock: a day partition of the events
table holding no row that is unexpired or held is detached and dropped;
everything else expired is deleted in committed batches. Each deleting
transaction takes the hold lock (shared) and re-reads the holds, so no held row
is ever deleted, and the policy lock (shared) and re-reads the policies, so a
keep lengthened mid-run is obeyed from the next batch. Each policy × store gets
a RetentionRun whose counts change in the same transaction as the rows they
count: the evidence stays exact even when a run dies midway.

Partitions are detached with a plain `DETACH PARTITION` and dropped in the
same transaction. `DETACH ... CONCURRENTLY` is not possible here: PostgreSQL
refuses it while the table has a DEFAULT partition (ours takes strays), and
it cannot run inside a transaction block, while the drop must share the
transaction that holds the hold lock and has checked that no held row is in
the day. The day's partition is locked in SHARE mode first (writers of other
days carry on), then the parent's ACCESS EXCLUSIVE lock is taken for a few
milliseconds under a short lock_timeout; if it is not granted in time (or a
writer of that very day deadlocks with it), the day is deleted in batches.

Cost: a day all of whose rows have expired costs a count and a drop. A day
expired for some policies but not others is scanned by every run until the
longest keep passes it.
"""

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import (
    Application,
    DataKind,
    Purpose,
    RetentionPolicy,
    RetentionRun,
)
from governance.models.catalogue import single_line_text
from governance.services.audit import audit_record
from governance.services.locks import (
    lock_holds,
    lock_retention_policies,
    retention_run_try_lock,
    retention_run_unlock,
)
from governance.stores import REGISTRY, stores
from governance.stores.base import RetainedTable
from governance.stores.events import DEFAULT_PARTITION, event_partitions, partition_day
from governance.stores.holds import (
    HoldWindow,
    held_sql,
    hold_windows_by_store,
    hold_windows_by_subject,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 50_000
MAX_KEEP_DAYS = 36_500
DROP_LOCK_TIMEOUT = "2s"
MAX_REPLANS = 3

# ---------------------------------------------------------------------------
# Officer writes


EDITABLE = {
    "name",
    "store",
    "keep_days",
    "legal_minimum",
    "purposes",
    "applications",
    "data_kinds",
    "enabled",
}


def _validate(*, name, store, keep_days) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the policy.")]
    elif len(name.strip()) > RetentionPolicy._meta.get_field("name").max_length:
        errors["name"] = [_("Keep the name under %(limit)s characters.") % {"limit": 120}]
    elif not single_line_text.regex.search(name):
        errors["name"] = [single_line_text.message]
    if store not in REGISTRY:
        errors["store"] = [
            _("Unknown store; choose one of: %(stores)s.") % {"stores": ", ".join(sorted(REGISTRY))}
        ]
    elif not REGISTRY[store].retained:
        kept_for = getattr(REGISTRY[store], "kept_for", "") or (
            _("access packages %(days)s days after they are built")
            % {"days": settings.EXPORT_TTL_DAYS}
        )
        errors["store"] = [
            _("This store's data expires by itself (%(kept_for)s); no policy applies to it.")
            % {"kept_for": kept_for}
        ]
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 1:
        errors["keep_days"] = [_("Keep data for at least one whole day.")]
    elif keep_days > MAX_KEEP_DAYS:
        errors["keep_days"] = [_("At most %(limit)s days.") % {"limit": MAX_KEEP_DAYS}]
    if errors:
        raise ValidationError(errors)


def _policy_details(policy: RetentionPolicy) -> dict:
    def slugs(related):
        return sorted(related.values_list("slug", flat=True)) or "all"

    return {
        "name": policy.name,
        "store": policy.store,
        "keep_days": policy.keep_days,
        "legal_minimum": policy.legal_minimum,
        "purposes": slugs(policy.purposes),
        "applications": slugs(policy.applications),
        "data_kinds": slugs(policy.data_kinds),
        "enabled": policy.enabled,
    }


def retention_policy_create(
    *,
    actor,
    name: str,
    store: str,
    keep_days: int,
    purposes: Iterable[Purpose] = (),
    applications: Iterable[Application] = (),
    data_kinds: Iterable[DataKind] = (),
    legal_minimum: bool = False,
    enabled: bool = True,
) -> RetentionPolicy:
    _validate(name=name, store=store, keep_days=keep_days)
    with transaction.atomic():
        lock_retention_policies()
        policy = RetentionPolicy.objects.create(
            name=name.strip(),
            store=store,
            keep_days=keep_days,
            legal_minimum=legal_minimum,
            enabled=enabled,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        policy.purposes.set(purposes)
        policy.applications.set(applications)
        policy.data_kinds.set(data_kinds)
        audit_record(
            actor=actor,
            action="retention_policy.created",
            target=policy,
            details=_policy_details(policy),
        )
    return policy


def retention_policy_update(*, policy: RetentionPolicy, actor, **fields) -> RetentionPolicy:
    """Change any of name, store, keep_days, legal_minimum, purposes, applications,
    data_kinds, enabled.

    Takes effect for the next batch of a run in progress (the policy lock)."""
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})
    with transaction.atomic():
        lock_retention_policies()
        policy = RetentionPolicy.objects.select_for_update(no_key=True).get(pk=policy.pk)
        before = _policy_details(policy)
        _validate(
            name=fields.get("name", policy.name),
            store=fields.get("store", policy.store),
            keep_days=fields.get("keep_days", policy.keep_days),
        )
        for name in ("name", "store", "keep_days", "legal_minimum", "enabled"):
            if name in fields:
                value = fields[name].strip() if name == "name" else fields[name]
                setattr(policy, name, value)
        for name in ("purposes", "applications", "data_kinds"):
            if name in fields:
                getattr(policy, name).set(fields[name])
        after = _policy_details(policy)
        changed = sorted(k for k in after if after[k] != before[k])
        if not changed:
            return policy
        policy.save()
        verb = "updated"
        if changed == ["enabled"]:
            verb = "enabled" if policy.enabled else "disabled"
        audit_record(
            actor=actor,
            action=f"retention_policy.{verb}",
            target=policy,
            details={**after, "changed": changed},
        )
    return policy


def retention_policy_disable(*, policy: RetentionPolicy, actor) -> RetentionPolicy:
    return retention_policy_update(policy=policy, actor=actor, enabled=False)


# ---------------------------------------------------------------------------
# Which keep applies to which data


@dataclass(frozen=True)
class KeepRule:
    """One enabled policy as the engine applies it; None means every purpose/application/kind."""

    policy_id: int
    name: str
    keep_days: int
    application_ids: frozenset[int] | None
    data_kind_ids: frozenset[int] | None
    data_kind_slugs: frozenset[str] | None
    purpose_ids: frozenset[int] | None = None
    legal_minimum: bool = False

    def covers(self, application_id: int, data_kind_id: int, purpose_id: int | None = None) -> bool:
        """Covers data of this scope; a `purpose_id` of None (data naming no purpose) is
        covered by a policy of any purpose."""
        return (
            (self.application_ids is None or application_id in self.application_ids)
            and (self.data_kind_ids is None or data_kind_id in self.data_kind_ids)
            and (purpose_id is None or self.purpose_ids is None or purpose_id in self.purpose_ids)
        )

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.keep_days)

    @property
    def covers_everything(self) -> bool:
        return (
            self.application_ids is None and self.data_kind_ids is None and self.purpose_ids is None
        )


def deciding_rule(rules: Iterable[KeepRule]) -> KeepRule | None:
    """Of the rules covering some data, the one whose keep applies: the shortest ordinary
    keep, unless a legal minimum is longer (then the longest legal minimum)."""
    rules = list(rules)
    ordinary = min(
        (r for r in rules if not r.legal_minimum),
        key=lambda r: (r.keep_days, r.policy_id),
        default=None,
    )
    floor = min(
        (r for r in rules if r.legal_minimum),
        key=lambda r: (-r.keep_days, r.policy_id),
        default=None,
    )
    if floor is not None and (ordinary is None or floor.keep_days >= ordinary.keep_days):
        return floor
    return ordinary


@dataclass(frozen=True)
class EffectiveKeep:
    """A store's enabled policies and which of them decides each scope's keep."""

    store: str
    rules: tuple[KeepRule, ...]

    def winner(
        self, application_id: int, data_kind_id: int, purpose_id: int | None = None
    ) -> KeepRule | None:
        return deciding_rule(
            r for r in self.rules if r.covers(application_id, data_kind_id, purpose_id)
        )

    def keep_days(
        self, application_id: int, data_kind_id: int, purpose_id: int | None = None
    ) -> int | None:
        """Days this store keeps data of this scope; None: kept indefinitely."""
        rule = self.winner(application_id, data_kind_id, purpose_id)
        return rule.keep_days if rule else None

    def matrix(self) -> list[tuple[Application, DataKind, KeepRule | None]]:
        """The winner for every application × data kind of the catalogue (for pages)."""
        kinds = list(DataKind.objects.order_by("slug"))
        return [
            (app, kind, self.winner(app.pk, kind.pk))
            for app in Application.objects.order_by("slug")
            for kind in kinds
        ]


def _enabled_policies():
    return RetentionPolicy.objects.filter(enabled=True).prefetch_related(
        "purposes", "applications", "data_kinds"
    )


def _keep_rules(policies: Iterable[RetentionPolicy]) -> tuple[KeepRule, ...]:
    rules = []
    for policy in policies:
        kinds = list(policy.data_kinds.all())
        rules.append(
            KeepRule(
                policy_id=policy.pk,
                name=policy.name,
                keep_days=policy.keep_days,
                application_ids=frozenset(a.pk for a in policy.applications.all()) or None,
                data_kind_ids=frozenset(k.pk for k in kinds) or None,
                data_kind_slugs=frozenset(k.slug for k in kinds) or None,
                purpose_ids=frozenset(p.pk for p in policy.purposes.all()) or None,
                legal_minimum=policy.legal_minimum,
            )
        )
    # Ordinary keeps shortest first, then legal minimums longest first: the first
    # rule of each kind that covers a row is the one that can decide it.
    return tuple(
        sorted(
            rules,
            key=lambda r: (
                r.legal_minimum,
                -r.keep_days if r.legal_minimum else r.keep_days,
                r.policy_id,
            ),
        )
    )


def enabled_rules_by_store() -> dict[str, tuple[KeepRule, ...]]:
    """Every store's enabled policies as rules, from one read."""
    by_store = defaultdict(list)
    for policy in _enabled_policies():
        by_store[policy.store].append(policy)
    return {store: _keep_rules(policies) for store, policies in by_store.items()}


def _load_rules(store: str) -> tuple[KeepRule, ...]:
    return _keep_rules(_enabled_policies().filter(store=store))


def effective_keep(store: str) -> EffectiveKeep:
    return EffectiveKeep(store=store, rules=_load_rules(store))


# ---------------------------------------------------------------------------
# The rules as SQL


@dataclass(frozen=True)
class Fragment:
    sql: str
    params: tuple = ()


TRUE, FALSE = Fragment("TRUE"), Fragment("FALSE")


def _sql(*pieces: str | Fragment) -> Fragment:
    sql, params = [], []
    for piece in pieces:
        if isinstance(piece, Fragment):
            sql.append(piece.sql)
            params.extend(piece.params)
        else:
            sql.append(piece)
    return Fragment("".join(sql), tuple(params))


def _param(value) -> Fragment:
    return Fragment("%s", (value,))


def _joined(parts: list[Fragment], op: str, empty: Fragment) -> Fragment:
    if not parts:
        return empty
    pieces: list[str | Fragment] = ["("]
    for i, part in enumerate(parts):
        pieces += [f" {op} " if i else "", part]
    return _sql(*pieces, ")")


def _all(parts: list[Fragment]) -> Fragment:
    return _joined(parts, "AND", TRUE)


def _any(parts: list[Fragment]) -> Fragment:
    return _joined(parts, "OR", FALSE)


# How retention reads each store's tables is declared by the store itself.
RETAINED: dict[str, tuple[RetainedTable, ...]] = {s.name: s.retained for s in stores()}


def _application_is(rule: KeepRule) -> Fragment:
    if rule.application_ids is None:
        return TRUE
    return _sql("application_id = ANY(", _param(sorted(rule.application_ids)), ")")


def _could_cover(rule: KeepRule, table: RetainedTable) -> Fragment:
    """True for rows this rule covers, or covers part of (a summary's kinds)."""
    if table.shape == "none":
        return TRUE  # a row naming nothing could be about anything
    parts = [_application_is(rule)]
    if rule.purpose_ids is not None and table.has_purpose:
        parts.append(_sql("purpose_id = ANY(", _param(sorted(rule.purpose_ids)), ")"))
    if rule.data_kind_ids is not None:
        if table.shape == "app_kind":
            parts.append(_sql("data_kind_id = ANY(", _param(sorted(rule.data_kind_ids)), ")"))
        else:
            slugs = _param(sorted(rule.data_kind_slugs))
            parts.append(_sql("(counts ?| ", slugs, " OR counts = '{}'::jsonb)"))
    return _all(parts)


def _wholly_covered(rules: tuple[KeepRule, ...], table: RetainedTable) -> Fragment:
    """True for rows every part of which some rule covers."""
    if table.shape == "app_kind":
        return TRUE  # one part: covered when it has a winner
    if table.shape == "none":  # names no purpose: a policy of any purpose may cover it
        every = any(r.application_ids is None and r.data_kind_ids is None for r in rules)
        return TRUE if every else FALSE

    def covers_kind(rule: KeepRule) -> Fragment:  # of the summary's kind `k.slug`
        if rule.data_kind_slugs is None:
            return _application_is(rule)
        slugs = _param(sorted(rule.data_kind_slugs))
        return _all([_application_is(rule), _sql("k.slug = ANY(", slugs, ")")])

    each_kind = _any([covers_kind(r) for r in rules])
    any_kind = _any([_application_is(r) for r in rules if r.data_kind_ids is None])
    return _sql(
        "(NOT EXISTS (SELECT 1 FROM jsonb_object_keys(counts) AS k(slug) WHERE NOT ",
        each_kind,
        ") AND (counts <> '{}'::jsonb OR ",
        any_kind,
        "))",
    )


class Plan:
    """The rules of one store at one moment, as SQL for each of its tables."""

    def __init__(self, rules: tuple[KeepRule, ...], now: datetime):
        self.rules = rules
        self.now = now
        self.cutoffs = {r.policy_id: r.cutoff(now) for r in rules}
        # Rows at or after the youngest cut-off are kept whatever else holds.
        self.youngest = max(self.cutoffs.values())
        self.ordinary = tuple(r for r in rules if not r.legal_minimum)
        self.floors = tuple(r for r in rules if r.legal_minimum)

    def cutoff_value(self, rule: KeepRule, table: RetainedTable):
        cutoff = self.cutoffs[rule.policy_id]
        return cutoff.astimezone(UTC).date() if table.by_day else cutoff

    def youngest_value(self, table: RetainedTable):
        return self.youngest.astimezone(UTC).date() if table.by_day else self.youngest

    def _first(self, rules, table: RetainedTable, value) -> Fragment:
        """`value(rule)` of the first of `rules` that could cover each row (NULL: none)."""
        if not rules:
            return Fragment("NULL")
        whens = [_sql(" WHEN ", _could_cover(r, table), " THEN ", _param(value(r))) for r in rules]
        return _sql("(CASE", *whens, " END)")

    def _cutoffs(self, table: RetainedTable) -> tuple[Fragment, Fragment]:
        """Per row: the shortest ordinary keep's cut-off and the longest legal minimum's."""

        def cutoff(rule):
            return self.cutoff_value(rule, table)

        return self._first(self.ordinary, table, cutoff), self._first(self.floors, table, cutoff)

    def winner(self, table: RetainedTable) -> Fragment:
        """The id of the policy that decides each row's keep (NULL: none covers it)."""

        def policy(rule):
            return rule.policy_id

        ordinary = self._first(self.ordinary, table, policy)
        if not self.floors:
            return ordinary
        floor = self._first(self.floors, table, policy)
        if not self.ordinary:
            return floor
        ordinary_cutoff, floor_cutoff = self._cutoffs(table)
        # The floor decides when it keeps at least as long (its cut-off is no later).
        return _sql(
            "(CASE WHEN ", floor_cutoff, " <= COALESCE(", ordinary_cutoff, ", ", floor_cutoff,
            ") THEN ", floor, " ELSE ", ordinary, " END)",
        )  # fmt: skip

    def expired(self, table: RetainedTable) -> Fragment:
        ordinary_cutoff, floor_cutoff = self._cutoffs(table)
        # LEAST skips NULLs: the earlier cut-off (the longer keep) of the two applies.
        return _sql(
            "COALESCE(",
            _wholly_covered(self.rules, table),
            f" AND {table.time_column} < LEAST(",
            ordinary_cutoff,
            ", ",
            floor_cutoff,
            "), FALSE)",
        )

    @property
    def sole_decider(self) -> KeepRule | None:
        """The rule that decides every row whatever it holds, if one does."""
        if self.floors or not self.ordinary[0].covers_everything:
            return None
        return self.ordinary[0]

    def before_youngest(self, table: RetainedTable) -> Fragment:
        return _sql(f"{table.time_column} < ", _param(self.youngest_value(table)))

    def whole_day_expires(self, day_end: datetime) -> bool:
        """Every row of a day ending then is expired, whatever it holds."""
        return any(r.covers_everything for r in self.rules) and all(
            cutoff >= day_end for cutoff in self.cutoffs.values()
        )


def _held(windows_by_subject: dict[str, list[HoldWindow]], table: RetainedTable) -> Fragment:
    """True for rows a legal hold preserves. Custodians sharing windows share a clause."""
    if not table.per_subject:
        return FALSE
    subjects_by_windows: dict[frozenset, list[str]] = defaultdict(list)
    for subject, windows in windows_by_subject.items():
        subjects_by_windows[frozenset(windows)].append(subject)
    parts = []
    for windows, subjects in subjects_by_windows.items():
        sql, params = held_sql(list(windows), table.time_column, by_day=table.by_day)
        inside = Fragment(sql, tuple(params))
        parts.append(_sql("(subject = ANY(", _param(sorted(subjects)), ") AND ", inside, ")"))
    return _any(parts)


def _execute(cursor, fragment: Fragment) -> None:
    cursor.execute(fragment.sql, list(fragment.params))


def _any_row(cursor, table: str, condition: Fragment) -> bool:
    _execute(cursor, _sql(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE ", condition, ")"))
    return cursor.fetchone()[0]


# ---------------------------------------------------------------------------
# Dry run


@dataclass(frozen=True)
class RetentionPreview:
    """What one policy would delete from one store now, and what holds keep of it."""

    policy: RetentionPolicy
    store: str
    cutoff: datetime
    rows: int
    rows_held: int


def _expired_counts(plan: Plan, table: RetainedTable, held: Fragment) -> list[tuple]:
    """(policy id, rows not held, rows held) of the expired rows of one table."""
    with connection.cursor() as cursor:
        _execute(
            cursor,
            _sql(
                "SELECT ", plan.winner(table), " AS policy, ",
                "count(*) FILTER (WHERE NOT ", held, "), count(*) FILTER (WHERE ", held, ") ",
                f"FROM {table.table} WHERE ", plan.before_youngest(table),
                " AND ", plan.expired(table), " GROUP BY 1",
            ),
        )  # fmt: skip
        return cursor.fetchall()


def retention_dry_run(*, now: datetime | None = None) -> list[RetentionPreview]:
    """Per enabled policy and store: rows it would delete now as the policy deciding them
    (held rows not counted), and rows it would delete but for a legal hold or a
    restriction preserving them for a legal claim."""
    now = now or timezone.now()
    # Policies and holds of every store in one read each; then one count per table.
    policies = {policy.pk: policy for policy in _enabled_policies()}
    windows_by_store = hold_windows_by_store(stores=list(REGISTRY))
    previews = []
    for store in REGISTRY:
        rules = _keep_rules(p for p in policies.values() if p.store == store)
        if not rules or store not in RETAINED:
            continue
        plan = Plan(rules, now)
        windows = windows_by_store[store]
        rows, held = Counter(), Counter()
        for table in RETAINED[store]:
            for policy_id, free, kept in _expired_counts(plan, table, _held(windows, table)):
                rows[policy_id] += free
                held[policy_id] += kept
        previews += [
            RetentionPreview(
                policy=policies[r.policy_id],
                store=store,
                cutoff=plan.cutoffs[r.policy_id],
                rows=rows[r.policy_id],
                rows_held=held[r.policy_id],
            )
            for r in rules
        ]
    return previews


# ---------------------------------------------------------------------------
# Enforcement


class PoliciesChanged(Exception):
    """An officer changed the store's policies while a run was deleting by them."""


def retention_enforce(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[RetentionRun]:
    """Enforce every enabled policy on every store; one RetentionRun per policy × store,
    and one for each store whose data expires by itself (access packages) when some did.

    Safe to call twice or concurrently: a second caller while one runs returns []
    at once, and a run after a finished one finds nothing more to delete.
    """
    now = now or timezone.now()
    if not retention_run_try_lock():
        logger.info("retention: another enforcement is running; this one stops")
        return []
    try:
        RetentionRun.objects.filter(finished_at__isnull=True, dry_run=False, error="").update(
            error="interrupted: the enforcing process stopped before finishing"
        )
        runs = []
        for name in REGISTRY:
            runs += _enforce_store(name, now, batch_size)
            if hasattr(REGISTRY[name], "purge_expired"):
                runs += _purge_expired(name, now)
        return runs
    finally:
        retention_run_unlock()


def _enforce_store(store: str, now: datetime, batch_size: int) -> list[RetentionRun]:
    runs: list[RetentionRun] = []
    for _replan in range(MAX_REPLANS + 1):
        rules = _load_rules(store)
        if not rules:
            return runs
        enforcement = StoreEnforcement(store, rules, now, batch_size)
        if store not in RETAINED:
            return runs + enforcement.finish(error="this store has no retention support yet")
        try:
            enforcement.execute()
        except PoliciesChanged:
            runs += enforcement.finish(
                error="stopped: the policies changed during the run; it went on under the new ones"
            )
            continue
        except Exception as exc:
            logger.exception("retention of store %s failed", store)
            return runs + enforcement.finish(error=f"{exc.__class__.__name__}: {exc}")
        return runs + enforcement.finish()
    return runs


def _purge_expired(store: str, now: datetime) -> list[RetentionRun]:
    """A store whose data expires by itself (no officer's policy): its expired data goes,
    recorded as a run without a policy whose cut-off is `now` (what expired before it),
    audited like the rest. A run that found nothing expired leaves no run behind, as a
    store without policies leaves none."""
    started, started_at = time.monotonic(), timezone.now()
    removed = held = 0
    error = ""
    try:
        with transaction.atomic():
            lock_holds(shared=True)
            windows = hold_windows_by_subject(store=store)
            removed, held = REGISTRY[store].purge_expired(now, windows)
    except Exception as exc:
        logger.exception("retention of store %s failed", store)
        error = f"{exc.__class__.__name__}: {exc}"
    if not (removed or held or error):
        return []
    with transaction.atomic():
        run = RetentionRun.objects.create(
            store=store,
            cutoff=now,
            rows_removed=removed,
            rows_held=held,
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            error=error[:2000],
        )
        audit_record(
            actor=None,
            action="retention.enforced",
            target=run,
            details={
                "policy": None,
                "store": store,
                "cutoff": now.isoformat(),
                "rows_removed": removed,
                "rows_held": held,
                "partitions_dropped": [],
                "error": run.error,
            },
        )
    return [run]


def _lock_refused(exc: OperationalError) -> bool:
    # lock_not_available (our lock_timeout) or deadlock_detected (a writer of that day).
    return getattr(exc.__cause__, "sqlstate", None) in ("55P03", "40P01")


@contextmanager
def _lock_timeout(cursor, value: str):
    cursor.execute("SELECT current_setting('lock_timeout')")
    previous = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [value])
    yield
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


@dataclass
class StoreEnforcement:
    """One pass of a store's policies: its runs, counts and deleting transactions."""

    store: str
    rules: tuple[KeepRule, ...]
    now: datetime
    batch_size: int
    runs: dict[int, RetentionRun] = field(default_factory=dict)
    removed: Counter = field(default_factory=Counter)
    dropped: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self):
        self.plan = Plan(self.rules, self.now)
        self.started = time.monotonic()
        started_at = timezone.now()
        for rule in self.rules:
            self.runs[rule.policy_id] = RetentionRun.objects.create(
                policy_id=rule.policy_id,
                store=self.store,
                cutoff=self.plan.cutoffs[rule.policy_id],
                started_at=started_at,
            )

    def execute(self) -> None:
        for table in RETAINED[self.store]:
            if table.partitioned:
                self._events(table)
            else:
                self._delete_batches(table, table.table)

    def _guard(self) -> dict[str, list[HoldWindow]]:
        """Start of every deleting transaction: the holds and policies as they now stand."""
        lock_holds(shared=True)
        lock_retention_policies(shared=True)
        if _load_rules(self.store) != self.rules:
            raise PoliciesChanged
        return hold_windows_by_subject(store=self.store)

    def _record(self, counts: dict[int, int], partition: str | None = None) -> None:
        """Add to the runs' evidence, inside the transaction that deleted the rows."""
        for policy_id, n in counts.items():
            self.removed[policy_id] += n
            updates = {"rows_removed": F("rows_removed") + n}
            if partition:
                self.dropped[policy_id].append(partition)
                updates["partitions_dropped"] = self.dropped[policy_id]
            RetentionRun.objects.filter(pk=self.runs[policy_id].pk).update(**updates)

    def _events(self, table: RetainedTable) -> None:
        youngest = self.plan.youngest
        for partition in event_partitions():
            day = partition_day(partition)
            if day is not None:
                start = datetime(day.year, day.month, day.day, tzinfo=UTC)
                end = start + timedelta(days=1)
                if start >= youngest:
                    continue
                if end <= youngest and self._drop(table, partition, end):
                    continue
            self._delete_batches(table, partition)
        self._delete_batches(table, DEFAULT_PARTITION)

    def _drop(self, table: RetainedTable, partition: str, day_end: datetime) -> bool:
        """Detach and drop a day partition when none of its rows is unexpired or held."""
        whole_day = self.plan.whole_day_expires(day_end)
        if not whole_day:
            with transaction.atomic(), connection.cursor() as cursor:  # early exit, no locks
                if _any_row(cursor, partition, _sql("NOT ", self.plan.expired(table))):
                    return False
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                windows = self._guard()
                with _lock_timeout(cursor, DROP_LOCK_TIMEOUT):
                    # Nothing enters or leaves the day from here; other days carry on.
                    cursor.execute(f"LOCK TABLE {partition} IN SHARE MODE")
                    # By the subject index: cheap.
                    if windows and _any_row(cursor, partition, _held(windows, table)):
                        return False
                    counts = self._day_counts(cursor, table, partition, whole_day)
                    if counts is None:
                        return False
                    REGISTRY["events"].partition_drop(cursor, partition)
                # An empty day goes on the evidence of the policy that made it a candidate.
                self._record(counts or {self.rules[-1].policy_id: 0}, partition=partition)
            return True
        except OperationalError as exc:
            if not _lock_refused(exc):
                raise
            logger.warning("retention: %s busy; deleting it in batches instead", partition)
            return False

    def _day_counts(self, cursor, table, partition: str, whole_day: bool) -> dict | None:
        """Rows of a locked day by the policy that expires them; None if any is unexpired.

        This count is the evidence of what the drop removes: the one part of a
        drop whose time grows with the day."""
        decider = self.plan.sole_decider
        if whole_day and decider is not None:
            # Every row is expired and one policy decides them all: a plain count.
            cursor.execute(f"SELECT count(*) FROM {partition}")
            n = cursor.fetchone()[0]
            return {decider.policy_id: n} if n else {}
        expired = self.plan.expired(table)
        _execute(
            cursor,
            _sql(
                "SELECT ", self.plan.winner(table), ", count(*), ",
                "count(*) FILTER (WHERE NOT ", expired, ") ",
                f"FROM {partition} GROUP BY 1",
            ),
        )  # fmt: skip
        rows = cursor.fetchall()
        if any(unexpired for _, _, unexpired in rows):
            return None
        return {policy_id: n for policy_id, n, _ in rows}

    def _delete_batches(self, table: RetainedTable, physical: str) -> None:
        """Delete a table's expired, unheld rows in committed batches, in key order."""
        keys = ", ".join(table.keys)
        keys_desc = ", ".join(f"{k} DESC" for k in table.keys)
        after: tuple | None = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                held = _held(self._guard(), table)
                resume = TRUE
                if after is not None:
                    marks = ", ".join(["%s"] * len(after))
                    resume = Fragment(f"({keys}) > ({marks})", after)
                _execute(
                    cursor,
                    _sql(
                        f"WITH batch AS MATERIALIZED (SELECT ctid, {keys} FROM {physical} WHERE ",
                        self.plan.before_youngest(table), " AND ", resume,
                        " AND ", self.plan.expired(table), " AND NOT ", held,
                        f" ORDER BY {keys} LIMIT ", _param(self.batch_size), "), ",
                        f"gone AS (DELETE FROM {physical} WHERE ctid = ANY(ARRAY(SELECT ctid FROM batch)) ",
                        "RETURNING ", self.plan.winner(table), " AS policy), ",
                        f"last AS (SELECT {keys} FROM batch ORDER BY {keys_desc} LIMIT 1) ",
                        "SELECT last.*, g.policy, g.n FROM last LEFT JOIN ",
                        "(SELECT policy, count(*) AS n FROM gone GROUP BY policy) g ON TRUE",
                    ),
                )  # fmt: skip
                rows = cursor.fetchall()
                if not rows:
                    return
                width = len(table.keys)
                after = tuple(rows[0][:width])
                self._record({r[width]: r[width + 1] for r in rows if r[width] is not None})

    def _held_counts(self) -> Counter:
        held = Counter()
        with transaction.atomic():
            lock_holds(shared=True)
            windows = hold_windows_by_subject(store=self.store)
            if not windows:
                return held
            for table in RETAINED.get(self.store, ()):
                for policy_id, _, kept in _expired_counts(self.plan, table, _held(windows, table)):
                    held[policy_id] += kept
        return held

    def finish(self, error: str = "") -> list[RetentionRun]:
        """Close the runs with their totals and audit each, in one transaction."""
        held = Counter() if error else self._held_counts()
        finished_at = timezone.now()
        duration_ms = int((time.monotonic() - self.started) * 1000)
        with transaction.atomic():
            for policy_id, run in self.runs.items():
                run.rows_removed = self.removed[policy_id]
                run.rows_held = held[policy_id]
                run.partitions_dropped = list(self.dropped[policy_id])
                run.finished_at = finished_at
                run.duration_ms = duration_ms
                run.error = error[:2000]
                run.save(
                    update_fields=[
                        "rows_removed",
                        "rows_held",
                        "partitions_dropped",
                        "finished_at",
                        "duration_ms",
                        "error",
                    ]
                )
                audit_record(
                    actor=None,
                    action="retention.enforced",
                    target=run,
                    details={
                        "policy": policy_id,
                        "store": self.store,
                        "cutoff": run.cutoff.isoformat(),
                        "rows_removed": run.rows_removed,
                        "rows_held": run.rows_held,
                        "partitions_dropped": run.partitions_dropped,
                        "error": run.error,
                    },
                )
        return list(self.runs.values())
