"""Administration as a coordinator or admin: organisations, invitations and placements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import policy
from app.extensions import db
from app.models import (
    AuditEvent,
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    Placement,
    Role,
    User,
)
from tests.conftest import make_user, monday, placement_form


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- organisations ----------------------------------------------------------------------


def test_coordinator_adds_a_company_that_becomes_a_partner_of_the_school(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(
        "/admin/organisations/new",
        {"name": "Bakkerij Vermeulen", "kind": "company", "city": "Eeklo", "country": "be"},
    )
    assert response.status_code == 302
    with app.app_context():
        bakery = db.session.scalar(
            select(Organisation).where(Organisation.name == "Bakkerij Vermeulen")
        )
        assert bakery.kind is OrganisationKind.COMPANY
        assert bakery.country == "BE"
        partnership = db.session.scalar(
            select(Partnership).where(Partnership.workplace_id == bakery.id)
        )
        assert partnership.school_id == world.school_a.id
    assert "Bakkerij Vermeulen" in coordinator.get("/admin/organisations").get_data(as_text=True)
    other = login_as(world.coordinator_b).get("/admin/organisations").get_data(as_text=True)
    assert "Bakkerij Vermeulen" not in other


def test_coordinator_cannot_create_a_school(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/organisations/new", {"name": "Nep School", "kind": "school", "country": "BE"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(select(Organisation).where(Organisation.name == "Nep School")) is None
        )


def test_admin_creates_a_school(app, world, login_as):
    response = login_as(world.admin).post(
        "/admin/organisations/new",
        {"name": "Campus Noord", "kind": "school", "country": "NL", "partner_school": 0},
    )
    assert response.status_code == 302
    with app.app_context():
        school = db.session.scalar(select(Organisation).where(Organisation.name == "Campus Noord"))
        assert school.is_school


def test_an_empty_name_is_refused_next_to_the_field(world, login_as):
    response = login_as(world.coordinator_a).post(
        f"/admin/organisations/{world.company_x.id}", {"name": "", "country": "BE"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in page


def test_coordinator_renames_a_partner_company(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        f"/admin/organisations/{world.company_x.id}",
        {"name": "Company X nv", "city": "Deinze", "country": "BE"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, world.company_x.id).name == "Company X nv"
        assert "organisation_updated" in db.session.scalars(select(AuditEvent.action)).all()


def test_organisation_page_lists_its_people(world, login_as):
    page = login_as(world.coordinator_a).get(f"/admin/organisations/{world.company_x.id}")
    text = page.get_data(as_text=True)
    assert "Mentor X" in text
    assert "HR X" in text


# -- invitations ------------------------------------------------------------------------


def _invite(browser, world, **data):
    form = {
        "name": "Nina Mentor",
        "email": "nina@x.example",
        "organisation": world.company_x.id,
        "role": "mentor",
    }
    form.update(data)
    return browser.post("/admin/people/invite", form)


def test_inviting_a_mentor_creates_the_account_and_mails_a_link(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    assert _invite(coordinator, world).status_code == 302
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@x.example"))
        assert not nina.has_password
        assert nina.organisation_ids(Role.MENTOR) == {world.company_x.id}
    message = outbox.last()
    assert message["To"] == "nina@x.example"
    assert "Cor A" in outbox.body(message)
    assert "Company X" in outbox.body(message)
    people = coordinator.get("/admin/people").get_data(as_text=True)
    assert "Nina Mentor" in people
    assert "nog niet aanvaard" in people


def test_invitation_can_be_sent_again(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    _invite(coordinator, world)
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@x.example"))
    response = coordinator.post(f"/admin/people/{nina.id}/invitation")
    assert response.status_code == 302
    assert len(outbox) == 2
    assert outbox.link(outbox.messages[1]).startswith("/invitation/")


def test_inviting_someone_twice_in_the_same_role_is_refused(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    response = _invite(coordinator, world, email="MENTOR@x.example", name="Mentor X")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert "is al mentor bij Company X" in page
    assert len(outbox) == 0


def test_inviting_an_existing_user_adds_the_role_and_says_so(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    response = _invite(coordinator, world, email=world.coach_a.email, name="Coach A")
    assert response.status_code == 302
    with app.app_context():
        coach = db.session.get(User, world.coach_a.id)
        assert world.company_x.id in coach.organisation_ids(Role.MENTOR)
    body = outbox.body(outbox.last())
    assert "/invitation/" not in body
    assert "/login" in body


def test_a_mentor_cannot_be_invited_into_a_school(app, world, login_as, outbox):
    response = _invite(login_as(world.coordinator_a), world, organisation=world.school_a.id)
    assert response.status_code == 200
    assert 'id="role-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nina@x.example")) is None


def test_coordinator_cannot_invite_into_another_school(app, world, login_as):
    response = _invite(
        login_as(world.coordinator_a), world, organisation=world.school_b.id, role="coach"
    )
    assert response.status_code == 200
    assert 'id="organisation-error"' in response.get_data(as_text=True)


def test_a_bad_email_address_is_refused(world, login_as):
    response = _invite(login_as(world.coordinator_a), world, email="nina at x")
    assert 'id="email-error"' in response.get_data(as_text=True)


@pytest.mark.usefixtures("in_english")
@pytest.mark.parametrize("address", ["=1+1@x.example", "+nina@x.example", "-nina@x.example"])
def test_an_address_that_starts_like_a_spreadsheet_formula_is_refused(
    app, world, login_as, outbox, address
):
    coordinator = login_as(world.coordinator_a)
    page = _invite(coordinator, world, email=address).get_data(as_text=True)
    error = page.split('id="email-error">', 1)[1].split("</p>", 1)[0]
    assert "An e-mail address cannot start with =, + or -." in error
    corrected = coordinator.post(
        f"/admin/people/{world.student_a.id}", {"name": "Student A", "email": address}
    )
    assert 'id="email-error"' in corrected.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == address)) is None
    assert len(outbox) == 0


def test_people_search_finds_by_name(world, login_as):
    page = login_as(world.coordinator_a).get("/admin/people?q=mentor").get_data(as_text=True)
    assert "Mentor X" in page
    assert "Student A" not in page


def test_coordinator_does_not_see_people_of_another_school(world, login_as):
    page = login_as(world.coordinator_a).get("/admin/people").get_data(as_text=True)
    assert "Student A" in page
    assert "Student B" not in page
    assert "Mentor Y" not in page


# -- placements -------------------------------------------------------------------------


def test_coordinator_creates_a_placement(app, world, login_as):
    response = login_as(world.coordinator_a).post("/admin/placements/new", placement_form(world))
    assert response.status_code == 302
    with app.app_context():
        assert _count(Placement) == 4
        created = db.session.scalar(select(Placement).order_by(Placement.id.desc()))
        assert created.kind.value == "internship"
        assert "placement_created" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_placement_ending_before_it_starts_is_refused_next_to_the_end_date(
    start, app, world, login_as
):
    response = login_as(world.coordinator_a).post(
        "/admin/placements/new",
        placement_form(world, end_date=(start + timedelta(days=122)).isoformat()),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="end_date-error"' in page
    assert "De einddatum ligt vóór de startdatum." in page
    assert f'value="{monday(start, 22)}"' in page  # what was typed is kept
    with app.app_context():
        assert _count(Placement) == 3


def test_a_mentor_from_another_company_is_refused_next_to_the_mentor(app, world, login_as):
    with app.app_context():
        company_z = Organisation(name="Company Z", kind=OrganisationKind.COMPANY)
        db.session.add(company_z)
        db.session.flush()
        db.session.add(Partnership(school_id=world.school_a.id, workplace_id=company_z.id))
        mentor_z = make_user("mentor@z.example", "Mentor Z", (Role.MENTOR, company_z))
        db.session.commit()
        mentor_z_id = mentor_z.id
    response = login_as(world.coordinator_a).post(
        "/admin/placements/new", placement_form(world, mentor=mentor_z_id)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="mentor-error"' in page
    assert "Mentor Z is geen mentor bij Company X" in page
    with app.app_context():
        assert _count(Placement) == 3


def test_a_student_of_another_school_is_not_a_choice(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/placements/new", placement_form(world, student=world.student_b.id)
    )
    assert 'id="student-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Placement) == 3


def test_coordinator_edits_a_placement(start, app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    form_page = coordinator.get(f"/admin/placements/{world.placement_a.id}/edit")
    assert f'value="{start}"' in form_page.get_data(as_text=True)
    response = coordinator.post(
        f"/admin/placements/{world.placement_a.id}/edit",
        placement_form(
            world, kind="dual_learning", end_date=monday(start, 39).isoformat(), status="stopped"
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        assert placement.end_date.isoformat() == monday(start, 39).isoformat()
        assert placement.status.value == "stopped"


def test_a_failed_edit_loses_nothing_already_saved(start, app, world, login_as):
    login_as(world.coordinator_a).post(
        f"/admin/placements/{world.placement_a.id}/edit",
        placement_form(
            world,
            start_date=(start + timedelta(days=273)).isoformat(),
            end_date=(start + timedelta(days=122)).isoformat(),
        ),
    )
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        assert placement.start_date.isoformat() == start.isoformat()
        assert placement.end_date.isoformat() == (start + timedelta(days=302)).isoformat()


def test_admin_dashboard_counts_what_the_coordinator_manages(world, login_as):
    page = login_as(world.coordinator_a).get("/admin/").get_data(as_text=True)
    assert "School A" in page
    assert "School B" not in page


# -- bounded queries --------------------------------------------------------------------


def _add_placements(world, count: int) -> None:
    for number in range(count):
        student = make_user(
            f"extra{number}@a.example", f"Extra {number}", (Role.STUDENT, world.school_a)
        )
        student.birth_date = world.student_a.birth_date  # a class of minors, as student A
        make_user(f"mentor{number}@x.example", f"Mentor {number}", (Role.MENTOR, world.company_x))
        db.session.flush()
        db.session.add(
            Placement(
                student_id=student.id,
                school_id=world.school_a.id,
                workplace_id=world.company_x.id,
                mentor_id=world.mentor_x.id,
                coach_id=world.coach_a.id,
                kind="internship",
                start_date=world.placement_a.start_date,
                end_date=world.placement_a.end_date,
            )
        )
    db.session.commit()


def _queries(count_queries, browser, path: str) -> int:
    with count_queries() as counter:
        response = browser.get(path)
    assert response.status_code == 200
    return counter.count


def test_pages_run_a_bounded_number_of_queries(app, world, login_as, count_queries):
    coordinator = login_as(world.coordinator_a)
    paths = [
        "/",
        "/admin/",
        "/admin/people",
        "/admin/organisations",
        "/admin/placements/new",
        f"/admin/organisations/{world.company_x.id}",
        f"/admin/people/{world.mentor_x.id}",
        f"/placements/{world.placement_a.id}",
    ]
    small = {path: _queries(count_queries, coordinator, path) for path in paths}
    with app.app_context():
        _add_placements(world, 40)
    large = {path: _queries(count_queries, coordinator, path) for path in paths}
    assert large == small
    # The home page also counts the school's placements that need attention, with the
    # caseload's own queries (tests/test_caseload_performance.py holds its budget).
    # with the mobility files of the stays abroad listed (four queries for any number)
    assert large.pop("/") <= 24
    # Student A is a minor: for the school's staff the placement's page also reads the
    # school's rule on a guardian's approval (one query more than for an adult).
    assert large.pop(f"/placements/{world.placement_a.id}") <= 14
    # A page with a form to type in also looks for the reader's draft of it (one query).
    assert max(large.values()) <= 13, large


def test_mentor_home_page_queries_do_not_grow_with_placements(app, world, login_as, count_queries):
    mentor = login_as(world.mentor_x)
    small = _queries(count_queries, mentor, "/")
    with app.app_context():
        _add_placements(world, 30)
    assert _queries(count_queries, mentor, "/") == small


# -- people -----------------------------------------------------------------------------


def test_coordinator_corrects_a_name_and_email(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student Anna", "email": "Anna@A.example"},
    )
    assert response.status_code == 302
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        assert (student.name, student.email) == ("Student Anna", "anna@a.example")


def test_an_email_that_belongs_to_someone_else_is_refused(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student A", "email": world.coach_a.email.upper()},
    )
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page
    assert world.coach_a.email in page
    with app.app_context():
        assert db.session.get(User, world.student_a.id).email == world.student_a.email


@pytest.mark.parametrize(
    ("coordinator", "answer"),
    [
        ("coordinator_a", 302),  # School A registered the coach: the name is theirs to fix
        ("coordinator_coach_a", 302),
        ("coordinator_b", 403),  # School B sees the coach and changes nothing
    ],
)
def test_one_school_cannot_change_the_address_of_a_coach_it_shares(
    app, world, login_as, in_english, coordinator, answer
):
    """The address is the account (reset links go there): a coach who also coaches for
    another school is handed over by neither school alone.
    """
    coordinator = login_as(world.user(coordinator))
    path = f"/admin/people/{world.coach_ab.id}"
    page = coordinator.get(path).get_data(as_text=True)
    assert "coach@ab.example" in page
    assert 'name="email"' not in page
    response = coordinator.post(path, {"name": "Coach AB", "email": "taken.over@evil.example"})
    assert response.status_code == answer
    if answer == 302:
        assert response.headers["Location"] == path
    with app.app_context():
        assert db.session.get(User, world.coach_ab.id).email == "coach@ab.example"
        assert (
            db.session.scalar(select(User).where(User.email == "taken.over@evil.example")) is None
        )


def test_an_admin_changes_the_address_of_a_coach_of_two_schools(app, world, login_as):
    admin = login_as(world.admin)
    path = f"/admin/people/{world.coach_ab.id}"
    assert 'name="email"' in admin.get(path).get_data(as_text=True)
    response = admin.post(path, {"name": "Coach AB", "email": "coach.ab@b.example"})
    assert response.headers["Location"] == path
    with app.app_context():
        assert db.session.get(User, world.coach_ab.id).email == "coach.ab@b.example"


def test_a_coordinator_changes_the_address_of_their_own_coach_who_coordinates_too(
    app, world, login_as
):
    """Coordinating is a role the school gives: the school's own coordinator may move
    the address of who coaches and coordinates there only. Another school may not.
    """
    path = f"/admin/people/{world.coordinator_coach_a.id}"
    response = login_as(world.coordinator_b).post(
        path, {"name": "Cora Coach", "email": "x@b.example"}
    )
    assert response.status_code == 404  # not in School B's administration
    with app.app_context():
        assert db.session.get(User, world.coordinator_coach_a.id).email == (
            "coordinating.coach@a.example"
        )


def test_admin_switches_an_account_off_and_it_is_logged_out(app, world, login_as):
    student = login_as(world.student_a)
    assert student.get("/").status_code == 200
    login_as(world.admin).post(
        f"/admin/people/{world.student_a.id}", {"name": "Student A", "email": world.student_a.email}
    )
    assert student.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, world.student_a.id).active is False


def test_a_coordinator_cannot_switch_an_account_off(app, world, login_as):
    login_as(world.coordinator_a).post(
        f"/admin/people/{world.student_a.id}", {"name": "Student A", "email": world.student_a.email}
    )
    with app.app_context():
        assert db.session.get(User, world.student_a.id).active is True


def test_a_role_in_use_by_a_placement_cannot_be_removed(app, world, login_as):
    membership_id = world.mentor_x.memberships[0].id
    response = login_as(world.coordinator_a).post(
        f"/admin/people/{world.mentor_x.id}/memberships/{membership_id}/delete"
    )
    assert response.status_code == 200
    assert "1 actief traject" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership_id) is not None


def test_only_an_admin_removes_a_company_coordinator(app, world, login_as):
    membership_id = world.company_coordinator_x.memberships[0].id
    path = f"/admin/people/{world.company_coordinator_x.id}/memberships/{membership_id}/delete"
    assert login_as(world.coordinator_a).post(path).status_code == 403
    with app.app_context():
        assert db.session.get(Membership, membership_id) is not None


def test_an_unused_role_is_removed(app, world, login_as):
    membership_id = world.company_coordinator_x.memberships[0].id
    response = login_as(world.admin).post(
        f"/admin/people/{world.company_coordinator_x.id}/memberships/{membership_id}/delete"
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, membership_id) is None
        assert "membership_removed" in db.session.scalars(select(AuditEvent.action)).all()


def test_an_admin_cannot_switch_off_their_own_account(app, world, login_as):
    response = login_as(world.admin).post(
        f"/admin/people/{world.admin.id}", {"name": "Ada Admin", "email": world.admin.email}
    )
    assert 'id="active-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.admin.id).active is True


def test_a_coordinator_of_two_schools_chooses_the_school_of_a_new_company(app, world, login_as):
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.coordinator_a.id,
                organisation_id=world.school_b.id,
                role=Role.COORDINATOR,
            )
        )
        db.session.commit()
    coordinator = login_as(world.coordinator_a)
    assert 'name="partner_school"' in coordinator.get("/admin/organisations/new").get_data(
        as_text=True
    )
    response = coordinator.post(
        "/admin/organisations/new",
        {
            "name": "Drukkerij Peeters",
            "kind": "company",
            "country": "BE",
            "partner_school": world.school_b.id,
        },
    )
    assert response.status_code == 302
    assert coordinator.get(response.headers["Location"]).status_code == 200
    with app.app_context():
        printer = db.session.scalar(
            select(Organisation).where(Organisation.name == "Drukkerij Peeters")
        )
        assert policy.partner_school_ids(printer) == {world.school_b.id}


def test_resending_from_the_person_page_returns_there(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    _invite(coordinator, world)
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@x.example"))
    page = f"/admin/people/{nina.id}"
    response = coordinator.post(f"/admin/people/{nina.id}/invitation", {"next": page})
    assert response.headers["Location"] == page
    off_site = coordinator.post(
        f"/admin/people/{nina.id}/invitation", {"next": "https://evil.example/"}
    )
    assert off_site.headers["Location"] == "/admin/people"


def test_a_placement_is_followed_with_a_framework_and_rubric_at_their_version(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(
        "/admin/placements/new",
        placement_form(world, framework="electrical-installation", rubric="soft-skills"),
    )
    assert response.status_code == 302
    with app.app_context():
        placement = db.session.scalar(select(Placement).order_by(Placement.id.desc()))
        assert (placement.framework_id, placement.framework_version) == (
            "electrical-installation",
            1,
        )
        assert placement.rubric_id == "soft-skills"
    page = login_as(world.mentor_x).get(response.headers["Location"]).get_data(as_text=True)
    assert "(v1)" in page
    assert "Competenties" in page


def test_an_unknown_framework_is_not_a_choice(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/placements/new", placement_form(world, framework="made-up")
    )
    assert 'id="framework-error"' in response.get_data(as_text=True)
