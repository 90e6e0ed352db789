"""What each notification is about, and when the work it asked for was done:
`notification.subject` (e.g. `week:2026-12-07`, `visit:7`), `notification.resolved_at`,
and an index on (placement_id, kind, subject) for resolving. Existing notifications get
their subject from their kind, key and payload, in batches.

Revision ID: 0017_notification_subjects
Revises: 0016_caseload
Create Date: 2026-12-07 12:20:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_notification_subjects"
down_revision = "0016_caseload"
branch_labels = None
depends_on = None

BATCH = 1000


def subject_of(kind: str, key: str, payload: dict) -> str:
    """The subject a notification of this kind is written with today."""
    facts = payload or {}
    match kind:
        case "entry_added" | "goal_suggested" | "action_suggested" | "practice_to_review":
            return key  # `entry:42`, `goal:3`, `action:5`, `practice:2`
        case "comment_added":
            return f"entry:{facts.get('entry_id')}"
        case "visit_planned" | "visit_moved" | "visit_report_to_confirm" | "visit_tomorrow":
            return f"visit:{facts.get('visit_id')}"
        case "log_due" | "log_missing":
            return f"week:{facts.get('week')}"
        case "feedback_missing":
            return "feedback"
        case "visit_overdue":
            return "visits"
        case "action_due" | "action_overdue":
            return f"action:{facts.get('action_id')}"
        case "module_not_started":
            return f"module:{facts.get('module_id')}"
        case "needs_attention":
            return f"attention:{facts.get('reason')}"
        case "job_failed":
            return f"job:{facts.get('job')}"
    return ""


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_notification_subject", ["placement_id", "kind", "subject"], unique=False
        )

    connection = op.get_bind()
    table = sa.table(
        "notification",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("key", sa.String),
        sa.column("payload", sa.JSON),
        sa.column("subject", sa.String),
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.kind, table.c.key, table.c.payload)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        changes = []
        for row in rows:
            payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
            subject = subject_of(row.kind, row.key, payload)[:80]
            if subject:
                changes.append({"row_id": row.id, "value": subject})
        if changes:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values(subject=sa.bindparam("value")),
                changes,
            )
        after = rows[-1].id


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_subject")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("subject")
