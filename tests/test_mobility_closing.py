"""Closing a mobility abroad: the participant's stage report (draft, submitted, sent back),
the EU survey confirmed, the final scores confirmed by the coach and the monitor (void
when a score changes), the coach closing the mobility, and its Europass-ready record.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import policy, signals
from app.closing import record, services
from app.closing.services import Side, Step
from app.competences.services import Judgement, framework_of, latest_registrations, register
from app.extensions import db
from app.models import (
    AuditEvent,
    Candidate,
    Decision,
    MobilityCall,
    MobilityClosing,
    Notification,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementStatus,
    ReportStatus,
    Role,
    Setting,
    StageReport,
    User,
)
from tests.calls_world import calls_world
from tests.conftest import make_user, written

pytestmark = pytest.mark.usefixtures("in_english")

REPORT = {
    "professional": "I serviced brakes with Paco.",
    "language": "I ordered parts in Spanish.",
    "intercultural": "Lunch is at three.",
    "personal": "I found my way alone.",
    "advice": "Bring work shoes.",
}


def path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_m.id}/closing{suffix}"


@pytest.fixture
def stay(app, world, today):
    """Placement M as a stay that ran from three weeks ago until last week, active."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.start_date = today - timedelta(days=20)
        placement.end_date = today - timedelta(days=7)
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()
    return world.placement_m.id


def score(app, placement_id: int, person: User, level: int, indicator: int = 0) -> None:
    """`person` registers a level of an indicator of the first competence."""
    with app.test_request_context():
        placement = db.session.get(Placement, placement_id)
        competence = framework_of(placement).competences[0]
        target = competence.indicators[indicator]
        author = db.session.get(User, person.id)
        previous = latest_registrations(placement).get(
            (policy.actor_in(author, placement), target.id)
        )
        register(
            placement,
            author,
            competence,
            [
                Judgement(
                    target.id, Setting.WORKPLACE, level, based_on=previous.id if previous else 0
                )
            ],
        )


def report_form(version="", **changes) -> dict:
    return {"version": str(version), **REPORT, **changes}


def report_version(app, placement_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(StageReport.version).where(StageReport.placement_id == placement_id)
        )


def submit_report(app, world, login_as, placement_id: int) -> None:
    student = login_as(world.student_a)
    response = student.post(path(world, "/report"), {**report_form(), "submit": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)


def confirm_scores(world, login_as, person):
    browser = login_as(person)
    page = browser.get(path(world)).get_data(as_text=True)
    digest = page.split('name="digest" type="hidden" value="')[1].split('"')[0]
    return browser.post(path(world, "/scores"), {"digest": digest})


def ready(app, world, login_as, today, placement_id: int) -> None:
    """Everything in: the report submitted, the survey confirmed, both confirmations."""
    score(app, placement_id, world.coach_a, 3)
    submit_report(app, world, login_as, placement_id)
    response = login_as(world.student_a).post(
        path(world, "/survey"), {"filled_on": today.isoformat(), "confirm": "y"}
    )
    assert response.status_code == 302
    assert confirm_scores(world, login_as, world.coach_a).status_code == 302
    assert confirm_scores(world, login_as, world.monitor).status_code == 302


# -- the stage report -------------------------------------------------------------------


def test_the_participant_saves_a_draft_only_they_read_then_submits_it(app, world, login_as, stay):
    student = login_as(world.student_a)
    response = student.post(
        path(world, "/report"), report_form(professional="Half written", advice="", save="1")
    )
    assert response.status_code == 302
    assert "Half written" in student.get(path(world, "/report")).get_data(as_text=True)
    coach_page = login_as(world.coach_a).get(path(world)).get_data(as_text=True)
    assert "Half written" not in coach_page
    assert "Not submitted yet" in coach_page

    version = report_version(app, stay)
    response = student.post(path(world, "/report"), {**report_form(version), "submit": "1"})
    assert response.status_code == 302
    for reader in (world.coach_a, world.monitor, world.host_coordinator, world.coordinator_a):
        page = login_as(reader).get(path(world)).get_data(as_text=True)
        assert "I ordered parts in Spanish." in page
        assert "Submitted" in page
    with app.app_context():
        report = db.session.scalar(select(StageReport))
        assert report.status == ReportStatus.SUBMITTED
        assert report.submitted_at is not None


def test_a_report_with_an_empty_part_is_not_submitted_and_nothing_typed_is_lost(
    app, world, login_as, stay
):
    student = login_as(world.student_a)
    response = student.post(
        path(world, "/report"), {**report_form(intercultural="  "), "submit": "1"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Answer this part before you submit the report." in page
    assert "I serviced brakes with Paco." in page
    with app.app_context():
        assert db.session.scalar(select(StageReport)) is None


def test_a_submitted_report_is_read_only_until_the_coach_sends_it_back(app, world, login_as, stay):
    submit_report(app, world, login_as, stay)
    student = login_as(world.student_a)
    assert student.get(path(world, "/report")).status_code == 302
    version = report_version(app, stay)
    changed = student.post(path(world, "/report"), {**report_form(version, advice="Other")})
    assert changed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StageReport.advice)) == "Bring work shoes."

    coach = login_as(world.coach_a)
    refused = coach.post(path(world, "/report/return"), {"version": version, "note": " "})
    assert refused.status_code == 422
    response = coach.post(
        path(world, "/report/return"), {"version": version, "note": "Say more about the tools."}
    )
    assert response.status_code == 302
    form = student.get(path(world, "/report")).get_data(as_text=True)
    assert "Say more about the tools." in form
    version = report_version(app, stay)
    response = student.post(
        path(world, "/report"),
        {**report_form(version, professional="Brakes, torque wrench."), "submit": "1"},
    )
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(StageReport))
        assert (report.status, report.professional) == (
            ReportStatus.SUBMITTED,
            "Brakes, torque wrench.",
        )
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("stage_report_%"))
        ).all()
        assert {"stage_report_submitted", "stage_report_returned"} <= {e.action for e in events}
        assert {event.details["report"] for event in events} == {report.id}


