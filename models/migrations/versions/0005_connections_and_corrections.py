"""Connected reviewers and corrections: conflicts keyed by Slack user (staff declare them too),
standing connections and the answers to their prompts, amended decisions, memberships ended
early

Revision ID: 0005
Revises: 0008
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0005"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "slack_user_id",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                server_default="",
                nullable=False,
            )
        )
    op.execute(
        "UPDATE conflict SET slack_user_id = "
        "(SELECT member.slack_user_id FROM member WHERE member.id = conflict.member_id)"
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("uq_conflict_application_id_member_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_conflict_application_id_slack_user_id"),
            ["application_id", "slack_user_id"],
        )

    op.create_table(
        "connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("added_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection")),
        sa.UniqueConstraint(
            "slack_user_id", "kind", "value", name=op.f("uq_connection_slack_user_id_kind_value")
        ),
    )
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connection_slack_user_id"), ["slack_user_id"], unique=False
        )

    op.create_table(
        "connection_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("connected_to", sa.Text(), nullable=False),
        sa.Column("answered_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_connection_answer_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_answer")),
        sa.UniqueConstraint(
            "application_id",
            "slack_user_id",
            name=op.f("uq_connection_answer_application_id_slack_user_id"),
        ),
    )
    with op.batch_alter_table("connection_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connection_answer_application_id"), ["application_id"], unique=False
        )

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("amended_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("amended_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ended_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ended_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_by")
        batch_op.drop_column("ended_at")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("amended_at")
        batch_op.drop_column("amended_by")
        batch_op.drop_column("revision")
    op.drop_table("connection_answer")
    op.drop_table("connection")
    # Conflicts of staff not on the roster have no member: they cannot be kept.
    op.execute("DELETE FROM conflict WHERE member_id IS NULL")
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_constraint("uq_conflict_application_id_slack_user_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_conflict_application_id_member_id"), ["application_id", "member_id"]
        )
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("slack_user_id")
