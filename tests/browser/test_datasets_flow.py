"""An officer builds a dataset snapshot in headless Chromium: defines it on the datasets
page, watches its progress bar while a real worker builds it, and sees it become ready
with its rows and what was left out, which the test checks against the shards."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from governance.models import DatasetSnapshot
from governance.stores.datasets import shard_read
from tests.browser.steps import log_in, screenshot
from tests.datasets.conftest import captured, datasets_dir  # noqa: F401

pytestmark = pytest.mark.browser

WORKER = 60_000  # ms


def test_an_officer_builds_a_snapshot_and_watches_it_become_ready(
    page,
    celery_worker_factory,
    captured,  # noqa: F811
    olivia,
    password,
):
    log_in(page, "olivia@example.com", password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Datasets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dataset snapshots")

    form = page.get_by_test_id("dataset-form")
    form.get_by_label("Purpose").select_option(label="Train computer-use models")
    form.locator('input[name="applications"][value="vscode"]').check()
    kinds = form.locator('input[name="data_kinds"]')
    for index in range(kinds.count()):
        kinds.nth(index).check()
    starts, ends = captured.window()
    # Whole minutes: the window takes in the events a little past the API tests' end too.
    form.get_by_label("From (UTC)").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Until (UTC)").fill((ends + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Build snapshot").click()

    dataset = DatasetSnapshot.objects.get()
    row = page.locator(f'tr[data-dataset="{dataset.pk}"]')
    expect(row.locator("progress")).to_be_visible()  # building: no worker yet
    screenshot(page, "officer-dataset-building")
    worker = celery_worker_factory()

    expect(row).to_have_attribute("data-state", "ready", timeout=WORKER)
    expect(row.locator("progress")).to_have_count(0)
    screenshot(page, "officer-dataset-ready")
    dataset.refresh_from_db()
    assert dataset.state == "ready", (dataset.error, worker.log())
    rows = sum(shard_read(dataset.location, s["name"]).num_rows for s in dataset.manifest["shards"])
    assert rows == dataset.rows_written > 0
    expect(row.locator('[data-field="rows"]')).to_contain_text(str(rows))
    expect(row).to_contain_text("restricted:")
