"""The audit log: every state change, who did it and when.

A service function makes one `Trail` for the change it makes (`about` the application, term or
council it concerns) and records each of its entries there with only what is particular to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Application, AuditEntry, Council, Membership


@dataclass(frozen=True)
class Trail:
    """What the entries of one change share: the unit of work they are committed with, the
    moment, who acted, and the council and application the change is about (if any)."""

    session: AsyncSession
    at: datetime
    actor: str
    council_id: int | None = None
    application_id: int | None = None

    def record(self, action: str, **detail: Any) -> AuditEntry:
        """Add an entry to the session's unit of work (committed with the change itself)."""
        entry = AuditEntry(
            at=self.at,
            actor=self.actor,
            action=action,
            council_id=self.council_id,
            application_id=self.application_id,
            detail=json.dumps(detail, default=str, ensure_ascii=False, sort_keys=True),
        )
        self.session.add(entry)
        return entry


def about(
    session: AsyncSession,
    subject: Application | Membership | Council,
    *,
    at: datetime,
    actor: str,
) -> Trail:
    """The trail of a change to an application, a term or a council: its entries name the
    council and (for an application or a term that one approved) the application."""
    if isinstance(subject, Application):
        return Trail(session, at, actor, subject.council_id, subject.id)
    if isinstance(subject, Membership):
        return Trail(session, at, actor, subject.council_id, subject.application_id)
    return Trail(session, at, actor, subject.id)
