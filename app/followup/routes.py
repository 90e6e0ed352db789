"""Follow-up routes: each checks access through `policy`, validates its form and calls a
service. Entries live under their placement, so every URL names both.
"""

from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app import audit, dates, policy
from app.content.services import training_library
from app.domain import DomainError, StaleEdit
from app.errors import render_error
from app.followup import bp, entries, evidence
from app.followup.entries import KINDS_BY_ACTOR, PROMPTS
from app.followup.evidence import MAX_ATTACHMENT_MB
from app.followup.forms import (
    AttachmentForm,
    CommentForm,
    EntryForm,
    ReviewForm,
    SubmitEntryForm,
)
from app.forms import CsrfForm, show_error
from app.models import Actor, EntryKind, LogEntry, Placement, ReviewStatus, User
from app.training.services import suggestion
from app.web import page_argument


def _user() -> User:
    return current_user._get_current_object()


def _writable_placement(placement_id: int) -> Placement:
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    if not policy.can_write_log(user, placement):
        abort(403)
    return placement


def _kind_argument() -> EntryKind | None:
    value = request.args.get("kind", "")
    return EntryKind(value) if value in {kind.value for kind in EntryKind} else None


NEW_ENTRY_LABELS = {
    EntryKind.WEEKLY_LOG: _l("Write this week's log"),
    EntryKind.FEEDBACK: _l("Give feedback"),
    EntryKind.VISIT_NOTE: _l("Write a visit note"),
    EntryKind.AGREEMENT: _l("Record an agreement"),
    EntryKind.CONCERN: _l("Raise a concern"),
}


@bp.context_processor
def _entry_texts() -> dict:
    return {
        "prompt_labels": {
            kind: [(name, label) for name, label, _required in prompts]
            for kind, prompts in PROMPTS.items()
        },
        "new_entry_labels": NEW_ENTRY_LABELS,
    }


