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


class Store(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]
    models: ClassVar[tuple]  # the Django models (tables) whose rows this store answers for
    # Erasure runs stores in stages: derived stores (stage 1) after their sources (stage 0).
    stage: ClassVar[int]

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int: ...

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
