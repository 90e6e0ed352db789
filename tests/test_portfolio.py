"""The portfolio PDF for the school file: what it holds, for whom, in which language."""

from __future__ import annotations

import io
import re
import secrets
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from app.competences import services as competences
from app.competences.services import Judgement
from app.extensions import db
from app.followup.entries import add_comment, review_entry
from app.models import (
    Actor,
    Attachment,
    Comment,
    EntryKind,
    LogEntry,
    Placement,
    Setting,
    User,
)
from app.portfolio.services import plain_text, slug
from tests.conftest import Browser, attach_file, monday, png_bytes, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")


def portfolio_path(world) -> str:
    return f"/placements/{world.placement_a.id}/portfolio.pdf"


def pdf_text(response) -> str:
    """The text of every page of a PDF response, as a reader's copy-paste would give it."""
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def choose_path(world) -> str:
    return f"/placements/{world.placement_a.id}/portfolio"


def portfolio_of(login_as, world, role: str) -> str:
    return pdf_text(login_as(world.user(role)).get(portfolio_path(world)))


def comment_on(app, entry_id: int, author, body: str) -> None:
    with app.app_context():
        add_comment(db.session.get(LogEntry, entry_id), db.session.get(User, author.id), body)


def register(app, world, author, indicator: str, level: int) -> None:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        framework = competences.framework_of(placement)
        competence = next(
            c for c in framework.competences if indicator in {i.id for i in c.indicators}
        )
        competences.register(
            placement,
            db.session.get(User, author.id),
            competence,
            [Judgement(indicator, Setting.WORKPLACE, level)],
        )


def score(app, world, author, criterion: str, level: int) -> None:
    with app.app_context():
        competences.score_rubric(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, author.id),
            {criterion: level},
            {},
            {},
        )


def attach(app, entry_id: int, uploader, filename: str, size: int) -> None:
    """An attachment row as the upload service leaves it (the bytes are not needed here)."""
    with app.app_context():
        db.session.add(
            Attachment(
                entry_id=entry_id,
                uploader_id=uploader.id,
                filename=filename,
                content_type="image/jpeg",
                size=size,
                storage_key=secrets.token_hex(16),
            )
        )
        db.session.commit()


# -- the file ---------------------------------------------------------------------------


def test_the_portfolio_downloads_as_a_pdf_named_after_the_student_and_the_day(
    today, world, login_as
):
    response = login_as(world.coach_a).get(portfolio_path(world))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="portfolio-student-a-{today.isoformat()}.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]


def test_the_file_name_is_plain_ascii_whatever_the_name():
    assert slug("Elif Öztürk-Janssens") == "elif-ozturk-janssens"
    assert slug("Zoë  D'Hondt ") == "zoe-d-hondt"
    assert slug("李") == ""


def test_the_portfolio_holds_the_cover_log_matrix_rubric_and_page_numbers(
    start, app, world, login_as
):
    week = write_entry(
        app,
        world.placement_a,
        world.student_a,
        sections={"did": "Replaced the sockets in the canteen."},
        submit=True,
    )
    comment_on(app, week, world.mentor_x, "Neat work on the canteen sockets.")
    register(app, world, world.student_a, "on-time", 4)
    register(app, world, world.mentor_x, "on-time", 2)
    register(app, world, world.coach_a, "on-time", 3)
    score(app, world, world.mentor_x, "punctuality", 3)

    text = portfolio_of(login_as, world, "coach_a")

    for expected in ("Portfolio", "Student A", "Company X", "School A", "Mentor X", "Coach A"):
        assert expected in text
    assert "Generic work competences (v1)" in text
    assert "Soft skills at the workplace (v1)" in text
    assert "Exported by Coach A (Coach)" in text
    assert f"Weekly log · Week of {written(monday(start, 5))}" in text
    assert "What I did this week" in text
    assert "Replaced the sockets in the canteen." in text
    assert "Neat work on the canteen sockets." in text
    assert "Waiting for approval" in text
    # the matrix: student 4, mentor 2, coach 3 on one indicator, marked as divergent
    assert re.search(
        r"Is ready to work at the workplace at the agreed time\.\s*4\s*2\s*3\s*●", text
    )
    assert "1 indicator differs by 2 levels or more" in text
    # the rubric comparison: the criterion with the mentor's level
    assert re.search(r"Punctuality\s*not scored yet\s*3 · with some help", text)
    assert re.search(r"Page 1 of \d+", text)


