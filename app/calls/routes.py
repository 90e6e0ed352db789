"""Routes of calls: each checks access through `policy`, validates its form and calls a
service.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import dates, policy
from app.calls import bp, document, participants, services
from app.calls.forms import (
    CallForm,
    CvForm,
    DecisionForm,
    MemberForm,
    PlaceForm,
    PrepareForm,
    RegisterForm,
    ReportForm,
    score_form,
)
from app.domain import DomainError
from app.forms import CsrfForm, show_error
from app.models import Candidate, Decision, MobilityCall, Role, User
from app.placements import matching
from app.spreadsheets import csv_download
from app.web import page_argument


def _user() -> User:
    return current_user._get_current_object()


def _today() -> date:
    return dates.today()


def _form_page(template: str, form, **context):
    page = render_template(template, form=form, **context)
    return page, 422 if form.is_submitted() else 200


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- the consortium ---------------------------------------------------------------------


@bp.route("/calls/consortium", methods=["GET", "POST"])
@login_required
def manage_consortium():
    user = _user()
    if not policy.can_manage_consortium(user):
        abort(403)
    promoters = services.organisations(policy.managed_promoters(user))
    schools = services.all_schools()
    form = MemberForm()
    form.promoter.choices = [SelectChoice(p.id, p.name) for p in promoters]
    form.school.choices = [SelectChoice(s.id, s.name) for s in schools]
    if form.validate_on_submit():
        promoter = next(p for p in promoters if p.id == form.promoter.data)
        school = next(s for s in schools if s.id == form.school.data)
        try:
            services.add_member(
                promoter, school, form.mandate_from.data, form.mandate_until.data, user
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(school)s is a member of the consortium.", school=school.name), "success")
            return redirect(url_for(".manage_consortium"))
    memberships = services.consortium_of(None if user.is_admin else policy.promoter_ids(user))
    return _form_page(
        "calls/manage_consortium.html",
        form,
        memberships=memberships,
        remove_form=CsrfForm(),
        today=_today(),
    )


@bp.route("/calls/consortium/<int:membership_id>/remove", methods=["POST"])
@login_required
def remove_member(membership_id: int):
    user = _user()
    membership = policy.consortium_membership_or_404(membership_id, user)
    if not CsrfForm().validate_on_submit():
        abort(400)
    services.remove_member(membership, user)
    flash(_("The school is no longer a member of the consortium."), "success")
    return redirect(url_for(".manage_consortium"))


# -- calls ------------------------------------------------------------------------------


@bp.route("/calls")
@login_required
def list_calls():
    user = _user()
    if not policy.can_see_calls(user):
        abort(403)
    return render_template(
        "calls/list_calls.html",
        calls=services.calls_for(policy.visible_calls(user)),
        candidacies=services.own_candidacies(user),
        can_open=policy.can_manage_consortium(user),
        today=_today(),
    )


def _chosen_id(value: str | None) -> int | None:
    """The id chosen in a select, None for none; anything else is an id nobody has (0),
    which the service refuses.
    """
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else 0


def _details(form: CallForm) -> services.CallDetails:
    return services.CallDetails(
        title=form.title.data or "",
        placement_start=form.placement_start.data,
        placement_end=form.placement_end.data,
        interest_deadline=form.interest_deadline.data,
        candidate_deadline=form.candidate_deadline.data,
        destinations=[
            services.Destination(
                row.country.data.strip(),
                (row.city.data or "").strip(),
                _chosen_id(row.host_partner.data),
            )
            for row in form.destinations
            if (row.country.data or "").strip()
        ],
        places={
            int(row.school.data): row.places.data or 0
            for row in form.places
            if (row.school.data or "").isascii()
            and (row.school.data or "").isdigit()
            and len(row.school.data) < 12
        },
        criteria=[
            services.Criterion("", row.criterion.data.strip(), row.weight.data or 0)
            for row in form.criteria
            if (row.criterion.data or "").strip()
        ],
        dual_learners_first=bool(form.dual_learners_first.data),
        monitor_scores=bool(form.monitor_scores.data),
    )


def _prepare_call_form(form: CallForm, promoter_id: int | None, call: MobilityCall | None):
    """Choices and, on a GET, the stored (or default) rows of the call's form."""
    partners = [SelectChoice("", "–")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.country})") for p in services.host_partners()
    ]
    for row in form.destinations:
        row.host_partner.choices = partners
    if request.method == "GET":
        criteria = services.criteria_of(call) if call is not None else services.default_criteria()
        for row, criterion in zip(form.criteria, criteria, strict=False):
            row.criterion.data, row.weight.data = criterion.label, criterion.weight
        for row, destination in zip(
            form.destinations, call.destinations if call else [], strict=False
        ):
            row.country.data = destination.country
            row.city.data = destination.city
            row.host_partner.data = str(destination.host_partner_id or "")
        schools = services.member_schools(promoter_id) if promoter_id else []
        while form.places.entries:
            form.places.pop_entry()
        for school in schools:
            form.places.append_entry(
                {"school": str(school.id), "places": call.places_for(school.id) if call else 0}
            )
    return {
        school.id: school.name
        for school in (services.member_schools(promoter_id) if promoter_id else [])
    }


