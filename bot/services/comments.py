"""Replies in an application's thread, recorded against it (DESIGN.md section 4, "Posting").

Slack delivers events at least once: each event id is claimed under a unique key before acting.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from models.dialect import insert_for
from models.tables import Application, Comment, ProcessedEvent


async def claim_event(session: AsyncSession, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen; False for a repeat delivery."""
    inserted = (
        await session.exec(
            insert_for(session, ProcessedEvent)
            .values(event_id=event_id, received_at=now)
            .on_conflict_do_nothing()
            .returning(col(ProcessedEvent.event_id))
        )
    ).scalar_one_or_none()
    return inserted is not None


async def application_for_thread(
    session: AsyncSession, channel: str, thread_ts: str
) -> Application | None:
    return (
        await session.exec(
            select(Application).where(
                Application.channel == channel, Application.message_ts == thread_ts
            )
        )
    ).first()


async def add_comment(
    session: AsyncSession,
    *,
    channel: str,
    thread_ts: str,
    ts: str,
    user: str,
    text: str,
    now: datetime,
) -> Comment | None:
    """Record a reply in an application's thread; None if the thread is not an application's."""
    application = await application_for_thread(session, channel, thread_ts)
    if application is None or application.id is None:
        return None
    inserted = (
        await session.exec(
            insert_for(session, Comment)
            .values(
                application_id=application.id,
                round=application.current_round,
                channel=channel,
                ts=ts,
                slack_user_id=user,
                text=text,
                posted_at=now,
            )
            .on_conflict_do_nothing()
            .returning(col(Comment.id))
        )
    ).scalar_one_or_none()
    if inserted is None:
        return None
    audit.about(session, application, at=now, actor=user).record(
        "comment.added",
        round=application.current_round,
        ts=ts,
        length=len(text),  # not the text: a comment is personal data, erased on request
    )
    return await session.get(Comment, inserted)


async def _comment(session: AsyncSession, channel: str, ts: str) -> Comment | None:
    return (
        await session.exec(select(Comment).where(Comment.channel == channel, Comment.ts == ts))
    ).first()


async def edit_comment(
    session: AsyncSession, *, channel: str, ts: str, text: str, user: str, now: datetime
) -> Comment | None:
    """Follow an edit of a recorded comment; None if the message is not one."""
    return await _follow(session, channel, ts, text, now, editor=user)


async def delete_comment(
    session: AsyncSession, *, channel: str, ts: str, now: datetime
) -> Comment | None:
    """Follow a deletion: the text is forgotten, the fact that a comment existed is kept."""
    return await _follow(session, channel, ts, None, now)


async def _follow(
    session: AsyncSession,
    channel: str,
    ts: str,
    text: str | None,
    now: datetime,
    editor: str = "",
) -> Comment | None:
    """Give a recorded comment its new `text` (None: deleted) and audit it."""
    comment = await _comment(session, channel, ts)
    if comment is None or comment.deleted_at is not None:
        return None
    comment.text = text
    if text is None:
        comment.deleted_at = now
    else:
        comment.edited_at = now
    session.add(comment)
    application = await session.get(Application, comment.application_id)
    # The length, never the text: a comment is personal data, erased on request.
    detail = {"length": len(text)} if text is not None else {}
    trail = audit.Trail(
        session,
        at=now,
        actor=editor or comment.slack_user_id,
        council_id=application.council_id if application else None,
        application_id=comment.application_id,
    )
    trail.record("comment.edited" if text is not None else "comment.deleted", ts=ts, **detail)
    return comment
