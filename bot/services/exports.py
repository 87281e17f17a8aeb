"""The audit log as CSV for `sanctuary-bot export --audit`."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import AuditEntry, Council

AUDIT_FIELDS = ("at", "actor", "action", "council", "application", "detail")


async def audit_csv(session: AsyncSession, timezone: ZoneInfo) -> str:
    """Every audit entry, oldest first: time (ISO, in `timezone`), actor, action, council name,
    application id and the detail as JSON."""
    councils = dict((await session.exec(select(Council.id, Council.name))).all())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_FIELDS)
    result = await session.stream_scalars(
        select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    async for entry in result:
        writer.writerow(
            (
                entry.at.astimezone(timezone).isoformat(timespec="seconds"),
                entry.actor,
                entry.action,
                councils.get(entry.council_id, "") if entry.council_id is not None else "",
                entry.application_id if entry.application_id is not None else "",
                entry.detail,
            )
        )
    return out.getvalue()
