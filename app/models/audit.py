"""The audit trail: who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, utcnow
from app.models.people import User


class AuditEvent(db.Model):
    """One recorded action. Rows are only ever added, never changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The actor's role when they acted (their part in the placement, or their highest
    # role), and the request it came from, to find the rest of it in the logs.
    actor_role: Mapped[str] = mapped_column(String(32), default="", server_default="")
    request_id: Mapped[str] = mapped_column(String(32), default="", server_default="")

    actor: Mapped[User | None] = relationship()


# On PostgreSQL the table refuses every UPDATE, and every DELETE except the retention
# job's (which says so with `SET LOCAL leerspoor.audit_purge = 'on'`): not even a bug or
# a mistaken query through the app can rewrite history. Created with the table, and by
# migration 0010 on existing databases.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('leerspoor.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
"""

for statement in (APPEND_ONLY_FUNCTION, APPEND_ONLY_TRIGGER):
    event.listen(
        AuditEvent.__table__,
        "after_create",
        # DDL fills in %(table)s and the like: the function's own % is escaped.
        DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql"),
    )
