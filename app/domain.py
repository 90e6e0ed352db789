"""Errors the services raise when a domain rule refuses a change, and the rules every
feature shares. Routes turn the errors into a message next to the field (or a conflict
page); nothing was changed when they are raised.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.dates import LONG_DATE, format_day
from app.extensions import db
from app.models import Placement


class DomainError(Exception):
    """A domain rule refused the change; `field` is the form field the message belongs to."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


def diverges(spread, threshold):
    """Whether levels `spread` apart make student, mentor and coach differ, at a school
    whose threshold (its setting `divergence_levels`) is `threshold`. Numbers and SQL
    expressions alike: the caseload counts in SQL what the matrix marks in Python.
    """
    return spread >= threshold


class StaleEdit(Exception):
    """Someone saved the object after the editor opened it; nothing was changed."""


def commit_versioned() -> None:
    """Commit; a row saved by someone else since it was read (its version moved on)
    makes nothing change and raises `StaleEdit`.
    """
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit() from error


def check_in_placement(placement: Placement, day: date | None, field_name: str) -> None:
    """A date of the placement's plan or visits falls within the placement."""
    if day is None:
        return
    if day < placement.start_date:
        raise DomainError(
            field_name,
            _l(
                "This date is before the placement starts (%(start)s).",
                start=format_day(placement.start_date, LONG_DATE),
            ),
        )
    if day > placement.end_date:
        raise DomainError(
            field_name,
            _l(
                "This date is after the placement ends (%(end)s).",
                end=format_day(placement.end_date, LONG_DATE),
            ),
        )
