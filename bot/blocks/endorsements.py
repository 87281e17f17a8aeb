"""The endorsement's messages: the DM asking the endorser, the question form, and what the
endorser and staff are told (DESIGN.md section 2, criterion 3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import button_value, modal_state
from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.dates import day
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refused
from bot.services.endorsements import QUESTION_MAX, EndorsementChange, Question
from models.tables import Application, ApplicationStatus, EndorsementStatus


def build_endorsement_request(application: Application, council: str) -> tuple[str, list[Block]]:
    """The DM to the endorser named in Slack, rendered from the application as it stands: while
    pending, Endorse / Cannot endorse / Ask a question; once answered, what they answered (or
    staff recorded), with the other answer and a question still possible while it is open."""
    name = mrkdwn(truncate(council, 200))
    status = EndorsementStatus(application.endorsement_status)
    on = day(application.endorsement_date)
    if status == EndorsementStatus.PENDING:
        who = mention(application.registered_by)
        text = (
            f"{who} registered *{name}*'s application to the Local Authority Network and names "
            "you as the endorser for the local group. Do you endorse it?"
        )
        fallback = f"Endorsement request: {text}"
    elif status == EndorsementStatus.DECLINED:
        text = f"You said on {on} that you cannot endorse *{name}*'s application."
        fallback = f"Endorsement: {text}"
    elif application.endorsement_recorded_by:
        text = (
            f"{mention(application.endorsement_recorded_by)} recorded on {on} an endorsement of "
            f"*{name}*'s application given outside Slack."
        )
        fallback = f"Endorsement: {text}"
    else:
        text = f"You endorsed *{name}*'s application on {on}."
        fallback = f"Endorsement: {text}"
    group = mrkdwn(truncate(application.group_names, 300))
    work = mrkdwn(truncate(application.joint_work, 1000))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        SectionBlock(text=MarkdownTextObject(text=f"*Local group:* {group}\n*Joint work:* {work}")),
    ]
    if ApplicationStatus(application.status).is_open:
        blocks.append(_answers(application, status))
        note = (
            "Your answer shows on the application's post in the working group's channel and in "
            "its history. As its endorser you are recused from voting on it. A question goes to "
            "City of Sanctuary UK staff."
        )
        if status != EndorsementStatus.PENDING:
            note = "You can change your answer while the application is under review. " + note
    else:
        note = "The application's review is over: the answer can no longer be changed."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return fallback, blocks


def _answers(application: Application, status: EndorsementStatus) -> ActionsBlock:
    """The buttons still meaningful: both answers while pending, else the other one."""
    value = button_value.encode_id(application.id)
    buttons = []
    if status != EndorsementStatus.GIVEN:
        buttons.append(
            ButtonElement(text="Endorse", action_id=ids.ENDORSE, value=value, style="primary")
        )
    if status != EndorsementStatus.DECLINED:
        buttons.append(
            ButtonElement(
                text="Cannot endorse", action_id=ids.CANNOT_ENDORSE, value=value, style="danger"
            )
        )
    buttons.append(
        ButtonElement(text="Ask a question", action_id=ids.ASK_ENDORSEMENT_QUESTION, value=value)
    )
    return ActionsBlock(block_id=f"endorse:{application.id}", elements=buttons)


def answered(change: EndorsementChange) -> str:
    """What the endorser is told after pressing Endorse or Cannot endorse."""
    name = mrkdwn(truncate(change.council, 150))
    if change.status == EndorsementStatus.GIVEN:
        said = f"Thank you: your endorsement of *{name}*'s application is recorded."
    else:
        said = (
            f"Noted: you cannot endorse *{name}*'s application. Staff will see this on its post; "
            "if you change your mind, press *Endorse*."
        )
    if change.entry_id is None:
        return "Your answer was already recorded. " + said
    return said


def build_question_modal(application_id: int, council: str) -> View:
    return View(
        type="modal",
        callback_id=ids.ENDORSEMENT_QUESTION_VIEW,
        private_metadata=button_value.encode_id(application_id),
        title="Ask a question",
        submit="Send to staff",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Your question about *{mrkdwn(truncate(council, 200))}*'s application "
                    "goes to City of Sanctuary UK staff by direct message, and into the "
                    "application's history."
                )
            ),
            InputBlock(
                block_id=ids.ENDORSEMENT_QUESTION_BLOCK,
                label="Your question",
                element=PlainTextInputElement(
                    action_id=ids.ENDORSEMENT_QUESTION_BLOCK,
                    multiline=True,
                    max_length=QUESTION_MAX,
                ),
            ),
        ],
    )


def question_to_staff(question: Question) -> str:
    """The DM each member of staff gets with the endorser's question."""
    quoted = "\n".join(f"> {line}" for line in mrkdwn(question.text).splitlines() or [""])
    return (
        f":question: {mention(question.endorser)}, named as the endorser of "
        f"*{mrkdwn(truncate(question.council, 150))}*'s application "
        f"(#{question.application_id}), asks:\n{quoted}\nPlease answer them directly; the "
        f"question is in `{ids.COMMAND} history`."
    )


def question_erased() -> str:
    """What a staff DM with an endorser's question says once the question is erased."""
    return (
        ":question: An endorser's question was here; its text was erased at their request "
        "(personal data)."
    )


def recorded(change: EndorsementChange) -> str:
    """What staff are told after `/sanctuary endorse`."""
    return (
        f"Recorded the endorsement of *{mrkdwn(truncate(change.council, 150))}*'s application "
        f"(#{change.application_id}), given outside Slack."
    )


def read_question(view: Mapping[str, Any]) -> str:
    """The question typed into the form (`build_question_modal`)."""
    return modal_state.text(view, ids.ENDORSEMENT_QUESTION_BLOCK, ids.ENDORSEMENT_QUESTION_BLOCK)


def question_errors(view: Mapping[str, Any], refused: Refused) -> dict[str, str]:
    """A refused question, on its input."""
    return modal_state.errors(view, refused, lambda _field: ids.ENDORSEMENT_QUESTION_BLOCK)
