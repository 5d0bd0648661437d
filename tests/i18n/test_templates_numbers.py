"""Numbers a browser reads as numbers are never localized.

In German `{{ 12.5 }}` renders "12,5": fine in a sentence, broken in an SVG
coordinate or a <progress> value, where the chart or bar silently disappears. So a
variable in such an attribute goes through `|unlocalize` or sits inside
`{% localize off %}` (both from `{% load l10n %}`). Numbers people read follow the
language as everywhere else.
"""

import re

import pytest
from django.template.base import Lexer, TokenType

from tests.i18n.test_templates_marked import BLOCK_NAME, TEMPLATES, TEMPLATES_DIR

NUMERIC_ATTRIBUTES = (
    "x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|dx|dy|width|height|viewBox|points|d|transform|offset"
    "|stroke-width|stroke-dasharray|opacity|fill-opacity|value|min|max|low|high|optimum"
)
NUMERIC = re.compile(rf"""\s({NUMERIC_ATTRIBUTES})\s*=\s*("[^"]*"|'[^']*')""")
# Inputs' values are form data, rendered by their widgets; only these carry numbers.
NUMERIC_TAGS = re.compile(
    r"<(svg|rect|text|line|circle|ellipse|path|polyline|polygon|g|"
    r"use|tspan|stop|progress|meter)\b[^>]*>",
    re.DOTALL,
)
LOCALIZED = "\x01"


def localized_numbers(source: str) -> list[str]:
    """The numeric attributes of SVG shapes, <progress> and <meter> that render a
    variable as the language would."""
    parts, unlocalized = [], 0
    for token in Lexer(source).tokenize():
        name_match = (
            BLOCK_NAME.match(token.contents) if token.token_type == TokenType.BLOCK else None
        )
        name = name_match.group(1) if name_match else ""
        if name == "localize":
            unlocalized += 1 if token.contents.split()[1:] == ["off"] else 0
        elif name == "endlocalize" and unlocalized:
            unlocalized -= 1
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            machine = unlocalized or "unlocalize" in token.contents
            parts.append("0" if machine else LOCALIZED + token.contents + LOCALIZED)
    text = "".join(parts)
    return [
        f"{attribute}={value}".replace(LOCALIZED, "")
        for tag in NUMERIC_TAGS.finditer(text)
        for attribute, value in NUMERIC.findall(tag.group(0))
        if LOCALIZED in value
    ]


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.endswith(".html")])
def test_numbers_for_the_browser_are_not_localized(template):
    found = localized_numbers((TEMPLATES_DIR / template).read_text())
    assert not found, f"{template}: add |unlocalize (load l10n) to: {'; '.join(found)}"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('<rect x="{{ bar.x }}" y="0">', True),
        ('<svg viewBox="0 0 {{ w }} {{ h }}">', True),
        ('<progress max="100" value="{{ percent }}">{{ percent }}%</progress>', True),
        ('<rect x="{{ bar.x|unlocalize }}" width="{{ w|add:-8|unlocalize }}">', False),
        ('{% localize off %}<rect x="{{ bar.x }}">{% endlocalize %}', False),
        ('<rect fill="{{ color }}" x="3"><title>{{ count }} events</title></rect>', False),
        ('<input type="hidden" name="n" value="{{ n }}">', False),
    ],
)
def test_a_localized_number_is_found(source, flagged):
    assert bool(localized_numbers(source)) is flagged