def _stored_call(call: MobilityCall) -> dict:
    names = (
        "title",
        "placement_start",
        "placement_end",
        "interest_deadline",
        "candidate_deadline",
        "dual_learners_first",
        "monitor_scores",
    )
    return {name: getattr(call, name) for name in names}


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def create_call():
    user = _user()
    promoters = services.organisations(policy.managed_promoters(user))
    if not promoters:
        abort(403)
    promoter = promoters[0]
    if (chosen := request.args.get("promoter", type=int)) is not None:
        promoter = next((p for p in promoters if p.id == chosen), None) or abort(404)
    form = CallForm()
    if request.method == "GET":
        form.dual_learners_first.data = True
        form.monitor_scores.data = True
    school_names = _prepare_call_form(form, promoter.id, None)
    if form.validate_on_submit():
        try:
            call = services.open_call(promoter, user, _details(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The call is open."), "success")
            return redirect(url_for(".show_call", call_id=call.id))
    return _form_page(
        "calls/edit_call.html",
        form,
        call=None,
        promoter=promoter,
        promoters=promoters,
        school_names=school_names,
    )


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit_call(call_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user, "edit")
    form = CallForm(data=_stored_call(call)) if request.method == "GET" else CallForm()
    school_names = _prepare_call_form(form, call.promoter_id, call)
    if form.validate_on_submit():
        try:
            changed = services.change_call(call, user, _details(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The call is changed.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".show_call", call_id=call.id))
    return _form_page(
        "calls/edit_call.html",
        form,
        call=call,
        promoter=call.promoter,
        promoters=[call.promoter],
        school_names=school_names,
    )


@bp.route("/calls/<int:call_id>")
@login_required
def show_call(call_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    today = _today()
    candidates = services.candidates_of(call, policy.candidate_visibility(user))
    own = next((c for c in candidates if c.student_id == user.id), None)
    schools = [
        school
        for school in services.sending_schools(call)
        if policy.can_view_selection(user, call, school.id)
    ]
    groups = [
        destination
        for destination in call.destinations
        if policy.group_schools(user, call, participants.participants_at(destination))
    ]
    return render_template(
        "calls/show_call.html",
        call=call,
        today=today,
        groups=groups,
        sees_overview=policy.overview_scope(user, call) is not None,
        sees_to_match=policy.can_edit_call(user, call),
        candidates=[c for c in candidates if c.student_id != user.id],
        own=own,
        schools=schools,
        dual=services.dual_learners({c.student_id for c in candidates}),
        can_edit=policy.can_edit_call(user, call),
        can_register=policy.can_register_candidates(user) and call.open_on(today),
        can_apply=policy.can_apply(user)
        and own is None
        and call.open_on(today)
        and services.applying_school(call, user, today) is not None,
        apply_form=CsrfForm(),
    )


# -- candidates -------------------------------------------------------------------------


@bp.route("/calls/<int:call_id>/candidates/new", methods=["GET", "POST"])
@login_required
def register_candidate(call_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    schools = policy.registering_schools(user)
    if not schools:
        abort(403)
    students = [s for school_id in sorted(schools) for s in services.students_of(school_id)]
    form = RegisterForm()
    form.student.choices = [SelectChoice(s.id, s.name) for s in students]
    if form.validate_on_submit():
        student = next(s for s in students if s.id == form.student.data)
        school_id = min(schools & student.organisation_ids(Role.STUDENT))
        try:
            candidate = services.register_candidate(
                call, student, services.organisation(school_id), user, _today()
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s is a candidate.", name=student.name), "success")
            return redirect(url_for(".show_candidate", candidate_id=candidate.id))
    return _form_page("calls/register_candidate.html", form, call=call)


@bp.route("/calls/<int:call_id>/apply", methods=["POST"])
@login_required
def apply(call_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    if not policy.can_apply(user):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        candidate = services.apply(call, user, _today())
    except DomainError as error:
        show_error(None, error)
        return redirect(url_for(".show_call", call_id=call.id))
    flash(_("You are a candidate. Now fill in your CV and expectations."), "success")
    return redirect(url_for(".edit_cv", candidate_id=candidate.id))


def _candidate_page(candidate: Candidate, user: User, status: int = 200, **forms):
    call = candidate.call
    result = services.results(call, [candidate.id])[candidate.id]
    scores = policy.sees_interview_scores(user, candidate)
    return (
        render_template(
            "calls/show_candidate.html",
            candidate=candidate,
            call=call,
            cv=services.cv_of(candidate),
            criteria=services.criteria_of(call),
            dual_learner=bool(services.dual_learners({candidate.student_id})),
            result=result if policy.sees_selection_result(user, candidate) else None,
            scores=services.scores_of(candidate) if scores else [],
            can_edit_cv=policy.can_edit_cv(user, candidate),
            can_prepare=policy.can_prepare_participant(user, candidate),
            sees_fewer_opportunities=policy.sees_fewer_opportunities(user, candidate),
            stage=participants.stage_of(candidate)
            if candidate.decision == Decision.SELECTED
            else None,
            can_score=policy.can_score(user, candidate),
            held_by=services.placement_holding_decision(candidate),
            decision_form=forms.get("decision_form")
            or (
                DecisionForm(
                    data={
                        "decision": (candidate.decision or Decision.SELECTED).value,
                        "reason": candidate.decision_reason,
                    }
                )
                if policy.can_decide(user, candidate)
                else None
            ),
        ),
        status,
    )


@bp.route("/candidates/<int:candidate_id>")
@login_required
def show_candidate(candidate_id: int):
    user = _user()
    candidate = policy.candidate_or_404(candidate_id, user)
    return _candidate_page(candidate, user)


@bp.route("/candidates/<int:candidate_id>/cv", methods=["GET", "POST"])
@login_required
def edit_cv(candidate_id: int):
    user = _user()
    candidate = policy.candidate_or_404(candidate_id, user, "edit_cv")
    form = CvForm()
    if request.method == "GET":
        cv = services.cv_of(candidate)
        form.education.data = cv.education
        form.work_experience.data = cv.work_experience
        form.expectations.data = cv.expectations
        form.practical_needs.data = cv.practical_needs
        for row, (language, level) in zip(form.languages, cv.languages, strict=False):
            row.language.data, row.level.data = language, level
    if form.validate_on_submit():
        cv = services.CurriculumVitae(
            education=form.education.data or "",
            work_experience=form.work_experience.data or "",
            languages=[((row.language.data or ""), row.level.data or "") for row in form.languages],
            expectations=form.expectations.data or "",
            practical_needs=form.practical_needs.data or "",
        )
        try:
            changed = services.save_cv(candidate, user, cv)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("Your CV and expectations are saved.") if changed else _("Nothing changed."),
                "success",
            )
            return redirect(url_for(".show_candidate", candidate_id=candidate.id))
    return _form_page("calls/edit_cv.html", form, candidate=candidate)


@bp.route("/candidates/<int:candidate_id>/cv/read")
@login_required
def show_cv(candidate_id: int):
    """The CV and expectations form, read only: for the host partner of the destination
    too, which sees nothing else of the candidacy.
    """
    user = _user()
    candidate = policy.cv_or_404(candidate_id, user)
    return render_template(
        "calls/show_cv.html",
        candidate=candidate,
        cv=services.cv_of(candidate),
        sees_candidate=policy.can_view_candidate(user, candidate),
    )


@bp.route("/candidates/<int:candidate_id>/cv.pdf")
@login_required
def export_cv(candidate_id: int):
    user = _user()
    candidate = policy.cv_or_404(candidate_id, user)
    return _pdf(document.cv_pdf(candidate), document.cv_filename(candidate))


@bp.route("/candidates/<int:candidate_id>/scores", methods=["GET", "POST"])
@login_required
def score_candidate(candidate_id: int):
    user = _user()
    candidate = policy.candidate_or_404(candidate_id, user, "score")
    criteria = services.criteria_of(candidate.call)
    stored = services.own_scores(candidate, user)
    data = {}
    for criterion in criteria:
        if (row := stored.get(criterion.key)) is not None:
            data[f"score_{criterion.key}"] = row.score
            data[f"note_{criterion.key}"] = row.note
    form = score_form(criteria, data if request.method == "GET" else None)
    if form.validate_on_submit():
        entries = {
            criterion.key: services.ScoreEntry(score.data, note.data or "")
            for criterion, score, note in form.entries()
        }
        try:
            changed = services.record_scores(candidate, user, entries)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your scores are saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".show_candidate", candidate_id=candidate.id))
    return _form_page("calls/score_candidate.html", form, candidate=candidate)


@bp.route("/candidates/<int:candidate_id>/decision", methods=["POST"])
@login_required
def decide(candidate_id: int):
    user = _user()
    candidate = policy.candidate_or_404(candidate_id, user, "decide")
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            changed = services.decide(
                candidate, user, Decision(form.decision.data), form.reason.data or ""
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The decision is saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".show_candidate", candidate_id=candidate.id))
    return _candidate_page(candidate, user, 422, decision_form=form)


# -- the selection of a school ----------------------------------------------------------


@bp.route("/calls/<int:call_id>/schools/<int:school_id>")
@login_required
def show_ranking(call_id: int, school_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    school = policy.selection_school_or_404(call, school_id, user)
    return render_template(
        "calls/show_ranking.html",
        call=call,
        school=school,
        ranking=services.ranking(call, school.id),
        criteria=services.criteria_of(call),
        places=call.places_for(school.id),
        can_edit_report=policy.administers_school(user, school.id),
    )


@bp.route("/calls/<int:call_id>/schools/<int:school_id>/report", methods=["GET", "POST"])
@login_required
def edit_report(call_id: int, school_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    school = policy.selection_school_or_404(call, school_id, user, "edit")
    form = ReportForm()
    if request.method == "GET":
        form.text.data = services.report_text(call, school)
    if form.validate_on_submit():
        changed = services.save_report(call, school, user, form.text.data or "")
        flash(_("The report is saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for(".show_ranking", call_id=call.id, school_id=school.id))
    return _form_page(
        "calls/edit_report.html",
        form,
        call=call,
        school=school,
        saved=services.report_of(call, school.id) is not None,
    )


@bp.route("/calls/<int:call_id>/schools/<int:school_id>/report.pdf")
@login_required
def export_report(call_id: int, school_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    school = policy.selection_school_or_404(call, school_id, user)
    return _pdf(document.report_pdf(call, school), document.report_filename(call, school))


# -- from a selected candidate to a placement abroad ------------------------------------


def _prepare_form(candidate: Candidate, **kwargs) -> PrepareForm:
    form = PrepareForm(**kwargs)
    form.destination.choices = [
        SelectChoice(d.id, f"{d.city} ({d.country})" if d.city else d.country)
        for d in candidate.call.destinations
    ]
    form.coach.choices = [
        SelectChoice(coach.id, coach.name)
        for coach in participants.school_coaches(candidate.school_id)
    ]
    return form


@bp.route("/candidates/<int:candidate_id>/participant", methods=["GET", "POST"])
@login_required
def prepare_participant(candidate_id: int):
    """The school makes a selected candidate ready for matching: destination, coach,
    whether they have fewer opportunities.
    """
    user = _user()
    candidate = policy.candidate_or_404(candidate_id, user)
    if not policy.can_prepare_participant(user, candidate):
        abort(403)
    if request.method == "GET":
        destinations = candidate.call.destinations
        form = _prepare_form(
            candidate,
            formdata=None,
            data={
                "destination": candidate.destination_id
                or (destinations[0].id if len(destinations) == 1 else None),
                "coach": participants.default_coach_id(candidate),
                "fewer_opportunities": candidate.fewer_opportunities,
                "fewer_opportunities_note": candidate.fewer_opportunities_note,
            },
        )
    else:
        form = _prepare_form(candidate)
    if form.validate_on_submit():
        try:
            changed = participants.prepare(
                candidate,
                user,
                participants.Preparation(
                    form.destination.data,
                    form.coach.data,
                    bool(form.fewer_opportunities.data),
                    form.fewer_opportunities_note.data or "",
                ),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("%(name)s is ready for matching.", name=candidate.student.name)
                if changed
                else _("Nothing changed."),
                "success",
            )
            return redirect(url_for(".show_candidate", candidate_id=candidate.id))
    return _form_page("calls/prepare_participant.html", form, candidate=candidate)


@bp.route("/participants/to-match")
@login_required
def list_to_match():
    """The participants ready for matching at the destinations the reader places."""
    user = _user()
    if not policy.sees_participants_to_match(user):
        abort(403)
    pagination = participants.to_match_page(
        policy.to_match_visibility(user),
        page=page_argument(),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template("calls/list_to_match.html", pagination=pagination)


def _place_form(candidate: Candidate, **kwargs) -> PlaceForm:
    form = PlaceForm(**kwargs)
    partner = candidate.destination.host_partner if candidate.destination else None
    form.workplace.choices = [
        SelectChoice(w.id, f"{w.name} ({w.city})" if w.city else w.name)
        for w in matching.partner_workplaces(partner)
    ]
    form.mentor.choices = [
        SelectChoice(c.user.id, f"{c.user.name} ({c.organisation.name})")
        for c in matching.partner_mentors(partner)
    ]
    form.monitor.choices = [
        SelectChoice(c.user.id, c.user.name)
        for c in matching.partner_monitors(partner.id if partner else None)
    ]
    return form


@bp.route("/candidates/<int:candidate_id>/placement", methods=["GET", "POST"])
@login_required
def place_candidate(candidate_id: int):
    """The host partner chooses the host workplace, its mentor and the monitor of a
    participant ready for matching: the placement abroad is created.
    """
    user = _user()
    candidate = policy.candidate_to_place_or_404(candidate_id, user)
    form = (
        _place_form(candidate, formdata=None) if request.method == "GET" else _place_form(candidate)
    )
    if form.validate_on_submit():
        try:
            placement = participants.create_placement(
                candidate,
                user,
                matching.Match(form.workplace.data, form.mentor.data, form.monitor.data),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("The placement of %(name)s is created.", name=candidate.student.name),
                "success",
            )
            if policy.can_view_placement(user, placement):
                return redirect(url_for("placements.match_placement", placement_id=placement.id))
            return redirect(url_for(".list_to_match"))
    return _form_page("calls/place_candidate.html", form, candidate=candidate)


@bp.route("/calls/<int:call_id>/destinations/<int:destination_id>")
@login_required
def show_destination_group(call_id: int, destination_id: int):
    """The group at a destination across schools, as the sending side sees it."""
    user = _user()
    call = policy.call_or_404(call_id, user)
    destination = next((d for d in call.destinations if d.id == destination_id), None)
    if destination is None:
        abort(404)
    group = participants.participants_at(destination)
    full = policy.group_schools(user, call, group)
    if not full:
        abort(403)
    return render_template(
        "calls/show_destination_group.html",
        call=call,
        destination=destination,
        group=group,
        full=full,
        first_name=participants.first_name,
    )


def _overview(call_id: int):
    user = _user()
    call = policy.call_or_404(call_id, user)
    scope = policy.overview_scope(user, call)
    if scope is None:
        abort(403)
    return call, participants.overview(call, scope)


@bp.route("/calls/<int:call_id>/overview")
@login_required
def show_overview(call_id: int):
    """Per school and destination: who is selected, ready, preparing, abroad, closed."""
    call, groups = _overview(call_id)
    return render_template(
        "calls/show_overview.html",
        call=call,
        groups=groups,
        stages=list(participants.Stage),
        today=_today(),
    )


@bp.route("/calls/<int:call_id>/overview.csv")
@login_required
def export_overview(call_id: int):
    call, groups = _overview(call_id)
    return csv_download(participants.overview_csv(call, groups), f"call-{call.id}-participants.csv")
