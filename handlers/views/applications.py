"""Submitting the registration, edit-evidence and withdraw modals (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value, registration_state
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Task
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home
from bot.sending.posts import PostResult, try_post_application, try_post_round
from bot.sending.slack_errors import explain
from bot.sending.tell import tell
from bot.services.registration import (
    EvidenceUpdate,
    register_application,
    update_evidence,
    withdraw,
)
from handlers.attempt import submitted
from handlers.permissions import staff_only
from handlers.person import refreshed


async def submit_application(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    form = registration_state.read_form(view)
    application = await submitted(
        ack,
        view,
        deps,
        registration_state.errors,
        lambda session: register_application(
            session,
            form,
            actor=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
            timezone=deps.settings.timezone,
            rules=deps.settings.rules,
        ),
    )
    if application is None:
        return
    assert application.id is not None
    result = await try_post_application(deps, client, application.id, actor=user)
    text = _registered(application.id, form.council_label or form.council_other, result)
    # The registration modal carries the channel it was opened from: the answer goes there.
    await tell(client, user, text, channel=str(view.get("private_metadata") or "") or None)


def _registered(application_id: int, council: str, result: PostResult) -> str:
    name = mrkdwn(truncate(council, 150))
    if result.posted:
        where = f"<{result.permalink}|the post>" if result.permalink else "the channel"
        return (
            f"Registered application #{application_id} from {name} and posted it for review: "
            f"see {where}."
        )
    if result.busy:
        return f"Registered application #{application_id} from {name}; it is being posted."
    return (
        f"Registered application #{application_id} from {name}, but it could not be posted "
        f"to the working group yet: {result.advice} Nothing is lost: the bot will post it "
        "as soon as Slack accepts it, and tell you."
    )


async def submit_edit(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    update = await submitted(
        ack,
        view,
        deps,
        registration_state.errors,
        lambda session: update_evidence(
            session,
            button_value.read_id(view.get("private_metadata")),
            registration_state.read_form(view),
            actor=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
            timezone=deps.settings.timezone,
        ),
    )
    if update is None:
        return
    text = await _show_update(deps, client, user, update)
    await tell(client, user, text, channel=deps.settings.channel)


async def _show_update(
    deps: Deps, client: AsyncWebClient, user: str, update: EvidenceUpdate
) -> str:
    """Post the new round (or re-render the post); what to tell `user` about it all."""
    application_id = update.application.id
    assert application_id is not None
    name = mrkdwn(truncate(update.council.name, 150))
    text = f"Saved the evidence of application #{application_id} ({name}): {update.changed_labels}."
    if update.opened_round is None:
        return text + await refreshed(deps, client, application_id, _not_updated)
    result = await try_post_round(
        deps,
        client,
        application_id,
        update.opened_round,
        what_changed=update.changed_labels,
        actor=user,
    )
    if result.posted:
        return text + f" Round {update.opened_round} is open in the thread."
    if result.busy:
        return text
    return text + (
        f" Round {update.opened_round} is open, but Slack did not take its message yet: "
        f"{result.advice} The bot will post it when it can."
    )


def _not_updated(error: BaseException) -> str:
    return f"The post could not be updated: {explain(error)}"


async def submit_withdrawal(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    withdrawn = await submitted(
        ack,
        view,
        deps,
        registration_state.errors,
        lambda session: withdraw(
            session,
            button_value.read_id(view.get("private_metadata")),
            actor=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
            reason=registration_state.withdraw_reason(view),
        ),
    )
    if withdrawn is None:
        return
    application, council = withdrawn
    assert application.id is not None
    text = f"Withdrew application #{application.id} ({mrkdwn(truncate(council.name, 150))})."
    text += await refreshed(deps, client, application.id, _not_updated)
    await tell(client, user, text, channel=deps.settings.channel)
    await refresh_everyones_home(deps, client)


def register(app: AsyncApp) -> None:
    app.view(ids.APPLY_VIEW, middleware=[staff_only(Task.REGISTER)])(submit_application)
    app.view(ids.EDIT_VIEW, middleware=[staff_only(Task.EDIT)])(submit_edit)
    app.view(ids.WITHDRAW_VIEW, middleware=[staff_only(Task.WITHDRAW)])(submit_withdrawal)
