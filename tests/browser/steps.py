"""Steps the browser scenarios share."""

import os
from pathlib import Path

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
