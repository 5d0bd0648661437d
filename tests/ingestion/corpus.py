"""A deterministic corpus of typed sequences for evaluating the redaction detectors.

Everything is generated locally from a seed: valid card numbers (Luhn), IBANs
(mod-97) for 16 countries, SSNs and NINOs outside the excluded ranges, phone
numbers in international and national formats, email addresses and well-formed
secrets (AWS, GitHub, Slack, JWT, PEM, random API keys, passwords in config).
They are embedded in four genres of typing: prose (emails to colleagues), chat,
code (Python, JavaScript, YAML, JSON, .env, INI) and spreadsheet input (cells
separated by Tab and Enter or ArrowDown). Clean sequences of the same genres are
full of things that must not be redacted: dates, times, prices, order ids,
versions, ISO timestamps, phone-like numbers that are not phone numbers, UUIDs,
hex colours, commit hashes, long identifiers, URLs and file paths, near misses
(Luhn-invalid card-shaped numbers, IBANs with wrong check digits, SSNs in the
excluded ranges).

Each sequence is then *typed*: one key event per character, Shift before
capitals and symbols, now and then a stray modifier, and in a share of the
sequences typos corrected with Backspace, overshoots deleted again, and a few
PII values typed in full and deleted before the real text.

``build_corpus(seed, scale)`` returns ``Sample``s: the key events, and per event
its truth: the detector value of the PII character it typed, ``None`` for a
clean character, ``NO_CHAR`` for an event that types nothing (Shift, Backspace).
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections import Counter
from dataclasses import dataclass, field

NO_CHAR = ""

CARD = "card_number"
NATIONAL_ID = "national_id"
EMAIL = "email"
PHONE = "phone"
IBAN = "iban"
SECRET = "secret"
CLASSES = (CARD, NATIONAL_ID, EMAIL, PHONE, IBAN, SECRET)
GENRES = ("prose", "chat", "code", "sheet")

Piece = tuple[str, str | None]  # text, class (None: clean)


@dataclass
class Sample:
    genre: str
    keys: list[tuple[str | None, str | None]]
    truth: list[str | None]  # per event: class, None (clean char) or NO_CHAR
    text: str  # the text the keys leave behind
    erased: set[int] = field(default_factory=set)  # events of PII typed and deleted again
    instances: Counter = field(default_factory=Counter)  # PII values by class


# ---------------------------------------------------------------- vocabulary

_WORDS_TEXT = """
the a an and or but if then so because while when after before about above across we you
they it this that these those our your their my his her its all some any each project
report meeting budget review update release plan schedule customer client team office
quarter month week today tomorrow yesterday morning afternoon evening deadline invoice
order delivery shipment warehouse supplier contract proposal draft version please thanks
sorry great good fine sure okay maybe probably definitely really quite send check
confirm review approve sign share forward attach call discuss finish start need want
think know see look find make take give keep help move change fix test build data system
server database backup network access account login portal dashboard issue ticket bug
feature request change document file folder spreadsheet slide numbers figures results
totals costs prices rates hours days weeks months years new old next last first final
early late quick short long full empty open closed sales marketing finance legal support
engineering design product operations people is are was were be been have has had do
does did will would can could should may not no yes also just only still already again
soon now here there everything nothing with without from into onto over under between
through during until since per via room floor building kitchen parking lunch coffee
break holiday trip flight hotel train summary overview agenda minutes notes action items
follow up next steps feedback
"""
_WORDS = _WORDS_TEXT.split()

_FIRST_TEXT = """
James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa
Anthony Betty Mark Sandra Paul Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin
Melissa Brian Stephanie Oliver Amelia Harry Isla Jack Ava Noah Mia Leon Hannah Lukas
Emma Jonas Sophie Felix Marie Lena Paul Anna Chloe Louis Camille Hugo Lea Sven Ingrid
Aisha Omar Priya Rahul Wei Mei Kenji Yuki Sofia Mateo Lucia Pablo
"""
_FIRST = _FIRST_TEXT.split()

_LAST_TEXT = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White
Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams
Nelson Hill Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann
Dubois Durand Lefebvre Moreau Laurent Bernard Rossi Russo Ferrari Esposito Bianchi
Jansen Visser Bakker Nielsen Hansen Larsen Kowalski Nowak Novak Silva Santos Costa Patel
Sharma Kumar Chen Wang Tanaka Suzuki Sato Murphy Kelly OBrien Walsh
"""
_LAST = _LAST_TEXT.split()

_COMPANIES_TEXT = """
acme globex initech umbrella hooli vandelay stark wayne wonka cyberdyne soylent tyrell
oscorp aperture blackmesa dunder massive northwind contoso fabrikam adventureworks
tailspin wingtip litware proseware lucerne fourthcoffee margie trey alpine woodgrove
bluesky redrock greenleaf silverline brightpath clearwater
"""
_COMPANIES = _COMPANIES_TEXT.split()

_TLDS = ["com", "com", "com", "org", "net", "de", "co.uk", "io", "fr", "nl", "ch", "com.au"]
_TLDS += ["info", "eu", "es", "it", "at", "be", "se", "dev", "app", "ca"]

_CODE_WORDS_TEXT = """
user profile account order invoice payment customer report monthly revenue total
calculate update delete create get set handler service controller manager factory
builder config settings request response data value item list map cache session count
index parse format render view model form field table column row query result error
message event log debug mock fixture helper util string buffer stream file path image
upload download sync queue worker task job schedule retry timeout limit offset page size
sort filter search match pattern rule policy role permission group team project branch
commit merge build deploy release stage local remote bucket region zone node cluster
container volume network port host domain route proxy gateway metric alert notify
webhook callback
"""
_CODE_WORDS = _CODE_WORDS_TEXT.split()


