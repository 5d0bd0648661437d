"""What the catalogue's safeguard rules mean for one batch, loaded once per batch.

Applied before anything is written: excluded applications and window titles
are dropped, secure-input keys lose code and char, typed personal data is
replaced by a class marker, window titles are kept only as a keyed hash and
keystroke times are coarsened.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings

from governance.models import Application, SafeguardRule
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.redaction import Detector


@dataclass(frozen=True)
class AppEntry:
    pk: int
    enabled: bool
    excluded: bool


@dataclass
class SafeguardPolicy:
    apps: dict[str, AppEntry]  # identifier or slug → entry
    title_patterns: list[re.Pattern] = field(default_factory=list)
    detectors: frozenset[Detector] = frozenset()
    key_resolution_ms: int = 0

    def title_excluded(self, title: str | None) -> bool:
        return bool(title) and any(p.search(title) for p in self.title_patterns)

    def coarsen(self, ts: datetime) -> datetime:
        step = self.key_resolution_ms
        if step <= 1:
            return ts
        micros = ts.microsecond - ts.microsecond % 1000  # ms resolution first
        millis_of_minute = ts.second * 1000 + micros // 1000
        floored = millis_of_minute - millis_of_minute % step
        return ts.replace(second=floored // 1000, microsecond=(floored % 1000) * 1000)


def safeguard_policy_load() -> SafeguardPolicy:
    rules = list(SafeguardRule.objects.filter(enabled=True))
    excluded_apps = {
        r.application_id for r in rules if r.kind == SafeguardRule.Kind.EXCLUDED_APPLICATION
    }
    apps: dict[str, AppEntry] = {}
    for pk, slug, identifiers, enabled in Application.objects.values_list(
        "pk", "slug", "identifiers", "enabled"
    ):
        entry = AppEntry(pk=pk, enabled=enabled, excluded=pk in excluded_apps)
        for name in (slug, *identifiers):
            apps[name] = entry
    resolutions = [
        r.resolution_ms
        for r in rules
        if r.kind == SafeguardRule.Kind.KEYSTROKE_TIMING and r.resolution_ms
    ]
    return SafeguardPolicy(
        apps=apps,
        title_patterns=[
            _compile(r.pattern) for r in rules if r.kind == SafeguardRule.Kind.WINDOW_TITLE_PATTERN
        ],
        detectors=frozenset(
            Detector(r.detector)
            for r in rules
            if r.kind == SafeguardRule.Kind.REDACTION_DETECTOR and r.detector
        ),
        # Keystroke timing coarsening is never finer than the floor, whatever the rules
        # say, and never exceeds 60 s (it works within a minute).
        key_resolution_ms=min(max([KEY_TIMING_FLOOR_MS, *resolutions]), 60_000),
    )


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@lru_cache(maxsize=1)
def _title_key() -> bytes:
    secret = settings.WINDOW_TITLE_HASH_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"portal-window-titles:" + secret.encode()).digest()


def title_hash(title: str | None) -> str | None:
    """A keyed hash of a window title: groups equal titles without storing them."""
    if not title:
        return None
    return hmac.new(_title_key(), title.encode(), hashlib.sha256).hexdigest()[:32]
