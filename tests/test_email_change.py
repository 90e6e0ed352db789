"""Changing one's own e-mail address: with the current password, confirmed from the new
mailbox; other sessions end and links sent before stop working.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from tests.conftest import PASSWORD, Browser, send_queued_mail
from tests.mail_server import closed_port

NEW = "mentor.new@x.example"
FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>([^<]*)</p>')


def _ask(browser, address: str = NEW, password: str = PASSWORD):
    browser.get("/account")
    return browser.post(
        "/account/email", {"email-email": address, "email-current_password": password}
    )


def _confirm(browser, link: str):
    browser.get(link)
    return browser.post(link)


def test_a_new_address_is_confirmed_from_its_mailbox(app, world, login_as, outbox):
    phone = login_as(world.mentor_x)
    laptop = login_as(world.mentor_x)
    assert _ask(laptop).status_code == 302
    to_new, to_old = outbox.messages
    assert to_new["To"] == NEW
    assert to_old["To"] == world.mentor_x.email
    assert NEW in outbox.body(to_old)
    with app.app_context():  # nothing changed yet
        assert db.session.get(User, world.mentor_x.id).email == world.mentor_x.email
    link = outbox.link(to_new)
    page = laptop.get(link).get_data(as_text=True)
    assert NEW in page
    assert laptop.post(link).status_code == 302
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).email == NEW
    assert laptop.get("/account").status_code == 200
    assert phone.get("/").status_code == 302
    assert Browser(app.test_client()).login(NEW).status_code == 302
    assert Browser(app.test_client()).login(world.mentor_x.email).status_code == 200
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"email_change_requested", "email_changed"} <= actions


def test_the_link_works_from_another_browser_and_once(app, world, login_as, outbox):
    _ask(login_as(world.mentor_x))
    link = outbox.link(outbox.messages[0])
    elsewhere = Browser(app.test_client())
    assert _confirm(elsewhere, link).status_code == 302
    again = Browser(app.test_client())
    page = again.get(link, follow_redirects=True).get_data(as_text=True)
    assert "werkt niet meer" in page


def test_the_current_password_is_needed(app, world, login_as, outbox):
    response = _ask(login_as(world.mentor_x), password="not it")
    assert response.status_code == 200
    assert "niet je huidige wachtwoord" in response.get_data(as_text=True)
    assert len(outbox) == 0


def test_an_address_that_starts_like_a_spreadsheet_formula_is_refused(world, login_as, outbox):
    response = _ask(login_as(world.mentor_x), address="=1+1@x.example")
    assert 'id="email-email-error"' in response.get_data(as_text=True)
    assert len(outbox) == 0


def _answer(browser, response) -> str:
    """The page the answer leads to, as the person asking reads it."""
    assert response.status_code == 302
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    return re.sub(r'value="[^"]*"', 'value=""', page)


def test_an_address_in_use_is_answered_like_a_free_one(app, world, login_as, outbox, in_english):
    mentor = login_as(world.mentor_x)
    free = _ask(mentor, NEW)
    free_page = _answer(mentor, free).replace(NEW, "ADDRESS")
    to_free, free_notice = outbox.messages
    taken = _ask(mentor, world.student_a.email)
    taken_page = _answer(mentor, taken).replace(world.student_a.email, "ADDRESS")
    to_taken, taken_notice = outbox.messages[2:]

    assert free.headers["Location"] == taken.headers["Location"]
    assert free_page == taken_page
    assert "We sent an e-mail to ADDRESS" in free_page
    # the old address is told the same either way: it is the asker's own mailbox
    assert free_notice["Subject"] == taken_notice["Subject"]
    assert outbox.body(free_notice).replace(NEW, "ADDRESS") == outbox.body(taken_notice).replace(
        world.student_a.email, "ADDRESS"
    )
    assert to_free["To"] == NEW
    assert outbox.link(to_free).startswith("/account/email/")
    # the address in use is told it already has an account, and nothing changes
    assert to_taken["To"] == world.student_a.email
    assert "already belongs to a Leerspoor account" in outbox.body(to_taken)
    assert not [link for link in outbox.links(to_taken) if link.startswith("/account/email/")]
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).email == world.mentor_x.email
        assert db.session.get(User, world.student_a.id).email == world.student_a.email


def test_asking_for_a_new_address_is_limited_per_person(world, login_as, outbox):
    mentor = login_as(world.mentor_x)
    for attempt in range(5):
        response = _ask(mentor, f"new{attempt}@x.example", password="not it")
        assert response.status_code == 200
    assert _ask(mentor, NEW).status_code == 429
    assert len(outbox) == 0
    other = login_as(world.mentor_y)
    other.address = mentor.address  # the same office: only the person's limit was reached
    assert _ask(other, "mentor.y.new@y.example").status_code == 302


def test_asking_for_a_new_address_is_limited_per_client_address(app, world, login_as):
    people = [world.mentor_x, world.mentor_y, world.student_a, world.student_b, world.coach_a]
    for attempt in range(10):
        browser = login_as(people[attempt % len(people)])
        browser.address = "10.4.0.1"
        assert _ask(browser, f"new{attempt}@x.example", password="not it").status_code == 200
    browser = login_as(world.outsider)
    browser.address = "10.4.0.1"
    assert _ask(browser, "outsider.new@example.org").status_code == 429


def test_a_reset_link_sent_before_the_change_stops_working(app, world, login_as, outbox):
    Browser(app.test_client()).post("/password/forgot", {"email": world.mentor_x.email})
    send_queued_mail(app)
    reset_link = outbox.link(outbox.last())
    _ask(login_as(world.mentor_x))
    _confirm(Browser(app.test_client()), outbox.link(outbox.messages[1]))
    page = Browser(app.test_client()).get(reset_link, follow_redirects=True)
    assert "al gebruikt" in page.get_data(as_text=True)


def test_a_new_password_voids_the_link(app, world, login_as, outbox):
    mentor = login_as(world.mentor_x)
    _ask(mentor)
    link = outbox.link(outbox.messages[0])
    mentor.post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    assert _confirm(Browser(app.test_client()), link).status_code == 302
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).email == world.mentor_x.email


def test_with_the_mail_server_down_both_kinds_of_address_get_the_same_clear_answer(
    app, world, login_as, mail_server, in_english
):
    app.config["MAIL_PORT"] = closed_port()
    mentor = login_as(world.mentor_x)
    answers = []
    for address in (NEW, world.student_a.email):
        response = _ask(mentor, address)
        assert response.status_code == 302
        page = mentor.get(response.headers["Location"]).get_data(as_text=True)
        answers.append(FLASH.findall(page))
    assert answers[0] == answers[1] == [("error", "The e-mail could not be sent. Try again later.")]
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).email == world.mentor_x.email
