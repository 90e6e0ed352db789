"""Sessions end after an idle time and an absolute age; the login page says why."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.extensions import db
from app.models import Membership, Role, User
from tests.conftest import Browser


def _logged_out(browser, response) -> str:
    """The login page a response led to, with its message."""
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_are_logged_out_after_30_idle_minutes(world, login_as, clock):
    coach = login_as(world.coach_a)
    clock.move(minutes=29)
    assert coach.get("/").status_code == 200
    clock.move(minutes=31)
    response = coach.get(f"/placements/{world.placement_a.id}")
    assert response.headers["Location"] == f"/login?next=/placements/{world.placement_a.id}"
    page = _logged_out(coach, response)
    assert "Je bent uitgelogd na 30 minuten zonder activiteit" in page
    assert coach.get("/").status_code == 302


def test_the_login_page_says_why_in_english_too(world, login_as, clock, in_english):
    coordinator = login_as(world.coordinator_a)
    with coordinator.client.session_transaction() as session:
        session["locale"] = "en"
    clock.move(minutes=31)
    page = _logged_out(coordinator, coordinator.get("/"))
    assert "You were logged out after 30 minutes without activity. Log in again." in page


def test_students_and_mentors_have_two_idle_hours(world, login_as, clock):
    mentor = login_as(world.mentor_x)
    clock.move(minutes=119)
    assert mentor.get("/").status_code == 200
    clock.move(minutes=121)
    assert "na 120 minuten zonder activiteit" in _logged_out(mentor, mentor.get("/"))


def test_activity_keeps_a_session_until_its_absolute_age(world, login_as, clock):
    coach = login_as(world.coach_a)
    for _quarter in range(47):  # 11 hours 45 minutes, a request every 15 minutes
        clock.move(minutes=15)
        assert coach.get("/").status_code == 200
    clock.move(minutes=16)
    page = _logged_out(coach, coach.get("/"))
    assert "Je bent uitgelogd, 12 uur nadat je inlogde" in page


def test_a_form_sent_after_the_idle_time_leads_to_the_login_page(world, login_as, clock):
    coordinator = login_as(world.coordinator_a)
    coordinator.get("/account")
    clock.move(minutes=45)
    response = coordinator.post("/account", {"name": "Cor A", "locale": "nl"})
    # What was typed is kept (tests/test_drafts.py): the login leads back to the form.
    assert response.headers["Location"] == "/login?next=/account"


def test_a_button_sent_after_the_idle_time_leads_to_the_login_page_alone(world, login_as, clock):
    coordinator = login_as(world.coordinator_a)
    coordinator.get("/account")
    clock.move(minutes=45)
    response = coordinator.post("/notifications/read")
    assert response.headers["Location"] == "/login"


def test_the_limits_are_settings(app, world, login_as, clock):
    app.config["SESSION_IDLE_MINUTES_STAFF"] = 5
    coach = login_as(world.coach_a)
    clock.move(minutes=6)
    assert "na 5 minuten" in _logged_out(coach, coach.get("/"))


def test_keep_me_logged_in_outlasts_the_session_for_a_mentor(app, world, clock):
    browser = Browser(app.test_client())
    browser.login(world.mentor_x.email, remember="y")
    clock.move(hours=13)
    assert browser.get("/").status_code == 200
    clock.move(hours=3)
    assert browser.get("/").status_code == 200


def test_keep_me_logged_in_does_not_outlast_the_absolute_age_for_staff(app, world, clock):
    browser = Browser(app.test_client())
    browser.login(world.mentor_x.email, remember="y")
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.mentor_x.id, organisation_id=world.school_a.id, role=Role.COACH
            )
        )
        db.session.commit()
    response = browser.get("/")
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert browser.client.get_cookie("remember_token") is None
    assert browser.get("/").status_code == 302


def test_a_staff_login_ends_after_12_hours_whatever_was_ticked(app, world, clock):
    browser = Browser(app.test_client())
    browser.login(world.coach_a.email, remember="y")
    for _half_hour in range(24):
        clock.move(minutes=29)
        assert browser.get("/").status_code == 200
    clock.move(minutes=25)
    assert "12 uur" in _logged_out(browser, browser.get("/"))


def test_a_session_from_before_these_limits_ends(app, world):
    browser = Browser(app.test_client())
    with app.app_context():
        session_id = db.session.get(User, world.mentor_x.id).get_id()
    with browser.client.session_transaction() as session:
        session["_user_id"] = session_id
    assert urlsplit(browser.get("/").headers["Location"]).path == "/login"


def test_an_idle_session_that_logged_out_keeps_the_language(world, login_as, clock):
    mentor = login_as(world.mentor_x)
    with mentor.client.session_transaction() as session:
        session["locale"] = "en"
    clock.move(hours=3)
    page = _logged_out(mentor, mentor.get("/"))
    assert 'lang="en"' in page
