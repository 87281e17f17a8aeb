"""Membership states, terms of renewals, and which nag is due on a given day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.terms import MembershipState, membership_state, term_for_approval
from bot.services.renewals import nag_plan
from models.tables import Membership
from tests.conftest import START

END = date(2029, 3, 1)


def _term(ends_on: date = END, renewed_by_id: int | None = None) -> Membership:
    return Membership(
        council_id=1,
        starts_on=date(2026, 3, 2),
        ends_on=ends_on,
        created_at=START,
        renewed_by_id=renewed_by_id,
    )


def test_states_through_a_term() -> None:
    term = _term()
    assert membership_state(term, date(2026, 3, 2)) is MembershipState.ACTIVE
    assert membership_state(term, END - timedelta(days=91)) is MembershipState.ACTIVE
    assert membership_state(term, END - timedelta(days=90)) is MembershipState.EXPIRING
    assert membership_state(term, END) is MembershipState.EXPIRING  # its last day
    assert membership_state(term, END + timedelta(days=1)) is MembershipState.LAPSED


def test_a_renewed_term_is_renewed_before_and_after_its_end() -> None:
    term = _term(renewed_by_id=2)
    assert membership_state(term, END - timedelta(days=10)) is MembershipState.RENEWED
    assert membership_state(term, END + timedelta(days=10)) is MembershipState.RENEWED


def test_the_expiring_window_is_configurable() -> None:
    term = _term()
    today = END - timedelta(days=60)
    assert membership_state(term, today, expiring_window_days=30) is MembershipState.ACTIVE


def test_a_renewal_approved_on_the_last_day_still_continues_the_term() -> None:
    assert term_for_approval(END, _term()) == (END + timedelta(days=1), date(2032, 3, 2))


def test_a_renewal_approved_the_day_after_the_end_starts_afresh() -> None:
    decided = END + timedelta(days=1)
    assert term_for_approval(decided, _term()) == (decided, date(2032, 3, 2))


def test_a_renewal_ends_three_years_after_the_old_end() -> None:
    starts, ends = term_for_approval(END - timedelta(days=200), _term())
    assert (starts, ends) == (date(2029, 3, 2), date(2032, 3, 2))


def test_nag_plan_on_the_days() -> None:
    offsets = (90, 30, 7, 0)
    assert nag_plan(END, END - timedelta(days=91), offsets).send is None
    assert nag_plan(END, END - timedelta(days=90), offsets).send == 90
    assert nag_plan(END, END - timedelta(days=20), offsets) == nag_plan(
        END, END - timedelta(days=30), offsets
    )
    assert nag_plan(END, END - timedelta(days=20), offsets).skip == (90,)
    assert nag_plan(END, END + timedelta(days=3), offsets).skip == (90, 30, 7)
    assert nag_plan(END, END + timedelta(days=15), offsets).send is None


@given(
    offsets=st.sets(st.integers(0, 120), min_size=1, max_size=5),
    scan_days=st.lists(st.integers(-20, 150), min_size=1, max_size=30),
)
def test_whatever_days_the_bot_runs_each_nag_is_settled_at_most_once(
    offsets: set[int], scan_days: list[int]
) -> None:
    """Simulate the ledger over scans on arbitrary days (the bot down in between)."""
    settled: dict[int, str] = {}
    for days_left in sorted(set(scan_days), reverse=True):
        plan = nag_plan(END, END - timedelta(days=days_left), offsets)
        for offset in plan.skip:
            settled.setdefault(offset, "skipped")
        if plan.send is not None:
            assert plan.send not in plan.skip
            # The most urgent due nag is never one already skipped.
            assert settled.get(plan.send) != "skipped"
            settled.setdefault(plan.send, "sent")
    sent = sorted(o for o, how in settled.items() if how == "sent")
    # Nags go out in order of urgency, one per scan at most.
    assert len(sent) <= len(set(scan_days))
