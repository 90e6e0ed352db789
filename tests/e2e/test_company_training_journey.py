"""A company coordinator opens Training on a phone and lands on their mentors' progress:
each mentor's state, completed modules and certificates. Screenshot:
tests/e2e/screenshots/company_coordinator_x-training-mentors.png
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.test_mentor_training_overview import certify, complete

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("in_english")]


def test_a_company_coordinator_opens_training_on_the_mentors(app, world, phone):
    with app.app_context():
        db.session.add_all(
            [
                complete(world.mentor_x.id, "first-day", 20),
                complete(world.mentor_x.id, "feedback-that-lands", 3),
                certify(world.mentor_x.id, "CERTX0001", 2),
            ]
        )
        db.session.commit()
    phone.log_in("company_coordinator_x", "hr@x.example")
    page = phone.page
    phone.nav_link("Training").click()
    mentors = page.get_by_role("region", name="Your mentors' training")
    expect(mentors).to_contain_text("Mentor X")
    expect(mentors.get_by_role("link", name="Basic mentor training")).to_be_visible()
    mentors.get_by_text("Show the modules").click()
    expect(mentors.get_by_text("Feedback that lands")).to_be_visible()
    expect(page.locator("progress")).to_have_count(0)
    phone.check("training-mentors")
