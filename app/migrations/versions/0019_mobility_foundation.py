"""Mobility abroad: a placement's host partner abroad and its monitor (`placement`).

The roles promoter, host coordinator and monitor and the organisation kind promoter are
values of existing string columns and need no schema change.

Revision ID: 0019_mobility_foundation
Revises: 0018_pending_imports
Create Date: 2026-12-07 19:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_mobility_foundation"
down_revision = "0018_pending_imports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host_partner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_placement_monitor_id"), ["monitor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_placement_host_partner_id"), ["host_partner_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_placement_monitor_id_user_account"), "user_account", ["monitor_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_placement_host_partner_id_organisation"),
            "organisation",
            ["host_partner_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_placement_host_partner_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_placement_monitor_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_placement_host_partner_id"))
        batch_op.drop_index(batch_op.f("ix_placement_monitor_id"))
        batch_op.drop_column("host_partner_id")
        batch_op.drop_column("monitor_id")
