"""Importing this package registers every store."""

from governance.stores import events, exports, sessions, typed_tails  # noqa: F401  (registration side effect)
from governance.stores.base import EVERYTHING, REGISTRY, SubjectScope, store, stores

__all__ = ["EVERYTHING", "REGISTRY", "SubjectScope", "store", "stores"]
