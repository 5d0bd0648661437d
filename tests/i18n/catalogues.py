"""Tests run with compiled translation catalogues, as the portal does under make.

A pytest plugin (tests/conftest.py names it): before any test, each
locale/<language>/LC_MESSAGES/django.po whose .mo is missing or older is compiled
with Babel, so `pytest` alone, without `make test`, also sees the German texts.
"""

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def catalogue_compile(po: Path) -> Path:
    """Compile one .po next to itself (fuzzy entries left out, as gettext does)."""
    mo = po.with_suffix(".mo")
    with po.open("rb") as source:
        catalog = read_po(source)
    partial = mo.with_suffix(f".mo.{os.getpid()}")
    with partial.open("wb") as target:
        write_mo(target, catalog)
    partial.replace(mo)  # nobody reads a half-written file
    return mo


def catalogues_compile_stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    compiled = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            compiled.append(catalogue_compile(po))
    return compiled


def pytest_configure(config):
    if catalogues_compile_stale():
        # Any catalogue Django loaded before this is stale: drop it (as runserver does
        # when a .mo changes).
        from django.utils.translation import reloader

        reloader.translation_file_changed(sender=None, file_path=Path("django.mo"))
