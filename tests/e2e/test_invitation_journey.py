"""An invitation from another school on a phone: the school sees only that the address
waits for an answer; the student accepts it under My account. Pages are screenshotted to
tests/e2e/screenshots/<role>-invitation-*.png and pass axe-core.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.admin import services as admin_services
from app.extensions import db
from app.models import Organisation, Role, User

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("in_english")]


def test_school_b_waits_for_student_a_to_accept_its_invitation(app, world, phone):
    with app.app_context():
        admin_services.invite_user(
            db.session.get(User, world.coordinator_b.id),
            email=world.student_a.email,
            name="Student A",
            role=Role.STUDENT,
            organisation=db.session.get(Organisation, world.school_b.id),
        )
    phone.log_in("coordinator_b", "coordinator@b.example")
    page = phone.page
    phone.nav_link("Administration").click()
    page.get_by_role("link", name="People", exact=True).click()
    waiting = page.locator("section", has=page.get_by_role("heading", name="Waiting for an answer"))
    expect(waiting).to_contain_text(world.student_a.email)
    expect(page.get_by_role("heading", name="Student A")).to_have_count(0)
    phone.check("invitation-waiting")

    phone.page.context.clear_cookies()
    phone.log_in("student_a", "student@a.example")
    phone.goto("/account/invitations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    expect(page.get_by_role("heading", name="School B invites you as student")).to_be_visible()
    phone.check("invitation-open")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text("You are now student at School B.")
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        assert world.school_b.id in student.organisation_ids(Role.STUDENT)
