"""Closing a mobility abroad on a phone: the participant writes and submits the stage
report and confirms the EU survey, the monitor and the coach confirm the final scores, the
coach closes the mobility, and the host partner's coordinator reads the record's links.
Every page passes the phone checks (screenshot, axe, no sideways scrolling).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from app.competences.services import Judgement, framework_of, register
from app.extensions import db
from app.models import Placement, PlacementStatus, Setting, User
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    TIMEOUT_MS,
    PhonePage,
    QuietRequestHandler,
    buffered,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def mobility_server(app, world, today) -> Iterator[str]:
    """The app served with student A's mobility as a stay that ended last week, still
    active, with one level the coach registered.
    """
    with app.test_request_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.start_date = today - timedelta(days=20)
        placement.end_date = today - timedelta(days=7)
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()
        competence = framework_of(placement).competences[0]
        register(
            placement,
            db.session.get(User, world.coach_a.id),
            competence,
            [Judgement(competence.indicators[0].id, Setting.WORKPLACE, 3)],
        )
    server = make_server(
        "127.0.0.1", 0, buffered(app), threaded=True, request_handler=QuietRequestHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def on_a_phone(chromium, axe, base_url: str) -> tuple[PhonePage, object]:
    context = chromium.new_context(viewport=PHONE, locale="nl-BE")
    context.set_default_timeout(TIMEOUT_MS)
    return PhonePage(context.new_page(), axe, base_url), context


def test_a_mobility_is_closed_on_a_phone(chromium, axe, mobility_server, world, today):
    SCREENSHOTS.mkdir(exist_ok=True)
    closing = f"/placements/{world.placement_m.id}/closing"

    phone, context = on_a_phone(chromium, axe, mobility_server)
    phone.log_in("closing-student", "student@a.example")
    phone.goto(f"/placements/{world.placement_m.id}")
    phone.page.locator(f'a[href="{closing}"]').first.click()
    phone.page.wait_for_url(mobility_server + closing)
    phone.check("closing")
    phone.page.locator(f'a[href="{closing}/report"]').click()
    phone.check("stage-report")
    for part in ("professional", "language", "intercultural", "personal", "advice"):
        phone.page.locator(f"#{part}").fill(f"My {part} part.")
    phone.page.locator('button[name="submit"]').click()
    phone.page.wait_for_url(mobility_server + closing + "#stage-report")
    phone.page.locator("#filled_on").fill(today.isoformat())
    phone.page.locator("#confirm").check()
    phone.page.locator(f'form[action="{closing}/survey"] button').click()
    phone.page.wait_for_url(mobility_server + closing + "#survey")
    phone.check("closing-after-survey")
    context.close()

    for role, email_address in (
        ("closing-monitor", "monitor@host.example"),
        ("closing-coach", "coach@a.example"),
    ):
        phone, context = on_a_phone(chromium, axe, mobility_server)
        phone.log_in(role, email_address)
        phone.goto(closing)
        assert "My advice part." in phone.page.content()
        phone.page.locator(f'form[action="{closing}/scores"] button').click()
        phone.page.wait_for_url(mobility_server + closing + "#scores")
        if role == "closing-coach":
            phone.check("closing-ready")
            phone.page.locator("#confirm").check()
            phone.page.locator(f'form[action="{closing}/close"] button').click()
            phone.page.wait_for_url(mobility_server + closing + "#record")
            phone.check("closing-closed")
        context.close()

    phone, context = on_a_phone(chromium, axe, mobility_server)
    phone.log_in("closing-host-coordinator", "coordinator@host.example")
    phone.goto(closing)
    record = f"/placements/{world.placement_m.id}/europass-record.pdf"
    assert phone.page.locator(f'a[href="{record}"]').count() == 1
    phone.check("closing-record")
    context.close()
