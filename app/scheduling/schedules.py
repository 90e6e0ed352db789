"""When a job runs: read from `LEERSPOOR_SCHEDULE_<JOB>`, or the job's default.

A schedule is one of
- a crontab of 5 fields (minute, hour, day of month, month, day of week) in the
  school's time zone (Europe/Brussels), e.g. `*/5 * * * *` or `0 7 * * 1-5`;
- an interval, `every 30s`, `every 5m` or `every 1h`, counted from the scheduler's start;
- `off`: the scheduler does not run the job.

Weekdays count as in crontab (0 and 7 are Sunday). As in APScheduler, a crontab that
names both a day of the month and a day of the week runs when both match, not either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import gettext as _
from flask_babel import ngettext

from app.i18n import DEFAULT_TIMEZONE

VARIABLE_PREFIX = "LEERSPOOR_SCHEDULE_"
OFF = "off"
INTERVAL_PATTERN = re.compile(r"every\s*(\d+)\s*([smh])", re.IGNORECASE)
INTERVAL_UNITS = {"s": "seconds", "m": "minutes", "h": "hours"}
# Crontab's weekday numbers: 0 (and 7) is Sunday.
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WORKING_DAYS = "mon,tue,wed,thu,fri"
# A run that starts this much after its time is still on time (a process starting up,
# a busy machine), so the admin page does not cry wolf.
LATE_GRACE = timedelta(minutes=1)


def variable_for(job_name: str) -> str:
    """The environment variable that sets a job's schedule."""
    return VARIABLE_PREFIX + job_name.upper()


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message names the variable and shows examples."""

    def __init__(self, variable: str, value: str, reason: str = "") -> None:
        self.variable = variable
        self.value = value
        self.reason = reason
        super().__init__(
            f"{variable}={value!r} is not a schedule{f' ({reason})' if reason else ''}. "
            'Use a crontab in Brussels time such as "*/5 * * * *", an interval such as '
            '"every 5m" (s, m or h), or "off".'
        )


@dataclass(frozen=True)
class Schedule:
    """A job's schedule as configured: an interval, a crontab, or neither (off)."""

    text: str
    interval: timedelta | None = None
    crontab: str | None = None  # in APScheduler's terms (weekdays as names)

    @property
    def is_off(self) -> bool:
        return self.interval is None and self.crontab is None

    def trigger(self, start: datetime | None = None) -> BaseTrigger:
        """An APScheduler trigger; an interval fires first at `start` (default: one
        interval from now).
        """
        zone = ZoneInfo(DEFAULT_TIMEZONE)
        if self.interval is not None:
            return IntervalTrigger(
                seconds=int(self.interval.total_seconds()), start_date=start, timezone=zone
            )
        if self.crontab is None:
            raise ValueError("A schedule that is off has no trigger.")
        return CronTrigger.from_crontab(self.crontab, timezone=zone)

    def next_run(self, now: datetime, last_start: datetime | None = None) -> datetime | None:
        """When the job runs next as seen from `now`: exact for a crontab; for an
        interval, counted from the last run (`last_start`) when there is one.
        """
        if self.is_off:
            return None
        start = last_start + self.interval if self.interval and last_start else None
        return self.trigger(start).get_next_fire_time(None, now)

    def is_late(self, last_start: datetime, now: datetime) -> bool:
        """Two runs were due since the run that started at `last_start`, and neither came."""
        if self.is_off:
            return False
        trigger = self.trigger(last_start + self.interval if self.interval else None)
        first = trigger.get_next_fire_time(None, last_start + timedelta(seconds=1))
        second = first and trigger.get_next_fire_time(first, first)
        return second is not None and now > second + LATE_GRACE

    def describe(self) -> str | None:
        """The schedule in words where that is easy ("every 5 minutes"), else None."""
        if self.is_off:
            return _("off")
        if self.interval is not None:
            return _interval_in_words(self.interval)
        return _crontab_in_words(self.crontab.split())


def parse_schedule(variable: str, value: str) -> Schedule:
    """Read a schedule; raises `ScheduleError` naming `variable` when it cannot."""
    text = " ".join(value.split())
    if text.lower() == OFF:
        return Schedule(text)
    if match := INTERVAL_PATTERN.fullmatch(text):
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount == 0:
            raise ScheduleError(variable, value, "an interval must be longer than 0")
        return Schedule(text, interval=timedelta(**{INTERVAL_UNITS[unit]: amount}))
    if text.lower().startswith("every"):
        raise ScheduleError(variable, value, "an interval is a number and s, m or h")
    fields = text.split(" ")
    if len(fields) != 5:
        raise ScheduleError(variable, value, f"a crontab has 5 fields, not {len(fields)}")
    try:
        fields[4] = _weekdays(fields[4])
        crontab = " ".join(fields)
        CronTrigger.from_crontab(crontab, timezone=ZoneInfo(DEFAULT_TIMEZONE))
    except ValueError as error:
        raise ScheduleError(variable, value, str(error)) from error
    return Schedule(text, crontab=crontab)


def configured_schedule(job_name: str, default: str, configured: dict[str, str]) -> Schedule:
    """A job's schedule from the configuration (`SCHEDULES`), else its default."""
    return parse_schedule(variable_for(job_name), configured.get(job_name, default))


def _weekdays(field: str) -> str:
    """A crontab's day-of-week field in APScheduler's terms.

    APScheduler 3 numbers weekdays from Monday = 0 where crontab has Sunday = 0 (its
    documented historical mistake), so `1-5` would mean Tuesday to Saturday there. Names
    mean the same in both, so the days become names.
    """
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        match = re.fullmatch(r"(\*|\w+)(?:-(\w+))?(?:/(\d+))?", part)
        if match is None:
            raise ValueError(f"cannot read the day of the week {part!r}")
        first, last, step = match.groups()
        if first == "*":
            if last is not None:
                raise ValueError(f"cannot read the day of the week {part!r}")
            low, high = 0, 6
        else:
            low = _weekday(first)
            high = _weekday(last) if last else (6 if step else low)
        if high < low or (step is not None and int(step) == 0):
            raise ValueError(f"cannot read the day of the week {part!r}")
        days.update(day % 7 for day in range(low, high + 1, int(step or 1)))
    return ",".join(WEEKDAYS[day] for day in sorted(days))


def _weekday(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    raise ValueError(f"{token!r} is not a day of the week (0-7 or sun-sat)")


def _interval_in_words(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    if seconds % 3600 == 0:
        return ngettext("every hour", "every %(num)d hours", seconds // 3600)
    if seconds % 60 == 0:
        return ngettext("every minute", "every %(num)d minutes", seconds // 60)
    return ngettext("every second", "every %(num)d seconds", seconds)


def _crontab_in_words(fields: list[str]) -> str | None:
    """Words for the common crontabs: every N minutes, hourly, daily or on working days
    at a time. Anything else is shown as it is written.
    """
    minute, hour, day, month, weekdays = fields
    if (day, month) != ("*", "*"):
        return None
    if (hour, weekdays) == ("*", "*"):
        if minute == "*":
            return _interval_in_words(timedelta(minutes=1))
        if step := re.fullmatch(r"\*/(\d+)", minute):
            return _interval_in_words(timedelta(minutes=int(step.group(1))))
        if minute == "0":
            return _interval_in_words(timedelta(hours=1))
        return None
    if not (minute.isdigit() and hour.isdigit()):
        return None
    time = f"{int(hour):02d}:{int(minute):02d}"
    if weekdays == "*":
        return _("every day at %(time)s", time=time)
    if weekdays == WORKING_DAYS:
        return _("Monday to Friday at %(time)s", time=time)
    return None
