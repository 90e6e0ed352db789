"""A coordinator imports students on a phone: downloads the template, meets an error next
to its field (the page scrolls there), checks a file, imports it, and goes Back without
being asked to send the file again. Screenshots: tests/e2e/screenshots/coordinator_a-import-*.png
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Placement

pytestmark = pytest.mark.e2e

GOOD = (
    "email_leerling;naam_leerling;soort;startdatum;einddatum;werkplek;email_mentor;email_coach\n"
    "an.peeters@a.example;An Peeters;duaal;01/09/2027;30/06/2028;Company X;"
    "mentor@x.example;coach@a.example\n"
)


def _file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_a_coordinator_imports_students_on_a_phone(app, world, phone):
    phone.log_in("coordinator_a", "coordinator@a.example")
    page = phone.page
    phone.goto("/admin/import")
    phone.check("import-page")

    # the template: Dutch headers and one example row
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("sjabloon|template")).click()
    with open(download.value.path(), encoding="utf-8-sig") as template:
        header, example = template.read().splitlines()
    assert header.startswith("email_leerling;naam_leerling;soort;")
    assert ";duaal;" in example

    # no file chosen: the message is next to the field, which has the keyboard
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.locator("#file-error")).to_have_text("Kies een CSV-bestand.")
    page.wait_for_load_state("load")
    expect(page.locator("#file")).to_be_focused()
    phone.check("import-error")

    # the template as it is: its made-up company is named, nothing imported
    page.get_by_label("CSV-bestand").set_input_files(
        _file("sjabloon.csv", header + "\n" + example + "\n")
    )
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is niets geïmporteerd")
    expect(page.get_by_text("Elektro Verbeke")).to_be_visible()
    phone.check("import-problems")

    # a good file: checked, invitations ticked, imported
    phone.goto("/admin/import")
    page.get_by_label("CSV-bestand").set_input_files(_file("leerlingen.csv", GOOD))
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("An Peeters")).to_be_visible()
    expect(
        page.get_by_label("Stuur elke nieuwe leerling een uitnodiging per e-mail")
    ).to_be_checked()
    phone.check("import-preview")
    page.get_by_role("button", name="Nu importeren").click()
    page.wait_for_url(phone.base_url + "/")

    # Back: the preview page again, by GET, saying it is done; nothing is sent again
    response = page.go_back()
    assert response is None or response.request.method == "GET"
    expect(page.get_by_role("status")).to_contain_text(re.compile("geïmporteerd|imported"))
    expect(page.get_by_role("button", name="Nu importeren")).to_have_count(0)
    phone.check("import-back")
    with app.app_context():
        placements = db.session.scalar(
            select(func.count(Placement.id)).where(Placement.start_date.is_not(None))
        )
    assert placements == 4  # the world's three (student A's mobility abroad too) and An's
