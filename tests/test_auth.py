"""Logging in and out, sessions, invitations, password resets and login limits."""

from __future__ import annotations

import re
import statistics
import time
import unicodedata

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.auth.tokens import Purpose, make_token
from app.extensions import db
from app.models import AuditEvent, User
from app.models import people as people_model
from tests.conftest import PASSWORD, Browser, make_user, send_queued_mail


def test_login_page_is_dutch_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Inloggen" in page
    assert 'lang="nl"' in page


def test_login_with_right_password_leads_to_placements(browser, world):
    response = browser.login(world.mentor_x.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = browser.get("/").get_data(as_text=True)
    assert "Student A" in page


def test_login_is_case_insensitive_for_email(browser, world):
    response = browser.login("  MENTOR@X.example ")
    assert response.status_code == 302


def test_wrong_password_says_so_next_to_the_field(browser, world):
    response = browser.login(world.mentor_x.email, "wrong password")
    assert response.status_code == 200
    assert "komen niet overeen" in response.get_data(as_text=True)


def test_unknown_and_known_email_get_the_same_answer(browser, world):
    known = browser.login(world.mentor_x.email, "wrong password")
    unknown = browser.login("nobody@example.org", "wrong password")

    def strip(page):
        text = page.get_data(as_text=True)
        return text.replace(world.mentor_x.email, "X").replace("nobody@example.org", "X")

    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(strip(known)) == _without_tokens(strip(unknown))


def _without_tokens(page: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', page)


def test_login_never_follows_next_to_another_site(browser, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = browser.login(world.mentor_x.email, next=target)
        assert response.headers["Location"] == "/"
        browser.post("/logout")


def test_login_follows_next_to_a_path_on_this_site(browser, world):
    response = browser.login(world.mentor_x.email, next=f"/placements/{world.placement_a.id}")
    assert response.headers["Location"] == f"/placements/{world.placement_a.id}"


def test_anonymous_visitor_is_sent_to_login_and_back(client, world):
    response = client.get(f"/placements/{world.placement_a.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_starts_a_fresh_session(app, browser, world):
    browser.get("/login")
    with browser.client.session_transaction() as session:
        session["planted"] = "by an attacker"
    browser.login(world.mentor_x.email)
    with browser.client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session_server_side(app, world, login_as):
    mentor = login_as(world.mentor_x)
    with mentor.client.session_transaction() as session:
        stolen = dict(session)
    mentor.post("/logout")
    thief = Browser(app.test_client())
    with thief.client.session_transaction() as session:
        session.update(stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_needs_a_post_with_csrf(world, login_as):
    mentor = login_as(world.mentor_x)
    assert mentor.client.get("/logout").status_code == 405
    assert mentor.post("/logout", csrf=False).status_code == 400
    assert mentor.get("/").status_code == 200


def test_remember_me_sets_a_lasting_cookie(browser, world):
    response = browser.login(world.mentor_x.email, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember
    assert "HttpOnly" in remember[0]
    assert "Expires=" in remember[0]


def test_session_cookie_is_httponly_and_samesite_lax(browser, world):
    response = browser.login(world.mentor_x.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_changing_the_password_logs_out_other_devices(app, world, login_as):
    phone = login_as(world.mentor_x)
    laptop = login_as(world.mentor_x)
    response = laptop.post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert (
        Browser(app.test_client()).login(world.mentor_x.email, "a brand new passphrase").status_code
        == 302
    )


def test_changing_the_password_needs_the_current_one(world, login_as):
    mentor = login_as(world.mentor_x)
    response = mentor.post(
        "/account/password",
        {
            "password-current_password": "not it",
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    assert "niet je huidige wachtwoord" in response.get_data(as_text=True)


def test_failed_logins_per_account_are_limited(app, world):
    for attempt in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"]):
        # each attempt from another address, so only the per-account limit applies
        client = app.test_client()
        browser = Browser(client)
        response = browser.post(
            "/login",
            {"email": world.mentor_x.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
        assert response.status_code == 200
    browser = Browser(app.test_client())
    response = browser.post(
        "/login",
        {"email": world.mentor_x.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)


def test_failed_logins_per_address_are_limited(app, browser, world):
    limit = app.config["LOGIN_ATTEMPTS_PER_MINUTE"] * 2
    for attempt in range(limit):
        response = browser.post("/login", {"email": f"guess{attempt}@example.org", "password": "x"})
        assert response.status_code == 200
    response = browser.post("/login", {"email": world.mentor_x.email, "password": PASSWORD})
    assert response.status_code == 429


def test_attempts_refused_by_the_limit_leave_no_audit_event(app, browser, world):
    limit = app.config["LOGIN_ATTEMPTS_PER_MINUTE"] * 2
    for attempt in range(limit + 5):
        response = browser.post("/login", {"email": f"guess{attempt}@example.org", "password": "x"})
    assert response.status_code == 429
    with app.app_context():
        failed = db.session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "login_failed")
        )
    assert failed == limit  # one per attempt the app answered, none for the refused five


def test_successful_logins_do_not_count_towards_the_limit(app, world):
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"] + 2):
        browser = Browser(app.test_client())
        assert browser.login(world.mentor_x.email).status_code == 302


# -- invitations ------------------------------------------------------------------------


def _invite_student(coordinator: Browser, world, email_address="new.student@a.example"):
    return coordinator.post(
        "/admin/people/invite",
        {
            "name": "Nieuwe Student",
            "email": email_address,
            "organisation": world.school_a.id,
            "role": "student",
        },
    )


def test_invited_person_sets_a_password_and_is_in(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    assert _invite_student(coordinator, world).status_code == 302
    message = outbox.last()
    assert message["To"] == "new.student@a.example"
    link = outbox.link(message)
    assert link.startswith("/invitation/")

    invitee = Browser(app.test_client())
    page = invitee.get(link)
    assert "Nieuwe Student" in page.get_data(as_text=True)
    response = invitee.post(link, {"password": "my own passphrase", "confirm": "my own passphrase"})
    assert response.status_code == 302
    assert invitee.get("/").status_code == 200


def test_an_invitation_link_works_once(app, world, login_as, outbox):
    _invite_student(login_as(world.coordinator_a), world)
    link = outbox.link(outbox.last())
    first = Browser(app.test_client())
    first.get(link)
    first.post(link, {"password": "my own passphrase", "confirm": "my own passphrase"})
    second = Browser(app.test_client())
    response = second.get(link, follow_redirects=True)
    assert "al gebruikt" in response.get_data(as_text=True)


def test_an_expired_invitation_link_says_so(app, world, monkeypatch):
    with app.app_context():
        user = User(email="late@a.example", name="Late")
        db.session.add(user)
        db.session.commit()
        token = make_token(user, Purpose.INVITATION)
    app.config["INVITATION_MAX_AGE_DAYS"] = 0
    time.sleep(1.1)
    response = Browser(app.test_client()).get(f"/invitation/{token}", follow_redirects=True)
    assert "verlopen" in response.get_data(as_text=True)


def test_a_forged_link_is_refused(app, world):
    forged = URLSafeTimedSerializer("not the key", salt="leerspoor-invitation").dumps(
        {"u": world.student_a.id, "f": "x"}
    )
    response = Browser(app.test_client()).get(f"/invitation/{forged}", follow_redirects=True)
    assert "niet geldig" in response.get_data(as_text=True)


def test_a_short_password_is_refused_with_a_reason(app, world, login_as, outbox):
    _invite_student(login_as(world.coordinator_a), world)
    link = outbox.link(outbox.last())
    invitee = Browser(app.test_client())
    invitee.get(link)
    response = invitee.post(link, {"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "10 tot 200 tekens" in response.get_data(as_text=True)


# -- password reset ---------------------------------------------------------------------


def test_password_reset_by_email_link(app, browser, world, outbox):
    response = browser.post("/password/forgot", {"email": world.student_a.email})
    assert response.status_code == 302
    assert len(outbox) == 0  # the scheduler sends it, not the request
    assert send_queued_mail(app).sent == 1
    link = outbox.link(outbox.last())
    assert link.startswith("/password/reset/")
    resetter = Browser(app.test_client())
    resetter.get(link)
    response = resetter.post(link, {"password": "new passphrase 1", "confirm": "new passphrase 1"})
    assert response.status_code == 302
    assert (
        Browser(app.test_client()).login(world.student_a.email, "new passphrase 1").status_code
        == 302
    )
    again = Browser(app.test_client()).get(link, follow_redirects=True)
    assert "al gebruikt" in again.get_data(as_text=True)


def test_password_reset_does_not_reveal_whether_an_account_exists(app, browser, world, outbox):
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
    send_queued_mail(app)
    assert len(outbox) == 1


def _ask_reset(browser, address: str, client_address: str):
    """Ask for a reset link as a browser does; returns the answer and how long it took."""
    started = time.perf_counter()
    response = browser.post(
        "/password/forgot", {"email": address}, environ_base={"REMOTE_ADDR": client_address}
    )
    return response, time.perf_counter() - started


def test_a_reset_takes_as_long_for_a_known_address_as_for_an_unknown_one(app, world, mail_server):
    mail_server.delay = 0.3  # a mail server at the other end of the internet
    rounds, warm_up = 22, 2
    with app.app_context():
        known = [make_user(f"person{n}@a.example", f"Person {n}").email for n in range(rounds)]
        db.session.commit()
    unknown = [f"nobody{n}@a.example" for n in range(rounds)]
    browser = Browser(app.test_client())
    browser.token()
    took: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(rounds):
        pair = [("known", known[n]), ("unknown", unknown[n])]
        for kind, address in pair if n % 2 else reversed(pair):
            # each from its own address, so that only the time tells them apart
            response, seconds = _ask_reset(browser, address, f"10.6.{n}.{len(kind)}")
            assert response.status_code == 302
            if n >= warm_up:
                took[kind].append(seconds)
    # What makes the answers alike: no e-mail goes out during a request (it waits in the
    # queue), which the mail server itself tells.
    assert mail_server.connections == 0
    # The clock confirms it with a margin a busy machine keeps: an e-mail sent during the
    # request would cost the server's whole 300 ms; the rest of the work is the same.
    gap = statistics.median(took["known"]) - statistics.median(took["unknown"])
    assert abs(gap) < 0.125, f"known addresses answer {gap * 1000:.0f} ms later"
    mail_server.delay = 0  # the queue's sending is not what is timed
    assert send_queued_mail(app).sent == rounds
    assert sorted(message["To"] for message in mail_server.received) == sorted(known)


def test_a_reset_runs_the_same_statements_for_a_known_and_an_unknown_address(
    app, browser, world, count_queries
):
    browser.token()
    with count_queries() as known:
        browser.post("/password/forgot", {"email": world.student_a.email})
    with count_queries() as unknown:
        browser.post("/password/forgot", {"email": "nobody@example.org"})
    assert known.statements == unknown.statements


def test_a_wrong_password_costs_what_an_unknown_address_costs(
    app, browser, world, count_queries, monkeypatch
):
    hashed = []
    check = people_model.check_password_hash
    monkeypatch.setattr(
        people_model,
        "check_password_hash",
        lambda *args: hashed.append(1) or check(*args),
    )
    # "é" as "e" and an accent: NFKC changes it, so the password is checked twice
    typed = unicodedata.normalize("NFD", "wrong café password")
    browser.token()
    with count_queries() as known:
        browser.login(world.mentor_x.email, typed)
    hashed_for_known, hashed[:] = len(hashed), []
    with count_queries() as unknown:
        browser.login("nobody@example.org", typed)
    assert known.statements == unknown.statements
    assert hashed_for_known == len(hashed) == 2


def test_a_password_reset_is_in_the_audit_log(app, browser, world, outbox):
    browser.post("/password/forgot", {"email": world.student_a.email})
    send_queued_mail(app)
    link = outbox.link(outbox.last())
    browser.get(link)
    browser.post(link, {"password": "new passphrase 1", "confirm": "new passphrase 1"})
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "password_reset" in actions


def test_failed_logins_are_audit_events_without_what_was_typed(app, browser, world):
    with app.app_context():
        mentor = db.session.get(User, world.mentor_x.id)
        mentor.active = False
        db.session.commit()
    browser.login(world.student_a.email, "Wrong Password 1")
    browser.login("nobody@example.org", "Secret Guess 2")
    browser.login(world.mentor_x.email)  # the right password of a deactivated account
    with app.app_context():
        failed = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id)
        ).all()
        stored = repr([(e.object_type, e.object_id, e.details, e.actor_id) for e in failed])
    assert [(e.object_type, e.object_id, e.details) for e in failed] == [
        ("user", world.student_a.id, {"reason": "wrong_password"}),
        ("", None, {"reason": "unknown_address"}),
        ("user", world.mentor_x.id, {"reason": "inactive"}),
    ]
    assert all(event.actor_id is None and event.request_id for event in failed)
    for typed in ("nobody@example.org", "Wrong Password 1", "Secret Guess 2", PASSWORD):
        assert typed not in stored


def test_a_successful_login_is_not_a_failed_one(app, browser, world):
    browser.login(world.student_a.email)
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "login" in actions
    assert "login_failed" not in actions


@pytest.mark.parametrize("path", ["/account", "/account/password"])
def test_account_pages_need_login(client, path):
    assert client.get(path).status_code == 302
