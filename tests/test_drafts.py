"""Nothing typed is lost: a form sent after the session ended comes back, filled in,
after logging in again, to its writer only; long forms are saved while typing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.agreements.services import start as start_agreement
from app.auth.tokens import Purpose, make_token
from app.extensions import db
from app.models import FormDraft, Goal, LogEntry, Placement, User, Visit
from app.plans.services import GoalText, create_goal, link_choices
from app.privacy.retention import purge
from tests.conftest import PASSWORD, Browser, write_entry

pytestmark = pytest.mark.usefixtures("in_english")

TYPED = "Typed on the shop floor: wires a board on her own now"


def logged_in(app, user) -> Browser:
    """A browser that logged in through the login page."""
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def send_after_idle(browser, clock, page: str, form: dict, action: str | None = None):
    """Open `page`, leave it past the idle limit, then send `form` (to `action`): the
    answer leads to the login page.
    """
    assert browser.get(page).status_code == 200
    clock.move(hours=3)
    response = browser.post(action or page, form, headers={"Referer": f"http://localhost{page}"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    return response


def log_in_again(browser, user, response) -> str:
    """Log in on the page the expired session led to; the page landed on after it."""
    login_page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "What you typed is kept: log in again" in login_page
    target = parse_qs(urlsplit(response.headers["Location"]).query).get("next", [""])[0]
    answer = browser.login(user.email, PASSWORD, next=target)
    assert answer.status_code == 302
    landed = browser.get(answer.headers["Location"], follow_redirects=True)
    assert landed.status_code == 200
    return landed.get_data(as_text=True)


def drafts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(FormDraft.id)))


def _week(app, world, **options) -> int:
    return write_entry(app, world.placement_a, world.student_a, week=date.today(), **options)


def _visit(app, world) -> int:
    coach = logged_in(app, world.coach_a)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    coach.post(
        f"/placements/{world.placement_a.id}/visits/new",
        {"planned_on": yesterday, "attendees": ["student", "mentor", "coach"]},
    )
    with app.app_context():
        return db.session.scalar(select(Visit.id))


def _goal(app, world) -> int:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        link = link_choices(placement)[0].key
        goal = create_goal(
            placement,
            db.session.get(User, world.student_a.id),
            GoalText(title="Plan my day", why="", success="", target_date=None, links=[link]),
        )
        return goal.id


def _agreement(app, world) -> dict[str, int]:
    """Placement M's learning agreement, started: the mobility and the draft's version."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        agreement = start_agreement(placement, db.session.get(User, world.coach_a.id))
        return {"mobility": placement.id, "version": agreement.version}


def _version(app, model, object_id: int) -> int:
    with app.app_context():
        return db.session.get(model, object_id).version


