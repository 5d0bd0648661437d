"""What people whose profile is German read on the pages: German sentences, not English
words built in Python nor German words put together in English order."""

import pytest
from django.utils import translation

from governance.models import DataRequest, ExportPackage, SentEmail
from governance.services.consent import RequestContext, consent_grant
from governance.services.erasure import erasure_job_create
from governance.services.exports import export_package_build
from governance.services.requests import request_file, request_verify
from governance.templatetags.portal import as_said_to_reader
from tests.requests.helpers import (
    package_files_removed,  # noqa: F401  (autouse)
    package_requested,
)

pytestmark = pytest.mark.django_db


def in_german(user):
    user.employee.language = "de"
    user.employee.save(update_fields=["language"])
    return user


def test_a_request_history_says_who_acted_in_german_grammar(as_user, alice):
    request, _ = request_file(employee=alice.employee, kind="access", actor=alice)

    page = as_user(in_german(alice)).get(f"/requests/{request.pk}/").content.decode()

    assert "von Ihnen" in page
    assert "von Sie" not in page


def test_the_audit_log_names_a_person_acting_for_themselves_in_german(as_user, olivia, bob, scope):
    consent_grant(employee=bob.employee, scope=scope, actor=bob, context=RequestContext())

    page = as_user(in_german(olivia)).get("/audit/", {"action": "consent."}).content.decode()

    assert "<em>die betroffene Person</em>" in page
    assert "the person" not in page


def test_the_erasure_jobs_say_the_person_asked_in_german(as_user, olivia, alice):
    erasure_job_create(employee=alice.employee, cause="request", actor=alice, cause_ref="41")

    page = as_user(in_german(olivia)).get("/officer/erasure-jobs/").content.decode()

    assert "von der betroffenen Person" in page
    assert "the person" not in page


def test_the_hold_form_labels_its_reason_in_german(as_user, leo):
    page = as_user(in_german(leo)).get("/legal/holds/new/").content.decode()

    assert ">Grund" in page
    assert ">Reason" not in page


def test_the_consent_history_names_each_change_in_german(as_user, alice, scope):
    consent_grant(employee=alice.employee, scope=scope, actor=alice, context=RequestContext())

    page = as_user(in_german(alice)).get("/consent/").content.decode()

    assert '<span class="badge badge-granted">Erteilt</span>' in page
    assert ">Granted<" not in page


def test_a_notice_names_its_language_in_german(as_user, olivia, catalogue):
    notice = catalogue["notice"]

    page = as_user(in_german(olivia)).get(f"/officer/notices/{notice.version}/").content.decode()

    assert "<dd>Englisch</dd>" in page
    assert "<dd>en</dd>" not in page


