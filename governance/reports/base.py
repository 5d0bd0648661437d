"""What a report kind is, and the registry of them."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC as TZ_UTC
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import Role
from governance.services.people import user_has_role

FORMATS = {
    "csv": ("text/csv", "csv"),
    "jsonl": ("application/x-ndjson", "jsonl"),
    "pdf": ("application/pdf", "pdf"),
    "json": ("application/json", "json"),
    "zip": ("application/zip", "zip"),
}

# What a person reads for each format.
FORMAT_LABELS = {
    "csv": "CSV",
    "jsonl": _("JSON Lines"),
    "pdf": "PDF",
    "json": "JSON",
    "zip": "Zip",
}


def formats_text(formats: tuple[str, ...]) -> str:
    """“CSV, JSON Lines or PDF”; a lone zip is “a zip file”."""
    if tuple(formats) == ("zip",):
        return gettext("a zip file")
    labels = [str(FORMAT_LABELS.get(f, f)) for f in formats]
    if len(labels) == 1:
        return labels[0]
    return gettext("%(formats)s or %(last)s") % {
        "formats": ", ".join(labels[:-1]),
        "last": labels[-1],
    }


# ISO 8601 in UTC, as PostgreSQL writes it for a report's SQL.
def iso_utc(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


@dataclass(frozen=True)
class Period:
    """Whole UTC days: from the start of `first` to the end of `last`."""

    first: date
    last: date

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=TZ_UTC)

    @property
    def ends(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=TZ_UTC)

    def months(self) -> list[str]:
        months, day = [], self.first.replace(day=1)
        while day <= self.last:
            months.append(f"{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Chart:
    """A rate over time for the PDF: one value in [0, 1] (or None) per label."""

    title: str
    labels: list[str]
    values: list[float | None]


@dataclass
class ReportKind:
    key: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    formats: ClassVar[tuple[str, ...]]
    # Who may ask for it: legal always; privacy officers where the kind says so.
    roles: ClassVar[frozenset[Role]] = frozenset({Role.LEGAL})
    filters: ClassVar[dict[str, str]] = {}
    # False for a kind that is "as of" its making: from/to are optional and not used.
    uses_period: ClassVar[bool] = True

    def clean_filters(self, filters: dict[str, Any]) -> dict[str, Any]:
        """Validated filters, as stored in the report's params (JSON)."""
        unknown = sorted(set(filters) - set(self.filters))
        if unknown:
            raise ValidationError(
                {
                    unknown[0]: [
                        gettext("The %(kind)s report takes no filter “%(filter)s”.")
                        % {"kind": self.key, "filter": unknown[0]}
                    ]
                }
            )
        return {name: value for name, value in filters.items() if value not in (None, "")}

    def allowed(self, user) -> bool:
        return any(user_has_role(user, role) for role in self.roles)


@dataclass
class TabularReport(ReportKind):
    formats: ClassVar[tuple[str, ...]] = ("csv", "jsonl", "pdf")
    columns: ClassVar[tuple[str, ...]] = ()
    # Columns the PDF's table shows (all by default); a page has room for few.
    pdf_columns: ClassVar[tuple[str, ...]] = ()

    def query(self, period: Period, filters: dict) -> tuple[str, list] | None:
        """One SELECT giving `columns` in order, as text where a value is a time, or None
        when the rows come from `rows` instead."""
        return None

    def rows(self, period: Period, filters: dict) -> Iterator[tuple]:
        """Rows computed in Python (kinds without a `query`)."""
        raise NotImplementedError

    def chart(self, period: Period, filters: dict) -> Chart | None:
        return None


@dataclass
class DocumentReport(ReportKind):
    """A kind that writes its whole file into a binary file: `write(out, *, report,
    period, progress)`, where `progress` takes the rows written so far and has
    `expect(rows)` for the total."""

    def write(self, out, *, report, period: Period, progress) -> int:
        """Write the file; returns the rows (or items) it holds, for the progress."""
        raise NotImplementedError


_KINDS: dict[str, ReportKind] = {}


def register(cls):
    """Class decorator: one instance of the kind in the registry, by its key."""
    if cls.key in _KINDS:
        raise ValueError(f"report kind {cls.key!r} registered twice")
    _KINDS[cls.key] = cls()
    return cls


def kind(key: str) -> ReportKind | None:
    return _KINDS.get(key)


def kinds() -> dict[str, ReportKind]:
    return dict(_KINDS)


def kinds_for(user) -> list[ReportKind]:
    return [k for k in _KINDS.values() if k.allowed(user)]
