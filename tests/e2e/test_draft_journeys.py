"""Nothing typed is lost, in the browser: a coach writing a visit report on a phone is
logged out by the idle limit before saving, logs in again and finds the text back in the
form; a student's weekly log, autosaved while typing, is offered again after the tab was
closed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Placement, User
from app.visits import services as visits
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

REPORT = (
    "Lotte wires a distribution board on her own now; she asks before she switches "
    "anything on. Next: reading the schema without help."
)
WEEK = "Ik heb deze week drie borden bekabeld en de werkbon zelf ingevuld."


@pytest.fixture
def visit_id(app, world) -> int:
    """A visit the coach planned for today, at the workplace."""
    with app.app_context():
        visit = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(
                planned_on=date.today() - timedelta(days=0),
                planned_time=None,
                place="Werkplaats",
                attendees=["student", "mentor", "coach"],
                other_attendees="",
            ),
        )
        return visit.id


def test_a_visit_report_typed_past_the_idle_limit_is_back_after_logging_in(
    app, world, visit_id, phone, clock
):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    report = f"/placements/{world.placement_a.id}/visits/{visit_id}/report"
    phone.goto(report)
    page.locator("textarea[name=learning_process]").fill(REPORT[:40])
    # Saved while typing, and said so in the bar of buttons that stays in view.
    expect(page.locator(".sticky-actions .draft-status")).to_contain_text(
        re.compile(r"\d{1,2}:\d{2}"), timeout=8_000
    )
    phone.check("draft-report-autosaved")
    page.locator("textarea[name=learning_process]").fill(REPORT)
    # The conversation on the shop floor takes longer than the coach's idle limit.
    clock.move(minutes=45)
    page.get_by_role("button", name="Concept opslaan").click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    expect(page.get_by_text("uitgelogd na 30 minuten", exact=False)).to_be_visible()
    phone.check("draft-logged-out")
    page.get_by_label("E-mailadres", exact=True).fill("coach@a.example")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(phone.base_url + report)
    expect(page.locator("textarea[name=learning_process]")).to_have_value(REPORT)
    expect(page.locator(".draft-offer")).to_be_visible()
    phone.check("draft-back-in-the-report")
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.locator(".draft-offer")).to_have_count(0)
    phone.goto(report)
    expect(page.locator("textarea[name=learning_process]")).to_have_value(REPORT)
    expect(page.locator(".draft-offer")).to_have_count(0)  # saved: no draft left


def test_a_weekly_log_autosaved_while_typing_is_offered_after_the_tab_closed(app, world, phone):
    page = phone.page
    phone.log_in("student_a", "student@a.example")
    form = f"/placements/{world.placement_a.id}/log/new/weekly_log"
    phone.goto(form)
    page.locator("textarea[name=did]").press_sequentially(WEEK[:20])
    page.locator("textarea[name=did]").fill(WEEK)
    status = page.locator(".draft-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text(re.compile(r"\d{1,2}:\d{2}"), timeout=8_000)
    phone.check("weekly-log-autosaved")
    # The tab is closed (a dead battery, a swipe); later the form is opened again.
    context = page.context
    page.close()
    phone.page = page = context.new_page()
    phone.goto(form)
    expect(page.locator("textarea[name=did]")).to_have_value(WEEK)
    expect(page.locator(".draft-offer")).to_be_visible()
    phone.check("weekly-log-draft-offered")
