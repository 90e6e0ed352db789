"""A placement's programme and cohort: set on the placement form and in the CSV import,
shown on the placement's page, used by the caseload overview's filters.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.demo import build_demo_world
from app.extensions import db
from app.models import Placement, User
from tests.conftest import monday, placement_form
from tests.test_import import HEADER, _confirm, _upload

pytestmark = pytest.mark.usefixtures("in_english")


def with_programme(start) -> str:
    """An import file: An in next school year's cohort, Bram in an internship this year."""
    an = f"{start + timedelta(days=365)};{start + timedelta(days=668)}"
    bram = f"{monday(start, 22)};{start + timedelta(days=211)}"
    return "\n".join(
        [
            HEADER + ";programme;cohort",
            f"an.peeters@a.example;An Peeters;dual_learning;{an};Company X;"
            "mentor@x.example;coach@a.example;Elektrotechniek;2027-2028",
            f"bram@a.example;Bram De Vos;stage;{bram};Company X;mentor@x.example;coach@a.example;;",
            "",
        ]
    )


def placement_of(app, email: str) -> Placement:
    with app.app_context():
        student = db.session.scalar(select(User).where(User.email == email))
        placement = db.session.scalar(select(Placement).where(Placement.student_id == student.id))
        db.session.expunge(placement)
        return placement


def test_the_placement_form_saves_programme_and_cohort(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(
        "/admin/placements/new",
        placement_form(world, programme="  ICT-support ", cohort="2026-2027"),
    )
    assert response.status_code == 302
    page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Programme</dt><dd>ICT-support</dd>" in page
    assert "<dt>Cohort</dt><dd>2026-2027</dd>" in page
    with app.app_context():
        newest = db.session.scalar(select(Placement).order_by(Placement.id.desc()))
        assert (newest.programme, newest.cohort) == ("ICT-support", "2026-2027")
        placement_id = newest.id

    edit = coordinator.get(f"/admin/placements/{placement_id}/edit").get_data(as_text=True)
    assert 'value="ICT-support"' in edit
    coordinator.post(
        f"/admin/placements/{placement_id}/edit",
        placement_form(world, programme="", cohort=""),
    )
    page = coordinator.get(f"/placements/{placement_id}").get_data(as_text=True)
    assert "<dt>Programme</dt>" not in page


def test_programme_and_cohort_are_optional_and_bounded_on_the_form(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    assert coordinator.post("/admin/placements/new", placement_form(world)).status_code == 302
    response = coordinator.post(
        "/admin/placements/new", placement_form(world, cohort="x" * 21, programme="a\nb")
    )
    page = response.get_data(as_text=True)
    assert 'id="cohort-error"' in page
    assert 'id="programme-error"' in page


def test_the_import_reads_programme_and_cohort(start, app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    page = _upload(coordinator, world, with_programme(start)).get_data(as_text=True)
    assert "Elektrotechniek · 2027-2028" in page
    assert _confirm(coordinator, page, invite=False).status_code == 303
    an = placement_of(app, "an.peeters@a.example")
    assert (an.programme, an.cohort) == ("Elektrotechniek", "2027-2028")
    bram = placement_of(app, "bram@a.example")
    assert (bram.programme, bram.cohort) == ("", "")


def test_the_import_refuses_a_programme_without_a_placement_or_too_long(start, world, login_as):
    text = "\n".join(
        [
            HEADER + ";programme;cohort",
            "chloe@a.example;Chloé Martens;;;;;;;Verkoop;",
            f"an.peeters@a.example;An Peeters;dual_learning;{start + timedelta(days=365)};"
            f"{start + timedelta(days=668)};Company X;"
            "mentor@x.example;coach@a.example;Elektrotechniek;" + "2027" * 6,
        ]
    )
    page = _upload(login_as(world.coordinator_a), world, text).get_data(as_text=True)
    assert "programme and cohort belong to a placement" in page
    assert "cohort is longer than 20 characters." in page
    assert "Import now" not in page


def test_the_import_page_names_the_optional_columns(world, login_as):
    page = login_as(world.coordinator_a).get("/admin/import").get_data(as_text=True)
    assert "<code>programme</code>, <code>cohort</code>" in page


def test_the_demo_placements_have_programmes_and_a_cohort(app):
    with app.app_context():
        build_demo_world()
        rows = db.session.execute(
            select(Placement.programme, Placement.cohort)
            .join(User, User.id == Placement.student_id)
            .where(User.email.endswith(".demo"))
        ).all()
    assert {programme for programme, _cohort in rows} == {
        "Elektrotechniek",
        "Autotechniek",
        "ICT-support",
        "Verkoop",
    }
    assert {cohort for _programme, cohort in rows} == {"2026-2027"}
