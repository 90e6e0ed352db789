"""From a selected candidate to a placement abroad: the school chooses destination and
coach, the host partner of the destination creates the placement, the sending side sees
the group at its destination and the promoter follows the call in its overview and CSV.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.calls import participants
from app.calls import services as calls
from app.domain import DomainError
from app.extensions import db
from app.mobility import services as mobility
from app.models import (
    AuditEvent,
    Candidate,
    Decision,
    ItemKind,
    ItemStatus,
    Membership,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.placements import matching
from tests.browser import read_page_form
from tests.conftest import make_user, monday

pytestmark = pytest.mark.usefixtures("in_english")

COMPLETE_CV = calls.CurriculumVitae(
    education="Car mechanics, 5th year",
    work_experience="Two years of dual learning at a garage",
    languages=[("Spanish", "A2")],
    expectations="Work on other brands of cars",
)


def _get(model, object_id):
    return db.session.get(model, object_id)


@pytest.fixture
def mob(app, world):
    """Schools A and B in the promoter's consortium; a call to Valencia (the world's host
    partner) and Porto (another host partner, with its own coordinator and company);
    Anna (student A, a minor and dual learner) and Bram (student B) selected, Cas of
    School A a reserve. Anna's dual placement is in car mechanics.
    """
    today = world.today
    with app.app_context(), force_locale("en"):
        promoter = _get(Organisation, world.promoter_org.id)
        by = _get(User, world.promoter.id)
        school_a = _get(Organisation, world.school_a.id)
        school_b = _get(Organisation, world.school_b.id)
        for school in (school_a, school_b):
            calls.add_member(promoter, school, today - timedelta(days=30), None, by)
        porto = Organisation(
            name="Host Partner Porto", kind=OrganisationKind.HOST_ABROAD, city="Porto", country="PT"
        )
        oficina = Organisation(
            name="Oficina Porto", kind=OrganisationKind.COMPANY, city="Porto", country="PT"
        )
        db.session.add_all([porto, oficina])
        db.session.flush()
        host_pt = make_user(
            "coordinator@porto.example", "Pia Porto", (Role.HOST_COORDINATOR, porto)
        )
        make_user("mentor@oficina.example", "Mentor PT", (Role.MENTOR, oficina))
        cas = make_user("cas@a.example", "Cas Claes", (Role.STUDENT, school_a))
        _get(User, world.student_a.id).name = "Anna Aerts"
        _get(User, world.student_b.id).name = "Bram Bakker"
        _get(Placement, world.placement_a.id).programme = "Car mechanics"
        db.session.commit()
        start = monday(today, 8)
        call = calls.open_call(
            promoter,
            by,
            calls.CallDetails(
                title="Valencia and Porto",
                placement_start=start,
                placement_end=start + timedelta(days=11),
                interest_deadline=today + timedelta(days=7),
                candidate_deadline=today + timedelta(days=21),
                destinations=[
                    calls.Destination("ES", "Valencia", world.host_partner.id),
                    calls.Destination("PT", "Porto", porto.id),
                ],
                places={school_a.id: 3, school_b.id: 3},
                criteria=calls.default_criteria(),
                dual_learners_first=True,
            ),
        )
        ids = {
            "call": call.id,
            "valencia": call.destinations[0].id,
            "porto": call.destinations[1].id,
            "porto_org": porto.id,
            "oficina": oficina.id,
            "host_pt": host_pt.id,
            "cas": cas.id,
        }
        coordinators = {
            school_a.id: _get(User, world.coordinator_a.id),
            school_b.id: _get(User, world.coordinator_b.id),
        }
        for name, student_id, school, decision in (
            ("anna", world.student_a.id, school_a, Decision.SELECTED),
            ("bram", world.student_b.id, school_b, Decision.SELECTED),
            ("cas_candidate", cas.id, school_a, Decision.RESERVE),
        ):
            candidate = calls.register_candidate(
                call, _get(User, student_id), school, coordinators[school.id], today
            )
            calls.decide(candidate, coordinators[school.id], decision, "After the interview.")
            ids[name] = candidate.id
        return ids


def prepare(app, candidate_id: int, destination_id: int, coach_id: int, by_id: int, **extra):
    with app.app_context(), force_locale("en"):
        participants.prepare(
            _get(Candidate, candidate_id),
            _get(User, by_id),
            participants.Preparation(
                destination_id,
                coach_id,
                extra.get("fewer", False),
                extra.get("note", ""),
            ),
        )


@pytest.fixture
def ready(app, world, mob):
    """Anna (with a complete CV) and Bram ready for matching in Valencia; Anna has fewer
    opportunities.
    """
    with app.app_context(), force_locale("en"):
        calls.save_cv(_get(Candidate, mob["anna"]), _get(User, world.student_a.id), COMPLETE_CV)
    prepare(
        app,
        mob["anna"],
        mob["valencia"],
        world.coach_a.id,
        world.coordinator_a.id,
        fewer=True,
        note="Lives far from school; family on a low income.",
    )
    prepare(app, mob["bram"], mob["valencia"], world.coach_b.id, world.coordinator_b.id)
    return mob


def place_form(world, **changes) -> dict:
    return {
        "workplace": str(world.host_company.id),
        "mentor": str(world.mentor_es.id),
        "monitor": str(world.monitor.id),
        **changes,
    }


def placement_count(app) -> int:
    with app.app_context(), force_locale("en"):
        return db.session.scalar(select(func.count(Placement.id)))


# -- the school makes a selected candidate ready for matching ---------------------------


def test_coordinator_makes_a_selected_candidate_ready_with_the_coach_of_her_placement(
    app, world, mob, login_as
):
    browser = login_as(world.coordinator_a)
    path = f"/candidates/{mob['anna']}/participant"
    page = browser.get(path).get_data(as_text=True)
    # the coach of Anna's dual placement is chosen; two destinations: none is
    assert f'<option selected value="{world.coach_a.id}">' in page
    assert "<option selected" not in page.split('name="destination"')[1].split("</select>")[0]
    response = browser.post(
        path,
        {
            "destination": str(mob["porto"]),
            "coach": str(world.coach_a.id),
            "fewer_opportunities": "y",
            "fewer_opportunities_note": "Lives far from school.",
        },
    )
    assert response.status_code == 302
    with app.app_context(), force_locale("en"):
        candidate = _get(Candidate, mob["anna"])
        assert (candidate.destination_id, candidate.coach_id) == (mob["porto"], world.coach_a.id)
        assert candidate.fewer_opportunities
        assert candidate.fewer_opportunities_note == "Lives far from school."
        assert candidate.ready
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "candidate.prepare", AuditEvent.object_id == candidate.id
            )
        )
        assert event is not None
        assert "Lives" not in str(event.details)


def test_the_only_destination_of_a_call_is_chosen_beforehand(app, world, mob, login_as):
    with app.app_context(), force_locale("en"):
        call = _get(MobilityCall, mob["call"])
        details = calls.CallDetails(
            title=call.title,
            placement_start=call.placement_start,
            placement_end=call.placement_end,
            interest_deadline=call.interest_deadline,
            candidate_deadline=call.candidate_deadline,
            destinations=[calls.Destination("ES", "Valencia", world.host_partner.id)],
            places={world.school_a.id: 3, world.school_b.id: 3},
            criteria=calls.default_criteria(),
            dual_learners_first=True,
        )
        calls.change_call(call, _get(User, world.promoter.id), details)
    page = login_as(world.coordinator_a).get(f"/candidates/{mob['anna']}/participant")
    assert f'<option selected value="{mob["valencia"]}">' in page.get_data(as_text=True)


def test_a_reserve_cannot_be_made_ready_for_matching(app, world, mob, login_as):
    browser = login_as(world.coordinator_a)
    path = f"/candidates/{mob['cas_candidate']}/participant"
    assert "Only a selected candidate" in browser.get(path).get_data(as_text=True)
    response = browser.post(
        path, {"destination": str(mob["valencia"]), "coach": str(world.coach_a.id)}
    )
    assert response.status_code == 422
    assert "Only a selected candidate is made ready" in response.get_data(as_text=True)
    with app.app_context(), force_locale("en"):
        assert _get(Candidate, mob["cas_candidate"]).destination_id is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coach": "coach_b"}, "Not a valid choice"),
        ({"fewer_opportunities": "y"}, "Explain in a few words"),
    ],
)
def test_school_is_told_what_is_wrong_and_nothing_is_saved(
    app, world, mob, login_as, changes, message
):
    data = {"destination": str(mob["valencia"]), "coach": str(world.coach_a.id)}
    data.update({k: str(world.user(v).id) if k == "coach" else v for k, v in changes.items()})
    response = login_as(world.coordinator_a).post(f"/candidates/{mob['anna']}/participant", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context(), force_locale("en"):
        assert _get(Candidate, mob["anna"]).destination_id is None


def test_a_destination_of_another_call_and_a_coach_of_another_school_are_refused(app, world, mob):
    with app.app_context(), force_locale("en"):
        candidate = _get(Candidate, mob["anna"])
        by = _get(User, world.coordinator_a.id)
        with pytest.raises(DomainError, match="call's destinations"):
            participants.prepare(
                candidate, by, participants.Preparation(999999, world.coach_a.id, False, "")
            )
        with pytest.raises(DomainError, match="Choose a coach of School A"):
            participants.prepare(
                candidate,
                by,
                participants.Preparation(mob["valencia"], world.coach_b.id, False, ""),
            )
        assert _get(Candidate, mob["anna"]).destination_id is None


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator_b", 404),  # another school's contact point
        ("student_b", 404),
        ("host_coordinator", 404),
        ("monitor", 404),
        ("mentor_es", 404),
        ("coach_a", 403),  # sees the candidate, does not prepare
        ("student_a", 403),
        ("promoter", 200),
        ("admin", 200),
    ],
)
def test_who_makes_anna_ready_for_matching(world, mob, login_as, role, status):
    path = f"/candidates/{mob['anna']}/participant"
    assert login_as(world.user(role)).get(path).status_code == status


def test_fewer_opportunities_stay_with_the_school_and_the_promoter(app, world, ready, login_as):
    path = f"/candidates/{ready['anna']}"
    for role, sees in (("coordinator_a", True), ("promoter", True), ("coach_a", False)):
        page = login_as(world.user(role)).get(path).get_data(as_text=True)
        assert ("Lives far from school" in page) is sees, role
        assert "Ready for matching" in page


# -- the host partner creates the placement ---------------------------------------------


def test_each_host_partner_sees_the_participants_to_match_at_its_destinations(
    app, world, ready, login_as
):
    prepare(app, ready["bram"], ready["porto"], world.coach_b.id, world.coordinator_b.id)
    valencia = login_as(world.host_coordinator).get("/participants/to-match").get_data(as_text=True)
    assert "Anna Aerts" in valencia
    assert "Bram Bakker" not in valencia
    with app.app_context(), force_locale("en"):
        host_pt = _get(User, ready["host_pt"])
    porto = login_as(host_pt).get("/participants/to-match").get_data(as_text=True)
    assert "Bram Bakker" in porto
    assert "Anna Aerts" not in porto
    promoter = login_as(world.promoter).get("/participants/to-match").get_data(as_text=True)
    assert "Anna Aerts" in promoter
    assert "Bram Bakker" in promoter
    assert "Participants to match" in login_as(world.host_coordinator).get("/destination").get_data(
        as_text=True
    )


def test_host_coordinator_creates_the_placement_abroad(app, world, ready, login_as):
    browser = login_as(world.host_coordinator)
    path = f"/candidates/{ready['anna']}/placement"
    assert browser.get(path).status_code == 200
    response = browser.post(path, place_form(world))
    assert response.status_code == 302
    with app.app_context(), force_locale("en"):
        candidate = _get(Candidate, ready["anna"])
        placement = candidate.placement
        call = candidate.call
        assert response.location.endswith(f"/placements/{placement.id}/matching")
        assert placement.kind == PlacementKind.MOBILITY_ABROAD
        assert placement.status == PlacementStatus.PREPARING
        assert (placement.student_id, placement.school_id, placement.coach_id) == (
            world.student_a.id,
            world.school_a.id,
            world.coach_a.id,
        )
        assert (placement.workplace_id, placement.mentor_id, placement.monitor_id) == (
            world.host_company.id,
            world.mentor_es.id,
            world.monitor.id,
        )
        assert (placement.start_date, placement.end_date) == (
            call.placement_start,
            call.placement_end,
        )
        assert placement.host_partner_id == world.host_partner.id
        assert placement.monitor_scores is True
        assert placement.programme == "Car mechanics"
        assert placement.framework_id == world.placement_a.framework_id
        found = mobility.file_of(placement)
        # the complete CV is delivered; her dual placement overlaps: the company approves
        assert found.item(ItemKind.CV_EXPECTATIONS).status == ItemStatus.DELIVERED
        assert found.item(ItemKind.COMPANY_APPROVAL).status == ItemStatus.MISSING
        assert found.minor
        assert found.item(ItemKind.GUARDIAN_APPROVAL).missing
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "placement_created_from_candidate",
                AuditEvent.object_id == placement.id,
            )
        )
    # from now on the matching page applies: the host partner adds the lodging there
    assert browser.get(response.location).status_code == 200


def test_the_school_edits_the_placement_the_host_created(app, world, ready, login_as):
    """The host company becomes a workplace of the school, so the school's coordinator,
    who is responsible for the placement, can change its dates (and saving it unchanged
    changes nothing).
    """
    host = login_as(world.host_coordinator)
    assert host.post(f"/candidates/{ready['anna']}/placement", place_form(world)).status_code == 302
    with app.app_context():
        placement_id = _get(Candidate, ready["anna"]).placement_id
    browser = login_as(world.coordinator_a)
    path = f"/admin/placements/{placement_id}/edit"
    form = read_page_form(browser.get(path), path).data()
    unchanged = browser.post(path, form, follow_redirects=True)
    assert unchanged.status_code == 200
    assert "Nothing changed." in unchanged.get_data(as_text=True)
    with app.app_context():
        end = _get(Placement, placement_id).end_date
    form["end_date"] = (end - timedelta(days=1)).isoformat()
    assert browser.post(path, form).status_code == 302
    with app.app_context():
        placement = _get(Placement, placement_id)
        assert placement.end_date == end - timedelta(days=1)
        assert placement.workplace_id == world.host_company.id


def test_placement_follows_the_calls_monitor_setting_and_an_incomplete_cv_stays_missing(
    app, world, ready
):
    with app.app_context(), force_locale("en"):
        _get(MobilityCall, ready["call"]).monitor_scores = False
        db.session.commit()
        placement = participants.create_placement(
            _get(Candidate, ready["bram"]),
            _get(User, world.promoter.id),
            matching.Match(world.host_company.id, world.mentor_es.id, world.monitor.id),
        )
        assert placement.monitor_scores is False
        assert placement.coach_id == world.coach_b.id
        found = mobility.file_of(placement)
        assert found.item(ItemKind.CV_EXPECTATIONS).status == ItemStatus.MISSING
        assert found.item(ItemKind.COMPANY_APPROVAL).status == ItemStatus.NOT_NEEDED


def test_the_call_form_sets_whether_monitors_score(app, world, mob, login_as):
    browser = login_as(world.promoter)
    path = f"/calls/{mob['call']}/edit"
    page = browser.get(path)
    assert 'name="monitor_scores"' in page.get_data(as_text=True)
    with app.app_context(), force_locale("en"):
        call = _get(MobilityCall, mob["call"])
        details = calls.CallDetails(
            title=call.title,
            placement_start=call.placement_start,
            placement_end=call.placement_end,
            interest_deadline=call.interest_deadline,
            candidate_deadline=call.candidate_deadline,
            destinations=[
                calls.Destination(d.country, d.city, d.host_partner_id) for d in call.destinations
            ],
            places={world.school_a.id: 3, world.school_b.id: 3},
            criteria=calls.criteria_of(call),
            dual_learners_first=True,
            monitor_scores=False,
        )
        assert calls.change_call(call, _get(User, world.promoter.id), details) is True
        assert _get(MobilityCall, mob["call"]).monitor_scores is False


def test_a_second_placement_for_the_same_candidate_is_refused(app, world, ready, login_as):
    browser = login_as(world.host_coordinator)
    path = f"/candidates/{ready['anna']}/placement"
    assert browser.post(path, place_form(world)).status_code == 302
    before = placement_count(app)
    response = browser.post(path, place_form(world))
    assert response.status_code == 422
    assert "exists already" in response.get_data(as_text=True)
    assert placement_count(app) == before
    with app.app_context(), force_locale("en"):
        with pytest.raises(DomainError, match="exists already"):
            participants.create_placement(
                _get(Candidate, ready["anna"]),
                _get(User, world.admin.id),
                matching.Match(world.host_company.id, world.mentor_es.id, world.monitor.id),
            )
        # and the school's choices are the matching page's now
        with pytest.raises(DomainError, match="matching page"):
            participants.prepare(
                _get(Candidate, ready["anna"]),
                _get(User, world.coordinator_a.id),
                participants.Preparation(ready["porto"], world.coach_a.id, False, ""),
            )


def test_host_coordinator_of_another_partner_cannot_place_a_participant(
    app, world, ready, login_as
):
    with app.app_context(), force_locale("en"):
        host_pt = _get(User, ready["host_pt"])
    browser = login_as(host_pt)
    path = f"/candidates/{ready['anna']}/placement"
    assert browser.get(path).status_code == 404
    assert browser.post(path, place_form(world)).status_code == 404
    assert placement_count(app) == 3


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator_a", 403), ("coach_a", 403), ("monitor", 404), ("mentor_es", 404)],
)
def test_the_school_and_the_hosts_people_do_not_create_the_placement(
    app, world, ready, login_as, role, status
):
    browser = login_as(world.user(role))
    assert (
        browser.post(f"/candidates/{ready['anna']}/placement", place_form(world)).status_code
        == status
    )
    assert placement_count(app) == 3


@pytest.mark.parametrize("workplace", ["company_x", "oficina"])
def test_a_workplace_outside_the_host_partners_choices_is_refused(
    app, world, ready, login_as, workplace
):
    workplace_id = world.company_x.id if workplace == "company_x" else ready["oficina"]
    response = login_as(world.host_coordinator).post(
        f"/candidates/{ready['anna']}/placement", place_form(world, workplace=str(workplace_id))
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context(), force_locale("en"):
        with pytest.raises(DomainError, match="Choose a company in the host partner"):
            participants.create_placement(
                _get(Candidate, ready["anna"]),
                _get(User, world.host_coordinator.id),
                matching.Match(workplace_id, world.mentor_es.id, world.monitor.id),
            )
        with pytest.raises(DomainError, match="works at the chosen company"):
            participants.create_placement(
                _get(Candidate, ready["anna"]),
                _get(User, world.host_coordinator.id),
                matching.Match(world.host_partner.id, world.mentor_es.id, world.monitor.id),
            )
    assert placement_count(app) == 3


def test_a_candidate_not_ready_for_matching_gets_no_placement(app, world, mob, login_as):
    with (
        app.app_context(),
        force_locale("en"),
        pytest.raises(DomainError, match="not made this candidate ready"),
    ):
        participants.create_placement(
            _get(Candidate, mob["anna"]),
            _get(User, world.promoter.id),
            matching.Match(world.host_company.id, world.mentor_es.id, world.monitor.id),
        )
    page = login_as(world.promoter).get(f"/candidates/{mob['anna']}/placement")
    assert "has not made this candidate ready" in page.get_data(as_text=True)


def test_the_promoter_sees_nothing_of_member_schools_other_placements(world, ready, login_as):
    browser = login_as(world.promoter)
    assert browser.get(f"/placements/{world.placement_a.id}").status_code == 404
    assert "Car mechanics" not in browser.get(f"/calls/{ready['call']}/overview").get_data(
        as_text=True
    )


# -- the group at a destination ---------------------------------------------------------


def group_page(world, login_as, role_or_user, mob, destination="valencia"):
    user = world.user(role_or_user) if isinstance(role_or_user, str) else role_or_user
    return login_as(user).get(f"/calls/{mob['call']}/destinations/{mob[destination]}")


@pytest.mark.parametrize("role", ["coordinator_b", "coach_b", "student_b"])
def test_another_schools_participants_show_by_first_name_and_school(world, ready, login_as, role):
    page = group_page(world, login_as, role, ready).get_data(as_text=True)
    assert "Bram Bakker" in page
    assert "<h2>Anna</h2>" in page
    assert "Aerts" not in page
    assert "School A" in page


@pytest.mark.parametrize("role", ["promoter", "admin"])
def test_the_promoter_sees_the_whole_group_in_full(world, ready, login_as, role):
    page = group_page(world, login_as, role, ready).get_data(as_text=True)
    assert "Anna Aerts" in page
    assert "Bram Bakker" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("host_coordinator", 404),  # keeps its own destination view
        ("monitor", 404),
        ("mentor_es", 404),
        ("company_coordinator_x", 404),
        ("outsider", 404),
    ],
)
def test_the_hosts_and_others_do_not_see_the_sending_sides_group(
    world, ready, login_as, role, status
):
    assert group_page(world, login_as, role, ready).status_code == status


def test_a_school_without_participants_at_a_destination_does_not_see_its_group(
    world, ready, login_as
):
    # nobody goes to Porto: not School A's coach, not student A
    for role in ("coach_a", "student_a", "coordinator_b"):
        assert group_page(world, login_as, role, ready, "porto").status_code == 403


# -- the promoter's call overview -------------------------------------------------------


def test_promoter_overview_shows_each_stage_and_what_the_file_misses(app, world, ready, login_as):
    login_as(world.host_coordinator).post(
        f"/candidates/{ready['anna']}/placement", place_form(world)
    )
    page = login_as(world.promoter).get(f"/calls/{ready['call']}/overview").get_data(as_text=True)
    assert "School A" in page
    assert "School B" in page
    assert "Anna Aerts" in page
    assert "Bram Bakker" in page
    assert "Preparing" in page
    assert "Ready for matching" in page
    assert "Missing:" not in page  # no long line of items: a count, the list folded
    folded = re.search(
        r'<details class="missing-items">\s*<summary>(\d+) items missing in the mobility file'
        r"</summary>\s*<ul>(.*?)</ul>",
        page,
        re.S,
    )
    assert folded is not None
    items = re.findall(r"<li>(.*?)</li>", folded.group(2))
    assert len(items) == int(folded.group(1)) > 1
    assert any("guardian" in item.lower() for item in items)
    assert "Cas Claes" not in page  # a reserve is no participant


def test_school_contact_point_sees_only_its_schools_rows(world, ready, login_as):
    page = (
        login_as(world.coordinator_b).get(f"/calls/{ready['call']}/overview").get_data(as_text=True)
    )
    assert "Bram Bakker" in page
    assert "Anna" not in page
    assert "School A" not in page
    csv_text = (
        login_as(world.coordinator_b)
        .get(f"/calls/{ready['call']}/overview.csv")
        .get_data(as_text=True)
    )
    assert "Bram Bakker" in csv_text
    assert "Anna" not in csv_text


@pytest.mark.parametrize(
    ("role", "status"),
    [("coach_a", 403), ("student_a", 403), ("host_coordinator", 404), ("monitor", 404)],
)
def test_the_overview_is_not_for_coaches_participants_or_hosts(
    world, ready, login_as, role, status
):
    assert login_as(world.user(role)).get(f"/calls/{ready['call']}/overview").status_code == status


def test_overview_csv_has_one_row_per_participant_as_the_beneficiary_reports(
    app, world, ready, login_as
):
    login_as(world.host_coordinator).post(
        f"/candidates/{ready['anna']}/placement", place_form(world)
    )
    response = login_as(world.promoter).get(f"/calls/{ready['call']}/overview.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(
        csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert list(rows[0]) == list(participants.CSV_COLUMNS)
    by_name = {row["participant"]: row for row in rows}
    assert set(by_name) == {"Anna Aerts", "Bram Bakker"}
    anna = by_name["Anna Aerts"]
    with app.app_context(), force_locale("en"):
        call = _get(MobilityCall, ready["call"])
        start, end = call.placement_start, call.placement_end
    assert anna == {
        "participant": "Anna Aerts",
        "sending_organisation": "School A",
        "receiving_organisation": "Taller Valencia",
        "host_partner": "Host Partner Valencia",
        "country": "ES",
        "city": "Valencia",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "duration_days": str((end - start).days + 1),
        "field_of_education": "Car mechanics",
        "minor_at_start": "yes",
        "fewer_opportunities": "yes",
        "stage": "preparing",
    }
    assert by_name["Bram Bakker"]["minor_at_start"] == "no"
    assert by_name["Bram Bakker"]["receiving_organisation"] == ""
    assert by_name["Bram Bakker"]["stage"] == "ready"


def test_duration_counts_the_first_and_the_last_day(today):
    day = monday(today)
    assert participants.duration_days(day, day) == 1
    assert participants.duration_days(day, day + timedelta(days=11)) == 12


def crowd(app, world, call_id: int, count: int) -> None:
    """`count` more participants over three schools, in every stage."""
    with app.app_context(), force_locale("en"):
        call = _get(MobilityCall, call_id)
        school_c = db.session.scalar(select(Organisation).where(Organisation.name == "School C"))
        if school_c is None:
            school_c = Organisation(name="School C", kind=OrganisationKind.SCHOOL, city="Brugge")
            db.session.add(school_c)
            db.session.flush()
        schools = [world.school_a.id, world.school_b.id, school_c.id]
        statuses = [
            None,
            PlacementStatus.PREPARING,
            PlacementStatus.ACTIVE,
            PlacementStatus.COMPLETED,
        ]
        base = db.session.scalar(select(func.count(User.id)))
        for number in range(count):
            school_id = schools[number % 3]
            student = User(
                email=f"crowd{base + number}@example.org",
                name=f"Crowd {base + number}",
                password_hash="x",
                birth_date=call.placement_start - timedelta(days=6000 + number),
            )
            student.memberships.append(Membership(role=Role.STUDENT, organisation_id=school_id))
            db.session.add(student)
            db.session.flush()
            candidate = Candidate(
                call_id=call.id,
                student_id=student.id,
                school_id=school_id,
                cv={},
                decision=Decision.SELECTED,
                destination_id=call.destinations[number % 2].id,
                coach_id=world.coach_a.id,
            )
            status = statuses[number % 4]
            if status is not None:
                placement = Placement(
                    student_id=student.id,
                    school_id=school_id,
                    workplace_id=world.host_company.id,
                    mentor_id=world.mentor_es.id,
                    coach_id=world.coach_a.id,
                    host_partner_id=world.host_partner.id,
                    kind=PlacementKind.MOBILITY_ABROAD,
                    status=status,
                    start_date=call.placement_start,
                    end_date=call.placement_end,
                )
                db.session.add(placement)
                db.session.flush()
                candidate.placement_id = placement.id
            db.session.add(candidate)
        db.session.commit()


def test_overview_runs_a_bounded_number_of_queries(app, world, ready, login_as, count_queries):
    browser = login_as(world.promoter)
    paths = [
        f"/calls/{ready['call']}/overview",
        f"/calls/{ready['call']}/overview.csv",
        f"/calls/{ready['call']}/destinations/{ready['valencia']}",
        "/participants/to-match",
    ]

    def counted() -> dict[str, int]:
        found = {}
        for path in paths:
            with count_queries() as counter:
                assert browser.get(path).status_code == 200
            found[path] = counter.count
        return found

    crowd(app, world, ready["call"], 6)
    small = counted()
    crowd(app, world, ready["call"], 54)
    large = counted()
    assert large == small
    page = browser.get(paths[0]).get_data(as_text=True)
    assert "School C" in page
    assert page.count("Crowd ") >= 60


def test_a_student_of_the_school_who_does_not_go_does_not_see_the_group(
    app, world, ready, login_as
):
    with app.app_context():
        cas = _get(User, ready["cas"])
    assert group_page(world, login_as, cas, ready).status_code == 403


# -- the host partner reads the CV of the participants it hosts -------------------------


def test_the_host_coordinator_reads_the_cv_of_a_participant_it_hosts(app, world, ready, login_as):
    browser = login_as(world.host_coordinator)
    listed = browser.get("/participants/to-match").get_data(as_text=True)
    assert f"/candidates/{ready['anna']}/cv/read" in listed
    page = browser.get(f"/candidates/{ready['anna']}/cv/read")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Two years of dual learning at a garage" in text
    assert "Spanish (A2)" in text
    assert "Fill in" not in text  # read only
    assert "Lives far from school" not in text  # nothing else of the candidacy
    pdf = browser.get(f"/candidates/{ready['anna']}/cv.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    # the form to fill in, the candidacy and the call stay the school's and the candidate's
    assert browser.get(f"/candidates/{ready['anna']}/cv").status_code == 404
    assert browser.post(f"/candidates/{ready['anna']}/cv", {}).status_code == 404
    assert browser.get(f"/candidates/{ready['anna']}").status_code == 404
    # once the placement exists, the host partner still reads it
    assert (
        browser.post(f"/candidates/{ready['anna']}/placement", place_form(world)).status_code == 302
    )
    assert browser.get(f"/candidates/{ready['anna']}/cv/read").status_code == 200


def test_another_host_partner_and_a_reserve_s_cv_stay_closed(app, world, ready, login_as):
    with app.app_context():
        porto = _get(User, ready["host_pt"])
    other = login_as(porto)
    for path in (f"/candidates/{ready['anna']}/cv/read", f"/candidates/{ready['anna']}/cv.pdf"):
        assert other.get(path).status_code == 404
    host = login_as(world.host_coordinator)
    # Cas is a reserve with no destination: not the host's to read
    assert host.get(f"/candidates/{ready['cas_candidate']}/cv/read").status_code == 404
    # a participant taken back to the reserve is no longer the host's
    with app.app_context(), force_locale("en"):
        calls.decide(
            _get(Candidate, ready["bram"]),
            _get(User, world.coordinator_b.id),
            Decision.RESERVE,
            "The place went to another student.",
        )
    assert host.get(f"/candidates/{ready['bram']}/cv/read").status_code == 404
    # the school and the candidate read it as before
    assert (
        login_as(world.coordinator_a).get(f"/candidates/{ready['anna']}/cv/read").status_code == 200
    )
    assert login_as(world.student_a).get(f"/candidates/{ready['anna']}/cv/read").status_code == 200


# -- a decision taken back once the placement exists ------------------------------------


def test_a_decision_cannot_be_taken_back_while_the_placement_abroad_exists(
    app, world, ready, login_as
):
    host = login_as(world.host_coordinator)
    assert host.post(f"/candidates/{ready['anna']}/placement", place_form(world)).status_code == 302
    coordinator = login_as(world.coordinator_a)
    path = f"/candidates/{ready['anna']}"
    assert "the decision stays Selected until" in coordinator.get(path).get_data(as_text=True)
    response = coordinator.post(
        path + "/decision", {"decision": "reserve", "reason": "Another student goes instead."}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A placement abroad exists for Anna Aerts (In preparation)" in page
    assert "stop the placement first" in page
    assert "Another student goes instead." in page  # what was typed is kept
    with app.app_context():
        candidate = _get(Candidate, ready["anna"])
        assert candidate.decision == Decision.SELECTED
        assert candidate.decision_reason == "After the interview."
        placement_id = candidate.placement_id
        assert placement_id is not None
    overview = login_as(world.promoter).get(f"/calls/{ready['call']}/overview")
    assert "Anna Aerts" in overview.get_data(as_text=True)
    # rewording the reason of the decision stays possible
    reworded = coordinator.post(
        path + "/decision", {"decision": "selected", "reason": "Best interview of the school."}
    )
    assert reworded.status_code == 302


def test_once_the_placement_is_stopped_the_decision_may_change_and_the_placement_stays(
    app, world, ready, login_as
):
    host = login_as(world.host_coordinator)
    host.post(f"/candidates/{ready['anna']}/placement", place_form(world))
    with app.app_context():
        placement = _get(Candidate, ready["anna"]).placement
        placement.status = PlacementStatus.STOPPED  # the school cancels the stay
        db.session.commit()
        placement_id = placement.id
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(
        f"/candidates/{ready['anna']}/decision",
        {"decision": "reserve", "reason": "Cancelled for health reasons."},
    )
    assert response.status_code == 302
    with app.app_context():
        candidate = _get(Candidate, ready["anna"])
        assert candidate.decision == Decision.RESERVE
        assert candidate.placement_id == placement_id  # the record of the stopped stay stays
        assert _get(Placement, placement_id).status == PlacementStatus.STOPPED


def test_a_completed_mobility_keeps_its_decision(app, world, ready, login_as):
    host = login_as(world.host_coordinator)
    host.post(f"/candidates/{ready['anna']}/placement", place_form(world))
    with app.app_context():
        _get(Candidate, ready["anna"]).placement.status = PlacementStatus.COMPLETED
        db.session.commit()
    response = login_as(world.coordinator_a).post(
        f"/candidates/{ready['anna']}/decision", {"decision": "not_selected", "reason": "No."}
    )
    assert response.status_code == 422
    assert "mobility is completed" in response.get_data(as_text=True)
    with app.app_context():
        assert _get(Candidate, ready["anna"]).decision == Decision.SELECTED
