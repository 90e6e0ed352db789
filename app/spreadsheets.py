"""Spreadsheets: the one CSV writer of every export, and the answer that sends it.

A spreadsheet program runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or a
carriage return before one) as a formula: a name or an address typed as
`=HYPERLINK(…)` would become a link or a command in the coordinator's spreadsheet (CSV
injection). Following the OWASP guidance, every text cell that starts with one of those
gets a leading apostrophe, which spreadsheets show as text. The writer does it for every
cell, so an export cannot forget a column; `tests/test_downloads.py` checks that every CSV
a route sends went through it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from numbers import Number

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    """True when a spreadsheet would read `text` as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def spreadsheet_cell(value) -> str:
    """A value as a CSV cell a spreadsheet shows as text.

    Numbers and dates come from the app, not from what someone typed, and stay numbers
    (a negative number is not a formula); None is an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Number):
        return str(value)
    text = str(value)
    return "'" + text if starts_like_formula(text) else text


class SpreadsheetWriter:
    """Rows written as CSV the way spreadsheet programs in Flemish and Dutch offices read
    it: semicolons between cells, a byte order mark so they take it as UTF-8, and every
    cell through `spreadsheet_cell`.
    """

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=";")

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow(spreadsheet_cell(value) for value in row)

    def document(self) -> str:
        return "\ufeff" + self._buffer.getvalue()


def csv_download(document: str, filename: str) -> Response:
    """The answer that makes the browser save `document` as `filename`."""
    return Response(
        document,
        # The whole header, as it is sent: given as a mimetype, Flask would add its own
        # `; charset=utf-8` after this one.
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