# Every form that writes text: who writes it, its page, where it is sent, and the form.
# `setup(app, world)` makes what the form is about and gives the values of the paths.
P = "/placements/{placement}"
FORMS = {
    "weekly log": (
        "student_a",
        lambda app, world: {},
        P + "/log/new/weekly_log",
        None,
        {"week": date.today().isoformat(), "did": TYPED, "wellbeing": "4", "save": "y"},
    ),
    "feedback": (
        "mentor_x",
        lambda app, world: {},
        P + "/log/new/feedback",
        None,
        {"went_well": TYPED},
    ),
    "visit note": (
        "coach_a",
        lambda app, world: {},
        P + "/log/new/visit_note",
        None,
        {"body": TYPED},
    ),
    "agreement": (
        "coach_a",
        lambda app, world: {},
        P + "/log/new/agreement",
        None,
        {"body": TYPED},
    ),
    "edited weekly log": (
        "student_a",
        lambda app, world: (
            {"entry": (entry := _week(app, world))} | {"version": _version(app, LogEntry, entry)}
        ),
        P + "/log/{entry}/edit",
        None,
        {"version": "{version}", "week": date.today().isoformat(), "did": TYPED, "save": "y"},
    ),
    "comment on an entry": (
        "mentor_x",
        lambda app, world: {"entry": _week(app, world, submit=True)},
        P + "/log/{entry}",
        P + "/log/{entry}/comments",
        {"body": TYPED},
    ),
    "mentor's review comment": (
        "mentor_x",
        lambda app, world: (
            {"entry": (entry := _week(app, world, submit=True))}
            | {"version": _version(app, LogEntry, entry)}
        ),
        P + "/log/{entry}",
        P + "/log/{entry}/review",
        {"version": "{version}", "comment": TYPED, "return_entry": "y"},
    ),
    "visit report": (
        "coach_a",
        lambda app, world: (
            {"visit": (visit := _visit(app, world))} | {"version": _version(app, Visit, visit)}
        ),
        P + "/visits/{visit}/report",
        None,
        {"version": "{version}", "learning_process": TYPED, "owner": "student", "save": "1"},
    ),
    "agreement at a visit": (
        "coach_a",
        lambda app, world: (
            {"visit": (visit := _visit(app, world))} | {"version": _version(app, Visit, visit)}
        ),
        P + "/visits/{visit}/report",
        None,
        {"version": "{version}", "agreement": TYPED, "owner": "student", "add_agreement": "1"},
    ),
    "POP goal": (
        "student_a",
        lambda app, world: {},
        P + "/development-plan/goals/new",
        None,
        {"title": "Plan my own day", "why": TYPED, "save": "1"},
    ),
    "edited POP goal": (
        "student_a",
        lambda app, world: (
            {"goal": (goal := _goal(app, world))} | {"version": _version(app, Goal, goal)}
        ),
        P + "/development-plan/goals/{goal}/edit",
        None,
        {"version": "{version}", "title": "Plan my own day", "success": TYPED, "save": "1"},
    ),
    "POP action": (
        "student_a",
        lambda app, world: {"goal": _goal(app, world)},
        P + "/development-plan/goals/{goal}",
        P + "/development-plan/goals/{goal}/actions",
        {"title": TYPED, "add": "1"},
    ),
    "comment on a goal": (
        "coach_a",
        lambda app, world: {"goal": _goal(app, world)},
        P + "/development-plan/goals/{goal}",
        P + "/development-plan/goals/{goal}/comments",
        {"body": TYPED},
    ),
    "learning agreement": (
        "coach_a",
        lambda app, world: _agreement(app, world),
        "/placements/{mobility}/learning-agreement/edit",
        None,
        {"version": "{version}", "tasks": TYPED, "save": "1"},
    ),
    "module reflection": (
        "mentor_x",
        lambda app, world: {},
        "/training/modules/first-day",
        "/training/modules/first-day/reflection",
        {"reflection": TYPED},
    ),
    "account name": (
        "mentor_x",
        lambda app, world: {},
        "/account",
        None,
        {"name": TYPED[:60], "locale": "nl"},
    ),
}


def _prepared(app, world, name: str):
    person, setup, page, action, form = FORMS[name]
    values = {"placement": world.placement_a.id} | setup(app, world)
    page = page.format(**values)
    action = (action or page).format(**values) if action else page
    form = {key: value.format(**values) for key, value in form.items()}
    return world.user(person), page, action, form


@pytest.mark.parametrize("name", FORMS)
def test_a_form_sent_after_the_idle_limit_is_back_in_its_form_after_logging_in(
    app, world, clock, name
):
    user, page, action, form = _prepared(app, world, name)
    browser = logged_in(app, user)
    response = send_after_idle(browser, clock, page, form, action)
    landed = log_in_again(browser, user, response)
    assert TYPED[:60] in landed
    assert "We kept what you typed at" in landed


