"""application.term_activity and guidance_response: a renewal's account of the term

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: applications registered before this version (and new applications) have none.
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("term_activity", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("guidance_response", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("guidance_response")
        batch_op.drop_column("term_activity")
