"""The legal clock: month ends, leap years, CPRA days, pauses and the extension limit."""

from datetime import date

import pytest

from governance.deadlines import CPRA, GDPR, UK_GDPR, add_months, clock_for, paused_days_between


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 30), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 2, 28), date(2026, 3, 28)),  # the same day number, not the month end
        (date(2026, 12, 15), date(2027, 1, 15)),  # across the year
        (date(2026, 5, 1), date(2026, 6, 1)),
    ],
)
def test_gdpr_is_due_one_calendar_month_after_receipt(received, due):
    assert GDPR.first_due(received) == due
    assert UK_GDPR.first_due(received) == due


def test_cpra_is_due_45_days_after_receipt():
    assert CPRA.first_due(date(2026, 1, 31)) == date(2026, 3, 17)
    assert CPRA.first_due(date(2026, 12, 1)) == date(2027, 1, 15)


def test_days_waiting_for_identity_and_the_extension_move_the_deadline():
    assert GDPR.due(date(2026, 1, 31), paused_days=3) == date(2026, 3, 3)
    assert GDPR.due(date(2026, 1, 31), paused_days=3, extended_days=10) == date(2026, 3, 13)
    assert paused_days_between(date(2026, 3, 1), date(2026, 3, 1)) == 0
    assert paused_days_between(date(2026, 3, 1), date(2026, 3, 4)) == 3


def test_an_extension_may_add_two_more_months_under_gdpr_and_45_days_under_cpra():
    # Due 28 Feb 2026: two further months end on 28 April, 59 days later.
    assert GDPR.extension_limit(date(2026, 2, 28)) == 59
    # Due 31 March: 31 May, 61 days later.
    assert GDPR.extension_limit(date(2026, 3, 31)) == 61
    assert CPRA.extension_limit(date(2026, 3, 17)) == 45


@pytest.mark.parametrize(
    ("country", "region", "clock"),
    [
        ("DE", "", GDPR),
        ("FR", "Île-de-France", GDPR),
        ("GB", "", UK_GDPR),
        ("US", "CA", CPRA),
        ("us", "California", CPRA),
        ("US", "NY", GDPR),  # no other clock known: the GDPR one
        ("JP", "", GDPR),
        ("", "", GDPR),
    ],
)
def test_the_clock_comes_from_where_the_person_works(country, region, clock):
    assert clock_for(country, region) is clock


def test_add_months_clamps_to_shorter_months():
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
