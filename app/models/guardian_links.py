"""What every link e-mailed to a parent or guardian holds, whatever it is for.

A guardian has no account: each purpose (approving a minor's stay abroad, consenting to
publishing their travel blog) keeps its links in a table of its own, built on
`GuardianLinkBase`, with the answer the purpose asks (`decision`) and what the answer
changed. `app.guardianlinks` signs, sends, checks and claims them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.models.columns import UTCDateTime, utcnow
from app.models.people import User
from app.models.placements import Placement


class GuardianLinkBase:
    """A link e-mailed to a parent or guardian about a placement, once: it works until it
    is answered, expires, or a newer link of its purpose to the same placement replaces it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    guardian_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The name the guardian typed when answering.
    answered_name: Mapped[str] = mapped_column(String(200), default="")

    @declared_attr
    def placement(cls) -> Mapped[Placement]:
        return relationship(Placement)

    @declared_attr
    def sent_by(cls) -> Mapped[User | None]:
        return relationship(User)

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
