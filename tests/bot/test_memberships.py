from __future__ import annotations

from datetime import date

from bot.domain.terms import term_for_approval, years_later
from models.tables import Membership
from tests.conftest import START


def _term(starts: date, ends: date) -> Membership:
    return Membership(council_id=1, starts_on=starts, ends_on=ends, created_at=START)


def test_a_new_membership_runs_three_years_from_the_decision() -> None:
    assert term_for_approval(date(2026, 3, 2), None) == (date(2026, 3, 2), date(2029, 3, 2))


def test_a_renewal_before_the_end_continues_the_term() -> None:
    old = _term(date(2023, 6, 1), date(2026, 6, 1))
    assert term_for_approval(date(2026, 3, 2), old) == (date(2026, 6, 2), date(2029, 6, 2))


def test_a_renewal_after_a_lapse_starts_a_new_term() -> None:
    old = _term(date(2022, 6, 1), date(2025, 6, 1))
    assert term_for_approval(date(2026, 3, 2), old) == (date(2026, 3, 2), date(2029, 3, 2))


def test_leap_day() -> None:
    assert years_later(date(2028, 2, 29), 3) == date(2031, 2, 28)
