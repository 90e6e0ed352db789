"""Dates and times as Leerspoor writes them: one set of named formats, in one place.

Every page, e-mail, notification and PDF writes a date through these names, as Jinja
filters (`{{ day|long_date }}`) or in Python (`format_day(day, "long_date")`); nothing
else passes a pattern to Babel. All of them put the day before the month, so English
reads "21 December 2026", never "Dec 21, 2026" beside "16 Dec". A language whose
conventions differ adds its own patterns to `BY_LANGUAGE`. Files for spreadsheets (CSV)
keep ISO dates (`app.spreadsheets`).

`tests/test_dates.py` walks the pages in English and in Dutch and finds no other shape.

It is also the one place that says which day it is: `today(school)` is the day on the
school's clock, not the server's (a server in UTC is still on Sunday at 00:30 on a Monday
in Brussels). Nothing else in `app/` asks the system for the date; a moment comes from
`app.models.columns.utcnow()`, so a test moves the whole app's clock by moving that one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from app.i18n import DEFAULT_TIMEZONE
from app.models.columns import utcnow

if TYPE_CHECKING:
    from app.models import Organisation

# A day.
LONG_DATE = "long_date"  # 21 December 2026: where there is room (a placement's dates, PDFs)
SHORT_DATE = "short_date"  # 21 Dec 2026: in lists and tables
WEEKDAY_DATE = "weekday_date"  # Monday 21 December 2026: a visit, a deadline
DAY_MONTH = "day_month"  # 21 December: a week ("the week of 21 December")
SHORT_DAY_MONTH = "short_day_month"  # 21 Dec: dense lists and charts of this school year
MONTH = "month"  # Dec: the ticks of a chart
# A moment.
DATE_TIME = "date_time"  # 21 Dec 2026, 14:05
DATE_TIME_SECONDS = "date_time_seconds"  # 21 Dec 2026, 14:05:09: runs of scheduled jobs

PATTERNS: dict[str, str] = {
    LONG_DATE: "d MMMM yyyy",
    SHORT_DATE: "d MMM yyyy",
    WEEKDAY_DATE: "EEEE d MMMM yyyy",
    DAY_MONTH: "d MMMM",
    SHORT_DAY_MONTH: "d MMM",
    MONTH: "MMM",
    DATE_TIME: "d MMM yyyy, HH:mm",
    DATE_TIME_SECONDS: "d MMM yyyy, HH:mm:ss",
}
DAY_FORMATS = (LONG_DATE, SHORT_DATE, WEEKDAY_DATE, DAY_MONTH, SHORT_DAY_MONTH, MONTH)
MOMENT_FORMATS = (DATE_TIME, DATE_TIME_SECONDS)
# Patterns of a language that writes dates otherwise (none yet: English and Dutch agree).
BY_LANGUAGE: dict[str, dict[str, str]] = {}


def pattern(name: str) -> str:
    """The Babel pattern of the format `name` in the current language."""
    language = str(get_locale() or "")
    return BY_LANGUAGE.get(language, {}).get(name, PATTERNS[name])


def format_day(value: date | datetime | None, name: str = LONG_DATE) -> str:
    """A day in the format `name`; a moment is first taken to the reader's time zone."""
    if value is None:
        return ""
    if name not in DAY_FORMATS:
        raise ValueError(f"{name} is not a format of a day")
    return format_date(value, pattern(name))


def format_moment(value: datetime | None, name: str = DATE_TIME) -> str:
    """A moment in the reader's time zone, in the format `name`."""
    if value is None:
        return ""
    if name not in MOMENT_FORMATS:
        raise ValueError(f"{name} is not a format of a moment")
    return format_datetime(value, pattern(name))


def init_app(app: Flask) -> None:
    """Each format is a Jinja filter of its name: `{{ entry.week_start|day_month }}`."""
    for name in DAY_FORMATS:
        app.jinja_env.filters[name] = lambda value, name=name: format_day(value, name)
    for name in MOMENT_FORMATS:
        app.jinja_env.filters[name] = lambda value, name=name: format_moment(value, name)


def time_zone(school: Organisation | None = None) -> ZoneInfo:
    """The clock `school` keeps: the platform's (Europe/Brussels) for every school, as the
    schools are in Belgium and the Netherlands, which keep the same time. A school with a
    zone of its own changes this function and nothing else.
    """
    return ZoneInfo(DEFAULT_TIMEZONE)


def today(school: Organisation | None = None) -> date:
    """Today where `school` is (the platform's zone without one): the only "today" of the
    app, so a deadline, a week or a school year turns at midnight there, not on the server.
    """
    return local_day(utcnow(), school)


def local_day(moment: datetime, school: Organisation | None = None) -> date:
    """The day `moment` (stored in UTC) falls on where the school is: feedback written
    at 00:30 on a Monday in Brussels counts for that Monday, not for Sunday in UTC.
    """
    return moment.astimezone(time_zone(school)).date()
