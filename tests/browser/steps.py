"""Steps the browser scenarios share."""

import os
from pathlib import Path

import pytest

# Set PORTAL_SCREENSHOTS=/some/dir to keep a screenshot of each page the scenarios visit.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def log_in(page, email: str, password: str, *, start: str = "/") -> None:
    """Sign in through the real login page."""
    page.goto(start)
    screenshot(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


# axe-core, pinned in package-lock.json and installed by `make test` (npm ci).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = f"axe-core is not installed at {AXE}: run `npm ci` (make test does) first"
# What fails a page: WCAG 2.2 AA says "must", and axe rates these as blocking someone.
BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it is now; one line per serious or critical violation.

    The source is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern: the page is checked under the very
    policy people get (a context with bypass_csp would check another page, one
    where inline scripts and styles the policy blocks would suddenly apply).
    """
    if not AXE.exists():
        pytest.fail(AXE_MISSING, pytrace=False)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'][:5])} "
        f"[{len(v['targets'])} nodes] {v['helpUrl']}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
