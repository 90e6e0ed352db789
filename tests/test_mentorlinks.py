"""Quick links for mentors: from the e-mail to the changed row and its audit event, and
every way a link stops working (expired, done, switched off, someone else, another
mentor), without ever logging anyone in.

The clock of the page is injected (`clock`); e-mails are stamped with the moment they
are delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.followup import entries
from app.mentorlinks import routes as quick_routes
from app.mentorlinks.tokens import SALT, Link, QuickAction, make_token
from app.models import (
    Actor,
    AuditEvent,
    EmailPreference,
    EntryKind,
    LogEntry,
    Placement,
    PlacementStatus,
    ReviewStatus,
    Role,
    SchoolSettings,
    User,
    Visit,
)
from app.notifications import delivery, reminders
from app.visits import services as visits
from tests.conftest import Browser, at, make_user, monday, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def reminder_time(start) -> datetime:
    """Reminders go out on this Tuesday of the placement, at 10:00 in Brussels."""
    return at(start + timedelta(weeks=6), 10, zone=ZoneInfo("Europe/Brussels"))


# -- helpers ----------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Set the moment the quick-link page sees as now."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(quick_routes, "utcnow", lambda: moment)

    return set_to


def soon() -> datetime:
    """A moment just after now, to the second: notifications written now are due then."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)


def deliver(app, now: datetime) -> None:
    with app.app_context():
        delivery.deliver(now)


def mail_to(outbox, address: str, subject_part: str = ""):
    found = [
        m
        for m in outbox.messages
        if m["To"] == address and subject_part in " ".join(m["Subject"].split())
    ]
    assert found, [(m["To"], m["Subject"]) for m in outbox.messages]
    return found[-1]


def quick_links(outbox, message) -> list[str]:
    return [link for link in outbox.links(message) if link.startswith("/quick/")]


def submitted_week_link(app, world, outbox, **options) -> tuple[int, str, datetime]:
    """A week student A submitted, e-mailed to the mentor: its id, the quick link from
    the e-mail and the moment the e-mail was sent.
    """
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True, **options)
    sent = soon()
    deliver(app, sent)
    (link,) = quick_links(outbox, mail_to(outbox, "mentor@x.example"))
    return entry_id, link, sent


def final_report(app, world) -> int:
    """A visit of placement A whose report the coach made final."""
    start = world.placement_a.start_date
    with app.app_context():
        coach = db.session.get(User, world.coach_a.id)
        visit = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            coach,
            visits.VisitPlan(
                start + timedelta(days=30), None, "", ["student", "mentor", "coach"], ""
            ),
        )
        visits.save_report(
            visit,
            held_on=start + timedelta(days=30),
            sections={"learning_process": "Wires boards on her own now."},
            coach_only=[],
            expected_version=visit.version,
        )
        visits.add_agreement(
            visit, coach, "Ask before lunch", Actor.STUDENT, start + timedelta(days=49)
        )
        visits.finalise(visit, coach, start + timedelta(days=31), expected_version=visit.version)
        return visit.id


def entry_of(app, entry_id: int) -> LogEntry:
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        db.session.expunge(entry)
        return entry


def audit_trail(app, action_prefix: str = "mentor_link") -> list[tuple[str, str, int, dict]]:
    with app.app_context():
        return [
            (event.action, event.object_type, event.object_id, event.details)
            for event in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.startswith(action_prefix))
                .order_by(AuditEvent.id)
            )
        ]


def refusals(app) -> list[str]:
    return [
        details["reason"]
        for action, _type, _id, details in audit_trail(app)
        if action == "mentor_link_refused"
    ]


def token_for(app, action: QuickAction, mentor, object_id: int, at: datetime, week=None) -> str:
    with app.app_context():
        return make_token(Link(action, mentor.id, object_id, at, week))


def visitor(app, address: str = "10.7.0.1") -> Browser:
    """Someone who is not logged in: the mentor on their phone, from the e-mail."""
    return Browser(app.test_client(), address=address)


