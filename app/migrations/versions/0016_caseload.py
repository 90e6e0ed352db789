"""The caseload counts the student's silence from when they last handed a week in:
`log_entry.submitted_at`. Existing weeks that left draft get the best time known: their
last change while nobody reviewed them yet, else their creation (never later than the
real hand-in, so no silence is hidden).

Revision ID: 0016_caseload
Revises: 0015_form_drafts
Create Date: 2026-12-07 12:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_caseload"
down_revision = "0015_form_drafts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE log_entry SET submitted_at = CASE WHEN reviewed_at IS NULL "
        "THEN updated_at ELSE created_at END "
        "WHERE kind = 'weekly_log' AND review_status <> 'draft'"
    )


def downgrade():
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_column("submitted_at")