@pytest.mark.parametrize("name", ["weekly log", "visit report", "comment on an entry"])
def test_someone_else_logging_in_on_that_browser_never_sees_the_text(app, world, clock, name):
    user, page, action, form = _prepared(app, world, name)
    browser = logged_in(app, user)
    response = send_after_idle(browser, clock, page, form, action)
    browser.get(response.headers["Location"])
    other = world.student_b if user != world.student_b else world.student_a
    browser.login(other.email)
    for path in (page, "/", "/account"):
        assert TYPED not in browser.get(path, follow_redirects=True).get_data(as_text=True)
    # The writer still gets it back, on their own login.
    browser.post("/logout")
    browser.login(user.email)
    assert TYPED in browser.get(page).get_data(as_text=True)


def test_saving_the_form_deletes_its_draft(app, world, clock):
    user, page, action, form = _prepared(app, world, "weekly log")
    browser = logged_in(app, user)
    response = send_after_idle(browser, clock, page, form, action)
    log_in_again(browser, user, response)
    assert drafts(app) == 1
    assert browser.post(page, form).status_code == 302
    assert drafts(app) == 0
    assert TYPED not in browser.get(page).get_data(as_text=True)


def test_passwords_and_tokens_are_never_kept(app, world, clock):
    user, page, action, form = _prepared(app, world, "feedback")
    browser = logged_in(app, user)
    send_after_idle(browser, clock, page, form | {"current_password": "hunter2"}, action)
    with app.app_context():
        kept = db.session.scalar(select(FormDraft))
        assert set(kept.fields) == {"went_well"}


@pytest.mark.parametrize(
    ("page", "form"),
    [
        (
            "/account/password",
            {
                "current_password": "the old one, typed",
                "password": "A new pass phrase, typed",
                "confirm": "A new pass phrase, typed",
            },
        ),
        ("/account/email", {"email": "new@example.org", "current_password": "typed"}),
        ("/password/reset/{token}", {"password": "A new one", "confirm": "A new one"}),
    ],
)
def test_no_form_of_the_account_about_passwords_or_links_is_ever_kept(
    app, world, clock, page, form
):
    with app.app_context():
        token = make_token(db.session.get(User, world.student_a.id), Purpose.PASSWORD_RESET)
    page = page.format(token=token)
    browser = logged_in(app, world.student_a)
    browser.get("/account")
    clock.move(hours=3)
    browser.post(page, form, headers={"Referer": "http://localhost/account/password"})
    assert drafts(app) == 0


def test_the_draft_can_be_thrown_away(app, world, clock):
    user, page, action, form = _prepared(app, world, "feedback")
    browser = logged_in(app, user)
    response = send_after_idle(browser, clock, page, form, action)
    log_in_again(browser, user, response)
    answer = browser.post(f"/drafts/discard?page={page}")
    assert answer.headers["Location"] == page
    assert TYPED not in browser.get(page).get_data(as_text=True)
    assert drafts(app) == 0


# -- saved while typing ------------------------------------------------------------------


def autosave(browser, page: str, form: dict):
    return browser.post(f"/drafts?page={page}", form)


def test_autosave_keeps_the_text_when_the_tab_is_closed(app, world, login_as):
    student = login_as(world.student_a)
    page = f"/placements/{world.placement_a.id}/log/new/weekly_log"
    assert 'data-autosave="/drafts?page=' in student.get(page).get_data(as_text=True)
    answer = autosave(student, page, {"did": TYPED, "week": date.today().isoformat()})
    assert answer.status_code == 200
    assert answer.json["message"].startswith("Draft saved ")
    # The tab was closed; the form opened again, the next day, offers the text.
    reopened = student.get(page).get_data(as_text=True)
    assert TYPED in reopened
    assert "We kept what you typed at" in reopened


