"""The prompts to connected people (DESIGN.md section 4, "Conflict of interest"): a DM to each
member or staff connected to an application's council, region or group, asking them to declare
a conflict or confirm they have none. Each goes once per person per application, through the
one exactly-once path (`post_once`); who is due is `bot.services.connections`.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.connections import build_connection_prompt
from bot.sending.context import Deps
from bot.sending.once import Delivery, Key, Message, Sent, post_once
from bot.services import connections
from bot.services.connections import CONNECTION_PROMPT, Prompt
from models.tables import Application, ApplicationStatus


async def send_connection_prompts(
    deps: Deps, client: AsyncWebClient, application_id: int
) -> list[str]:
    """Prompt everyone connected to the (posted) application who has not answered; the users
    prompted now."""
    async with deps.sessions() as session:
        due = await connections.prompts_due(session, application_id, deps.settings.staff)
    sent = []
    for prompt in due:
        if (await _send(deps, client, prompt)).ok:
            sent.append(prompt.user_id)
    return sent


async def _send(deps: Deps, client: AsyncWebClient, prompt: Prompt) -> Delivery:
    key = Key(CONNECTION_PROMPT, subject_id=prompt.application_id, recipient=prompt.user_id)

    async def render() -> Message | None:
        async with deps.sessions() as session:
            still = await connections.prompts_due(
                session, prompt.application_id, deps.settings.staff
            )
        if prompt.user_id not in {p.user_id for p in still}:
            return None  # answered (or declared a conflict) meanwhile
        text, blocks = build_connection_prompt(
            prompt.application_id, connected_to=prompt.connected_to, council=prompt.council
        )
        return Message(channel=prompt.user_id, text=text, blocks=blocks)

    async def record(session: AsyncSession, sent: Sent) -> None:
        application = await session.get(Application, prompt.application_id)
        assert application is not None
        connections.record_prompt_sent(session, prompt, application, sent.at)

    return await post_once(deps, client, key, render, record)


async def send_due_connection_prompts(deps: Deps, client: AsyncWebClient) -> int:
    """The job: prompt for every application under review (a connection recorded after the
    post, or a prompt Slack refused earlier); how many were sent."""
    async with deps.sessions() as session:
        ids = (
            await session.exec(
                select(Application.id).where(
                    Application.status == ApplicationStatus.UNDER_REVIEW,
                    col(Application.message_ts).is_not(None),
                )
            )
        ).all()
    sent = 0
    for application_id in ids:
        if application_id is not None:
            sent += len(await send_connection_prompts(deps, client, application_id))
    return sent
