"""The demo's Erasmus+ mobility in the browser, at phone size: the people the README
names follow one mobility from the call to the Europass record, one after another.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import Candidate, GuardianAnswer, GuardianLink, Placement
from app.models.agreements import LearningAgreement
from tests.conftest import Outbox
from tests.e2e.conftest import serve
from tests.e2e.test_mobility_journeys import button, h1, nl

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(app, demo) -> Iterator[str]:
    """The app with the demo built, served in a thread (instead of the test world)."""
    yield from serve(app)


def log_in(phone, role: str, email_address: str) -> None:
    phone.page.context.clear_cookies()
    phone.log_in(f"demo-{role}", email_address, DEMO_PASSWORD)


def sees(phone, *texts: str) -> None:
    body = phone.page.locator("main").inner_text()
    for text in texts:
        assert text in body, f"{text!r} not on {phone.page.url}"


def test_the_demo_mobility_from_call_to_europass_one_role_after_another(app, demo, phone, today):
    call = demo["call"]
    placements = demo["placements"]

    log_in(phone, "promoter", "promoter@vlaamsetechniek.demo")
    phone.goto(f"/calls/{call}")
    sees(phone, "Werkplekleren in Europa")
    phone.check("call")
    phone.goto(f"/calls/{call}/overview")
    sees(phone, "Sara Lambrecht", "Lucas Dubois")
    phone.check("overview")

    log_in(phone, "contact", "coordinator@leerrijk.demo")
    phone.goto(f"/calls/{call}")
    phone.check("call")
    phone.goto(f"/candidates/{demo['candidates']['sara']}")
    sees(phone, "Sara Lambrecht")
    phone.check("candidate")

    log_in(phone, "candidate", "ruben@student.demo")
    phone.goto(f"/candidates/{demo['candidates']['ruben']}")
    sees(phone, "Ruben Martens")
    phone.check("decision")

    phone.page.context.clear_cookies()
    (message,) = Outbox(Path(app.config["MAIL_OUTBOX_PATH"])).messages
    phone.role = "demo-guardian"
    phone.goto(Outbox.link(message))
    sees(phone, "Emma Vermeulen")
    phone.check("approval")
    phone.page.locator("#signed_name").fill("Katrien Vermeulen")
    phone.page.locator("#consent").check()
    button(phone, app, "I approve").click()
    expect(h1(phone)).not_to_have_text(
        nl(app, "Work placement abroad of %(name)s", name="Emma Vermeulen")
    )
    phone.check("approved")
    with app.app_context():
        emma = db.session.get(Placement, placements["emma"])
        link = db.session.scalar(select(GuardianLink).where(GuardianLink.placement_id == emma.id))
        assert link.decision == GuardianAnswer.APPROVED

    # the host coordinators read English (the demo sets their language)
    log_in(phone, "host", "coordinator@pontenorte.demo")
    phone.goto("/participants/to-match")
    card = phone.page.locator("main li.card")
    expect(card).to_have_count(1)
    phone.check("to-match")
    card.get_by_role("link", name="Elif Yılmaz", exact=True).click()
    expect(h1(phone)).to_have_text("Create the placement")
    phone.check("place")
    # Porto has one host company, mentor and monitor: the form offers them chosen
    expect(phone.page.locator("#workplace option:checked")).to_contain_text(
        "Oficina Digital Ribeira"
    )
    expect(phone.page.locator("#monitor option:checked")).to_have_text("Rui Costa")
    phone.page.get_by_role("button", name="Create the placement", exact=True).click()
    expect(phone.page.get_by_role("status")).to_contain_text(
        "The placement of Elif Yılmaz is created."
    )
    phone.check("placed")
    with app.app_context():
        elif_ = db.session.get(Candidate, demo["candidates"]["elif"])
        assert elif_.placement_id is not None

    # the host's mentor gives the signature Bram's learning agreement waits for
    log_in(phone, "host-mentor", "mentor@ribeira.demo")
    bram = placements["bram"]
    phone.goto(f"/placements/{bram}/learning-agreement")
    phone.check("agreement")
    phone.page.locator("#typed_name").fill("Marta Pinto")
    phone.page.locator("#consent").check()
    phone.page.locator("button[name=sign]").click()
    phone.page.wait_for_load_state("load")
    phone.check("agreement-signed")
    with app.app_context():
        agreement = db.session.scalar(
            select(LearningAgreement).where(LearningAgreement.placement_id == bram)
        )
        assert agreement.is_signed

    # València's monitor reads English too
    log_in(phone, "monitor", "monitor@levante.demo")
    sara = placements["sara"]
    phone.goto(f"/placements/{sara}")
    phone.check("log")
    phone.goto(f"/placements/{sara}/stay/blog")
    sees(phone, "Mijn eerste week op de werf")
    phone.check("blog")
    phone.goto(f"/placements/{sara}/stay/programme")
    sees(phone, "Walking tour of the old town")
    phone.check("programme")
    phone.page.locator("#day").fill(today.isoformat())
    phone.page.locator("#title").fill("Paella koken")
    phone.page.locator("#place").fill("Mercat Central")
    phone.page.get_by_role("button", name="Add to the programme", exact=True).click()
    expect(phone.page.get_by_role("status")).to_contain_text("The activity is in the programme.")
    expect(phone.page.locator("main")).to_contain_text("Paella koken")
    phone.check("activity")

    log_in(phone, "coach", "coach@scheldeland.demo")
    lucas = placements["lucas"]
    phone.goto(f"/placements/{lucas}")
    phone.check("lucas")
    phone.page.get_by_role("link", name="De afsluiting openen").click()
    sees(phone, "Europass")
    phone.check("closing")
    with phone.page.expect_download() as pdf:
        phone.page.get_by_role("link", name="Europass-overzicht (pdf)").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
