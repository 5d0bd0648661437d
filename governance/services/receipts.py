"""Consent receipts with the Kantara Consent Receipt Specification v1.1 fields."""

from django.conf import settings
from django.utils import translation

from governance.models import ConsentAction, ConsentEvent, NoticeText
from governance.models.catalogue import KEY_TIMING_FLOOR_MS
from governance.selectors.retention import retention_for_scope
from governance.services.notices import notice_statement
from governance.services.signing import public_key_b64, sign_document

KEY_DATA_KIND = "key"

CONSENT_TYPE = {
    ConsentAction.GRANTED: "EXPLICIT",
    ConsentAction.WITHDRAWN: "WITHDRAWN",
    ConsentAction.EXPIRED: "EXPIRED",
    ConsentAction.LAPSED: "LAPSED",
}


def consent_receipt(event: ConsentEvent) -> dict:
    """A signed receipt for one consent change, in the Kantara v1.1 shape.

    Its words (how long each store keeps the data) are in the language of the text the
    person read, which the receipt names: one document whoever asks and in whatever
    language, not one per reader."""
    # The language of the text the person read; older events name the version's own.
    language = event.text_language or event.notice.language
    with translation.override(language):
        return _receipt(event, language)


def _receipt(event: ConsentEvent, language: str) -> dict:
    employee = event.employee
    purpose, application, data_kind = event.purpose, event.application, event.data_kind
    receipt = {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": employee.jurisdiction,
        "consentTimestamp": int(event.occurred_at.timestamp()),
        "collectionMethod": f"Interaction Data Governance Portal ({event.method})",
        "consentReceiptID": str(event.receipt_id),
        "publicKey": public_key_b64(),
        "language": language,
        # A leaver's pseudonymised evidence names them by pseudonym (services/privacy.py).
        "piiPrincipalId": employee.work_email or employee.subject_id,
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
    if event.text_hash:
        # Which text of the version was shown: receipts of older events keep their shape.
        receipt["noticeText"] = {"language": event.text_language, "hash": event.text_hash}
    statement = notice_statement(event.notice)
    if statement and event.text_hash:
        # The rights and safeguards as worded in the text the person read.
        text = event.notice.texts.filter(language=event.text_language).first()
        statement.update(
            (name, value)
            for name in NoticeText.PROSE_FIELDS
            if text is not None and (value := getattr(text, name))
        )
    if statement:
        # Receipts under notices published before the statement existed keep their shape.
        _add_statement(receipt, statement, data_kind=data_kind)
    return sign_document(receipt)


def _add_statement(receipt: dict, statement: dict, *, data_kind) -> None:
    """What the notice told the person, carried into the receipt (Art. 13 GDPR)."""
    controller = receipt["piiControllers"][0]
    controller["piiController"] = statement.get("controller_name", controller["piiController"])
    controller["contact"] = statement.get("controller_contact", controller["contact"])
    purpose = receipt["scope"]["purpose"]
    receipt["services"][0]["purposes"][0]["lawfulBasis"] = statement.get("lawful_bases", {}).get(
        purpose
    )
    safeguards = [statement["safeguards"]] if "safeguards" in statement else []
    if data_kind.slug == KEY_DATA_KIND:
        safeguards.append(
            f"Key event times are stored rounded to {KEY_TIMING_FLOOR_MS} ms or coarser."
        )
    receipt["notice"] = {
        "dpoContact": statement.get("dpo_contact"),
        "recipients": statement.get("recipients", []),
        "rightToWithdraw": statement.get("withdrawal_right"),
        "rightOfAccess": statement.get("access_right"),
        "rightToComplain": {
            "authority": statement.get("authority_name"),
            "contact": statement.get("authority_contact"),
        },
        "safeguards": safeguards,
        "keyTimingFloorMs": KEY_TIMING_FLOOR_MS,
    }
