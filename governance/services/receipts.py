"""Consent receipts with the Kantara Consent Receipt Specification v1.1 fields."""

from django.conf import settings

from governance.models import ConsentAction, ConsentEvent
from governance.selectors.retention import retention_for_scope
from governance.services.signing import public_key_b64, sign_document

CONSENT_TYPE = {
    ConsentAction.GRANTED: "EXPLICIT",
    ConsentAction.WITHDRAWN: "WITHDRAWN",
    ConsentAction.EXPIRED: "EXPIRED",
    ConsentAction.LAPSED: "LAPSED",
}


def consent_receipt(event: ConsentEvent) -> dict:
    """A signed receipt for one consent change, in the Kantara v1.1 shape."""
    employee = event.employee
    purpose, application, data_kind = event.purpose, event.application, event.data_kind
    receipt = {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": employee.jurisdiction,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "collectionMethod": f"Interaction Data Governance Portal ({event.method})",
        "consentReceiptID": str(event.receipt_id),
        "publicKey": public_key_b64(),
        "language": event.notice.language,
        "piiPrincipalId": employee.work_email,
        "piiControllers": [
            {**settings.CONTROLLER, "piiControllerUrl": settings.PUBLIC_BASE_URL},
        ],
        "policyUrl": f"{settings.PUBLIC_BASE_URL}/notices/{event.notice_version}/",
        "services": [
            {
                "service": f"Interaction capture: {application.name}",
                "purposes": [
                    {
                        "purpose": purpose.name,
                        "consentType": CONSENT_TYPE[event.action],
                        "purposeCategory": [purpose.category],
                        "piiCategory": [data_kind.pii_category, data_kind.name],
                        "primaryPurpose": True,
                        "termination": purpose.termination,
                        "thirdPartyDisclosure": purpose.third_party_disclosure,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        # Beyond Kantara: what this receipt records, for the person reading it.
        "action": event.action,
        "scope": {
            "purpose": purpose.slug,
            "application": application.slug,
            "data_kind": data_kind.slug,
        },
        "stateVersion": event.state_version,
        "noticeVersion": event.notice_version,
        "noticeHash": event.notice_hash,
        "occurredAt": event.occurred_at.isoformat(),
        # How long each store keeps this scope's data, from the policies in force when
        # the receipt is issued. A new key: receipts issued before it verify unchanged,
        # since the signature covers exactly the document it was made over.
        "retention": retention_for_scope(
            purpose_id=purpose.pk, application_id=application.pk, data_kind_id=data_kind.pk
        ),
    }
    return sign_document(receipt)
