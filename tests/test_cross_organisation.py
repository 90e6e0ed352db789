"""People of another organisation: a role is added only when they accept the invitation,
and their name and date of birth stay with the organisation that owns their record.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import policy
from app.admin import services as admin_services
from app.auth import services as auth_services
from app.domain import DomainError
from app.extensions import db
from app.models import AuditEvent, Membership, MembershipInvitation, Partnership, Role, User
from app.models.columns import utcnow
from tests.conftest import Browser, make_user

MINOR_BORN = date.today() - timedelta(days=15 * 365)
FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>([^<]*)</p>')


def _invite(browser, world, person_email: str, role: str = "coach", organisation=None):
    return browser.post(
        "/admin/people/invite",
        {
            "name": "Someone",
            "email": person_email,
            "organisation": (organisation or world.school_b).id,
            "role": role,
        },
    )


def _memberships(app, user_id: int) -> set[tuple[int | None, Role]]:
    with app.app_context():
        return {
            (m.organisation_id, m.role)
            for m in db.session.scalars(select(Membership).where(Membership.user_id == user_id))
        }


def _invitations(app, user_id: int) -> list[MembershipInvitation]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(MembershipInvitation).where(MembershipInvitation.user_id == user_id)
            )
        )


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _set_birth_date(app, user, born: date = MINOR_BORN) -> None:
    with app.app_context():
        db.session.get(User, user.id).birth_date = born
        db.session.commit()


def _share(app, user, organisation, role: Role) -> None:
    """As after `user` accepted an invitation of `organisation`."""
    with app.app_context():
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
        db.session.commit()


def _logged_in_with_password(app, user) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


# -- inviting someone of another organisation ---------------------------------------------


@pytest.mark.parametrize(
    ("person", "role"),
    [
        ("student_a", "student"),
        ("coach_a", "coach"),
        ("coordinator_a", "coordinator"),
        ("mentor_x", "coach"),
        ("company_coordinator_x", "coach"),
        ("admin", "coach"),
        ("outsider", "student"),
    ],
)
def test_inviting_someone_of_another_organisation_adds_no_role_until_they_accept(
    app, world, login_as, outbox, person, role
):
    invitee = world.user(person)
    before = _memberships(app, invitee.id)
    coordinator = login_as(world.coordinator_b)
    response = _invite(coordinator, world, invitee.email.upper(), role)
    assert response.status_code == 302
    assert _memberships(app, invitee.id) == before
    [invitation] = _invitations(app, invitee.id)
    assert (invitation.organisation_id, invitation.role) == (world.school_b.id, Role(role))
    message = outbox.last()
    assert message["To"] == invitee.email
    assert outbox.link(message) == "/account/invitations"
    assert "School B" in outbox.body(message)
    assert "/invitation/" not in outbox.body(message)  # no password is set through it
    assert coordinator.get(f"/admin/people/{invitee.id}").status_code == 404
    assert "membership_invited" in _actions(app)


def test_the_coordinator_sees_that_an_invitation_is_pending_and_nothing_of_the_person(
    app, world, login_as, in_english
):
    _set_birth_date(app, world.student_a)
    coordinator = login_as(world.coordinator_b)
    _invite(coordinator, world, world.student_a.email, "student")
    for path in ("/admin/people", "/admin/people?q=student", "/admin/people?q=a.example"):
        page = coordinator.get(path).get_data(as_text=True)
        assert world.student_a.name not in page
        assert "School A" not in page
        assert MINOR_BORN.isoformat() not in page
        assert "Date of birth" not in page
    page = coordinator.get("/admin/people").get_data(as_text=True)
    assert world.student_a.email in page
    assert "Waiting for an answer" in page


def test_the_answer_does_not_tell_whether_an_address_has_an_account(
    app, world, login_as, in_english
):
    coordinator = login_as(world.coordinator_b)
    answers = []
    for address in ("brand.new@b.example", world.student_a.email):
        response = _invite(coordinator, world, address, "student")
        page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.headers["Location"], FLASH.findall(page.replace(address, "@"))))
    assert answers[0] == answers[1]
    assert answers[0][1] == [("success", "An invitation is on its way to @.")]


def test_the_person_accepts_through_the_link_in_the_email(app, world, login_as, outbox, in_english):
    _invite(login_as(world.coordinator_b), world, world.coach_a.email, "coach")
    link = outbox.link(outbox.last())
    anonymous = Browser(app.test_client())
    assert anonymous.get(link).headers["Location"].startswith("/login")

    coach = _logged_in_with_password(app, world.coach_a)
    page = coach.get(link).get_data(as_text=True)
    assert "School B invites you as coach" in page
    assert "Cor B" in page
    [invitation] = _invitations(app, world.coach_a.id)
    response = coach.post(f"/account/invitations/{invitation.id}", {"answer": "accept"})
    assert response.status_code == 302
    assert (world.school_b.id, Role.COACH) in _memberships(app, world.coach_a.id)
    assert _invitations(app, world.coach_a.id) == []
    assert "membership_invitation_accepted" in _actions(app)
    # School B now sees its new coach, but the name stays School A's to change.
    page = login_as(world.coordinator_b).get(f"/admin/people/{world.coach_a.id}")
    assert page.status_code == 200
    assert "Coach A" in page.get_data(as_text=True)
    assert 'name="name"' not in page.get_data(as_text=True)


def test_the_person_declines_and_nothing_is_added(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_b)
    _invite(coordinator, world, world.student_a.email, "student")
    assert world.student_a.email in coordinator.get("/admin/people").get_data(as_text=True)
    student = login_as(world.student_a)
    student.get(outbox.link(outbox.last()))
    [invitation] = _invitations(app, world.student_a.id)
    response = student.post(f"/account/invitations/{invitation.id}", {"answer": "decline"})
    assert response.status_code == 302
    assert _memberships(app, world.student_a.id) == {(world.school_a.id, Role.STUDENT)}
    assert _invitations(app, world.student_a.id) == []
    assert "membership_invitation_declined" in _actions(app)
    assert world.student_a.email not in coordinator.get("/admin/people").get_data(as_text=True)
    assert coordinator.get(f"/admin/people/{world.student_a.id}").status_code == 404


def test_an_expired_invitation_cannot_be_accepted(app, world, login_as, outbox, in_english):
    _invite(login_as(world.coordinator_b), world, world.student_a.email, "student")
    [invitation] = _invitations(app, world.student_a.id)
    with app.app_context():
        db.session.get(MembershipInvitation, invitation.id).expires_at = utcnow() - timedelta(
            minutes=1
        )
        db.session.commit()
    student = login_as(world.student_a)
    page = student.get("/account/invitations").get_data(as_text=True)
    assert "expired" in page
    assert 'value="accept"' not in page
    response = student.post(f"/account/invitations/{invitation.id}", {"answer": "accept"})
    assert response.status_code == 302
    assert _memberships(app, world.student_a.id) == {(world.school_a.id, Role.STUDENT)}
    assert "membership_invitation_accepted" not in _actions(app)


def test_an_invitation_expires_as_an_invitation_link_does(app, world, login_as):
    _invite(login_as(world.coordinator_b), world, world.student_a.email, "student")
    [invitation] = _invitations(app, world.student_a.id)
    days = (invitation.expires_at - invitation.created_at).days
    assert days == app.config["INVITATION_MAX_AGE_DAYS"]


def test_someone_else_cannot_answer_an_invitation(app, world, login_as):
    _invite(login_as(world.coordinator_b), world, world.student_a.email, "student")
    [invitation] = _invitations(app, world.student_a.id)
    for intruder in ("student_b", "coordinator_b", "admin"):
        response = login_as(world.user(intruder)).post(
            f"/account/invitations/{invitation.id}", {"answer": "accept"}
        )
        assert response.status_code == 404
    assert _memberships(app, world.student_a.id) == {(world.school_a.id, Role.STUDENT)}
    assert len(_invitations(app, world.student_a.id)) == 1


def test_inviting_again_renews_the_pending_invitation(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_b)
    _invite(coordinator, world, world.student_a.email, "student")
    [first] = _invitations(app, world.student_a.id)
    _invite(coordinator, world, world.student_a.email, "student")
    [renewed] = _invitations(app, world.student_a.id)
    assert renewed.expires_at >= first.expires_at
    assert len(outbox) == 2


def test_an_admin_attaches_an_existing_account_at_once(app, world, login_as, outbox):
    response = _invite(login_as(world.admin), world, world.student_a.email, "student")
    assert response.status_code == 302
    assert (world.school_b.id, Role.STUDENT) in _memberships(app, world.student_a.id)
    assert _invitations(app, world.student_a.id) == []


def test_someone_of_the_own_school_gets_the_role_at_once(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    response = _invite(coordinator, world, world.student_a.email, "coach", world.school_a)
    assert response.status_code == 302
    assert (world.school_a.id, Role.COACH) in _memberships(app, world.student_a.id)
    assert _invitations(app, world.student_a.id) == []
    assert "/account/invitations" not in outbox.body(outbox.last())


def test_a_role_already_held_at_the_school_is_refused_before_anything_is_sent(
    app, world, login_as, outbox
):
    _share(app, world.coach_a, world.school_b, Role.COACH)
    response = _invite(login_as(world.coordinator_b), world, world.coach_a.email, "coach")
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert _invitations(app, world.coach_a.id) == []
    assert len(outbox) == 0


def test_the_invitation_is_kept_when_the_email_cannot_be_sent(
    app, world, login_as, monkeypatch, in_english
):
    def fail(*_args, **_kwargs):
        raise OSError("no mail server")

    monkeypatch.setattr("app.auth.services.send_mail", fail)
    coordinator = login_as(world.coordinator_b)
    messages = []
    for address in ("brand.new@b.example", world.student_a.email):
        response = _invite(coordinator, world, address, "student")
        assert response.status_code == 302
        page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
        messages.append(FLASH.findall(page.replace(address, "@")))
    assert messages[0] == messages[1]
    assert len(_invitations(app, world.student_a.id)) == 1


# -- who may attach whom: the one rule the invitation and the CSV import share ---------------


def test_the_rule_for_attaching_an_existing_account(app, world):
    with app.app_context():
        coordinator_a = db.session.get(User, world.coordinator_a.id)
        admin = db.session.get(User, world.admin.id)
        for name, attached_by_a in (
            ("student_a", True),
            ("coach_a", True),
            ("mentor_x", True),  # a mentor at one of school A's workplaces
            ("company_coordinator_x", False),  # named by admins only
            ("student_b", False),
            ("coach_b", False),
            ("coordinator_b", False),
            ("mentor_y", False),
            ("admin", False),
            ("outsider", False),  # no role anywhere: nobody's to claim
        ):
            person = db.session.get(User, world.user(name).id)
            assert policy.can_attach_directly(coordinator_a, person) is attached_by_a, name
            assert policy.can_attach_directly(admin, person) is True


def test_the_rule_for_changing_an_address(app, world):
    """The address is the account: a coordinator changes it only for someone whose every
    role is a student's or coach's at their schools; never an admin's, never for an
    account without a role (nobody's), never for a coach shared with another school.
    """
    with app.app_context():
        coordinator_a = db.session.get(User, world.coordinator_a.id)
        admin = db.session.get(User, world.admin.id)
        for name, changed_by_a in (
            ("student_a", True),
            ("coach_a", True),
            ("coach_ab", False),  # coaches for School B too
            ("coordinator_coach_a", False),  # coordinating is more than coaching
            ("mentor_x", False),
            ("student_b", False),
            ("admin", False),
            ("outsider", False),  # no role anywhere
        ):
            person = db.session.get(User, world.user(name).id)
            assert policy.can_change_email(coordinator_a, person) is changed_by_a, name
            assert policy.can_change_email(admin, person) is True


# -- whose name and date of birth ---------------------------------------------------------


def test_another_school_sees_but_cannot_change_a_shared_persons_name_and_birth_date(
    app, world, login_as
):
    _set_birth_date(app, world.student_a)
    _share(app, world.student_a, world.school_b, Role.STUDENT)
    coordinator = login_as(world.coordinator_b)
    page = coordinator.get(f"/admin/people/{world.student_a.id}").get_data(as_text=True)
    assert "Student A" in page
    assert 'name="name"' not in page
    assert 'name="birth_date"' not in page
    forged = coordinator.post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Renamed", "email": world.student_a.email, "birth_date": "2000-01-01"},
    )
    assert forged.status_code == 403
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        assert (student.name, student.birth_date) == ("Student A", MINOR_BORN)
    assert "person_updated" not in _actions(app)


def test_the_owning_school_still_changes_a_shared_persons_name_and_birth_date(app, world, login_as):
    _share(app, world.student_a, world.school_b, Role.STUDENT)
    coordinator = login_as(world.coordinator_a)
    page = coordinator.get(f"/admin/people/{world.student_a.id}").get_data(as_text=True)
    assert 'name="name"' in page
    assert 'name="birth_date"' in page
    response = coordinator.post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student Anna", "email": world.student_a.email, "birth_date": "2010-05-04"},
    )
    assert response.status_code == 302
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        assert (student.name, student.birth_date) == ("Student Anna", date(2010, 5, 4))


def test_an_admin_changes_anyones_name(app, world, login_as):
    _share(app, world.student_a, world.school_b, Role.STUDENT)
    response = login_as(world.admin).post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student Anna", "email": world.student_a.email, "active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, world.student_a.id).name == "Student Anna"


def test_a_coordinator_cannot_rename_a_company_coordinator(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    path = f"/admin/people/{world.company_coordinator_x.id}"
    assert 'name="name"' not in coordinator.get(path).get_data(as_text=True)
    assert coordinator.post(path, {"name": "Renamed"}).status_code == 403
    with app.app_context():
        assert db.session.get(User, world.company_coordinator_x.id).name == "HR X"


def test_the_service_refuses_a_change_by_another_school(app, world):
    _share(app, world.student_a, world.school_b, Role.STUDENT)
    with app.app_context():
        coordinator_b = db.session.get(User, world.coordinator_b.id)
        student = db.session.get(User, world.student_a.id)
        with pytest.raises(DomainError):
            admin_services.update_person(
                coordinator_b, student, name="Renamed", email=None, active=True
            )
        with pytest.raises(DomainError):
            admin_services.update_person(
                coordinator_b,
                student,
                name=student.name,
                email=None,
                active=True,
                birth_date=date(2000, 1, 1),
            )
        db.session.rollback()
        student = db.session.get(User, world.student_a.id)
        assert (student.name, student.birth_date) == ("Student A", world.student_a.birth_date)


def test_the_birth_date_is_shown_only_where_the_person_is_a_student(
    app, world, login_as, in_english
):
    _set_birth_date(app, world.student_a)
    with app.app_context():  # school B's partner company takes student A on as a mentor
        db.session.add(
            Membership(
                user_id=world.student_a.id, organisation_id=world.company_y.id, role=Role.MENTOR
            )
        )
        db.session.commit()
    page = login_as(world.coordinator_b).get(f"/admin/people/{world.student_a.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Student A" in text
    assert MINOR_BORN.isoformat() not in text
    assert "Date of birth" not in text


def test_the_record_belongs_to_the_school_of_the_first_student_role(app, world):
    with app.app_context():
        mentor_first = make_user("later.student@x.example", "Later Student")
        mentor_first.memberships.append(
            Membership(organisation_id=world.company_x.id, role=Role.MENTOR)
        )
        db.session.flush()
        mentor_first.memberships.append(
            Membership(organisation_id=world.school_b.id, role=Role.STUDENT)
        )
        db.session.commit()
        owner = policy.record_owner(mentor_first)
        assert (owner.organisation_id, owner.role) == (world.school_b.id, Role.STUDENT)
        coach = db.session.get(User, world.coach_a.id)
        coach.memberships.append(Membership(organisation_id=world.school_b.id, role=Role.COACH))
        db.session.commit()
        assert policy.record_owner(coach).organisation_id == world.school_a.id
        assert policy.record_owner(db.session.get(User, world.admin.id)) is None
        assert policy.record_owner(db.session.get(User, world.outsider.id)) is None
        coordinator_b = db.session.get(User, world.coordinator_b.id)
        assert policy.can_edit_person_details(coordinator_b, mentor_first)
        assert not policy.can_edit_person_details(coordinator_b, coach)
        assert policy.can_edit_person_details(coach, coach)


def test_my_account_leads_to_a_waiting_invitation(app, world, login_as, in_english):
    student = login_as(world.student_a)
    assert "/account/invitations" not in student.get("/account").get_data(as_text=True)
    _invite(login_as(world.coordinator_b), world, world.student_a.email, "student")
    page = student.get("/account").get_data(as_text=True)
    assert "An organisation invites you: answer its invitation." in page
    assert 'href="/account/invitations"' in page


def _shared_company(app, world) -> None:
    """Company X works with school B too (its mentor guides students of both)."""
    with app.app_context():
        db.session.add(Partnership(school_id=world.school_b.id, workplace_id=world.company_x.id))
        db.session.commit()


def test_a_mentor_of_a_company_shared_with_another_school_is_invited_not_attached(
    app, world, login_as, outbox
):
    _shared_company(app, world)
    coordinator = login_as(world.coordinator_a)
    assert (
        _invite(coordinator, world, world.mentor_x.email, "coach", world.school_a).status_code
        == 302
    )
    assert _memberships(app, world.mentor_x.id) == {(world.company_x.id, Role.MENTOR)}
    [invitation] = _invitations(app, world.mentor_x.id)
    assert invitation.organisation_id == world.school_a.id
    with app.app_context():
        mentor = db.session.get(User, world.mentor_x.id)
        assert not policy.can_change_email(db.session.get(User, world.coordinator_a.id), mentor)


def test_neither_school_alone_renames_the_mentor_of_a_shared_company(app, world, login_as):
    _shared_company(app, world)
    for coordinator in (world.coordinator_a, world.coordinator_b):
        browser = login_as(coordinator)
        page = browser.get(f"/admin/people/{world.mentor_x.id}").get_data(as_text=True)
        assert 'name="name"' not in page
        forged = browser.post(f"/admin/people/{world.mentor_x.id}", {"name": "Renamed"})
        assert forged.status_code == 403
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).name == "Mentor X"
    assert "person_updated" not in _actions(app)


def test_the_one_school_a_company_works_with_renames_its_mentor(app, world, login_as):
    browser = login_as(world.coordinator_a)
    path = f"/admin/people/{world.mentor_x.id}"
    browser.get(path)
    assert browser.post(path, {"name": "Mentor Xavier"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).name == "Mentor Xavier"


def test_an_invitation_answered_twice_at_once_is_answered_once(app, world, login_as, outbox):
    _invite(login_as(world.coordinator_b), world, world.student_a.email, "student")
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        [invitation] = db.session.scalars(select(MembershipInvitation)).all()
        db.session.refresh(invitation)
        twin = MembershipInvitation(
            **{
                column.key: getattr(invitation, column.key)
                for column in MembershipInvitation.__table__.columns
            }
        )  # what the second tab loaded before the first answered
        auth_services.answer_membership_invitation(student, invitation, accept=True)
        with pytest.raises(DomainError):
            auth_services.answer_membership_invitation(student, twin, accept=True)
    assert _memberships(app, world.student_a.id) == {
        (world.school_a.id, Role.STUDENT),
        (world.school_b.id, Role.STUDENT),
    }
    assert _actions(app).count("membership_invitation_accepted") == 1


def test_a_school_cannot_remove_a_role_its_mentor_holds_at_another_schools_company(
    app, world, login_as, in_english
):
    """Mentor X also mentors at Company Y, School B's partner only: School A sees the
    mentor, not that role, and cannot take it away by sending its id.
    """
    _share(app, world.mentor_x, world.company_y, Role.MENTOR)
    with app.app_context():
        elsewhere = db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == world.mentor_x.id,
                Membership.organisation_id == world.company_y.id,
            )
        )
    coordinator = login_as(world.coordinator_a)
    path = f"/admin/people/{world.mentor_x.id}"
    assert "Company Y" not in coordinator.get(path).get_data(as_text=True)
    assert coordinator.post(f"{path}/memberships/{elsewhere}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Membership, elsewhere) is not None
    assert "membership_removed" not in _actions(app)
    # School B, whose partner it is, may.
    response = login_as(world.coordinator_b).post(f"{path}/memberships/{elsewhere}/delete")
    assert response.headers["Location"] == path
    with app.app_context():
        assert db.session.get(Membership, elsewhere) is None


@pytest.mark.parametrize("coordinator", ["coordinator_a", "coordinator_b"])
def test_a_coach_of_two_schools_is_invited_to_a_new_role_by_either_school(
    app, world, login_as, outbox, coordinator
):
    """The coach belongs to both schools: neither attaches a role to the account alone
    (it would also decide for the other school's coach); the coach answers.
    """
    coordinator = world.user(coordinator)
    school = world.school_a if coordinator.id == world.coordinator_a.id else world.school_b
    before = _memberships(app, world.coach_ab.id)
    response = _invite(login_as(coordinator), world, world.coach_ab.email, "coordinator", school)
    assert response.headers["Location"] == "/admin/people"
    assert _memberships(app, world.coach_ab.id) == before
    [invitation] = _invitations(app, world.coach_ab.id)
    assert (invitation.organisation_id, invitation.role) == (school.id, Role.COORDINATOR)
    assert outbox.link(outbox.last()) == "/account/invitations"


def test_a_platform_admin_who_also_coaches_is_renamed_by_admins_only(app, world, login_as):
    """An admin's record is the platform's, even when they coach at a school too: that
    school's coordinator sees the coach and leaves the name and address alone.
    """
    _share(app, world.admin, world.school_a, Role.COACH)
    coordinator = login_as(world.coordinator_a)
    path = f"/admin/people/{world.admin.id}"
    page = coordinator.get(path).get_data(as_text=True)
    assert 'name="name"' not in page
    forged = coordinator.post(path, {"name": "Renamed", "email": "mine@a.example"})
    assert forged.status_code == 403
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        assert (admin.name, admin.email) == ("Ada Admin", "admin@example.org")
    assert "person_updated" not in _actions(app)
