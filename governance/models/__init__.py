from governance.models.audit import AuditCheckpoint, AuditEvent
from governance.models.catalogue import Application, DataKind, Purpose, SafeguardRule
from governance.models.consent import (
    AggregateCount,
    ConsentAction,
    ConsentEvent,
    ConsentHolding,
    ConsentMethod,
    ConsentState,
)
from governance.models.datasets import (
    DatasetLineage,
    DatasetSnapshot,
    DatasetWithdrawal,
    TrainedModel,
    TrainingPipeline,
)
from governance.models.devices import CaptureDevice
from governance.models.erasure import ErasureCause, ErasureJob, ErasureStep, OwedErasure
from governance.models.holds import LegalHold
from governance.models.ingestion import (
    ActivityDay,
    DropTally,
    EventType,
    IngestBatch,
    InteractionEvent,
    SessionRefresh,
    SessionSummary,
)
from governance.models.notices import Notice, NoticeText
from governance.models.people import Employee, Role
from governance.models.reports import Report
from governance.models.requests import (
    PACKAGE_KINDS,
    SCOPED_KINDS,
    DataRequest,
    DataRequestEvent,
    ExportPackage,
    RequestClock,
    RequestKind,
    SentEmail,
)
from governance.models.retention import RetentionPolicy, RetentionRun

__all__ = [
    "AggregateCount",
    "PACKAGE_KINDS",
    "SCOPED_KINDS",
    "DataRequest",
    "DataRequestEvent",
    "ExportPackage",
    "RequestClock",
    "RequestKind",
    "SentEmail",
    "ActivityDay",
    "DropTally",
    "EventType",
    "IngestBatch",
    "InteractionEvent",
    "SessionRefresh",
    "SessionSummary",
    "Application",
    "AuditCheckpoint",
    "AuditEvent",
    "CaptureDevice",
    "DatasetLineage",
    "DatasetSnapshot",
    "TrainingPipeline",
    "TrainedModel",
    "DatasetWithdrawal",
    "ConsentAction",
    "ConsentEvent",
    "ConsentHolding",
    "ConsentMethod",
    "ConsentState",
    "DataKind",
    "Employee",
    "ErasureCause",
    "ErasureJob",
    "ErasureStep",
    "LegalHold",
    "Report",
    "RetentionPolicy",
    "RetentionRun",
    "Notice",
    "NoticeText",
    "OwedErasure",
    "Purpose",
    "Role",
    "SafeguardRule",
]
