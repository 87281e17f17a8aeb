from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.config import ReviewRules
from bot.domain.constituencies import CONSTITUENCIES
from bot.domain.review import Tally, missing_constituencies, quorum, recommendation
from models.tables import VoteChoice

RULES = ReviewRules()
A, F, D, X = VoteChoice.APPROVE, VoteChoice.FURTHER_WORK, VoteChoice.DECLINE, VoteChoice.ABSTAIN


def test_no_votes_misses_everything() -> None:
    state = quorum(Tally(), RULES)
    assert not state.met
    assert state.missing == (
        "4 more votes (0 of 4)",
        "votes from 3 more constituencies (0 of 3)",
        "no vote yet from lived experience of seeking sanctuary",
    )


def test_quorum_needs_lived_experience() -> None:
    tally = Tally.of([("councillor", A), ("officer", A), ("group", A), ("trustee", A)])
    state = quorum(tally, RULES)
    assert not state.met
    assert state.missing == ("no vote yet from lived experience of seeking sanctuary",)


def test_quorum_met_with_four_votes_three_constituencies_and_lived() -> None:
    tally = Tally.of([("lived", A), ("lived", X), ("councillor", D), ("group", A)])
    assert quorum(tally, RULES).met


def test_quorum_counts_constituencies_not_votes() -> None:
    tally = Tally.of([("lived", A), ("lived", A), ("lived", A), ("group", A)])
    state = quorum(tally, RULES)
    assert state.missing == ("votes from 1 more constituency (2 of 3)",)


def test_recommendation_is_majority_of_non_abstaining() -> None:
    assert (
        recommendation(Tally.of([("lived", A), ("group", A), ("officer", D), ("trustee", X)])) == A
    )
    assert recommendation(Tally.of([("lived", A), ("group", D)])) is None
    assert recommendation(Tally.of([("lived", X), ("group", X)])) is None
    assert recommendation(Tally()) is None
    assert recommendation(Tally.of([("lived", F), ("group", F), ("officer", A)])) == F


def test_missing_constituencies_lists_required_first() -> None:
    tally = Tally.of([("group", A), ("trustee", A)])
    assert missing_constituencies(tally, RULES) == ("lived", "councillor", "officer", "national")


votes = st.lists(
    st.tuples(st.sampled_from(list(CONSTITUENCIES)), st.sampled_from(list(VoteChoice))), max_size=30
)


@given(votes)
def test_quorum_matches_its_definition(cast: list[tuple[str, VoteChoice]]) -> None:
    tally = Tally.of(cast)
    constituencies = {c for c, _ in cast}
    expected = len(cast) >= 4 and len(constituencies) >= 3 and "lived" in constituencies
    assert quorum(tally, RULES).met == expected
    assert (quorum(tally, RULES).missing == ()) == expected


@given(votes)
def test_recommendation_matches_its_definition(cast: list[tuple[str, VoteChoice]]) -> None:
    counted = [v for _, v in cast if v != X]
    result = recommendation(Tally.of(cast))
    if result is None:
        assert all(counted.count(choice) * 2 <= len(counted) for choice in (A, F, D))
    else:
        assert result != X
        assert counted.count(result) * 2 > len(counted)


@given(votes)
def test_tally_by_constituency_adds_up(cast: list[tuple[str, VoteChoice]]) -> None:
    tally = Tally.of(cast)
    grouped = tally.by_constituency()
    assert list(grouped)[:6] == list(CONSTITUENCIES)
    assert sum(sum(c.values()) for c in grouped.values()) == len(cast)
