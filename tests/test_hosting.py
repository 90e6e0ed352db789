"""The host partner abroad matches its participants: host workplace, mentor, monitor and
lodging; the sending school reads the matching; another host partner sees nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Lodging,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    Role,
)
from tests.browser import page_form
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("in_english")


def matching_path(world, rest: str = "") -> str:
    return f"/placements/{world.placement_m.id}/matching{rest}"


def lodging_form(world, **changes) -> dict:
    start = world.placement_m.start_date
    return {
        "kind": "host_family",
        "address": "Familia García, Carrer de Colón 12, 46004 València",
        "from_date": start.isoformat(),
        "until_date": world.placement_m.end_date.isoformat(),
        **changes,
    }


def other_host_partner(app, world):
    """A host partner in Porto with its own coordinator and monitor."""
    with app.app_context():
        porto = Organisation(
            name="Porto Partner", kind=OrganisationKind.HOST_ABROAD, city="Porto", country="PT"
        )
        db.session.add(porto)
        db.session.flush()
        coordinator = make_user(
            "coordinator@porto.example", "Paula Porto", (Role.HOST_COORDINATOR, porto)
        )
        monitor = make_user("monitor@porto.example", "Pedro Porto", (Role.MONITOR, porto))
        db.session.commit()
        return coordinator.id, monitor.id


def second_monitor_and_company(app, world) -> tuple[int, int, int]:
    """Another monitor of the Valencia partner, and a second company there with a mentor."""
    with app.app_context():
        partner = db.session.get(Placement, world.placement_m.id).host_partner
        company = Organisation(
            name="Taller Turia", kind=OrganisationKind.COMPANY, city="València", country="ES"
        )
        db.session.add(company)
        db.session.flush()
        monitor = make_user("monitor2@valencia.example", "Marta Monitor", (Role.MONITOR, partner))
        mentor = make_user("mentor@turia.example", "Miguel Turia", (Role.MENTOR, company))
        db.session.commit()
        return company.id, mentor.id, monitor.id


def test_host_coordinator_sees_the_matching_of_their_participant(world, login_as):
    page = login_as(world.host_coordinator).get(matching_path(world))
    assert page.status_code == 200
    assert "Save the matching" in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator_a", "coach_a", "student_a", "monitor"])
def test_school_participant_and_monitor_read_the_matching_without_changing_it(
    world, login_as, role
):
    browser = login_as(world.user(role))
    page = browser.get(matching_path(world))
    assert page.status_code == 200
    assert "Save the matching" not in page.get_data(as_text=True)
    assert browser.post(matching_path(world), {}).status_code == 403
    assert browser.post(f"/placements/{world.placement_m.id}/lodgings", {}).status_code == 403


def test_another_host_partner_sees_nothing(app, world, login_as):
    coordinator_id, monitor_id = other_host_partner(app, world)
    for user_id in (coordinator_id, monitor_id):
        with app.app_context():
            from app.models import User

            person = db.session.get(User, user_id)
        browser = login_as(person)
        assert browser.get(matching_path(world)).status_code == 404
        assert browser.get(f"/placements/{world.placement_m.id}").status_code == 404
    page = login_as(person).get("/").get_data(as_text=True)
    assert "Student A" not in page


def test_host_coordinator_matches_workplace_mentor_and_monitor(app, world, login_as):
    company_id, mentor_id, monitor_id = second_monitor_and_company(app, world)
    browser = login_as(world.host_coordinator)
    page = browser.get(matching_path(world))
    form = page_form(page, matching_path(world))
    form.update(workplace=[str(company_id)], mentor=[str(mentor_id)], monitor=[str(monitor_id)])
    assert browser.post(matching_path(world), form).status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        assert (placement.workplace_id, placement.mentor_id, placement.monitor_id) == (
            company_id,
            mentor_id,
            monitor_id,
        )
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "placement_matched")
        )


def test_a_mentor_of_another_company_is_refused_and_nothing_changes(app, world, login_as):
    company_id, _mentor_id, _monitor_id = second_monitor_and_company(app, world)
    browser = login_as(world.host_coordinator)
    form = page_form(browser.get(matching_path(world)), matching_path(world))
    form.update(workplace=[str(company_id)])  # mentor_es works elsewhere
    answer = browser.post(matching_path(world), form)
    assert answer.status_code == 422
    assert "Choose a mentor who works at the chosen company." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).workplace_id != company_id


def test_a_monitor_of_another_host_partner_is_refused(app, world, login_as):
    _coordinator_id, porto_monitor = other_host_partner(app, world)
    browser = login_as(world.host_coordinator)
    form = page_form(browser.get(matching_path(world)), matching_path(world))
    form.update(monitor=[str(porto_monitor)])
    assert browser.post(matching_path(world), form).status_code == 422
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).monitor_id == world.monitor.id


def test_host_coordinator_adds_a_new_company_in_their_country(app, world, login_as):
    browser = login_as(world.host_coordinator)
    path = matching_path(world, "/workplaces")
    answer = browser.post(path, {"name": "Forn de Russafa", "city": "València"})
    assert answer.status_code == 302
    with app.app_context():
        company = db.session.scalar(
            select(Organisation).where(Organisation.name == "Forn de Russafa")
        )
        assert (company.kind, company.country) == (OrganisationKind.COMPANY, "ES")
    assert "Forn de Russafa" in browser.get(matching_path(world)).get_data(as_text=True)
    # the same name again is refused
    assert browser.post(path, {"name": "forn de russafa", "city": ""}).status_code == 422


def test_lodging_within_the_stay_is_added_and_removed(app, world, login_as):
    browser = login_as(world.host_coordinator)
    path = f"/placements/{world.placement_m.id}/lodgings"
    assert browser.post(path, lodging_form(world)).status_code == 302
    page = browser.get(matching_path(world)).get_data(as_text=True)
    assert "Familia García" in page
    assert "Host family" in page
    with app.app_context():
        lodging = db.session.scalar(select(Lodging))
    assert login_as(world.coordinator_a).get(matching_path(world)).status_code == 200
    assert "Familia García" in login_as(world.student_a).get(matching_path(world)).get_data(
        as_text=True
    )
    assert browser.post(f"{path}/{lodging.id}/remove", {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Lodging.id))) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"from_date_shift": -1}, "The lodging starts before the stay."),
        ({"until_date_shift": 30}, "The lodging ends after the stay."),
        ({"swap": True}, "The last night comes after the first."),
        ({"address": "   "}, "This field is required."),
    ],
)
def test_a_lodging_outside_the_stay_is_refused_with_what_was_typed(
    app, world, login_as, changes, message
):
    start, end = world.placement_m.start_date, world.placement_m.end_date
    form = lodging_form(world)
    if "from_date_shift" in changes:
        form["from_date"] = (start + timedelta(days=changes["from_date_shift"])).isoformat()
    if "until_date_shift" in changes:
        form["until_date"] = (end + timedelta(days=changes["until_date_shift"])).isoformat()
    if "swap" in changes:
        form["from_date"], form["until_date"] = end.isoformat(), start.isoformat()
    if "address" in changes:
        form["address"] = changes["address"]
    answer = login_as(world.host_coordinator).post(
        f"/placements/{world.placement_m.id}/lodgings", form
    )
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Lodging.id))) == 0


def test_the_mentor_does_not_see_the_lodging(world, login_as):
    assert login_as(world.mentor_es).get(matching_path(world)).status_code == 403


def test_destination_view_lists_the_partners_participants_of_every_school(app, world, login_as):
    with app.app_context():
        # A participant of School B at the same host partner.
        placement_m = db.session.get(Placement, world.placement_m.id)
        other = Placement(
            student_id=world.student_b.id,
            school_id=world.school_b.id,
            workplace_id=placement_m.workplace_id,
            mentor_id=placement_m.mentor_id,
            coach_id=world.coach_b.id,
            kind=placement_m.kind,
            status=placement_m.status,
            start_date=placement_m.start_date,
            end_date=placement_m.end_date,
            host_partner_id=placement_m.host_partner_id,
        )
        db.session.add(other)
        db.session.commit()
    page = login_as(world.host_coordinator).get("/destination")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Student A" in text
    assert "Student B" in text
    assert "School A" in text
    assert "School B" in text


def test_destination_view_of_another_partner_is_empty(app, world, login_as):
    coordinator_id, _monitor_id = other_host_partner(app, world)
    with app.app_context():
        from app.models import User

        person = db.session.get(User, coordinator_id)
    text = login_as(person).get("/destination").get_data(as_text=True)
    assert "Student A" not in text


@pytest.mark.parametrize("role", ["coach_a", "coordinator_a", "monitor", "student_a"])
def test_destination_view_is_the_host_partners(world, login_as, role):
    assert login_as(world.user(role)).get("/destination").status_code == 403


def test_host_coordinator_does_not_read_the_log(world, login_as):
    browser = login_as(world.host_coordinator)
    assert browser.get(f"/placements/{world.placement_m.id}").status_code == 200
    assert browser.get(f"/placements/{world.placement_m.id}/log").status_code == 403


def test_membership_of_the_world_is_as_the_foundation_says(app, world):
    with app.app_context():
        roles = set(
            db.session.execute(
                select(Membership.user_id, Membership.role).where(
                    Membership.user_id.in_([world.monitor.id, world.host_coordinator.id])
                )
            )
        )
        assert (world.monitor.id, Role.MONITOR) in roles


def test_the_host_partner_itself_can_be_the_workplace_with_its_own_mentor(app, world, login_as):
    with app.app_context():
        partner = db.session.get(Organisation, world.host_partner.id)
        mentor = make_user("mentor@host.example", "Hugo Host", (Role.MENTOR, partner))
        db.session.commit()
        mentor_id = mentor.id
    browser = login_as(world.host_coordinator)
    form = page_form(browser.get(matching_path(world)), matching_path(world))
    form.update(workplace=[str(world.host_partner.id)], mentor=[str(mentor_id)])
    assert browser.post(matching_path(world), form).status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        assert (placement.workplace_id, placement.mentor_id) == (world.host_partner.id, mentor_id)
