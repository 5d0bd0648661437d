"""Every word a template shows is marked for translation.

Each template under templates/ is lexed with Django's own template Lexer. What is
left after taking out the marked text ({% translate %}, {% blocktranslate %}), tags,
variables, comments, scripts, code listings (<pre>), HTML markup and entities must have no word in it; nor
may the attributes people read or hear (title, alt, aria-label, placeholder, the
confirmation text of data-confirm, the value of a button-like input), nor the
fallback text of a `|default:"..."` filter when it is words (with a space: a single
word there is a CSS class or a key, like `default:'info'`). Paths of URLs (after
`{{ base_url }}` in emails) are not words. A failure names the template and the
words, so the fix is to mark them.
"""

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
TEMPLATES = sorted(
    path.relative_to(TEMPLATES_DIR).as_posix()
    for path in TEMPLATES_DIR.rglob("*")
    if path.suffix in {".html", ".txt"}
)

# Not language: the same in every language the portal may speak. Keep this short: a
# word here is never checked anywhere.
NOT_LANGUAGE = {
    "UTC",  # the time zone's name, as the zone is shown after every time
}

# Stands for anything that is not literal text; it is no word and never part of one.
HOLE = "\x00"
WORD = re.compile(r"[^\W\d_]+")
BLOCK_NAME = re.compile(r"^\s*(\w+)")
READ_ATTRIBUTES = re.compile(
    r"""\s(title|alt|aria-label|aria-description|placeholder|data-confirm)\s*=\s*"""
    r"""("[^"]*"|'[^']*')""",
    re.IGNORECASE,
)
INPUT_BUTTON = re.compile(r"""\stype\s*=\s*["']?(submit|button|reset)\b""", re.IGNORECASE)
INPUT_VALUE = re.compile(r"""\svalue\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)
DEFAULT_TEXT = re.compile(r"""\|\s*default\s*:\s*("[^"]*\s[^"]*"|'[^']*\s[^']*')""")
URL_PATH = re.compile(r"(?<![\w/])/[\w.-]+(?:/[\w.-]*)*")
OPENING_BLOCKS = {"blocktranslate", "blocktrans", "comment", "verbatim"}
CLOSING_BLOCKS = {"endblocktranslate", "endblocktrans", "endcomment", "endverbatim"}


def unmarked_text(source: str) -> tuple[str, list[str]]:
    """The template's literal text, with everything marked or computed left out as
    holes; and the literal fallbacks of `|default:` filters."""
    parts, defaults, inside = [], [], None
    for token in Lexer(source).tokenize():
        name_match = (
            BLOCK_NAME.match(token.contents) if token.token_type == TokenType.BLOCK else None
        )
        name = name_match.group(1) if name_match else ""
        if inside is not None:
            if name in CLOSING_BLOCKS:
                inside = None
            parts.append(HOLE)
            continue
        if name in OPENING_BLOCKS:
            inside = name
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        else:
            if token.token_type in (TokenType.VAR, TokenType.BLOCK):
                defaults += [m.group(1)[1:-1] for m in DEFAULT_TEXT.finditer(token.contents)]
            parts.append(HOLE)
    return "".join(parts), defaults


def words(text: str) -> list[str]:
    return [word for word in WORD.findall(text) if word not in NOT_LANGUAGE]


def unmarked_words(source: str) -> list[str]:
    text, defaults = unmarked_text(source)
    text = re.sub(r"<!--.*?-->", HOLE, text, flags=re.DOTALL)
    # Scripts, styles and code listings (<pre>) are not language.
    text = re.sub(r"<(script|style|pre)\b.*?</\1\s*>", HOLE, text, flags=re.DOTALL | re.IGNORECASE)
    found = []
    for tag in re.findall(r"<[^>]*>", text):
        found += [w for _name, value in READ_ATTRIBUTES.findall(tag) for w in words(value[1:-1])]
        if tag[1:6].lower() == "input" and INPUT_BUTTON.search(tag):
            found += [w for value in INPUT_VALUE.findall(tag) for w in words(value[1:-1])]
    text = re.sub(r"<[^>]*>", HOLE, text)
    text = re.sub(r"&(#\d+|#x[0-9a-fA-F]+|\w+);", HOLE, text)
    text = URL_PATH.sub(HOLE, text)
    found += words(text)
    found += [w for default in defaults for w in words(default)]
    return found


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_word_of_the_template_is_marked_for_translation(template):
    source = (TEMPLATES_DIR / template).read_text()
    unmarked = unmarked_words(source)
    assert not unmarked, f"{template}: not marked for translation: {' '.join(unmarked[:30])}"


@pytest.mark.parametrize(
    "source",
    [
        "<p>Hello</p>",
        '<a href="/x" title="Open the page">{% translate "x" %}</a>',
        '<img src="a.png" alt="A chart">',
        '<button aria-label="Close">×</button>',
        '<input placeholder="Search">',
        '<input type="submit" value="Save">',
        "<select><option>Granted</option></select>",
        '<form data-confirm="Really?"></form>',
        '{{ label|default:"← Newer" }}',
        "{% if x %}Withdrawn{% endif %}",
        "{% block title %}Log in{% endblock %}",
        "{% translate 'Read' %} and/or write",
    ],
)
def test_an_unmarked_word_is_found(source):
    assert unmarked_words(source)


@pytest.mark.parametrize(
    "source",
    [
        '{% load i18n %}<p>{% translate "Hello" %}</p>',
        "{% blocktranslate trimmed with n=x %}Hello {{ n }}{% endblocktranslate %}",
        '<a href="{% url "home" %}" class="button button-quiet">{{ name }}</a>',
        '<input type="hidden" name="next" value="{{ next }}">',
        '<option value="granted">{{ label }}</option>',
        "{# A comment about the template #}<!-- and one in HTML -->",
        "{% comment %}Notes for developers{% endcomment %}",
        '<script src="x.js" defer></script>',
        "{{ when|utc }} &mdash; 12 &middot; 3 UTC",
        '{{ label|default:_("← Newer") }} {{ x|default:"—" }} {{ tags|default:"info" }}',
        '{% translate "The hold:" %} {{ base_url }}/legal/holds/{{ hold.pk }}/',
        "<pre><code>import json\nreceipt = json.load(open(path))</code></pre>",
    ],
)
def test_marked_text_markup_and_values_pass(source):
    assert not unmarked_words(source)
