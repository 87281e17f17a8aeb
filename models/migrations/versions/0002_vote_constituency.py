"""vote.constituency: the voter's constituency when they voted

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "constituency",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                server_default="",
                nullable=False,
            )
        )
    # Votes cast before this column existed: the member's constituency is the best we know.
    op.execute(
        "UPDATE vote SET constituency = "
        "(SELECT member.constituency FROM member WHERE member.id = vote.member_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_column("constituency")