def test_the_autosave_of_an_object_changed_since_is_shown_beside_what_is_saved(
    app, world, login_as
):
    entry = _week(app, world)
    page = f"/placements/{world.placement_a.id}/log/{entry}/edit"
    student = login_as(world.student_a)
    opened_at = _version(app, LogEntry, entry)
    autosave(student, page, {"version": str(opened_at), "did": TYPED})
    # Meanwhile the week is saved from another tab.
    phone = login_as(world.student_a)
    phone.post(
        page,
        {"version": opened_at, "week": date.today().isoformat(), "did": "Saved on my phone"},
    )
    assert _version(app, LogEntry, entry) != opened_at
    reopened = student.get(page).get_data(as_text=True)
    assert "Changed since you started typing" in reopened
    assert TYPED in reopened  # beside the form, to copy from
    assert "Saved on my phone</textarea>" in reopened  # the form holds what is saved now
    assert f'name="version" type="hidden" value="{_version(app, LogEntry, entry)}"' in reopened


def test_emptying_the_form_throws_its_draft_away(app, world, login_as):
    student = login_as(world.student_a)
    page = f"/placements/{world.placement_a.id}/log/new/weekly_log"
    autosave(student, page, {"did": TYPED})
    assert autosave(student, page, {"did": "", "week": date.today().isoformat()}).json == {
        "saved": False
    }
    assert drafts(app) == 0


@pytest.mark.parametrize(
    ("person", "page"),
    [
        ("student_b", "/placements/{a}/log/new/weekly_log"),  # another school's student
        ("coach_b", "/placements/{a}/visits/{visit}/report"),  # another school's coach
        ("mentor_y", "/placements/{a}/log/new/feedback"),  # another company's mentor
        ("company_coordinator_x", "/placements/{a}/log/new/feedback"),  # reads no log
        ("mentor_x", "/placements/{a}/log/new/weekly_log"),  # the student's form
        ("student_a", "/placements/{a}/visits/{visit}/report"),  # the coach's form
        ("mentor_x", "/placements/{a}/log/{entry}/edit"),  # the student's week
        ("outsider", "/placements/{a}/development-plan/goals/new"),
        ("student_a", "/account"),  # not a form saved while typing
        ("student_a", "https://evil.example/"),
        ("student_a", "/placements/{b}/log/new/weekly_log"),
    ],
)
def test_the_draft_endpoint_takes_only_forms_the_person_may_write(
    app, world, login_as, person, page
):
    values = {
        "a": world.placement_a.id,
        "b": world.placement_b.id,
        "visit": _visit(app, world),
        "entry": _week(app, world),
    }
    browser = login_as(world.user(person))
    assert autosave(browser, page.format(**values), {"did": TYPED}).status_code == 404
    assert drafts(app) == 0


@pytest.mark.parametrize(
    ("person", "page"),
    [
        ("student_a", "/placements/{a}/log/new/weekly_log"),
        ("student_a", "/placements/{a}/log/{entry}/edit"),
        ("mentor_x", "/placements/{a}/log/new/feedback"),
        ("coach_a", "/placements/{a}/visits/{visit}/report"),
        ("student_a", "/placements/{a}/development-plan/goals/new"),
        ("student_a", "/placements/{a}/development-plan/goals/{goal}/edit"),
    ],
)
def test_the_draft_endpoint_takes_the_long_forms_of_their_writer(
    app, world, login_as, person, page
):
    values = {
        "a": world.placement_a.id,
        "visit": _visit(app, world),
        "entry": _week(app, world),
        "goal": _goal(app, world),
    }
    browser = login_as(world.user(person))
    assert autosave(browser, page.format(**values), {"why": TYPED}).status_code == 200
    assert drafts(app) == 1


def test_an_autosave_after_the_idle_limit_is_kept_too(app, world, clock):
    user, page, _action, _form = _prepared(app, world, "visit report")
    browser = logged_in(app, user)
    browser.get(page)
    clock.move(hours=1)
    response = autosave(browser, page, {"learning_process": TYPED, "owner": "student"})
    assert urlsplit(response.headers["Location"]).path == "/login"
    browser.login(user.email)
    assert TYPED in browser.get(page).get_data(as_text=True)


