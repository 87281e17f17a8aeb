"""The registration modal (DESIGN.md section 2), its edit form, and the withdraw confirmation."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    EmailInputElement,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.blocks import button_value
from bot.blocks.registration_state import block_id
from bot.domain import ids
from bot.domain.application_form import LIMITS, OFFICER_SLOTS, ApplicationForm
from bot.domain.councils import OPTION_TEXT_LIMIT
from bot.domain.escape import mrkdwn, truncate
from bot.services.applications import ApplicationView
from models.tables import StrategyKind

_STRATEGY_OPTIONS = {
    StrategyKind.STANDALONE: "A stand-alone sanctuary strategy",
    StrategyKind.PART_OF_BROADER: "Part of a broader strategy",
}


def _input(
    name: str,
    label: str,
    element: InputInteractiveElement,
    *,
    hint: str | None = None,
    optional: bool = False,
) -> InputBlock:
    """The input for the form's field `name` (its block, bot/blocks/registration_state.py)."""
    return InputBlock(
        block_id=block_id(name), label=label, hint=hint, optional=optional, element=element
    )


def _text(
    name: str,
    label: str,
    form: ApplicationForm,
    *,
    hint: str | None = None,
    optional: bool = False,
    multiline: bool = False,
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=name,
        initial_value=getattr(form, name) or None,
        multiline=multiline or None,
        max_length=LIMITS.get(name),
    )
    return _input(name, label, element, hint=hint, optional=optional)


def _email(name: str, label: str, form: ApplicationForm, *, optional: bool = False) -> InputBlock:
    element = EmailInputElement(action_id=name, initial_value=getattr(form, name) or None)
    return _input(name, label, element, optional=optional)


def _url(name: str, label: str, form: ApplicationForm, *, optional: bool = False) -> InputBlock:
    value = getattr(form, name) or None
    element = UrlInputElement(action_id=name, initial_value=value, placeholder="https://")
    return _input(name, label, element, optional=optional)


def _date(name: str, label: str, form: ApplicationForm, *, hint: str | None = None) -> InputBlock:
    value: date | None = getattr(form, name)
    initial = value.isoformat() if value else None
    return _input(name, label, DatePickerElement(action_id=name, initial_date=initial), hint=hint)


def _heading(text: str, detail: str) -> list[Block]:
    return [
        DividerBlock(),
        HeaderBlock(text=text),
        ContextBlock(elements=[MarkdownTextObject(text=detail)]),
    ]


def _council_blocks(form: ApplicationForm, council_name: str | None) -> list[Block]:
    if council_name is not None:
        return [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Council:* {mrkdwn(truncate(council_name, 200))}\n"
                    "_To change the council, withdraw this application and register a new one._"
                )
            )
        ]
    initial = None
    if form.council_code:
        initial = Option(
            value=form.council_code,
            text=truncate(form.council_label or form.council_code, OPTION_TEXT_LIMIT),
        )
    return [
        InputBlock(
            block_id=block_id("council_code"),
            label="Council",
            hint="Start typing: a name, part of it or the usual short form (e.g. B&H).",
            optional=True,
            element=ExternalDataSelectElement(
                action_id=ids.COUNCIL_PICKER,
                placeholder="Find the council",
                min_query_length=2,
                initial_option=initial,
            ),
        ),
        InputBlock(
            block_id=ids.COUNCIL_OTHER_BLOCK,
            label="or, a town/parish council not on the list",
            hint="Only if the council is not in the list above: type its full name.",
            optional=True,
            element=PlainTextInputElement(
                action_id=ids.COUNCIL_OTHER_BLOCK,
                initial_value=form.council_other or None,
                max_length=LIMITS[ids.COUNCIL_OTHER_BLOCK],
            ),
        ),
    ]


