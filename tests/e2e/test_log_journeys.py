"""The shared log on a phone: feedback, weekly logs, registering, the matrix, soft skills.

Every visited page is screenshotted (tests/e2e/screenshots/<role>-<page>.png) and must
pass axe-core without serious violations and without sideways scrolling.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import write_entry

pytestmark = pytest.mark.e2e

# The student's button on the matrix, in Dutch once the catalogue has it.
SAY_HOW_WELL = re.compile("^(Zeg hoe goed je elke taak al kunt|Say how well you can do each task)$")


def h1(phone):
    return phone.page.get_by_role("heading", level=1)


def open_tab(phone, student: str, tab: str) -> None:
    """From the home page: the student's dual placement (at Company X), then one of its tabs."""
    placement = re.compile(f"^{re.escape(student)} — Company X \\(")
    phone.page.get_by_role("link", name=placement).click()
    phone.page.get_by_role("navigation", name="Dit traject").get_by_role(
        "link", name=tab, exact=True
    ).click()


def card(phone, number: int):
    return phone.page.locator("fieldset.indicator-card").nth(number)


def test_mentor_gives_feedback_and_registers_then_the_coach_sees_the_divergence(app, world, phone):
    # The student judged themselves earlier: independent at being on time.
    phone.log_in("student_a", "student@a.example")
    open_tab(phone, "Student A", "Competenties")
    phone.page.get_by_role("link", name=SAY_HOW_WELL).click()
    card(phone, 0).get_by_label("Op de werkplek", exact=True).check()
    card(phone, 0).get_by_label("4 zelfstandig", exact=True).check()
    phone.check("register-self")
    phone.page.get_by_role("button", name="Opslaan en sluiten").click()
    expect(phone.page.get_by_role("status")).to_have_text("1 indicator geregistreerd.")
    phone.page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("mentor_x", "mentor@x.example")
    open_tab(phone, "Student A", "Logboek")
    expect(h1(phone)).to_have_text("Student A")
    phone.check("log-empty")
    phone.page.get_by_role("link", name="Feedback geven").click()
    phone.page.get_by_label("Eén ding dat goed ging").fill("Je schakelt altijd eerst af.")
    phone.page.get_by_label("Eén werkpunt").fill("Laat het vóór 7.30 uur weten als je later bent.")
    phone.page.get_by_label("De volgende stap").fill("Vrijdag trek je zelf de kabels.")
    phone.check("feedback-form")
    phone.page.get_by_role("button", name="Opslaan").click()
    expect(phone.page.get_by_role("status")).to_have_text("Opgeslagen in het logboek.")
    expect(phone.page.locator("article.entry")).to_contain_text("Vrijdag trek je zelf de kabels.")
    phone.check("log-with-feedback")

    phone.page.get_by_role("navigation", name="Dit traject").get_by_role(
        "link", name="Competenties"
    ).click()
    phone.page.get_by_role("link", name="Indicatoren registreren").click()
    expect(h1(phone)).to_have_text("Stiptheid en betrouwbaarheid")
    for number, level in ((0, "2 met veel hulp"), (1, "3 met enige hulp"), (2, "4 zelfstandig")):
        card(phone, number).get_by_label("Op de werkplek", exact=True).check()
        card(phone, number).get_by_label(level, exact=True).check()
    phone.check("register")
    phone.page.get_by_role("button", name="Opslaan en sluiten").click()
    expect(phone.page.get_by_role("status")).to_have_text("3 indicatoren geregistreerd.")
    phone.check("matrix")
    phone.page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("coach_a", "coach@a.example")
    open_tab(phone, "Student A", "Competenties")
    expect(phone.page.get_by_text("1 indicator verschilt 2 niveaus of meer")).to_be_visible()
    phone.check("matrix")
    phone.page.get_by_role("link", name="Alleen waar we verschillen").click()
    rows = phone.page.locator("table.matrix tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("verschil 2+")
    phone.check("matrix-divergent")
    phone.page.get_by_role("link", name="Alle indicatoren tonen").click()
    folded = phone.page.locator("details.matrix-competence:not([open])")
    expect(folded.first).to_contain_text("nog niets geregistreerd")
    phone.page.get_by_role(
        "link", name="Evolutie en alle registraties van Stiptheid en betrouwbaarheid"
    ).click()
    expect(phone.page.locator("svg.evolution-chart polyline")).to_have_count(2)
    phone.check("evolution")


def test_student_writes_a_week_and_the_mentor_approves_it(app, world, phone):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    phone.log_in("student_a", "student@a.example")
    open_tab(phone, "Student A", "Logboek")
    phone.page.get_by_role("link", name="Weekverslag schrijven").click()
    phone.page.get_by_label("Wat ik deze week deed").fill("Stopcontacten geplaatst in lokaal 3.")
    phone.page.get_by_label("Wat moeilijk was").fill("Het schema van de tweede verdieping.")
    phone.page.get_by_label("4 · goed").check()
    phone.check("weekly-log-form")
    phone.page.get_by_role("button", name="Indienen bij mijn mentor").click()
    expect(phone.page.get_by_role("status")).to_contain_text("naar je mentor gestuurd")
    phone.check("log-week-submitted")
    phone.page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("mentor_x", "mentor@x.example")
    open_tab(phone, "Student A", "Logboek")
    expect(phone.page.get_by_text("2 weken wachten op je goedkeuring.")).to_be_visible()
    phone.check("log-waiting")
    phone.page.get_by_role("button", name="Alle 2 weken goedkeuren").click()
    expect(phone.page.get_by_role("status")).to_have_text("2 weken goedgekeurd.")
    phone.check("log-approved")


def test_coach_scores_soft_skills_and_plans_the_training(app, world, phone):
    phone.log_in("coach_a", "coach@a.example")
    open_tab(phone, "Student A", "Soft skills")
    phone.page.get_by_role("link", name="Soft skills scoren").click()
    first = phone.page.locator("fieldset.rubric-card").first
    first.locator("label.descriptor-choice").nth(2).click()
    phone.check("score-rubric")
    phone.page.get_by_role("button", name="Opslaan").click()
    expect(phone.page.get_by_role("status")).to_have_text("1 criterium gescoord.")
    phone.check("soft-skills")

    phone.page.get_by_role("navigation", name="Dit traject").get_by_role(
        "link", name="Competenties"
    ).click()
    phone.page.get_by_role("link", name="Opleidingsplan").click()
    card(phone, 0).get_by_label("Op de werkplek", exact=True).check()
    card(phone, 0).get_by_label("Ongeveer wanneer").fill("september–december")
    phone.check("training-plan")
    phone.page.get_by_role("button", name="Opleidingsplan opslaan").click()
    expect(
        phone.page.get_by_text(
            "Gepland op de werkplek (september–december); kwam daar nog niet aan bod."
        )
    ).to_be_visible()
    phone.check("matrix-with-plan")
