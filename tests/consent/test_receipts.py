"""Consent receipts carry the Kantara v1.1 fields and a signature anyone can check."""

from governance.services.consent import RequestContext, consent_grant
from governance.services.receipts import consent_receipt
from governance.services.signing import public_key_b64, verify_document

KANTARA_FIELDS = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "publicKey",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
}
CONTROLLER_FIELDS = {"piiController", "contact", "address", "email", "phone"}
PURPOSE_FIELDS = {
    "purpose",
    "consentType",
    "purposeCategory",
    "piiCategory",
    "primaryPurpose",
    "termination",
    "thirdPartyDisclosure",
}


def test_receipt_has_every_kantara_field(alice, scope):
    event = consent_grant(
        employee=alice.employee, scope=scope, actor=alice, context=RequestContext()
    )
    receipt = consent_receipt(event)
    assert set(receipt) >= KANTARA_FIELDS
    assert set(receipt["piiControllers"][0]) >= CONTROLLER_FIELDS
    assert set(receipt["services"][0]["purposes"][0]) >= PURPOSE_FIELDS
    assert receipt["consentReceiptID"] == str(event.receipt_id)
    assert receipt["piiPrincipalId"] == "alice@example.com"
    assert receipt["jurisdiction"] == "DE"
    assert receipt["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    assert receipt["publicKey"] == public_key_b64()


def test_receipt_signature_verifies_and_detects_tampering(alice, scope):
    event = consent_grant(
        employee=alice.employee, scope=scope, actor=alice, context=RequestContext()
    )
    receipt = consent_receipt(event)
    assert verify_document(receipt, receipt["publicKey"])
    forged = {**receipt, "action": "withdrawn"}
    assert not verify_document(forged, receipt["publicKey"])
