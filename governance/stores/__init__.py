"""Importing this package registers every store."""

from governance.stores import (  # noqa: F401  (registration side effect)
    datasets,
    events,
    exports,
    sessions,
    typed_tails,
)
from governance.stores.base import EVERYTHING, REGISTRY, SubjectScope, store, stores

__all__ = ["EVERYTHING", "REGISTRY", "SubjectScope", "store", "stores"]
