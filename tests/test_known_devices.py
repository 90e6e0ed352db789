"""Known devices: a browser where someone logged in before gets through the login limits
with the right password, so an attacker who triggers the limits locks out nobody who
logged in there before; every other browser stays limited as before.
"""

from __future__ import annotations

import time

from itsdangerous import URLSafeSerializer

from app.auth.tokens import fingerprint
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, Browser
from tests.test_second_factor import code

COOKIE = "known_device"


def _device(app, user, address: str = "10.2.0.1") -> Browser:
    """The person's own phone: they logged in there once, then logged out."""
    phone = Browser(app.test_client(), address=address)
    assert phone.login(user.email).status_code == 302
    phone.post("/logout")
    return phone


def _lock_account(app, user) -> None:
    """An attacker guesses the password from addresses all over the world until the
    account is locked.
    """
    for attempt in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"]):
        attacker = Browser(app.test_client(), address=f"10.66.0.{attempt + 1}")
        assert attacker.login(user.email, "guess").status_code == 200
    elsewhere = Browser(app.test_client(), address="10.66.1.1")
    assert elsewhere.login(user.email).status_code == 429


def test_the_owner_logs_in_on_a_known_device_while_an_attacker_locked_the_account(app, world):
    phone = _device(app, world.mentor_x)
    _lock_account(app, world.mentor_x)
    assert phone.login(world.mentor_x.email).status_code == 302
    assert phone.get("/").status_code == 200
    # a browser that never logged in stays locked out, whatever its address
    laptop = Browser(app.test_client(), address="10.2.0.2")
    assert laptop.login(world.mentor_x.email).status_code == 429


def test_a_known_device_gets_through_when_its_school_address_is_locked(app, world):
    phone = _device(app, world.student_a, address="10.3.0.1")
    prankster = Browser(app.test_client(), address="10.3.0.1")
    for attempt in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"] * 2):
        assert prankster.login(f"guess{attempt}@a.example", "x").status_code == 200
    classmate = Browser(app.test_client(), address="10.3.0.1")
    assert classmate.login(world.student_b.email).status_code == 429
    assert phone.login(world.student_a.email).status_code == 302


def test_a_device_known_for_another_account_does_not_help(app, world):
    phone = _device(app, world.mentor_y)
    _lock_account(app, world.mentor_x)
    assert phone.login(world.mentor_x.email).status_code == 429
    assert phone.login(world.mentor_y.email).status_code == 302


def test_a_forged_device_cookie_does_not_help(app, world):
    with app.app_context():
        mentor = db.session.get(User, world.mentor_x.id)
        entry = [mentor.id, fingerprint(mentor), int(time.time())]
    forged = URLSafeSerializer("not the key", salt="leerspoor-known-device").dumps(
        {"d": "forged", "a": [entry]}
    )
    _lock_account(app, world.mentor_x)
    for value in (forged, "garbage", forged.replace(".", "x.")):
        browser = Browser(app.test_client(), address="10.2.0.9")
        browser.client.set_cookie(COOKIE, value, path="/login")
        assert browser.login(world.mentor_x.email).status_code == 429


def test_wrong_passwords_from_a_known_device_are_limited_too(app, world):
    phone = _device(app, world.mentor_x)
    for _attempt in range(app.config["LOGIN_ATTEMPTS_PER_MINUTE"]):
        assert phone.login(world.mentor_x.email, "guess").status_code == 200
    # a stolen device cookie gives no unlimited guesses
    assert phone.login(world.mentor_x.email).status_code == 429


def test_a_new_password_ends_the_known_devices(app, world, login_as):
    phone = _device(app, world.mentor_x)
    login_as(world.mentor_x).post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    _lock_account(app, world.mentor_x)
    assert phone.login(world.mentor_x.email, "a brand new passphrase").status_code == 429


def test_changing_the_password_keeps_this_device_known(app, world):
    laptop = Browser(app.test_client(), address="10.2.0.3")
    laptop.login(world.mentor_x.email)
    laptop.get("/account")
    laptop.post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    laptop.post("/logout")
    _lock_account(app, world.mentor_x)
    assert laptop.login(world.mentor_x.email, "a brand new passphrase").status_code == 302


def test_changing_one_password_keeps_the_other_accounts_of_a_shared_browser_known(app, world):
    shared = Browser(app.test_client(), address="10.2.0.4")
    shared.login(world.mentor_x.email)
    shared.post("/logout")
    shared.login(world.student_a.email)
    shared.get("/account")
    shared.post(
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
        },
    )
    shared.post("/logout")
    _lock_account(app, world.mentor_x)
    assert shared.login(world.mentor_x.email).status_code == 302


def _device_cookie(response) -> str | None:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    return cookies[0] if cookies else None


def test_the_device_cookie_is_httponly_strict_and_lasting(browser, world):
    cookie = _device_cookie(browser.login(world.mentor_x.email))
    assert cookie is not None
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/;" in cookie or cookie.endswith("Path=/")
    assert "Max-Age=31536000" in cookie  # a year after the last login
    assert "Secure" not in cookie  # tests run over plain HTTP


def test_the_device_cookie_is_secure_in_production(app, browser, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = _device_cookie(browser.login(world.mentor_x.email))
    assert "Secure" in cookie


def test_a_failed_login_makes_no_device_known(browser, world):
    assert _device_cookie(browser.login(world.mentor_x.email, "guess")) is None


def test_staff_get_the_device_cookie_only_after_the_second_factor(app, world):
    browser = Browser(app.test_client(), address="10.2.0.4")
    response = browser.login(world.coordinator_a.email)
    assert _device_cookie(response) is None
    path = response.headers["Location"]
    browser.get(path)
    response = browser.post(path, {"code": code()})
    assert response.status_code == 302
    assert _device_cookie(response) is not None
    browser.post("/logout")
    _lock_account(app, world.coordinator_a)
    assert browser.login(world.coordinator_a.email).status_code == 302


def test_one_browser_is_known_for_each_account_that_logged_in_there(app, world):
    shared = _device(app, world.student_a, address="10.3.0.7")
    assert shared.login(world.student_b.email).status_code == 302
    shared.post("/logout")
    _lock_account(app, world.student_a)
    _lock_account(app, world.student_b)
    assert shared.login(world.student_a.email).status_code == 302
    shared.post("/logout")
    assert shared.login(world.student_b.email).status_code == 302