def test_a_page_without_a_form_to_type_in_looks_for_no_draft(app, world, login_as, count_queries):
    student = login_as(world.student_a)
    autosave(student, f"/placements/{world.placement_a.id}/log/new/weekly_log", {"did": TYPED})
    for page in ("/notifications", f"/placements/{world.placement_a.id}/log"):
        with count_queries() as counter:
            assert student.get(page).status_code == 200
        assert not [sql for sql in counter.statements if "form_draft" in sql], page


def test_the_form_page_runs_one_query_more_for_its_draft(app, world, login_as, count_queries):
    student = login_as(world.student_a)
    page = f"/placements/{world.placement_a.id}/log/new/weekly_log"
    with count_queries() as without:
        student.get(page)
    autosave(student, page, {"did": TYPED})
    with count_queries() as with_draft:
        assert TYPED in student.get(page).get_data(as_text=True)
    assert with_draft.count <= without.count + 1


# -- no session left to say whose text it is ----------------------------------------------


def test_a_form_sent_without_a_session_shows_the_text_back_and_keeps_nothing(app, world):
    user, page, action, form = _prepared(app, world, "visit report")
    browser = logged_in(app, user)
    browser.get(page)
    token = browser.token()
    browser.client.delete_cookie("session")  # the browser lost its session cookie
    response = browser.client.post(
        page,
        data=form | {"csrf_token": token},
        headers={"Origin": "http://localhost", "Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 400
    answer = response.get_data(as_text=True)
    # with the session gone, so is the language chosen in it: the default, Dutch, speaks
    assert "er is niets bewaard" in answer
    assert TYPED in answer  # to copy, in the answer to the very request that sent it
    assert drafts(app) == 0  # nobody knows whose it is: never kept for whoever logs in next


def test_another_sites_form_is_refused_without_showing_its_text_as_the_readers(app, world):
    """A page elsewhere that posts here gets the plain refusal: its text is not shown on
    a page of this site as if the reader had typed it.
    """
    user, page, action, form = _prepared(app, world, "visit report")
    browser = logged_in(app, user)
    browser.client.delete_cookie("session")
    planted = {"body": "Your account is blocked: call +32 000 00 00 with your password"}
    for headers in ({"Origin": "https://elsewhere.example"}, {}):
        response = browser.client.post(page, data=planted, headers=headers)
        assert response.status_code == 400
        answer = response.get_data(as_text=True)
        assert "call +32 000 00 00" not in answer
    assert drafts(app) == 0


def test_a_form_of_someone_who_was_replaced_on_the_browser_is_not_kept_for_the_new_person(
    app, world
):
    """A opens the report; in another tab A logs out and B logs in on that browser; A's
    tab sends the report: B never gets A's text as a draft.
    """
    user, page, action, form = _prepared(app, world, "visit report")
    browser = logged_in(app, user)
    browser.get(page)
    token = browser.token()
    browser.post("/logout")
    assert browser.login(world.coach_b.email).status_code == 302
    response = browser.client.post(page, data=form | {"csrf_token": token})
    assert response.status_code == 400
    assert drafts(app) == 0
    browser._token = None
    assert TYPED not in browser.get(page).get_data(as_text=True)


def test_a_draft_goes_thirty_days_after_it_was_last_typed_in(app, world):
    now = datetime.now(UTC)
    with app.app_context():
        for days, path in ((31, "/old"), (29, "/recent")):
            db.session.add(
                FormDraft(
                    user_id=world.student_a.id,
                    path=path,
                    action=path,
                    fields={"did": [TYPED]},
                    saved_at=now - timedelta(days=days),
                )
            )
        db.session.commit()
        assert purge(now)["form_draft"] == 1
        assert db.session.scalars(select(FormDraft.path)).all() == ["/recent"]
