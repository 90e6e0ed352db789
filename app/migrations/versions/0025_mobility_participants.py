"""From a selected candidate to a placement abroad: the school's choice of destination
and coach, whether the participant has fewer opportunities, the placement the host
partner created (`candidate`), and whether a call's monitors score
(`mobility_call.monitor_scores`).

Revision ID: 0025_mobility_participants
Revises: 0024_mobility_file
Create Date: 2026-12-07 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025_mobility_participants"
down_revision = "0024_mobility_file"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mobility_call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("monitor_scores", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destination_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("coach_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "fewer_opportunities", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("fewer_opportunities_note", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("prepared_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("placement_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_candidate_destination_id"), ["destination_id"], unique=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_candidate_placement_id"), ["placement_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_destination_id_call_destination"),
            "call_destination",
            ["destination_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_coach_id_user_account"), "user_account", ["coach_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_prepared_by_id_user_account"),
            "user_account",
            ["prepared_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_placement_id_placement"),
            "placement",
            ["placement_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_placement_id_placement"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_prepared_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_coach_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_destination_id_call_destination"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_candidate_placement_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_candidate_destination_id"))
        for column in (
            "placement_id",
            "prepared_at",
            "prepared_by_id",
            "fewer_opportunities_note",
            "fewer_opportunities",
            "coach_id",
            "destination_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("mobility_call", schema=None) as batch_op:
        batch_op.drop_column("monitor_scores")
