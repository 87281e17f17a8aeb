"""The conflict-of-interest and decision modals' wire format, read back (bot/blocks/review.py
builds them): which input holds which field, and what was submitted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocks import button_value, modal_state
from bot.domain import ids
from bot.domain.refusals import Refused
from models.tables import Outcome

_BLOCKS = {
    "reason": ids.CONFLICT_REASON_BLOCK,
    "outcome": ids.DECISION_OUTCOME_BLOCK,
    "rationale": ids.DECISION_RATIONALE_BLOCK,
    "no_quorum": ids.DECISION_NO_QUORUM_BLOCK,
}


_AMEND_BLOCKS = {"rationale": ids.AMEND_RATIONALE_BLOCK, "reason": ids.AMEND_REASON_BLOCK}


@dataclass(frozen=True)
class DecisionForm:
    application_id: int
    round: int | None  # None: a form from before rounds were written into it
    outcome: Outcome | None
    rationale: str
    without_quorum_reason: str


def read_decision(view: Mapping[str, Any]) -> DecisionForm:
    """The decision form as submitted; Refused(NOT_FOUND) if it has lost its application."""
    metadata = view.get("private_metadata")
    ref = button_value.decode(metadata)
    picked = modal_state.choice(view, ids.DECISION_OUTCOME_BLOCK, ids.DECISION_OUTCOME_INPUT)
    return DecisionForm(
        application_id=ref.application_id if ref else button_value.read_id(metadata),
        round=ref.round if ref else None,
        outcome=Outcome(picked) if picked in set(Outcome) else None,
        rationale=modal_state.text(
            view, ids.DECISION_RATIONALE_BLOCK, ids.DECISION_RATIONALE_INPUT
        ),
        without_quorum_reason=modal_state.text(
            view, ids.DECISION_NO_QUORUM_BLOCK, ids.DECISION_NO_QUORUM_INPUT
        ),
    )


def conflict_reason(view: Mapping[str, Any]) -> str:
    return modal_state.text(view, ids.CONFLICT_REASON_BLOCK, ids.CONFLICT_REASON_INPUT)


def errors(view: Mapping[str, Any], refused: Refused) -> dict[str, str]:
    """The refusal of a conflict or decision, on the input at fault."""
    return modal_state.errors(view, refused, lambda field: _BLOCKS.get(field, field))


@dataclass(frozen=True)
class AmendForm:
    application_id: int
    rationale: str
    reason: str


def read_amendment(view: Mapping[str, Any]) -> AmendForm:
    """The amendment form as submitted; Refused(NOT_FOUND) if it has lost its application."""
    return AmendForm(
        application_id=button_value.read_id(view.get("private_metadata")),
        rationale=modal_state.text(view, ids.AMEND_RATIONALE_BLOCK, ids.AMEND_RATIONALE_INPUT),
        reason=modal_state.text(view, ids.AMEND_REASON_BLOCK, ids.AMEND_REASON_INPUT),
    )


def amend_errors(view: Mapping[str, Any], refused: Refused) -> dict[str, str]:
    """The refusal of an amendment, on the input at fault."""
    return modal_state.errors(view, refused, lambda field: _AMEND_BLOCKS.get(field, field))
