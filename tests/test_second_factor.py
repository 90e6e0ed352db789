"""The second factor: staff log in with a password and a code from an app (or a
recovery code); until then every page is closed to them, and a code works once.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from app.auth import second_factor
from app.extensions import db
from app.models import AuditEvent, RecoveryCode, SchoolSettings, User
from tests.conftest import TOTP_SECRET, Browser

CODE_ERROR = 'id="code-error"'
SITE_SCRIPT = '<script src="/static/leerspoor-1.0.js" defer>'


def code(secret: str = TOTP_SECRET, steps: int = 0) -> str:
    """What the authenticator app shows now (or `steps` time steps from now)."""
    return pyotp.TOTP(secret).at(time.time() + steps * 30)


def password_only(app, user, address: str = "10.5.0.1", **extra):
    """A browser that gave the right password; returns it and the login's answer."""
    browser = Browser(app.test_client(), address=address)
    return browser, browser.login(user.email, **extra)


def second_step(browser, response, typed: str):
    """Open the page the login led to and send a code there."""
    path = response.headers["Location"]
    assert path.startswith("/login/code"), path
    browser.get(path)
    return browser.post(path, {"code": typed})


def actions(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_staff_are_asked_for_a_code_after_the_password(app, world):
    browser, response = password_only(app, world.coordinator_a, next="/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code?next=/admin/"
    response = second_step(browser, response, code())
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/admin/", "/admin/people", "/account", "/training/", "/notifications"]
)
def test_half_logged_in_pages_lead_to_the_second_step(app, world, path):
    browser, _response = password_only(app, world.coordinator_a)
    response = browser.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login/code"


def test_half_logged_in_forms_and_fragments_are_refused(app, world):
    browser, response = password_only(app, world.admin)
    browser.get(response.headers["Location"])  # the second step's page, for its token
    posted = browser.post(
        "/admin/organisations/new", {"name": "Sneaky", "kind": "company", "country": "BE"}
    )
    assert posted.status_code == 403
    fragment = browser.get("/notifications", headers={"HX-Request": "true"})
    assert fragment.status_code == 403
    assert browser.post("/account", {"name": "Renamed", "locale": "nl"}).status_code == 403


def test_half_logged_in_person_can_log_out(app, world):
    browser, response = password_only(app, world.coordinator_a)
    browser.get(response.headers["Location"])
    assert browser.post("/logout").status_code == 302
    assert urlsplit(browser.get("/").headers["Location"]).path == "/login"


def test_a_wrong_code_is_refused_and_audited(app, world):
    browser, response = password_only(app, world.coordinator_a)
    wrong = "000000" if code() != "000000" else "111111"
    answer = second_step(browser, response, wrong)
    assert answer.status_code == 200
    assert "Deze code klopt niet" in answer.get_data(as_text=True)
    assert urlsplit(browser.get("/").headers["Location"]).path == "/login/code"
    (failed,) = actions(app, "two_factor_failed")
    assert (failed.actor_id, failed.object_id) == (world.coordinator_a.id, world.coordinator_a.id)
    assert failed.details == {"reused": False}


def test_a_code_works_once(app, world):
    used = code()
    first, response = password_only(app, world.coordinator_a)
    assert second_step(first, response, used).status_code == 302
    thief, response = password_only(app, world.coordinator_a, address="10.5.0.2")
    answer = second_step(thief, response, used)
    assert answer.status_code == 200
    assert "al gebruikt" in answer.get_data(as_text=True)
    assert thief.get("/admin/").status_code == 302
    assert actions(app, "two_factor_failed")[0].details == {"reused": True}


def test_a_code_of_an_earlier_step_than_the_last_one_used_is_refused(app, world):
    first, response = password_only(app, world.coordinator_a)
    assert second_step(first, response, code(steps=1)).status_code == 302
    second, response = password_only(app, world.coordinator_a, address="10.5.0.2")
    assert second_step(second, response, code()).status_code == 200


def test_the_same_code_for_two_people_is_two_codes(app, world):
    """Each person's last step is their own (the world's staff share a secret)."""
    now = code()
    for address, person in (("10.5.0.1", world.coordinator_a), ("10.5.0.2", world.admin)):
        browser, response = password_only(app, person, address=address)
        assert second_step(browser, response, now).status_code == 302


def test_a_code_with_a_space_in_the_middle_is_read(app, world):
    browser, response = password_only(app, world.admin)
    typed = code()
    assert second_step(browser, response, f" {typed[:3]} {typed[3:]} ").status_code == 302


def test_failed_codes_are_limited_like_logins(app, world):
    browser, response = password_only(app, world.coordinator_a)
    path = response.headers["Location"]
    browser.get(path)
    for _attempt in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"]):
        assert browser.post(path, {"code": "not a code"}).status_code == 200
    refused = browser.post(path, {"code": code()})
    assert refused.status_code == 429
    assert "Te veel pogingen" in refused.get_data(as_text=True)


def test_staff_are_never_kept_logged_in(app, world):
    browser, response = password_only(app, world.coordinator_a, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert not [c for c in cookies if c.startswith("remember_token=")]
    second_step(browser, response, code())
    assert browser.client.get_cookie("remember_token") is None


# -- recovery codes ---------------------------------------------------------------------


def _enrolled_codes(app, user) -> list[str]:
    with app.app_context():
        return second_factor.renew_recovery_codes(db.session.get(User, user.id))


def test_a_recovery_code_replaces_the_app_once(app, world):
    codes = _enrolled_codes(app, world.coordinator_a)
    browser, response = password_only(app, world.coordinator_a)
    answer = second_step(browser, response, codes[3].upper())
    assert answer.status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "herstelcode" in page
    assert "nog 9 over" in page
    assert len(actions(app, "recovery_code_used")) == 1
    again, response = password_only(app, world.coordinator_a, address="10.5.0.2")
    assert second_step(again, response, codes[3]).status_code == 200


def test_recovery_codes_are_stored_hashed(app, world):
    codes = _enrolled_codes(app, world.coordinator_a)
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in codes)
    with app.app_context():
        stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert not stored & {c.replace("-", "") for c in codes}


def test_new_recovery_codes_need_the_password_and_void_the_old_ones(app, world, login_as):
    old = _enrolled_codes(app, world.coordinator_a)
    coordinator = login_as(world.coordinator_a)
    coordinator.get("/account")
    refused = coordinator.post(
        "/account/second-factor/recovery-codes", {"codes-current_password": "not it"}
    )
    assert "niet je huidige wachtwoord" in refused.get_data(as_text=True)
    page = coordinator.post(
        "/account/second-factor/recovery-codes",
        {"codes-current_password": "correct horse battery"},
    ).get_data(as_text=True)
    new = re.findall(r"<code>([a-z2-7-]{19})</code>", page)
    assert len(new) == 10
    assert not set(new) & set(old)
    browser, response = password_only(app, world.coordinator_a)
    assert second_step(browser, response, old[0]).status_code == 200
    assert second_step(browser, response, new[0]).status_code == 302


# -- enrolment --------------------------------------------------------------------------


@pytest.fixture
def new_coordinator(app, world):
    """Coordinator A before setting up a second factor."""
    with app.app_context():
        second_factor.reset(None, db.session.get(User, world.coordinator_a.id))
    return world.coordinator_a


def _pending_secret(app, user) -> str:
    with app.app_context():
        return db.session.get(User, user.id).totp_secret


def test_staff_without_a_second_factor_set_one_up_first(app, new_coordinator):
    browser, response = password_only(app, new_coordinator, next="/admin/people")
    assert response.headers["Location"] == "/account/second-factor?next=/admin/people"
    for path in ("/", "/admin/", "/account"):
        assert urlsplit(browser.get(path).headers["Location"]).path == "/account/second-factor"
    page = browser.get("/account/second-factor?next=/admin/people").get_data(as_text=True)
    secret = _pending_secret(app, new_coordinator)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page
    assert f"otpauth://totp/Leerspoor:{new_coordinator.email.replace('@', '%40')}" in page
    assert 'src="data:image/svg+xml' in page
    assert re.findall(r"<script[^>]*>", page) == [SITE_SCRIPT]  # no script of its own
    assert 'style="' not in page
    assert browser.post("/admin/organisations/new", {"name": "x"}).status_code == 403

    answer = browser.post("/account/second-factor?next=/admin/people", {"code": code(secret)})
    assert answer.status_code == 200
    shown = re.findall(r"<code>([a-z2-7-]{19})</code>", answer.get_data(as_text=True))
    assert len(shown) == 10
    assert 'href="/admin/people"' in answer.get_data(as_text=True)
    assert browser.get("/admin/people").status_code == 200
    (enrolled,) = actions(app, "two_factor_enrolled")
    assert enrolled.object_id == new_coordinator.id


def test_reloading_the_set_up_page_keeps_the_key(app, new_coordinator):
    browser, _response = password_only(app, new_coordinator)
    browser.get("/account/second-factor")
    first = _pending_secret(app, new_coordinator)
    browser.get("/account/second-factor")
    assert _pending_secret(app, new_coordinator) == first


def test_a_wrong_first_code_keeps_the_set_up_page(app, new_coordinator):
    browser, _response = password_only(app, new_coordinator)
    browser.get("/account/second-factor")
    answer = browser.post("/account/second-factor", {"code": "12345x"})
    assert answer.status_code == 200
    assert CODE_ERROR in answer.get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_the_set_up_page_does_not_show_a_confirmed_key_before_the_code(app, world):
    browser, _response = password_only(app, world.coordinator_a)
    response = browser.get("/account/second-factor")
    assert urlsplit(response.headers["Location"]).path == "/login/code"
    with app.app_context():
        assert db.session.get(User, world.coordinator_a.id).totp_secret == TOTP_SECRET


def test_a_mentor_may_set_one_up_and_is_asked_for_it_next_time(app, world, login_as):
    mentor = login_as(world.mentor_x)
    mentor.get("/account/second-factor")
    secret = _pending_secret(app, world.mentor_x)
    assert mentor.post("/account/second-factor", {"code": code(secret)}).status_code == 200
    browser, response = password_only(app, world.mentor_x)
    assert response.headers["Location"] == "/login/code"
    assert second_step(browser, response, code(secret, steps=1)).status_code == 302


def test_a_mentor_without_one_logs_in_with_the_password(app, world):
    _browser, response = password_only(app, world.mentor_x)
    assert response.headers["Location"] == "/"


# -- who must use one -------------------------------------------------------------------


def test_coaches_need_one_only_where_their_school_asks(app, world, login_as):
    _browser, response = password_only(app, world.coach_a)
    assert response.headers["Location"] == "/"
    coordinator = login_as(world.coordinator_a)
    form = coordinator.get(f"/admin/organisations/{world.school_a.id}/settings")
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form.get_data(as_text=True)))
    fields = {k: v for k, v in fields.items() if k not in ("reminders_on_weekends", "csrf_token")}
    fields["coaches_second_factor"] = "y"
    fields["log_due_weekday"] = "4"
    answer = coordinator.post(f"/admin/organisations/{world.school_a.id}/settings", fields)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SchoolSettings, world.school_a.id).coaches_second_factor
    _browser, response = password_only(app, world.coach_a, address="10.5.0.3")
    assert urlsplit(response.headers["Location"]).path == "/account/second-factor"
    _browser, response = password_only(app, world.coach_b, address="10.5.0.4")
    assert response.headers["Location"] == "/"


