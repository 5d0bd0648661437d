"""Realistic capture streams: what a capture client on an employee's machine would send.

Pure Python, no database: the caller names the employees, the applications (with
the identifier a client reports for each) and the time window, and gets back one
session of events per employee in the wire format of
`governance.services.ingestion.schema`. The same seed and window give the same
events.

A session is a working day in small: the person focuses an application, types
in bursts (inter-key intervals of ~80-250 ms, pauses between words, typos fixed
with Backspace, Shift around capitals), moves the pointer along curved paths and
clicks, scrolls, picks menu items and switches windows. A small share of what
they do is what the gateway's safeguards exist for: personal data typed as text
(Luhn-valid card numbers, emails, phone numbers, IBANs, AWS keys, GitHub
tokens), a password typed into a sign-in form (`secure_input`), a visit to the
excluded password manager, a bank's window title, and an application that is
not in the catalogue.
"""

import math
import random
import re
import string
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson

EXCLUDED_IDENTIFIER = "1password"
UNCATALOGUED_IDENTIFIER = "slack"
SCREENS = [(1920, 1080), (2560, 1440), (1440, 900)]
POINTER_SAMPLE_MS = 25  # a client coalesces pointer moves to about 40 per second


@dataclass(frozen=True)
class CaptureApp:
    """An application as the client reports it; `profile` picks its windows, text and menus."""

    identifier: str
    profile: str


@dataclass(frozen=True)
class Elsewhere:
    """Where people also go: the excluded password manager and an uncatalogued app."""

    excluded: CaptureApp = CaptureApp(EXCLUDED_IDENTIFIER, EXCLUDED_IDENTIFIER)
    uncatalogued: CaptureApp = CaptureApp(UNCATALOGUED_IDENTIFIER, UNCATALOGUED_IDENTIFIER)


@dataclass
class CaptureSession:
    employee: str
    session_id: str
    events: list[dict]


@dataclass(frozen=True)
class AppProfile:
    titles: tuple[str, ...]
    texts: tuple[str, ...]  # ordinary input; "\n" is Enter, "\t" is Tab
    pii_texts: tuple[str, ...]  # input with {card}, {email}, {phone}, {iban}, {aws}, {github}
    menus: tuple[tuple[str, ...], ...]
    # Relative weights of: type, point and click, scroll, menu, other window of the app.
    activity: tuple[int, int, int, int, int] = (4, 3, 2, 1, 1)