def _choice(rng: random.Random, seq):
    return seq[rng.randrange(len(seq))]


def _sentence(rng: random.Random, lo: int = 5, hi: int = 14) -> str:
    words = [_choice(rng, _WORDS) for _ in range(rng.randint(lo, hi))]
    s = " ".join(words)
    return s[0].upper() + s[1:]


def _name(rng: random.Random) -> tuple[str, str]:
    return _choice(rng, _FIRST), _choice(rng, _LAST)


def _ident(rng: random.Random, lo: int = 2, hi: int = 5) -> str:
    words = [_choice(rng, _CODE_WORDS) for _ in range(rng.randint(lo, hi))]
    style = rng.randrange(3)
    if style == 0:
        return "_".join(words)
    if style == 1:
        return words[0] + "".join(w.capitalize() for w in words[1:])
    return "".join(w.capitalize() for w in words)


# ------------------------------------------------------------- PII generators


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


_NETWORKS = [
    # (weight, prefix chooser, lengths, grouping by length)
    (30, lambda r: "4", (16, 16, 16, 13, 19)),
    (20, lambda r: str(r.randint(51, 55)), (16,)),
    (6, lambda r: str(r.randint(2221, 2720)), (16,)),
    (10, lambda r: _choice(r, ["34", "37"]), (15,)),
    (8, lambda r: _choice(r, ["6011", "65", str(r.randint(644, 649))]), (16,)),
    (6, lambda r: str(r.randint(3528, 3589)), (16,)),
    (5, lambda r: _choice(r, ["36", "38"]), (14,)),
    (5, lambda r: "62", (16, 19)),
]


