from governance.services.ingestion.gateway import (
    BatchIdTaken,
    IngestResult,
    PurposeInvalid,
    QuotaExceeded,
    ingest_batch,
)
from governance.services.ingestion.schema import (
    MAX_BODY_BYTES,
    MAX_EVENTS,
    BatchInvalid,
    batch_decode,
)

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_EVENTS",
    "BatchIdTaken",
    "BatchInvalid",
    "IngestResult",
    "PurposeInvalid",
    "QuotaExceeded",
    "batch_decode",
    "ingest_batch",
]
