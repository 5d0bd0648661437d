"""The audit evidence bundle and the record of processing activities, asked for and
built as reports: legal downloads a bundle that verifies offline; officers get the
record, not the bundle."""

import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import AuditCheckpoint, Purpose
from governance.services.audit import audit_record
from tests.audit.test_bundle import run_verifier
from tests.reports.helpers import asked, built, content, pdf_text


def test_legal_builds_an_audit_bundle_that_verifies_offline(leo, tmp_path):
    for n in range(3):
        audit_record(actor=leo, action="test.event", details={"n": n})

    report = built(asked(leo, "audit_bundle", fmt="zip"))

    assert report.rows_written >= 3 and report.size_bytes > 0
    assert AuditCheckpoint.objects.exists(), "the head is signed before the period is read"
    path = tmp_path / "bundle.zip"
    path.write_bytes(content(report))
    with zipfile.ZipFile(path) as archive:
        assert {"events.jsonl", "checkpoints.jsonl", "verify_bundle.py"} <= set(archive.namelist())
        events = archive.read("events.jsonl").decode().splitlines()
    assert any(json.loads(line)["action"] == "test.event" for line in events)
    result = run_verifier(path, tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("OK"), result.stdout


def test_the_bundle_is_legals_alone(olivia):
    with pytest.raises(PermissionDenied):
        asked(olivia, "audit_bundle", fmt="zip")


@pytest.mark.parametrize("person", ["leo", "olivia"])
def test_the_processing_record_names_the_purposes_as_json_and_pdf(person, request, catalogue):
    user = request.getfixturevalue(person)
    purposes = set(Purpose.objects.values_list("name", flat=True))

    as_json = json.loads(content(built(asked(user, "processing_record", fmt="json"))))
    as_pdf = pdf_text(content(built(asked(user, "processing_record", fmt="pdf"))))

    assert {p["name"] for p in as_json["purposes"]} == purposes
    assert all(name in as_pdf for name in purposes)


def test_the_record_is_not_a_zip(leo):
    with pytest.raises(ValidationError) as refused:
        asked(leo, "processing_record", fmt="zip")
    assert "format" in refused.value.message_dict
