"""The student's week on a phone: this week's log with wellbeing and a photo in one form,
in at most three screens from the home page; a week sent back opens in its edit form
under the mentor's comment; a missed week is written for its own week; the portfolio's
choices come before the download.

The student reads English here, so the test does not wait on the translations.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.followup import entries
from app.models import LogEntry, Placement, User
from tests.conftest import png_bytes, write_entry

pytestmark = pytest.mark.e2e


def in_english(app) -> None:
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()


def count_screens(phone) -> list[str]:
    """The pages the phone loads from now on (each a screen the student waits for)."""
    screens: list[str] = []
    phone.page.on(
        "framenavigated",
        lambda frame: screens.append(frame.url) if frame == phone.page.main_frame else None,
    )
    return screens


def test_the_student_writes_the_weekly_log_with_a_photo_in_three_screens(app, world, phone):
    in_english(app)
    phone.log_in("student_a", "student@a.example")
    screens = count_screens(phone)
    screens.append(phone.page.url)  # the home page, where the student starts
    phone.check("home-week-to-write")

    phone.page.get_by_role("link", name="Write this week's log").first.click()
    phone.page.get_by_label("What I did this week").fill("Mounted a distribution board.")
    phone.page.get_by_label("What went well").fill("Labelling the circuits.")
    phone.page.get_by_label("4 · good").check()
    phone.page.get_by_label("Add a photo (if you like)").set_input_files(
        {"name": "board.png", "mimeType": "image/png", "buffer": png_bytes((120, 90))}
    )
    phone.check("weekly-log-form-with-photo")
    phone.page.get_by_role("button", name="Submit to my mentor").click()
    expect(phone.page.get_by_role("status")).to_contain_text("sent to your mentor")
    expect(phone.page.locator("article.entry").first).to_contain_text("board.png")
    phone.check("weekly-log-sent-with-photo")

    assert len(screens) <= 3, screens
    with app.app_context():
        week = db.session.scalar(select(LogEntry).where(LogEntry.kind == "weekly_log"))
        assert week.wellbeing == 4
        assert [a.filename for a in week.attachments] == ["board.png"]


def test_a_returned_week_opens_under_the_comment_and_a_missed_week_is_written(app, world, phone):
    in_english(app)
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        entry = db.session.get(LogEntry, week)
        entries.review_entry(
            entry,
            db.session.get(User, world.mentor_x.id),
            approve=False,
            comment="Which tester did you use? Add a photo of the reading.",
            expected_version=entry.version,
        )
    phone.log_in("student_a", "student@a.example")
    phone.page.get_by_role("link", name="1 week returned to you").click()
    expect(phone.page.locator(".returned-on-top")).to_contain_text("Which tester did you use?")
    phone.check("returned-week-edit")
    phone.page.get_by_label("What I need").fill("The Fluke tester, from the van.")
    phone.page.get_by_role("button", name="Submit to my mentor").click()
    expect(phone.page.get_by_role("status")).to_contain_text("sent to your mentor")

    phone.page.get_by_role("link", name="Log of Student A").click()
    phone.check("log-missing-weeks")
    with app.app_context():  # the latest week missed, first in the list
        missed = entries.missing_weeks(
            db.session.get(Placement, world.placement_a.id), date.today()
        )[0]
    phone.page.get_by_role("link", name=f"Write the week of {missed.day} {missed:%B}").click()
    expect(phone.page.get_by_label("Week", exact=True)).to_have_value(missed.isoformat())
    phone.page.get_by_role("link", name="Start from last week’s answers").click()
    expect(phone.page.get_by_label("Week", exact=True)).to_have_value(missed.isoformat())
    expect(phone.page.get_by_label("What I need")).to_have_value("The Fluke tester, from the van.")
    phone.check("missed-week-from-last-week")
    phone.page.get_by_role("button", name="Submit to my mentor").click()
    expect(phone.page.get_by_role("status")).to_contain_text("sent to your mentor")
    with app.app_context():
        assert entries.weekly_log_for(world.placement_a, missed) is not None


def test_the_student_chooses_what_goes_into_the_portfolio(app, world, phone):
    in_english(app)
    write_entry(app, world.placement_a, world.student_a, wellbeing=2, submit=True)
    phone.log_in("student_a", "student@a.example")
    phone.goto(f"/placements/{world.placement_a.id}/log")
    phone.page.get_by_role("link", name="Download portfolio (PDF)").click()
    expect(phone.page.get_by_label("Add how I felt each week (wellbeing)")).not_to_be_checked()
    phone.check("portfolio-choice")
    phone.page.get_by_label("Evidence: your photos and files").uncheck()
    with phone.page.expect_download() as download:
        phone.page.get_by_role("button", name="Download PDF").click()
    assert download.value.suggested_filename.startswith("portfolio-student-a-")
    assert "parts=log" in download.value.url
    assert "evidence" not in download.value.url