def test_an_approved_week_says_who_approved_it(app, world, login_as):
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        entry = db.session.get(LogEntry, week)
        review_entry(
            entry,
            db.session.get(User, world.mentor_x.id),
            approve=True,
            comment="",
            expected_version=entry.version,
        )
    text = portfolio_of(login_as, world, "coordinator_a")
    assert "Approved by Mentor X on" in text


# -- only what the reader may read ------------------------------------------------------


def test_a_coach_only_note_is_in_the_coachs_portfolio_only(app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.coach_a,
        "visit_note",
        sections={"body": "Talked about the situation at home."},
        coach_only=True,
    )
    write_entry(
        app, world.placement_a, world.coach_a, "visit_note", sections={"body": "All fine on site."}
    )
    coach = portfolio_of(login_as, world, "coach_a")
    assert "Talked about the situation at home." in coach
    assert "Coach only" in coach
    for role in ("student_a", "mentor_x"):
        text = portfolio_of(login_as, world, role)
        assert "All fine on site." in text
        assert "Talked about the situation at home." not in text
        assert "Coach only" not in text


def test_a_draft_weekly_log_is_in_nobodys_portfolio(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, sections={"did": "Half-written thoughts."})
    for role in ("student_a", "mentor_x", "coach_a", "coordinator_a", "admin"):
        assert "Half-written thoughts." not in portfolio_of(login_as, world, role)


def test_wellbeing_is_left_out_unless_the_reader_chooses_it_and_may_see_it(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, wellbeing=2, submit=True)
    for role in ("student_a", "coach_a", "mentor_x"):
        assert "Wellbeing this week" not in portfolio_of(login_as, world, role)
    chosen = portfolio_path(world) + "?chosen=1&parts=log&wellbeing=y"
    for role in ("student_a", "coach_a"):
        text = pdf_text(login_as(world.user(role)).get(chosen))
        assert "Wellbeing this week: 2 of 5" in text
    # the mentor is not offered the box, and sending it anyway changes nothing
    mentor = login_as(world.mentor_x)
    assert "wellbeing" not in mentor.get(choose_path(world)).get_data(as_text=True)
    assert "Wellbeing this week" not in pdf_text(mentor.get(chosen))


def test_evidence_lists_each_entrys_files_that_the_reader_may_read(app, world, login_as):
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    note = write_entry(app, world.placement_a, world.coach_a, "visit_note", coach_only=True)
    attach(app, week, world.student_a, "socket-before.jpg", 2_306_867)
    attach(app, week, world.student_a, "socket-after.jpg", 48_000)
    attach(app, note, world.coach_a, "private-notes.jpg", 900)
    coach = portfolio_of(login_as, world, "coach_a")
    assert re.search(r"socket-before\.jpg\s*2\.2 MB\s*Student A", coach)
    assert re.search(r"socket-after\.jpg\s*47 KB", coach)
    assert re.search(r"private-notes\.jpg\s*900 B\s*Coach A", coach)
    assert "2 attachments: socket-before.jpg, socket-after.jpg" in coach
    student = portfolio_of(login_as, world, "student_a")
    assert "socket-before.jpg" in student
    assert "private-notes.jpg" not in student


# -- the text on the page ---------------------------------------------------------------


