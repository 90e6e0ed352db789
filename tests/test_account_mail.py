"""E-mail about an account (a password reset) is queued by the request and sent by the
scheduler's `account_mail` job: retried while the mail server is down, never sent once
its link would no longer work, and sent once however many schedulers run.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth import mail_queue, services
from app.auth.tokens import Purpose, TokenError, TokenProblem, make_token, user_for_token
from app.extensions import db
from app.models import QueuedMail, User
from app.models.columns import utcnow
from tests.conftest import PASSWORD, Browser, make_user, postgres_url, send_queued_mail
from tests.mail_server import closed_port


def _without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', page)


def _waiting(app) -> list[QueuedMail]:
    with app.app_context():
        return list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))


def test_with_the_mail_server_down_a_reset_answers_alike_and_the_mail_follows(
    app, world, mail_server
):
    app.config["MAIL_PORT"] = closed_port()
    browser = Browser(app.test_client())
    browser.post("/language", {"locale": "en", "next": "/login"})
    known = browser.post(
        "/password/forgot", {"email": world.student_a.email}, follow_redirects=True
    )
    unknown = browser.post(
        "/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(
        unknown.get_data(as_text=True)
    )
    assert "If this address belongs to an account" in known.get_data(as_text=True)

    asked = utcnow()
    report = send_queued_mail(app, asked)
    assert (report.sent, report.retrying) == (0, 1)
    app.config["MAIL_PORT"] = mail_server.port  # the mail server is back
    assert send_queued_mail(app, asked + timedelta(seconds=30)).sent == 0  # not due yet
    assert send_queued_mail(app, asked + timedelta(minutes=1)).sent == 1
    [message] = mail_server.received
    assert message["To"] == world.student_a.email
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+)", message.get_payload())[1]
    resetter = Browser(app.test_client())
    resetter.get(link)
    response = resetter.post(link, {"password": "new passphrase 1", "confirm": "new passphrase 1"})
    assert response.status_code == 302


def test_a_reset_link_expires_counted_from_when_it_was_asked_for(app, world, outbox):
    now = utcnow()
    with app.app_context():
        services.request_password_reset(world.student_a.email, now - timedelta(minutes=61))
        services.request_password_reset(world.mentor_x.email, now - timedelta(minutes=50))
        student = db.session.get(User, world.student_a.id)
        late = make_token(student, Purpose.PASSWORD_RESET, issued_at=now - timedelta(minutes=61))
        with pytest.raises(TokenError) as error:
            user_for_token(late, Purpose.PASSWORD_RESET)
        assert error.value.problem is TokenProblem.EXPIRED
    report = send_queued_mail(app, now)
    assert (report.sent, report.expired) == (1, 1)
    [message] = outbox.messages
    assert message["To"] == world.mentor_x.email
    assert "10 minuten" in outbox.body(message)  # what is left of the hour, not a new hour
    page = Browser(app.test_client()).get(outbox.link(message))
    assert page.status_code == 200


def test_a_new_password_drops_a_reset_mail_still_waiting(app, world, login_as, outbox):
    Browser(app.test_client()).post("/password/forgot", {"email": world.mentor_x.email})
    login_as(world.mentor_x).post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    assert send_queued_mail(app).sent == 0
    assert len(outbox) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(QueuedMail.id))) == 0


def test_a_mail_server_that_stays_down_is_tried_while_the_link_would_work(app, world, mail_server):
    app.config["MAIL_PORT"] = closed_port()
    asked = utcnow()
    with app.app_context():
        services.request_password_reset(world.student_a.email, asked)
    tries = []
    while waiting := _waiting(app):
        assert waiting[0].attempts == len(tries)
        tries.append(waiting[0].next_attempt_at)
        report = send_queued_mail(app, tries[-1])
    assert [moment - asked for moment in tries] == [
        timedelta(minutes=minutes) for minutes in (0, 1, 3, 8, 18, 38)
    ]
    assert report.failed == 1
    assert mail_server.connections == 0


def test_an_account_switched_off_meanwhile_gets_no_mail(app, world, outbox):
    with app.app_context():
        services.request_password_reset(world.student_a.email)
        db.session.get(User, world.student_a.id).active = False
        db.session.commit()
    report = send_queued_mail(app)
    assert (report.sent, report.expired) == (0, 1)
    assert len(outbox) == 0
    assert _waiting(app) == []


def test_nothing_is_queued_for_an_account_that_is_off(app, world):
    with app.app_context():
        db.session.get(User, world.student_a.id).active = False
        db.session.commit()
    Browser(app.test_client()).post("/password/forgot", {"email": world.student_a.email})
    assert _waiting(app) == []


def test_the_reset_mail_is_in_the_readers_language(app, world, outbox):
    with app.app_context():
        db.session.get(User, world.mentor_x.id).locale = "en"
        db.session.commit()
    Browser(app.test_client()).post("/password/forgot", {"email": world.mentor_x.email})
    send_queued_mail(app)
    assert outbox.last()["Subject"] == "Reset your Leerspoor password"
    assert "valid for 59 minutes, once" in outbox.body(outbox.last())


def test_reminders_run_sends_the_account_mail_too(app, world, runner, outbox):
    Browser(app.test_client()).post("/password/forgot", {"email": world.student_a.email})
    result = runner.invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert "Account e-mails: 1 sent" in result.output
    [reset] = [m for m in outbox.messages if "/password/reset/" in outbox.body(m)]
    assert reset["To"] == world.student_a.email


@pytest.mark.skipif(not postgres_url(), reason="row locks need PostgreSQL")
def test_two_schedulers_at_once_send_each_mail_once(app, world, mail_server):
    mail_server.delay = 0.05  # a mail server takes its time: the runs overlap
    with app.app_context():
        addresses = [make_user(f"person{n}@a.example", f"Person {n}").email for n in range(12)]
        db.session.commit()
        for address in addresses:
            services.request_password_reset(address)
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            reports.append(mail_queue.deliver(utcnow()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 12
    assert sorted(message["To"] for message in mail_server.received) == sorted(addresses)
    assert all(report.sent for report in reports), "both schedulers took part"
    with app.app_context():
        assert db.session.scalar(select(func.count(QueuedMail.id))) == 0


def test_an_email_that_cannot_be_written_waits_its_turn_and_the_next_ones_go(
    app, world, outbox, monkeypatch
):
    with app.app_context():
        services.request_password_reset(world.student_a.email)
        services.request_password_reset(world.mentor_x.email)
    written = mail_queue.send_mail

    def refuse_the_student(to, subject, body):
        if to == world.student_a.email:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "a mail server that reads ASCII only")
        return written(to, subject, body)

    monkeypatch.setattr(mail_queue, "send_mail", refuse_the_student)
    report = send_queued_mail(app)
    assert (report.sent, report.retrying) == (1, 1)
    assert [message["To"] for message in outbox.messages] == [world.mentor_x.email]
    [waiting] = _waiting(app)
    assert waiting.user_id == world.student_a.id
    assert waiting.last_error.startswith("UnicodeEncodeError")
