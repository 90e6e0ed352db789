"""Errors the services raise when a domain rule refuses a change. Routes turn them into
a message next to the field (or a conflict page); nothing was changed when they are
raised.
"""

from __future__ import annotations


class DomainError(Exception):
    """A domain rule refused the change; `field` is the form field the message belongs to."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


class StaleEdit(Exception):
    """Someone saved the object after the editor opened it; nothing was changed."""