def test_the_school_settings_page_names_the_setting(world, login_as):
    page = login_as(world.coordinator_a).get(f"/admin/organisations/{world.school_a.id}/settings")
    assert "Coaches loggen in met een tweede factor" in page.get_data(as_text=True)


def test_without_the_requirement_staff_log_in_with_a_password(app, new_coordinator):
    app.config["REQUIRE_TWO_FACTOR"] = False
    _browser, response = password_only(app, new_coordinator)
    assert response.headers["Location"] == "/"


def test_without_the_requirement_who_has_one_still_uses_it(app, world):
    app.config["REQUIRE_TWO_FACTOR"] = False
    _browser, response = password_only(app, world.admin)
    assert response.headers["Location"] == "/login/code"


def test_a_new_role_closes_an_open_session_until_the_second_step(app, world, login_as):
    mentor = login_as(world.mentor_x)
    assert mentor.get("/").status_code == 200
    with app.app_context():
        user = db.session.get(User, world.mentor_x.id)
        user.totp_secret = TOTP_SECRET
        user.totp_confirmed_at = user.created_at
        db.session.commit()
    with mentor.client.session_transaction() as session:
        session.pop("second_factor_done")
    assert urlsplit(mentor.get("/").headers["Location"]).path == "/login/code"


# -- resetting a lost second factor -----------------------------------------------------


