"""Retention enforcement: written next (placeholder so imports resolve)."""


def retention_enforce():
    raise NotImplementedError("retention enforcement is not built yet")
