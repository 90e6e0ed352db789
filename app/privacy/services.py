"""Privacy requests carried out: the access export, audited."""

from __future__ import annotations

from datetime import datetime

from app import audit
from app.extensions import db
from app.models import User
from app.privacy.export import export_archive


def export_person(actor: User | None, person: User, now: datetime) -> bytes:
    """The ZIP of everything held about `person`, exported by `actor` (None: the command
    line), recorded in the audit trail with the number of rows and files it held.
    """
    archive, collected = export_archive(person, now)
    audit.record(
        actor,
        "privacy_export",
        person,
        rows=collected.count,
        files=len(collected.files),
        by="self" if actor is not None and actor.id == person.id else "school",
    )
    db.session.commit()
    return archive


def export_filename(person: User, now: datetime) -> str:
    return f"leerspoor-data-{person.id}-{now:%Y%m%d}.zip"
