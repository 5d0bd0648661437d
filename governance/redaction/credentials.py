"""Secrets: API keys, tokens, private keys and passwords.

AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_ gho_ ghu_ ghs_ ghr_ + 36
or more, github_pat_ + 22 or more), Slack tokens (xoxa- xoxb- xoxp- xoxr- xoxs-),
Stripe, Google, GitLab, npm and SendGrid keys by prefix, JWTs (three base64url
segments whose header decodes to a JSON object with "alg"), PEM private keys (the
``-----BEGIN ... PRIVATE KEY-----`` line, the base64 lines after it as far as
typed, the END line), Bearer tokens, passwords in URLs
(``scheme://user:PASSWORD@``), values assigned to a secret-named key
(``aws_secret_access_key = ...``, ``AWS secret key: ...``, ``DB_PASSWORD=...``,
``"password": "..."``; the value must mix at least two of lower/upper/digit/symbol
and not be a word, words joined by ``_ - .``, a path, a URL, code such as
``os.environ[...]`` or a placeholder such as ``${VAR}``), and random tokens
(``governance.redaction.random_tokens``).
"""

import base64
import json
import re

from governance.redaction.base import RANDOM_TOKEN, Detector, Text, keyword_pattern
from governance.redaction.random_tokens import class_of, find_random_tokens

_SECRET = Detector.SECRET

_B64 = r"A-Za-z0-9+/="
_PEM_HEAD = r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
_PEM_SEP = rf"[^{_B64}\-]{{1,12}}"


def _pem_body(last_line_until: str) -> str:
    """Base64 lines (16+ characters, or any length before ``last_line_until``)."""
    return (
        rf"(?:{_PEM_SEP}(?:[{_B64}]{{16,}}"
        rf"|[{_B64}]+(?=[^{_B64}\-]{{0,12}}(?:{last_line_until}))"
        r"|(?:Proc-Type|DEK-Info|Comment|Version):[^\n]*))*"
    )


_PEM_END = rf"(?:[^{_B64}\-]{{0,12}}-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?"
_PEM = re.compile(_PEM_HEAD + _pem_body("-----END") + _PEM_END)
# At the end of a batch a short last line may be a line still being typed.
_PEM_AT_END = re.compile(_PEM_HEAD + _pem_body(r"-----END|\Z") + _PEM_END)
# Still open at the end of the text: nothing, or only the start of its END line, after it.
_PEM_END_START = r"(?:-{1,5}(?:E(?:N(?:D[A-Z0-9 ]*)?)?)?)?\Z"
PEM_OPEN = re.compile(
    _PEM_HEAD + _pem_body(rf"-----END|{_PEM_END_START}") + rf"[^{_B64}\-]{{0,12}}{_PEM_END_START}"
)
PEM_HEAD_RE = re.compile(_PEM_HEAD)
NON_B64 = re.compile(rf"[^{_B64}]")

_PREFIXED_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:"
    r"(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
    r"|gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])"
    r"|github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])"
    r"|xox[abprs]-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])"
    # a few more issuers with a fixed prefix: Stripe, Google, GitLab, npm, SendGrid
    r"|(?:[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[A-Za-z0-9_-]{35}|glpat-[A-Za-z0-9_-]{20,}"
    r"|npm_[A-Za-z0-9]{36}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-]))"
)
_JWT = re.compile(
    r"(?<![A-Za-z0-9_-])(e[wy][A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"
    r"(?![A-Za-z0-9_.-])"
)
_URL_PASSWORD = re.compile(r"://[^\s:/@\"']{1,64}:([^\s:/@\"']{1,128})@")
_BEARER = keyword_pattern(r"\bbearer\s+([a-z0-9._~+/=-]{16,})")
KEYWORD = (
    r"(?:api[ _-]?key|apikey|secret(?:[ _-]?(?:access[ _-]?)?key)?|token|passw(?:or)?d|pwd"
    r"|credentials?|private[ _-]?key|access[ _-]?key|auth[ _-]?key)"
)
_KEYWORD_WORDS = ("key", "secret", "token", "passw", "pwd", "credential")
_BEARER_WORD = ("bearer",)
_SECRET_ASSIGNED = keyword_pattern(
    # "key": "value" / key = 'value' / KEY="value"
    rf"{KEYWORD}[a-z0-9_.-]*[\"']?[ \t]*(?::|=|:=|=>)[ \t]*[\"']([^\s\"'`]{{8,256}})[\"']"
    # KEY=value, key: value, key = value (dotenv, YAML, INI, prose)
    rf"|{KEYWORD}[a-z0-9_.-]*[\"']?[ \t]*[=:][ \t]*([^\s\"'`]{{8,256}})"
)
# Values that are not secrets: placeholders, URLs, identifiers made of words.
NOT_SECRET_VALUE = re.compile(
    r"[$<{%].*|.*://.*|[A-Za-z]+|[A-Za-z]+(?:[-_.][A-Za-z]+)+|[A-Za-z][a-z]+(?:[A-Z][a-z]+)+"
    # a file path
    r"|(?:~|\.{1,2})?/[\w./-]*|[A-Za-z]:\\[\w.\\ -]*"
    # another assignment: the key of the next value, not a value
    r"|[A-Za-z_][A-Za-z0-9_.-]*[=:].*"
)
# Unquoted values that are code: attribute paths, calls, subscripts.
EXPRESSION = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+.*|[A-Za-z_][A-Za-z0-9_.]*[(\[].*"
)
_PLACEHOLDERS = frozenset(
    ("changeme", "password", "your_password", "yourpassword", "xxxxxxxx", "redacted", "none")
)


def _jwt_header_ok(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header


def _value_is_secret(value: str, quoted: bool) -> bool:
    if value.lower() in _PLACEHOLDERS or NOT_SECRET_VALUE.fullmatch(value):
        return False
    if not quoted and EXPRESSION.fullmatch(value):
        return False
    return len({class_of(ch) for ch in value}) >= 2


def find_secrets(t: Text, out: list, random_tokens: bool = True, at_end: bool = False) -> None:
    text = t.text
    for m in _PREFIXED_TOKEN.finditer(text):
        out.append((m.start(), m.end(), _SECRET))
    for m in _JWT.finditer(text):
        if _jwt_header_ok(m.group(1)):
            out.append((m.start(), m.end(), _SECRET))
    if "-----BEGIN" in text:
        for m in (_PEM_AT_END if at_end else _PEM).finditer(text):
            out.append((m.start(), m.end(), _SECRET))
    if "://" in text:
        for m in _URL_PASSWORD.finditer(text):
            out.append((m.start(1), m.end(1), _SECRET))
    if t.mentions(_BEARER_WORD):
        for m in t.finditer(_BEARER):
            if not NOT_SECRET_VALUE.fullmatch(text[m.start(1) : m.end(1)]):
                out.append((m.start(1), m.end(1), _SECRET))
    if t.mentions(_KEYWORD_WORDS):
        pos = 0
        while m := t.search(_SECRET_ASSIGNED, pos):
            quoted = m.group(1) is not None
            g = 1 if quoted else 2
            value = text[m.start(g) : m.end(g)]
            if not quoted:
                value = value.rstrip(".,;:)]}")
            if len(value) >= 8 and _value_is_secret(value, quoted):
                out.append((m.start(g), m.start(g) + len(value), _SECRET))
                pos = m.end()
            else:  # "token: password: hunter2!": the value may itself be the next key
                pos = m.start(g)
    if random_tokens:
        out.extend((s, e, RANDOM_TOKEN) for s, e in find_random_tokens(text))