# -- the timeline -----------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/log")
@login_required
def show_timeline(placement_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    kind = _kind_argument()
    actor = policy.actor_in(user, placement)
    writable = policy.can_write_log(user, placement)
    reviewer = policy.can_review_weekly_logs(user, placement)
    waiting = entries.weeks_to_approve(placement) if reviewer else []
    # The student's own weeks to (re)write: those sent back first, then those missed.
    student_writes = writable and actor == Actor.STUDENT
    return render_template(
        "followup/show_timeline.html",
        placement=placement,
        pagination=entries.timeline_page(
            placement,
            user,
            kind=kind,
            page=page_argument(),
            per_page=current_app.config["PER_PAGE"],
        ),
        kind=kind,
        kinds=list(EntryKind),
        writable_kinds=KINDS_BY_ACTOR[actor] if writable else (),
        waiting=waiting,
        approve_form=CsrfForm() if waiting else None,
        wellbeing=entries.wellbeing_trend(placement)
        if policy.sees_wellbeing(user, placement)
        else None,
        is_student=actor == Actor.STUDENT,
        returned=entries.returned_weeks(placement) if student_writes else [],
        missing=entries.missing_weeks(placement, dates.today(placement.school))
        if student_writes
        else [],
        suggested=suggestion(user, "concern", training_library(), str(get_locale()))
        if actor == Actor.MENTOR and entries.has_concern(placement, user)
        else None,
    )


# -- writing ----------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/log/new/<kind>", methods=["GET", "POST"])
@login_required
def create_entry(placement_id: int, kind: str):
    user = _user()
    if kind not in {k.value for k in EntryKind}:
        abort(404)
    placement = _writable_placement(placement_id)
    kind = EntryKind(kind)
    if kind not in KINDS_BY_ACTOR[policy.actor_in(user, placement)]:
        abort(403)
    form = EntryForm(kind=kind)
    prefilled_from = None
    if kind == EntryKind.WEEKLY_LOG and request.method == "GET":
        prefilled_from = _prefill_week(form, placement)
    if form.validate_on_submit() and (photo := _checked_photo(form)) is not False:
        try:
            entry = entries.create_entry(
                placement,
                user,
                kind,
                form.sections(),
                week=form.week.data if kind == EntryKind.WEEKLY_LOG else None,
                wellbeing=form.wellbeing.data if kind == EntryKind.WEEKLY_LOG else None,
                coach_only=kind == EntryKind.VISIT_NOTE and form.coach_only.data,
                submit=kind == EntryKind.WEEKLY_LOG and form.submit.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_saved_message(entry), "success")
            _attach_photo(entry, user, photo)
            return redirect(url_for(".show_timeline", placement_id=placement.id))
    existing = None
    if kind == EntryKind.WEEKLY_LOG and form.week.data:
        existing = entries.weekly_log_for(placement, entries.monday_of(form.week.data))
    page = render_template(
        "followup/create_entry.html",
        placement=placement,
        form=form,
        kind=kind,
        existing=existing,
        prefilled_from=prefilled_from,
        for_the_school_only=kind == EntryKind.CONCERN
        and policy.actor_in(user, placement) == Actor.STUDENT,
        week_entry=_week_of_feedback(placement) if kind == EntryKind.FEEDBACK else None,
        week_prompts=[(name, label) for name, label, _required in PROMPTS[EntryKind.WEEKLY_LOG]],
    )
    return page, 422 if form.is_submitted() else 200


def _week_of_feedback(placement: Placement) -> LogEntry | None:
    """With `?week=` (from the mentor's to-do list), the student's log that the feedback
    is about, shown above the boxes.
    """
    try:
        week = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return None
    return entries.handed_in_week(placement, week)


def _prefill_week(form: EntryForm, placement: Placement) -> LogEntry | None:
    """A new week starts on this week, or on the missed week `?week=` names; with
    `?from=previous`, with the answers of the latest week before it, which is returned.
    """
    today = dates.today(placement.school)
    form.week.data = entries.suggested_week(placement, today)
    chosen = _week_argument()
    if chosen is not None and chosen in entries.missing_weeks(placement, today):
        form.week.data = chosen
    if request.args.get("from") != "previous":
        return None
    previous = entries.weekly_log_before(placement, form.week.data)
    if previous is not None:
        for field in form.section_fields():
            field.data = previous.sections.get(field.name, "")
    return previous


def _week_argument() -> date | None:
    """The Monday of `?week=` (an ISO date), or None when it is absent or no date."""
    try:
        return entries.monday_of(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        return None


def _checked_photo(form: EntryForm):
    """The photo sent with a weekly log, checked before anything is saved: (file name,
    bytes, type), None without one, False when it is refused (its message is then next
    to the field, and the text stays in the form).
    """
    upload = form.photo.data if "photo" in form else None
    if not upload:
        return None
    try:
        data, content_type = evidence.checked_file(upload.stream)
    except DomainError as error:
        form.photo.errors.append(str(error.message))
        return False
    return upload.filename, data, content_type


def _attach_photo(entry: LogEntry, user: User, photo) -> None:
    """Attach the photo `_checked_photo` accepted to the entry just saved."""
    if not photo:
        return
    filename, data, content_type = photo
    try:
        evidence.store_attachment(entry, user, filename, data, content_type)
    except DomainError as error:  # the log holds all the attachments it may
        show_error(None, error)


def _saved_message(entry: LogEntry) -> str:
    if entry.review_status == ReviewStatus.SUBMITTED:
        return _("Your week is saved and sent to your mentor for approval.")
    if entry.review_status == ReviewStatus.DRAFT:
        return _("Your week is saved as a draft. Only you can see it until you submit it.")
    return _("Saved in the log.")


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>")
@login_required
def show_entry(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    return _entry_page(placement, entry, user)


def _entry_page(
    placement: Placement,
    entry: LogEntry,
    user: User,
    attachment_form=None,
    comment_form=None,
    review_form=None,
):
    """The entry with the forms `user` may use on it; a form passed in was just sent."""
    reviewer = policy.can_review_weekly_logs(user, placement)
    return render_template(
        "followup/show_entry.html",
        placement=placement,
        entry=entry,
        revisions=[r for r in entry.revisions if policy.can_read_revision(user, r)],
        can_edit=policy.can_edit_entry(user, entry),
        review_form=review_form
        or (
            ReviewForm(version=entry.version)
            if reviewer and entry.review_status == ReviewStatus.SUBMITTED
            else None
        ),
        submit_form=SubmitEntryForm(version=entry.version)
        if policy.can_edit_entry(user, entry)
        and entry.review_status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
        else None,
        comment_form=comment_form
        or (CommentForm() if policy.can_write_log(user, placement) else None),
        resolve_form=CsrfForm()
        if policy.can_resolve_concern(user, entry) and entry.resolved_at is None
        else None,
        **_evidence_forms(user, entry, attachment_form),
    )


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if not policy.can_edit_entry(user, entry):
        abort(403)
    form = EntryForm(kind=entry.kind)
    _label_week_buttons(form, entry)
    if request.method == "GET":
        _fill_from_entry(form, entry)
    status = 200
    conflict = False
    if form.is_submitted() and form.version.data is None:
        abort(400)  # not a form from the edit page: it always carries the version
    if form.validate_on_submit() and (photo := _checked_photo(form)) is not False:
        try:
            withdrawn = entries.update_entry(
                entry,
                user,
                form.sections(),
                expected_version=form.version.data,
                week=form.week.data if entry.kind == EntryKind.WEEKLY_LOG else None,
                wellbeing=form.wellbeing.data if entry.kind == EntryKind.WEEKLY_LOG else None,
                coach_only=entry.kind == EntryKind.VISIT_NOTE and form.coach_only.data,
                submit=entry.kind == EntryKind.WEEKLY_LOG and form.submit.data,
            )
        except DomainError as error:
            show_error(form, error)
            status = 422
        except StaleEdit:
            # Keep the user's text in the form; show what is saved now beside it, and
            # let a second save knowingly replace it.
            entry = policy.entry_or_404(placement, entry_id, user)
            form.version.data = entry.version
            conflict = True
            status = 409
        else:
            if photo and not withdrawn:
                withdrawn = entry.review_status == ReviewStatus.APPROVED
            if not withdrawn:
                flash(_saved_message(entry), "success")
            _attach_photo(entry, user, photo)
            _say_if_withdrawn(withdrawn)
            return redirect(url_for(".show_entry", placement_id=placement.id, entry_id=entry.id))
    elif form.is_submitted() and not conflict:
        status = 422
    return (
        render_template(
            "followup/edit_entry.html",
            placement=placement,
            entry=entry,
            form=form,
            conflict=conflict,
        ),
        status,
    )


def _back_to(entry: LogEntry, anchor: str = ""):
    """The address of a form's answer, opened again (a phone reloads a tab after the
    camera, a browser restores it): the entry it belongs to, not a 405 page.
    """
    return redirect(
        url_for(".show_entry", placement_id=entry.placement_id, entry_id=entry.id) + anchor
    )


def _say_if_withdrawn(withdrawn: bool) -> None:
    if withdrawn:
        flash(
            _("Your change withdrew the approval of this week. Your mentor will approve it again."),
            "warning",
        )


def _label_week_buttons(form: EntryForm, entry: LogEntry) -> None:
    """A week that left draft does not go back to it: say what saving does."""
    if entry.review_status == ReviewStatus.RETURNED:
        form.save.label.text = _l("Save, submit later")
    elif entry.review_status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED):
        del form.save
        form.submit.label.text = _l("Save and send to my mentor")


def _fill_from_entry(form: EntryForm, entry: LogEntry) -> None:
    form.version.data = entry.version
    for field in form.section_fields():
        field.data = entry.sections.get(field.name, "")
    if entry.kind == EntryKind.WEEKLY_LOG:
        form.week.data = entry.week_start
        form.wellbeing.data = entry.wellbeing
    if entry.kind == EntryKind.VISIT_NOTE:
        form.coach_only.data = entry.coach_only


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/resolve", methods=["GET", "POST"])
@login_required
def resolve_concern(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if request.method == "GET":
        return _back_to(entry)
    if not policy.can_resolve_concern(user, entry):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        entries.resolve_concern(entry, user)
    except StaleEdit:
        flash(_("This concern changed while you were reading it. Look at it again."), "error")
    else:
        flash(_("The concern is marked as dealt with."), "success")
    return _back_to(entry)


# -- weekly log approval ----------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/submit", methods=["POST"])
@login_required
def submit_entry(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if not policy.can_edit_entry(user, entry) or entry.kind != EntryKind.WEEKLY_LOG:
        abort(403)
    form = SubmitEntryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        entries.submit_entry(entry, expected_version=form.version.data)
    except DomainError as error:
        show_error(None, error)
    except StaleEdit:
        flash(_("This week changed in the meantime. Look it over and submit again."), "error")
    else:
        flash(_saved_message(entry), "success")
    return redirect(url_for(".show_entry", placement_id=placement.id, entry_id=entry.id))


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/review", methods=["GET", "POST"])
@login_required
def review_entry(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if request.method == "GET":
        return _back_to(entry)
    if not policy.can_review_weekly_logs(user, placement) or entry.kind != EntryKind.WEEKLY_LOG:
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            entries.review_entry(
                entry,
                user,
                approve=bool(form.approve.data),
                comment=form.comment.data or "",
                expected_version=form.version.data,
            )
        except DomainError as error:
            show_error(form, error)
        except StaleEdit:
            # Keep the comment; the page shows the week as it is now, and the form points
            # at it, so approving or returning again is about what was read.
            flash(
                _("The student changed this week while you were reading it. Read it again."),
                "error",
            )
            entry = policy.entry_or_404(placement, entry_id, user)
            form.version.data = entry.version
            return _entry_page(placement, entry, user, review_form=form), 409
        else:
            if entry.review_status == ReviewStatus.APPROVED:
                flash(_("Week approved."), "success")
            else:
                flash(_("Week returned to the student with your comment."), "success")
            return redirect(url_for(".show_timeline", placement_id=placement.id))
    return _entry_page(placement, entry, user, review_form=form), 422


@bp.route("/placements/<int:placement_id>/log/approve-weeks", methods=["POST"])
@login_required
def approve_weeks(placement_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    if not policy.can_review_weekly_logs(user, placement):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        count = entries.approve_weeks(placement, user, _shown_weeks())
    except StaleEdit:
        flash(
            _(
                "A week arrived or changed while you were reading. Nothing was approved: "
                "look at the weeks again."
            ),
            "error",
        )
    else:
        flash(
            ngettext("%(num)d week approved.", "%(num)d weeks approved.", count),
            "success",
        )
    return redirect(url_for(".show_timeline", placement_id=placement.id))


def _shown_weeks() -> dict[int, int]:
    """The weeks the approval button was shown with, as {entry id: version}."""
    shown = {}
    for value in request.form.getlist("week"):
        entry_id, _sep, version = value.partition(":")
        if not (entry_id.isdigit() and version.isdigit()):
            abort(400)
        shown[int(entry_id)] = int(version)
    return shown


# -- comments ---------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/comments", methods=["GET", "POST"])
@login_required
def create_comment(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if request.method == "GET":
        return _back_to(entry, "#comments")
    if not policy.can_write_log(user, placement):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            entries.add_comment(entry, user, form.body.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Comment added."), "success")
            return redirect(
                url_for(".show_entry", placement_id=placement.id, entry_id=entry.id) + "#comments"
            )
    # The text stays in the form, with the message next to it.
    return _entry_page(placement, entry, user, comment_form=form), 422


# -- evidence ---------------------------------------------------------------------------


def _evidence_forms(user: User, entry: LogEntry, attachment_form=None) -> dict:
    """What the entry page needs to add and remove attachments, for this reader: a full
    entry says so instead of offering the field (a form just refused keeps its message).
    """
    removable = {a.id for a in entry.attachments if policy.can_remove_attachment(user, a)}
    full = None
    if attachment_form is None and policy.can_edit_entry(user, entry):
        full = evidence.attachments_full(entry)
        attachment_form = AttachmentForm() if full is None else None
    return {"attachment_form": attachment_form, "removable": removable, "attachments_full": full}


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/attachments", methods=["GET", "POST"])
@login_required
def create_attachment(placement_id: int, entry_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    if request.method == "GET":
        return _back_to(entry, "#attachments")
    if not policy.can_edit_entry(user, entry):
        abort(403)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        was_approved = entry.review_status == ReviewStatus.APPROVED
        try:
            evidence.add_attachment(entry, user, upload.filename, upload.stream)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Attachment added."), "success")
            _say_if_withdrawn(was_approved)
            return redirect(
                url_for(".show_entry", placement_id=placement.id, entry_id=entry.id)
                + "#attachments"
            )
    return _entry_page(placement, entry, user, attachment_form=form), 422


@bp.route("/placements/<int:placement_id>/log/<int:entry_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(placement_id: int, entry_id: int, attachment_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    attachment = policy.attachment_or_404(entry, attachment_id)
    try:
        file = evidence.open_attachment(attachment)
    except FileNotFoundError:
        current_app.logger.error("The file of attachment %d is missing", attachment.id)
        abort(404)
    # Photos of minors: like every answer, sent with `no-store` (app/web.py), so no
    # browser cache keeps them after the page is closed or the person logged out.
    return send_file(
        file,
        mimetype=attachment.content_type,
        # A photo shows in the page; a PDF is saved, never run by the browser here.
        as_attachment=attachment.content_type == evidence.PDF,
        download_name=attachment.filename,
    )


@bp.route(
    "/placements/<int:placement_id>/log/<int:entry_id>/attachments/<int:attachment_id>/delete",
    methods=["POST"],
)
@login_required
def delete_attachment(placement_id: int, entry_id: int, attachment_id: int):
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    entry = policy.entry_or_404(placement, entry_id, user)
    attachment = policy.attachment_or_404(entry, attachment_id)
    if not policy.can_remove_attachment(user, attachment):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    was_approved = entry.review_status == ReviewStatus.APPROVED
    evidence.remove_attachment(attachment, user)
    flash(_("Attachment removed."), "success")
    _say_if_withdrawn(was_approved)
    return redirect(
        url_for(".show_entry", placement_id=placement.id, entry_id=entry.id) + "#attachments"
    )


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(_error):
    """A request past MAX_CONTENT_LENGTH is refused before its form is read; for an
    upload of evidence, say what the limit is.
    """
    if request.endpoint not in (
        "followup.create_attachment",
        "followup.create_entry",
        "followup.edit_entry",
    ):
        return render_error(413)
    return render_error(
        413,
        _(
            "Photos and PDFs can be at most %(limit)d MB. Nothing was saved: go back to "
            "the entry and choose a smaller file.",
            limit=MAX_ATTACHMENT_MB,
        ),
    )
