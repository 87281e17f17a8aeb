"""The audit log: every state change, who did it and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    council_id: int | None = None,
    application_id: int | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add an audit entry to the session's unit of work (committed with the change itself)."""
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        council_id=council_id,
        application_id=application_id,
        detail=json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True),
    )
    session.add(entry)
    return entry
