"""Passwords: long, any Unicode, not a common one, no composition rules; hashes kept
current at login.
"""

from __future__ import annotations

import unicodedata

import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth.passwords import common_passwords, is_common
from app.extensions import db
from app.models import User
from app.models.people import current_hash_method
from config import DevelopmentConfig, ProductionConfig
from tests.conftest import PASSWORD, Browser, send_queued_mail


def _reset_link(browser, outbox, email_address: str) -> str:
    browser.post("/password/forgot", {"email": email_address})
    send_queued_mail(browser.client.application)
    link = outbox.link(outbox.last())
    browser.get(link)
    return link


def _choose(browser, link: str, password: str):
    return browser.post(link, {"password": password, "confirm": password})


def test_the_shipped_list_holds_thousands_of_common_passwords():
    listed = common_passwords()
    assert len(listed) > 5000
    for password in ("password123", "wachtwoord", "welkom123", "azertyuiop", "clubbrugge"):
        assert password in listed


@pytest.mark.parametrize(
    "password",
    ["wachtwoord123", "WACHTWOORD123", "Welkom2024!", "ｗａｃｈｔｗｏｏｒｄ１２３", "1234567890"],
    ids=["listed", "capitals", "with a year", "full-width letters", "digits"],
)
def test_a_common_password_is_refused_with_a_reason(app, browser, world, outbox, password):
    link = _reset_link(browser, outbox, world.student_a.email)
    response = _choose(browser, link, password)
    assert response.status_code == 200
    assert "meest gebruikte" in response.get_data(as_text=True)
    assert Browser(app.test_client()).login(world.student_a.email, password).status_code == 200


def test_any_unicode_and_no_composition_rules(app, browser, world, outbox):
    passphrase = "ik fiets élke dag naar de garage 🚲 en drink koffie ☕ met één klontje " * 2
    assert len(passphrase) > 64
    link = _reset_link(browser, outbox, world.student_a.email)
    assert _choose(browser, link, passphrase).status_code == 302
    assert Browser(app.test_client()).login(world.student_a.email, passphrase).status_code == 302


def test_an_accent_typed_as_two_characters_is_the_same_password(app, browser, world, outbox):
    composed = "één café in Brugge"
    link = _reset_link(browser, outbox, world.student_a.email)
    assert _choose(browser, link, composed).status_code == 302
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert Browser(app.test_client()).login(world.student_a.email, decomposed).status_code == 302


def test_a_password_longer_than_the_maximum_is_refused_with_a_reason(browser, world, outbox):
    link = _reset_link(browser, outbox, world.student_a.email)
    response = _choose(browser, link, "x" * 201)
    assert "10 tot 200 tekens" in response.get_data(as_text=True)


def test_an_old_hash_is_upgraded_at_login(app, world):
    with app.app_context():
        user = db.session.get(User, world.mentor_x.id)
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.commit()
    assert Browser(app.test_client()).login(world.mentor_x.email).status_code == 302
    with app.app_context():
        upgraded = db.session.get(User, world.mentor_x.id).password_hash
        assert upgraded.startswith(current_hash_method() + "$")
    assert Browser(app.test_client()).login(world.mentor_x.email).status_code == 302


def test_a_hash_of_a_password_as_typed_is_renewed_in_its_normal_form(app, world):
    typed = unicodedata.normalize("NFD", "één café in Brugge")
    with app.app_context():
        user = db.session.get(User, world.mentor_x.id)
        user.password_hash = generate_password_hash(typed)
        db.session.commit()
    assert Browser(app.test_client()).login(world.mentor_x.email, typed).status_code == 302
    with app.app_context():
        user = db.session.get(User, world.mentor_x.id)
        assert not user.password_hash_outdated(typed)
        assert user.check_password("één café in Brugge")


def test_a_current_hash_is_left_alone_at_login(app, world):
    with app.app_context():
        before = db.session.get(User, world.mentor_x.id).password_hash
    Browser(app.test_client()).login(world.mentor_x.email)
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).password_hash == before


def test_a_common_password_is_refused_on_the_command_line(app, runner, world):
    result = runner.invoke(
        args=[
            "user", "create", "--email", "new@a.example", "--name", "New", "--role", "coach",
            "--organisation", "School A", "--password", "Wachtwoord123",
        ]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "one of the most used ones" in result.output


def test_is_common_compares_without_case():
    assert is_common("PassWord123")
    assert not is_common("a sentence nobody else would write")


def test_outside_the_tests_passwords_are_hashed_with_werkzeugs_strong_default(
    tmp_path, monkeypatch
):
    """The tests hash cheaply (TestingConfig); every other configuration must not."""
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    development = create_app(DevelopmentConfig)
    with development.app_context():
        user = User(email="someone@example.org", name="Someone")
        user.set_password(PASSWORD)
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert user.check_password(PASSWORD)
    assert ProductionConfig.PASSWORD_HASH_METHOD is None
