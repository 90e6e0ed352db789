"""The coordinators' page of mentors' training: which modules each mentor completed, and
their certificates, for the mentors the coordinator follows only, in a bounded number
of queries.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Certificate, Membership, ModuleProgress, Placement, PlacementKind, Role, User


@pytest.fixture(autouse=True)
def _english(in_english):
    """Messages are asserted in English."""


def complete(mentor_id: int, module_id: str, days_ago: int) -> ModuleProgress:
    return ModuleProgress(
        user_id=mentor_id,
        module_id=module_id,
        quiz_attempts=1,
        best_score=4,
        reflection="",
        assignment_note="",
        completed_at=datetime.now(UTC) - timedelta(days=days_ago),
        completed_version=1,
    )


def certify(mentor_id: int, code: str, days_ago: int) -> Certificate:
    return Certificate(
        user_id=mentor_id,
        path_id="basic-mentor-training",
        code=code,
        name="Mentor",
        modules=[],
        issued_at=datetime.now(UTC) - timedelta(days=days_ago),
    )


@pytest.fixture
def trained(app, world):
    """Mentor X completed two modules and holds a certificate; Mentor Y one module."""
    with app.app_context():
        db.session.add_all(
            [
                complete(world.mentor_x.id, "first-day", 20),
                complete(world.mentor_x.id, "feedback-that-lands", 3),
                certify(world.mentor_x.id, "CERTX0001", 2),
                complete(world.mentor_y.id, "show-do-review", 5),
            ]
        )
        db.session.commit()


def test_the_page_names_each_completed_module_and_certificate(world, login_as, trained):
    page = login_as(world.coordinator_a).get("/training/mentors").get_data(as_text=True)
    assert "Show the modules" in page
    assert "Feedback that lands" in page
    assert "The first day" in page
    assert "Basic mentor training" in page
    assert 'href="/verify/CERTX0001"' in page


def test_a_coordinator_sees_no_module_of_another_schools_mentor(world, login_as, trained):
    page = login_as(world.coordinator_a).get("/training/mentors").get_data(as_text=True)
    assert "Mentor Y" not in page
    other = login_as(world.coordinator_b).get("/training/mentors").get_data(as_text=True)
    assert "CERTX0001" not in other
    assert "Feedback that lands" not in other


def test_the_csv_lists_the_modules_with_their_dates_and_the_certificates(world, login_as, trained):
    response = login_as(world.coordinator_a).get("/training/mentors.csv")
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    header = rows[0]
    [mentor_x] = [row for row in rows if row[0] == "Mentor X"]
    modules = mentor_x[header.index("Modules completed (date)")]
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    assert f"Feedback that lands ({three_days_ago})" in modules
    assert modules.index("Feedback that lands") < modules.index("The first day")  # newest first
    certificates = mentor_x[header.index("Certificates (code, date)")]
    assert "Basic mentor training (CERTX0001, " in certificates
    # School A's mentors: of its dual placement and its mobility abroad; Mentor Y is School B's
    assert [row[0] for row in rows[1:]] == ["Mentor ES", "Mentor X"]


def _add_mentors(app, world, count: int, first: int = 0) -> None:
    """`count` mentors of Company X, each on a placement of School A, each with two
    completed modules and a certificate.
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        for n in range(first, first + count):
            mentor = User(
                email=f"load{n}@x.example",
                name=f"Load Mentor {n}",
                password_hash="x",
                memberships=[Membership(role=Role.MENTOR, organisation_id=world.company_x.id)],
            )
            student = User(
                email=f"load-student{n}@a.example",
                name=f"Load Student {n}",
                password_hash="x",
                memberships=[Membership(role=Role.STUDENT, organisation_id=world.school_a.id)],
            )
            db.session.add_all([mentor, student])
            db.session.flush()
            db.session.add(
                Placement(
                    student_id=student.id,
                    school_id=world.school_a.id,
                    workplace_id=world.company_x.id,
                    mentor_id=mentor.id,
                    coach_id=placement.coach_id,
                    kind=PlacementKind.INTERNSHIP,
                    start_date=placement.start_date,
                    end_date=placement.end_date,
                )
            )
            db.session.add_all(
                [
                    complete(mentor.id, "first-day", 10),
                    complete(mentor.id, "feedback-that-lands", 4),
                    certify(mentor.id, f"LOAD{n:05d}", 1),
                ]
            )
        db.session.commit()


@pytest.mark.parametrize(
    ("person", "path"),
    [
        ("coordinator_a", "/training/mentors"),
        ("coordinator_a", "/training/mentors.csv"),
        ("company_coordinator_x", "/training/"),
    ],
)
def test_the_mentors_pages_and_csv_run_the_same_queries_for_2_and_200_mentors(
    app, world, login_as, count_queries, person, path
):
    coordinator = login_as(world.user(person))
    _add_mentors(app, world, 1)  # with Mentor X: two
    with count_queries() as small:
        assert coordinator.get(path).status_code == 200
    _add_mentors(app, world, 199, first=1)
    with count_queries() as large:
        response = coordinator.get(path)
    assert response.status_code == 200
    assert "Load Mentor 150" in response.get_data(as_text=True)
    assert large.count == small.count
    assert max(large.bound) == max(small.bound)  # no statement binds an id per mentor
    with app.app_context():
        assert len(db.session.scalars(select(Certificate)).all()) == 200  # with Mentor X's none


# -- the company coordinator's training page ---------------------------------------------


def test_a_company_coordinator_opens_training_on_the_mentors_progress(world, login_as, trained):
    page = login_as(world.company_coordinator_x).get("/training/").get_data(as_text=True)
    mentors = page.index("Your mentors' training")
    assert page.index("Mentor X") > mentors
    assert "Feedback that lands" in page[mentors:]
    assert "<progress" not in page  # no progress bar of their own: they are no mentor
    assert "Mentor Y" not in page  # another company's


def test_a_company_coordinator_who_mentors_too_sees_their_own_progress_below(
    app, world, login_as, trained
):
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.company_coordinator_x.id,
                organisation_id=world.company_x.id,
                role=Role.MENTOR,
            )
        )
        db.session.commit()
    page = login_as(world.company_coordinator_x).get("/training/").get_data(as_text=True)
    assert "<progress" in page
    assert page.index("Your mentors' training") < page.index("My own progress")


def test_a_mentor_still_opens_training_on_their_own_progress(world, login_as, trained):
    page = login_as(world.mentor_x).get("/training/").get_data(as_text=True)
    assert "<progress" in page
    assert "Your mentors' training" not in page
