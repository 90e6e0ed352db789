"""Privacy on a phone: a student reads the notice and the privacy page, downloads her
data and asks to be erased; her school's coordinator answers the request and records a
guardian's approval for a minor's placement abroad. Pages are screenshotted to
tests/e2e/screenshots/<role>-privacy-*.png and pass axe-core.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Placement, PlacementStatus, User

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("in_english")]


def test_student_reads_the_notice_downloads_her_data_and_asks_to_be_erased(app, world, phone):
    phone.log_in("student_a", "student@a.example")
    page = phone.page
    notice = page.locator("section.notice")
    expect(notice).to_contain_text("Your school keeps your log, scores and plan here")
    phone.check("privacy-notice")
    # A student opens Leerspoor to work: the notice takes at most a quarter of the screen.
    box = notice.bounding_box()
    assert box is not None
    assert box["height"] <= 844 / 4, box

    notice.get_by_role("link", name="What is kept, who sees it, your rights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Privacy: what Leerspoor keeps about you"
    )
    expect(page.get_by_role("heading", name="Follow-up log")).to_be_visible()
    phone.check("privacy-page")
    page.go_back()
    page.get_by_role("button", name="I have read it").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you.")
    expect(page.locator("#privacy-notice")).to_have_count(0)

    phone.nav_link("My account").click()
    page.get_by_role("link", name="Download my data").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    assert re.fullmatch(r"leerspoor-data-\d+-\d{8}\.zip", download.value.suggested_filename)
    page.get_by_label("Why (optional)").fill("I am leaving the programme.")
    page.get_by_role("button", name="Ask to erase my data").click()
    expect(page.get_by_role("status")).to_contain_text("Your request is with your school.")
    phone.check("privacy-my-data")


def test_coordinator_answers_a_request_and_records_a_guardians_approval(start, app, world, phone):
    with app.app_context():
        student = db.session.get(User, world.student_b.id)
        student.birth_date = start - timedelta(days=16 * 365)  # a minor
        db.session.get(Placement, world.placement_b.id).status = PlacementStatus.PREPARING
        db.session.commit()
    phone.log_in("coordinator_b", "coordinator@b.example")
    page = phone.page
    phone.goto(f"/placements/{world.placement_b.id}")
    panel = page.locator("#guardian-approval").locator("..")
    expect(panel).to_contain_text("Missing")
    panel.get_by_label("Guardian").fill("Marc B (father)")
    panel.get_by_label("Text they approved").fill("Stage buitenland v2")
    panel.get_by_label("How").select_option(label="Signed on paper")
    panel.get_by_label("Approved on").fill((start - timedelta(days=12)).isoformat())
    phone.check("privacy-guardian-form")
    panel.get_by_role("button", name="Record the approval").click()
    expect(page.get_by_role("status")).to_have_text("The guardian's approval is recorded.")
    expect(page.locator("#guardian-approval").locator("..")).to_contain_text("Approved")
    phone.check("privacy-guardian-approved")

    phone.goto("/privacy/requests")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy requests")
    phone.check("privacy-requests")
    phone.goto(f"/placements/{world.placement_b.id}/audit")
    expect(page.locator(".audit-trail li").first).to_contain_text(
        "Cor B School coordinator Recorded a guardian's approval · the placement"
    )
    phone.check("privacy-audit-trail")


@pytest.mark.parametrize(
    ("role", "email", "notice"),
    [
        ("monitor", "monitor@host.example", "The sending school keeps the log of the participants"),
        (
            "host_coordinator",
            "coordinator@host.example",
            "The sending schools keep their participants' stays here",
        ),
    ],
)
def test_a_host_reads_a_notice_true_for_them_in_a_quarter_of_the_screen(
    app, world, phone, role, email, notice
):
    phone.log_in(role, email)
    box = phone.page.locator("section.notice")
    expect(box).to_contain_text(notice)
    expect(box).not_to_contain_text("your log")
    phone.check("privacy-notice")
    size = box.bounding_box()
    assert size is not None
    assert size["height"] <= 844 / 4, size
