"""During a stay abroad: the travel blog (`blog_post`), its publication consent
(`blog_consent`) and the guardian's links for it (`blog_consent_link`), the
socio-cultural programme (`stay_activity`), the language goal (`language_goal`), and the
accompanying teacher's trips (`trip`, with `visit.trip_id`).

Revision ID: 0026_mobility_stay
Revises: 0025_mobility_participants
Create Date: 2026-12-07 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026_mobility_stay"
down_revision = "0025_mobility_participants"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_trip_trip_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["user_account.id"], name=op.f("fk_trip_coach_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisation.id"],
            name=op.f("fk_trip_school_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip")),
    )
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trip_coach_id"), ["coach_id"], unique=False)

    op.create_table(
        "blog_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("participant_consents", sa.Boolean(), nullable=False),
        sa.Column("participant_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("guardian_consents", sa.Boolean(), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=False),
        sa.Column("guardian_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_blog_consent_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_consent")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_blog_consent_placement_id")),
    )
    op.create_table(
        "blog_consent_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "decision",
            sa.Enum("consents", "refuses", name="consentanswer", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("answered_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_blog_consent_link_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_blog_consent_link_sent_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_consent_link")),
    )
    with op.batch_alter_table("blog_consent_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blog_consent_link_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "blog_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_blog_post_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_blog_post_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_post")),
    )
    with op.batch_alter_table("blog_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_blog_post_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "language_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=60), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_language_goal_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_language_goal")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_language_goal_placement_id")),
    )
    op.create_table(
        "stay_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("reflected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_stay_activity_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["planned_by_id"],
            ["user_account.id"],
            name=op.f("fk_stay_activity_planned_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stay_activity")),
    )
    with op.batch_alter_table("stay_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stay_activity_placement_id"), ["placement_id"], unique=False
        )

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trip_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visit_trip_id"), ["trip_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_visit_trip_id_trip"), "trip", ["trip_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_visit_trip_id_trip"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_visit_trip_id"))
        batch_op.drop_column("trip_id")

    with op.batch_alter_table("stay_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stay_activity_placement_id"))

    op.drop_table("stay_activity")
    op.drop_table("language_goal")
    with op.batch_alter_table("blog_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blog_post_placement_id"))

    op.drop_table("blog_post")
    with op.batch_alter_table("blog_consent_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blog_consent_link_placement_id"))

    op.drop_table("blog_consent_link")
    op.drop_table("blog_consent")
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trip_coach_id"))

    op.drop_table("trip")
