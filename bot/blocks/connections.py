"""Builders for connected reviewers and corrections: the prompt a connected person gets, what
staff are told after `group link`/`unlink`, the amendment form and the confirmations.

Pure functions; user text is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import button_value
from bot.blocks.mentions import mention
from bot.blocks.refusals import explain
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refusal, Refused
from bot.services.connections import AnswerResult, LinkResult, Target
from bot.services.decisions import NO_QUORUM_REASON_MAX, RATIONALE_MAX, Amendment
from models.tables import Connection, Decision

SECTION_LIMIT = 3000


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def connection_prompt_text(connected_to: str, council: str) -> str:
    """The prompt's words (mrkdwn), the same in the DM and in answer to a vote click."""
    return (
        f"You are connected to {mrkdwn(truncate(connected_to, 600))}: declare a conflict, or "
        f"confirm you have none. This is about the application of "
        f"*{mrkdwn(truncate(council, 200))}*; your vote on it waits for your answer."
    )


def build_connection_prompt(
    application_id: int, *, connected_to: str, council: str
) -> tuple[str, list[Block]]:
    """The private prompt to a connected person, with its two buttons."""
    text = connection_prompt_text(connected_to, council)
    return text, [_section(text), _prompt_buttons(application_id)]


def _prompt_buttons(application_id: int) -> ActionsBlock:
    value = button_value.encode_id(application_id)
    return ActionsBlock(
        block_id=f"connection:{application_id}",
        elements=[
            ButtonElement(text="Declare a conflict", action_id=ids.DECLARE_CONFLICT, value=value),
            ButtonElement(
                text="I have no conflict",
                action_id=ids.CONFIRM_NO_CONFLICT,
                value=value,
                style="primary",
            ),
        ],
    )


def no_conflict_confirmation(result: AnswerResult) -> str:
    council = mrkdwn(truncate(result.council, 200))
    if result.unchanged:
        return f"You had already confirmed that you have no conflict on {council}. No change."
    return (
        f"Thank you: recorded that you have no conflict of interest on {council}, though you are "
        f"connected to {mrkdwn(truncate(result.connected_to, 600))}. You can vote on it now."
    )


def linked(user_id: str, result: LinkResult) -> str:
    """What staff are told after `/sanctuary group link`."""
    what = _described(result.target)
    if not result.added:
        return f"{mention(user_id)} was already connected to {what}. No change."
    guess = (
        " (no council or region has that name, so it is taken as a local group's name; "
        "write `council:` or `region:` before it to mean one)"
        if result.target.kind == "group"
        else ""
    )
    return (
        f"Connected {mention(user_id)} to {what}{guess}. Applications from it will ask them to "
        "declare a conflict or confirm they have none before they vote."
    )


def unlinked(user_id: str, target: Target) -> str:
    return f"{mention(user_id)} is no longer connected to {_described(target)}."


def connections_list(user_id: str, rows: Sequence[Connection]) -> str:
    """`/sanctuary group link @user` with nothing after it: what they are connected to."""
    if not rows:
        return f"{mention(user_id)} has no recorded connections."
    lines = [f"• {_described(Target.of(row))}" for row in rows]
    return f"{mention(user_id)} is connected to:\n" + "\n".join(lines)


def _described(target: Target) -> str:
    return mrkdwn(truncate(target.described, 300))


def build_amend_modal(application_id: int, council: str, decision: Decision) -> View:
    """The decision's rationale to correct, and why (private_metadata: the application's id)."""
    return View(
        type="modal",
        callback_id=ids.AMEND_VIEW,
        private_metadata=button_value.encode_id(application_id),
        title=PlainTextObject(text="Amend the decision"),
        submit=PlainTextObject(text="Amend"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _section(
                f"*{mrkdwn(truncate(council, 200))}*, round {decision.round}. The post shows the "
                "amended rationale; the history keeps both, with your reason."
            ),
            InputBlock(
                block_id=ids.AMEND_RATIONALE_BLOCK,
                label=PlainTextObject(text="Rationale"),
                element=PlainTextInputElement(
                    action_id=ids.AMEND_RATIONALE_INPUT,
                    multiline=True,
                    max_length=RATIONALE_MAX,
                    initial_value=truncate(decision.rationale, RATIONALE_MAX),
                ),
            ),
            InputBlock(
                block_id=ids.AMEND_REASON_BLOCK,
                label=PlainTextObject(text="Why is it amended?"),
                element=PlainTextInputElement(
                    action_id=ids.AMEND_REASON_INPUT,
                    multiline=True,
                    max_length=NO_QUORUM_REASON_MAX,
                    placeholder=PlainTextObject(text="e.g. a typing error in the rationale"),
                ),
            ),
        ],
    )


def amended(amendment: Amendment, note: str = "") -> str:
    council = mrkdwn(truncate(amendment.council.name, 200))
    return f"The rationale of the decision on {council} is amended; the post shows it.{note}"


def refusal_blocks(refused: Refused) -> list[Block] | None:
    """Buttons that go with a refusal: a connected person's vote is answered with their prompt."""
    if refused.reason is not Refusal.CONNECTED:
        return None
    return [_section(explain(refused)), _prompt_buttons(int(refused.detail["application"]))]