PROFILES = {
    "vscode": AppProfile(
        titles=(
            "models.py - portal - Visual Studio Code",
            "test_api.py - portal - Visual Studio Code",
            "README.md - portal - Visual Studio Code",
            "settings.json - Visual Studio Code",
        ),
        texts=(
            "def total(items):\n    return sum(item.price for item in items)\n",
            "for row in rows:\n    print(row)\n",
            "import json\n",
            "# TODO: handle the empty case\n",
            'return {"status": "ok", "count": len(results)}\n',
            "self.assertEqual(result, expected)\n",
            "if not user.is_active:\n    raise PermissionDenied\n",
            "git commit -m 'Fix the totals'",
        ),
        pii_texts=(
            'AWS_ACCESS_KEY_ID = "{aws}"\n',
            'GITHUB_TOKEN = "{github}"\n',
            'SUPPORT_EMAIL = "{email}"\n',
        ),
        menus=(
            ("File", "Save"),
            ("File", "Save as"),
            ("Edit", "Find"),
            ("Edit", "Replace"),
            ("View", "Terminal"),
            ("Go", "Go to File"),
            ("Run", "Start Debugging"),
        ),
        activity=(6, 3, 2, 1, 1),
    ),
    "calc": AppProfile(
        titles=(
            "budget-2026.ods - LibreOffice Calc",
            "travel-expenses.ods - LibreOffice Calc",
            "headcount.ods - LibreOffice Calc",
        ),
        texts=(
            "=SUM(B2:B14)\n",
            "1250.00\t980.50\t\n",
            "Q3 forecast\t",
            "=AVERAGE(C2:C30)\n",
            "Berlin office\t4\t12500\n",
            '=IF(D4>100;"over";"ok")\n',
        ),
        pii_texts=("{card}\n", "{iban}\t", "Sam Taylor\t{phone}\n"),
        menus=(
            ("Data", "Sort"),
            ("Insert", "Chart"),
            ("Format", "Cells"),
            ("File", "Export as PDF"),
            ("Edit", "Find & Replace"),
        ),
        activity=(5, 4, 2, 1, 1),
    ),
    "firefox": AppProfile(
        titles=(
            "Pull requests - GitHub - Mozilla Firefox",
            "Django documentation - Mozilla Firefox",
            "Sprint board - Jira - Mozilla Firefox",
            "Weather in Berlin - Mozilla Firefox",
        ),
        texts=(
            "django select_for_update skip_locked\n",
            "python zoneinfo utc\n",
            "weather berlin tomorrow\n",
            "train times munich\n",
            "Looks good to me, thanks!",
        ),
        pii_texts=("{email}\t", "{phone}\n", "{card}\t09/27\t"),
        menus=(
            ("History", "Show All History"),
            ("Bookmarks", "Bookmark Current Tab"),
            ("File", "New Tab"),
            ("Edit", "Find in Page"),
            ("Tools", "Downloads"),
        ),
        activity=(2, 4, 4, 1, 2),
    ),
    "terminal": AppProfile(
        titles=("dev@laptop: ~/portal", "dev@laptop: ~", "ssh build-01"),
        texts=(
            "git status\n",
            "ls -la\n",
            "pytest -q\n",
            "docker compose up -d\n",
            "cd ~/portal && make test\n",
            "tail -f /var/log/syslog\n",
        ),
        pii_texts=(
            "export AWS_ACCESS_KEY_ID={aws}\n",
            "git clone https://{github}@github.com/example/tools.git\n",
        ),
        menus=(
            ("Edit", "Copy"),
            ("Edit", "Paste"),
            ("View", "Zoom In"),
            ("Terminal", "Reset"),
            ("File", "New Tab"),
        ),
        activity=(7, 1, 1, 1, 1),
    ),
    "thunderbird": AppProfile(
        titles=(
            "Inbox - Thunderbird",
            "Write: Quarterly report - Thunderbird",
            "Write: Re: Team offsite - Thunderbird",
        ),
        texts=(
            "Hi team,\n\nthe numbers for March are in the shared folder.\n",
            "Thanks, see you on Monday.\n",
            "Could we move the meeting to 3 pm?\n",
            "Best regards,\nErin\n",
        ),
        pii_texts=(
            "You can reach me at {phone} or {email}.\n",
            "Please transfer the deposit to {iban}.\n",
            "My card number is {card}, expiry 09/27.\n",
        ),
        menus=(
            ("File", "New", "Message"),
            ("Message", "Reply"),
            ("Message", "Forward"),
            ("Edit", "Find", "Find in This Message"),
            ("View", "Layout"),
        ),
        activity=(6, 3, 3, 1, 1),
    ),
    EXCLUDED_IDENTIFIER: AppProfile(
        titles=("1Password", "1Password - Work vault"),
        texts=("github\n", "aws console\n", "vpn\n"),
        pii_texts=("{github}",),
        menus=(("Item", "Copy Password"), ("Item", "Edit")),
        activity=(3, 3, 1, 1, 0),
    ),
    UNCATALOGUED_IDENTIFIER: AppProfile(
        titles=("general - Example Corp - Slack", "Sam Taylor - Example Corp - Slack"),
        texts=("on my way\n", "can you review my PR?\n", "lunch at 12?\n"),
        pii_texts=("call me on {phone}\n",),
        menus=(("File", "Preferences"), ("View", "Threads")),
        activity=(4, 3, 2, 1, 1),
    ),
}
GENERIC = AppProfile(
    titles=("Untitled",),
    texts=("Meeting notes\n", "Follow up with the team\n", "Done.\n"),
    pii_texts=("Contact: {email}\n",),
    menus=(("File", "Save"), ("Edit", "Find")),
)
BANK_TITLE = "Online Bank - Account overview - Mozilla Firefox"
SIGN_IN_TITLE = "Sign in - Example SSO - Mozilla Firefox"

