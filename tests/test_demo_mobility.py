"""The Erasmus+ mobility of the demo world: built through the services on an empty
database, a second run writes nothing, and each mobility role's demo account logs in and
finds what the README promises.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import dates
from app.demo import DEMO_PASSWORD, PEOPLE, build_demo_world
from app.extensions import db
from app.models import (
    Candidate,
    Decision,
    GuardianLink,
    MobilityCall,
    Placement,
    PlacementStatus,
    Trip,
    User,
)
from app.models.agreements import LearningAgreement
from tests.conftest import Browser

pytestmark = pytest.mark.usefixtures("app")

VALENCIA_PARTICIPANTS = ("Lucas Dubois", "Emma Vermeulen", "Sara Lambrecht")
CANDIDATES = (
    "Lucas Dubois",
    "Emma Vermeulen",
    "Ines Claeys",
    "Ruben Martens",
    "Sara Lambrecht",
    "Bram Wuyts",
    "Elif Yılmaz",
    "Jonas Verstraete",
)


def logged_in(app, email_address: str) -> Browser:
    """A browser logged in with the demo account's e-mail address and password."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email_address))
    browser = Browser(app.test_client(), address=f"10.2.0.{user_id % 250 + 1}")
    response = browser.login(email_address, DEMO_PASSWORD)
    assert response.status_code == 302, email_address
    return browser