def test_an_admin_resets_a_lost_second_factor(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    admin = login_as(world.admin)
    page = admin.get(f"/admin/people/{world.coordinator_a.id}").get_data(as_text=True)
    assert "Tweede factor wissen" in page
    response = admin.post(f"/admin/people/{world.coordinator_a.id}/second-factor/reset")
    assert response.status_code == 302
    assert coordinator.get("/").status_code == 302  # logged out
    (reset,) = actions(app, "two_factor_reset")
    assert (reset.actor_id, reset.object_id) == (world.admin.id, world.coordinator_a.id)
    with app.app_context():
        user = db.session.get(User, world.coordinator_a.id)
        assert user.totp_secret is None
        assert not user.has_second_factor
    _browser, response = password_only(app, world.coordinator_a)
    assert urlsplit(response.headers["Location"]).path == "/account/second-factor"


def test_a_coordinator_sees_no_reset_button(world, login_as):
    page = login_as(world.coordinator_a).get(f"/admin/people/{world.coach_a.id}")
    assert "Tweede factor wissen" not in page.get_data(as_text=True)


def test_the_command_line_resets_a_second_factor(app, runner, world):
    result = runner.invoke(args=["user", "reset-second-factor", "--email", world.admin.email])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert not db.session.get(User, world.admin.id).has_second_factor
    unknown = runner.invoke(args=["user", "reset-second-factor", "--email", "x@example.org"])
    assert unknown.exit_code != 0
    assert "No user has the address" in unknown.output


def test_the_second_step_shows_no_menu(app, world):
    browser, response = password_only(app, world.coordinator_a)
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="main-nav"' not in page
    assert 'href="/notifications"' not in page
    assert "Tweede stap" in page
