"""The main flows with the keyboard alone, each focused element visibly so.

Every step moves focus with Tab (Shift+Tab to go back) and acts with Enter or
Space, as someone who cannot use a pointer does. Whatever receives focus on
the way must show it: its computed outline or box-shadow is visible while it
has focus and differs from its look once focus moves on (WCAG 2.4.7, 2.1.1).
"""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from governance.models import (
    ConsentState,
    DataRequest,
    ErasureJob,
    ExportPackage,
    LegalHold,
)
from governance.services.requests import request_verify
from tests.erasure.helpers import record_events
from tests.requests.helpers import package_files_delete

pytestmark = pytest.mark.browser

WORKER = 60_000  # ms: a real worker picks the package up and builds it
MAX_TABS = 250

# The focus indicator as the page draws it: outline and box-shadow, computed.
FOCUS_LOOK = """el => {
    const s = getComputedStyle(el);
    return {
        outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
        // A translucent ring (rgba with alpha < 1) is too faint to count.
        visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
                  && !s.outlineColor.startsWith("rgba"))
            || s.boxShadow !== "none",
        shadow: s.boxShadow,
    };
}"""


class Keyboard:
    """Tab through a page towards a target, checking every stop's focus indicator."""

    def __init__(self, page):
        self.page = page
        self.stops = 0
        self.invisible: list[str] = []

    def _active(self):
        return self.page.evaluate_handle("document.activeElement")

    def _describe(self, handle) -> str:
        return handle.evaluate("el => el.outerHTML.slice(0, 120) + ' on ' + location.pathname")

    def tab_to(self, target, *, back: bool = False) -> None:
        """Press Tab (or Shift+Tab) until `target` has focus, or fail."""
        previous, previous_look = None, None
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            active = self._active()
            if active.evaluate("el => el === document.body"):
                continue  # focus left the page for the browser's own UI
            look = active.evaluate(FOCUS_LOOK)
            self.stops += 1
            if not look["visible"]:
                self.invisible.append(f"no focus indicator: {self._describe(active)}")
            # A date input keeps focus while Tab walks its day, month, year and time.
            if previous is not None and not previous.evaluate("(el, now) => el === now", active):
                unfocused = previous.evaluate(FOCUS_LOOK)
                if (unfocused["outline"], unfocused["shadow"]) == (
                    previous_look["outline"],
                    previous_look["shadow"],
                ):
                    self.invisible.append(
                        f"looks the same focused and not: {self._describe(previous)}"
                    )
            if target.evaluate("el => el === document.activeElement"):
                assert not self.invisible, "\n".join(self.invisible)
                return
            previous, previous_look = active, look
        pytest.fail(f"{MAX_TABS} presses of Tab never reached {target}")

    def press(self, target, key: str = "Enter") -> None:
        self.tab_to(target)
        self.page.keyboard.press(key)

    def type_into(self, target, text: str) -> None:
        self.tab_to(target)
        self.page.keyboard.type(text)

    def log_in(self, email: str, password: str) -> None:
        self.page.goto("/accounts/login/")
        self.type_into(self.page.get_by_label("Email"), email)
        self.type_into(self.page.get_by_label("Password"), password)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        expect(self.page.get_by_role("button", name="Log out")).to_be_visible()

    def nav(self, name: str) -> None:
        link = self.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=name, exact=True
        )
        with self.page.expect_navigation():
            self.press(link)


def cell(page, scope: str):
    return page.locator(f'td[data-scope="train-computer-use-models/{scope}"]')