def page(response) -> str:
    return response.get_data(as_text=True)


def school_settings(app, school, **values) -> None:
    with app.app_context():
        settings = db.session.get(SchoolSettings, school.id)
        if settings is None:
            settings = SchoolSettings.defaults(school.id)
            db.session.add(settings)
        for name, value in values.items():
            setattr(settings, name, value)
        db.session.commit()


# -- approving a week -------------------------------------------------------------------


def test_mentor_approves_the_week_from_the_email_without_logging_in(start, app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    body = outbox.body(mail_to(outbox, "mentor@x.example"))
    assert body.index("Read this week and approve or return it, without logging in:") < body.index(
        "Or open Leerspoor:"
    )
    assert "This quick link works for 7 days and only for this." in body
    phone = visitor(app)

    shown = phone.get(link)
    assert shown.status_code == 200
    text = page(shown)
    assert "For Mentor X" in text
    assert f"Week of {written(monday(start, 5))}" in text
    assert "did by Student A" in text
    assert "Log in to see the whole log" in text
    assert f"/login?next=/placements/{world.placement_a.id}/log/{entry_id}" in text

    done = phone.post(link, {"version": 1, "approve": "Approve", "comment": "Well written."})
    assert done.status_code == 200
    assert "Approved. Thank you." in page(done)
    entry = entry_of(app, entry_id)
    assert entry.review_status == ReviewStatus.APPROVED
    assert entry.reviewed_by_id == world.mentor_x.id
    assert entry.review_comment == "Well written."
    assert [(action, kind, obj) for action, kind, obj, _d in audit_trail(app, "")] == [
        ("entry_created", "logentry", entry_id),  # by the student
        ("mentor_link_opened", "logentry", entry_id),
        ("mentor_link_used", "logentry", entry_id),
        ("week_approved", "logentry", entry_id),
    ]
    (_action, _kind, _obj, details) = audit_trail(app)[1]
    assert details == {"link": "approve_week", "placement": world.placement_a.id}
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.actor_id).where(AuditEvent.action == "mentor_link_used")
        ) == (world.mentor_x.id)


