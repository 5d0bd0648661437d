"""Erasure pages: officers start and follow jobs; employees follow their own and keep receipts."""

import html
import json
import re
import subprocess
import sys

import pytest

from governance.models import AuditEvent, ErasureJob, ErasureStep
from governance.services.consent import RequestContext, consent_withdraw
from governance.services.erasure import erasure_job_create
from governance.services.holds import legal_hold_create
from governance.services.signing import public_key_b64, verify_document
from tests.erasure.helpers import drive, erase_owed, events_of, preserve, record_events

OFFICER_PAGES = ["/officer/erasure-jobs/", "/officer/erasure-jobs/{job}/"]


@pytest.fixture
def alice_data(alice_consents_all, token):
    record_events(token)
    return alice_consents_all


@pytest.fixture
def bobs_job(bob, olivia, catalogue):
    return drive(erasure_job_create(employee=bob.employee, cause="officer", actor=olivia))


@pytest.mark.parametrize(
    "url",
    [
        *OFFICER_PAGES,
        "/officer/erasure-jobs/{job}/receipt.json",
        "/consent/erasures/",
        "/consent/erasures/{job}/receipt.json",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, bobs_job, url):
    url = url.format(job=bobs_job.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("persona", ["alice", "leo", "ada"])
def test_officer_erasure_pages_refuse_other_roles(as_user, personas, bobs_job, persona):
    client = as_user(personas[persona])
    urls = [*OFFICER_PAGES, "/officer/erasure-jobs/{job}/receipt.json"]
    assert [client.get(url.format(job=bobs_job.pk)).status_code for url in urls] == [403] * 3
    before = ErasureJob.objects.count()
    response = client.post(
        "/officer/erasure-jobs/", {"employee": "bob@example.com", "reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    assert ErasureJob.objects.count() == before


def test_my_erasures_page_needs_an_employee_record(as_user, ada, catalogue):
    assert as_user(ada).get("/consent/erasures/").status_code == 403


def test_someone_elses_receipt_is_404_and_their_job_is_not_listed(as_user, alice, bobs_job):
    client = as_user(alice)
    assert client.get(f"/consent/erasures/{bobs_job.pk}/receipt.json").status_code == 404
    body = client.get("/consent/erasures/").content.decode()
    assert f'data-erasure-job="{bobs_job.pk}"' not in body
    assert bobs_job.subject not in body


def test_officer_starts_an_erasure_from_the_form(as_user, olivia, alice_data):
    client = as_user(olivia)

    response = client.post(
        "/officer/erasure-jobs/",
        {"employee": alice_data.employee.employee_number, "reason": "Leaver", "confirm": "on"},
        follow=True,
    )

    job = ErasureJob.objects.get()
    assert response.redirect_chain == [(f"/officer/erasure-jobs/{job.pk}/", 302)]
    assert (job.employee, job.cause, job.reason, job.requested_by) == (
        alice_data.employee,
        "officer",
        "Leaver",
        olivia,
    )
    body = response.content.decode()
    assert f"Erasure #{job.pk} started for Alice" in body
    assert 'data-erasure-poll="/api/v1/erasure-jobs" data-poll-mode="ids"' in body
    assert AuditEvent.objects.filter(action="erasure.requested").count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"employee": "ghost@example.com", "reason": "x", "confirm": "on"}, "No employee has"),
        ({"employee": "bob@example.com", "reason": "x"}, "Tick this to confirm"),
        ({"employee": "bob@example.com", "reason": "", "confirm": "on"}, "This field is required"),
    ],
)
def test_a_bad_start_form_shows_why_and_starts_nothing(as_user, olivia, bob, data, error):
    response = as_user(olivia).post("/officer/erasure-jobs/", data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ErasureJob.objects.exists()
    assert not AuditEvent.objects.filter(action="erasure.requested").exists()


def test_officer_list_shows_each_job_with_its_progress(as_user, olivia, alice_data, bob):
    done = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    waiting = erasure_job_create(employee=bob.employee, cause="officer", actor=olivia)
    client = as_user(olivia)

    body = client.get("/officer/erasure-jobs/").content.decode()

    assert f'<tr data-erasure-job="{done.pk}" data-state="verified">' in body
    assert f'<tr data-erasure-job="{waiting.pk}" data-state="pending">' in body
    assert re.search(r'<progress class="progress progress-verified" max="100" value="100"', body)
    assert alice_data.employee.subject_id in body and alice_data.email not in body
    filtered = client.get("/officer/erasure-jobs/", {"state": "pending"}).content.decode()
    assert f'data-erasure-job="{waiting.pk}"' in filtered
    assert f'data-erasure-job="{done.pk}"' not in filtered


def test_officer_job_page_shows_steps_and_the_receipt_once_verified(as_user, olivia, alice_data):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    client = as_user(olivia)
    receipt_url = f"/officer/erasure-jobs/{job.pk}/receipt.json"

    pending = client.get(f"/officer/erasure-jobs/{job.pk}/").content.decode()
    assert "Issued once every store has verified" in pending
    assert client.get(receipt_url).status_code == 404

    drive(job)
    body = client.get(f"/officer/erasure-jobs/{job.pk}/").content.decode()

    assert '<tr data-step="events" data-state="verified">' in body
    assert '<td class="num" data-field="rows_before">90</td>' in body
    assert receipt_url in body
    receipt = json.loads(client.get(receipt_url).content)
    assert verify_document(receipt, public_key_b64())
    assert client.get("/officer/erasure-jobs/999999/").status_code == 404


def test_my_erasures_follow_a_withdrawal_from_pending_to_done(as_user, alice_data, scope):
    consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    client = as_user(alice_data)

    pending = client.get("/consent/erasures/").content.decode()
    assert "data-erasure-owed" in pending and "Scheduled shortly" in pending
    assert 'data-erasure-poll="/api/v1/me/erasures" data-poll-mode="list"' in pending

    [job] = erase_owed()
    body = client.get("/consent/erasures/").content.decode()

    assert f'data-erasure-job="{job.pk}" data-state="verified"' in body
    assert f"{scope.data_kind.name} in {scope.application.name}" in body
    assert "You withdrew consent" in body
    link = f'href="/consent/erasures/{job.pk}/receipt.json" download>'
    assert link in body
    response = client.get(f"/consent/erasures/{job.pk}/receipt.json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="erasure-receipt-{job.pk}.json"'
    )
    assert verify_document(json.loads(response.content), public_key_b64())


def test_a_running_erasure_shows_partial_progress_and_no_receipt(as_user, alice_data, olivia):
    job = erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia)
    ErasureStep.objects.filter(job=job, store="events").update(
        state="running", rows_before=90, rows_deleted=30
    )
    ErasureJob.objects.filter(pk=job.pk).update(state="running")
    client = as_user(alice_data)

    body = client.get("/consent/erasures/").content.decode()

    assert "In progress" in body and "Everything recorded about you" in body
    assert '<progress class="progress progress-running" max="100" value="33"' in body
    assert re.search(r'data-field="receipt" href="[^"]+" download hidden', body)
    assert client.get(f"/consent/erasures/{job.pk}/receipt.json").status_code == 404


