"""No edit is lost: a stale save answers 409 with the user's text kept in the form, the
form of that page saves knowingly, a double tap is not a conflict, and many people
saving the same thing at once each get their edit applied or a conflict, never lost.

The browser tests send back exactly what the page's form holds, as a browser does. The
tests with threads run the real app in a threaded HTTP server on PostgreSQL.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import (
    AuditEvent,
    EntryRevision,
    Goal,
    LogEntry,
    Placement,
    PlanItem,
    Registration,
    RubricScore,
    User,
    Visit,
)
from app.plans import services as plans
from app.visits import services as visits
from tests.browser import page_form
from tests.conftest import PASSWORD, monday, postgres_url, write_entry


def fill(form: dict[str, list[str]], button: str | None = None, **values) -> dict:
    """The form with some fields typed over and a button pressed."""
    filled = {name: list(value) for name, value in form.items()}
    filled.update({name: [value] for name, value in values.items()})
    if button:
        filled[button] = ["1"]
    return filled


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- what is edited ---------------------------------------------------------------------


@dataclass
class Editable:
    """A form that edits one versioned thing: who opens it, where, which field is typed
    in, which button saves it, and how to read back what is saved.
    """

    name: str
    role: str
    button: str | None
    field: str
    saved: object  # (app, ids) -> the saved text of `field`
    path: str  # formatted with the ids
    extra: dict = field(default_factory=dict)


def _made(app, world) -> dict[str, int]:
    """An entry, a goal and a visit of placement A."""
    start = world.placement_a.start_date
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        goal = plans.create_goal(
            placement,
            db.session.get(User, world.student_a.id),
            plans.GoalText("Plan my day", "", "", None, ["competence:planning"]),
        )
        visit = visits.plan_visit(
            placement,
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(
                start + timedelta(days=30), None, "", ["student", "mentor", "coach"], ""
            ),
        )
        ids = {"placement": placement.id, "goal": goal.id, "visit": visit.id}
    ids["entry"] = write_entry(app, world.placement_a, world.student_a, sections={"did": "First"})
    return ids


def _entry_text(app, ids):
    with app.app_context():
        return db.session.get(LogEntry, ids["entry"]).sections["did"]


def _goal_title(app, ids):
    with app.app_context():
        return db.session.get(Goal, ids["goal"]).title


def _report_text(app, ids):
    with app.app_context():
        return db.session.get(Visit, ids["visit"]).report.get("learning_process")


def _visit_place(app, ids):
    with app.app_context():
        return db.session.get(Visit, ids["visit"]).place


def _plan_period(app, ids):
    with app.app_context():
        item = db.session.scalar(select(PlanItem).order_by(PlanItem.competence_id).limit(1))
        return item.period if item else None


def _registration_note(app, ids):
    with app.app_context():
        latest = db.session.scalar(select(Registration).order_by(Registration.id.desc()).limit(1))
        return latest.note if latest else None


def _score_note(app, ids):
    with app.app_context():
        latest = db.session.scalar(select(RubricScore).order_by(RubricScore.id.desc()).limit(1))
        return latest.note if latest else None


BASE = "/placements/{placement}"
EDITABLES = [
    Editable("entry", "student_a", "save", "did", _entry_text, BASE + "/log/{entry}/edit"),
    Editable(
        "goal",
        "student_a",
        "save",
        "title",
        _goal_title,
        BASE + "/development-plan/goals/{goal}/edit",
    ),
    Editable(
        "visit report",
        "coach_a",
        "save",
        "learning_process",
        _report_text,
        BASE + "/visits/{visit}/report",  # held on the planned day, as the form says
    ),
    Editable("visit plan", "coach_a", "save", "place", _visit_place, BASE + "/visits/{visit}/edit"),
    Editable(
        "training plan",
        "coach_a",
        None,
        "rows-0-period",
        _plan_period,
        BASE + "/plan",
        {"rows-0-setting": "workplace"},
    ),
    Editable(
        "indicator registration",
        "mentor_x",
        None,
        "judgements-0-note",
        _registration_note,
        BASE + "/register?competence=punctuality",
        {"judgements-0-setting": "workplace", "judgements-0-level": "3"},
    ),
    Editable(
        "rubric scores",
        "mentor_x",
        None,
        "scores-0-note",
        _score_note,
        BASE + "/soft-skills/score",
        {"scores-0-level": "3"},
    ),
]


def _typed(editable: Editable, text: str, form: dict) -> dict:
    return fill(form, editable.button, **{editable.field: text}, **editable.extra)


@pytest.mark.parametrize("editable", EDITABLES, ids=lambda editable: editable.name)
def test_a_stale_save_keeps_the_text_and_the_conflict_page_saves_knowingly(
    app, world, login_as, editable
):
    ids = _made(app, world)
    path = editable.path.format(**ids)
    browser = login_as(world.user(editable.role))  # two tabs of one browser
    opened = page_form(browser.get(path), path)
    other = browser.post(path, _typed(editable, "Saved in the other tab", opened))
    assert other.status_code == 302, other.status_code
    stale = browser.post(path, _typed(editable, "My long answer", opened))
    assert stale.status_code == 409
    assert "My long answer" in stale.get_data(as_text=True)
    assert editable.saved(app, ids) == "Saved in the other tab"
    # the user reads what is saved now and saves the conflict page's form as it is
    again = browser.post(path, fill(page_form(stale, path), editable.button))
    assert again.status_code == 302, again.status_code
    assert editable.saved(app, ids) == "My long answer"


@pytest.mark.parametrize("editable", EDITABLES, ids=lambda editable: editable.name)
def test_a_double_tap_is_not_a_conflict_and_records_nothing(app, world, login_as, editable):
    ids = _made(app, world)
    path = editable.path.format(**ids)
    phone = login_as(world.user(editable.role))
    sent = _typed(editable, "Typed once, tapped twice", page_form(phone.get(path), path))
    assert phone.post(path, sent).status_code == 302
    audit_events, revisions = count(app, AuditEvent), count(app, EntryRevision)
    version_rows = _versions(app, ids)
    second = phone.post(path, sent)
    assert second.status_code == 302, second.status_code
    assert editable.saved(app, ids) == "Typed once, tapped twice"
    assert (count(app, AuditEvent), count(app, EntryRevision)) == (audit_events, revisions)
    assert _versions(app, ids) == version_rows


def _versions(app, ids) -> tuple:
    """Every versioned row's version, and how many registrations and scores there are."""
    with app.app_context():
        return (
            db.session.get(LogEntry, ids["entry"]).version,
            db.session.get(Goal, ids["goal"]).version,
            db.session.get(Visit, ids["visit"]).version,
            tuple(db.session.scalars(select(PlanItem.version).order_by(PlanItem.id))),
            db.session.scalar(select(func.count()).select_from(Registration)),
            db.session.scalar(select(func.count()).select_from(RubricScore)),
        )


