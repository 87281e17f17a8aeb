"""The endorsement as a live step (application.endorser_user_id and its status) and check-ins

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "endorser_user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
            )
        )
        # Every application so far named its endorser by name: the endorsement is as stated.
        batch_op.add_column(
            sa.Column(
                "endorsement_status",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                server_default="given",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "endorsement_recorded_by",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("endorsement_note", sa.Text(), nullable=True))
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("logged_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"], ["membership.id"], name=op.f("fk_check_in_membership_id_membership")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_in_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_check_in_logged_at"), ["logged_at"], unique=False)


def downgrade() -> None:
    op.drop_table("check_in")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("endorsement_note")
        batch_op.drop_column("endorsement_recorded_by")
        batch_op.drop_column("endorsement_status")
        batch_op.drop_column("endorser_user_id")