def test_a_held_erasure_is_worded_as_a_legal_obligation_without_the_matter(
    as_user, alice_data, olivia, leo
):
    legal_hold_create(
        actor=leo,
        matter="Smith v. Example",
        reason="Overtime dispute",
        custodians=[alice_data.employee],
    )
    drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))

    body = as_user(alice_data).get("/consent/erasures/").content.decode()

    assert "Partly deferred for a legal obligation" in body
    assert "Part of this erasure is deferred for a legal obligation" in body
    for secret in ("Smith", "Overtime", "leo@"):
        assert secret not in body
    assert events_of(alice_data) == 90


def test_the_pages_instructions_verify_a_real_receipt(as_user, alice_data, olivia, tmp_path):
    job = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    client = as_user(alice_data)
    (tmp_path / "erasure-receipt-12.json").write_bytes(
        client.get(f"/consent/erasures/{job.pk}/receipt.json").content
    )
    body = client.get("/consent/erasures/").content.decode()
    assert f'data-testid="public-key">{public_key_b64()}</code>' in body
    snippet = html.unescape(
        re.search(r'data-testid="verify-snippet"><code>(.*?)</code>', body, re.S)[1]
    )

    ok = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True
    )
    assert ok.stdout.strip() == "ok", ok.stderr

    receipt = json.loads((tmp_path / "erasure-receipt-12.json").read_text())
    receipt["stores"]["events"]["rows_after"] = 1
    (tmp_path / "erasure-receipt-12.json").write_text(json.dumps(receipt))
    forged = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True
    )
    assert forged.returncode != 0 and "InvalidSignature" in forged.stderr


def test_my_consent_links_my_erasures_and_shows_each_scopes_erasure(as_user, alice_data, scope):
    consent_withdraw(
        employee=alice_data.employee, scope=scope, actor=alice_data, context=RequestContext()
    )
    client = as_user(alice_data)
    assert "erasure pending" in client.get("/consent/").content.decode()

    erase_owed()
    body = client.get("/consent/").content.decode()

    assert 'href="/consent/erasures/"' in body
    assert f'<tr data-scope="{scope}">' in body
    assert '<span class="erasure-note" data-erasure="verified">erased</span>' in body
    home = client.get("/").content.decode()
    assert '<span class="stat-value" data-testid="erasures-open">0</span>' in home


def test_navigation_shows_erasure_pages_by_role(as_user, alice, olivia, leo):
    assert ">My erasures</a>" in as_user(alice).get("/").content.decode()
    officer = as_user(olivia).get("/").content.decode()
    assert 'href="/officer/erasure-jobs/"' in officer
    assert 'href="/officer/erasure-jobs/"' not in as_user(alice).get("/").content.decode()
    assert 'href="/legal/holds/"' in as_user(leo).get("/").content.decode()
    assert 'href="/legal/holds/"' not in officer


def test_a_job_deferred_by_a_preserving_restriction_says_so(as_user, olivia, alice_data):
    preserve(alice_data.employee, olivia, on=True)
    job = drive(erasure_job_create(employee=alice_data.employee, cause="officer", actor=olivia))
    assert job.state == "blocked_by_hold"

    page = as_user(olivia).get(f"/officer/erasure-jobs/{job.pk}/").content.decode()

    assert "restriction to preserve their data for a legal claim" in page
    assert "no such restriction keeps them" in page
