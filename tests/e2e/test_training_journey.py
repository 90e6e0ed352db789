"""A mentor on a phone finishes a module: reads it, passes its quiz, reflects, tries it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.content.modules import load_training
from config import BUNDLED_CONTENT

pytestmark = pytest.mark.e2e

MODULE = "feedback-that-lands"


def test_mentor_finishes_a_module_and_its_quiz(phone):
    module = load_training(BUNDLED_CONTENT / "modules").module(MODULE, "nl")
    phone.log_in("mentor_x", "mentor@x.example")
    phone.page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Opleiding"
    ).click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Mentoropleiding")
    phone.check("training")
    phone.page.get_by_role("link", name=module.title, exact=True).click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text(module.title)
    phone.check("module")

    # First try: every answer wrong, so the explanations say why.
    for number, question in enumerate(module.quiz):
        wrong = next(n for n, option in enumerate(question.options) if not option.correct)
        phone.page.locator(f"input[name=q{number}][value='{wrong}']").check()
    phone.page.get_by_role("button", name="Mijn antwoorden controleren").click()
    expect(phone.page.locator("#quiz .flash")).to_contain_text("probeer opnieuw")
    expect(phone.page.locator(".explanation.is-wrong").first).to_be_visible()
    phone.check("quiz-failed")

    for number, question in enumerate(module.quiz):
        right = next(n for n, option in enumerate(question.options) if option.correct)
        phone.page.locator(f"input[name=q{number}][value='{right}']").check()
    phone.page.get_by_role("button", name="Opnieuw controleren").click()
    expect(phone.page.get_by_role("status").first).to_contain_text("Module afgerond")
    phone.check("quiz-passed")

    phone.page.get_by_label("Je reflectie").fill(
        "Ik geef feedback te laat, aan het einde van de dag."
    )
    phone.page.get_by_role("button", name="Mijn reflectie opslaan").click()
    expect(phone.page.get_by_role("status")).to_contain_text("Alleen jij kunt ze lezen")
    phone.page.get_by_role("button", name="Ik heb het geprobeerd").click()
    expect(phone.page.get_by_text("Je hebt het geprobeerd op")).to_be_visible()
    phone.check("module-done")

    phone.page.get_by_role("link", name="← Mentoropleiding").click()
    card = phone.page.locator("li.card", has=phone.page.get_by_role("link", name=module.title))
    expect(card).to_contain_text("Klaar")
    phone.check("training-progress")


def test_coach_recommends_and_coordinator_follows_the_mentors(start, app, world, phone):
    phone.log_in("coach_a", "coach@a.example")
    phone.page.get_by_role("link", name=re.compile("^Student A — Company X \\(")).click()
    phone.page.get_by_role("link", name="Een opleidingsmodule aanraden aan de mentor").click()
    phone.page.get_by_label("Module", exact=True).select_option(MODULE)
    phone.page.get_by_label("Waarom deze module (niet verplicht)").fill("Zoals besproken.")
    phone.check("recommend")
    phone.page.get_by_role("button", name="Aanraden").click()
    expect(phone.page.get_by_role("status")).to_contain_text("Aangeraden aan Mentor X")
    phone.page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("mentor_x", "mentor@x.example")
    todo = phone.page.get_by_role("region", name="Te doen")
    expect(todo.get_by_role("link", name=re.compile("Feedback die aankomt"))).to_be_visible()
    expect(todo).to_contain_text("Zoals besproken.")
    phone.check("home-recommended")
    phone.page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("coordinator_a", "coordinator@a.example")
    phone.page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Opleiding"
    ).click()
    phone.page.get_by_role("link", name="Opleiding van de mentoren", exact=False).click()
    # Mentor X and Mentor ES (student A's host abroad) have no start date as a mentor yet.
    expect(phone.page.get_by_text("Startdatum als mentor onbekend")).to_have_count(2)
    phone.check("mentors")
    phone.page.get_by_role("link", name="Mentor X").click()
    phone.page.get_by_label("Mentor sinds").fill((start - timedelta(days=577)).isoformat())
    phone.check("mentor-record")
    phone.page.get_by_role("button", name="Opslaan").click()
    expect(phone.page.get_by_text("Basisopleiding te laat")).to_be_visible()
    phone.check("mentors-overdue")
    phone.goto("/training/practice")
    phone.check("practice-queue")
    phone.goto("/verify/AAAA-BBBB-CCCC", status=404)
    phone.check("verify-unknown")
