"""Attacks a curious or malicious user could try, and what stops each one."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, func, select

from app.admin import imports
from app.extensions import db
from app.mailer import external_url
from app.models import (
    Membership,
    Organisation,
    Partnership,
    PendingImport,
    Placement,
    Role,
    User,
)
from tests.conftest import Browser, placement_form, send_queued_mail

HEADER = "student_email;student_name;kind;start_date;end_date;workplace;mentor_email;coach_email"


@pytest.fixture
def shared_company(app, world):
    """Company X also works with school B, which has a placement there."""
    with app.app_context():
        db.session.add(Partnership(school_id=world.school_b.id, workplace_id=world.company_x.id))
        mentor = db.session.get(User, world.mentor_x.id)
        db.session.add(
            Placement(
                student_id=world.student_b.id,
                school_id=world.school_b.id,
                workplace_id=world.company_x.id,
                mentor_id=mentor.id,
                coach_id=world.coach_b.id,
                kind="internship",
                start_date=world.placement_b.start_date,
                end_date=world.placement_b.end_date,
            )
        )
        db.session.commit()
    return world.company_x


def _membership_count(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Membership.id)).where(Membership.user_id == user_id)
        )


def test_a_coordinator_cannot_pull_the_admin_into_their_school(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/people/invite",
        {
            "name": "x",
            "email": world.admin.email,
            "organisation": world.school_a.id,
            "role": "coach",
        },
    )
    assert response.status_code == 302  # an invitation the admin may accept or decline
    assert _membership_count(app, world.admin.id) == 1
    assert login_as(world.coordinator_a).get(f"/admin/people/{world.admin.id}").status_code == 404


def test_a_coordinator_cannot_change_the_address_of_a_mentor(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    page = coordinator.get(f"/admin/people/{world.mentor_x.id}").get_data(as_text=True)
    assert 'name="email"' not in page
    coordinator.post(
        f"/admin/people/{world.mentor_x.id}", {"name": "Mentor X", "email": "attacker@evil.example"}
    )
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).email == world.mentor_x.email


def test_a_coordinator_cannot_make_anyone_company_coordinator(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/people/invite",
        {
            "name": "Cor A",
            "email": world.coordinator_a.email,
            "organisation": world.company_x.id,
            "role": "company_coordinator",
        },
    )
    assert 'id="role-error"' in response.get_data(as_text=True)
    assert _membership_count(app, world.coordinator_a.id) == 1


def test_a_shared_company_is_edited_by_admins_only(app, world, login_as, shared_company):
    path = f"/admin/organisations/{shared_company.id}"
    response = login_as(world.coordinator_a).post(path, {"name": "Mine now", "country": "BE"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Organisation, shared_company.id).name == "Company X"
    response = login_as(world.admin).post(path, {"name": "X nv", "country": "BE"})
    assert response.headers["Location"] == path
    with app.app_context():
        assert db.session.get(Organisation, shared_company.id).name == "X nv"


def test_a_coordinator_still_names_mentors_at_a_shared_company(
    app, world, login_as, shared_company
):
    response = login_as(world.coordinator_a).post(
        "/admin/people/invite",
        {
            "name": "New",
            "email": "new@x.example",
            "organisation": shared_company.id,
            "role": "mentor",
        },
    )
    assert response.headers["Location"] == "/admin/people"
    with app.app_context():
        invited = db.session.scalar(select(User).where(User.email == "new@x.example"))
        assert invited.organisation_ids(Role.MENTOR) == {shared_company.id}


def test_the_people_page_hides_roles_at_other_schools(app, world, login_as, shared_company):
    page = login_as(world.coordinator_a).get(f"/admin/people/{world.mentor_x.id}")
    assert "School B" not in page.get_data(as_text=True)


def test_an_import_cannot_be_confirmed_for_another_school(app, world, login_as):
    rows = HEADER + "\nnew@b.example;New;;;;;;\n"
    with app.app_context():  # coordinator B uploaded a file for School B
        pending = imports.keep_upload(
            db.session.get(User, world.coordinator_b.id),
            db.session.get(Organisation, world.school_b.id),
            rows,
        ).id
    before = _students(app)
    for person in (world.coordinator_a, world.admin):
        response = login_as(person).post(f"/admin/import/{pending}", {"invite": "y"})
        assert response.status_code == 404
    assert _students(app) == before


def test_an_import_stops_when_its_uploader_no_longer_runs_the_school(app, world, login_as):
    rows = HEADER + "\nnew@a.example;New;;;;;;\n"
    with app.app_context():
        pending = imports.keep_upload(
            db.session.get(User, world.coordinator_a.id),
            db.session.get(Organisation, world.school_a.id),
            rows,
        ).id
        db.session.execute(
            delete(Membership).where(
                Membership.user_id == world.coordinator_a.id,
                Membership.role == Role.COORDINATOR,
            )
        )
        db.session.commit()
    before = _students(app)
    response = login_as(world.coordinator_a).post(f"/admin/import/{pending}", {"invite": "y"})
    assert response.status_code in (403, 404)
    assert _students(app) == before


def test_an_import_cannot_put_students_in_a_company(app, world, login_as):
    rows = HEADER + "\nnew@a.example;New;;;;;;\n"
    response = login_as(world.coordinator_a).post(
        "/admin/import",
        {"school": world.company_x.id, "file": (io.BytesIO(rows.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert 'id="school-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def _students(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Membership.id)).where(Membership.role == Role.STUDENT)
        )


def test_a_new_address_voids_the_invitation_sent_to_the_old_one(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    coordinator.post(
        "/admin/people/invite",
        {
            "name": "Typo",
            "email": "typo@a.exmaple",
            "organisation": world.school_a.id,
            "role": "student",
        },
    )
    old_link = outbox.link(outbox.last())
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "typo@a.exmaple"))
    coordinator.post(f"/admin/people/{person.id}", {"name": "Typo", "email": "typo@a.example"})
    page = Browser(app.test_client()).get(old_link, follow_redirects=True)
    assert "al gebruikt" in page.get_data(as_text=True)


def test_mail_links_use_the_public_address_not_the_host_header(app):
    app.config["PUBLIC_URL"] = "https://leerspoor.example.be"
    with app.test_request_context("/password/forgot", base_url="http://evil.example"):
        link = external_url("auth.login")
    assert link == "https://leerspoor.example.be/login"


@pytest.mark.parametrize(
    "path",
    ["/placements/3000000000", "/placements/99999999999999999999", "/admin/people/3000000000"],
)
def test_huge_ids_are_not_found(world, login_as, path):
    assert login_as(world.admin).get(path).status_code == 404


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=-4", "page=0"])
def test_odd_page_numbers_still_show_a_page(world, login_as, query):
    assert login_as(world.admin).get(f"/?{query}").status_code == 200
    assert login_as(world.admin).get(f"/admin/people?{query}").status_code == 200


def test_a_nul_character_is_a_bad_request_not_a_crash(browser, world, login_as):
    response = browser.post("/login", {"email": "a\x00@x.example", "password": "x"})
    assert response.status_code == 400
    assert login_as(world.admin).get("/?q=%00").status_code == 400


@pytest.mark.parametrize("with_file", [False, True])
@pytest.mark.parametrize("with_token", [True, False])
def test_a_form_field_without_a_readable_name_is_a_bad_request(
    world, login_as, with_file, with_token
):
    # A line break in a multipart part's name: the parser gives the field no name. Without
    # a CSRF token, the CSRF check looks through the names for one.
    data = {"\n": "x"}
    if with_file:
        data["file"] = (io.BytesIO(b"x"), "photo.png")
    response = login_as(world.student_a).post(
        f"/placements/{world.placement_a.id}/log/new/weekly_log",
        data=data,
        csrf=with_token,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_a_name_with_a_line_break_is_refused(app, world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/organisations/new",
        {"name": "X\r\nBcc: all@example.org", "kind": "company", "country": "BE"},
    )
    assert 'id="name-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 7  # the world's


def test_an_impossible_date_is_named_as_such(world, login_as):
    response = login_as(world.coordinator_a).post(
        "/admin/placements/new",
        placement_form(world, start_date="2027-02-30", end_date="2027-03-31"),
    )
    page = response.get_data(as_text=True)
    assert 'id="start_date-error"' in page
    assert "vereist" not in page.split('id="start_date-error"')[1][:200]


def test_logging_out_deletes_the_remember_cookie(browser, world):
    browser.login(world.mentor_x.email, remember="y")
    response = browser.post("/logout")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") for c in cookies), cookies


def test_resending_an_accepted_invitation_is_refused(world, login_as, outbox):
    response = login_as(world.coordinator_a).post(
        f"/admin/people/{world.student_a.id}/invitation", follow_redirects=True
    )
    assert "al aanvaard" in response.get_data(as_text=True)
    assert len(outbox) == 0


@pytest.mark.parametrize(
    "content",
    [
        HEADER + ";student_email\nx@a.example;X;;;;;;;x@a.example\n",
        "\n" + HEADER + "\nx@a.example;X;;;;;;\n",
        HEADER + '\n"x@a.example;' + "x" * 140_000 + '";;;;;;;\n',
    ],
    ids=["doubled column", "blank first line", "giant field"],
)
def test_odd_csv_files_get_a_reason_not_a_crash(app, world, login_as, content):
    response = login_as(world.coordinator_a).post(
        "/admin/import",
        {"school": world.school_a.id, "file": (io.BytesIO(content.encode()), "odd.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Nu importeren" not in response.get_data(as_text=True)


def test_password_reset_mails_to_one_address_are_limited(app, world, outbox):
    for attempt in range(4):
        Browser(app.test_client(), address=f"10.7.0.{attempt + 1}").post(
            "/password/forgot", {"email": world.student_a.email}
        )
    send_queued_mail(app)
    assert len(outbox) == 3
