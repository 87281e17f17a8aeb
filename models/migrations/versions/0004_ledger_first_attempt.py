"""reminder_ledger.first_attempt_at: when a message was first handed to Slack

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_attempt_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    # A claim still open at the upgrade may have reached Slack: say it was handed over when it
    # was claimed, so that its retry looks before sending again.
    op.execute("UPDATE reminder_ledger SET first_attempt_at = claimed_at WHERE state = 'claimed'")


def downgrade() -> None:
    with op.batch_alter_table("reminder_ledger", schema=None) as batch_op:
        batch_op.drop_column("first_attempt_at")