def _group(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(x for x in out if x)


def card_number(rng: random.Random) -> Piece:
    weights = [w for w, _, _ in _NETWORKS]
    _, prefix_of, lengths = rng.choices(_NETWORKS, weights)[0]
    prefix = prefix_of(rng)
    length = _choice(rng, lengths)
    body = prefix + _digits(rng, length - len(prefix) - 1)
    number = body + luhn_check_digit(body)
    style = rng.random()
    if style < 0.3:
        return number, CARD
    sep = " " if style < 0.8 else "-"
    if length == 15 and prefix in ("34", "37"):
        sizes = [4, 6, 5]
    elif length == 14:
        sizes = [4, 6, 4]
    else:
        sizes = [4, 4, 4, 4, 3]
    return _group(number, sizes, sep), CARD


def ssn(rng: random.Random) -> tuple[str, str]:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    return f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"


_NINO_FIRST = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
_NINO_SECOND = [c for c in string.ascii_uppercase if c not in "DFIQUVO"]
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino(rng: random.Random) -> str:
    while True:
        prefix = _choice(rng, _NINO_FIRST) + _choice(rng, _NINO_SECOND)
        if prefix not in _NINO_BAD:
            break
    return prefix + _digits(rng, 6) + _choice(rng, "ABCD")


def national_id(rng: random.Random) -> list[Piece]:
    """A labelled or plain SSN or NINO (labels are clean text)."""
    r = rng.random()
    if r < 0.55:
        a, g, s = ssn(rng)
        style = rng.random()
        if style < 0.6:
            return [(f"{a}-{g}-{s}", NATIONAL_ID)]
        if style < 0.75:
            return [(f"{a} {g} {s}", NATIONAL_ID)]
        label = _choice(rng, ["SSN: ", "SSN ", "ssn ", "SS# ", "Social Security Number: "])
        label = _choice(rng, [label, "social security no. ", "Soc. Sec. "])
        return [(label, None), (a + g + s, NATIONAL_ID)]
    value = nino(rng)
    style = rng.random()
    if style < 0.5:
        return [(value, NATIONAL_ID)]
    if style < 0.85:
        return [(f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}", NATIONAL_ID)]
    return [(value.lower(), NATIONAL_ID)]


def email(rng: random.Random) -> Piece:
    first, last = _name(rng)
    f, la = first.lower(), last.lower()
    local = _choice(
        rng,
        [
            f"{f}.{la}",
            f"{f}{la}",
            f"{f[0]}.{la}",
            f"{f}_{la}",
            f"{f}.{la}{rng.randint(1, 99)}",
            f"{f}+{_choice(rng, ['news', 'work', 'shop', 'test'])}",
            f"{la}{rng.randint(1970, 2005)}",
            f"{f[0]}{la}",
            f"{f}-{la}",
            f"{_choice(rng, ['info', 'hr', 'billing', 'support', 'jobs'])}",
        ],
    )
    company = _choice(rng, _COMPANIES)
    domain = _choice(
        rng,
        [
            f"{company}.{_choice(rng, _TLDS)}",
            f"{company}-{_choice(rng, ['group', 'labs', 'corp', 'gmbh'])}.{_choice(rng, _TLDS)}",
            f"mail.{company}.{_choice(rng, _TLDS)}",
            f"{_choice(rng, ['gmail', 'outlook', 'yahoo', 'proton', 'web', 'gmx'])}.com",
        ],
    )
    value = f"{local}@{domain}"
    if rng.random() < 0.1:
        value = f"{first}.{last}@{domain.capitalize()}"
    return value, EMAIL


def _nanp(rng: random.Random) -> tuple[str, str, str]:
    return str(rng.randint(201, 989)), _digits(rng, 3), _digits(rng, 4)


def phone(rng: random.Random) -> list[Piece]:
    r = rng.random()
    if r < 0.3:  # North American
        a, e, n = _nanp(rng)
        fmt = _choice(
            rng,
            [
                f"({a}) {e}-{n}",
                f"{a}-{e}-{n}",
                f"{a}.{e}.{n}",
                f"+1 {a} {e} {n}",
                f"+1-{a}-{e}-{n}",
                f"+1 ({a}) {e}-{n}",
                f"1-{a}-{e}-{n}",
                f"({a}){e}-{n}",
                f"+1{a}{e}{n}",
            ],
        )
        if rng.random() < 0.12:
            label = _choice(rng, ["Tel: ", "phone: ", "Mobile ", "cell: ", "call "])
            return [(label, None), (a + e + n, PHONE)]
        return [(fmt, PHONE)]
    if r < 0.55:  # UK
        area = _choice(rng, ["20", "161", "121", "131", "113"])
        if area == "20":
            local = f"{_digits(rng, 4)} {_digits(rng, 4)}"
        else:
            local = f"{_digits(rng, 3)} {_digits(rng, 4)}"
        mob = f"7{_digits(rng, 3)} {_digits(rng, 6)}"
        fmt = _choice(
            rng,
            [
                f"+44 {area} {local}",
                f"0{area} {local}",
                f"+44 (0){area} {local}",
                f"0{mob}",
                f"+44 {mob}",
                f"0044 {area} {local}",
                "+44" + (area + local).replace(" ", ""),
                "0" + mob.replace(" ", ""),
            ],
        )
        return [(fmt, PHONE)]
    if r < 0.8:  # Germany
        city = _choice(rng, ["30", "40", "89", "69", "221", "211", "711"])
        num = _digits(rng, 7 if len(city) == 2 else 6)
        mob = f"15{rng.randint(1, 9)}"
        fmt = _choice(
            rng,
            [
                f"0{city} {num[:4]} {num[4:]}",
                f"+49 {city} {num}",
                f"0{mob} {_digits(rng, 8)}",
                f"+49 {mob} {_digits(rng, 8)}",
                f"0{city}/{num}",
                f"0{city}-{num}",
                f"+49{city}{num}",
                f"+49 (0){city} {num}",
            ],
        )
        return [(fmt, PHONE)]
    # France and others
    d = [_digits(rng, 2) for _ in range(4)]
    lead = str(rng.randint(1, 7))
    fmt = _choice(
        rng,
        [
            f"0{lead} {' '.join(d)}",
            f"+33 {lead} {' '.join(d)}",
            f"0{lead}.{'.'.join(d)}",
            f"+31 6 {_digits(rng, 8)}",
            f"+34 {_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}",
            f"+39 {_digits(rng, 3)} {_digits(rng, 7)}",
            f"+41 {_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}",
            f"+61 4{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)}",
        ],
    )
    return [(fmt, PHONE)]


_IBAN_FORMATS = {
    # country: BBAN as (kind, count) runs: n digits, a upper letters, c upper alnum
    "DE": [("n", 18)],
    "GB": [("a", 4), ("n", 14)],
    "FR": [("n", 10), ("c", 11), ("n", 2)],
    "NL": [("a", 4), ("n", 10)],
    "ES": [("n", 20)],
    "IT": [("a", 1), ("n", 10), ("c", 12)],
    "CH": [("n", 5), ("c", 12)],
    "AT": [("n", 16)],
    "BE": [("n", 12)],
    "PL": [("n", 24)],
    "SE": [("n", 20)],
    "IE": [("a", 4), ("n", 14)],
    "PT": [("n", 21)],
    "DK": [("n", 14)],
    "NO": [("n", 11)],
    "LU": [("n", 3), ("c", 13)],
}
_ALPHA = {
    "n": string.digits,
    "a": string.ascii_uppercase,
    "c": string.ascii_uppercase + string.digits,
}


def iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def iban_compact(rng: random.Random, country: str | None = None) -> str:
    country = country or _choice(rng, sorted(_IBAN_FORMATS))
    bban = "".join(
        "".join(_choice(rng, _ALPHA[kind]) for _ in range(n)) for kind, n in _IBAN_FORMATS[country]
    )
    return country + iban_check_digits(country, bban) + bban


def iban(rng: random.Random) -> Piece:
    value = iban_compact(rng)
    style = rng.random()
    if style < 0.6:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    elif style < 0.7:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4)).lower()
    return value, IBAN


_B62 = string.ascii_letters + string.digits
_B64 = _B62 + "+/"
_B64URL = _B62 + "-_"


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(_choice(rng, alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: random.Random) -> str:
    header = _choice(
        rng,
        [
            {"alg": "HS256", "typ": "JWT"},
            {"alg": "RS256", "typ": "JWT", "kid": _rand(rng, _B62, 16)},
            {"typ": "JWT", "alg": "ES256"},
            {"alg": "HS512"},
        ],
    )
    first, last = _name(rng)
    payload = {
        "sub": str(rng.randint(10**6, 10**9)),
        "name": f"{first} {last}",
        "iat": rng.randint(1_600_000_000, 1_750_000_000),
    }
    if rng.random() < 0.5:
        payload["exp"] = payload["iat"] + 3600
        payload["scope"] = _choice(rng, ["read", "read write", "admin"])
    sig_len = _choice(rng, [43, 43, 86, 342])
    return ".".join(
        [
            _b64url(json.dumps(header, separators=(",", ":")).encode()),
            _b64url(json.dumps(payload, separators=(",", ":")).encode()),
            _rand(rng, _B64URL, sig_len),
        ]
    )


def pem(rng: random.Random) -> str:
    kind = _choice(
        rng,
        ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]
        + ["ENCRYPTED PRIVATE KEY"],
    )
    lines = [_rand(rng, _B64, 64) for _ in range(rng.randint(2, 8))]
    last = _rand(rng, _B64, rng.choice([4, 12, 20, 36, 48]))
    lines.append(last + _choice(rng, ["", "=", "=="]))
    body = "\n".join(lines)
    if rng.random() < 0.15:  # typed only as far as part of the body
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines[:-1])
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def _password(rng: random.Random) -> str:
    word = _choice(rng, ["Summer", "Winter", "Dragon", "Monkey", "Sunshine", "Falcon", "Tiger"])
    return _choice(
        rng,
        [
            f"{word}{rng.randint(1, 9999)}{_choice(rng, '!?#$%&*')}",
            _rand(rng, _B62 + "!#$%&*", rng.randint(10, 20)),
            f"{word.lower()}{_choice(rng, '_.-')}{rng.randint(100, 99999)}",
        ],
    )


