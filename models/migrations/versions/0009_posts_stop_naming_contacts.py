"""posts stop naming contacts: each post already in the channel is to be rendered again once

Data only. Every application post made before this version names its contacts; for each, an
audit entry `post.contacts_hidden` asks the bot to render it again without them, once
(bot/sending/scrub.py, keyed in the ledger by the entry).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO audit_entry (at, actor, action, council_id, application_id, detail) "
            "SELECT :at, 'system', 'post.contacts_hidden', council_id, id, '{}' "
            "FROM application WHERE message_ts IS NOT NULL"
        ).bindparams(sa.bindparam("at", datetime.now(UTC), type_=models.types.UTCDateTime()))
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM audit_entry WHERE action = 'post.contacts_hidden'"))