def test_dutch_text_and_accents_survive(start, app, world, login_as):
    with app.app_context():
        db.session.get(User, world.student_a.id).locale = "nl"
        db.session.commit()
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        sections={"did": "Café-bezoek: één ‘tevreden’ klant – coöperatief… België"},
        submit=True,
    )
    register(app, world, world.mentor_x, "reports-absence", 3)
    text = portfolio_of(login_as, world, "student_a")
    assert "Café-bezoek: één ‘tevreden’ klant – coöperatief… België" in text
    assert "Leerling" in text
    assert f"Week van {written(monday(start, 5), 'd MMMM yyyy', 'nl')}" in text
    assert "Algemene werkcompetenties (v1)" in text
    assert "afwezigheid of vertraging vóór" in text  # an indicator of the framework
    assert re.search(r"Pagina 1 van \d+", text)


def test_markdown_prints_as_plain_text_without_markup(app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        sections={
            "did": "I **tested** the [circuit](https://example.org/rcd) with <b>care</b>.\n"
            "- first the breaker\n- then the socket",
            "need": "Somebody wrote {nb} here.",
        },
        submit=True,
    )
    text = portfolio_of(login_as, world, "student_a")
    assert "I tested the circuit (https://example.org/rcd) with <b>care</b>." in text
    assert "• first the breaker" in text
    assert "**" not in text
    assert "<p>" not in text
    assert "Somebody wrote {nb} here." in text  # only the footer counts pages


def test_plain_text_keeps_paragraphs_lists_and_line_breaks():
    assert plain_text("One\nline\n\nTwo") == "One\nline\n\nTwo"
    assert plain_text("1. first\n2. second\n\n> quoted *words*") == (
        "1. first\n2. second\n\nquoted words"
    )
    assert plain_text("See <https://x.example>") == "See https://x.example"
    assert plain_text("[mail](mailto:a@b.example) and [a@b.example](mailto:a@b.example)") == (
        "mail (a@b.example) and a@b.example"
    )
    assert plain_text(None) == ""


