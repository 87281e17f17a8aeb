"""inbound_request: signed requests kept until handled, and for replay refusal

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:51:02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("received_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("handled_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("instance", sa.Integer(), nullable=False),
        sa.Column("claimed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_request")),
        sa.UniqueConstraint("signature", name=op.f("uq_inbound_request_signature")),
    )
    with op.batch_alter_table("inbound_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_request_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_request_received_at"))

    op.drop_table("inbound_request")
