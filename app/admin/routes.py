"""Administration routes: thin wrappers that check access, validate forms and call services."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app import dates, policy
from app.admin import bp, imports, services
from app.admin.forms import (
    ConfirmImportForm,
    ImportForm,
    InviteForm,
    OrganisationForm,
    PersonForm,
    PlacementForm,
    SchoolSettingsForm,
)
from app.auth import second_factor
from app.content.services import content_library, localised
from app.domain import DomainError
from app.extensions import db
from app.forms import CsrfForm, RecordRequestForm, show_error
from app.mailer import MAIL_ERRORS
from app.models import (
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from app.models.people import normalise_email
from app.privacy import services as privacy
from app.scheduling.runs import job_statuses
from app.spreadsheets import SpreadsheetWriter, csv_download
from app.web import page_argument, safe_next


def _actor() -> User:
    return current_user._get_current_object()


def _saved_message(changed: bool) -> str:
    return _("The changes are saved.") if changed else _("Nothing changed.")


@bp.route("/")
def index():
    actor = _actor()
    privacy_open, privacy_overdue = privacy.count_open(actor, dates.today())
    return render_template(
        "admin/index.html",
        schools=services.schools_for(actor),
        can_view_jobs=policy.can_view_jobs(actor),
        privacy_open=privacy_open,
        privacy_overdue=privacy_overdue,
        **services.dashboard_counts(actor),
    )


# -- organisations ----------------------------------------------------------------------


@bp.route("/organisations")
def list_organisations():
    actor = _actor()
    pagination = db.paginate(
        policy.visible_organisations(actor).order_by(Organisation.kind, Organisation.name),
        page=page_argument(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("admin/list_organisations.html", pagination=pagination)


@bp.route("/organisations/new", methods=["GET", "POST"])
def create_organisation():
    actor = _actor()
    form = OrganisationForm(kinds=policy.creatable_organisation_kinds(actor))
    schools = services.schools_for(actor)
    choices = [SelectChoice(school.id, school.name) for school in schools]
    if actor.is_admin:
        choices.insert(0, SelectChoice(0, _("None yet")))
    form.partner_school.choices = choices
    if len(schools) == 1 and not actor.is_admin:
        del form.partner_school  # a coordinator of one school: it is that school
    if form.validate_on_submit():
        school_id = form.partner_school.data if form.partner_school else schools[0].id
        organisation = services.create_organisation(
            actor,
            name=form.name.data,
            kind=OrganisationKind(form.kind.data),
            city=form.city.data or "",
            country=form.country.data,
            partner_school=next((s for s in schools if s.id == school_id), None),
        )
        flash(_("%(name)s is added.", name=organisation.name), "success")
        return redirect(url_for("admin.edit_organisation", organisation_id=organisation.id))
    return render_template("admin/create_organisation.html", form=form)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int):
    actor = _actor()
    organisation = policy.organisation_or_404(organisation_id, actor)
    form = OrganisationForm(obj=organisation, kinds=(organisation.kind,))
    del form.partner_school  # partnerships are made with the organisation, not edited here
    if request.method == "POST":
        organisation = policy.organisation_or_404(organisation_id, actor, action="edit")
        if form.validate_on_submit():
            changed = services.update_organisation(
                actor,
                organisation,
                name=form.name.data,
                city=form.city.data or "",
                country=form.country.data,
            )
            flash(_saved_message(changed), "success")
            return redirect(url_for("admin.edit_organisation", organisation_id=organisation.id))
    memberships = db.paginate(
        services.members_of(organisation),
        page=page_argument(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "admin/edit_organisation.html",
        organisation=organisation,
        form=form,
        memberships=memberships,
        can_edit=policy.can_edit_organisation(actor, organisation),
    )


@bp.route("/organisations/<int:organisation_id>/settings", methods=["GET", "POST"])
def edit_school_settings(organisation_id: int):
    actor = _actor()
    school = policy.school_or_404(organisation_id, actor)
    form = SchoolSettingsForm(obj=services.school_settings(school))
    if form.validate_on_submit():
        services.save_school_settings(
            actor, school, {name: form[name].data for name in services.SCHOOL_SETTINGS}
        )
        flash(_("The settings of %(school)s are saved.", school=school.name), "success")
        return redirect(url_for("admin.edit_organisation", organisation_id=school.id))
    return render_template("admin/edit_school_settings.html", school=school, form=form)


# -- people -----------------------------------------------------------------------------


@bp.route("/people")
def list_users():
    actor = _actor()
    q = request.args.get("q", "")[:100]
    query = policy.visible_users(actor).options(selectinload(User.memberships))
    if q.strip():
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    pagination = db.paginate(
        query.order_by(User.name),
        page=page_argument(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "admin/list_users.html",
        pagination=pagination,
        q=q,
        shown_organisations=services.administered_organisation_ids(actor),
        invitations=services.pending_invitations(actor),
        now=utcnow(),
    )


@bp.route("/people/invite", methods=["GET", "POST"])
def invite_user():
    actor = _actor()
    form = InviteForm(roles=policy.invitable_roles(actor))
    organisations = db.session.scalars(
        policy.visible_organisations(actor).order_by(Organisation.name)
    ).all()
    form.organisation.choices = [
        SelectChoice(o.id, f"{o.name} ({o.kind.label})") for o in organisations
    ]
    if request.method == "GET" and request.args.get("organisation", type=int):
        form.organisation.data = request.args.get("organisation", type=int)
    if form.validate_on_submit():
        organisation = policy.organisation_or_404(form.organisation.data, actor)
        email = normalise_email(form.email.data)
        # The same words whether the address is new, one of ours or someone else's.
        try:
            services.invite_user(
                actor,
                email=email,
                name=form.name.data,
                role=Role(form.role.data),
                organisation=organisation,
            )
        except DomainError as error:
            show_error(form, error)
        except MAIL_ERRORS:
            current_app.logger.exception("Invitation e-mail failed")
            flash(
                _(
                    "The invitation is saved, but the e-mail to %(email)s could not be "
                    "sent. Invite them again later.",
                    email=email,
                ),
                "error",
            )
            return redirect(url_for("admin.list_users"))
        else:
            flash(_("An invitation is on its way to %(email)s.", email=email), "success")
            return redirect(url_for("admin.list_users"))
    return render_template("admin/invite_user.html", form=form)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    if request.method == "POST" and not policy.can_edit_person_details(actor, person):
        abort(403)  # nothing on this page is theirs to change (see the policy)
    form = _person_form(actor, person)
    if form is not None and form.validate_on_submit():
        try:
            changed = services.update_person(
                actor,
                person,
                name=form.name.data,
                email=form.email.data if form.email else None,
                active=form.active.data if form.active else person.active,
                birth_date=form.birth_date.data if form.birth_date else person.birth_date,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_saved_message(changed), "success")
            return redirect(url_for("admin.edit_user", user_id=person.id))
    return _render_person(actor, person, form)


def _person_form(actor: User, person: User) -> PersonForm | None:
    """The fields of `person` the actor may change; None when there are none (another
    organisation's person: see policy.can_edit_person_details).
    """
    if not policy.can_edit_person_details(actor, person):
        return None
    form = PersonForm(obj=person)
    if not actor.is_admin:
        del form.active  # only admins switch a whole account off
    if not policy.can_change_email(actor, person):
        del form.email  # the address is the account: see policy.can_change_email
    if not policy.sees_birth_date(actor, person):
        del form.birth_date  # kept for students only (data minimisation)
    return form


def _render_person(actor: User, person: User, form: PersonForm | None, membership_error: str = ""):
    shown = services.memberships_shown_to(actor, person.memberships)
    return render_template(
        "admin/edit_user.html",
        person=person,
        form=form,
        shows_birth_date=policy.sees_birth_date(actor, person),
        memberships=shown,
        removable={m.id for m in shown if policy.can_remove_membership(actor, m)},
        membership_error=membership_error,
        can_export=policy.can_export_person(actor, person) and actor.id != person.id,
        request_form=RecordRequestForm(),
        can_reset_second_factor=policy.can_reset_second_factor(actor, person),
    )


@bp.route("/people/<int:user_id>/second-factor/reset", methods=["POST"])
def reset_second_factor(user_id: int):
    """A lost phone: the person sets up a new second factor at their next login."""
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    if not policy.can_reset_second_factor(actor, person):
        abort(403)
    if CsrfForm().validate_on_submit():
        second_factor.reset(actor, person)
        flash(
            _(
                "The second factor of %(name)s is removed and they are logged out. At their "
                "next login they set up a new one.",
                name=person.name,
            ),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=person.id))


@bp.route("/people/<int:user_id>/memberships/<int:membership_id>/delete", methods=["POST"])
def remove_membership(user_id: int, membership_id: int):
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    membership = next((m for m in person.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    if not policy.can_remove_membership(actor, membership):
        abort(403)
    if CsrfForm().validate_on_submit():
        try:
            services.remove_membership(actor, membership)
        except DomainError as error:
            return _render_person(
                actor, person, _person_form(actor, person), membership_error=str(error.message)
            )
        flash(_("The role is removed."), "success")
    return redirect(url_for("admin.edit_user", user_id=person.id))


@bp.route("/people/<int:user_id>/invitation", methods=["POST"])
def resend_invitation(user_id: int):
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            services.resend_invitation(actor, person)
        except DomainError as error:
            show_error(None, error)
        except MAIL_ERRORS:
            current_app.logger.exception("Invitation e-mail failed")
            flash(_("The e-mail could not be sent. Try again later."), "error")
        else:
            flash(_("An invitation is on its way to %(email)s.", email=person.email), "success")
    return redirect(safe_next(request.form.get("next"), default="admin.list_users"))


# -- placements -------------------------------------------------------------------------


def _fill_placement_choices(form: PlacementForm, actor: User) -> None:
    schools = services.schools_for(actor)
    school_ids = {school.id for school in schools}
    workplaces = services.workplaces_for(actor)
    workplace_ids = {workplace.id for workplace in workplaces}
    form.school.choices = [SelectChoice(s.id, s.name) for s in schools]
    form.workplace.choices = [
        SelectChoice(w.id, f"{w.name} ({w.city})" if w.city else w.name) for w in workplaces
    ]
    form.student.choices = [
        SelectChoice(u.id, f"{u.name} — {u.email}")
        for u in services.members(school_ids, Role.STUDENT)
    ]
    form.coach.choices = [
        SelectChoice(u.id, u.name) for u in services.members(school_ids, Role.COACH)
    ]
    library = content_library()
    none = SelectChoice("", _("None yet"))
    form.framework.choices = [none] + [
        SelectChoice(f.id, localised(f.title)) for f in library.frameworks.values()
    ]
    form.rubric.choices = [none] + [
        SelectChoice(r.id, localised(r.title)) for r in library.rubrics.values()
    ]
    form.mentor.choices = [
        SelectChoice(u.id, f"{u.name} — {_mentor_workplaces(u, workplace_ids)}")
        for u in services.members(workplace_ids, Role.MENTOR)
    ]


def _mentor_workplaces(mentor: User, workplace_ids: set[int]) -> str:
    return ", ".join(
        m.organisation.name
        for m in mentor.memberships
        if m.role == Role.MENTOR and m.organisation_id in workplace_ids
    )


def _placement_fields(placement: Placement) -> dict:
    """What the placement form shows for a stored placement."""
    return {
        "school": placement.school_id,
        "student": placement.student_id,
        "workplace": placement.workplace_id,
        "mentor": placement.mentor_id,
        "coach": placement.coach_id,
        "kind": placement.kind.value,
        "programme": placement.programme,
        "cohort": placement.cohort,
        "start_date": placement.start_date,
        "end_date": placement.end_date,
        "status": placement.status.value,
        "framework": placement.framework_id or "",
        "rubric": placement.rubric_id or "",
        "notes": placement.notes,
    }


def _placement_data(form: PlacementForm) -> services.PlacementData:
    return services.PlacementData(
        student=db.session.get(User, form.student.data),
        school=db.session.get(Organisation, form.school.data),
        workplace=db.session.get(Organisation, form.workplace.data),
        mentor=db.session.get(User, form.mentor.data),
        coach=db.session.get(User, form.coach.data),
        kind=PlacementKind(form.kind.data),
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        status=PlacementStatus(form.status.data),
        notes=form.notes.data or "",
        programme=form.programme.data or "",
        cohort=form.cohort.data or "",
        framework=content_library().frameworks.get(form.framework.data),
        rubric=content_library().rubrics.get(form.rubric.data),
    )


@bp.route("/placements/new", methods=["GET", "POST"])
def create_placement():
    actor = _actor()
    form = PlacementForm()
    _fill_placement_choices(form, actor)
    if form.validate_on_submit():
        try:
            placement = services.create_placement(actor, _placement_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The placement is created."), "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return render_template("admin/edit_placement.html", form=form, placement=None)


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
def edit_placement(placement_id: int):
    actor = _actor()
    placement = policy.placement_or_404(placement_id, actor, action="manage")
    # The form is filled with ids, not with the placement: its attributes `school`,
    # `student`… are objects, which match no option, so nothing would be preselected
    # and saving would hand the placement to the first student of the list.
    form = PlacementForm(data=None if request.method == "POST" else _placement_fields(placement))
    _fill_placement_choices(form, actor)
    if form.validate_on_submit():
        try:
            changed = services.update_placement(actor, placement, _placement_data(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_saved_message(changed), "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return render_template("admin/edit_placement.html", form=form, placement=placement)


# -- CSV import -------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_placements():
    actor = _actor()
    form = ImportForm()
    form.school.choices = [SelectChoice(s.id, s.name) for s in services.schools_for(actor)]
    if form.validate_on_submit():
        school = policy.school_or_404(form.school.data, actor)
        try:
            text = imports.decode(form.file.data.read())
        except ValueError as error:
            form.file.errors.append(str(error))
        else:
            pending = imports.keep_upload(actor, school, text)
            # The preview is a page of its own: Back never sends the file again.
            return redirect(url_for(".preview_import", import_id=pending.id), code=303)
    dutch = str(get_locale()) == "nl"
    return render_template(
        "admin/import_placements.html",
        form=form,
        columns=imports.column_names(dutch),
        example=imports.template_rows(dutch, dates.today())[1],
        kinds=[(kind, imports.kind_code(kind, dutch)) for kind in PlacementKind],
        dutch_columns=imports.DUTCH_COLUMNS,
        dutch=dutch,
    )


@bp.route("/import/template.csv")
def download_import_template():
    """A file to fill in: the columns in the interface's language and one example row."""
    dutch = str(get_locale()) == "nl"
    writer = SpreadsheetWriter()
    for row in imports.template_rows(dutch, dates.today()):
        writer.writerow(row)
    name = "import-leerlingen.csv" if dutch else "import-students.csv"
    return csv_download(writer.document(), name)


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
def preview_import(import_id: int):
    actor = _actor()
    pending = policy.pending_import_or_404(import_id, actor)
    school = db.session.get(Organisation, pending.school_id)
    if pending.imported_at is not None:
        return render_template("admin/preview_import.html", pending=pending, school=school)
    preview = imports.preview_import(actor, school, pending.content)
    confirm = ConfirmImportForm()
    if not (confirm.validate_on_submit() and preview.is_clean):
        return render_template(
            "admin/preview_import.html",
            pending=pending,
            preview=preview,
            school=school,
            confirm=confirm,
        )
    try:
        students, placements = imports.apply_import(
            actor, pending, preview, invite=confirm.invite.data
        )
    except imports.AlreadyImported:
        return redirect(url_for(".preview_import", import_id=pending.id), code=303)
    except MAIL_ERRORS:
        current_app.logger.exception("Invitation e-mail failed during import")
        flash(
            _(
                "The import is saved, but not every invitation could be sent. "
                "Send them again from the list of people."
            ),
            "error",
        )
        return redirect(url_for("placements.index"), code=303)
    flash(
        _(
            "Imported: %(students)s and %(placements)s.",
            students=ngettext("%(num)d new student", "%(num)d new students", students),
            placements=ngettext("%(num)d placement", "%(num)d placements", placements),
        ),
        "success",
    )
    return redirect(url_for("placements.index"), code=303)


# -- scheduled jobs ---------------------------------------------------------------------


@bp.route("/jobs")
def list_jobs():
    if not policy.can_view_jobs(_actor()):
        abort(403)
    # The scheduler runs in its own process: this page only reads its runs and works out
    # the next ones from the same configuration.
    statuses = job_statuses(utcnow(), current_app.config["SCHEDULES"])
    return render_template(
        "admin/list_jobs.html",
        statuses=statuses,
        troubled=[status for status in statuses if status.late or status.stuck],
        failed=[status for status in statuses if status.failed],
    )