def test_a_ready_copy_is_announced_in_german_and_stored_as_written(
    as_user, alice_consents_all, olivia, django_capture_on_commit_callbacks
):
    alice = in_german(alice_consents_all)
    package = package_requested(alice, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        export_package_build(package.pk)
    request = DataRequest.objects.get(pk=package.request_id)
    assert request.outcome.startswith("Your copy is ready to download until ")  # as written

    page = as_user(alice).get(f"/requests/{request.pk}/").content.decode()
    log = as_user(alice).get("/consent/access-log/").content.decode()

    expires = package.__class__.objects.get(pk=package.pk).expires_at
    german = f"Ihre Kopie steht bis {expires:%d.%m.%Y %H:%M} UTC zum Herunterladen bereit."
    assert page.count(german) == 2  # the outcome and the history's last line
    assert german in log
    email = SentEmail.objects.get(request=request, kind="request_completed")
    assert german in email.body
    assert "Your copy is ready" not in page + log + email.body


def test_the_identity_check_line_of_the_history_reads_in_german(as_user, alice, olivia):
    request, _ = request_file(employee=alice.employee, kind="rectification", actor=alice)
    request_verify(request=request, actor=olivia, identity_check="Ausweis gesehen")

    page = as_user(in_german(alice)).get(f"/requests/{request.pk}/").content.decode()

    assert "Identität geprüft: Ausweis gesehen" in page
    assert "Identity checked" not in page


def test_a_packages_row_count_reads_in_german(as_user, alice_consents_all, olivia):
    package = package_requested(alice_consents_all, olivia)
    ExportPackage.objects.filter(pk=package.pk).update(rows_written=50, rows_expected=200)

    status = as_user(in_german(alice_consents_all)).get(
        f"/requests/{package.request_id}/status.json"
    )
    page = as_user(in_german(olivia)).get(f"/officer/requests/{package.request_id}/")

    assert status.json()["package"]["rows_text"] == "50 von 200 Zeilen"
    assert "50 von 200 Zeilen" in page.content.decode()


def test_a_refused_grant_names_the_fields_in_german(as_user, alice, catalogue):
    client = as_user(in_german(alice))

    client.post("/consent/grant/", {"purpose": "x", "application": "y", "data_kind": "z"})
    page = client.get("/consent/").content.decode()

    assert "Zweck: Unbekannter Zweck" in page and "Datenart: Unbekannte Datenart" in page
    assert "Purpose:" not in page and "Data kind:" not in page


@pytest.mark.parametrize(
    ("stored", "german"),
    [
        ("Done.", "Erledigt."),
        (
            "All of your interaction data was erased from every store; the signed receipt "
            "proves it.",
            "Alle Ihre Interaktionsdaten wurden aus jedem Speicher gelöscht; der signierte "
            "Beleg weist das nach.",
        ),
        ("Please erase it all.", "Please erase it all."),  # what a person wrote stays
    ],
)
def test_a_stored_outcome_is_shown_in_german_and_a_persons_words_as_written(stored, german):
    with translation.override("de"):
        assert as_said_to_reader(stored) == german
    with translation.override("en"):
        assert as_said_to_reader(stored) == stored


@pytest.mark.parametrize(
    ("stored", "german"),
    [
        (
            "Your objection to processing for Model training is recorded. Your consent for it "
            "was withdrawn (3 choices), so nothing more is recorded for it, and the data kept "
            "under that consent will be erased.",
            "Ihr Widerspruch gegen die Verarbeitung für Model training ist erfasst. Ihre "
            "Einwilligung dafür wurde widerrufen (3 Auswahlen), daher wird dafür nichts mehr "
            "erfasst, und die unter dieser Einwilligung gespeicherten Daten werden gelöscht.",
        ),
        (
            "Your objection to processing for every purpose is recorded. You had no consent in "
            "force for it, so nothing of yours is recorded for it.",
            "Ihr Widerspruch gegen die Verarbeitung für jeden Zweck ist erfasst. Dafür hatten "
            "Sie keine gültige Einwilligung, daher wird dafür nichts von Ihnen erfasst.",
        ),
        (
            "Processing of your interaction data is restricted: nothing more is recorded and "
            "what is kept is only stored. You asked about purpose Model training; the "
            "restriction covers all of your interaction data. You will be told when the "
            "restriction is lifted.\nWe will look at it again in March.",
            "Die Verarbeitung Ihrer Interaktionsdaten ist eingeschränkt: Es wird nichts mehr "
            "erfasst, und was aufbewahrt ist, wird nur noch gespeichert. Sie haben nach Zweck "
            "Model training gefragt; die Einschränkung umfasst alle Ihre Interaktionsdaten. Sie "
            "werden informiert, wenn die Einschränkung aufgehoben wird.\nWe will look at it "
            "again in March.",  # what the officer wrote stays as written
        ),
        (
            "Part of your data must be kept for a legal obligation and is not erased yet; it "
            "is erased as soon as that obligation ends. Everything else was erased.",
            "Ein Teil Ihrer Daten muss wegen einer gesetzlichen Pflicht aufbewahrt werden und "
            "ist noch nicht gelöscht; er wird gelöscht, sobald diese Pflicht endet. Alles "
            "andere wurde gelöscht.",
        ),
        (
            "Your data (purpose Model training, data kind Keystrokes) was erased from every "
            "store; the signed receipt proves it.",
            "Ihre Daten (Zweck Model training, Datenart Keystrokes) wurden aus jedem Speicher "
            "gelöscht; der signierte Beleg weist es nach.",
        ),
    ],
)
def test_an_outcome_composed_from_the_request_is_shown_in_german(stored, german):
    """Objections and scoped erasures write their outcome from the request's purpose and
    scope: the sentence reads in German, the catalogue's names (data) as they are."""
    with translation.override("de"):
        assert as_said_to_reader(stored) == german
    with translation.override("en"):
        assert as_said_to_reader(stored) == stored


def test_an_objection_the_service_records_reads_in_german(alice_consents_all, olivia, catalogue):
    alice = alice_consents_all
    request, _ = request_file(
        employee=alice.employee, kind="objection", actor=alice, purpose=catalogue["purpose"]
    )
    request_verify(request=request, actor=olivia, identity_check="Signed in with SSO")
    request.refresh_from_db()

    assert request.outcome.startswith("Your objection")  # stored as written: evidence
    with translation.override("de"):
        shown = as_said_to_reader(request.outcome)
    assert shown.startswith("Ihr Widerspruch") and "Your" not in shown
