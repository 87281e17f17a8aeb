"""Submitting the registration, edit-evidence and withdraw modals."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import ids
from bot.domain.dates import local_date
from bot.domain.escape import clean, mrkdwn, parse_id, truncate
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home
from bot.sending.posts import refresh_post, try_post_application, try_post_round
from bot.sending.slack_errors import SLACK_FAILURES, explain
from bot.sending.tell import tell
from bot.services.applications import NotFound
from bot.services.registration import (
    ApplicationForm,
    RegistrationRefused,
    register_application,
    update_evidence,
    validate,
    withdraw,
)
from models.db import transaction

_NOT_STAFF = "Only City of Sanctuary UK staff can do this."


def _application_id(body: dict[str, Any]) -> int | None:
    return parse_id(str(body["view"].get("private_metadata") or ""))


async def submit_application(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    if not deps.settings.is_staff(user):
        await ack(response_action="errors", errors={ids.COUNCIL_BLOCK: _NOT_STAFF})
        return
    form = ApplicationForm.parse(body["view"]["state"]["values"])
    now = deps.clock.now()
    errors = validate(form, local_date(now, deps.settings.timezone))
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    try:
        async with transaction(deps.sessions) as session:
            application = await register_application(session, form, actor=user, now=now)
            application_id = application.id
    except RegistrationRefused as refused:
        await ack(response_action="errors", errors={refused.block_id: refused.message})
        return
    await ack()
    assert application_id is not None
    council = form.council_label or form.council_other
    origin = str(body["view"].get("private_metadata") or "") or None
    result = await try_post_application(deps, client, application_id, actor=user)
    name = mrkdwn(truncate(council, 150))
    if result.posted:
        where = f"<{result.permalink}|the post>" if result.permalink else "the channel"
        text = (
            f"Registered application #{application_id} from {name} and posted it for review: "
            f"see {where}."
        )
    elif result.busy:
        text = f"Registered application #{application_id} from {name}; it is being posted."
    else:
        text = (
            f"Registered application #{application_id} from {name}, but it could not be posted "
            f"to the working group yet: {result.advice} Nothing is lost: the bot will post it "
            "as soon as Slack accepts it, and tell you."
        )
    await tell(client, user, text, channel=origin)


async def submit_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    application_id = _application_id(body)
    if not deps.settings.is_staff(user) or application_id is None:
        await ack(response_action="errors", errors={"motion_date": _NOT_STAFF})
        return
    form = ApplicationForm.parse(body["view"]["state"]["values"])
    now = deps.clock.now()
    errors = validate(form, local_date(now, deps.settings.timezone), with_council=False)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    try:
        async with transaction(deps.sessions) as session:
            update = await update_evidence(session, application_id, form, actor=user, now=now)
    except RegistrationRefused as refused:
        await ack(response_action="errors", errors={refused.block_id: refused.message})
        return
    except NotFound as missing:
        await ack(response_action="errors", errors={"motion_date": str(missing)})
        return
    await ack()
    channel = deps.settings.channel
    name = mrkdwn(truncate(update.council.name, 150))
    text = f"Saved the evidence of application #{application_id} ({name}): {update.changed_labels}."
    if update.opened_round is not None:
        result = await try_post_round(
            deps,
            client,
            application_id,
            update.opened_round,
            what_changed=update.changed_labels,
            actor=user,
        )
        if result.posted:
            text += f" Round {update.opened_round} is open in the thread."
        elif not result.busy:
            text += (
                f" Round {update.opened_round} is open, but Slack did not take its message yet: "
                f"{result.advice} The bot will post it when it can."
            )
    else:
        try:
            await refresh_post(deps, client, application_id)
        except SLACK_FAILURES as error:
            text += f" The post could not be updated: {explain(error)}"
    await tell(client, user, text, channel=channel)


async def submit_withdrawal(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    application_id = _application_id(body)
    if not deps.settings.is_staff(user) or application_id is None:
        await ack(response_action="errors", errors={ids.WITHDRAW_REASON_BLOCK: _NOT_STAFF})
        return
    values = body["view"]["state"]["values"]
    state = values.get(ids.WITHDRAW_REASON_BLOCK, {}).get(ids.WITHDRAW_REASON_BLOCK, {})
    reason = clean(str(state.get("value") or "")).strip()
    try:
        async with transaction(deps.sessions) as session:
            _, council = await withdraw(
                session, application_id, actor=user, now=deps.clock.now(), reason=reason
            )
    except (RegistrationRefused, NotFound) as refused:
        await ack(response_action="errors", errors={ids.WITHDRAW_REASON_BLOCK: str(refused)})
        return
    await ack()
    text = f"Withdrew application #{application_id} ({mrkdwn(truncate(council.name, 150))})."
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        text += f" The post could not be updated: {explain(error)}"
    await tell(client, user, text, channel=deps.settings.channel)
    await refresh_everyones_home(deps, client)


def register(app: AsyncApp) -> None:
    app.view(ids.APPLY_VIEW)(submit_application)
    app.view(ids.EDIT_VIEW)(submit_edit)
    app.view(ids.WITHDRAW_VIEW)(submit_withdrawal)
