"""A complete visit, as each of the trio lives it: from the caseload, the coach plans it
and writes the report on a phone with the agenda the log drew up, and makes it final with
an agreement for the student; the mentor, then the student confirm it; the agreement is
in the student's plan. The same pages are looked at on a laptop.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Placement, Registration, Setting
from tests.conftest import write_entry

pytestmark = pytest.mark.e2e


@pytest.fixture
def disagreement(app, world, today):
    """Student and mentor are two levels apart on an indicator; the student worries."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        for author, actor, level in (
            (world.student_a, "student", 4),
            (world.mentor_x, "mentor", 2),
        ):
            db.session.add(
                Registration(
                    placement_id=placement.id,
                    author_id=author.id,
                    actor=actor,
                    framework_id=placement.framework_id,
                    framework_version=placement.framework_version,
                    competence_id="planning",
                    indicator_id="orders-tasks",
                    setting=Setting.WORKPLACE,
                    level=level,
                    observed_on=today - timedelta(days=1),
                )
            )
        db.session.commit()
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        "concern",
        sections={"body": "Ik krijg nooit uitleg als ik iets vraag."},
    )


def test_a_visit_from_planning_to_a_locked_report(app, world, disagreement, phone, laptop, today):
    yesterday, next_week = today - timedelta(days=1), today + timedelta(days=7)
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    # The caseload says why Student A needs attention; one reason is the missing visit.
    caseload = page.locator("section.caseload")
    expect(caseload).to_contain_text("Student A")
    caseload.get_by_role("link", name="Bezoek te laat", exact=False).click()
    page.get_by_role("link", name="Een bezoek plannen").click()
    page.get_by_label("Datum").fill(yesterday.isoformat())
    page.get_by_label("Uur").fill("10:30")
    page.get_by_label("Plaats").fill("Werkplaats, Industrieweg 12")
    phone.check("visit-plan")
    page.get_by_role("button", name="Bezoek plannen").click()
    expect(page.get_by_role("status")).to_contain_text("Het bezoek is gepland")
    phone.check("visit-planned")

    page.get_by_role("link", name="Verslag schrijven").click()
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Waar jullie het anders zien")
    expect(agenda).to_contain_text("Ik krijg nooit uitleg als ik iets vraag.")
    page.get_by_label("Hoe het leerproces loopt").fill("Student A plant zijn dag nu zelf.")
    page.get_by_label("Knelpunten of conflicten").fill("Spanning met een collega.")
    page.locator("#bottlenecks_coach_only").check()
    page.get_by_label("Afspraak", exact=True).fill("Elke vrijdag de planning bespreken")
    page.get_by_label("Wie doet het").select_option("student")
    page.get_by_label("Klaar tegen").fill(next_week.isoformat())
    phone.check("visit-report")
    page.get_by_role("button", name="Afspraak toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Afspraak toegevoegd")
    # what was typed before adding the agreement is still there
    expect(page.get_by_label("Hoe het leerproces loopt")).to_have_value(
        "Student A plant zijn dag nu zelf."
    )
    page.once("dialog", lambda dialog: dialog.accept())  # "Het verslag definitief maken?"
    page.get_by_role("button", name="Opslaan en definitief maken").click()
    expect(page.get_by_role("status")).to_contain_text("Het verslag is definitief")
    phone.check("visit-final")
    visit_path = page.url.removeprefix(phone.base_url)

    laptop.log_in("coach_a", "coach@a.example")
    laptop.check("caseload-after-visit")
    laptop.page.goto(page.url)
    expect(laptop.page.locator("#agenda")).to_be_visible()
    laptop.check("visit-final")
    page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("mentor_x", "mentor@x.example")
    page.get_by_role("link", name="Het bezoekverslag lezen en bevestigen").click()
    expect(page.get_by_text("Spanning met een collega.")).to_have_count(0)
    expect(page.get_by_text("Ik krijg nooit uitleg")).to_have_count(0)
    page.get_by_label("Opmerking (niet verplicht)").fill("Akkoord.")
    page.get_by_role("button", name="Ik heb het verslag gelezen en bevestig het").click()
    expect(page.get_by_role("status")).to_contain_text("Bedankt voor je bevestiging.")
    phone.check("visit-confirmed")
    page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("student_a", "student@a.example")
    expect(page.get_by_text("Elke vrijdag de planning bespreken")).to_be_visible()
    phone.check("home-with-agreement")
    page.get_by_role("link", name="Het bezoekverslag lezen en bevestigen").click()
    page.get_by_role("button", name="Ik heb het verslag gelezen en bevestig het").click()
    expect(page.get_by_role("status")).to_contain_text("door alle drie bevestigd")
    phone.check("visit-locked")

    page.get_by_role("link", name="← Bezoeken van Student A").click()
    page.get_by_role("navigation", name="Dit traject").get_by_role(
        "link", name="POP", exact=True
    ).click()
    agreements = page.locator("#agreements")
    expect(agreements).to_contain_text("Elke vrijdag de planning bespreken")
    agreements.get_by_role("button", name="Klaar: Elke vrijdag de planning bespreken").click()
    expect(page.locator("#agreements .crossed")).to_have_text("Elke vrijdag de planning bespreken")
    phone.check("plan-agreement-done")

    for role, email_address, path in (
        ("mentor_x", "mentor@x.example", visit_path),
        ("student_a", "student@a.example", f"/placements/{world.placement_a.id}/development-plan"),
    ):
        laptop.page.get_by_role("button", name="Uitloggen").click()
        laptop.log_in(role, email_address)
        laptop.goto(path)
        laptop.check("visit-done" if path == visit_path else "plan")


def test_a_student_keeps_a_plan_and_answers_the_mentors_suggestion(app, world, phone, today):
    page = phone.page
    phone.log_in("mentor_x", "mentor@x.example")
    phone.goto(f"/placements/{world.placement_a.id}/development-plan")
    page.get_by_role("link", name="Een doel voorstellen").click()
    page.get_by_label("Doel", exact=True).fill("Vragen stellen voor ik begin")
    page.get_by_label("Communicatie", exact=False).first.check()
    phone.check("goal-suggest")
    page.get_by_role("button", name="Dit doel voorstellen aan de leerling").click()
    page.get_by_role("button", name="Uitloggen").click()

    phone.log_in("student_a", "student@a.example")
    expect(page.get_by_text("1 voorstel in je ontwikkelingsplan", exact=False)).to_be_visible()
    page.get_by_role("link", name="voorstel in je ontwikkelingsplan", exact=False).click()
    page.get_by_role("button", name="Aanvaarden").click()
    page.get_by_role("link", name="Een doel toevoegen").click()
    page.get_by_label("Doel", exact=True).fill("Mijn werkdag zelf plannen")
    page.get_by_label("Eigen werk plannen", exact=True).check()
    page.get_by_label("Streefdatum").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_label("Actie", exact=True).fill("Luc om de bestellijst vragen")
    page.get_by_label("Klaar tegen").fill((today + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Actie toevoegen").click()
    phone.check("goal")
    page.get_by_role("link", name="← Ontwikkelingsplan", exact=False).click()
    expect(page.locator(".goal-cards")).to_contain_text("Mijn werkdag zelf plannen")
    expect(page.locator(".goal-cards")).to_contain_text("Vragen stellen voor ik begin")
    phone.check("plan")
