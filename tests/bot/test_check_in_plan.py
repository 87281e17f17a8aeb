"""Which check-in is due: the renewal nags' catch-up rule, months into a term."""

from __future__ import annotations

from datetime import date

from bot.domain.terms import months_later
from bot.services.check_ins import check_in_plan
from bot.services.renewals import NagPlan

STARTS, ENDS = date(2026, 3, 2), date(2029, 3, 2)
MONTHS = (12, 24)


def test_due_from_the_day_12_and_24_months_in() -> None:
    assert check_in_plan(STARTS, ENDS, date(2027, 3, 1), MONTHS) == NagPlan(send=None)
    assert check_in_plan(STARTS, ENDS, date(2027, 3, 2), MONTHS) == NagPlan(send=12)
    assert check_in_plan(STARTS, ENDS, date(2028, 3, 2), MONTHS) == NagPlan(send=24, skip=(12,))


def test_none_once_the_renewal_nags_have_begun_or_before_the_term() -> None:
    assert check_in_plan(STARTS, ENDS, date(2028, 12, 2), MONTHS) == NagPlan(send=None)
    assert check_in_plan(STARTS, ENDS, date(2026, 1, 1), MONTHS) == NagPlan(send=None)


def test_months_later_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_later(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert months_later(date(2026, 12, 15), 1) == date(2027, 1, 15)