def test_an_employee_grants_withdraws_and_withdraws_everything_by_keyboard(
    page, alice, catalogue, password
):
    keys = Keyboard(page)
    keys.log_in("alice@example.com", password)
    keys.nav("My consent")
    # The first Tab offers to skip the header; taking it, the next Tab is in the page itself.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")

    for scope, key in (("vscode/key", "Enter"), ("calc/key", "Space")):
        with page.expect_navigation():
            keys.press(cell(page, scope).get_by_role("button", name=re.compile("^Grant")), key)
        expect(cell(page, scope)).to_have_attribute("data-state", "granted")
    with page.expect_navigation():
        keys.press(cell(page, "vscode/key").get_by_role("button", name=re.compile("^Withdraw")))
    expect(cell(page, "vscode/key")).to_have_attribute("data-state", "withdrawn")

    with page.expect_navigation():
        keys.press(page.get_by_role("link", name="Withdraw everything…"))
    with page.expect_navigation():
        keys.press(page.get_by_role("button", name="Yes, withdraw everything"), "Space")
    expect(page.locator(".message-success")).to_contain_text("Withdrew everything: 1 scope.")
    assert not ConsentState.objects.filter(
        employee=alice.employee, state=ConsentState.State.GRANTED
    ).exists()
    assert keys.stops > 10


@pytest.fixture
def packages_removed():
    """The package the worker builds leaves no file behind (its row goes with the flush)."""
    yield
    package_files_delete()


def test_an_employee_files_an_access_request_and_downloads_the_package_by_keyboard(
    page, celery_worker, alice_consents_all, olivia, token, password, tmp_path, packages_removed
):
    record_events(token)
    keys = Keyboard(page)
    keys.log_in("alice@example.com", password)
    keys.nav("My requests")

    keys.press(page.get_by_role("radio", name=re.compile(r"^Access to my data")), "Space")
    expect(page.get_by_role("radio", name=re.compile(r"^Access to my data"))).to_be_checked()
    with page.expect_navigation():
        keys.press(page.get_by_role("button", name="Send request"))
    request = DataRequest.objects.get()
    expect(page.get_by_test_id("request-state")).to_contain_text("Received")

    # The officer's part is not this flow's: the page learns of it by polling.
    request_verify(request=request, actor=olivia, identity_check="Signed in with her own account")
    expect(page.get_by_test_id("request-state")).to_have_text("Completed", timeout=WORKER)
    with page.expect_download() as download_info:
        keys.press(page.get_by_test_id("download"))
    path = tmp_path / "package.zip"
    download_info.value.save_as(path)
    assert ExportPackage.objects.get(request=request).state == ExportPackage.State.READY
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def test_an_officer_starts_an_erasure_by_keyboard(page, alice, olivia, catalogue, password):
    page.on("dialog", lambda dialog: dialog.accept())  # Enter on the confirmation
    keys = Keyboard(page)
    keys.log_in("olivia@example.com", password)
    keys.nav("Erasures")

    keys.press(page.locator("details.start-erasure > summary"))
    keys.type_into(page.get_by_label("Employee number or work email"), "alice@example.com")
    keys.type_into(page.get_by_label("Reason"), "Ticket 4711, by keyboard")
    keys.press(page.get_by_label(re.compile("^I understand this erases everything")), "Space")
    with page.expect_navigation():
        keys.press(page.get_by_role("button", name="Start erasure"))

    job = ErasureJob.objects.get(employee=alice.employee)
    assert job.reason == "Ticket 4711, by keyboard"


def test_legal_places_a_hold_by_keyboard(page, alice, leo, catalogue, password):
    keys = Keyboard(page)
    keys.log_in("leo@example.com", password)
    keys.nav("Legal holds")

    with page.expect_navigation():
        keys.press(page.get_by_role("link", name=re.compile("^Place")))
    keys.type_into(page.get_by_label("Matter"), "Doe v. Example")
    keys.type_into(page.get_by_label("Reason"), "Litigation expected")
    keys.type_into(page.get_by_label("Custodians (work emails)"), "alice@example.com")
    keys.tab_to(page.get_by_label("Matter"), back=True)  # a second look at the matter
    page.keyboard.press("End")
    page.keyboard.type(" (2026)")
    with page.expect_navigation():
        keys.press(page.get_by_role("button", name="Place hold"))

    hold = LegalHold.objects.get()
    assert hold.matter == "Doe v. Example (2026)"
    assert list(hold.custodians.all()) == [alice.employee]