def page(browser: Browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_the_demo_builds_every_stage_of_the_mobility_and_a_second_run_writes_nothing(app, outbox):
    today = dates.today()
    with app.app_context():
        build_demo_world()
        first = row_counts()
        mails = len(outbox)
        build_demo_world()
        assert row_counts() == first
        assert len(outbox) == mails == 1

        call = db.session.scalar(select(MobilityCall))
        assert call.candidate_deadline < today < call.placement_end
        candidates = db.session.scalars(select(Candidate).where(Candidate.call_id == call.id))
        decisions = [c.decision for c in candidates]
        assert len(decisions) == 8
        assert decisions.count(Decision.SELECTED) == 5
        assert decisions.count(Decision.RESERVE) == 2
        assert decisions.count(Decision.NOT_SELECTED) == 1
        stays = {
            user.email: placement
            for placement, user in db.session.execute(
                select(Placement, User)
                .join(User, User.id == Placement.student_id)
                .where(Placement.host_partner_id.is_not(None))
            )
        }
        assert set(stays) == {
            "lucas@student.demo",
            "emma@student.demo",
            "sara@student.demo",
            "bram@student.demo",
        }
        closed, abroad = stays["lucas@student.demo"], stays["sara@student.demo"]
        assert closed.status is PlacementStatus.COMPLETED
        assert closed.end_date < today
        assert abroad.status is PlacementStatus.ACTIVE
        assert abroad.start_date <= today <= abroad.end_date
        for email in ("emma@student.demo", "bram@student.demo"):
            assert stays[email].status is PlacementStatus.PREPARING
            assert stays[email].start_date > today
            assert (stays[email].end_date - stays[email].start_date) == timedelta(days=13)
        emma = stays["emma@student.demo"].student
        assert emma.birth_date.replace(year=emma.birth_date.year + 18) > today
        link = db.session.scalar(select(GuardianLink))
        assert link.placement_id == stays["emma@student.demo"].id
        assert link.answered_at is None
        agreement = db.session.scalar(
            select(LearningAgreement).where(
                LearningAgreement.placement_id == stays["bram@student.demo"].id
            )
        )
        assert len(agreement.signatures) == 2


def promoter_sees_the_call_with_its_eight_candidates(app, demo):
    promoter = logged_in(app, "promoter@vlaamsetechniek.demo")
    assert "Werkplekleren in Europa" in page(promoter, "/calls")
    call = page(promoter, f"/calls/{demo['call']}")
    for name in CANDIDATES:
        assert name in call
    overview = page(promoter, f"/calls/{demo['call']}/overview")
    assert "Elif Yılmaz" in overview


def contact_point_sees_the_schools_own_ranking(app, demo):
    coordinator = logged_in(app, "coordinator@scheldeland.demo")
    school = demo["schools"]["Technisch Instituut Scheldeland"]
    ranking = page(coordinator, f"/calls/{demo['call']}/schools/{school}")
    for name in ("Lucas Dubois", "Emma Vermeulen", "Ines Claeys", "Ruben Martens"):
        assert name in ranking
    assert "Sara Lambrecht" not in ranking
    emma = page(coordinator, f"/placements/{demo['placements']['emma']}/mobility-file")
    assert "Katrien Vermeulen" in emma  # the link sent to her guardian waits for an answer
    other = demo["schools"]["CVO Leerrijk"]
    assert coordinator.get(f"/calls/{demo['call']}/schools/{other}").status_code in (403, 404)


def candidate_sees_their_decision_and_its_reason(app, demo):
    ruben = logged_in(app, "ruben@student.demo")
    own = page(ruben, f"/candidates/{demo['candidates']['ruben']}")
    assert "Nog niet zelfstandig genoeg" in own
    assert ruben.get(f"/candidates/{demo['candidates']['sara']}").status_code in (403, 404)


def host_coordinators_see_only_their_own_participants(app, demo):
    valencia = page(logged_in(app, "coordinator@levante.demo"), "/destination")
    for name in VALENCIA_PARTICIPANTS:
        assert name in valencia
    assert "Bram Wuyts" not in valencia
    assert "Carrer de Sueca 12" in valencia  # the host family each participant stays with
    porto = logged_in(app, "coordinator@pontenorte.demo")
    destination = page(porto, "/destination")
    assert "Bram Wuyts" in destination
    assert not any(name in destination for name in VALENCIA_PARTICIPANTS)
    assert "Elif Yılmaz" in page(porto, "/participants/to-match")


def monitor_follows_the_participant_abroad_now(app, demo):
    monitor = logged_in(app, "monitor@levante.demo")
    sara = demo["placements"]["sara"]
    assert "Sara Lambrecht" in page(monitor, "/")
    log = page(monitor, f"/placements/{sara}")
    assert "Sara Lambrecht" in log
    assert "Mijn eerste week op de werf" in page(monitor, f"/placements/{sara}/stay/blog")
    assert "Walking tour of the old town" in page(monitor, f"/placements/{sara}/stay/programme")
    bram = demo["placements"]["bram"]
    assert monitor.get(f"/placements/{bram}").status_code in (403, 404)


def accompanying_coach_has_a_trip_to_the_participant_abroad(app, demo):
    coach = logged_in(app, "coach@leerrijk.demo")
    with app.app_context():
        trip_id = db.session.scalar(select(Trip.id))
    trip = page(coach, f"/trips/{trip_id}")
    assert "Sara Lambrecht" in trip
    agreement = page(coach, f"/placements/{demo['placements']['bram']}/learning-agreement")
    assert "Bram Wuyts" in agreement


def closed_mobility_has_its_europass_record_for_its_coach(app, demo):
    coach = logged_in(app, "coach@scheldeland.demo")
    lucas = demo["placements"]["lucas"]
    response = coach.get(f"/placements/{lucas}/europass-record.json")
    assert response.status_code == 200
    record = response.get_json()
    assert record["participant"]["name"] == "Lucas Dubois"
    assert record["city"] == "València"
    assert record["duration_days"] == 14
    assert record["signed_off"]["by"] == "Sofie Wouters"
    assert record["scores_confirmed"]["coach"]
    assert record["scores_confirmed"]["monitor"]
    assert {"language": "Spanish", "level": "A2"} in record["language_self_assessment"]
    assert coach.get(f"/placements/{lucas}/europass-record.pdf").status_code == 200


def test_the_sending_sides_demo_accounts_see_what_the_readme_promises(app, demo):
    """The promoter, a school's contact point, a candidate and the coaches."""
    promoter_sees_the_call_with_its_eight_candidates(app, demo)
    contact_point_sees_the_schools_own_ranking(app, demo)
    candidate_sees_their_decision_and_its_reason(app, demo)
    accompanying_coach_has_a_trip_to_the_participant_abroad(app, demo)
    closed_mobility_has_its_europass_record_for_its_coach(app, demo)


def test_the_hosts_demo_accounts_see_what_the_readme_promises(app, demo):
    """The host coordinators of València and Porto, and València's monitor."""
    host_coordinators_see_only_their_own_participants(app, demo)
    monitor_follows_the_participant_abroad_now(app, demo)


def test_the_guardians_pending_link_is_in_the_outbox_and_opens_the_approval_page(app, demo, outbox):
    (message,) = outbox.messages
    assert message["To"] == "katrien.vermeulen@ouders.demo"
    assert "Emma Vermeulen" in outbox.body(message)
    approval = app.test_client().get(outbox.link(message))
    assert approval.status_code == 200
    assert "Emma Vermeulen" in approval.get_data(as_text=True)


def test_every_account_the_readme_names_is_a_demo_account():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w.-]+@[\w.-]+\.demo)`", readme))
    assert "promoter@vlaamsetechniek.demo" in named
    assert named <= {email for email, *_rest in PEOPLE}
