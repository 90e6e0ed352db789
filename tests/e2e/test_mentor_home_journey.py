"""A mentor's daily job on a phone, from the home page: approve a week with a comment,
give feedback on an approved week, register indicators with one tap each. Each journey
counts the pages the phone loads. Screenshots: tests/e2e/screenshots/mentor_x-home-*.png.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.content.modules import load_training
from app.extensions import db
from app.followup.entries import monday_of
from app.models import EntryKind, LogEntry, Placement, Registration, ReviewStatus, Setting
from config import BUNDLED_CONTENT
from tests.conftest import write_entry

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("in_english")]

SCREENS = 3
WEEK = {
    "did": "Wired the sockets in the new kitchen.",
    "went_well": "I measured everything myself and it fitted.",
    "was_hard": "Carrying a box of conduits up the stairs.",
    "need": "An explanation of the distribution board.",
}


def run_now(app) -> date:
    today = date.today()
    with app.app_context():
        for placement in db.session.scalars(select(Placement)):
            placement.start_date = today - timedelta(days=90)
            placement.end_date = today + timedelta(days=90)
        db.session.commit()
    return today


class PageLoads:
    """Counts the documents the phone loads (each is a screen the mentor waits for)."""

    def __init__(self, page) -> None:
        self.count = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.count += 1


def test_mentor_approves_a_week_with_feedback_from_home_in_three_screens(app, world, phone):
    today = run_now(app)
    week = monday_of(today) - timedelta(weeks=1)
    entry_id = write_entry(
        app, world.placement_a, world.student_a, week=week, submit=True, sections=WEEK
    )
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    loads = PageLoads(page)
    screens = 1  # the home page, where logging in lands
    todo = page.get_by_role("region", name="To do")
    approve = todo.get_by_role("link", name=re.compile(r"^Approve the week of"))
    expect(approve).to_be_visible()
    assert approve.bounding_box()["y"] < 844 / 2, "the first thing to do is high on the screen"
    phone.check("home-todo")

    approve.click()
    expect(page.get_by_text("I measured everything myself and it fitted.")).to_be_visible()
    comment = page.get_by_label("Comment for the student")
    expect(comment).to_be_in_viewport()
    phone.check("home-approve-week")
    comment.fill("Neat measuring. I'll explain the board on Friday.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Week approved.")
    phone.check("home-approved")
    screens += loads.count
    assert screens <= SCREENS, f"{screens} screens to approve a week with feedback"
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        assert entry.review_status == ReviewStatus.APPROVED
        assert entry.review_comment == "Neat measuring. I'll explain the board on Friday."

    # Done: nothing about that week is left to do.
    phone.goto("/")
    expect(page.get_by_role("region", name="To do")).to_have_count(0)


def test_mentor_gives_feedback_on_an_approved_week_from_home_in_three_screens(app, world, phone):
    today = run_now(app)
    week = monday_of(today) - timedelta(weeks=1)
    entry_id = write_entry(
        app, world.placement_a, world.student_a, week=week, submit=True, sections=WEEK
    )
    with app.app_context():
        db.session.get(LogEntry, entry_id).review_status = ReviewStatus.APPROVED
        db.session.commit()
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    loads = PageLoads(page)
    screens = 1
    page.get_by_role("region", name="To do").get_by_role(
        "link", name=re.compile(r"^Give feedback on the week of")
    ).click()
    week_panel = page.get_by_role("region", name=re.compile("^What Student A wrote"))
    expect(week_panel).to_contain_text("Wired the sockets in the new kitchen.")
    page.get_by_label("One thing that went well").fill("You switch off before you start.")
    page.get_by_label("One thing to work on").fill("Tell me before 7.30 when you are late.")
    phone.check("home-feedback-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved in the log.")
    screens += loads.count
    assert screens <= SCREENS, f"{screens} screens to give feedback"
    with app.app_context():
        feedback = db.session.scalar(select(LogEntry).where(LogEntry.kind == EntryKind.FEEDBACK))
        assert feedback.sections["went_well"] == "You switch off before you start."


def test_mentor_registers_with_one_tap_per_indicator_above_the_save_bar(app, world, phone):
    run_now(app)
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    phone.goto(f"/placements/{world.placement_a.id}/register")
    cards = page.locator("fieldset.indicator-card")
    for number in range(3):
        expect(cards.nth(number).get_by_label("At the workplace", exact=True)).to_be_checked()
    bar = page.locator(".sticky-actions")
    taps = (("2 with a lot of help", 0), ("3 with some help", 1), ("4 independently", 2))
    for level, number in taps:
        cards.nth(number).get_by_label(level, exact=True).click()  # the one tap
    # Moving through the form with the keyboard, no field ends up under the save bar.
    for number in range(3):
        note = cards.nth(number).get_by_label("Note (optional)")
        note.focus()
        field_box, bar_box = note.bounding_box(), bar.bounding_box()
        assert field_box["y"] + field_box["height"] <= bar_box["y"] + 1, (number, field_box)
    phone.check("register-one-tap")
    page.get_by_role("button", name="Save and close").click()
    expect(page.get_by_role("status")).to_have_text("3 indicators registered.")
    with app.app_context():
        saved = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        assert [(r.setting, r.level) for r in saved] == [
            (Setting.WORKPLACE, 2),
            (Setting.WORKPLACE, 3),
            (Setting.WORKPLACE, 4),
        ]


def test_a_student_level_without_a_place_is_marked_and_kept(app, world, phone):
    run_now(app)
    phone.log_in("student_a", "student@a.example")
    page = phone.page
    phone.goto(f"/placements/{world.placement_a.id}/register")
    first = page.locator("fieldset.indicator-card").first
    expect(first.get_by_label("At the workplace", exact=True)).not_to_be_checked()
    first.get_by_label("3 with some help", exact=True).click()
    page.get_by_role("button", name="Save and close").click()
    first = page.locator("fieldset.indicator-card").first
    message = first.get_by_text("Say where it came up, or leave this indicator open.")
    expect(message).to_be_visible()
    expect(first.get_by_label("3 with some help", exact=True)).to_be_checked()
    phone.check("register-place-missing")
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []


def test_after_a_module_the_next_one_is_one_tap_away(app, world, phone):
    library = training_library_of_the_repository()
    path = library.path("basic-mentor-training")
    first = library.module(path.modules[0], "en")
    second = library.module(path.modules[1], "en")
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    phone.goto(f"/training/modules/{first.id}")
    for number, question in enumerate(first.quiz):
        right = next(n for n, option in enumerate(question.options) if option.correct)
        page.locator(f"input[name=q{number}][value='{right}']").check()
    page.get_by_role("button", name="Check my answers").click()
    following = page.get_by_role("link", name=f"Next module: {second.title}")
    expect(following).to_be_visible()
    phone.check("module-next")
    following.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)


def training_library_of_the_repository():
    return load_training(BUNDLED_CONTENT / "modules")
