"""The rules of fresh evidence and of re-application, as pure functions (bot/domain/evidence.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.evidence import changes_since, evidence_warnings, is_renewal
from bot.domain.terms import months_later
from models.tables import Application, Membership
from tests import factories


def _application(**changes: object) -> Application:
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    fields = factories.evidence(at.date()) | changes
    return Application(
        council_id=1, registered_by="U0STAFF001", registered_at=at, updated_at=at, **fields
    )


def test_months_later_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_later(date(2026, 3, 2), -12) == date(2025, 3, 2)
    assert months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_later(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert months_later(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_a_term_counts_for_a_renewal_until_12_months_after_its_last_day() -> None:
    last_day = date(2025, 3, 2)
    assert is_renewal(last_day, date(2024, 6, 1), 12)  # still running
    assert is_renewal(last_day, date(2026, 3, 2), 12)
    assert not is_renewal(last_day, date(2026, 3, 3), 12)
    assert not is_renewal(last_day, date(2025, 3, 3), 0)  # 0: only while it runs


def test_the_factories_evidence_draws_no_warning() -> None:
    assert (
        evidence_warnings(
            _application(), on=date(2026, 3, 2), renewing=None, endorsement_max_age_months=12
        )
        == []
    )


def test_a_renewal_is_measured_against_the_term_it_would_continue() -> None:
    renewing = Membership(
        council_id=1,
        starts_on=date(2023, 6, 1),
        ends_on=date(2026, 5, 31),
        created_at=datetime.now(UTC),
    )
    application = _application(strategy_end=date(2029, 5, 31))
    warnings = evidence_warnings(
        application, on=date(2026, 3, 2), renewing=renewing, endorsement_max_age_months=12
    )
    assert warnings == [
        "The strategy ends on 31 May 2029, before the membership would end (1 June 2029): ask "
        "for the council's next strategy."
    ]
    assert (
        evidence_warnings(
            _application(strategy_end=date(2029, 6, 1)),
            on=date(2026, 3, 2),
            renewing=renewing,
            endorsement_max_age_months=12,
        )
        == []
    )


def test_a_strategy_that_ended_before_the_decision_says_so() -> None:
    application = _application(strategy_start=date(2023, 1, 1), strategy_end=date(2026, 3, 1))
    [warning] = evidence_warnings(
        application, on=date(2026, 3, 2), renewing=None, endorsement_max_age_months=12
    )
    assert warning.startswith("The strategy ended on 1 March 2026")


def test_changes_leave_out_contacts_and_the_account_of_the_term() -> None:
    before = _application()
    after = _application(
        endorsed_by="The trustees",
        councillor_name="Cllr New",
        term_activity="Welcome events",
        joint_work_url="",  # empty and None are the same: nothing
    )
    assert [c.label for c in changes_since(before, after)] == ["endorsed by"]