def test_the_page_logs_nobody_in(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    phone = visitor(app)
    phone.get(link)
    phone.post(link, {"version": 1, "approve": "Approve"})
    with phone.client.session_transaction() as session:
        assert "_user_id" not in session
    for path in (f"/placements/{world.placement_a.id}/log", "/notifications", "/"):
        response = phone.get(path)
        assert response.status_code == 302
        assert "/login" in response.location


def test_the_same_link_never_acts_twice(app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    phone = visitor(app)
    phone.get(link)
    assert phone.post(link, {"version": 1, "approve": "Approve"}).status_code == 200
    again = phone.post(link, {"version": 2, "return_entry": "Return", "comment": "No, wait."})
    assert again.status_code == 410
    assert "This week was already approved or returned." in page(again)
    assert entry_of(app, entry_id).review_status == ReviewStatus.APPROVED
    assert phone.get(link).status_code == 410
    assert refusals(app) == ["done", "done"]


def test_returning_needs_a_comment_and_keeps_what_was_typed(app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    phone = visitor(app)
    refused = phone.post(link, {"version": 1, "return_entry": "Return", "comment": "  "})
    assert refused.status_code == 422
    assert "Say what the student should change." in page(refused)
    assert entry_of(app, entry_id).review_status == ReviewStatus.SUBMITTED
    returned = phone.post(
        link, {"version": 1, "return_entry": "Return", "comment": "Add what you learned."}
    )
    assert returned.status_code == 200
    assert "Returned to Student A with your comment. Thank you." in page(returned)
    entry = entry_of(app, entry_id)
    assert (entry.review_status, entry.review_comment) == (
        ReviewStatus.RETURNED,
        "Add what you learned.",
    )


def test_a_used_link_stays_used_when_the_week_comes_back(app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    phone = visitor(app)
    phone.post(link, {"version": 1, "return_entry": "Return", "comment": "Add more."})
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        entries.update_entry(
            entry, entry.author, {"did": "More now"}, expected_version=entry.version, submit=True
        )
    assert entry_of(app, entry_id).review_status == ReviewStatus.SUBMITTED
    assert phone.get(link).status_code == 410
    assert refusals(app) == ["done"]


def test_a_week_changed_while_the_mentor_read_it_is_shown_again(app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    phone = visitor(app)
    phone.get(link)
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        entries.update_entry(
            entry, entry.author, {"did": "Changed my mind"}, expected_version=1, submit=True
        )
    stale = phone.post(link, {"version": 1, "approve": "Approve", "comment": "Good."})
    assert stale.status_code == 409
    text = page(stale)
    assert "The student changed this week while you were reading it. Read it again." in text
    assert "Changed my mind" in text
    assert "Good.</textarea>" in text  # what the mentor typed is kept
    assert 'name="version" type="hidden" value="2"' in text
    assert entry_of(app, entry_id).review_status == ReviewStatus.SUBMITTED
    assert [a for a, *_rest in audit_trail(app)] == ["mentor_link_opened"]  # no use yet
    assert phone.post(link, {"version": 2, "approve": "Approve"}).status_code == 200
    assert entry_of(app, entry_id).review_status == ReviewStatus.APPROVED


def test_the_link_acts_on_its_own_week_only(start, app, world, outbox):
    first, link, _sent = submitted_week_link(app, world, outbox)
    second = write_entry(
        app, world.placement_a, world.student_a, submit=True, week=monday(start, 6)
    )
    visitor(app).post(link, {"version": 1, "approve": "Approve"})
    assert entry_of(app, first).review_status == ReviewStatus.APPROVED
    assert entry_of(app, second).review_status == ReviewStatus.SUBMITTED


# -- feedback ---------------------------------------------------------------------------


def test_mentor_gives_this_weeks_feedback_from_the_reminder(
    reminder_time, start, app, world, outbox, clock
):
    with app.app_context():
        reminders.decide(reminder_time)
    deliver(app, reminder_time)
    message = mail_to(outbox, "mentor@x.example", "no feedback")
    assert "Give this week's feedback, without logging in:" in outbox.body(message)
    (link,) = quick_links(outbox, message)
    clock(reminder_time + timedelta(hours=2))
    phone = visitor(app)

    shown = phone.get(link)
    assert shown.status_code == 200
    assert "Feedback for Student A" in page(shown)
    assert f"Week of {written(monday(start, 6))}" in page(shown)

    empty = phone.post(link, {"went_well": "", "work_on": "Ask sooner.", "next_step": ""})
    assert empty.status_code == 422
    assert "Please write something here." in page(empty)
    assert "Ask sooner.</textarea>" in page(empty)

    given = phone.post(
        link, {"went_well": "Careful wiring.", "work_on": "Ask sooner.", "next_step": ""}
    )
    assert given.status_code == 200
    assert "Your feedback is in the log of Student A. Thank you." in page(given)
    with app.app_context():
        feedback = db.session.scalar(select(LogEntry).where(LogEntry.kind == EntryKind.FEEDBACK))
        assert (feedback.author_id, feedback.author_role) == (world.mentor_x.id, Actor.MENTOR)
        assert feedback.sections["went_well"] == "Careful wiring."
    assert [(a, kind) for a, kind, _id, _d in audit_trail(app)] == [
        ("mentor_link_opened", "placement"),
        ("mentor_link_used", "placement"),
    ]
    second = phone.get(link)
    assert second.status_code == 410
    assert "Your feedback for this week is already in the log." in page(second)


def test_feedback_given_after_logging_in_ends_the_link(reminder_time, start, app, world, clock):
    token = token_for(
        app,
        QuickAction.GIVE_FEEDBACK,
        world.mentor_x,
        world.placement_a.id,
        reminder_time,
        monday(start, 6),
    )
    clock(reminder_time)
    assert visitor(app).get(f"/quick/{token}").status_code == 200
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    assert visitor(app).get(f"/quick/{token}").status_code == 410


def test_the_feedback_page_shows_what_the_student_wrote_above_the_boxes(
    reminder_time, start, app, world, clock
):
    """The week's log once handed in, else the latest handed in before it; never a draft."""
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=monday(start, 5),
        submit=True,
        sections={"did": "Wired the kitchen sockets.", "went_well": "Measured it all myself."},
    )
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=monday(start, 6),
        sections={"did": "A draft nobody reads yet."},
    )
    token = token_for(
        app,
        QuickAction.GIVE_FEEDBACK,
        world.mentor_x,
        world.placement_a.id,
        reminder_time,
        monday(start, 6),
    )
    clock(reminder_time)
    shown = page(visitor(app).get(f"/quick/{token}"))
    assert f"What Student A wrote in the week of {written(monday(start, 5), 'd MMMM')}" in shown
    assert shown.index("Wired the kitchen sockets.") < shown.index('name="went_well"')
    assert "Measured it all myself." in shown
    assert "A draft nobody reads yet." not in shown


# -- confirming a visit report ----------------------------------------------------------


def test_mentor_confirms_the_visit_report_from_the_email(start, app, world, outbox):
    visit_id = final_report(app, world)
    deliver(app, soon())
    message = mail_to(outbox, "mentor@x.example", "please read and confirm")
    assert "Read the report and confirm it, without logging in:" in outbox.body(message)
    (link,) = quick_links(outbox, message)
    phone = visitor(app)

    shown = phone.get(link)
    assert shown.status_code == 200
    text = page(shown)
    assert f"Report of the visit of {written(start + timedelta(days=30))}" in text
    assert "Wires boards on her own now." in text
    assert "Ask before lunch" in text

    done = phone.post(link, {"comment": "Agreed.", "confirm": "1"})
    assert done.status_code == 200
    assert "Confirmed. Thank you." in page(done)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        confirmation = visit.confirmed_by(Actor.MENTOR)
        assert (confirmation.user_id, confirmation.comment) == (world.mentor_x.id, "Agreed.")
    assert [(a, kind, obj) for a, kind, obj, _d in audit_trail(app)] == [
        ("mentor_link_opened", "visit", visit_id),
        ("mentor_link_used", "visit", visit_id),
    ]
    # Now it is the student's turn, by the ordinary link: students get no quick link.
    deliver(app, soon())
    student_mail = mail_to(outbox, "student@a.example", "please read and confirm")
    assert quick_links(outbox, student_mail) == []
    assert phone.post(link, {"confirm": "1"}).status_code == 410


# -- when a link stops working ----------------------------------------------------------


def test_the_link_works_until_the_end_of_day_7(app, world, outbox, clock):
    _entry_id, link, sent = submitted_week_link(app, world, outbox)
    clock(sent + timedelta(days=7))
    assert visitor(app).get(link).status_code == 200
    clock(sent + timedelta(days=7, seconds=1))
    expired = visitor(app).get(link)
    assert expired.status_code == 410
    assert "This link has expired" in page(expired)
    assert "A quick link works for 7 days." in page(expired)
    assert refusals(app) == ["expired"]


def test_a_forged_or_altered_token_is_not_found(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    token = link.removeprefix("/quick/")
    payload, signature = token.rsplit(".", 1)
    other = token_for(app, QuickAction.APPROVE_WEEK, world.mentor_x, 999, soon())
    with app.app_context():
        wrong_key = URLSafeSerializer("not the key", salt=SALT).dumps({"a": "approve_week"})
        wrong_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps({"u": 1})
    forged = [
        "not-a-token",
        token[:-2],
        f"{other.rsplit('.', 1)[0]}.{signature}",  # another object with this signature
        f"{payload}.{signature[::-1]}",
        wrong_key,
        wrong_salt,
        other,  # well signed, but there is no such week
    ]
    for number, bad in enumerate(forged):
        guesser = visitor(app, f"10.7.1.{number}")  # each within the limit of an address
        assert guesser.get(f"/quick/{bad}").status_code == 404, bad
        assert guesser.post(f"/quick/{bad}", {"approve": "1"}).status_code == 404, bad
    assert audit_trail(app) == []


def test_a_link_made_for_another_mentor_or_placement_does_nothing(app, world, outbox):
    entry_a, _link, _sent = submitted_week_link(app, world, outbox)
    entry_b = write_entry(app, world.placement_b, world.student_b, submit=True)
    for mentor, entry_id in ((world.mentor_y, entry_a), (world.mentor_x, entry_b)):
        token = token_for(app, QuickAction.APPROVE_WEEK, mentor, entry_id, soon())
        response = visitor(app).post(f"/quick/{token}", {"version": 1, "approve": "1"})
        assert response.status_code == 410
        assert "is no longer the mentor of this placement" in page(response)
    assert entry_of(app, entry_a).review_status == ReviewStatus.SUBMITTED
    assert entry_of(app, entry_b).review_status == ReviewStatus.SUBMITTED
    assert refusals(app) == ["no_longer_mentor", "no_longer_mentor"]


def test_a_replaced_or_deactivated_mentor_can_no_longer_use_the_link(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    with app.app_context():
        successor = make_user("new@x.example", "Nina New", (Role.MENTOR, world.company_x))
        db.session.flush()
        db.session.get(Placement, world.placement_a.id).mentor_id = successor.id
        db.session.commit()
    replaced = visitor(app).get(link)
    assert replaced.status_code == 410
    assert "Mentor X is no longer the mentor of this placement" in page(replaced)
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).mentor_id = world.mentor_x.id
        db.session.get(User, world.mentor_x.id).active = False
        db.session.commit()
    assert visitor(app).get(link).status_code == 410
    assert refusals(app) == ["no_longer_mentor", "no_longer_mentor"]


def test_a_placement_that_ended_closes_its_links(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.COMPLETED
        db.session.commit()
    closed = visitor(app).get(link)
    assert closed.status_code == 410
    assert "This placement has ended" in page(closed)
    assert refusals(app) == ["closed"]


def test_a_school_that_switched_links_off_gets_none_and_old_ones_stop(start, app, world, outbox):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    school_settings(app, world.school_a, mentor_links=False)
    refused = visitor(app).get(link)
    assert refused.status_code == 403
    assert "Quick links are switched off" in page(refused)
    assert visitor(app).post(link, {"version": 1, "approve": "1"}).status_code == 403
    assert entry_of(app, entry_id).review_status == ReviewStatus.SUBMITTED
    assert refusals(app) == ["switched_off", "switched_off"]

    write_entry(app, world.placement_a, world.student_a, submit=True, week=monday(start, 6))
    deliver(app, soon())
    body = outbox.body(outbox.messages[-1])
    assert "/quick/" not in body
    assert "Open it in Leerspoor:" in body
    # The other school still has them.
    write_entry(app, world.placement_b, world.student_b, submit=True)
    deliver(app, soon())
    assert quick_links(outbox, mail_to(outbox, "mentor@y.example"))


def test_the_platform_switches_links_off_with_zero_days(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    app.config["MENTOR_LINK_DAYS"] = 0
    assert visitor(app).get(link).status_code == 403
    write_entry(app, world.placement_b, world.student_b, submit=True)
    deliver(app, soon())
    assert quick_links(outbox, mail_to(outbox, "mentor@y.example")) == []
    assert refusals(app) == ["switched_off"]


def test_someone_else_logged_in_is_asked_to_log_out_first(app, world, outbox, login_as):
    entry_id, link, _sent = submitted_week_link(app, world, outbox)
    coach = login_as(world.coach_a)
    refused = coach.get(link)
    assert refused.status_code == 403
    assert "This link is for Mentor X" in page(refused)
    assert "You are logged in as Coach A. Log out first" in page(refused)
    assert coach.post(link, {"version": 1, "approve": "1"}).status_code == 403
    assert entry_of(app, entry_id).review_status == ReviewStatus.SUBMITTED
    (_a, _k, _o, details) = audit_trail(app)[0]
    assert details["reason"] == "wrong_user"
    assert details["visitor"] == world.coach_a.id

    mentor = login_as(world.mentor_x)
    assert mentor.get(link).status_code == 200
    assert mentor.post(link, {"version": 1, "approve": "1"}).status_code == 200
    assert entry_of(app, entry_id).review_status == ReviewStatus.APPROVED


# -- which e-mails carry a link ---------------------------------------------------------


def test_only_the_mentor_gets_quick_links(reminder_time, app, world, outbox):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    write_entry(app, world.placement_a, world.coach_a, "visit_note")
    final_report(app, world)
    with app.app_context():
        reminders.decide(reminder_time)
    deliver(app, soon())
    with_links = {m["To"] for m in outbox.messages if quick_links(outbox, m)}
    assert with_links == {"mentor@x.example", "mentor@y.example"}  # B's: a feedback reminder
    mentor_mails = [m for m in outbox.messages if m["To"] == "mentor@x.example"]
    # The week to approve and the report to confirm; not the coach's note, and no
    # feedback reminder: feedback was just given.
    assert sorted(bool(quick_links(outbox, m)) for m in mentor_mails) == [False, False, True, True]


def test_no_email_for_what_was_done_before_it_went(app, world, outbox, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        entries.review_entry(
            db.session.get(LogEntry, entry_id),
            db.session.get(User, world.mentor_x.id),
            approve=True,
            comment="",
            expected_version=1,
        )
    deliver(app, soon())
    # The week is approved: the mentor's notification is resolved and not e-mailed; the
    # coach, whom it only informs, is still told.
    assert [m["To"] for m in outbox.messages] == ["coach@a.example"]


def test_the_daily_summary_gives_each_item_its_quick_link(app, world, outbox):
    with app.app_context():
        mentor = db.session.get(User, world.mentor_x.id)
        mentor.notify_by_email = EmailPreference.DAILY
        db.session.commit()
    write_entry(app, world.placement_a, world.student_a, submit=True)
    final_report(app, world)
    deliver(app, soon() + timedelta(days=1))
    message = mail_to(outbox, "mentor@x.example", "new notifications")
    body = outbox.body(message)
    assert len(quick_links(outbox, message)) == 2
    assert "  Read this week and approve or return it, without logging in:" in body
    assert "  Read the report and confirm it, without logging in:" in body
    assert body.count("This quick link works for 7 days and only for this.") == 2


# -- the page itself --------------------------------------------------------------------


def test_the_page_is_not_kept_and_its_address_not_passed_on(app, world, outbox):
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    response = visitor(app).get(link)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_speaks_the_mentors_language(app, world, outbox):
    with app.app_context():
        db.session.get(User, world.mentor_x.id).locale = "nl"
        db.session.commit()
    _entry_id, link, _sent = submitted_week_link(app, world, outbox)
    assert "Lees deze week" in outbox.body(mail_to(outbox, "mentor@x.example"))
    assert "Voor Mentor X" in page(visitor(app).get(link))
    english = visitor(app)
    english.post("/language", {"locale": "en", "next": link})
    assert "For Mentor X" in page(english.get(link))


def test_links_that_do_not_work_are_limited_per_address(app, world):
    attempts = app.config["LOGIN_ATTEMPTS_PER_MINUTE"] * 2
    guesser = visitor(app)
    for attempt in range(attempts):
        assert guesser.get(f"/quick/guess-{attempt}").status_code == 404
    assert guesser.get("/quick/guess-again").status_code == 429


def test_the_school_settings_say_what_a_quick_link_does_and_for_how_long(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    path = f"/admin/organisations/{world.school_a.id}/settings"
    form = page(coordinator.get(path))
    assert "Mentors' e-mails carry a quick link" in form
    assert "It works for that mentor only, once, for 7 days" in form
    assert "Switching this off also stops the links already sent." in form
    app.config["MENTOR_LINK_DAYS"] = 0
    assert "Quick links are switched off for the whole platform" in page(coordinator.get(path))
