"""The record of processing activities (Art. 30) says what the catalogue, the retention
policies and the safeguards in force say, in JSON and as a PDF a person reads."""

import io
import json

import pytest
from pypdf import PdfReader

from governance.evidence.processing_record import (
    TECHNICAL_MEASURES,
    processing_record_build,
    processing_record_write,
)
from governance.models import Purpose, SafeguardRule
from governance.services.consent import RequestContext, consent_grant
from governance.services.retention import retention_policy_create
from governance.stores import REGISTRY


@pytest.fixture
def governed(catalogue, olivia, alice, bob, scope):
    """A catalogue with a policy, an excluded application, a third-party purpose and one
    consenting employee (alice, DE); bob (FR) has not opted in."""
    vscode, calc = catalogue["applications"]
    kinds = {k.slug: k for k in catalogue["kinds"]}
    retention_policy_create(
        actor=olivia, name="Raw keystrokes", store="events", keep_days=30,
        applications=[vscode], data_kinds=[kinds["key"]],
    )  # fmt: skip
    retention_policy_create(actor=olivia, name="Sessions", store="sessions", keep_days=180)
    SafeguardRule.objects.create(
        kind=SafeguardRule.Kind.EXCLUDED_APPLICATION, name="Never record Calc", application=calc
    )
    Purpose.objects.create(
        slug="benchmark-with-partner",
        name="Benchmark with a “research partner”",
        description="Shared with a named research partner.",
        third_party_disclosure=True,
    )
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())
    return catalogue


def _json_record() -> dict:
    out = io.BytesIO()
    processing_record_write(out, fmt="json")
    return json.loads(out.getvalue())


def test_purposes_and_their_lawful_basis_come_from_the_catalogue(governed, settings):
    record = _json_record()
    by_slug = {p["slug"]: p for p in record["purposes"]}
    assert set(by_slug) == set(Purpose.objects.values_list("slug", flat=True))
    permitted = by_slug["train-computer-use-models"]
    assert permitted["name"] == governed["purpose"].name
    assert permitted["use"] == "permitted"
    assert permitted["lawful_basis"] == settings.PROCESSING_LAWFUL_BASIS
    prohibited = by_slug["performance-evaluation"]
    assert prohibited["use"] == "prohibited" and prohibited["lawful_basis"].startswith("None")


def test_data_categories_subjects_and_applications(governed):
    record = _json_record()
    names = sorted((k.name, k.slug) for k in governed["kinds"])
    assert [k["slug"] for k in record["data_categories"]] == [slug for _, slug in names]
    assert all(k["category"] == "Behavioural data" for k in record["data_categories"])
    # Only alice (DE) has opted in; bob (FR) has not.
    assert record["data_subjects"][0]["countries"] == ["DE"]
    recorded = {a["slug"]: a["recorded"] for a in record["applications"]}
    assert recorded == {"vscode": True, "calc": False}


def test_retention_per_store_follows_the_policies(governed, settings):
    stores = {r["store"]: r for r in _json_record()["retention"]}
    assert set(stores) == {"events", "sessions", "activity", "exports", "typed_tails", "datasets"}
    assert stores["events"]["policies"] == [
        {"name": "Raw keystrokes", "keep_days": 30, "applications": ["vscode"],
         "data_kinds": ["key"]},
    ]  # fmt: skip
    assert stores["sessions"]["policies"] == [
        {"name": "Sessions", "keep_days": 180, "applications": "all", "data_kinds": "all"}
    ]
    assert stores["activity"]["policies"] == []
    assert stores["activity"]["period"].startswith("No retention policy")
    assert stores["exports"]["period"].startswith(f"{settings.EXPORT_TTL_DAYS} days")
    assert stores["typed_tails"]["period"].startswith("10 minutes after the last batch")
    assert stores["datasets"]["period"].startswith(f"{settings.DATASET_TTL_DAYS} days")


def test_recipients_transfers_and_safeguards(governed, settings):
    settings.PROCESSING_TRANSFERS = [
        "Model hosting in the USA under the EU-US Data Privacy Framework"
    ]
    record = _json_record()
    assert record["recipients"][: len(settings.PROCESSING_RECIPIENTS)] == list(
        settings.PROCESSING_RECIPIENTS
    )
    assert any("“Benchmark with a “research partner”" in r for r in record["recipients"])
    assert record["transfers"] == settings.PROCESSING_TRANSFERS
    assert any("Never record Calc (LibreOffice Calc)" in s for s in record["safeguards"])
    assert record["technical_measures"] == list(TECHNICAL_MEASURES)


def test_a_disabled_safeguard_is_not_in_force(governed):
    SafeguardRule.objects.filter(name="Never record Calc").update(enabled=False)
    record = processing_record_build()
    assert not any("Never record Calc" in s for s in record["safeguards"])
    assert {a["slug"]: a["recorded"] for a in record["applications"]}["calc"] is True


def test_the_pdf_reads_back_with_the_purposes_and_retention(governed):
    out = io.BytesIO()
    processing_record_write(out, fmt="pdf")
    reader = PdfReader(io.BytesIO(out.getvalue()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Record of processing activities (GDPR Art. 30)" in text
    for purpose in Purpose.objects.all():
        assert purpose.name.replace("“", '"').replace("”", '"') in text
    assert "Raw keystrokes" in text and "Never record Calc" in text
    assert "Transfers to third countries" in text


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="fmt must be one of json, pdf"):
        processing_record_write(io.BytesIO(), fmt="docx")


def test_every_store_description_is_written_as_text_into_the_json_record(governed):
    """Store descriptions are lazily translated: the JSON writer takes only text."""
    stores = {r["store"]: r for r in _json_record()["retention"]}
    for name, target in REGISTRY.items():
        assert stores[name]["description"] == str(target.description)
