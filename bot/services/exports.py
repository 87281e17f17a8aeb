"""The audit log as CSV for `sanctuary-bot export --audit`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.spreadsheet import csv_text
from models.tables import AuditEntry, Council

AUDIT_FIELDS = ("at", "actor", "action", "council", "application", "detail")


async def audit_csv(session: AsyncSession, timezone: ZoneInfo) -> str:
    """Every audit entry, oldest first: time (ISO, in `timezone`), actor, action, council name,
    application id and the detail as JSON; no cell a spreadsheet would run as a formula."""
    councils = dict((await session.exec(select(Council.id, Council.name))).all())
    rows: list[tuple[object, ...]] = []
    result = await session.stream_scalars(
        select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    async for entry in result:
        rows.append(
            (
                entry.at.astimezone(timezone).isoformat(timespec="seconds"),
                entry.actor,
                entry.action,
                councils.get(entry.council_id, "") if entry.council_id is not None else "",
                entry.application_id if entry.application_id is not None else "",
                entry.detail,
            )
        )
    return csv_text(AUDIT_FIELDS, rows)
