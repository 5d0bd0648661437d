"""The translation catalogues are complete and up to date with the sources.

English is the language of the msgids; every other language in LANGUAGES has a
catalogue in locale/<language>/LC_MESSAGES/django.po (read with Babel) where every
string marked in the sources is translated, nothing is fuzzy and each translation
keeps the placeholders and HTML tags of its English text.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]
LOCALE_DIR = REPO / "locale"
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# What `make messages` leaves out: installed packages, data, collected static files.
NOT_SOURCES = {".venv", ".data", "node_modules", "staticfiles", "locale"}

PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]?\d*(?:\.\d+)?[sdifrx]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def catalogue(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def entries(catalog) -> list:
    return [message for message in catalog if message.id]


def key(message) -> tuple[str, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return msgid, message.context


def marks(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", ""))) + sorted(TAG.findall(text))


def translation_problem(message) -> str | None:
    english = [message.id] if isinstance(message.id, str) else list(message.id)
    translated = [message.string] if isinstance(message.string, str) else list(message.string)
    if message.fuzzy:
        return "fuzzy"
    if not all(text.strip() for text in translated):
        return "not translated"
    for form, text in enumerate(translated):
        source = english[min(form, len(english) - 1)]
        if "python-format" in message.flags and marks(text) != marks(source):
            return f"placeholders or tags differ: {marks(source)} != {marks(text)}"
        if "python-format" not in message.flags and TAG.findall(text) != TAG.findall(source):
            return "HTML tags differ"
    return None


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_string_of_the_catalogue_is_translated(language):
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"no catalogue for {language}: run `make messages` and translate"
    catalog = catalogue(path)
    assert not catalog.fuzzy, f"{path}: the header is marked fuzzy (gettext skips the file)"
    problems = [
        f"{key(message)[0]!r}: {problem}"
        for message in entries(catalog)
        if (problem := translation_problem(message))
    ]
    assert not problems, f"{language}: {len(problems)} to fix:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("msgid", "msgstr", "flags", "problem"),
    [
        ("Hello %(name)s,", "Hallo %(name)s,", {"python-format"}, None),
        ("Hello %(name)s,", "Hallo,", {"python-format"}, "placeholders"),
        ("Hello %(name)s,", "Hallo %(nme)s,", {"python-format"}, "placeholders"),
        ("Save", "", set(), "not translated"),
        ("<strong>Copy</strong> it", "Kopieren", set(), "HTML tags"),
        ("Save", "Speichern", {"fuzzy"}, "fuzzy"),
    ],
)
def test_a_bad_translation_is_found(msgid, msgstr, flags, problem):
    from babel.messages.catalog import Message

    found = translation_problem(Message(msgid, msgstr, flags=flags))
    assert (found is None) if problem is None else (problem in found)


def xgettext_available() -> bool:
    if shutil.which("xgettext") and shutil.which("msgmerge"):
        return True
    if os.environ.get("CI"):
        pytest.fail("GNU gettext is not installed (.ci/run installs it with apt)")
    pytest.skip("GNU gettext (xgettext) is not installed here")


def marked_in_sources(tmp_path: Path, monkeypatch) -> set[tuple[str, str | None]]:
    """What `make messages` would write, without touching locale/: makemessages in a
    folder that links to every source folder and has a locale/ of its own."""
    for entry in REPO.iterdir():
        if entry.name not in NOT_SOURCES and not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [out])
    call_command(
        "makemessages",
        locale=["de"],
        symlinks=True,
        no_location=True,
        ignore_patterns=["out"],
        verbosity=0,
    )
    return {key(message) for message in entries(catalogue(out / "de/LC_MESSAGES/django.po"))}


def test_every_string_marked_in_the_sources_is_in_every_catalogue(tmp_path, monkeypatch):
    xgettext_available()
    marked = marked_in_sources(tmp_path, monkeypatch)
    assert ("Log out", None) in marked  # the run saw the templates
    for language in TRANSLATED_LANGUAGES:
        path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
        missing = marked - {key(message) for message in entries(catalogue(path))}
        assert not missing, (
            f"{language}: {len(missing)} marked strings are not in {path.relative_to(REPO)}; "
            "run `make messages` and translate them:\n"
            + "\n".join(sorted(repr(msgid) for msgid, _context in missing))
        )