# KeyboardEvent.code for each character typed without Shift, and with it.
_PLAIN_CODES = {
    " ": "Space",
    "\n": "Enter",
    "\t": "Tab",
    "-": "Minus",
    "=": "Equal",
    "[": "BracketLeft",
    "]": "BracketRight",
    "\\": "Backslash",
    ";": "Semicolon",
    "'": "Quote",
    "`": "Backquote",
    ",": "Comma",
    ".": "Period",
    "/": "Slash",
}
_SHIFTED_CODES = dict(
    zip(
        '!@#$%^&*()_+{}|:"~<>?',
        [f"Digit{d}" for d in "1234567890"]
        + ["Minus", "Equal", "BracketLeft", "BracketRight", "Backslash", "Semicolon", "Quote"]
        + ["Backquote", "Comma", "Period", "Slash"],
        strict=True,
    )
)
# Letters next to each other on a QWERTY row: the usual typo.
_NEIGHBOURS = {
    row[i]: row[max(i - 1, 0) : i] + row[i + 1 : i + 2]
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i in range(len(row))
}


def key_code(char: str) -> tuple[str, bool]:
    """The physical key for a character, and whether Shift is held for it."""
    if char in _PLAIN_CODES:
        return _PLAIN_CODES[char], False
    if char in _SHIFTED_CODES:
        return _SHIFTED_CODES[char], True
    if char.isdigit():
        return f"Digit{char}", False
    if char.isascii() and char.isalpha():
        return f"Key{char.upper()}", char.isupper()
    return "Unidentified", False


# --- personal data that people type -------------------------------------------


def _luhn_complete(partial: str) -> str:
    """partial + the check digit that makes it pass the Luhn check."""
    total = 0
    for position, ch in enumerate(reversed(partial)):
        digit = int(ch)
        if position % 2 == 0:  # doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return partial + str((10 - total % 10) % 10)


def card_number(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "53", "54", "55"])
    number = _luhn_complete(prefix + "".join(rng.choices(string.digits, k=15 - len(prefix))))
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def iban(rng: random.Random) -> str:
    """A German IBAN with valid ISO 7064 mod-97 check digits."""
    bban = "".join(rng.choices(string.digits, k=18))
    check = 98 - int(bban + "131400") % 97  # "DE00" moved to the end, D=13 E=14
    number = f"DE{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def email_address(rng: random.Random) -> str:
    first = rng.choice(["sam", "alex", "maria", "jonas", "li", "priya"])
    last = rng.choice(["taylor", "schmidt", "garcia", "chen", "novak"])
    return f"{first}.{last}@{rng.choice(['example.org', 'mail.example.net', 'acme.test'])}"


def phone_number(rng: random.Random) -> str:
    digits = "".join(rng.choices(string.digits, k=7))
    return rng.choice(
        [
            f"+44 20 7946 {digits[:4]}",
            f"+49 30 {digits[:4]} {digits[4:]}",
            f"(415) 555-{digits[:4]}",
            f"+33 6 12 {digits[:2]} {digits[2:4]} {digits[4:6]}",
        ]
    )


def aws_key(rng: random.Random) -> str:
    return "AKIA" + "".join(rng.choices(string.ascii_uppercase + "234567", k=16))


def github_token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choices(string.ascii_letters + string.digits, k=36))


PII_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "card": card_number,
    "iban": iban,
    "email": email_address,
    "phone": phone_number,
    "aws": aws_key,
    "github": github_token,
}


def _fill(template: str, rng: random.Random) -> str:
    values = {name: make(rng) for name, make in PII_MAKERS.items() if f"{{{name}}}" in template}
    return template.format(**values)


# --- one person at work -------------------------------------------------------


def _stamp(ms: int) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