def secret(rng: random.Random, genre: str) -> list[Piece]:
    """A secret with its (clean) surroundings, shaped for the genre."""
    r = rng.random()
    code = genre == "code"
    if r < 0.14:
        value = _choice(rng, ["AKIA", "AKIA", "ASIA"]) + _rand(
            rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16
        )
        pre = _choice(rng, ["aws_access_key_id = ", "AWS_ACCESS_KEY_ID="]) if code else ""
        return [(pre, None), (value, SECRET)]
    if r < 0.24:
        value = _rand(rng, _B64, 40)
        pre = _choice(
            rng,
            [
                "aws_secret_access_key = ",
                "AWS_SECRET_ACCESS_KEY=",
                'aws_secret_access_key="',
                "AWS secret key: ",
            ],
        )
        post = '"' if pre.endswith('"') else ""
        return [(pre, None), (value, SECRET), (post, None)]
    if r < 0.36:
        value = _choice(rng, ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) + _rand(rng, _B62, 36)
        return [(value, SECRET)]
    if r < 0.41:
        return [("github_pat_" + _rand(rng, _B62, 22) + "_" + _rand(rng, _B62, 59), SECRET)]
    if r < 0.53:
        value = jwt(rng)
        if rng.random() < 0.4:
            return [("Authorization: Bearer ", None), (value, SECRET)]
        return [(value, SECRET)]
    if r < 0.59:
        return [(pem(rng), SECRET)]
    if r < 0.67:
        value = (
            _choice(rng, ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"])
            + _digits(rng, 12)
            + "-"
            + _digits(rng, 13)
            + "-"
            + _rand(rng, _B62, 24)
        )
        return [(value, SECRET)]
    if r < 0.72:
        key = _choice(rng, ["DB_PASSWORD=", "password: ", 'PASSWORD="', "db_password = '"])
        post = key[-1] if key[-1] in "\"'" else ""
        return [(key, None), (_password(rng), SECRET), (post, None)]
    if r < 0.76:
        value = _choice(rng, ["sk_live_", "sk_test_", "rk_live_"]) + _rand(rng, _B62, 24)
        return [(value, SECRET)]
    if r < 0.78:  # lowercase + digits: the hardest shape for the random-token test
        return [(_rand(rng, string.ascii_lowercase + string.digits, 32), SECRET)]
    # generic random API keys
    value = _choice(
        rng,
        [
            _rand(rng, _B62, 32),
            _rand(rng, _B62, 40),
            _rand(rng, _B64URL, 43),
            _rand(rng, _B62, 24),
            _rand(rng, _B64, 48),
        ],
    )
    if code:
        pre = _choice(rng, ["API_KEY=", 'api_key = "', '"token": "', "SECRET_KEY=", "key: "])
        post = '"' if pre.endswith('"') else ""
        return [(pre, None), (value, SECRET), (post, None)]
    return [(value, SECRET)]


def pii_pieces(rng: random.Random, cls: str, genre: str) -> list[Piece]:
    if cls == CARD:
        return [card_number(rng)]
    if cls == NATIONAL_ID:
        return national_id(rng)
    if cls == EMAIL:
        return [email(rng)]
    if cls == PHONE:
        return phone(rng)
    if cls == IBAN:
        return [iban(rng)]
    return secret(rng, genre)


# --------------------------------------------------------- tricky clean tokens


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)
    return _choice(
        rng,
        [
            f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}.{m:02d}.{y}",
            f"{m:02d}/{d:02d}/{y}",
            f"{d}/{m}/{y}",
            f"{y}{m:02d}{d:02d}",
            f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            f"{y}-{m:02d}-{d:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{_choice(rng, ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul'])} {d}, {y}",
        ],
    )


def _time(rng: random.Random) -> str:
    h, m, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return _choice(
        rng,
        [
            f"{h:02d}:{m:02d}",
            f"{h:02d}:{m:02d}:{s:02d}",
            f"{h}:{m:02d} pm",
            f"{h:02d}:{m:02d}:{s:02d}.{rng.randint(0, 999):03d}",
            f"{h:02d}:{m:02d}-{(h + 1) % 24:02d}:{m:02d}",
        ],
    )


def _price(rng: random.Random) -> str:
    v = rng.randint(1, 9_999_999)
    cents = rng.randint(0, 99)
    return _choice(
        rng,
        [
            f"${v:,}.{cents:02d}",
            f"{v:,}.{cents:02d}",
            f"EUR {v // 100}.{cents:02d}",
            f"{v // 1000:,}.{cents:02d} €".replace(",", "."),
            f"£{v // 10:,}",
            f"{v:,}".replace(",", " ") + f",{cents:02d} €",
            f"USD {v:,}",
        ],
    )


