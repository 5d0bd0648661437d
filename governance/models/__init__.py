from governance.models.audit import AuditEvent
from governance.models.catalogue import Application, DataKind, Purpose, SafeguardRule
from governance.models.consent import ConsentAction, ConsentEvent, ConsentMethod, ConsentState
from governance.models.devices import CaptureDevice
from governance.models.erasure import OwedErasure
from governance.models.notices import Notice
from governance.models.people import Employee, Role

__all__ = [
    "Application",
    "AuditEvent",
    "CaptureDevice",
    "ConsentAction",
    "ConsentEvent",
    "ConsentMethod",
    "ConsentState",
    "DataKind",
    "Employee",
    "Notice",
    "OwedErasure",
    "Purpose",
    "Role",
    "SafeguardRule",
]
