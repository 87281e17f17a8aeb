"""Making Slack stop showing personal data the bot no longer shows: each affected post (and
Home tab) is rendered again from the database, once, through `update_once`.

Each reason is an audit entry, and each entry is acted on once (the ledger's key is the
entry's id), whichever process wrote it:

- `post.contacts_hidden`: migration 0009 wrote one for every post made before posts stopped
  naming the contacts; the post is rendered again without them;
- `contacts.erased`: the retention job or an erasure on request (`sanctuary-bot personal-data
  --erase`, which runs without Slack) erased contacts; the post is rendered again;
- `personal_data.erased` naming a Slack user: their Home tab is rendered again, and each staff
  DM that carried a question they asked as an endorser, without it.

This runs at start and with the refresh job (bot/sending/reconcile.py), and right after the
retention job erases.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.sending.context import Deps
from bot.sending.endorsements import forget_question
from bot.sending.home import publish_home
from bot.sending.once import Key, update_once
from bot.sending.posts import refresh_post
from models.tables import AuditEntry, LedgerState, ReminderLedger

log = logging.getLogger(__name__)

SCRUBBED = "scrubbed"  # subject: the audit entry that asked for it
FOR_POSTS = ("post.contacts_hidden", "contacts.erased")
FOR_HOMES = ("personal_data.erased",)


async def scrub_slack(deps: Deps, client: AsyncWebClient) -> list[int]:
    """Render again, once per entry, the post or Home tab it concerns; the entries' ids."""
    async with deps.sessions() as session:
        shown = select(ReminderLedger.subject_id).where(
            ReminderLedger.kind == SCRUBBED, ReminderLedger.state == LedgerState.SENT
        )
        due = (
            await session.exec(
                select(AuditEntry)
                .where(
                    col(AuditEntry.action).in_([*FOR_POSTS, *FOR_HOMES]),
                    col(AuditEntry.id).not_in(shown),
                )
                .order_by(col(AuditEntry.id))
            )
        ).all()
    done: list[int] = []
    for entry in due:
        assert entry.id is not None
        update: Callable[[], Awaitable[object]]
        if entry.action in FOR_POSTS and entry.application_id is not None:
            update = functools.partial(refresh_post, deps, client, entry.application_id)
        else:
            update = functools.partial(_forget_person, deps, client, entry)
        if (await update_once(deps, client, Key(SCRUBBED, subject_id=entry.id), update)).ok:
            done.append(entry.id)
    if done:
        log.info("Rendered again what %d scrub(s) concern: audit entries %s", len(done), done)
    return done


def _detail(entry: AuditEntry) -> dict[str, object]:
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


async def _forget_person(deps: Deps, client: AsyncWebClient, entry: AuditEntry) -> None:
    """A person's erasure: their Home tab, and the staff DMs with questions they asked as an
    endorser, rendered again."""
    detail = _detail(entry)
    user = detail.get("slack_user")
    if isinstance(user, str) and user:
        await publish_home(deps, client, user)
    questions = detail.get("questions")
    for question in questions if isinstance(questions, list) else []:
        if isinstance(question, int):
            await forget_question(deps, client, question)
