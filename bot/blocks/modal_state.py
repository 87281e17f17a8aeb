"""Reading a submitted modal (`view.state.values`), and answering it with errors on its inputs.

Slack sends each input as block_id -> action_id -> element state; errors go back keyed by the
input's block_id. The form-specific codecs (registration_state, review_state) build on these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.blocks.refusals import explain
from bot.domain.escape import clean
from bot.domain.refusals import Refusal, Refused


def _state(view: Mapping[str, Any], block_id: str, action_id: str) -> Mapping[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    state = (values.get(block_id) or {}).get(action_id)
    return state if isinstance(state, Mapping) else {}


def text(view: Mapping[str, Any], block_id: str, action_id: str) -> str:
    """What was typed into a text input, stripped, without control characters."""
    return clean(str(_state(view, block_id, action_id).get("value") or "")).strip()


def choice(view: Mapping[str, Any], block_id: str, action_id: str) -> str | None:
    """The value of the option picked in a radio group or select; None if none was."""
    option = _state(view, block_id, action_id).get("selected_option")
    return str(option["value"]) if isinstance(option, Mapping) and "value" in option else None


def _input_blocks(view: Mapping[str, Any]) -> list[str]:
    return [
        str(block["block_id"])
        for block in view.get("blocks") or []
        if isinstance(block, Mapping) and block.get("type") == "input" and block.get("block_id")
    ]


def first_input(view: Mapping[str, Any]) -> str | None:
    """The block_id of the modal's first input: where an error about the whole form goes."""
    inputs = _input_blocks(view)
    return inputs[0] if inputs else None


def errors(
    view: Mapping[str, Any], refused: Refused, block_for: Callable[[str], str]
) -> dict[str, str]:
    """The `response_action="errors"` answer to a refused form: on the field at fault (its
    block from `block_for`) if the modal has it, else on the first input."""
    if refused.reason is Refusal.INVALID:
        problems: Mapping[str, str] = refused.detail["problems"]
        return {block_for(field): message for field, message in problems.items()}
    wanted = block_for(refused.field) if refused.field else None
    block = wanted if wanted in _input_blocks(view) else first_input(view)
    return {block or "": explain(refused, markup=False)}
