"""The legal clock of a data subject request: which law applies, when it is due, how far
it may be extended.

GDPR Art. 12(3) and UK GDPR: one month from receipt, extendable "by two further months";
a month ends on the same day number of the next month, or that month's last day when it
has no such day (received 31 January → due 28 or 29 February). CPRA (California Civil
Code § 1798.130): 45 days, extendable once by 45 more. Anywhere else the GDPR clock is
used, being the stricter default. Days spent waiting for the person's proof of identity
are added to the deadline.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

UK_COUNTRIES = frozenset({"GB", "UK", "GG", "JE", "IM"})
CALIFORNIA = frozenset({"CA", "CALIFORNIA", "US-CA"})


def add_months(day: date, months: int) -> date:
    """The same day number `months` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Clock:
    key: str  # one of RequestClock's values
    label: str  # lazy: the law's name in the reader's language
    months: int  # the first period in calendar months, or 0 when counted in days
    days: int
    extension_months: int
    extension_days: int

    def first_due(self, received: date) -> date:
        if self.months:
            return add_months(received, self.months)
        return received + timedelta(days=self.days)

    def due(self, received: date, *, paused_days: int = 0, extended_days: int = 0) -> date:
        return self.first_due(received) + timedelta(days=paused_days + extended_days)

    def extension_limit(self, due_before_extension: date) -> int:
        """The most days an extension may add to a deadline that has not been extended."""
        if self.extension_months:
            return (
                add_months(due_before_extension, self.extension_months) - due_before_extension
            ).days
        return self.extension_days


GDPR = Clock("gdpr", "GDPR", months=1, days=0, extension_months=2, extension_days=0)
UK_GDPR = Clock("uk_gdpr", "UK GDPR", months=1, days=0, extension_months=2, extension_days=0)
CPRA = Clock(
    "cpra", _("CPRA (California)"), months=0, days=45, extension_months=0, extension_days=45
)
CLOCKS = {clock.key: clock for clock in (GDPR, UK_GDPR, CPRA)}


def clock_for(country: str, region: str = "") -> Clock:
    """The clock of the law where the person works; the GDPR clock when unknown."""
    country = (country or "").strip().upper()
    region = (region or "").strip().upper()
    if country in UK_COUNTRIES:
        return UK_GDPR
    if country == "US" and region in CALIFORNIA:
        return CPRA
    return GDPR


def paused_days_between(started: date, ended: date) -> int:
    """Whole calendar days the clock stood still: a pause within one day adds none."""
    return max((ended - started).days, 0)


def supervisory_authority(clock_key: str) -> dict:
    """Where a person under this clock may complain: {"name", "url"} from settings."""
    from django.conf import settings

    return settings.SUPERVISORY_AUTHORITIES.get(clock_key) or settings.SUPERVISORY_AUTHORITY
