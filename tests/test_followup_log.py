"""The shared log: weekly logs and their approval, feedback, notes, comments, history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.domain import DomainError, StaleEdit
from app.extensions import db
from app.followup import entries
from app.models import (
    Comment,
    EntryKind,
    LogEntry,
    Placement,
    PlacementStatus,
    ReviewStatus,
    User,
)
from app.placements.services import what_waits
from tests.conftest import monday, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")


def log_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_a.id}/log{suffix}"


def week_form(start, **changes) -> dict:
    """The weekly log form for the Wednesday of the placement's sixth week."""
    form = {
        "week": (start + timedelta(days=36)).isoformat(),
        "did": "Wired a **distribution board** with Jan.",
        "went_well": "Labelling the circuits.",
        "was_hard": "",
        "need": "More time with the tester.",
        "wellbeing": "4",
    }
    form.update(changes)
    return form


def approve_shown_weeks(browser, world):
    """Tap "approve all" as the timeline shows it, with the weeks it was shown with."""
    page = browser.get(log_path(world)).get_data(as_text=True)
    weeks = re.findall(r'name="week" value="([^"]+)"', page)
    return browser.post(log_path(world, "/approve-weeks"), {"week": weeks})


def entry(app, entry_id: int) -> LogEntry:
    with app.app_context():
        found = db.session.get(LogEntry, entry_id)
        db.session.expunge(found)
        return found


# -- weekly logs ------------------------------------------------------------------------


def test_student_saves_a_draft_that_only_they_see(start, app, world, login_as):
    student = login_as(world.student_a)
    response = student.post(
        log_path(world, "/new/weekly_log"), week_form(start, save="Save as draft")
    )
    assert response.status_code == 302
    assert "saved as a draft" in student.get(log_path(world)).get_data(as_text=True)
    assert "distribution board" in student.get(log_path(world)).get_data(as_text=True)
    for other in (world.mentor_x, world.coach_a, world.coordinator_a):
        assert "distribution board" not in login_as(other).get(log_path(world)).get_data(
            as_text=True
        )
    with app.app_context():
        saved = db.session.scalar(select(LogEntry))
        assert saved.week_start == monday(start, 5)  # filed under its Monday
        assert saved.review_status == ReviewStatus.DRAFT
        assert saved.wellbeing == 4


def test_submitted_week_waits_for_the_mentor_who_approves_it(start, app, world, login_as):
    student = login_as(world.student_a)
    student.post(log_path(world, "/new/weekly_log"), week_form(start, submit="Submit"))
    mentor = login_as(world.mentor_x)
    page = mentor.get(log_path(world)).get_data(as_text=True)
    assert "1 week is waiting for your approval." in page
    assert "<strong>distribution board</strong>" in page
    with app.app_context():
        entry_id = db.session.scalar(select(LogEntry.id))
    response = mentor.post(
        log_path(world, f"/{entry_id}/review"), {"version": 1, "approve": "Approve"}
    )
    assert response.status_code == 302
    assert "Week approved." in mentor.get(log_path(world)).get_data(as_text=True)
    approved = entry(app, entry_id)
    assert approved.review_status == ReviewStatus.APPROVED
    assert approved.reviewed_by_id == world.mentor_x.id
    assert "Approved by Mentor X" in student.get(log_path(world, f"/{entry_id}")).get_data(
        as_text=True
    )


