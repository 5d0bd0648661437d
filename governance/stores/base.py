"""The store registry: every place that holds interaction data about a person.

Each store can count and export what it holds of one subject, optionally
limited to a scope (applications × data kinds). The erasure and retention
engine extends the same interface; a store that is not registered here is a
test failure.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Protocol

from governance.stores.holds import HoldWindow


@dataclass(frozen=True)
class SubjectScope:
    """Which part of a subject's data: None means every purpose, application or kind."""

    purpose_ids: frozenset[int] | None = None
    application_ids: frozenset[int] | None = None
    data_kind_ids: frozenset[int] | None = None


EVERYTHING = SubjectScope()


@dataclass(frozen=True)
class RetainedTable:
    """A table of a store, as retention reads it when it purges rows past a cut-off.

    shape: "app_kind" (one application and data kind per row), "app_counts"
    (one application, kinds as the keys of `counts`) or "none" (neither).
    """

    table: str
    time_column: str
    keys: tuple[str, ...]
    shape: str
    by_day: bool = False  # a date column: a row goes once its whole day is past the cut-off
    partitioned: bool = False
    # False for a table whose rows name no one: no custodian's legal hold can cover them.
    per_subject: bool = True
    has_purpose: bool = False  # a purpose_id column; rows without one suit every purpose


class Store(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]
    models: ClassVar[tuple]  # the Django models (tables) whose rows this store answers for
    # Erasure runs stores in stages: derived stores (stage 1) after their sources (stage 0).
    stage: ClassVar[int]
    # Purging for retention: the engine in services/retention.py deletes (or drops whole
    # day partitions of) these tables by their time column, never past a legal hold.
    retained: ClassVar[tuple[RetainedTable, ...]]

    def count(self, subject: str, scope: SubjectScope = EVERYTHING, *, just_erased=False) -> int:
        """Rows in scope. `just_erased`: counted in the transaction that deleted most of
        them, where a store may count another way (its indexes point at its own deletes)."""

    def estimate(self, subject: str, scope: SubjectScope = EVERYTHING) -> int | None:
        """Rows in scope, roughly and cheaply: what a progress bar is measured against.
        Never evidence; the exact figures come from the deletes and a fresh count.
        None from a store that erases a subject in one quick batch: its step records
        the exact figure when it ends, rather than pay a count for a bar nobody sees."""

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]: ...

    def count_held(self, subject: str, scope: SubjectScope, holds: list[HoldWindow]) -> int:
        """Rows in scope that the holds preserve."""

    def erase_batch(
        self,
        subject: str,
        scope: SubjectScope,
        holds: list[HoldWindow],
        limit: int,
        position: object = None,
    ) -> tuple[int, object]:
        """Delete up to `limit` rows in scope that no hold covers, starting at `position`
        (None: the beginning). Returns how many went and where to go on from, or None
        when nothing deletable is left. Each call runs in its own transaction."""


# A store in PostgreSQL may also offer
#     anything_sql(subject, scope) -> (sql, params)
# a boolean SQL expression, false only when the store holds nothing of the subject in
# scope and its erase_batch would change nothing: the erasure engine asks every store
# of a stage at once, in one query, and ends the steps of those holding nothing on it.
#
# A store may also offer
#     lanes(subject, scope, most) -> list of up to `most` parts of the subject's rows,
# each with `expected` (its estimate) and the count, count_held and erase_batch above
# limited to it. Together they hold every row in scope, each row in one; the erasure
# engine erases and verifies each on its own, at once on separate connections.


# A store whose data carries its own expiry (access packages, EXPORT_TTL_DAYS after they
# are built) has no `retained` tables; instead retention calls its
#     purge_expired(now, holds_by_subject) -> (removed, held)
# in a transaction holding the hold lock, and records the call as a RetentionRun.


REGISTRY: dict[str, Store] = {}


def register(store_class):
    store = store_class()
    if store.name in REGISTRY:
        raise ValueError(f"store {store.name!r} registered twice")
    REGISTRY[store.name] = store
    return store_class


def stores() -> list[Store]:
    return list(REGISTRY.values())


def store(name: str) -> Store:
    return REGISTRY[name]
