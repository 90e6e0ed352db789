"""Closing a mobility abroad: the participant's stage report (`stage_report`) and the
closing steps (`mobility_closing`: the EU survey confirmed, the final scores confirmed by
the coach and the monitor, the coach's sign-off of the Europass record).

Revision ID: 0027_mobility_closing
Revises: 0026_mobility_stay
Create Date: 2026-12-07 22:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0027_mobility_closing"
down_revision = "0026_mobility_stay"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mobility_closing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("survey_filled_on", sa.Date(), nullable=True),
        sa.Column("survey_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("survey_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coach_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("coach_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coach_scores", sa.String(length=64), nullable=False),
        sa.Column("monitor_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("monitor_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("monitor_scores", sa.String(length=64), nullable=False),
        sa.Column("signed_off_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_off_name", sa.String(length=200), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_closing_coach_confirmed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["monitor_confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_closing_monitor_confirmed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_mobility_closing_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_closing_signed_off_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_closing_survey_confirmed_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_closing")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_mobility_closing_placement_id")),
    )
    op.create_table(
        "stage_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("professional", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("intercultural", sa.Text(), nullable=False),
        sa.Column("personal", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_note", sa.String(length=1000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_stage_report_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_stage_report_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"],
            ["user_account.id"],
            name=op.f("fk_stage_report_returned_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_report")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_stage_report_placement_id")),
    )


def downgrade():
    op.drop_table("stage_report")
    op.drop_table("mobility_closing")
