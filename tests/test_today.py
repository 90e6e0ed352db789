"""One "today" for the whole app: the day on the school's clock, asked of `app.dates`.

A server keeps UTC; the schools keep Brussels time. At 23:30 UTC it is already the next
day in Brussels (00:30 in winter, 01:30 in summer), so a week, a deadline or a school
year turns at midnight in Brussels, and the app never asks the system for the date.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from app import dates
from app.extensions import db
from app.models import Organisation
from tests.conftest import at, monday

APP = Path(__file__).resolve().parent.parent / "app"
# The one place that reads the clock, and the one that turns it into a day.
CLOCK_READERS = {APP / "models" / "columns.py", APP / "dates.py"}
# Calls that read the system's clock or calendar (`date.today()` is the server's day).
CLOCK_CALLS = {
    ("date", "today"),
    ("datetime", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
}


def clock_calls(source: str) -> list[int]:
    """The lines of `source` that ask the system for the date or the time of day."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (owner_name, node.func.attr) in CLOCK_CALLS:
            lines.append(node.lineno)
    return lines


def test_nothing_in_the_app_asks_the_system_for_today_or_now():
    """Only `app.models.columns.utcnow()` reads the clock and only `app.dates.today()`
    makes it a day; elsewhere, `date.today()` would be the server's day, not the school's.
    """
    offenders = [
        f"{path.relative_to(APP)}:{line}"
        for path in sorted(APP.rglob("*.py"))
        if path not in CLOCK_READERS
        for line in clock_calls(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "source",
    [
        "date.today()",
        "datetime.now(UTC)",
        "datetime.datetime.now()",
        "datetime.utcnow()",
        "x = datetime.today().date()",
    ],
)
def test_the_scan_finds_each_way_of_asking_the_system(source):
    assert clock_calls(source) == [1]


def test_the_scan_lets_the_apps_own_clock_through():
    assert clock_calls("dates.today(placement.school)\nutcnow()\nday.today_label()") == []


def test_at_half_past_eleven_in_utc_it_is_already_tomorrow_for_the_schools(today):
    with time_machine.travel(at(today, 23, 30), tick=False):
        assert datetime.now(UTC).date() == today  # the server's day
        assert dates.today() == today + timedelta(days=1)


def test_the_day_turns_at_midnight_in_brussels_in_winter_and_in_summer(today):
    winter = date(today.year + 1, 1, 15)  # Brussels is UTC+1
    summer = date(today.year + 1, 7, 15)  # and UTC+2
    with time_machine.travel(at(winter, 22, 30), tick=False):
        assert dates.today() == winter
    with time_machine.travel(at(summer, 22, 30), tick=False):
        assert dates.today() == summer + timedelta(days=1)


def test_a_school_counts_the_day_on_its_own_clock(app, world, today):
    with app.app_context():
        school = db.session.get(Organisation, world.school_b.id)  # in the Netherlands
        with time_machine.travel(at(today, 23, 30), tick=False):
            assert dates.today(school) == today + timedelta(days=1)
        with time_machine.travel(at(today, 21, 0), tick=False):
            assert dates.today(school) == today


def test_after_midnight_in_brussels_the_student_writes_for_the_new_week(
    app, world, login_as, today, in_english
):
    """Sunday 23:30 UTC is Monday in Brussels: the form proposes the week that began."""
    this_monday = monday(today)
    with time_machine.travel(at(this_monday - timedelta(days=1), 23, 30), tick=False):
        student = login_as(world.student_a)
        form = student.get(f"/placements/{world.placement_a.id}/log/new/weekly_log")
    assert form.status_code == 200
    assert f'value="{this_monday.isoformat()}"' in form.get_data(as_text=True)