def test_a_placement_without_framework_or_rubric_still_exports_its_log(app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.framework_id = placement.rubric_id = None
        db.session.commit()
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    text = portfolio_of(login_as, world, "mentor_x")
    assert "went_well by Mentor X" in text
    assert "Indicator" not in text
    assert "Criterion" not in text


# -- access and cost --------------------------------------------------------------------

EXPECTED = {
    "admin": 200,
    "coordinator_a": 200,
    "coach_a": 200,
    "mentor_x": 200,
    "student_a": 200,
    "company_coordinator_x": 403,
    "coordinator_b": 404,
    "coach_b": 404,
    "mentor_y": 404,
    "student_b": 404,
    "outsider": 404,
}


@pytest.mark.parametrize(("role", "status"), EXPECTED.items())
def test_who_may_read_the_log_downloads_the_portfolio(world, login_as, role, status):
    assert login_as(world.user(role)).get(portfolio_path(world)).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(app, world):
    response = Browser(app.test_client()).get(portfolio_path(world))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def add_entries(app, world, count: int) -> None:
    """Feedback entries, each with a comment and an attachment, written straight to the
    database (the services commit one by one, which would make this test slow).
    """
    with app.app_context():
        for n in range(count):
            entry = LogEntry(
                placement_id=world.placement_a.id,
                author_id=world.mentor_x.id,
                author_role=Actor.MENTOR,
                kind=EntryKind.FEEDBACK,
                sections={"went_well": f"Went well {n}", "work_on": "Ask sooner", "next_step": ""},
            )
            entry.comments.append(Comment(author_id=world.student_a.id, body=f"Thanks {n}"))
            entry.attachments.append(
                Attachment(
                    uploader_id=world.mentor_x.id,
                    filename=f"photo-{n}.jpg",
                    content_type="image/jpeg",
                    size=1000 + n,
                    storage_key=secrets.token_hex(16),
                )
            )
            db.session.add(entry)
        db.session.commit()


def test_the_portfolio_runs_the_same_few_queries_for_10_and_500_entries(
    app, world, login_as, count_queries
):
    register(app, world, world.mentor_x, "on-time", 3)
    score(app, world, world.mentor_x, "punctuality", 3)
    coach = login_as(world.coach_a)
    counts = []
    for added in (10, 490):
        add_entries(app, world, added)
        with count_queries() as counter:
            response = coach.get(portfolio_path(world))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 25
    text = pdf_text(response)
    assert "Went well 489" in text
    assert "photo-489.jpg" in text


# -- the reader's choice ----------------------------------------------------------------


def test_the_student_chooses_the_parts_before_the_download(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    register(app, world, world.mentor_x, "on-time", 3)
    score(app, world, world.mentor_x, "punctuality", 3)
    student = login_as(world.student_a)
    page = student.get(f"/placements/{world.placement_a.id}/log").get_data(as_text=True)
    assert f'href="{choose_path(world)}"' in page
    form = student.get(choose_path(world)).get_data(as_text=True)
    for part in ("log", "competences", "soft_skills", "evidence"):
        assert f'value="{part}"' in form
    assert 'name="wellbeing"' in form

    only_log = pdf_text(student.get(portfolio_path(world) + "?chosen=1&parts=log"))
    assert "did by Student A" in only_log
    assert "Indicator" not in only_log
    assert "Criterion" not in only_log
    assert "No attachments." not in only_log

    matrix = pdf_text(
        student.get(portfolio_path(world) + "?chosen=1&parts=competences&parts=soft_skills")
    )
    assert "did by Student A" not in matrix
    assert "Is ready to work at the workplace at the agreed time." in matrix
    assert re.search(r"Punctuality\s*not scored yet\s*3 · with some help", matrix)
    assert "No attachments." not in matrix


def test_the_period_chooses_the_weeks_of_the_log(start, app, world, login_as):
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=monday(start, 2),
        submit=True,
        sections={"did": "Week in September."},
    )
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=monday(start, 5),
        submit=True,
        sections={"did": "Week in October."},
    )
    student = login_as(world.student_a)
    # a month that holds the "October" week, after the "September" one
    first, last = start + timedelta(days=30), start + timedelta(days=60)
    text = pdf_text(
        student.get(portfolio_path(world) + f"?chosen=1&parts=log&start={first}&end={last}")
    )
    assert "Week in October." in text
    assert "Week in September." not in text
    assert f"{written(first)} – {written(last)}" in text
    # a week that starts before the period but runs into it belongs to it
    first, last = start + timedelta(days=16), start + timedelta(days=29)
    text = pdf_text(
        student.get(portfolio_path(world) + f"?chosen=1&parts=log&start={first}&end={last}")
    )
    assert "Week in September." in text
    assert "Week in October." not in text