def _order_id(rng: random.Random) -> str:
    return _choice(
        rng,
        [
            f"ORD-{rng.randint(2019, 2026)}-{rng.randint(0, 999999):06d}",
            f"#{rng.randint(1000, 999999)}",
            f"INV-{rng.randint(10000, 99999)}",
            f"PO {rng.randint(4500000000, 4599999999)}",
            f"SKU-{rng.randint(1000, 9999)}-{_choice(rng, ['XS', 'S', 'M', 'L', 'XL'])}",
            f"order {rng.randint(10**8, 10**9 - 1)}",
            f"ticket {_choice(rng, ['JIRA', 'OPS', 'SEC', 'HR'])}-{rng.randint(1, 9999)}",
            f"case {rng.randint(10**6, 10**7)}",
        ],
    )


def _version(rng: random.Random) -> str:
    a, b, c, d = (rng.randint(0, 20) for _ in range(4))
    return _choice(
        rng,
        [
            f"v{a}.{b}.{c}",
            f"{a}.{b}.{c}.{d}",
            f"{a}.{b}.{c}-beta.{d}",
            f"Python 3.{b}.{c}",
            f"version {a}.{b}",
            f"build {rng.randint(2019, 2026)}.{b:02d}.{c:02d}.{rng.randint(1000, 9999)}",
            f"node@{a}.{b}.{c}",
        ],
    )


def _not_phone(rng: random.Random) -> str:
    return _choice(
        rng,
        [
            f"ext. {rng.randint(100, 9999)}",
            f"ZIP {rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
            f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{rng.randint(100000, 999999)}-{rng.randint(0, 9)}",
            f"room {rng.randint(1, 12)}-{rng.randint(100, 499)}",
            f"{rng.randint(10, 192)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"score {rng.randint(0, 9)}-{rng.randint(0, 9)}",
            f"page {rng.randint(1, 99)} of {rng.randint(100, 999)}",
            f"{rng.randint(1, 9)} x {rng.randint(10, 99)} x {rng.randint(100, 999)} mm",
            f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
            f"batch {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
            f"{rng.randint(1, 99)}.{rng.randint(0, 99)}%",
            f"lat {rng.uniform(-80, 80):.4f}, lon {rng.uniform(-170, 170):.4f}",
            f"{rng.randint(1_600_000_000, 1_760_000_000)}",
            f"+{rng.randint(1, 99)} points",
            f"1-{rng.randint(2, 9)}",
            f"part {rng.randint(100, 999)}/{rng.randint(10, 99)}/{rng.randint(1000, 9999)}",
        ],
    )


def _near_miss(rng: random.Random) -> str:
    """Shapes of personal data that fail their checks: never redacted."""
    r = rng.random()
    if r < 0.3:  # Luhn-invalid card-shaped number
        body = "4" + _digits(rng, 14)
        bad = str((int(luhn_check_digit(body)) + rng.randint(1, 9)) % 10)
        n = body + bad
        return _choice(rng, [n, " ".join(n[i : i + 4] for i in range(0, 16, 4))])
    if r < 0.55:  # IBAN with wrong check digits
        good = iban_compact(rng)
        bad = f"{(int(good[2:4]) + rng.randint(1, 96)) % 97 + 2:02d}"
        if bad == good[2:4]:
            bad = "01"
        value = good[:2] + bad + good[4:]
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    if r < 0.8:  # SSN in an excluded range
        area = _choice(rng, ["000", "666", str(rng.randint(900, 999))])
        return f"{area}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return f"{rng.randint(100, 899):03d}-00-{rng.randint(1, 9999):04d}"