def test_a_stale_review_keeps_the_comment_and_the_conflict_page_returns_the_week(
    app, world, login_as
):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    week = f"/placements/{world.placement_a.id}/log/{entry_id}"
    mentor, student = login_as(world.mentor_x), login_as(world.student_a)
    opened = page_form(mentor.get(week), week, week + "/review")
    edit = page_form(student.get(week + "/edit"), week + "/edit")
    assert (
        student.post(week + "/edit", fill(edit, "submit", did="Added a photo")).status_code == 302
    )
    stale = mentor.post(week + "/review", fill(opened, "return_entry", comment="Say what you did"))
    assert stale.status_code == 409
    assert "Say what you did" in stale.get_data(as_text=True)
    again = mentor.post(
        week + "/review", fill(page_form(stale, week, week + "/review"), "return_entry")
    )
    assert again.status_code == 302
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        assert (entry.review_status.value, entry.review_comment) == ("returned", "Say what you did")


def test_a_stale_close_keeps_the_reflection_and_the_conflict_page_closes_the_goal(
    app, world, login_as
):
    ids = _made(app, world)
    goal = f"/placements/{ids['placement']}/development-plan/goals/{ids['goal']}"
    student = login_as(world.student_a)
    opened = page_form(student.get(goal), goal, goal + "/close")
    edit = page_form(student.get(goal + "/edit"), goal + "/edit")
    assert student.post(goal + "/edit", fill(edit, "save", title="Plan my week")).status_code == 302
    closing = fill(opened, "close", state="reached", reflection="I plan on Mondays now")
    stale = student.post(goal + "/close", closing)
    assert stale.status_code == 409
    assert "I plan on Mondays now" in stale.get_data(as_text=True)
    again = student.post(goal + "/close", fill(page_form(stale, goal, goal + "/close"), "close"))
    assert again.status_code == 302
    with app.app_context():
        saved = db.session.get(Goal, ids["goal"])
        assert (saved.state.value, saved.reflection) == ("reached", "I plan on Mondays now")


