"""The store registry: every place that holds interaction data about a person.

Each store can count and export what it holds of one subject, optionally
limited to a scope (applications × data kinds). The erasure and retention
engine extends the same interface; a store that is not registered here is a
test failure.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Protocol


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

    def count(self, subject: str, scope: SubjectScope = EVERYTHING) -> int: ...

    def export(self, subject: str, scope: SubjectScope = EVERYTHING) -> Iterator[dict]: ...


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