def test_mentor_returns_a_week_only_with_a_comment(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    mentor = login_as(world.mentor_x)
    refused = mentor.post(
        log_path(world, f"/{entry_id}/review"), {"version": 1, "return_entry": "x"}
    )
    assert refused.status_code == 422
    assert "Say what the student should change." in refused.get_data(as_text=True)
    assert entry(app, entry_id).review_status == ReviewStatus.SUBMITTED
    mentor.post(
        log_path(world, f"/{entry_id}/review"),
        {"version": 1, "return_entry": "x", "comment": "Add what you measured."},
    )
    returned = entry(app, entry_id)
    assert returned.review_status == ReviewStatus.RETURNED
    page = login_as(world.student_a).get(log_path(world, f"/{entry_id}")).get_data(as_text=True)
    assert "Add what you measured." in page
    assert "Submit to my mentor" in page


def test_mentor_approves_all_submitted_weeks_at_once(start, app, world, login_as):
    weeks = [monday(start, 1) + timedelta(weeks=n) for n in range(3)]
    for week in weeks:
        write_entry(app, world.placement_a, world.student_a, week=week, submit=True)
    draft = write_entry(app, world.placement_a, world.student_a, week=monday(start, 6))
    mentor = login_as(world.mentor_x)
    assert "Approve all 3 weeks" in mentor.get(log_path(world)).get_data(as_text=True)
    approve_shown_weeks(mentor, world)
    assert "3 weeks approved." in mentor.get(log_path(world)).get_data(as_text=True)
    with app.app_context():
        statuses = {e.week_start: e.review_status for e in db.session.scalars(select(LogEntry))}
    assert [statuses[week] for week in weeks] == [ReviewStatus.APPROVED] * 3
    assert entry(app, draft).review_status == ReviewStatus.DRAFT


def test_only_the_mentor_approves(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    for someone in (world.student_a, world.coach_a, world.coordinator_a):
        browser = login_as(someone)
        assert browser.post(log_path(world, "/approve-weeks")).status_code == 403
        assert (
            browser.post(log_path(world, f"/{entry_id}/review"), {"version": 1, "approve": "x"})
        ).status_code == 403
    assert entry(app, entry_id).review_status == ReviewStatus.SUBMITTED


def test_editing_an_approved_week_withdraws_the_approval_and_says_so(start, app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    approve_shown_weeks(login_as(world.mentor_x), world)
    student = login_as(world.student_a)
    form = student.get(log_path(world, f"/{entry_id}/edit")).get_data(as_text=True)
    assert "the approval is withdrawn" in form
    response = student.post(
        log_path(world, f"/{entry_id}/edit"),
        week_form(
            start,
            week=monday(start, 5).isoformat(),
            version=entry(app, entry_id).version,
            submit="x",
        ),
    )
    assert response.status_code == 302
    page = student.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your change withdrew the approval of this week." in page
    changed = entry(app, entry_id)
    assert changed.review_status == ReviewStatus.SUBMITTED
    # The approval is withdrawn; who reviewed last stays recorded (the mentor's feedback
    # happened, and the caseload counts the mentor's silence from it).
    assert changed.reviewed_by_id == world.mentor_x.id
    # the text before the change is kept and shown
    assert "did by Student A" in page
    assert "History" in page


def test_saving_an_unchanged_week_keeps_its_approval(start, app, world, login_as):
    entry_id = write_entry(
        app, world.placement_a, world.student_a, submit=True, sections={"did": "Same"}
    )
    approve_shown_weeks(login_as(world.mentor_x), world)
    login_as(world.student_a).post(
        log_path(world, f"/{entry_id}/edit"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "Same",
            "version": entry(app, entry_id).version,
            "save": "x",
        },
    )
    assert entry(app, entry_id).review_status == ReviewStatus.APPROVED


def test_a_stale_edit_gets_a_conflict_and_keeps_the_text(start, app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, sections={"did": "First"})
    student = login_as(world.student_a)
    opened_version = entry(app, entry_id).version
    student.post(
        log_path(world, f"/{entry_id}/edit"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "Second tab",
            "version": opened_version,
            "save": "x",
        },
    )
    response = student.post(
        log_path(world, f"/{entry_id}/edit"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "My long answer",
            "version": opened_version,
            "save": "x",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone saved this entry while you were editing it." in page
    assert "My long answer" in page  # still in the form
    assert "Second tab" in page  # what is saved now, shown beside it
    assert entry(app, entry_id).sections["did"] == "Second tab"
    # saving again, knowingly, replaces it
    again = student.post(
        log_path(world, f"/{entry_id}/edit"),
        {
            "week": monday(start, 5).isoformat(),
            "did": "My long answer",
            "version": opened_version + 1,
        },
    )
    assert again.status_code == 302
    assert entry(app, entry_id).sections["did"] == "My long answer"


def test_a_concurrent_commit_is_caught_by_the_version_check(app, world):
    entry_id = write_entry(app, world.placement_a, world.student_a, sections={"did": "First"})
    with app.app_context():
        loaded = db.session.get(LogEntry, entry_id)
        with db.engine.begin() as other:  # someone else saves in between
            other.execute(
                update(LogEntry.__table__)
                .where(LogEntry.__table__.c.id == entry_id)
                .values(version=LogEntry.__table__.c.version + 1)
            )
        with pytest.raises(StaleEdit):
            entries.update_entry(
                loaded,
                db.session.get(User, world.student_a.id),
                {"did": "Mine"},
                expected_version=loaded.version,
            )
    assert entry(app, entry_id).sections["did"] == "First"


def test_a_new_week_can_start_from_last_week(app, world, login_as):
    write_entry(
        app, world.placement_a, world.student_a, sections={"did": "Cable trays", "need": "Gloves"}
    )
    page = (
        login_as(world.student_a)
        .get(log_path(world, "/new/weekly_log?from=previous"))
        .get_data(as_text=True)
    )
    assert "Cable trays" in page
    assert "Gloves" in page


@pytest.mark.parametrize(
    ("weeks", "message"),
    [
        (5, "There is already a log for this week."),
        (35, "A week log is written during or after the week."),
        (-3, "This week is outside the placement."),
    ],
)
def test_a_week_that_cannot_be_logged_gets_a_message(start, app, world, login_as, weeks, message):
    """The week `weeks` after the placement's first: one written, one far ahead, one before."""
    write_entry(app, world.placement_a, world.student_a, week=monday(start, 5))
    week = (monday(start, weeks) + timedelta(days=1)).isoformat()
    response = login_as(world.student_a).post(
        log_path(world, "/new/weekly_log"), week_form(start, week=week)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "distribution board" in response.get_data(as_text=True)  # the text is kept
    with app.app_context():
        assert len(db.session.scalars(select(LogEntry)).all()) == 1


def test_an_empty_week_is_not_saved(start, app, world, login_as):
    response = login_as(world.student_a).post(
        log_path(world, "/new/weekly_log"), {"week": monday(start, 5).isoformat(), "submit": "x"}
    )
    assert "Write at least one answer before you submit the week." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(LogEntry)) is None


# -- feedback, notes, comments ----------------------------------------------------------


def test_mentor_gives_quick_feedback_that_the_trio_reads(app, world, login_as):
    mentor = login_as(world.mentor_x)
    missing = mentor.post(log_path(world, "/new/feedback"), {"went_well": "Safe work"})
    assert "Please write something here." in missing.get_data(as_text=True)
    mentor.post(
        log_path(world, "/new/feedback"),
        {"went_well": "Safe work", "work_on": "Ask sooner", "next_step": "Tuesday: a socket"},
    )
    for reader in (world.student_a, world.coach_a, world.coordinator_a):
        page = login_as(reader).get(log_path(world)).get_data(as_text=True)
        assert "Ask sooner" in page
        assert "One thing to work on" in page
        assert "Mentor X" in page


def test_a_coach_only_note_is_hidden_from_student_and_mentor(app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.coach_a,
        "visit_note",
        sections={"body": "Home situation is difficult"},
        coach_only=True,
    )
    for reader, sees in (
        (world.coach_a, True),
        (world.coordinator_a, True),
        (world.admin, True),
        (world.student_a, False),
        (world.mentor_x, False),
    ):
        page = login_as(reader).get(log_path(world)).get_data(as_text=True)
        assert ("Home situation is difficult" in page) is sees, reader.name


def test_only_the_coach_can_mark_a_note_coach_only(app, world, login_as):
    login_as(world.mentor_x).post(
        log_path(world, "/new/agreement"), {"body": "Start at 7:30", "coach_only": "y"}
    )
    with app.app_context():
        assert db.session.scalar(select(LogEntry)).coach_only is False


def test_user_markdown_is_sanitised(app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.mentor_x,
        "concern",
        sections={"body": "**Late** <script>alert(1)</script> [x](javascript:alert(2))"},
    )
    page = login_as(world.coach_a).get(log_path(world)).get_data(as_text=True)
    assert "<strong>Late</strong>" in page
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
    assert "javascript:" not in page


def test_the_trio_comments_under_an_entry(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    student = login_as(world.student_a)
    student.post(log_path(world, f"/{entry_id}/comments"), {"body": "Thanks, I will ask sooner."})
    empty = student.post(log_path(world, f"/{entry_id}/comments"), {"body": "  "})
    assert empty.status_code == 422
    assert "Please write something here." in empty.get_data(as_text=True)
    too_long = student.post(log_path(world, f"/{entry_id}/comments"), {"body": "word " * 900})
    assert too_long.status_code == 422
    assert "word word word" in too_long.get_data(as_text=True)  # kept in the form
    page = login_as(world.coach_a).get(log_path(world, f"/{entry_id}")).get_data(as_text=True)
    assert "Thanks, I will ask sooner." in page
    assert "1 comment" in login_as(world.coach_a).get(log_path(world)).get_data(as_text=True)


def test_only_the_author_edits_an_entry(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    assert login_as(world.coach_a).get(log_path(world, f"/{entry_id}/edit")).status_code == 403
    assert login_as(world.mentor_x).get(log_path(world, f"/{entry_id}/edit")).status_code == 200


def test_the_timeline_filters_by_kind_and_pages(app, world, login_as):
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    write_entry(app, world.placement_a, world.coach_a, "agreement", sections={"body": "Agreed X"})
    coach = login_as(world.coach_a)
    page = coach.get(log_path(world, "?kind=agreement")).get_data(as_text=True)
    assert "Agreed X" in page
    assert "work_on by Mentor X" not in page
    assert "Agreed X" in coach.get(log_path(world, "?kind=nonsense")).get_data(as_text=True)
    app.config["PER_PAGE"] = 1
    first = coach.get(log_path(world)).get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Agreed X" in first  # newest first


def test_the_coach_sees_the_wellbeing_trend_and_the_mentor_does_not(start, app, world, login_as):
    for n, level in enumerate((4, 3, 2)):
        write_entry(
            app,
            world.placement_a,
            world.student_a,
            week=monday(start, 1) + timedelta(weeks=n),
            wellbeing=level,
            submit=True,
        )
    coach_page = login_as(world.coach_a).get(log_path(world)).get_data(as_text=True)
    assert "Wellbeing, week by week" in coach_page
    assert f"Week of {written(monday(start, 3), 'd MMMM')}: 2" in coach_page
    assert "Wellbeing, week by week" not in login_as(world.mentor_x).get(log_path(world)).get_data(
        as_text=True
    )


def test_a_finished_placement_log_is_read_only(app, world, login_as):
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.COMPLETED
        db.session.commit()
    mentor = login_as(world.mentor_x)
    page = mentor.get(log_path(world)).get_data(as_text=True)
    assert "Give feedback" not in page
    assert "work_on by Mentor X" in page
    assert mentor.get(log_path(world, "/new/feedback")).status_code == 403


def test_the_company_coordinator_sees_the_placement_but_not_its_log(world, login_as):
    browser = login_as(world.company_coordinator_x)
    overview = browser.get(f"/placements/{world.placement_a.id}").get_data(as_text=True)
    assert log_path(world) not in overview
    assert browser.get(log_path(world)).status_code == 403


# -- performance ------------------------------------------------------------------------


def add_entries(app, world, count: int) -> None:
    """`count` entries by all three, each with a comment, written straight to the table."""
    with app.app_context():
        authors = [
            (world.student_a.id, "student", EntryKind.CONCERN),
            (world.mentor_x.id, "mentor", EntryKind.FEEDBACK),
            (world.coach_a.id, "coach", EntryKind.VISIT_NOTE),
        ]
        for n in range(count):
            author_id, role, kind = authors[n % 3]
            new = LogEntry(
                placement_id=world.placement_a.id,
                author_id=author_id,
                author_role=role,
                kind=kind,
                sections={"body": f"Entry {n}", "went_well": "x", "work_on": "y"},
            )
            new.comments.append(Comment(author_id=world.coach_a.id, body="Seen"))
            db.session.add(new)
        db.session.commit()


def test_the_timeline_runs_the_same_few_queries_for_10_and_1000_entries(
    app, world, login_as, count_queries
):
    coach = login_as(world.coach_a)
    counts = []
    for total in (10, 1000):
        add_entries(app, world, total - (counts and 10 or 0))
        with count_queries() as counter:
            response = coach.get(log_path(world))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 15


def test_the_mentor_does_not_see_the_wellbeing_of_a_week(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, wellbeing=2, submit=True)
    assert "Wellbeing this week: 2 of 5" in login_as(world.coach_a).get(log_path(world)).get_data(
        as_text=True
    )
    assert "Wellbeing this week" not in login_as(world.mentor_x).get(log_path(world)).get_data(
        as_text=True
    )


def test_the_home_page_says_what_waits_for_the_mentor_and_the_student(start, app, world, login_as):
    for week in (monday(start, 1), monday(start, 2)):
        write_entry(app, world.placement_a, world.student_a, week=week, submit=True)
    assert "2 weeks to approve" in login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert "to approve" not in login_as(world.coach_a).get("/").get_data(as_text=True)
    with app.app_context():
        returned = db.session.scalars(select(LogEntry)).first()
        returned.review_status = ReviewStatus.RETURNED
        db.session.commit()
    assert "1 week returned to you" in login_as(world.student_a).get("/").get_data(as_text=True)
    assert "1 week to approve" in login_as(world.mentor_x).get("/").get_data(as_text=True)


def test_a_service_refusal_has_a_message_outside_a_request(app, world):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            entries.create_entry(
                db.session.get(Placement, world.placement_a.id),
                db.session.get(User, world.mentor_x.id),
                EntryKind.FEEDBACK,
                {"went_well": "x"},
            )
        assert str(refused.value.message) == "Schrijf hier iets."


# -- what the history and the approval must never do -----------------------------------


def test_a_draft_leaves_no_history_for_others_to_read(start, app, world, login_as):
    entry_id = write_entry(
        app, world.placement_a, world.student_a, sections={"did": "Angry draft about my boss"}
    )
    login_as(world.student_a).post(
        log_path(world, f"/{entry_id}/edit"),
        {"week": monday(start, 5).isoformat(), "did": "Calm version", "version": 1, "submit": "x"},
    )
    page = login_as(world.mentor_x).get(log_path(world, f"/{entry_id}")).get_data(as_text=True)
    assert "Calm version" in page
    assert "Angry draft" not in page


def test_a_note_that_was_coach_only_stays_so_in_its_history(app, world, login_as):
    entry_id = write_entry(
        app,
        world.placement_a,
        world.coach_a,
        "visit_note",
        sections={"body": "Difficult home situation"},
        coach_only=True,
    )
    login_as(world.coach_a).post(
        log_path(world, f"/{entry_id}/edit"), {"body": "Visit went well", "version": 1}
    )
    student_page = login_as(world.student_a).get(log_path(world, f"/{entry_id}"))
    assert "Visit went well" in student_page.get_data(as_text=True)
    assert "Difficult home situation" not in student_page.get_data(as_text=True)
    coach_page = login_as(world.coach_a).get(log_path(world, f"/{entry_id}"))
    assert "Difficult home situation" in coach_page.get_data(as_text=True)


def test_changing_a_submitted_week_keeps_it_with_the_mentor(start, app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    student = login_as(world.student_a)
    form = student.get(log_path(world, f"/{entry_id}/edit")).get_data(as_text=True)
    assert "Save as draft" not in form
    assert "Save and send to my mentor" in form
    student.post(
        log_path(world, f"/{entry_id}/edit"),
        {"week": monday(start, 5).isoformat(), "did": "Corrected", "version": 1, "save": "x"},
    )
    assert entry(app, entry_id).review_status == ReviewStatus.SUBMITTED
    assert "Corrected" in login_as(world.mentor_x).get(log_path(world)).get_data(as_text=True)


def test_a_returned_week_saved_without_submitting_stays_returned(start, app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    login_as(world.mentor_x).post(
        log_path(world, f"/{entry_id}/review"),
        {"version": 1, "return_entry": "x", "comment": "More detail"},
    )
    login_as(world.student_a).post(
        log_path(world, f"/{entry_id}/edit"),
        {"week": monday(start, 5).isoformat(), "did": "More", "version": 2, "save": "x"},
    )
    assert entry(app, entry_id).review_status == ReviewStatus.RETURNED
    login_as(world.student_a).post(log_path(world, f"/{entry_id}/submit"), {"version": 3})
    resubmitted = entry(app, entry_id)
    assert resubmitted.review_status == ReviewStatus.SUBMITTED
    # The return's comment belonged to the returned week; the return itself stays recorded.
    assert (resubmitted.review_comment, resubmitted.reviewed_by_id) == ("", world.mentor_x.id)


def test_approve_all_never_approves_a_week_the_mentor_was_not_shown(start, app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, week=monday(start, 1), submit=True)
    mentor = login_as(world.mentor_x)
    page = mentor.get(log_path(world)).get_data(as_text=True)
    shown = re.findall(r'name="week" value="([^"]+)"', page)
    late = write_entry(app, world.placement_a, world.student_a, week=monday(start, 2), submit=True)
    response = mentor.post(log_path(world, "/approve-weeks"), {"week": shown})
    assert "Nothing was approved" in mentor.get(response.headers["Location"]).get_data(as_text=True)
    assert entry(app, late).review_status == ReviewStatus.SUBMITTED
    approve_shown_weeks(mentor, world)
    assert entry(app, late).review_status == ReviewStatus.APPROVED


def test_the_student_reads_the_comment_of_an_approval(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    login_as(world.mentor_x).post(
        log_path(world, f"/{entry_id}/review"),
        {"version": 1, "approve": "x", "comment": "Great job on the labels"},
    )
    page = login_as(world.student_a).get(log_path(world)).get_data(as_text=True)
    assert "Mentor X approved it and wrote:" in page
    assert "Great job on the labels" in page


def test_a_students_concern_is_for_the_school_not_the_mentor(app, world, login_as):
    student = login_as(world.student_a)
    form = student.get(log_path(world, "/new/concern")).get_data(as_text=True)
    assert "your mentor does not" in form
    student.post(log_path(world, "/new/concern"), {"body": "My mentor shouts at me"})
    assert "My mentor shouts at me" in student.get(log_path(world)).get_data(as_text=True)
    for reader, sees in (
        (world.coach_a, True),
        (world.coordinator_a, True),
        (world.mentor_x, False),
    ):
        page = login_as(reader).get(log_path(world)).get_data(as_text=True)
        assert ("My mentor shouts at me" in page) is sees


def test_the_student_is_asked_for_this_weeks_log_until_it_is_written(start, app, world):
    week = monday(start, 12)
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        placement = db.session.get(Placement, world.placement_a.id)
        assert what_waits(student, [placement], week)[placement.id].week_to_write == week
    write_entry(app, world.placement_a, world.student_a, week=week, today=week)
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        placement = db.session.get(Placement, world.placement_a.id)
        assert what_waits(student, [placement], week)[placement.id].week_to_write is None
        mentor = db.session.get(User, world.mentor_x.id)
        assert what_waits(mentor, [placement], week)[placement.id].week_to_write is None


def test_a_week_without_a_check_in_shows_as_a_gap(start, app, world, login_as):
    for week, level in ((monday(start, 1), 4), (monday(start, 3), 2)):
        write_entry(
            app, world.placement_a, world.student_a, week=week, wellbeing=level, submit=True
        )
    with app.app_context():
        trend = entries.wellbeing_trend(db.session.get(Placement, world.placement_a.id))
    assert trend == [(monday(start, 1), 4), (monday(start, 2), None), (monday(start, 3), 2)]
    coach_page = login_as(world.coach_a).get(log_path(world)).get_data(as_text=True)
    assert f"Week of {written(monday(start, 2), 'd MMMM')}: no check-in" in coach_page
    assert "Talk about it at the next visit" in coach_page
    student_page = login_as(world.student_a).get(log_path(world)).get_data(as_text=True)
    assert f"Week of {written(monday(start, 2), 'd MMMM')}: no check-in" in student_page
    assert "Talk about it at the next visit" not in student_page