def _uuid(rng: random.Random) -> str:
    h = _rand(rng, "0123456789abcdef", 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _url(rng: random.Random) -> str:
    host = _choice(
        rng,
        [
            f"{_choice(rng, _COMPANIES)}.com",
            "example.com",
            "docs.python.org",
            "github.com",
            f"api.{_choice(rng, _COMPANIES)}.io",
        ],
    )
    path = "/".join(
        _choice(rng, _CODE_WORDS + [str(rng.randint(1, 9999)), "v1", "v2", "api"])
        for _ in range(rng.randint(1, 5))
    )
    query = _choice(
        rng, ["", f"?page={rng.randint(1, 50)}", f"?id={rng.randint(1, 99999)}&sort=desc", "#top"]
    )
    return f"https://{host}/{path}{query}"


def _path(rng: random.Random) -> str:
    parts = [_choice(rng, ["src", "app", "lib", "tests", "docs", "static"])]
    parts += [_ident(rng, 1, 3) for _ in range(rng.randint(1, 3))]
    return "/".join(parts) + _choice(rng, [".py", ".ts", ".md", ".json", ".css", ".yaml"])


def tricky(rng: random.Random) -> str:
    kind = rng.randrange(12)
    return [
        _date,
        _time,
        _price,
        _order_id,
        _version,
        _not_phone,
        _near_miss,
        _uuid,
        lambda r: "#" + _rand(r, "0123456789abcdef", _choice(r, [3, 6, 6, 8])),
        lambda r: _rand(r, "0123456789abcdef", _choice(r, [7, 40, 64])),
        _url,
        lambda r: _ident(r, 3, 6),
    ][kind](rng)


# ------------------------------------------------------------------- genres


def _prose_line(rng: random.Random) -> str:
    s = _sentence(rng)
    if rng.random() < 0.45:
        words = s.split(" ")
        words.insert(rng.randrange(1, len(words) + 1), tricky(rng))
        s = " ".join(words)
    return s + _choice(rng, [".", ".", ".", "!", "?", ","])


_PROSE_PII = {
    CARD: [
        "My card number is {v}, expiry 04/27.",
        "Please charge {v} for the renewal.",
        "Card: {v}",
        "you can use the company card {v} for the hotel.",
    ],
    NATIONAL_ID: [
        "For the payroll form: {v}.",
        "My national insurance number is {v}",
        "ID for the background check {v} - please keep it private.",
        "The number is {v}",
    ],
    EMAIL: [
        "You can reach me at {v}.",
        "Please cc {v} on this thread",
        "({v})",
        "Send the slides to {v} before Friday.",
    ],
    PHONE: [
        "Call me on {v} tomorrow.",
        "My mobile is {v}",
        "reach the front desk at {v}, ext. 12",
        "Number: {v}.",
    ],
    IBAN: [
        "Please transfer the deposit to IBAN {v}.",
        "Account {v} (reference {ref})",
        "Bank details: {v}",
        "new IBAN {v}, old one is closed",
    ],
    SECRET: [
        "The API key is {v}, please rotate it after the demo.",
        "Here is the token: {v}",
        "use {v} for the staging deploy",
        "Key below:\n{v}\nThanks",
    ],
}

_CHAT_PII = {
    CARD: ["card {v} exp 09/26", "its {v}", "cc {v} cvv later"],
    NATIONAL_ID: ["my id {v}", "{v} is mine", "nino? {v}"],
    EMAIL: ["mail me {v}", "{v}", "its {v} thx"],
    PHONE: ["call me {v}", "my number {v}", "{v} after 6"],
    IBAN: ["iban {v}", "send to {v} pls", "{v}"],
    SECRET: ["token {v} pls rotate", "{v}", "key is {v} dont share"],
}


def _fill(template: str, pieces: list[Piece], rng: random.Random) -> list[Piece]:
    before, after = template.split("{v}")
    before = before.replace("{ref}", str(rng.randint(1000, 9999)))
    after = after.replace("{ref}", str(rng.randint(1000, 9999)))
    return [(before, None), *pieces, (after, None)]


def prose(rng: random.Random, pii: list[str]) -> list[Piece]:
    first, _ = _name(rng)
    me, _ = _name(rng)
    out: list[Piece] = [(f"{_choice(rng, ['Hi', 'Hello', 'Dear', 'Hey'])} {first},\n\n", None)]
    slots = sorted(rng.sample(range(len(pii) + 3), len(pii)))
    k = 0
    for i in range(len(pii) + 3):
        if k < len(pii) and slots[k] == i:
            cls = pii[k]
            k += 1
            template = _choice(rng, _PROSE_PII[cls])
            out += _fill(template, pii_pieces(rng, cls, "prose"), rng)
            out.append((" " if rng.random() < 0.5 else "\n", None))
        else:
            para = " ".join(_prose_line(rng) for _ in range(rng.randint(1, 3)))
            out.append((para + "\n\n", None))
    out.append((f"{_choice(rng, ['Best', 'Thanks', 'Cheers', 'Regards'])},\n{me}\n", None))
    return out


def chat(rng: random.Random, pii: list[str]) -> list[Piece]:
    lines = [
        "ok",
        "sure",
        "thx!",
        "lol",
        "on my way",
        "see you at 10:30",
        "meeting moved to 3pm",
        "can u check ticket #4521?",
        "pushed v2.3.1",
        "brb",
        "sounds good",
        "which room? 4.12?",
        "costs $49.99/month",
        "the token: expired yesterday",
        "password: see vault",
        "Secret: TopSecretProject",
        "acct 0001234567 closed",
    ]
    out: list[Piece] = []
    order = list(pii) + [None] * rng.randint(3, 8)
    rng.shuffle(order)
    for cls in order:
        if cls is None:
            if rng.random() < 0.5:
                out.append((_choice(rng, lines) + "\n", None))
            else:
                s = _sentence(rng, 2, 9).lower()
                if rng.random() < 0.4:
                    s += " " + tricky(rng)
                out.append((s + "\n", None))
        else:
            out += _fill(_choice(rng, _CHAT_PII[cls]), pii_pieces(rng, cls, "chat"), rng)
            out.append(("\n", None))
    return out


def _code_clean(rng: random.Random) -> str:
    name = _ident(rng, 2, 4)
    var = _ident(rng, 1, 3)
    kind = rng.randrange(10)
    if kind == 0:
        return (
            f"def {name}({var}, limit={rng.randint(1, 500)}):\n"
            f'    """{_sentence(rng)}."""\n'
            f"    {var}_total = sum(x.amount for x in {var})\n"
            f"    if {var}_total > {rng.randint(100, 99999)}:\n"
            f"        return {_ident(rng, 2, 3)}({var}_total)\n"
            "    return None\n\n"
        )
    if kind == 1:
        return (
            f"const {var} = await fetch(`{_url(rng)}`);\n"
            f"if (!{var}.ok) throw new Error('{_sentence(rng, 2, 5)}');\n"
        )
    if kind == 2:
        return (
            f"{name}:\n  image: registry.example.com/{_ident(rng, 1, 2)}:{_version(rng)}\n"
            f"  replicas: {rng.randint(1, 9)}\n  port: {rng.choice([80, 443, 8080, 5432])}\n"
        )
    if kind == 3:
        return (
            f'{{"id": "{_uuid(rng)}", "created": "{_date(rng)}", '
            f'"amount": {rng.randint(1, 99999)}.{rng.randint(0, 99):02d}, "color": "#{_rand(rng, "0123456789abcdef", 6)}"}}\n'
        )
    if kind == 4:
        return (
            f"DEBUG={_choice(rng, ['true', 'false'])}\nPORT={rng.randint(1024, 9999)}\n"
            f"LOG_LEVEL={_choice(rng, ['info', 'debug', 'warning'])}\n"
            f"DATABASE_HOST=db.internal\nCACHE_TTL_SECONDS={rng.randint(10, 86400)}\n"
        )
    if kind == 5:
        return (
            f".{_ident(rng, 1, 2).lower()} {{ color: #{_rand(rng, '0123456789abcdef', 6)}; "
            f"margin: {rng.randint(0, 32)}px; }}\n"
        )
    if kind == 6:
        return (
            f"# {_sentence(rng, 3, 8)} (see {_path(rng)})\n"
            f'{var} = {name}(id="{_uuid(rng)}", commit="{_rand(rng, "0123456789abcdef", 40)}")\n'
        )
    if kind == 7:
        return _choice(
            rng,
            [
                'password = form.cleaned_data["password"]\n',
                'TOKEN_URL = "https://auth.example.com/oauth/token"\n',
                'settings = {"auth": "required", "token_type": "bearer"}\n',
                "api_key = os.environ.get('API_KEY')\n",
                'password_field = "password_confirmation"\n',
                "SECRET_KEY = env('DJANGO_SECRET_KEY')\n",
                '@app.route("/users/<int:user_id>")\n',
                'logo = "static/img/logo@2x.png"\n',
                "PRIVATE_KEY_PATH=/etc/ssl/private/server.key\n",
                'headers = {"X-API-Key": key, "api_key_header": "X-API-Key"}\n',
                "token = jwt.encode(payload, signing_key, algorithm='HS256')\n",
                "const apiKey = process.env.API_KEY;\n",
                "api_key: Optional[str] = None\n",
                "password_hash = make_password(raw_password)\n",
                "TOKEN_EXPIRY_SECONDS=86400\n",
                '"integrity": "sha512-' + _rand(rng, _B64, 86) + '==",\n',
                '<img src="data:image/png;base64,' + _rand(rng, _B64, 60) + '">\n',
                f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/{_ident(rng, 2, 3)}\n",
                f"image: registry.example.com/api@sha256:{_rand(rng, '0123456789abcdef', 64)}\n",
                f"kubectl logs {_ident(rng, 1, 2).lower()}-7f9c8d6b5-x2k4p --since=1h\n",
            ],
        )
    if kind == 8:
        return (
            f"SELECT id, {var}, created_at FROM {_ident(rng, 1, 2)} WHERE created_at > "
            f"'{_date(rng)}' AND amount > {_price(rng).split()[-1]} LIMIT {rng.randint(1, 500)};\n"
        )
    return f"# version {_version(rng)} released {_date(rng)}, build {_rand(rng, '0123456789abcdef', 7)}\n"


_CODE_PII = {
    CARD: ['TEST_CARD = "{v}"\n', "card_number: {v}\n", 'pay({{"card": "{v}"}})\n'],
    NATIONAL_ID: ['ssn = "{v}"\n', "national_id: {v}\n", '{{"nino": "{v}"}}\n'],
    EMAIL: [
        'ADMIN_EMAIL = "{v}"\n',
        "  email: {v}\n",
        "send_mail(to=['{v}'])\n",
        "git config user.email {v}\n",
    ],
    PHONE: ['PHONE = "{v}"\n', "  phone: '{v}'\n", '{{"tel": "{v}"}}\n'],
    IBAN: ['IBAN = "{v}"\n', "iban: {v}\n", "payout(iban='{v}')\n"],
    SECRET: ["{v}\n", "    {v}\n"],
}


def code(rng: random.Random, pii: list[str]) -> list[Piece]:
    out: list[Piece] = []
    order = list(pii) + [None] * rng.randint(2, 5)
    rng.shuffle(order)
    for cls in order:
        if cls is None:
            out.append((_code_clean(rng), None))
        else:
            template = _choice(rng, _CODE_PII[cls]).replace("{{", "{").replace("}}", "}")
            out += _fill(template, pii_pieces(rng, cls, "code"), rng)
    return out


def _standalone(rng: random.Random, cls: str) -> list[Piece]:
    """A value that is recognisable without a label (a cell has none)."""
    while True:
        pieces = pii_pieces(rng, cls, "sheet")
        if all(c is not None or not text for text, c in pieces):
            return pieces


def sheet(rng: random.Random, pii: list[str]) -> list[Piece]:
    """Spreadsheet typing: cells separated by Tab, rows by Enter."""
    header = ["Name", "Item", "Qty", "Amount", "Date", "Order", "Notes"]
    extra = sorted(set(pii), key=CLASSES.index)
    header += [c.replace("_", " ").title() for c in extra]
    out: list[Piece] = [("\t".join(header) + "\n", None)]
    todo = list(pii)
    rows = max(2, len(todo) // max(1, len(extra)) + rng.randint(1, 4))
    for _ in range(rows):
        first, last = _name(rng)
        cells: list[list[Piece]] = [
            [(f"{first} {last}", None)],
            [(_ident(rng, 1, 2), None)],
            [(str(rng.randint(1, 500)), None)],
            [(_price(rng), None)],
            [(_date(rng), None)],
            [(_order_id(rng), None)],
            [(_choice(rng, ["", "ok", "paid", "late", tricky(rng)]), None)],
        ]
        for cls in extra:
            if cls in todo:
                todo.remove(cls)
                cells.append(_standalone(rng, cls))
            else:
                cells.append([("", None)])
        for i, cell in enumerate(cells):
            out += cell
            out.append(("\t" if i < len(cells) - 1 else "\n", None))
    return out


_GENRE_BUILDERS = {"prose": prose, "chat": chat, "code": code, "sheet": sheet}


# ------------------------------------------------------------------- typing

_SHIFTED_BASE = dict(zip('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./", strict=True))
_PUNCT_CODES = {
    "`": "Backquote",
    "-": "Minus",
    "=": "Equal",
    "[": "BracketLeft",
    "]": "BracketRight",
    "\\": "Backslash",
    ";": "Semicolon",
    "'": "Quote",
    ",": "Comma",
    ".": "Period",
    "/": "Slash",
    " ": "Space",
}
_NEIGHBOURS = {
    **{c: "qwertyuiopasdfghjklzxcvbnm" for c in string.ascii_lowercase},
    **{c: "1234567890" for c in string.digits},
}


def key_code(ch: str) -> str:
    if ch.isascii() and ch.isalpha():
        return "Key" + ch.upper()
    if ch.isdigit():
        return "Digit" + ch
    if ch in _SHIFTED_BASE:
        return key_code(_SHIFTED_BASE[ch])
    return _PUNCT_CODES.get(ch, "Unidentified")


def _needs_shift(ch: str) -> bool:
    return ch.isupper() or ch in _SHIFTED_BASE


class _Typist:
    def __init__(self, rng: random.Random, typo_rate: float, sheet: bool) -> None:
        self.rng = rng
        self.typo_rate = typo_rate
        self.sheet = sheet
        self.keys: list[tuple[str | None, str | None]] = []
        self.truth: list[str | None] = []
        self.erased: set[int] = set()

    def _press(self, ch: str, cls: str | None) -> None:
        rng = self.rng
        if ch == "\n":
            if self.sheet and rng.random() < 0.3:
                self.keys.append(("ArrowDown", None))
            else:
                self.keys.append(("Enter", _choice(rng, [None, "\r", "\n"])))
            self.truth.append(cls)
            return
        if ch == "\t":
            self.keys.append(("Tab", _choice(rng, [None, "\t"])))
            self.truth.append(cls)
            return
        if _needs_shift(ch) and rng.random() < 0.85:
            self.keys.append((_choice(rng, ["ShiftLeft", "ShiftRight"]), None))
            self.truth.append(NO_CHAR)
        if rng.random() < 0.003:
            self.keys.append((_choice(rng, ["ControlLeft", "AltLeft", "MetaLeft"]), None))
            self.truth.append(NO_CHAR)
        self.keys.append((key_code(ch), ch))
        self.truth.append(cls)

    def _backspace(self, n: int) -> None:
        for _ in range(n):
            self.keys.append(("Backspace", None))
            self.truth.append(NO_CHAR)

    def type(self, chars: list[tuple[str, str | None]]) -> None:
        rng = self.rng
        i = 0
        while i < len(chars):
            ch, cls = chars[i]
            if self.typo_rate and ch not in "\n\t" and rng.random() < self.typo_rate:
                r = rng.random()
                if r < 0.6:  # a wrong neighbour key, noticed at once
                    wrong = _choice(rng, _NEIGHBOURS.get(ch.lower(), "asdfjkl;"))
                    self._press(wrong, cls)
                    self._backspace(1)
                elif r < 0.85 and i + 1 < len(chars) and chars[i + 1][0] not in "\n\t":
                    self._press(chars[i + 1][0], chars[i + 1][1])  # swapped keys
                    self._backspace(1)
                else:  # typed ahead, then deleted back to here
                    ahead = [c for c in chars[i : i + rng.randint(2, 5)] if c[0] not in "\n\t"]
                    for c, k in ahead:
                        self._press(c, k)
                    self._backspace(len(ahead))
            self._press(ch, cls)
            i += 1

    def erase(self, chars: list[tuple[str, str | None]]) -> None:
        """Type ``chars`` in full, then delete them with Backspace."""
        start = len(self.keys)
        for ch, cls in chars:
            self._press(ch, cls)
        self.erased.update(i for i in range(start, len(self.keys)) if self.truth[i])
        self._backspace(len(chars))


def _type_sample(rng: random.Random, genre: str, pieces: list[Piece]) -> Sample:
    typo_rate = 0.0 if rng.random() < 0.55 else rng.uniform(0.01, 0.06)
    typist = _Typist(rng, typo_rate, sheet=genre == "sheet")
    text = []
    for chunk, cls in pieces:
        if not chunk:
            continue
        if cls is not None and rng.random() < 0.03:
            # A value (and its label) typed by mistake and deleted before the real one.
            typist.erase([(c, k) for t, k in pii_pieces(rng, cls, genre) for c in t])
        typist.type([(c, cls) for c in chunk])
        text.append(chunk)
    instances = Counter(cls for chunk, cls in pieces if cls is not None and chunk)
    return Sample(genre, typist.keys, typist.truth, "".join(text), typist.erased, instances)


def build_corpus(seed: int = 20240115, scale: float = 1.0) -> list[Sample]:
    """``scale`` 1.0: about 700 PII instances per class and 350k clean characters."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    per_class = int(700 * scale)
    # Sequences with personal data: 1-4 instances each, mixed classes.
    bag = [cls for cls in CLASSES for _ in range(per_class)]
    rng.shuffle(bag)
    while bag:
        genre = _choice(rng, GENRES)
        take = min(len(bag), rng.randint(1, 4))
        pii, bag = bag[:take], bag[take:]
        samples.append(_type_sample(rng, genre, _GENRE_BUILDERS[genre](rng, pii)))
    # Sequences without any.
    for _ in range(int(500 * scale)):
        genre = _choice(rng, GENRES)
        samples.append(_type_sample(rng, genre, _GENRE_BUILDERS[genre](rng, [])))
    rng.shuffle(samples)
    return samples
