"""The page behind a mentor's quick link: `/quick/<token>` shows its one action (GET) and
does it (POST), with the forms and services of the logged-in pages.

It never logs anyone in and leads nowhere else but to the login page. A token that was
not made here is not found (404); a link that no longer works says why: expired, done
or no longer the mentor's (410), switched off or someone else logged in (403).
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import abort, current_app, make_response, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import DomainError, StaleEdit
from app.extensions import limiter
from app.followup.entries import PROMPTS, handed_in_week
from app.followup.forms import EntryForm, ReviewForm
from app.forms import show_error
from app.mentorlinks import bp, services
from app.mentorlinks.services import Opened, Refusal, Refused
from app.mentorlinks.tokens import QuickAction, read_token
from app.models import AdditionKind, EntryKind, ReviewStatus, User, VisitStatus
from app.models.columns import utcnow
from app.visits import services as visits
from app.visits.forms import ConfirmForm

STATUS = {
    Refusal.SWITCHED_OFF: 403,
    Refusal.WRONG_USER: 403,
    Refusal.EXPIRED: 410,
    Refusal.NO_LONGER_MENTOR: 410,
    Refusal.CLOSED: 410,
    Refusal.DONE: 410,
}


def _per_address() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE'] * 2}/minute"


def _refused(response) -> bool:
    """Only links that do not work count towards the limit, as failed logins do."""
    return response.status_code in (403, 404, 410)


@bp.route("/quick/<token>", methods=["GET", "POST"])
@limiter.limit(_per_address, deduct_when=_refused)
def use_link(token: str):
    link = read_token(token)
    opened = services.load(link) if link is not None else None
    if opened is None:
        abort(404)
    visitor = current_user._get_current_object() if current_user.is_authenticated else None
    with _language_of(opened.mentor, visitor):
        page = _answer(opened, visitor)
    response = make_response(page)
    # The address is the key: no other site learns it (no cache keeps the page either:
    # app/web.py sends every answer with `no-store`).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _language_of(mentor: User, visitor: User | None):
    """The page speaks the language of the mentor it is for (as the e-mail did), unless
    the visitor chose one with the switcher or is logged in (then as everywhere).
    """
    if visitor is not None or session.get("locale"):
        return nullcontext()
    if mentor.locale not in current_app.config["LANGUAGES"]:
        return nullcontext()
    return force_locale(mentor.locale)


def _answer(opened: Opened, visitor: User | None):
    now = utcnow()
    try:
        services.check(opened, visitor, now)
    except Refused as refusal:
        return _refuse(opened, refusal.reason, visitor, now)
    action = opened.link.action
    if request.method == "GET":
        services.record_opened(opened, now)
        return _action_page(opened, _empty_form(opened))
    if action is QuickAction.APPROVE_WEEK:
        return _review_week(opened, now)
    if action is QuickAction.GIVE_FEEDBACK:
        return _give_feedback(opened, now)
    return _confirm_report(opened, now)


def _empty_form(opened: Opened):
    match opened.link.action:
        case QuickAction.APPROVE_WEEK:
            return ReviewForm(version=opened.entry.version)
        case QuickAction.GIVE_FEEDBACK:
            return EntryForm(kind=EntryKind.FEEDBACK)
    return ConfirmForm()


# -- doing the action -------------------------------------------------------------------


def _review_week(opened: Opened, now):
    form = ReviewForm()
    if not form.validate_on_submit():
        return _action_page(opened, form, status=422)
    try:
        services.review_week(
            opened,
            approve=bool(form.approve.data),
            comment=form.comment.data or "",
            expected_version=form.version.data,
            now=now,
        )
    except DomainError as error:
        show_error(form, error)
        return _action_page(opened, form, status=422)
    except StaleEdit:
        notice = _("The student changed this week while you were reading it. Read it again.")
        return _again(opened, form, notice, now)
    if opened.entry.review_status == ReviewStatus.APPROVED:
        return _done_page(opened, _("Approved. Thank you."))
    return _done_page(
        opened,
        _("Returned to %(student)s with your comment. Thank you.", student=_student(opened)),
    )


def _give_feedback(opened: Opened, now):
    form = EntryForm(kind=EntryKind.FEEDBACK)
    if form.validate_on_submit():
        try:
            services.give_feedback(opened, form.sections(), now)
        except DomainError as error:
            show_error(form, error)
        else:
            message = _(
                "Your feedback is in the log of %(student)s. Thank you.", student=_student(opened)
            )
            return _done_page(opened, message)
    return _action_page(opened, form, status=422)


def _confirm_report(opened: Opened, now):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _action_page(opened, form, status=422)
    try:
        services.confirm_report(opened, form.comment.data or "", now)
    except DomainError as error:
        show_error(form, error)
        return _action_page(opened, form, status=422)
    except StaleEdit:
        return _again(opened, form, _("The report changed while you were reading it."), now)
    if opened.visit.status == VisitStatus.LOCKED:
        return _done_page(opened, _("Thank you. The report is confirmed by all three and locked."))
    return _done_page(opened, _("Confirmed. Thank you."))


def _again(opened: Opened, form, notice: str, now):
    """The thing changed while the mentor read it: show it as it is now, with what they
    typed, or say it is done (another tab, another device) when it is.
    """
    try:
        services.check(opened, None, now)
    except Refused as refusal:
        return _refuse(opened, refusal.reason, None, now)
    if opened.entry is not None:
        # The field shows what was sent unless that is cleared: show the new version.
        form.version.data, form.version.raw_data = opened.entry.version, None
    return _action_page(opened, form, status=409, notice=notice)


# -- the pages --------------------------------------------------------------------------


def _student(opened: Opened) -> str:
    return opened.placement.student.name


def _whole_log(opened: Opened) -> str:
    """The logged-in page where the rest is: the login page leads there."""
    placement_id = opened.placement.id
    if opened.visit is not None:
        target = url_for("visits.show_visit", placement_id=placement_id, visit_id=opened.visit.id)
    elif opened.entry is not None:
        target = url_for("followup.show_entry", placement_id=placement_id, entry_id=opened.entry.id)
    else:
        target = url_for("followup.show_timeline", placement_id=placement_id)
    return url_for("auth.login", next=target)


def _action_page(opened: Opened, form, *, status: int = 200, notice: str = ""):
    visit = opened.visit
    return (
        render_template(
            "mentorlinks/use_link.html",
            opened=opened,
            action=opened.link.action.value,
            form=form,
            notice=notice,
            student=_student(opened),
            prompts=[(name, label) for name, label, _required in PROMPTS[EntryKind.WEEKLY_LOG]],
            week_prompts=[
                (name, label) for name, label, _required in PROMPTS[EntryKind.WEEKLY_LOG]
            ],
            week_entry=handed_in_week(opened.placement, opened.link.week)
            if opened.link.action is QuickAction.GIVE_FEEDBACK
            else None,
            sections=visits.visible_sections(visit, opened.mentor) if visit else [],
            agreements=visits.agreements_of(visit, opened.mentor) if visit else [],
            amendments=[
                addition
                for addition in visits.visible_additions(visit, opened.mentor)
                if addition.kind == AdditionKind.AMENDMENT
            ]
            if visit
            else [],
            login_url=_whole_log(opened),
        ),
        status,
    )


def _done_page(opened: Opened, message: str):
    return render_template(
        "mentorlinks/link_done.html",
        opened=opened,
        message=message,
        login_url=_whole_log(opened),
    )


def _refuse(opened: Opened, reason: Refusal, visitor: User | None, now):
    services.record_refusal(opened, reason, visitor, now)
    return (
        render_template(
            "mentorlinks/link_refused.html",
            opened=opened,
            reason=reason.value,
            visitor=visitor,
            days=services.link_days(),
            login_url=_whole_log(opened),
        ),
        STATUS[reason],
    )
