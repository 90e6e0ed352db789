"""The student's weekly log on a phone: a missed week written for its own week, a week
sent back opened in its edit form under the mentor's comment, and one form for the
text, the wellbeing check-in and a photo.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.followup import entries
from app.models import Attachment, LogEntry, Placement, ReviewStatus, User
from tests.conftest import monday, png_bytes, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")


def log_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_a.id}/log{suffix}"


def return_week(app, entry_id: int, mentor, comment: str) -> None:
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        entries.review_entry(
            entry,
            db.session.get(User, mentor.id),
            approve=False,
            comment=comment,
            expected_version=entry.version,
        )


# -- missed weeks -----------------------------------------------------------------------


def test_a_missed_week_is_listed_and_written_for_that_week(start, app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=monday(start, 1),
        sections={"did": "Cable trays", "need": "Gloves"},
        submit=True,
    )
    write_entry(app, world.placement_a, world.student_a, week=monday(start, 3), submit=True)
    student = login_as(world.student_a)
    timeline = student.get(log_path(world)).get_data(as_text=True)
    link = log_path(world, f"/new/weekly_log?week={monday(start, 2)}")
    assert f'href="{link}"' in timeline
    assert f"Write the week of {written(monday(start, 2), 'd MMMM')}" in timeline
    assert f"week={monday(start, 1)}" not in timeline  # written
    assert f"week={monday(start, 3)}" not in timeline
    assert f"week={monday(start, 0)}" in timeline  # the placement starts on a Tuesday

    form = student.get(link).get_data(as_text=True)
    assert f'value="{monday(start, 2)}"' in form
    start_from = log_path(world, f"/new/weekly_log?week={monday(start, 2)}&amp;from=previous")
    assert f'href="{start_from}"' in form
    # the answers of the week before the missed one, not of the latest week
    prefilled = student.get(
        log_path(world, f"/new/weekly_log?week={monday(start, 2)}&from=previous")
    )
    page = prefilled.get_data(as_text=True)
    assert "Cable trays" in page
    assert f'value="{monday(start, 2)}"' in page
    assert f"Filled in with your log of the week of {written(monday(start, 1), 'd MMMM')}" in page

    saved = student.post(
        log_path(world, "/new/weekly_log"),
        {"week": monday(start, 2).isoformat(), "did": "Caught up", "submit": "1"},
    )
    assert saved.status_code == 302
    with app.app_context():
        assert (
            entries.weekly_log_for(
                db.session.get(Placement, world.placement_a.id), monday(start, 2)
            ).sections["did"]
            == "Caught up"
        )
    assert f"week={monday(start, 2)}" not in student.get(log_path(world)).get_data(as_text=True)


def test_a_week_argument_that_is_no_missed_week_falls_back_to_this_week(
    start, app, world, login_as
):
    write_entry(app, world.placement_a, world.student_a, week=monday(start, 1))
    student = login_as(world.student_a)
    for week in (monday(start, 1).isoformat(), "1999-01-04", "tomorrow", "2999-01-07"):
        page = student.get(log_path(world, f"/new/weekly_log?week={week}"))
        assert page.status_code == 200
        assert f'value="{week}"' not in page.get_data(as_text=True)


def test_only_the_student_is_offered_the_missed_weeks(world, login_as):
    for role in ("mentor_x", "coach_a", "coordinator_a"):
        page = login_as(world.user(role)).get(log_path(world)).get_data(as_text=True)
        assert "weeks without a log" not in page
        assert "/new/weekly_log?week=" not in page


def test_missing_weeks_run_one_query_however_long_the_placement(start, app, world, count_queries):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        with count_queries() as counter:
            weeks = entries.missing_weeks(placement, start + timedelta(days=302))
    assert counter.count == 1
    assert weeks[0] == monday(start, 42)
    assert weeks[-1] == monday(start, 0)
    assert len(weeks) == 43


# -- a week sent back -------------------------------------------------------------------


def test_a_returned_week_opens_in_its_edit_form_under_the_mentors_comment(
    start, app, world, login_as
):
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    return_week(app, week, world.mentor_x, "Say **which** tester you used.")
    student = login_as(world.student_a)
    edit = log_path(world, f"/{week}/edit")

    home = student.get("/").get_data(as_text=True)
    assert f'href="{edit}"' in home
    assert "1 week returned to you" in home
    timeline = student.get(log_path(world)).get_data(as_text=True)
    assert f'href="{edit}"' in timeline
    assert f"Change the week of {written(monday(start, 5), 'd MMMM')}" in timeline

    page = student.get(edit).get_data(as_text=True)
    comment = page.index("Mentor X sent this week back and wrote:")
    assert comment < page.index('class="panel entry-form"')
    assert "<strong>which</strong>" in page
    # the mentor does not get these links
    mentor_home = login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert f'href="{edit}"' not in mentor_home


# -- one form with a photo --------------------------------------------------------------


def test_the_weekly_log_form_takes_text_wellbeing_and_a_photo_at_once(start, app, world, login_as):
    student = login_as(world.student_a)
    form = student.get(log_path(world, "/new/weekly_log")).get_data(as_text=True)
    assert 'type="file"' in form
    assert 'name="wellbeing"' in form
    assert 'formenctype="multipart/form-data"' in form
    response = student.post(
        log_path(world, "/new/weekly_log"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "Mounted the board.",
            "wellbeing": "4",
            "submit": "1",
            "photo": (io.BytesIO(png_bytes((40, 30))), "board.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(LogEntry).where(LogEntry.week_start == monday(start, 5)))
        assert entry.wellbeing == 4
        assert entry.review_status == ReviewStatus.SUBMITTED
        assert [a.filename for a in entry.attachments] == ["board.png"]


def test_a_refused_photo_keeps_the_text_and_saves_nothing(start, app, world, login_as):
    student = login_as(world.student_a)
    response = student.post(
        log_path(world, "/new/weekly_log"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "My whole week, typed on the bus.",
            "submit": "1",
            "photo": (io.BytesIO(b"MZ not a photo"), "board.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "My whole week, typed on the bus." in page
    assert 'id="photo-error"' in page
    assert "Only photos (JPEG, PNG) and PDFs can be attached" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(LogEntry.id))) == 0
        assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_photo_added_while_changing_a_week_is_attached(start, app, world, login_as):
    week = write_entry(app, world.placement_a, world.student_a, sections={"did": "Draft"})
    with app.app_context():
        version = db.session.get(LogEntry, week).version
    response = login_as(world.student_a).post(
        log_path(world, f"/{week}/edit"),
        {
            "version": str(version),
            "week": monday(start, 5).isoformat(),
            "did": "Draft",
            "save": "1",
            "photo": (io.BytesIO(png_bytes()), "after.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        assert [a.filename for a in db.session.get(LogEntry, week).attachments] == ["after.png"]


def test_the_students_log_runs_the_same_queries_for_2_and_200_weeks_to_write(
    today, app, world, login_as, count_queries
):
    """2 weeks missed and 1 sent back, then about 200 missed and 20 sent back."""
    student = login_as(world.student_a)
    counts = []
    for weeks, returned in ((3, 1), (220, 20)):
        start = entries.monday_of(today) - timedelta(weeks=weeks)
        with app.app_context():
            placement = db.session.get(Placement, world.placement_a.id)
            placement.start_date = start
            placement.end_date = today + timedelta(days=30)
            db.session.commit()
        for number in range(returned):
            week = start + timedelta(weeks=number)
            entry_id = write_entry(app, world.placement_a, world.student_a, week=week, submit=True)
            return_week(app, entry_id, world.mentor_x, "Add more.")
        with count_queries() as counter:
            page = student.get(log_path(world))
        assert page.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
