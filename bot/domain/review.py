"""The review rules of DESIGN.md section 4 as pure functions: tally, quorum, recommendation,
and which applications can still be voted on, decided or changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.config import ReviewRules
from bot.domain.constituencies import CONSTITUENCIES, describe
from bot.domain.refusals import Refusal, Refused
from models.tables import Application, ApplicationStatus, Decision, ReviewRound, VoteChoice

CHOICE_LABELS: dict[VoteChoice, str] = {
    VoteChoice.APPROVE: "Approve",
    VoteChoice.FURTHER_WORK: "Further work",
    VoteChoice.DECLINE: "Decline",
    VoteChoice.ABSTAIN: "Abstain",
}


@dataclass(frozen=True)
class Tally:
    """Current votes of one round: (constituency, choice) for each voting member."""

    votes: tuple[tuple[str, VoteChoice], ...] = ()

    @classmethod
    def of(cls, votes: Iterable[tuple[str, VoteChoice | str]]) -> Tally:
        return cls(tuple((c, VoteChoice(v)) for c, v in votes))

    @property
    def total(self) -> int:
        return len(self.votes)

    def count(self, choice: VoteChoice) -> int:
        return sum(1 for _, v in self.votes if v == choice)

    def by_constituency(self) -> dict[str, Counter[VoteChoice]]:
        """Every constituency, in roster order, with its votes by choice (possibly none)."""
        result: dict[str, Counter[VoteChoice]] = {k: Counter() for k in CONSTITUENCIES}
        for constituency, choice in self.votes:
            result.setdefault(constituency, Counter())[choice] += 1
        return result

    @property
    def constituencies_voted(self) -> frozenset[str]:
        return frozenset(c for c, _ in self.votes)


@dataclass(frozen=True)
class QuorumState:
    met: bool
    missing: tuple[str, ...]  # what is still missing, as people read it


def quorum(tally: Tally, rules: ReviewRules) -> QuorumState:
    """Whether the round has quorum; abstentions count, recused members cannot vote at all."""
    missing: list[str] = []
    if tally.total < rules.quorum_min_votes:
        more = rules.quorum_min_votes - tally.total
        missing.append(
            f"{more} more vote{'s' if more != 1 else ''} "
            f"({tally.total} of {rules.quorum_min_votes})"
        )
    voted = tally.constituencies_voted
    if len(voted) < rules.quorum_min_constituencies:
        more = rules.quorum_min_constituencies - len(voted)
        missing.append(
            f"votes from {more} more constituenc{'ies' if more != 1 else 'y'} "
            f"({len(voted)} of {rules.quorum_min_constituencies})"
        )
    for required in rules.quorum_required:
        if required not in voted:
            missing.append(f"no vote yet from {describe(required)}")
    return QuorumState(met=not missing, missing=tuple(missing))


def missing_constituencies(tally: Tally, rules: ReviewRules) -> tuple[str, ...]:
    """Constituencies with no vote yet, required ones first (for the channel warning)."""
    voted = tally.constituencies_voted
    required = [c for c in rules.quorum_required if c not in voted]
    others = [c for c in CONSTITUENCIES if c not in voted and c not in required]
    return tuple(required + others)


def constituencies_lacking(tally: Tally, rules: ReviewRules) -> frozenset[str]:
    """The constituencies quorum still needs a vote from: each required one without a vote,
    and, while too few constituencies have voted, every one without a vote. Empty when quorum
    lacks only a number of votes (or nothing)."""
    voted = tally.constituencies_voted
    lacking = {c for c in rules.quorum_required if c not in voted}
    if len(voted) < rules.quorum_min_constituencies:
        lacking |= {c for c in CONSTITUENCIES if c not in voted}
    return frozenset(lacking)


def voting_closed(review_round: ReviewRound | None, now: datetime) -> bool:
    """Whether voting on the round has stopped: it was closed (decided, withdrawn, followed by
    another round) or its deadline has come. A round not yet posted has no deadline yet."""
    if review_round is None:
        return False
    if review_round.closed_at is not None:
        return True
    return review_round.deadline_at is not None and now >= review_round.deadline_at


def choices_hidden(rules: ReviewRules, review_round: ReviewRound | None, now: datetime) -> bool:
    """With the blind tally, how members voted (and so the recommendation) stays hidden until
    the round closes: at its deadline or its decision, whichever comes first."""
    return rules.blind_tally and not voting_closed(review_round, now)


def require_voting_open(review_round: ReviewRound | None, now: datetime) -> None:
    """Votes are taken until the round's deadline (staff may extend it)."""
    if voting_closed(review_round, now):
        assert review_round is not None
        raise Refused(Refusal.VOTING_CLOSED, round=review_round.number)


def recommendation(tally: Tally) -> VoteChoice | None:
    """The option with a majority (over half) of the non-abstaining votes, else None."""
    counted = [v for _, v in tally.votes if v != VoteChoice.ABSTAIN]
    if not counted:
        return None
    choice, count = Counter(counted).most_common(1)[0]
    return choice if count * 2 > len(counted) else None


def require_undecided_round(
    application: Application, decision: Decision | None, round: int | None
) -> None:
    """Votes and the decision are for the current round (`round`, if the click or form names
    one) until it is decided, while the application is under review."""
    if round is not None and round != application.current_round:
        raise Refused(Refusal.OLD_ROUND, round=round, current=application.current_round)
    if decision is not None:
        raise Refused(Refusal.DECIDED, round=decision.round, outcome=decision.outcome)
    require_under_review(application)


def require_under_review(application: Application, council: str | None = None) -> None:
    """Votes and decisions are for an application under review."""
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise _refusal(Refusal.NOT_OPEN, application, council)


def require_open(application: Application, council: str | None = None) -> None:
    """Evidence, withdrawal and conflicts are for an application not yet decided or withdrawn."""
    if not ApplicationStatus(application.status).is_open:
        raise _refusal(Refusal.CLOSED, application, council)


def _refusal(reason: Refusal, application: Application, council: str | None) -> Refused:
    return Refused(reason, application=application.id, council=council, status=application.status)
