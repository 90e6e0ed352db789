"""The mobility file of a placement abroad (`mobility_item`) and the links a guardian
approves it with (`guardian_link`).

Revision ID: 0024_mobility_file
Revises: 0023_learning_agreements
Create Date: 2026-12-07 19:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_mobility_file"
down_revision = "0023_learning_agreements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mobility_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_item_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_mobility_item_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_mobility_item_uploaded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_item")),
        sa.UniqueConstraint(
            "placement_id", "kind", name=op.f("uq_mobility_item_placement_id_kind")
        ),
    )
    with op.batch_alter_table("mobility_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mobility_item_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "guardian_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("answered_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approval_id"],
            ["guardian_approval.id"],
            name=op.f("fk_guardian_link_approval_id_guardian_approval"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_guardian_link_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_guardian_link_sent_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_link")),
    )
    with op.batch_alter_table("guardian_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guardian_link_placement_id"), ["placement_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("guardian_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_link_placement_id"))
    op.drop_table("guardian_link")
    with op.batch_alter_table("mobility_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mobility_item_placement_id"))
    op.drop_table("mobility_item")
