"""No executable construct comes out of anything a user writes in Markdown.

Every payload of tests/xss.py goes through both renderers one by one, then all of them
through every Markdown column of the database, read back on every page that shows that
column, as each person who reads it. The pages are searched for what a browser would
run (tests/xss.py's `ExecutableFinder`); a marker before each payload proves that it
reached the page and was not swallowed by the one before it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import markdown
import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.mentorlinks.tokens import Link, QuickAction, make_token
from app.models import (
    Comment,
    EntryRevision,
    Goal,
    GoalComment,
    GoalState,
    LogEntry,
    PracticePost,
    Visit,
    VisitAddition,
    VisitConfirmation,
)
from app.models.training import PostStatus
from app.rendering import render_content, render_markdown
from tests.conftest import monday, write_entry
from tests.test_plans import add_goal
from tests.test_visits import finalise, plan_form, visits_path
from tests.xss import PAYLOADS, executable_constructs

APP = Path(__file__).resolve().parent.parent / "app"
MODULE = "feedback-that-lands"

# Every Markdown expression of the templates, and the column it shows. A new one fails
# test_every_markdown_field_is_covered until it is filled below and its page visited.
MARKDOWN_EXPRESSIONS = {
    "entry.sections[name]": (LogEntry.sections,),
    "week_entry.sections[name]": (LogEntry.sections,),
    "entry.sections.get(prompts[0][0], '')": (LogEntry.sections,),
    "entry.review_comment": (LogEntry.review_comment,),
    "revision.sections[name]": (EntryRevision.sections,),
    "comment.body": (Comment.body, GoalComment.body),  # one macro for both
    "goal.why": (Goal.why,),
    "goal.success": (Goal.success,),
    "goal.reflection": (Goal.reflection,),
    "post.body": (PracticePost.body,),
    "text": (Visit.report,),
    "confirmation.comment": (VisitConfirmation.comment,),
    "addition.body": (VisitAddition.body,),
    "amendment.body": (VisitAddition.body,),
}
CONTENT_EXPRESSIONS = {"module.body", "template.body"}  # the content files: rendered below


def marker(number: int) -> str:
    return f"xss-marker-{number:02d}"


# Each payload in its own paragraph after its marker, so none changes how the next reads.
ALL_PAYLOADS = "\n\n".join(f"{marker(n)}\n\n{p}" for n, p in enumerate(PAYLOADS))


def test_at_least_fifty_payloads_would_run_if_nothing_sanitised():
    # Markdown alone lets HTML through and follows any link: what the app must undo.
    dangerous = [p for p in PAYLOADS if executable_constructs(markdown.markdown(p))]
    assert len(dangerous) >= 50, len(dangerous)


@pytest.mark.parametrize(
    ("html", "finding"),
    [
        ('<a href=" JaVa\tScRiPt:x">', "<a href=javascript:x>"),
        ('<p onclick="x">', "<p onclick>"),
        ("<script>x</script>", "<script> not from /static/"),
        ('<script src="/static/../x.js"></script>', "<script> not from /static/"),
        ('<script src="//evil.example/static/x.js"></script>', "<script> not from /static/"),
        ('<img src="//evil.example/x.png">', "<img> from elsewhere"),
        ('<link rel="stylesheet" href="/\\evil.example/x.css">', "<link> to another site"),
        ('<svg><animate attributeName="href" values="1;javascript:x"></svg>', "<animate>"),
        ('<svg><set attributeName="href" to="javascript:x"></svg>', "<set>"),
        ("<svg><foreignObject><p>x</p></foreignObject></svg>", "<foreignobject>"),
        ('<a values="x;javascript:y">', "<a values=javascript:y>"),
    ],
)
def test_the_finder_sees_what_a_browser_would_run(html, finding):
    assert finding in executable_constructs(html)


def test_the_finder_lets_the_apps_own_constructs_be():
    html = (
        '<script src="/static/leerspoor-1.0.js" defer></script>'
        '<link rel="stylesheet" href="/static/leerspoor-1.0.css">'
        '<a href="/placements/1">x</a><a href="https://example.org">y</a>'
        '<img src="/placements/1/log/2/attachments/3" alt="">'
        '<svg viewBox="0 0 10 10" role="img"><path d="M0 0h10"/></svg>'
    )
    assert executable_constructs(html) == []


@pytest.mark.parametrize("render", [render_markdown, render_content])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_comes_out_inert(render, payload):
    assert executable_constructs(str(render(payload))) == []


def test_every_markdown_field_is_covered():
    pattern = re.compile(r"\{\{\s*((?:(?!\}\}).)+?)\s*\|\s*(?:content_)?markdown\s*\}\}")
    found = {
        match
        for template in APP.rglob("*.html")
        for match in pattern.findall(template.read_text(encoding="utf-8"))
    }
    assert found == set(MARKDOWN_EXPRESSIONS) | CONTENT_EXPRESSIONS


def _fill(app, world, login_as) -> dict[str, int]:
    """Every Markdown column of a placement, its training and a visit, filled with all the
    payloads: the rows made as the app makes them, then their text replaced (the forms
    limit a text's length; the renderer does not know of limits).
    """
    start = world.placement_a.start_date
    placement = world.placement_a
    ids = {
        "week": write_entry(app, placement, world.student_a, submit=True),
        "waiting": write_entry(app, placement, world.student_a, week=monday(start, 6), submit=True),
        "feedback": write_entry(app, placement, world.mentor_x, "feedback"),
        "agreement": write_entry(app, placement, world.coach_a, "agreement"),
        "concern": write_entry(app, placement, world.student_a, "concern"),
    }
    log = f"/placements/{placement.id}/log"
    mentor = login_as(world.mentor_x)
    response = mentor.post(
        f"{log}/{ids['week']}/review",
        {"version": _version(app, ids["week"]), "comment": "Again.", "return_entry": "x"},
    )
    assert response.status_code == 302
    assert mentor.post(f"{log}/{ids['week']}/comments", {"body": "x"}).status_code == 302

    ids["goal"] = add_goal(app, world)
    coach = login_as(world.coach_a)
    assert coach.post(visits_path(world, "/new"), plan_form()).status_code == 302
    with app.app_context():
        ids["visit"] = db.session.scalar(select(Visit.id))
    finalise(app, world, login_as, ids["visit"])
    response = coach.post(
        visits_path(world, f"/{ids['visit']}/amendments"),
        {"amend-section": "learning_process", "amend-body": "x"},
    )
    assert response.status_code == 302

    with app.app_context():
        db.session.add_all(
            [
                EntryRevision(
                    entry_id=ids["week"], editor_id=world.student_a.id, sections={"x": "x"}
                ),
                GoalComment(
                    goal_id=ids["goal"], author_id=world.mentor_x.id, author_role="mentor", body=""
                ),
                PracticePost(
                    module_id=MODULE,
                    author_id=world.mentor_x.id,
                    body="",
                    status=PostStatus.APPROVED,
                ),
                PracticePost(module_id=MODULE, author_id=world.mentor_y.id, body=""),
            ]
        )
        db.session.flush()
        for entry in db.session.scalars(select(LogEntry)):
            entry.sections = dict.fromkeys(entry.sections, ALL_PAYLOADS)
        for revision in db.session.scalars(select(EntryRevision)):
            revision.sections = dict.fromkeys(
                db.session.get(LogEntry, revision.entry_id).sections, ALL_PAYLOADS
            )
        db.session.execute(update(LogEntry).values(review_comment=ALL_PAYLOADS))
        db.session.execute(update(Comment).values(body=ALL_PAYLOADS))
        db.session.execute(update(GoalComment).values(body=ALL_PAYLOADS))
        db.session.execute(update(PracticePost).values(body=ALL_PAYLOADS))
        db.session.execute(update(VisitAddition).values(body=ALL_PAYLOADS))
        db.session.execute(
            update(Goal).values(
                why=ALL_PAYLOADS,
                success=ALL_PAYLOADS,
                reflection=ALL_PAYLOADS,
                state=GoalState.REACHED,
            )
        )
        visit = db.session.get(Visit, ids["visit"])
        visit.report = dict.fromkeys(visit.report, ALL_PAYLOADS)
        visit.coach_only = []
        db.session.commit()
        ids["token_week"] = make_token(
            Link(QuickAction.APPROVE_WEEK, world.mentor_x.id, ids["waiting"], datetime.now(UTC))
        )
        ids["token_visit"] = make_token(
            Link(QuickAction.CONFIRM_REPORT, world.mentor_x.id, ids["visit"], datetime.now(UTC))
        )
    return ids


def _version(app, entry_id: int) -> int:
    with app.app_context():
        return db.session.get(LogEntry, entry_id).version


def _inspect(response, *, whole: bool) -> list[str]:
    """What is wrong with a page: not shown, something executable, a payload missing."""
    if response.status_code != 200:
        return [f"answered {response.status_code}"]
    page = response.get_data(as_text=True)
    problems = executable_constructs(page)
    if whole:
        problems += [f"{marker(n)} missing" for n in range(len(PAYLOADS)) if marker(n) not in page]
    return problems


def test_payloads_in_every_markdown_field_come_out_inert(start, app, world, login_as):
    ids = _fill(app, world, login_as)
    log = f"/placements/{world.placement_a.id}/log"
    plan = f"/placements/{world.placement_a.id}/development-plan"
    visit = visits_path(world, f"/{ids['visit']}")
    trio = {"student": world.student_a, "mentor": world.mentor_x, "coach": world.coach_a}
    # (who, page, whether the page shows whole texts rather than excerpts)
    pages = [
        *((who, path, whole) for who in trio for path, whole in ((log, False), ("/", False))),
        *(
            (who, f"{log}/{ids[entry]}", True)
            for who in trio
            for entry in ("week", "waiting", "feedback", "agreement")
        ),
        ("student", f"{log}/{ids['week']}/edit", True),
        ("mentor", f"{log}/new/feedback?week={monday(start, 6)}", True),
        ("coach", f"{log}/{ids['concern']}", True),
        ("student", f"{log}/{ids['concern']}", True),
        *((who, plan, False) for who in trio),
        *((who, f"{plan}/goals/{ids['goal']}", True) for who in trio),
        ("coordinator", f"{plan}/goals/{ids['goal']}", True),
        ("mentor", f"/training/modules/{MODULE}", True),
        ("other mentor", f"/training/modules/{MODULE}", True),
        ("admin", "/training/practice", True),
        ("mentor", f"/quick/{ids['token_week']}", True),
        ("mentor", f"/quick/{ids['token_visit']}", True),
        *((who, visit, True) for who in trio),
    ]
    people = {
        **trio,
        "coordinator": world.coordinator_a,
        "other mentor": world.mentor_y,
        "admin": world.admin,
    }
    browsers = {who: login_as(person) for who, person in people.items()}
    problems = {}

    def visit_pages(pages):
        for who, path, whole in pages:
            found = _inspect(browsers[who].get(path), whole=whole)
            if found:
                problems[(who, path)] = found

    visit_pages(pages)
    # After the quick link's use: the confirmation comments, on the report and beside it.
    for who in ("mentor", "student"):
        response = browsers[who].post(f"{visit}/confirm", {"comment": "x"})
        assert response.status_code == 302
    with app.app_context():
        db.session.execute(update(VisitConfirmation).values(comment=ALL_PAYLOADS))
        db.session.commit()
    visit_pages([(who, visit, True) for who in trio])
    assert problems == {}
    assert _unfilled(app) == set()


def _unfilled(app) -> set[str]:
    """The Markdown columns of MARKDOWN_EXPRESSIONS that no row fills with the payloads:
    a new field listed there but not filled by `_fill` shows up here.
    """
    unfilled = set()
    with app.app_context():
        for column in {c for columns in MARKDOWN_EXPRESSIONS.values() for c in columns}:
            texts = db.session.scalars(select(column)).all()
            filled = [
                text
                for text in texts
                if text == ALL_PAYLOADS
                or (isinstance(text, dict) and text and set(text.values()) == {ALL_PAYLOADS})
            ]
            if not filled:
                unfilled.add(f"{column.class_.__name__}.{column.key}")
    return unfilled
