"""Legal reports: a registry of report kinds, each tabular or a whole document.

A **tabular** kind has columns and rows over a period and filters; the same rows
become CSV (one header row, ISO 8601 UTC times), JSON Lines or a PDF (a title page
with the period, filters, generation time, row count and, where the kind has a rate
over time, a chart; then the table). A kind whose rows are one SQL statement is
streamed to CSV by PostgreSQL's `COPY ... TO STDOUT`, and to the other formats
through a server-side cursor: nothing grows with the report but the file.

A **document** kind writes the whole file itself (`DocumentReport.write`): the audit
evidence bundle and the record of processing activities (`governance/evidence/`).

`register` adds a kind; `kind(key)` finds one; `kinds_for(user)` lists those a user
may ask for.
"""

from governance.reports.base import (
    FORMATS,
    Chart,
    DocumentReport,
    Period,
    TabularReport,
    kind,
    kinds,
    kinds_for,
    register,
)

__all__ = [
    "FORMATS",
    "Chart",
    "DocumentReport",
    "Period",
    "TabularReport",
    "kind",
    "kinds",
    "kinds_for",
    "register",
]

# The kinds this package builds register themselves on import.
from governance.reports import access, consent, evidence, registers  # noqa: F401