def test_a_choice_that_does_not_hold_comes_back_with_its_message(start, world, login_as):
    student = login_as(world.student_a)
    response = student.get(
        portfolio_path(world)
        + f"?chosen=1&parts=log&start={start + timedelta(days=60)}&end={start + timedelta(days=30)}"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The end of the period comes before its start." in page
    assert f'value="{start + timedelta(days=60)}"' in page  # what was chosen stays
    response = student.get(portfolio_path(world) + f"?chosen=1&start={start + timedelta(days=30)}")
    assert response.status_code == 422
    assert "Choose at least one part." in response.get_data(as_text=True)
    response = student.get(portfolio_path(world) + "?chosen=1&parts=log&start=someday")
    assert response.status_code == 422
    assert 'id="start-error"' in response.get_data(as_text=True)


def test_competences_nobody_registered_and_an_unscored_rubric_are_left_out(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    text = portfolio_of(login_as, world, "student_a")
    assert "Indicator" not in text  # nothing registered: no matrix at all
    assert "Criterion" not in text  # nothing scored: no rubric
    assert "Generic work competences (v1)" in text  # the cover still names the framework

    register(app, world, world.mentor_x, "on-time", 3)
    text = portfolio_of(login_as, world, "student_a")
    assert "Punctuality and reliability" in text
    assert "Is ready to work at the workplace at the agreed time." in text
    assert "Dealing with feedback" not in text
    assert "Listens to feedback without interrupting" not in text
    assert re.search(r"\d+ competences with nothing registered yet are left out", text)


def pdf_images(response) -> list[tuple[int, int]]:
    """The pixel sizes of the images drawn on the PDF's pages."""
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return [image.image.size for page in reader.pages for image in page.images]


def test_photos_are_printed_as_images_only_those_the_reader_may_see(app, world, login_as):
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    note = write_entry(app, world.placement_a, world.coach_a, "visit_note", coach_only=True)
    attach_file(app, week, world.student_a, png_bytes((1600, 1200), "blue"), "board.png")
    attach_file(app, note, world.coach_a, png_bytes((300, 600), "red"), "private.png")
    with app.app_context():
        db.session.add(  # a photo whose file has gone missing is listed, not printed
            Attachment(
                entry_id=week,
                uploader_id=world.student_a.id,
                filename="lost.jpg",
                content_type="image/jpeg",
                size=1000,
                storage_key=secrets.token_hex(16),
            )
        )
        db.session.commit()

    student = login_as(world.student_a).get(portfolio_path(world))
    assert pdf_images(student) == [(900, 675)]  # made small enough to print
    text = pdf_text(student)
    assert "Photos" in text
    assert "board.png" in text
    assert "lost.jpg" in text
    assert "private.png" not in text
    assert sorted(pdf_images(login_as(world.coach_a).get(portfolio_path(world)))) == [
        (300, 600),
        (900, 675),
    ]
    without = login_as(world.student_a).get(portfolio_path(world) + "?chosen=1&parts=log")
    assert pdf_images(without) == []


def test_a_photo_past_the_upload_limits_is_not_decoded_for_print(app, world, monkeypatch):
    from app.followup import evidence
    from app.portfolio.services import photo_for_print

    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    photo = attach_file(app, week, world.student_a, png_bytes((400, 300)), "wide.png")
    with app.app_context():
        attachment = db.session.get(Attachment, photo)
        assert photo_for_print(attachment) is not None
        monkeypatch.setattr(evidence, "MAX_DECODED_PIXELS", 400 * 300 - 1)
        assert photo_for_print(attachment) is None


PHOTO_SIZE = (1600, 1200)


def test_a_year_of_weekly_logs_with_photos_prints_in_reasonable_time(
    today, app, world, login_as, count_queries
):
    """52 weeks, each with a photo: the PDF is made in a few seconds (docs/performance.md
    has the time with 12-megapixel phone photos).
    """
    import time
    from datetime import timedelta

    from app.followup.entries import monday_of
    from app.models import ReviewStatus

    first = monday_of(today) - timedelta(weeks=51)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date, placement.end_date = first, today + timedelta(days=30)
        db.session.commit()
    ids = []
    with app.app_context():
        for n in range(52):
            entry = LogEntry(
                placement_id=world.placement_a.id,
                author_id=world.student_a.id,
                author_role=Actor.STUDENT,
                kind=EntryKind.WEEKLY_LOG,
                week_start=first + timedelta(weeks=n),
                review_status=ReviewStatus.SUBMITTED,
                sections={"did": f"Week {n}: " + "wired a board and tested it. " * 20},
            )
            db.session.add(entry)
            db.session.flush()
            ids.append(entry.id)
        db.session.commit()
    for n, entry_id in enumerate(ids):
        output = io.BytesIO()  # a different photo each week: the PDF holds each once
        Image.new("RGB", PHOTO_SIZE, (n * 4, 120, 255 - n * 4)).save(output, "JPEG")
        attach_file(app, entry_id, world.student_a, output.getvalue(), "site.jpg")
    student = login_as(world.student_a)
    # The processor time of this process, which serves the request: a busy machine
    # makes the wall clock slower, not this.
    started = time.process_time()
    with count_queries() as counter:
        response = student.get(portfolio_path(world))
    seconds = time.process_time() - started
    assert len(pdf_images(response)) == 52
    assert seconds < 15, f"{seconds:.1f} s of processor time for 52 weeks with photos"
    assert counter.count <= 25