def test_a_stale_report_edit_answers_409_with_the_text_kept(app, world, login_as, stay):
    student = login_as(world.student_a)
    student.post(path(world, "/report"), report_form(save="1"))
    opened = report_version(app, stay)
    first = student.post(path(world, "/report"), report_form(opened, advice="First"))
    assert first.status_code == 302
    response = student.post(path(world, "/report"), report_form(opened, advice="Second typed"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Second typed" in page
    assert "Saved now" in page
    with app.app_context():
        assert db.session.scalar(select(StageReport.advice)) == "First"


def test_only_the_participant_writes_and_only_while_the_mobility_is_active(app, world, login_as):
    # placement M in the world is in preparation: no closing steps yet
    assert login_as(world.student_a).get(path(world, "/report")).status_code == 403
    for person in (world.coach_a, world.monitor, world.coordinator_a):
        assert login_as(person).post(path(world, "/report"), report_form()).status_code == 403


# -- the EU survey ------------------------------------------------------------------------


def test_the_participant_confirms_the_eu_survey_and_the_coach_sees_it(
    app, world, login_as, stay, today
):
    student = login_as(world.student_a)
    future = student.post(
        path(world, "/survey"),
        {"filled_on": (today + timedelta(days=1)).isoformat(), "confirm": "y"},
    )
    assert future.status_code == 422
    assert "This day is still to come." in future.get_data(as_text=True)
    unticked = student.post(path(world, "/survey"), {"filled_on": today.isoformat()})
    assert unticked.status_code == 422
    response = student.post(
        path(world, "/survey"), {"filled_on": today.isoformat(), "confirm": "y"}
    )
    assert response.status_code == 302
    page = login_as(world.coach_a).get(path(world)).get_data(as_text=True)
    assert "confirmed by Student A" in page
    with app.app_context():
        assert db.session.scalar(select(MobilityClosing.survey_filled_on)) == today


# -- the final scores -------------------------------------------------------------------------


def test_a_confirmation_is_void_when_a_score_changes_afterwards(app, world, login_as, stay):
    score(app, stay, world.coach_a, 3)
    assert confirm_scores(world, login_as, world.coach_a).status_code == 302
    assert confirm_scores(world, login_as, world.monitor).status_code == 302
    with app.test_request_context():
        state = services.closing_of(db.session.get(Placement, stay))
        assert state.confirmed(Side.COACH)
        assert state.confirmed(Side.MONITOR)
    score(app, stay, world.mentor_es, 4)  # the host's level changes
    with app.test_request_context():
        state = services.closing_of(db.session.get(Placement, stay))
        assert state.voided(Side.COACH)
        assert state.voided(Side.MONITOR)
        assert {Step.COACH_SCORES, Step.MONITOR_SCORES} <= set(state.missing)
    page = login_as(world.coach_a).get(path(world)).get_data(as_text=True)
    assert "Confirm again" in page


def test_scores_that_changed_while_read_are_not_confirmed(app, world, login_as, stay):
    score(app, stay, world.coach_a, 2)
    coach = login_as(world.coach_a)
    page = coach.get(path(world)).get_data(as_text=True)
    digest = page.split('name="digest" type="hidden" value="')[1].split('"')[0]
    score(app, stay, world.student_a, 4)
    response = coach.post(path(world, "/scores"), {"digest": digest})
    assert response.status_code == 302
    assert "The scores changed while you were reading them." in coach.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(MobilityClosing)) is None


def test_the_mentor_at_the_host_company_does_not_confirm(app, world, login_as, stay):
    response = login_as(world.mentor_es).post(path(world, "/scores"), {"digest": "x"})
    assert response.status_code == 403


# -- closing and the record -------------------------------------------------------------------


def test_closing_is_refused_naming_what_is_missing(app, world, login_as, stay):
    submit_report(app, world, login_as, stay)
    coach = login_as(world.coach_a)
    page = coach.get(path(world)).get_data(as_text=True)
    assert "The participant confirms the EU participant survey" in page
    assert "Close the mobility" not in page
    response = coach.post(path(world, "/close"), {"confirm": "y"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "The mobility cannot be closed yet." in text
    assert "The host monitor confirms the final scores" in text
    with app.app_context():
        assert db.session.get(Placement, stay).status == PlacementStatus.ACTIVE


def run_until(app, world, today, last_day) -> int:
    """Placement M as an active stay that began ten days before `last_day`."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.start_date = today - timedelta(days=10)
        placement.end_date = last_day
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()
    return world.placement_m.id


@pytest.mark.parametrize("days_left", [2, 0])
def test_closing_waits_until_the_stay_is_over_and_keeps_every_step(
    app, world, login_as, today, days_left
):
    last_day = today + timedelta(days=days_left)
    placement_id = run_until(app, world, today, last_day)
    # every step may be taken during the stay's last days
    ready(app, world, login_as, today, placement_id)
    coach = login_as(world.coach_a)
    page = coach.get(path(world)).get_data(as_text=True)
    day_after = written(last_day + timedelta(days=1))
    assert f"the coach can close the mobility from {day_after}" in page
    assert "Everything is in: the coach can close the mobility." not in page
    assert "Close the mobility</button>" not in page
    response = coach.post(path(world, "/close"), {"confirm": "y"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f"The stay runs until {written(last_day)}: the mobility can be closed from " in text
    assert day_after in text
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert placement.status == PlacementStatus.ACTIVE
        row = db.session.scalar(select(MobilityClosing))
        assert row.signed_off_at is None
        assert row.coach_confirmed_at is not None
        assert row.monitor_confirmed_at is not None
        assert row.survey_confirmed_at is not None
        report = db.session.scalar(select(StageReport))
        assert report.status == ReportStatus.SUBMITTED


def test_the_day_after_the_stay_the_coach_closes(app, world, login_as, today):
    placement_id = run_until(app, world, today, today - timedelta(days=1))
    ready(app, world, login_as, today, placement_id)
    coach = login_as(world.coach_a)
    assert "Close the mobility</button>" in coach.get(path(world)).get_data(as_text=True)
    assert coach.post(path(world, "/close"), {"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Placement, placement_id).status == PlacementStatus.COMPLETED


def test_the_coach_closes_and_signs_off_the_europass_record(app, world, login_as, stay, today):
    record_path = f"/placements/{stay}/europass-record"
    assert login_as(world.student_a).get(record_path + ".json").status_code == 404
    ready(app, world, login_as, today, stay)
    page = login_as(world.coach_a).get(path(world)).get_data(as_text=True)
    assert "The host monitor: Mona Monitor" in page
    assert "Everything is in: the coach can close the mobility." in page
    student = login_as(world.student_a)
    assert student.post(path(world, "/close"), {"confirm": "y"}).status_code == 403
    coach = login_as(world.coach_a)
    assert coach.post(path(world, "/close"), {}).status_code == 422  # not ticked
    closed = []
    with signals.mobility_closed.connected_to(lambda placement, by: closed.append(by.id)):
        response = coach.post(path(world, "/close"), {"confirm": "y"})
    assert response.status_code == 302
    assert closed == [world.coach_a.id]
    with app.app_context():
        placement = db.session.get(Placement, stay)
        assert placement.status == PlacementStatus.COMPLETED
        row = db.session.scalar(select(MobilityClosing))
        assert (row.signed_off_name, row.signed_off_by_id) == ("Coach A", world.coach_a.id)
        assert "mobility_closed" in set(db.session.scalars(select(AuditEvent.action)))

    page = login_as(world.host_coordinator).get(path(world)).get_data(as_text=True)
    assert "Signed off by Coach A" in page
    assert "Europass record (PDF)" in page
    data = json.loads(student.get(record_path + ".json").get_data(as_text=True))
    assert data["format"] == "leerspoor.mobility-record"
    assert data["version"] == 1
    assert data["participant"] == {"name": "Student A"}
    assert data["sending_organisation"]["name"] == "School A"
    assert data["host_organisation"]["name"] == "Taller Valencia"
    assert data["host_partner"]["country"] == "ES"
    assert data["start_date"] == (today - timedelta(days=20)).isoformat()
    assert data["duration_days"] == 14  # both days included
    outcome = data["learning_outcomes"][0]
    assert outcome["indicators"][0]["levels"]["school"]["level"] == 3
    assert outcome["indicators"][0]["levels"]["host"] is None
    assert data["scores_confirmed"]["monitor"]["name"] == "Mona Monitor"
    assert data["signed_off"] == {"by": "Coach A", "on": today.isoformat()}
    assert isinstance(data["language_self_assessment"], list)

    pdf = login_as(world.monitor).get(record_path + ".pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Europass mobility record" in text
    assert "14 days" in text
    assert "Signed off by the coach Coach A" in text
    # a completed mobility takes no more steps
    assert coach.post(path(world, "/close"), {"confirm": "y"}).status_code == 403


def test_the_record_is_read_by_the_participant_the_school_and_the_host_partner_only(
    app, world, login_as, stay, today
):
    ready(app, world, login_as, today, stay)
    login_as(world.coach_a).post(path(world, "/close"), {"confirm": "y"})
    with app.app_context():
        other = Organisation(name="Porto Partner", kind=OrganisationKind.HOST_ABROAD, country="PT")
        db.session.add(other)
        db.session.flush()
        outsider = make_user("host@porto.example", "Porto Host", (Role.HOST_COORDINATOR, other))
        outsider.locale = "en"
        db.session.commit()
        outsider = db.session.get(User, outsider.id)
        db.session.expunge(outsider)
    record_path = f"/placements/{stay}/europass-record.json"
    for person in (
        world.student_a,
        world.coach_a,
        world.coordinator_a,
        world.monitor,
        world.host_coordinator,
        world.admin,
    ):
        assert login_as(person).get(record_path).status_code == 200, person.name
    assert login_as(world.mentor_es).get(record_path).status_code == 403
    for person in (world.coordinator_b, world.student_b, world.mentor_x, outsider):
        assert login_as(person).get(record_path).status_code == 404, person.name
        assert login_as(person).get(path(world)).status_code == 404, person.name


def test_a_placement_that_is_not_abroad_has_no_closing(world, login_as):
    response = login_as(world.coach_a).get(f"/placements/{world.placement_a.id}/closing")
    assert response.status_code == 404


def test_the_placement_page_links_the_closing_for_its_readers(world, login_as):
    placement = f"/placements/{world.placement_m.id}"
    assert path(world) in login_as(world.coach_a).get(placement).get_data(as_text=True)
    assert path(world) not in login_as(world.mentor_es).get(placement).get_data(as_text=True)


def test_the_closing_page_runs_the_same_queries_for_few_or_many_scores(
    app, world, login_as, stay, count_queries
):
    score(app, stay, world.coach_a, 2)
    submit_report(app, world, login_as, stay)
    coach = login_as(world.coach_a)
    coach.get(path(world))
    with count_queries() as few:
        coach.get(path(world))
    for indicator in range(1, 3):
        for person, level in ((world.coach_a, 3), (world.mentor_es, 4), (world.student_a, 2)):
            score(app, stay, person, level, indicator)
    with count_queries() as many:
        page = coach.get(path(world)).get_data(as_text=True)
    assert "I ordered parts in Spanish." in page
    assert many.count == few.count
    assert many.count <= 15  # the user, the placement and its people, report, closing, levels


def test_the_record_holds_the_language_levels_of_the_candidacy_that_selected_the_participant(
    app, world, login_as, stay, today
):
    ids = calls_world(app, world)
    with app.app_context():
        candidate = db.session.get(Candidate, ids["candidate_a"])
        candidate.cv = {"languages": [{"language": "Spanish", "level": "A2"}]}
        candidate.decision = Decision.SELECTED
        db.session.commit()
        placement = db.session.get(Placement, stay)
        # the call's window is two months away: not this stay's call
        assert record.language_self_assessment(placement) == []
        call = db.session.get(MobilityCall, ids["call_a"])
        call.placement_start = placement.start_date - timedelta(days=1)
        call.placement_end = placement.end_date
        db.session.commit()
        assert record.language_self_assessment(placement) == [
            {"language": "Spanish", "level": "A2"}
        ]
    ready(app, world, login_as, today, stay)
    login_as(world.coach_a).post(path(world, "/close"), {"confirm": "y"})
    response = login_as(world.student_a).get(f"/placements/{stay}/europass-record.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Spanish: A2" in text


def test_a_new_monitor_confirms_the_scores_anew(app, world, login_as, stay):
    score(app, stay, world.coach_a, 3)
    assert confirm_scores(world, login_as, world.monitor).status_code == 302
    with app.app_context():
        partner = db.session.get(Organisation, world.host_partner.id)
        other = make_user("second@host.example", "Second Monitor", (Role.MONITOR, partner))
        db.session.flush()
        db.session.get(Placement, stay).monitor_id = other.id
        db.session.commit()
    with app.test_request_context():
        state = services.closing_of(db.session.get(Placement, stay))
        assert not state.confirmed(Side.MONITOR)
        assert Step.MONITOR_SCORES in state.missing


def test_without_a_framework_there_are_no_scores_to_confirm(app, world, login_as, stay):
    with app.app_context():
        db.session.get(Placement, stay).framework_id = None
        db.session.commit()
    coach = login_as(world.coach_a)
    page = coach.get(path(world)).get_data(as_text=True)
    assert "This placement has no competence framework." in page
    assert 'name="digest"' not in page
    response = coach.post(path(world, "/scores"), {"digest": "anything"})
    assert response.status_code == 302
    followed = coach.get(response.headers["Location"]).get_data(as_text=True)
    assert "This placement has no competence framework to confirm." in followed
    with app.app_context():
        assert db.session.scalar(select(MobilityClosing)) is None


def notifications_of(app, user: User, kind: NotificationKind) -> list[Notification]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == user.id, Notification.kind == kind
                )
            )
        )


def test_the_coach_and_monitor_hear_of_the_report_and_the_participant_of_its_return_and_close(
    app, world, login_as, stay, today
):
    K = NotificationKind
    submit_report(app, world, login_as, stay)
    for reader in (world.coach_a, world.monitor):
        [told] = notifications_of(app, reader, K.STAGE_REPORT_SUBMITTED)
        page = login_as(reader).get("/notifications").get_data(as_text=True)
        assert "Student A handed in the stage report: read it" in page
        opened = login_as(reader).get(f"/notifications/{told.id}/open")
        assert opened.headers["Location"].endswith(f"/placements/{stay}/closing#stage-report")
    for nobody in (world.student_a, world.mentor_es, world.host_coordinator, world.coach_b):
        assert notifications_of(app, nobody, K.STAGE_REPORT_SUBMITTED) == []

    version = report_version(app, stay)
    login_as(world.coach_a).post(
        path(world, "/report/return"), {"version": version, "note": "Say more about the tools."}
    )
    [returned] = notifications_of(app, world.student_a, K.STAGE_REPORT_RETURNED)
    assert notifications_of(app, world.monitor, K.STAGE_REPORT_RETURNED) == []
    page = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    assert "Coach A sent your stage report back with a note" in page

    # handed in again: the coach is told again, of the new version
    login_as(world.student_a).post(
        path(world, "/report"), {**report_form(report_version(app, stay)), "submit": "1"}
    )
    assert len(notifications_of(app, world.coach_a, K.STAGE_REPORT_SUBMITTED)) == 2

    score(app, stay, world.coach_a, 3)
    login_as(world.student_a).post(
        path(world, "/survey"), {"filled_on": today.isoformat(), "confirm": "y"}
    )
    confirm_scores(world, login_as, world.coach_a)
    confirm_scores(world, login_as, world.monitor)
    assert login_as(world.coach_a).post(path(world, "/close"), {"confirm": "y"}).status_code == 302
    [closed] = notifications_of(app, world.student_a, K.MOBILITY_CLOSED)
    page = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    assert "Coach A closed your stay abroad: your Europass record is ready" in page
    assert notifications_of(app, world.coach_a, K.MOBILITY_CLOSED) == []