# -- many people at once, over HTTP -----------------------------------------------------

THREADS = 8
EDITS = 50


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None  # a redirect is an answer to record, not to follow


class HttpBrowser:
    """A browser of its own (cookies, CSRF tokens from the pages) talking HTTP to a server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def log_in(self, email: str) -> None:
        _status, page = self.request("/login")
        form = page_form(page, "/login")
        status, _page = self.request("/login", fill(form, email=email, password=PASSWORD))
        assert status == 302, status


@pytest.fixture
def server(app):
    """The app served over HTTP by a server that answers each request in its own thread."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server_port}"
    served.shutdown()
    thread.join()


@dataclass
class Edit:
    text: str
    based_on: int  # the version the page showed
    status: int
    kept: bool  # a conflict page still holds the text


@dataclass
class Contended:
    """One thing everyone edits at once, and how to read its text and history back."""

    name: str
    role: str
    button: str
    field: str
    path: str
    extra: dict = field(default_factory=dict)


CONTENDED = [
    Contended("entry", "student_a", "submit", "did", "/placements/{placement}/log/{entry}/edit"),
    Contended(
        "goal",
        "student_a",
        "save",
        "title",
        "/placements/{placement}/development-plan/goals/{goal}/edit",
    ),
    Contended(
        "visit report",
        "coach_a",
        "save",
        "learning_process",
        "/placements/{placement}/visits/{visit}/report",  # held on the planned day
    ),
]


def _edit_repeatedly(base: str, email: str, thing: Contended, path: str, number: int, out: list):
    browser = HttpBrowser(base)
    browser.log_in(email)
    for attempt in range(EDITS):
        _status, page = browser.request(path)
        form = page_form(page, path)
        text = f"Edit {number}.{attempt}"
        status, answer = browser.request(
            path, fill(form, thing.button, **{thing.field: text}, **thing.extra)
        )
        out.append(Edit(text, int(form["version"][0]), status, text in answer))


@pytest.mark.skipif(
    postgres_url() is None,
    reason="needs PostgreSQL (LEERSPOOR_TEST_DATABASE_URL): it is what serves several "
    "web processes at once",
)
@pytest.mark.parametrize("thing", CONTENDED, ids=lambda thing: thing.name)
def test_concurrent_edits_are_each_applied_or_a_conflict_never_lost(
    start, app, world, server, thing
):
    ids = _made(app, world)
    ids["entry"] = write_entry(
        app, world.placement_a, world.student_a, submit=True, week=monday(start, 6)
    )
    path = thing.path.format(**ids)
    versioned = {"entry": (LogEntry, ids["entry"]), "goal": (Goal, ids["goal"])}.get(
        thing.name, (Visit, ids["visit"])
    )
    with app.app_context():
        first_version = db.session.get(*versioned).version
    edits: list[Edit] = []
    threads = [
        threading.Thread(
            target=_edit_repeatedly,
            args=(server, world.user(thing.role).email, thing, path, number, edits),
        )
        for number in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(edits) == THREADS * EDITS
    failures = [edit for edit in edits if edit.status not in (302, 409)]
    assert not failures, failures[:5]
    assert all(edit.kept for edit in edits if edit.status == 409)
    applied = sorted((edit for edit in edits if edit.status == 302), key=lambda e: e.based_on)
    assert applied, "no edit went through"
    with app.app_context():
        saved = db.session.get(*versioned)
        # each applied edit moved the version on by one, from the version it was made on
        assert saved.version == first_version + len(applied)
        assert [edit.based_on for edit in applied] == list(range(first_version, saved.version))
        current = _text_of(saved, thing.field)
        history = [r.sections["did"] for r in saved.revisions] if thing.name == "entry" else []
    texts = [edit.text for edit in applied]
    assert current == texts[-1]
    if history:  # every text the log showed, in order: none silently replaced
        assert history[1:] + [current] == texts


def _text_of(saved, name: str) -> str:
    if isinstance(saved, LogEntry):
        return saved.sections[name]
    if isinstance(saved, Visit):
        return saved.report[name]
    return getattr(saved, name)