def build_application_modal(
    form: ApplicationForm | None = None,
    *,
    callback_id: str = ids.APPLY_VIEW,
    private_metadata: str = "",
    council_name: str | None = None,
    renewal: bool | None = None,
) -> View:
    """The form for the five criteria; prefilled from `form`. With `council_name` (editing), the
    council is shown, not asked. A `renewal` also asks for the council's account of its term;
    when it is not known yet (None: the council is still to be picked) those questions are
    there, for renewals only; `False` leaves them out."""
    form = form or ApplicationForm()
    editing = council_name is not None
    strategy_initial = None
    if form.strategy_kind in _STRATEGY_OPTIONS:
        strategy_initial = Option(
            value=form.strategy_kind, text=_STRATEGY_OPTIONS[StrategyKind(form.strategy_kind)]
        )
    blocks: list[Block] = [
        *_council_blocks(form, council_name),
        *_heading("1. Council motion", "A motion committing to be a place of sanctuary."),
        _date("motion_date", "Date the motion was passed", form),
        _url("motion_url", "Link to the motion or the minutes", form),
        *_heading("2. City of Sanctuary charter", "The charter, signed by the council."),
        _date("charter_date", "Date the charter was signed", form),
        *_heading(
            "3. Local group",
            "Working closely with the local City of Sanctuary group and/or other refugee "
            "networks, and endorsed by them.",
        ),
        _text("group_names", "Group(s) or network(s)", form, hint="Separate several with commas."),
        _text("joint_work", "Evidence of joint work", form, multiline=True),
        _url("joint_work_url", "Link to evidence of joint work", form, optional=True),
        _text(
            "endorsed_by",
            "Endorsed by",
            form,
            hint="Who endorsed it, e.g. the group's steering group.",
        ),
        _date("endorsement_date", "Date of the endorsement", form),
        _url("endorsement_url", "Link to the endorsement", form, optional=True),
        *_heading(
            "4. Strategy",
            "A written strategy, publicly available, committing for at least three years.",
        ),
        _url("strategy_url", "Public link to the strategy", form),
        InputBlock(
            block_id=block_id("strategy_kind"),
            label="The strategy is",
            element=RadioButtonsElement(
                action_id="strategy_kind",
                options=[Option(value=v, text=t) for v, t in _STRATEGY_OPTIONS.items()],
                initial_option=strategy_initial,
            ),
        ),
        _date("strategy_start", "Strategy starts", form),
        _date(
            "strategy_end",
            "Strategy ends",
            form,
            hint="At least three years after it starts.",
        ),
        *_heading("5. Contacts", "Shown only in the working group's private channel."),
        _text("councillor_name", "Councillor responsible", form),
        _email("councillor_email", "Councillor's email", form),
        _text("councillor_portfolio", "Councillor's portfolio", form),
    ]
    for n in range(1, OFFICER_SLOTS + 1):
        optional = n > 1
        suffix = "" if n == 1 else " (optional)"
        blocks += [
            _text(f"officer{n}_name", f"Officer {n}: name{suffix}", form, optional=optional),
            _text(f"officer{n}_role", f"Officer {n}: role{suffix}", form, optional=optional),
            _email(f"officer{n}_email", f"Officer {n}: email{suffix}", form, optional=optional),
        ]
    if renewal is not False:
        blocks += _renewal_blocks(form, required=renewal is True)
    return View(
        type="modal",
        callback_id=callback_id,
        title="Edit evidence" if editing else "Register application",
        submit="Save" if editing else "Register",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    )


def _renewal_blocks(form: ApplicationForm, *, required: bool) -> list[Block]:
    """A renewal's account of the term that is ending (DESIGN.md section 5)."""
    detail = (
        "What the council did during its term, and how it responded to new guidance."
        if required
        else "Only for a renewal (a council that is a member, or was until recently; the form "
        "says so if it is one). Leave empty for a new application."
    )
    return [
        *_heading("6. Renewal: the term now ending", detail),
        _text(
            "term_activity",
            "What the council did during its term",
            form,
            optional=not required,
            multiline=True,
        ),
        _text(
            "guidance_response",
            "How it responded to new guidance",
            form,
            optional=not required,
            multiline=True,
        ),
    ]


def build_withdraw_modal(view: ApplicationView) -> View:
    """Confirm withdrawing an application, with an optional reason."""
    application_id, council_name = view.application.id, view.council.name
    return View(
        type="modal",
        callback_id=ids.WITHDRAW_VIEW,
        title="Withdraw application",
        submit="Withdraw",
        close="Keep it",
        private_metadata=button_value.encode_id(application_id),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Withdraw application #{application_id} from "
                    f"*{mrkdwn(truncate(council_name, 200))}*? Its review stops; the record "
                    "stays in the history."
                )
            ),
            InputBlock(
                block_id=ids.WITHDRAW_REASON_BLOCK,
                label="Reason (optional)",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.WITHDRAW_REASON_BLOCK, multiline=True, max_length=500
                ),
            ),
        ],
    )
