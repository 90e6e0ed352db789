"""An activity of the programme keeps a version: the host changes it, the participant
reflects on it, and an edit made from an older version is refused.

Revision ID: 0028_stay_activity_version
Revises: 0027_mobility_closing
Create Date: 2026-12-08 01:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_stay_activity_version"
down_revision = "0027_mobility_closing"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stay_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("stay_activity", schema=None) as batch_op:
        batch_op.drop_column("version")
