"""What every page shares: language, error pages, security headers, request limits."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.models import User
from tests.conftest import Browser


def test_browser_language_english_is_honoured(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    text = page.get_data(as_text=True)
    assert "Log in" in text
    assert 'lang="en"' in text


def test_unsupported_browser_language_falls_back_to_dutch(client):
    text = client.get("/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "Inloggen" in text


def test_the_switcher_changes_the_language_for_a_visitor(browser):
    browser.get("/login")
    response = browser.post("/language", {"locale": "en", "next": "/password/forgot"})
    assert response.headers["Location"] == "/password/forgot"
    assert "Forgot your password?" in browser.get("/password/forgot").get_data(as_text=True)


def test_the_switcher_never_redirects_off_site(browser):
    response = browser.post("/language", {"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_switcher_saves_the_choice_of_a_logged_in_user(app, world, login_as):
    mentor = login_as(world.mentor_x)
    mentor.post("/language", {"locale": "en", "next": "/"})
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).locale == "en"
    fresh = login_as(world.mentor_x)
    assert "Placements" in fresh.get("/").get_data(as_text=True)


def test_the_user_setting_beats_the_browser(app, world, login_as):
    with app.app_context():
        db.session.get(User, world.mentor_x.id).locale = "nl"
        db.session.commit()
    page = login_as(world.mentor_x).get("/", headers={"Accept-Language": "en"})
    assert "Trajecten" in page.get_data(as_text=True)


def test_account_settings_change_name_and_language(app, world, login_as):
    mentor = login_as(world.mentor_x)
    response = mentor.post("/account", {"name": "Mentor Xavier", "locale": "en"})
    assert response.status_code == 302
    page = mentor.get("/account").get_data(as_text=True)
    assert "My account" in page
    assert "Mentor Xavier" in page


@pytest.mark.parametrize(
    ("language", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, language, text):
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_friendly_page_without_a_trace(app, world, login_as):
    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken", "broken", broken)
    response = login_as(world.mentor_x).get("/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in page
    assert "secret internals" not in page
    assert "Traceback" not in page


def test_a_form_without_csrf_token_is_refused_kindly(browser, world):
    response = browser.post("/login", {"email": world.mentor_x.email, "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert "formulier" in response.get_data(as_text=True)


def test_a_too_large_request_gets_a_clear_413(app, world, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(
        "/admin/import",
        {"school": world.school_a.id, "file": (io.BytesIO(b"x" * 4096), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Bestand te groot" in response.get_data(as_text=True)


def test_security_headers_are_set(client):
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_stylesheet_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/leerspoor-1.0.css" in page
    assert "http" not in page.split("<body>")[0].replace("http-equiv", "")
    with client.get("/static/leerspoor-1.0.css") as stylesheet:
        assert stylesheet.status_code == 200


def test_every_page_has_the_language_switcher(world, login_as):
    for path in ("/", "/account", "/admin/"):
        page = login_as(world.coordinator_a).get(path).get_data(as_text=True)
        assert 'action="/language"' in page, path


def test_the_mentor_sees_no_administration_link(world, login_as):
    page = login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert "/admin/" not in page


def test_placement_list_is_paginated(app, world, login_as):
    app.config["PER_PAGE"] = 1
    page = login_as(world.admin).get("/").get_data(as_text=True)
    assert "Pagina 1 van 3" in page
    second = login_as(world.admin).get("/?page=3").get_data(as_text=True)
    assert "Pagina 3 van 3" in second


def test_placement_list_can_be_searched_by_student(world, login_as):
    page = login_as(world.admin).get("/?q=student+b").get_data(as_text=True)
    assert "Student B" in page
    assert "Student A" not in page


def test_an_unknown_status_filter_is_ignored(world, login_as):
    response = login_as(world.admin).get("/?status=bogus&page=abc")
    assert response.status_code == 200


def test_a_visitor_is_not_logged_in_by_a_forged_session(app, world):
    browser = Browser(app.test_client())
    with browser.client.session_transaction() as session:
        session["_user_id"] = f"{world.admin.id}:999"
    assert browser.get("/").status_code == 302