@dataclass
class _Desk:
    """One person's session being written: the clock, the pointer and the focused window."""

    rng: random.Random
    now: int  # ms since the epoch
    screen: tuple[int, int]
    app: CaptureApp
    title: str
    x: int = 0
    y: int = 0
    timed: list[tuple[int, int, dict]] = field(default_factory=list)

    def emit(self, type_: str, at: int | None = None, *, secure: bool = False, **payload):
        event = {
            "app": self.app.identifier,
            "type": type_,
            "window_title": self.title,
            "secure_input": secure,
            **payload,
        }
        self.timed.append((self.now if at is None else at, len(self.timed), event))

    def wait(self, low: float, high: float) -> None:
        self.now += int(self.rng.uniform(low, high))

    # Focus ----------------------------------------------------------------

    def focus(self, app: CaptureApp, title: str) -> None:
        if self.rng.random() < 0.5:
            self._chord("AltLeft", "Tab")  # Alt+Tab in the window being left
        else:
            self.point_and_click(target=(self.rng.randint(40, 600), self.screen[1] - 20))
        self.wait(80, 250)
        self.app, self.title = app, title
        self.emit("window_focus")
        self.wait(200, 900)

    # Keyboard -------------------------------------------------------------

    def _key(self, code: str, char: str | None, down: int, up: int, secure: bool) -> None:
        key = {"code": code, "char": char}
        self.emit("key_down", down, secure=secure, key=key)
        self.emit("key_up", up, secure=secure, key=key)

    def _chord(self, modifier: str, code: str) -> None:
        """A shortcut such as Alt+Tab: no character is typed."""
        start = self.now
        self._key(modifier, None, start, start + 260, False)
        self._key(code, None, start + 110, start + 190, False)
        self.now = start + 300

    def _stroke(self, char: str, secure: bool) -> None:
        code, shifted = key_code(char)
        dwell = int(self.rng.uniform(55, 130))
        if shifted:
            self._key("ShiftLeft", None, self.now - 45, self.now + dwell + 25, secure)
        self._key(code, char, self.now, self.now + dwell, secure)

    def type_text(self, text: str, *, secure: bool = False) -> None:
        rng = self.rng
        for char in text:
            neighbours = _NEIGHBOURS.get(char.lower())
            if neighbours and not secure and rng.random() < 0.025:
                typo = rng.choice(neighbours)  # a typo, noticed and fixed
                self._stroke(typo.upper() if char.isupper() else typo, secure)
                self.wait(180, 450)
                self._key("Backspace", None, self.now, self.now + 70, secure)
                self.wait(120, 250)
            self._stroke(char, secure)
            # Inter-key intervals cluster around 150 ms; longer after words and lines.
            self.now += int(min(max(rng.lognormvariate(math.log(150), 0.3), 80), 250))
            if char == " " and rng.random() < 0.2:
                self.wait(200, 700)
            elif char in ".,\n\t":
                self.wait(250, 1200)

    def type_burst(self, profile: AppProfile, pii_share: float) -> None:
        if self.rng.random() < pii_share:
            text = _fill(self.rng.choice(profile.pii_texts), self.rng)
        else:
            text = self.rng.choice(profile.texts)
        self.type_text(text)

    # Pointer --------------------------------------------------------------

    def move_to(self, target: tuple[int, int]) -> None:
        """A curved path (cubic Bézier) with the bell-shaped speed of a hand (minimum jerk)."""
        rng = self.rng
        (x0, y0), (x3, y3) = (self.x, self.y), target
        distance = math.hypot(x3 - x0, y3 - y0)
        if distance < 2:
            return
        nx, ny = -(y3 - y0) / distance, (x3 - x0) / distance  # unit normal to the line
        bend1, bend2 = rng.uniform(-0.3, 0.3) * distance, rng.uniform(-0.2, 0.2) * distance
        x1, y1 = x0 + (x3 - x0) / 3 + nx * bend1, y0 + (y3 - y0) / 3 + ny * bend1
        x2, y2 = x0 + 2 * (x3 - x0) / 3 + nx * bend2, y0 + 2 * (y3 - y0) / 3 + ny * bend2
        duration = (250 + 120 * math.log2(distance / 40 + 1)) * rng.uniform(0.8, 1.3)
        width, height = self.screen
        elapsed = 0.0
        while elapsed < duration:
            elapsed = min(duration, elapsed + rng.uniform(0.8, 1.2) * POINTER_SAMPLE_MS)
            tau = elapsed / duration
            s = tau**3 * (10 - 15 * tau + 6 * tau**2)
            u = 1 - s
            bx = u**3 * x0 + 3 * u * u * s * x1 + 3 * u * s * s * x2 + s**3 * x3
            by = u**3 * y0 + 3 * u * u * s * y1 + 3 * u * s * s * y2 + s**3 * y3
            x = min(max(round(bx + rng.gauss(0, 0.6)), 0), width - 1)
            y = min(max(round(by + rng.gauss(0, 0.6)), 0), height - 1)
            self.emit("pointer_move", int(self.now + elapsed), pointer={"x": x, "y": y})
        self.now += int(duration)
        self.x, self.y = x3, y3

    def click(self, button: str = "left") -> None:
        pointer = {"x": self.x, "y": self.y, "button": button}
        self.emit("pointer_down", pointer=pointer)
        self.wait(60, 140)
        self.emit("pointer_up", pointer=pointer)

    def point_and_click(self, target: tuple[int, int] | None = None) -> None:
        width, height = self.screen
        self.move_to(target or (self.rng.randint(0, width - 1), self.rng.randint(0, height - 1)))
        self.wait(40, 200)
        roll = self.rng.random()
        button = "right" if roll < 0.06 else "middle" if roll < 0.07 else "left"
        self.click(button)
        if button == "left" and self.rng.random() < 0.12:  # a double click
            self.wait(80, 160)
            self.click()

    def scroll(self) -> None:
        rng = self.rng
        dy = rng.choice([-3, -3, -1, 1, 3])
        dx = rng.choice([-2, 2]) if self.app.profile == "calc" and rng.random() < 0.3 else 0
        for _ in range(rng.randint(3, 14)):
            self.emit("scroll", scroll={"dx": dx, "dy": dy})
            self.wait(25, 90)
        self.wait(200, 800)

    def menu(self, path: Sequence[str]) -> None:
        self.move_to((self.rng.randint(10, 400), self.rng.randint(5, 22)))
        self.click()
        self.wait(250, 500 * len(path))
        self.emit("menu_select", menu={"path": list(path)})
        self.wait(200, 600)

    # The sprinkles --------------------------------------------------------

    def sign_in(self, browser: CaptureApp) -> None:
        """A sign-in form: the email in clear, the password in a secure field."""
        self.focus(browser, SIGN_IN_TITLE)
        self.point_and_click((self.screen[0] // 2, self.screen[1] // 2 - 40))
        self.type_text(email_address(self.rng))
        self.type_text("\t")
        password = "".join(self.rng.choices(string.ascii_letters + string.digits + "!#%", k=14))
        self.type_text(password + "\n", secure=True)
        self.wait(800, 2000)
        self.title = self.rng.choice(PROFILES["firefox"].titles)  # signed in, page changes
        self.emit("window_focus")


def _session(
    rng: random.Random,
    *,
    employee: str,
    apps: Sequence[CaptureApp],
    start: int,
    end: int,
    pii_share: float,
    elsewhere: Elsewhere,
) -> CaptureSession:
    session_id = f"sim-{rng.getrandbits(64):016x}"
    app = rng.choice(apps)
    screen = rng.choice(SCREENS)
    desk = _Desk(
        rng=rng,
        now=start + rng.randint(0, 5000),
        screen=screen,
        app=app,
        title=rng.choice(_profile(app).titles),
        x=rng.randrange(screen[0]),
        y=rng.randrange(screen[1]),
    )
    desk.emit("window_focus")
    desk.wait(300, 1_500)
    stay = rng.uniform(15_000, 75_000)
    while desk.now < end:
        leave_at = desk.now + stay
        while desk.now < min(leave_at, end):
            _activity(desk, pii_share)
        stay = _switch(desk, apps, elsewhere)
    timed = sorted(t for t in desk.timed if t[0] <= end)
    events = [
        {"employee": employee, "ts": _stamp(at), "session_id": session_id, **event}
        for at, _, event in timed
    ]
    return CaptureSession(employee=employee, session_id=session_id, events=events)


def _switch(desk: _Desk, apps: Sequence[CaptureApp], elsewhere: Elsewhere) -> float:
    """Focus the next window, now and then one the safeguards are for; returns ms to stay."""
    rng = desk.rng
    browser = next((a for a in apps if a.profile == "firefox"), None)
    roll = rng.random()
    if roll < 0.07:
        desk.focus(elsewhere.excluded, rng.choice(PROFILES[EXCLUDED_IDENTIFIER].titles))
        return rng.uniform(4_000, 15_000)
    if roll < 0.13:
        desk.focus(elsewhere.uncatalogued, rng.choice(PROFILES[UNCATALOGUED_IDENTIFIER].titles))
        return rng.uniform(5_000, 20_000)
    if roll < 0.25 and browser is not None:
        desk.sign_in(browser)
        return rng.uniform(10_000, 40_000)
    if roll < 0.29 and browser is not None:
        desk.focus(browser, BANK_TITLE)
        return rng.uniform(5_000, 20_000)
    app = rng.choice(apps)
    desk.focus(app, rng.choice(_profile(app).titles))
    return rng.uniform(15_000, 75_000)


def _profile(app: CaptureApp) -> AppProfile:
    return PROFILES.get(app.profile, GENERIC)


def _activity(desk: _Desk, pii_share: float) -> None:
    rng, profile = desk.rng, _profile(desk.app)
    what = rng.choices(["type", "click", "scroll", "menu", "window"], weights=profile.activity)[0]
    if what == "type":
        desk.type_burst(profile, pii_share)
    elif what == "click":
        desk.point_and_click()
    elif what == "scroll":
        desk.scroll()
    elif what == "menu":
        desk.menu(rng.choice(profile.menus))
    else:
        desk.focus(desk.app, rng.choice(profile.titles))
    if rng.random() < 0.15:  # reading, thinking, away for a moment
        desk.wait(2_000, 20_000)
    else:
        desk.wait(150, 1_500)


def capture_sessions(
    *,
    employees: Sequence[str],
    apps: Sequence[CaptureApp],
    start: datetime,
    end: datetime,
    seed: int,
    elsewhere: Elsewhere | None = None,
    pii_share: float = 0.12,
) -> Iterator[CaptureSession]:
    """One session per employee (work email or number) between start and end, in time order.

    Each employee's stream depends only on the seed and their position, so the
    same arguments always give the same events.
    """
    if not apps:
        raise ValueError("at least one application is needed")
    start_ms = round(start.timestamp() * 1000)
    end_ms = round(end.timestamp() * 1000)
    for index, employee in enumerate(employees):
        rng = random.Random(f"{seed}:{index}")
        yield _session(
            rng,
            employee=employee,
            apps=apps,
            start=start_ms,
            end=end_ms,
            pii_share=pii_share,
            elsewhere=elsewhere or Elsewhere(),
        )


def batch_body(
    events: Sequence[dict],
    *,
    device_id: str,
    purpose: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> bytes:
    """The JSON body of one batch; a fresh batch id unless one is given."""
    body = {"batch_id": str(batch_id or uuid.uuid4()), "device_id": device_id, "events": events}
    if purpose:
        body["purpose"] = purpose
    return orjson.dumps(body)


def session_batches(session: CaptureSession, size: int) -> Iterator[list[dict]]:
    for offset in range(0, len(session.events), size):
        yield session.events[offset : offset + size]


class CapturePolicyFilter:
    """What a capture client honouring `GET /api/v1/ingest/policy` sends of its events.

    An event goes out only when its person's entry grants the purpose, the
    application (by any of its identifiers) and the event type's data kind, and
    neither the application nor the window title is excluded. Anything the policy
    does not name, a person it does not list included, stays on the machine.
    """

    def __init__(self, policy: dict, purpose: str):
        self.version = policy["version"]
        slug_of = {}
        for app in policy["applications"]:
            for name in (app["application"], *app["identifiers"]):
                slug_of[name] = app["application"]
        self.slug_of = slug_of
        self.kind_of = {t: k["data_kind"] for k in policy["data_kinds"] for t in k["event_types"]}
        self.patterns = [re.compile(p) for p in policy["excluded_window_patterns"]]
        self.granted: set[tuple[str, str, str]] = set()  # (employee, application, kind)
        for person in policy["employees"]:
            for granted in person["purposes"]:
                if granted["purpose"] != purpose:
                    continue
                for app in granted["applications"]:
                    for kind in app["data_kinds"]:
                        self.granted.add((person["employee"], app["application"], kind))

    def allows(self, event: dict) -> bool:
        scope = (event["employee"], self.slug_of.get(event["app"]), self.kind_of.get(event["type"]))
        if scope not in self.granted:
            return False
        title = event.get("window_title")
        return not (title and any(p.search(title) for p in self.patterns))
