"""The registration and edit-evidence modals' wire format, both ways: which input holds which
field of the form, reading a submission into an `ApplicationForm`, and the council picker's
options (their value is the council's GSS code).

Every input's block_id and action_id is the field's name, but for the council picked from the
list (bot/blocks/registration.py builds the modal with `block_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from typing import Any

from slack_sdk.models.blocks import Option

from bot.blocks import modal_state
from bot.domain import ids
from bot.domain.application_form import ApplicationForm
from bot.domain.councils import Match
from bot.domain.escape import clean
from bot.domain.refusals import Refused

_BLOCKS = {"council_code": ids.COUNCIL_BLOCK}
_FIELDS = {block: field for field, block in _BLOCKS.items()}


def block_id(field: str) -> str:
    """The input that holds a field of the form (and where its errors are shown)."""
    return _BLOCKS.get(field, field)


def council_options(matches: list[Match]) -> list[dict[str, object]]:
    """Options for the council picker (text <= 75 characters, value = GSS code)."""
    return [Option(value=m.authority.gss, text=m.option_text).to_dict() for m in matches]


def read_form(view: Mapping[str, Any]) -> ApplicationForm:
    """The form as submitted; what is missing or malformed is left empty for the rules to find."""
    found: dict[str, Any] = {}
    values = (view.get("state") or {}).get("values") or {}
    for block, actions in values.items():
        for state in actions.values():
            if isinstance(state, Mapping):
                found.update(_read_input(_FIELDS.get(block, block), state))
    known = {f.name for f in fields(ApplicationForm)}
    return ApplicationForm(**{k: v for k, v in found.items() if k in known})


def _read_input(field: str, state: Mapping[str, Any]) -> dict[str, Any]:
    option = state.get("selected_option")
    if field == "council_code":
        if not isinstance(option, Mapping):
            return {}
        label = option.get("text")
        return {
            "council_code": str(option.get("value") or "") or None,
            "council_label": (
                str(label.get("text") or "") or None if isinstance(label, Mapping) else None
            ),
        }
    if "selected_user" in state:
        return {field: str(state.get("selected_user") or "")}
    if "selected_date" in state:
        return {field: _date(state.get("selected_date"))}
    if "selected_option" in state:
        return {field: str(option.get("value") or "") if isinstance(option, Mapping) else ""}
    if "value" in state:
        return {field: clean(str(state.get("value") or "")).strip()}
    return {}


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def withdraw_reason(view: Mapping[str, Any]) -> str:
    return modal_state.text(view, ids.WITHDRAW_REASON_BLOCK, ids.WITHDRAW_REASON_BLOCK)


def errors(view: Mapping[str, Any], refused: Refused) -> dict[str, str]:
    """The refusal of a registration, edit or withdrawal, on the input at fault."""
    return modal_state.errors(view, refused, block_id)
