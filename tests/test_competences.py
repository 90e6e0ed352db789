"""Registering indicators, the three-actor matrix, evolution, rubric scores, training plan."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Placement, PlanItem, Registration, RubricScore, Setting
from tests.xss import executable_constructs

PUNCTUALITY = ["on-time", "reports-absence", "keeps-break-times"]


pytestmark = pytest.mark.usefixtures("in_english")


def path(world, suffix: str) -> str:
    return f"/placements/{world.placement_a.id}{suffix}"


def judgements(*rows, based_on: dict | None = None) -> dict:
    """Registration form data: rows of (indicator, setting, level)."""
    form = {}
    for n, (indicator, setting, level) in enumerate(rows):
        form[f"judgements-{n}-indicator"] = indicator
        form[f"judgements-{n}-based_on"] = (based_on or {}).get(indicator, 0)
        if setting:
            form[f"judgements-{n}-setting"] = setting
        if level is not None:
            form[f"judgements-{n}-level"] = level
    return form


def register(browser, world, *rows, competence="punctuality", **extra):
    return browser.post(
        path(world, f"/register?competence={competence}"), {**judgements(*rows), **extra}
    )


def registrations(app) -> list[Registration]:
    with app.app_context():
        rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
        db.session.expunge_all()
        return rows


# -- registering ------------------------------------------------------------------------


def test_mentor_registers_three_indicators_on_the_framework_version(app, world, login_as):
    mentor = login_as(world.mentor_x)
    form = mentor.get(path(world, "/register")).get_data(as_text=True)
    assert "Is ready to work at the workplace at the agreed time." in form
    assert "Competence 1 of 11" in form
    response = register(
        mentor,
        world,
        ("on-time", "workplace", 4),
        ("reports-absence", "both", 3),
        ("keeps-break-times", "workplace", 2),
    )
    assert response.status_code == 302
    saved = registrations(app)
    assert [(r.indicator_id, r.level, r.setting) for r in saved] == [
        ("on-time", 4, Setting.WORKPLACE),
        ("reports-absence", 3, Setting.BOTH),
        ("keeps-break-times", 2, Setting.WORKPLACE),
    ]
    assert {(r.actor, r.framework_id, r.framework_version, r.baseline) for r in saved} == {
        ("mentor", "generic-work-competences", 1, True)
    }
    assert "3 indicators registered." in mentor.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_save_and_next_walks_to_the_next_competence(world, login_as):
    response = register(login_as(world.student_a), world, ("on-time", "workplace", 3), next="1")
    assert response.headers["Location"].endswith("competence=feedback")


def test_an_untouched_indicator_is_not_registered(app, world, login_as):
    register(
        login_as(world.coach_a), world, ("on-time", "", None), ("reports-absence", "school", 2)
    )
    assert [r.indicator_id for r in registrations(app)] == ["reports-absence"]


def test_not_possible_at_this_workplace_needs_no_level(app, world, login_as):
    register(login_as(world.mentor_x), world, ("keeps-break-times", "not_possible", None))
    [saved] = registrations(app)
    assert saved.level is None
    assert saved.setting == Setting.NOT_POSSIBLE


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("on-time", "workplace", 3), ("reports-absence", "workplace", 9)), "Choose a level"),
        ((("on-time", "workplace", 3), ("reports-absence", "school", None)), "Choose a level"),
        (
            (("on-time", "workplace", 3), ("not-an-indicator", "workplace", 2)),
            "An indicator is not part of this placement&#39;s framework.",
        ),
        ((("on-time", "on the moon", 3),), "Invalid"),
    ],
)
def test_bad_judgements_save_nothing_and_say_why(app, world, login_as, rows, message):
    response = register(login_as(world.mentor_x), world, *rows)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert registrations(app) == []


def checked(page: str, name: str) -> list[str]:
    """The values of the radio buttons named `name` that are checked on `page`."""
    before = re.findall(rf'<input checked[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    after = re.findall(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"[^>]*checked', page)
    return before + after


@pytest.mark.parametrize("who", ["student_a", "coach_a"])
def test_a_level_without_a_place_is_refused_next_to_the_place_and_keeps_the_choices(
    app, world, login_as, who
):
    response = register(
        login_as(getattr(world, who)),
        world,
        ("on-time", "", 3),
        ("reports-absence", "school", 2),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert registrations(app) == []
    # The message is in the place's group of the first card, which is marked.
    card = page.split('id="card-1"', 1)[1].split('id="card-2"', 1)[0]
    place = card.split("Where did it come up?", 1)[1].split("Level", 1)[0]
    assert "Say where it came up, or leave this indicator open." in place
    assert 'class="choice-group has-error"' in card
    # Nothing typed is lost: both levels and the other place are still chosen.
    assert checked(page, "judgements-0-level") == ["3"]
    assert checked(page, "judgements-1-level") == ["2"]
    assert checked(page, "judgements-1-setting") == ["school"]


def test_a_note_without_a_place_is_refused_too(app, world, login_as):
    student = login_as(world.student_a)
    response = register(
        student, world, ("on-time", "", None), **{"judgements-0-note": "Late twice"}
    )
    assert response.status_code == 422
    assert "Say where it came up" in response.get_data(as_text=True)
    assert "Late twice" in response.get_data(as_text=True)
    assert registrations(app) == []


def test_the_mentor_form_starts_at_the_workplace_and_the_student_chooses(world, login_as):
    mentor_form = login_as(world.mentor_x).get(path(world, "/register")).get_data(as_text=True)
    assert [checked(mentor_form, f"judgements-{n}-setting") for n in range(3)] == [
        ["workplace"]
    ] * 3
    student_form = login_as(world.student_a).get(path(world, "/register")).get_data(as_text=True)
    assert [checked(student_form, f"judgements-{n}-setting") for n in range(3)] == [[]] * 3


def test_a_mentor_registers_with_one_tap_per_indicator(app, world, login_as):
    """The form sends the preselected place with every card: only the tapped levels
    count; the cards left alone are not registered.
    """
    response = register(
        login_as(world.mentor_x),
        world,
        ("on-time", "workplace", 4),
        ("reports-absence", "workplace", None),
        ("keeps-break-times", "workplace", None),
    )
    assert response.status_code == 302
    assert [(r.indicator_id, r.setting, r.level) for r in registrations(app)] == [
        ("on-time", Setting.WORKPLACE, 4)
    ]


def test_a_mentor_level_without_a_place_counts_as_at_the_workplace(app, world, login_as):
    response = register(login_as(world.mentor_x), world, ("on-time", "", 3))
    assert response.status_code == 302
    assert [(r.setting, r.level) for r in registrations(app)] == [(Setting.WORKPLACE, 3)]


def test_a_level_that_is_not_a_number_is_refused(app, world, login_as):
    response = register(login_as(world.mentor_x), world, ("on-time", "workplace", "high"))
    assert response.status_code == 422
    assert registrations(app) == []


def test_a_stale_registration_form_gets_a_conflict_and_keeps_the_choices(app, world, login_as):
    mentor = login_as(world.mentor_x)
    register(mentor, world, ("on-time", "workplace", 2))  # another window, saved first
    response = register(mentor, world, ("on-time", "workplace", 4))  # based on nothing
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone registered these indicators as you" in page
    assert re.search(r'<input checked[^>]*name="judgements-0-level"[^>]*value="4"', page)
    assert [r.level for r in registrations(app)] == [2]
    first = registrations(app)[0]
    again = mentor.post(
        path(world, "/register?competence=punctuality"),
        judgements(("on-time", "workplace", 4), based_on={"on-time": first.id}),
    )
    assert again.status_code == 302
    assert [r.level for r in registrations(app)] == [2, 4]


def test_history_is_kept_and_only_changes_are_recorded(app, world, login_as):
    student = login_as(world.student_a)
    register(student, world, ("on-time", "workplace", 2))
    first = registrations(app)[0]
    same = {"on-time": first.id}
    student.post(
        path(world, "/register?competence=punctuality"),
        judgements(("on-time", "workplace", 2), based_on=same),
    )
    assert len(registrations(app)) == 1
    student.post(
        path(world, "/register?competence=punctuality"),
        judgements(("on-time", "workplace", 3), based_on=same),
    )
    history = registrations(app)
    assert [(r.level, r.baseline) for r in history] == [(2, True), (3, False)]


def test_the_form_opens_with_my_latest_registration(app, world, login_as):
    student = login_as(world.student_a)
    register(student, world, ("on-time", "workplace", 3))
    page = student.get(path(world, "/register")).get_data(as_text=True)
    assert "Saved: 3 · with some help, at the workplace" in page
    assert "What you choose now is your baseline: where you start" in page  # the others


def test_each_registers_only_as_themselves(app, world, login_as):
    for person in (world.student_a, world.mentor_x, world.coach_a):
        register(login_as(person), world, ("on-time", "workplace", 3))
    assert [(r.actor, r.author_id) for r in registrations(app)] == [
        ("student", world.student_a.id),
        ("mentor", world.mentor_x.id),
        ("coach", world.coach_a.id),
    ]
    assert login_as(world.coordinator_a).post(path(world, "/register")).status_code == 403
    assert len(registrations(app)) == 3


# -- the matrix -------------------------------------------------------------------------


def test_the_matrix_shows_three_actors_and_marks_divergence(app, world, login_as):
    register(login_as(world.student_a), world, ("on-time", "workplace", 4))
    register(login_as(world.mentor_x), world, ("on-time", "workplace", 2))
    register(login_as(world.coach_a), world, ("reports-absence", "school", 3))
    page = login_as(world.coach_a).get(path(world, "/matrix")).get_data(as_text=True)
    assert "1 indicator differs by 2 levels or more" in page
    assert "scale-generic-work-competences-4" in page
    assert "scale-generic-work-competences-2" in page
    assert "differ by 2+" in page
    assert "Student: 4 · independently, At the workplace" in page
    divergent = login_as(world.coach_a).get(path(world, "/matrix?divergent=1"))
    text = divergent.get_data(as_text=True)
    assert text.count('class="is-divergent') == 1
    assert "Show all indicators" in text


def test_indicators_that_never_came_up_are_visible(app, world, login_as):
    register(login_as(world.mentor_x), world, ("on-time", "workplace", 3))
    page = login_as(world.mentor_x).get(path(world, "/matrix")).get_data(as_text=True)
    with app.app_context():
        from app.content.services import content_library

        framework = content_library().frameworks["generic-work-competences"]
        total = sum(len(c.indicators) for c in framework.competences)
    assert f"{total - 1} indicators have not come up yet" in page
    assert page.count('<span class="badge">not come up yet</span>') == total - 1


def test_a_placement_without_framework_says_so(app, world, login_as):
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).framework_id = None
        db.session.commit()
    coach = login_as(world.coach_a)
    assert "does not follow a competence framework" in coach.get(path(world, "/matrix")).get_data(
        as_text=True
    )
    assert coach.get(path(world, "/register")).status_code == 404


def add_registrations(app, world, count: int) -> None:
    start = world.placement_a.start_date
    with app.app_context():
        day = start
        for n in range(count):
            actor, author = [
                ("student", world.student_a.id),
                ("mentor", world.mentor_x.id),
                ("coach", world.coach_a.id),
            ][n % 3]
            db.session.add(
                Registration(
                    placement_id=world.placement_a.id,
                    author_id=author,
                    actor=actor,
                    framework_id="generic-work-competences",
                    framework_version=1,
                    competence_id="punctuality",
                    indicator_id=PUNCTUALITY[n % 3],
                    setting=Setting.WORKPLACE,
                    level=1 + n % 4,
                    observed_on=day + timedelta(days=n % 60),
                )
            )
        db.session.commit()


def test_the_matrix_runs_the_same_few_queries_for_10_and_1000_registrations(
    app, world, login_as, count_queries
):
    coach = login_as(world.coach_a)
    counts = []
    for added in (10, 990):
        add_registrations(app, world, added)
        with count_queries() as counter:
            assert coach.get(path(world, "/matrix")).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 10


# -- evolution --------------------------------------------------------------------------


def test_the_evolution_chart_is_svg_with_the_numbers_as_text(app, world, login_as):
    add_registrations(app, world, 30)
    page = (
        login_as(world.student_a)
        .get(path(world, "/competences/punctuality"))
        .get_data(as_text=True)
    )
    assert "<svg" in page
    assert page.count("<polyline") == 3
    assert "Level of Punctuality and reliability over time, per person" in page
    assert "Mean level per person" in page
    assert executable_constructs(page) == []  # nothing runs but the site's own script


# -- the soft-skill rubric --------------------------------------------------------------


def scores(*rows) -> dict:
    form = {}
    for n, (criterion, level) in enumerate(rows):
        form[f"scores-{n}-criterion"] = criterion
        form[f"scores-{n}-based_on"] = 0
        if level is not None:
            form[f"scores-{n}-level"] = level
    return form


def test_each_actor_scores_the_rubric_and_the_comparison_shows_descriptors(app, world, login_as):
    login_as(world.student_a).post(
        path(world, "/soft-skills/score"), scores(("punctuality", 4), ("feedback", None))
    )
    login_as(world.mentor_x).post(path(world, "/soft-skills/score"), scores(("punctuality", 2)))
    page = login_as(world.coach_a).get(path(world, "/soft-skills")).get_data(as_text=True)
    assert "Is always ready to work on time." in page  # the student's level 4 descriptor
    assert "Usually arrives on time" in page  # the mentor's level 2 descriptor
    assert "differ by 2+" in page
    assert "not scored yet" in page
    with app.app_context():
        stored = db.session.scalars(select(RubricScore)).all()
        assert {(s.actor, s.level, s.rubric_version) for s in stored} == {
            ("student", 4, 1),
            ("mentor", 2, 1),
        }


def test_a_rubric_level_outside_the_scale_saves_nothing(app, world, login_as):
    response = login_as(world.mentor_x).post(
        path(world, "/soft-skills/score"), scores(("punctuality", 3), ("feedback", 7))
    )
    assert response.status_code == 422
    assert "Choose a level on the scale." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(RubricScore.id))) == 0


# -- the training plan ------------------------------------------------------------------


def plan(**rows) -> dict:
    form = {}
    for n, (competence, (setting, period, version)) in enumerate(rows.items()):
        form[f"rows-{n}-competence"] = competence
        form[f"rows-{n}-setting"] = setting
        form[f"rows-{n}-period"] = period
        if version is not None:
            form[f"rows-{n}-version"] = version
    return form


def test_the_plan_shows_a_competence_that_has_not_come_up_at_the_workplace(app, world, login_as):
    coach = login_as(world.coach_a)
    response = coach.post(path(world, "/plan"), plan(punctuality=("workplace", "September", None)))
    assert response.status_code == 302
    page = coach.get(path(world, "/matrix")).get_data(as_text=True)
    assert "Planned: At the workplace · September" in page
    assert "Planned at the workplace (September); it has not come up there yet." in page
    register(login_as(world.mentor_x), world, ("on-time", "workplace", 3))
    page = coach.get(path(world, "/matrix")).get_data(as_text=True)
    assert "has not come up there yet" not in page


def test_the_student_reads_the_plan_but_does_not_edit_it(app, world, login_as):
    login_as(world.coach_a).post(path(world, "/plan"), plan(punctuality=("both", "", None)))
    student = login_as(world.student_a)
    page = student.get(path(world, "/plan")).get_data(as_text=True)
    assert "At school and at the workplace" in page
    assert '<form method="post" novalidate>' not in page
    assert (
        student.post(path(world, "/plan"), plan(punctuality=("school", "", 1))).status_code == 403
    )


def test_a_stale_plan_gets_a_conflict_and_changes_nothing(app, world, login_as):
    login_as(world.coach_a).post(path(world, "/plan"), plan(punctuality=("school", "", None)))
    response = login_as(world.mentor_x).post(
        path(world, "/plan"), plan(punctuality=("workplace", "", None))
    )
    assert response.status_code == 409
    assert "Someone changed the training plan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PlanItem.setting)) == Setting.SCHOOL


# -- export and colours -----------------------------------------------------------------


def test_registrations_download_as_csv_safe_for_spreadsheets(app, world, login_as):
    register(
        login_as(world.mentor_x),
        world,
        ("on-time", "workplace", 3),
        **{"judgements-0-note": '=HYPERLINK("http://evil")'},
    )
    response = login_as(world.coordinator_a).get(path(world, "/registrations.csv"))
    assert response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:3] == ["Date", "Role", "Name"]
    assert rows[1][1:3] == ["Mentor", "Mentor X"]
    assert rows[1][6] == "3"
    assert rows[1][8].startswith("'=")


def test_the_scale_colours_come_from_the_content_files(client):
    css = client.get("/content/scales.css").get_data(as_text=True)
    assert ".scale-generic-work-competences-1 { background: #d64545;" in css
    assert ".scale-soft-skills-4 { background: #2f7d4f; color: #ffffff; }" in css


def test_a_plan_cannot_say_not_possible_and_a_refusal_changes_nothing(app, world, login_as):
    coach = login_as(world.coach_a)
    coach.post(path(world, "/plan"), plan(punctuality=("school", "", None)))
    response = coach.post(
        path(world, "/plan"),
        plan(punctuality=("workplace", "", 1), feedback=("not_possible", "", None)),
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(PlanItem.setting)).all() == [Setting.SCHOOL]


def test_a_double_tap_on_save_is_not_a_conflict(app, world, login_as):
    mentor = login_as(world.mentor_x)
    register(mentor, world, ("on-time", "workplace", 3))
    again = register(mentor, world, ("on-time", "workplace", 3))  # the same form, twice
    assert again.status_code == 302
    assert len(registrations(app)) == 1


def test_the_student_is_asked_in_plain_words_the_mentor_keeps_the_term(world, login_as):
    matrix = path(world, "/matrix")
    student = login_as(world.student_a).get(matrix).get_data(as_text=True)
    assert "Say how well you can do each task" in student
    assert "Register indicators" not in student
    mentor = login_as(world.mentor_x).get(matrix).get_data(as_text=True)
    assert "Register indicators" in mentor
