"""A mentor's quick link on a phone: from the e-mail to an approved week, without a
password. Pages are screenshotted to tests/e2e/screenshots/mentor_x-quick-link-*.png and
pass axe-core.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import LogEntry, ReviewStatus
from app.notifications import delivery
from tests.conftest import monday, write_entry, written

pytestmark = pytest.mark.e2e

WEEK = {
    "did": "Stopcontacten geplaatst in de keuken van een nieuwbouwwoning.",
    "went_well": "Ik heb alles zelf afgemeten en het klopte.",
    "was_hard": "Een doos leidingen tegelijk de trap op dragen.",
    "need": "Uitleg over het schema van de verdeelkast.",
}


def test_mentor_approves_a_week_from_the_email_on_a_phone(app, world, phone, outbox):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True, sections=WEEK)
    with app.app_context():
        delivery.deliver(datetime.now(UTC) + timedelta(minutes=1))
    message = next(m for m in outbox.messages if m["To"] == "mentor@x.example")
    link = outbox.link(message)
    assert link.startswith("/quick/")

    phone.role = "mentor_x"
    page = phone.page
    phone.goto(link)
    week = written(monday(world.placement_a.start_date, 5), locale="nl")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Week van {week}")
    expect(page.get_by_text("Voor Mentor X")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ik heb alles zelf afgemeten en het klopte.")
    phone.check("quick-link-week")

    comment = "Mooi gemeten. Het schema leg ik vrijdag uit."
    page.get_by_label("Opmerking voor de leerling").fill(comment)
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goedgekeurd. Bedankt!")
    phone.check("quick-link-approved")
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        assert entry.review_status == ReviewStatus.APPROVED
        assert entry.review_comment == comment

    # The link has done its work; the rest of Leerspoor still asks to log in.
    phone.goto(link, status=410)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dit is al gebeurd")
    phone.check("quick-link-done")
    page.get_by_role("link", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/login\?next="))
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_visible()
