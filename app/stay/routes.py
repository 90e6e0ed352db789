"""Routes of the stay abroad: its page, the travel blog with its publication consent (and
the page behind a guardian's consent link, which logs nobody in), the published blogs,
the programme, the language goal, and the accompanying teacher's trips.
"""

from __future__ import annotations

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app import audit, dates, guardianlinks, policy
from app.domain import DomainError, StaleEdit
from app.extensions import db, limiter
from app.forms import CsrfForm, GuardianLinkForm, show_error
from app.guardianlinks import LinkProblem
from app.models import (
    Activity,
    BlogConsentLink,
    BlogPost,
    Organisation,
    Placement,
    Skill,
    Trip,
    User,
)
from app.models.columns import utcnow
from app.stay import bp, services
from app.stay.forms import (
    ActivityForm,
    ConsentAnswerForm,
    ConsentForm,
    EditActivityForm,
    EditPostForm,
    LanguageGoalForm,
    ParticipantsForm,
    PostForm,
    ReflectionForm,
    RemoveActivityForm,
    TripForm,
)
from app.stay.tokens import CONSENT
from app.web import emailed_link_limit, emailed_link_refused

STAY = "/placements/<int:placement_id>/stay"


def _user() -> User:
    return current_user._get_current_object()


def _post_or_404(placement: Placement, post_id: int) -> BlogPost:
    post = db.session.get(BlogPost, post_id)
    if post is None or post.placement_id != placement.id:
        abort(404)
    return post


def _upload(field):
    """The name and stream of the file sent in a file field; no stream when none was chosen."""
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return "", None
    return data.filename, data.stream


# -- the stay's page ----------------------------------------------------------------------


@bp.route(STAY)
@login_required
def show_stay(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "stay")
    audit.note_view(user, placement)
    today = dates.today(placement.school)
    blog = policy.reads_blog(user, placement)
    programme = policy.reads_programme(user, placement)
    language = policy.reads_language_goal(user, placement)
    activities = services.activities_of(placement) if programme else []
    return render_template(
        "stay/show_stay.html",
        placement=placement,
        blog=blog,
        posts=len(services.posts_of(placement)) if blog else 0,
        publication=services.publication_of(placement) if blog else None,
        programme=programme,
        activities=activities,
        to_reflect=[a for a in activities if a.day <= today and not a.reflection],
        language=language,
        goal=services.language_goal_of(placement) if language else None,
        can_view_log=policy.can_view_placement_log(user, placement),
    )


# -- the travel blog ----------------------------------------------------------------------


@bp.route(STAY + "/blog", methods=["GET", "POST"])
@login_required
def show_blog(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "blog")
    form = None
    status = 200
    if policy.writes_blog(user, placement):
        # A sent form is read with its files (the default), a new one empty.
        form = PostForm(formdata=None) if request.method == "GET" else PostForm()
        if request.method == "POST":
            if form.validate_on_submit():
                name, stream = _upload(form.photo)
                try:
                    services.write_post(
                        placement, user, form.title.data, form.body.data or "", name, stream
                    )
                except DomainError as error:
                    show_error(form, error)
                else:
                    flash(_("Your post is on your blog."), "success")
                    return redirect(url_for(".show_blog", placement_id=placement.id))
            status = 422
    elif request.method == "POST":
        abort(403)
    audit.note_view(user, placement)
    return _blog_page(placement, user, form, status=status)


def _blog_page(placement: Placement, user: User, form, *, link_form=None, status: int = 200):
    publication = services.publication_of(placement)
    sends_link = policy.can_send_blog_consent_link(user, placement) and publication.minor
    return (
        render_template(
            "stay/show_blog.html",
            placement=placement,
            posts=services.posts_of(placement),
            form=form,
            publication=publication,
            consent_form=ConsentForm(formdata=None) if user.id == placement.student_id else None,
            link_form=link_form or (GuardianLinkForm(formdata=None) if sends_link else None),
            now=utcnow(),
            can_view_log=policy.can_view_placement_log(user, placement),
        ),
        status,
    )


@bp.route(STAY + "/blog/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(placement_id: int, post_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "blog")
    if not policy.writes_blog(user, placement):
        abort(403)
    post = _post_or_404(placement, post_id)
    if post.author_id != user.id:
        abort(403)
    form = EditPostForm(obj=post) if request.method == "GET" else EditPostForm()
    if form.is_submitted() and form.version.data is None:
        abort(400)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            name, stream = _upload(form.photo)
            try:
                services.edit_post(
                    post,
                    user,
                    title=form.title.data,
                    body=form.body.data or "",
                    expected_version=form.version.data,
                    remove_photo=bool(form.remove_photo.data),
                    photo_name=name,
                    photo=stream,
                )
            except DomainError as error:
                show_error(form, error)
            except StaleEdit:
                flash(
                    _(
                        "This post was changed after you opened it. Your changes are below; "
                        "save again to replace what is saved now."
                    ),
                    "error",
                )
                post = _post_or_404(placement, post_id)
                form.version.data = post.version
                status = 409
            else:
                flash(_("Your post is changed."), "success")
                return redirect(
                    url_for(".show_blog", placement_id=placement.id) + f"#post-{post.id}"
                )
    page = render_template(
        "stay/edit_post.html", placement=placement, post=post, form=form, delete_form=CsrfForm()
    )
    return page, status


@bp.route(STAY + "/blog/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(placement_id: int, post_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "blog")
    if not policy.writes_blog(user, placement):
        abort(403)
    post = _post_or_404(placement, post_id)
    if post.author_id != user.id:
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    services.delete_post(post, user)
    flash(_("Your post is deleted."), "success")
    return redirect(url_for(".show_blog", placement_id=placement.id))


@bp.route(STAY + "/blog/<int:post_id>/photo")
@login_required
def show_photo(placement_id: int, post_id: int):
    """A post's photo: for those who read the blog, and for the readers of the published
    blogs while it is published.
    """
    user = _user()
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        abort(404)
    if not policy.reads_blog(user, placement) and not (
        policy.reads_published_blogs_of(user, placement) and services.is_published(placement)
    ):
        abort(404)
    post = _post_or_404(placement, post_id)
    if not post.has_photo:
        abort(404)
    try:
        stored = services.open_photo(post)
    except FileNotFoundError:
        current_app.logger.error("The photo of blog post %d is missing", post.id)
        abort(404)
    return send_file(stored, mimetype=post.content_type, download_name=post.filename)


@bp.route(STAY + "/blog/consent", methods=["POST"])
@login_required
def set_consent(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "blog")
    if user.id != placement.student_id:
        abort(403)
    form = ConsentForm()
    if not form.validate_on_submit() or not (form.give.data or form.withdraw.data):
        abort(400)
    services.set_participant_consent(placement, user, consents=bool(form.give.data))
    if form.give.data:
        flash(_("Thank you: your consent is recorded."), "success")
    else:
        flash(_("Your consent is withdrawn: your blog is no longer published."), "success")
    return redirect(url_for(".show_blog", placement_id=placement.id) + "#publication")


@bp.route(STAY + "/blog/consent-link", methods=["POST"])
@login_required
def send_consent_link(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "blog")
    if not policy.can_send_blog_consent_link(user, placement):
        abort(403)
    form = GuardianLinkForm()
    if form.validate_on_submit():
        try:
            link = services.send_consent_link(
                placement,
                user,
                guardian_name=form.guardian_name.data,
                email=form.email.data,
                language=form.language.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The link is e-mailed to %(name)s.", name=link.guardian_name), "success")
            return redirect(url_for(".show_blog", placement_id=placement.id) + "#publication")
    return _blog_page(placement, user, None, link_form=form, status=422)


@bp.route("/published-blogs")
@login_required
def published_blogs():
    """The published travel blogs: a school's internal page, a promoter's dissemination."""
    user = _user()
    if not policy.can_read_published_blogs(user):
        abort(403)
    return render_template("stay/published_blogs.html", blogs=services.published_blogs(user))


# -- a guardian's consent link ------------------------------------------------------------


# What a guardian whose link does not work can do, as this page says it.
LINK_PROBLEMS = {
    guardianlinks.EXPIRED: _l(
        "A link to answer works for a limited time. Ask %(school)s for a new one."
    ),
    guardianlinks.USED: _l(
        "An answer was given with this link already: it works once. Ask %(school)s for a new "
        "link to change it."
    ),
}


@bp.route("/blog-consent/<token>", methods=["GET", "POST"])
@limiter.limit(emailed_link_limit, deduct_when=emailed_link_refused)
def answer_consent_link(token: str):
    """A parent's or guardian's answer, through the link the school e-mailed them."""
    return guardianlinks.answer_page(CONSENT, token, _consent_answer)


def _consent_answer(link: BlogConsentLink):
    now = utcnow()
    try:
        services.check_consent_link(link, now)
    except LinkProblem as problem:
        return guardianlinks.problem_page(link, problem, LINK_PROBLEMS)
    form = ConsentAnswerForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        return _consent_page(link, form, 200)
    if form.validate_on_submit() and (form.consent.data or form.refuse.data):
        try:
            services.answer_consent_link(
                link, consents=bool(form.consent.data), signed_name=form.signed_name.data, now=now
            )
        except LinkProblem as problem:
            return guardianlinks.problem_page(link, problem, LINK_PROBLEMS)
        return _consent_page(link, None, 200, consents=bool(form.consent.data))
    return _consent_page(link, form, 422)


def _consent_page(link, form, status, consents=None):
    """The question, or (without a form) the thanks for the answer given."""
    placement = link.placement
    return (
        render_template(
            "stay/consent_link.html",
            link=link,
            placement=placement,
            form=form,
            consents=consents,
        ),
        status,
    )


# -- the socio-cultural programme -----------------------------------------------------------


@bp.route(STAY + "/programme", methods=["GET", "POST"])
@login_required
def show_programme(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "programme")
    plans = policy.plans_programme(user, placement)
    form = ActivityForm(formdata=None) if plans else None
    status = 200
    if request.method == "POST":
        if not plans:
            abort(403)
        form = ActivityForm()
        if form.validate_on_submit():
            try:
                services.plan_activity(
                    placement,
                    user,
                    day=form.day.data,
                    title=form.title.data,
                    place=form.place.data or "",
                    description=form.description.data or "",
                )
            except DomainError as error:
                show_error(form, error)
            else:
                flash(_("The activity is in the programme."), "success")
                return redirect(url_for(".show_programme", placement_id=placement.id))
        status = 422
    audit.note_view(user, placement)
    return _programme_page(placement, user, form, status=status)


def _programme_page(placement, user, form, *, failed=None, status=200):
    today = dates.today(placement.school)
    reflects = user.id == placement.student_id
    activities = services.activities_of(placement)
    reflection_forms = {}
    if reflects:
        for activity in activities:
            if activity.day <= today:
                reflection_forms[activity.id] = (
                    failed[1]
                    if failed and failed[0] == activity.id
                    else ReflectionForm(
                        prefix=f"a{activity.id}",
                        formdata=None,
                        data={"reflection": activity.reflection},
                    )
                )
    return (
        render_template(
            "stay/show_programme.html",
            placement=placement,
            activities=activities,
            form=form,
            reflection_forms=reflection_forms,
            plans=policy.plans_programme(user, placement),
            today=today,
            can_view_log=policy.can_view_placement_log(user, placement),
        ),
        status,
    )


def _planned_activity(placement_id: int, activity_id: int) -> tuple[Placement, Activity]:
    """An activity of the programme, for those who plan it (403 for its other readers)."""
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "programme")
    activity = _activity_or_404(placement, activity_id)
    if not policy.plans_programme(user, placement):
        abort(403)
    return placement, activity


def _activity_or_404(placement: Placement, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.placement_id != placement.id:
        abort(404)
    return activity


def _to_programme(placement: Placement, anchor: str = ""):
    return redirect(url_for(".show_programme", placement_id=placement.id) + anchor)


@bp.route(STAY + "/programme/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(placement_id: int, activity_id: int):
    user = _user()
    placement, activity = _planned_activity(placement_id, activity_id)
    form = EditActivityForm(obj=activity) if request.method == "GET" else EditActivityForm()
    if form.is_submitted() and form.version.data is None:
        abort(400)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                changed = services.change_activity(
                    activity,
                    user,
                    day=form.day.data,
                    title=form.title.data,
                    place=form.place.data or "",
                    description=form.description.data or "",
                    expected_version=form.version.data,
                    today=dates.today(placement.school),
                )
            except DomainError as error:
                show_error(form, error)
            except StaleEdit:
                flash(
                    _(
                        "This activity was changed after you opened it (the participant may "
                        "have reflected on it). Your changes are below; save again to replace "
                        "what is saved now."
                    ),
                    "error",
                )
                activity = _activity_or_404(placement, activity_id)
                form.version.data = activity.version
                status = 409
            else:
                flash(
                    _("The activity is changed.") if changed else _("Nothing changed."), "success"
                )
                return _to_programme(placement, f"#activity-{activity.id}")
    page = render_template(
        "stay/edit_activity.html", placement=placement, activity=activity, form=form
    )
    return page, status


@bp.route(STAY + "/programme/<int:activity_id>/remove", methods=["GET", "POST"])
@login_required
def remove_activity(placement_id: int, activity_id: int):
    """A removal is confirmed on its own page, which shows what goes: the activity and the
    participant's reflection on it, if any.
    """
    user = _user()
    placement, activity = _planned_activity(placement_id, activity_id)
    form = RemoveActivityForm()
    version = request.form.get("version", type=int) if request.method == "POST" else None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit() or version is None:
            abort(400)
        status = 422
        try:
            services.remove_activity(
                activity,
                user,
                expected_version=version,
                with_reflection=bool(form.remove_reflection.data),
            )
        except DomainError as error:
            show_error(form, error)
        except StaleEdit:
            flash(
                _(
                    "This activity was changed after you opened this page. Read it again "
                    "before you remove it."
                ),
                "error",
            )
            activity = _activity_or_404(placement, activity_id)
            form.remove_reflection.data = False
            status = 409
        else:
            flash(_("The activity is removed from the programme."), "success")
            return _to_programme(placement)
    page = render_template(
        "stay/remove_activity.html", placement=placement, activity=activity, form=form
    )
    return page, status


@bp.route(STAY + "/programme/<int:activity_id>/reflection", methods=["POST"])
@login_required
def reflect(placement_id: int, activity_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "programme")
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.placement_id != placement.id:
        abort(404)
    if user.id != placement.student_id:
        abort(403)
    form = ReflectionForm(prefix=f"a{activity.id}")
    if form.validate_on_submit():
        try:
            services.reflect(activity, user, form.reflection.data, dates.today(placement.school))
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your reflection is saved."), "success")
            return redirect(
                url_for(".show_programme", placement_id=placement.id) + f"#activity-{activity.id}"
            )
    return _programme_page(placement, user, None, failed=(activity.id, form), status=422)


# -- the language goal -----------------------------------------------------------------------


@bp.route(STAY + "/language", methods=["GET", "POST"])
@login_required
def show_language(placement_id: int):
    user = _user()
    placement = policy.stay_or_404(placement_id, user, "language")
    goal = services.language_goal_of(placement)
    writes = user.id == placement.student_id
    form = None
    status = 200
    if request.method == "POST" and not writes:
        abort(403)
    if writes:
        if request.method == "GET":
            data = {}
            if goal is not None:
                data = {"language": goal.language, "goal": goal.goal, "version": goal.version}
                data.update({f"before_{k}": v for k, v in goal.before.items()})
                data.update({f"after_{k}": v for k, v in goal.after.items()})
            form = LanguageGoalForm(formdata=None, data=data)
        else:
            form = LanguageGoalForm()
            status = 422
            if form.validate_on_submit():
                try:
                    goal = services.save_language_goal(
                        placement,
                        user,
                        language=form.language.data,
                        goal=form.goal.data or "",
                        before={s.value: form[f"before_{s.value}"].data for s in Skill},
                        after={s.value: form[f"after_{s.value}"].data for s in Skill},
                        expected_version=form.version.data,
                    )
                except StaleEdit:
                    flash(
                        _(
                            "Your language goal was changed after you opened it. Your "
                            "changes are below; save again to replace what is saved now."
                        ),
                        "error",
                    )
                    goal = services.language_goal_of(placement)
                    form.version.data = goal.version if goal else None
                    status = 409
                else:
                    flash(_("Your language goal is saved."), "success")
                    return redirect(url_for(".show_language", placement_id=placement.id))
    audit.note_view(user, placement)
    return (
        render_template(
            "stay/show_language.html",
            placement=placement,
            goal=goal,
            form=form,
            skills=list(Skill),
            can_view_log=policy.can_view_placement_log(user, placement),
        ),
        status,
    )


# -- the accompanying teacher's trips -----------------------------------------------------


@bp.route("/trips")
@login_required
def list_trips():
    user = _user()
    if not (policy.can_make_trips(user) or policy.coordinated_school_ids(user) or user.is_admin):
        abort(403)
    trips = db.session.scalars(
        policy.visible_trips(user).order_by(Trip.start_date.desc(), Trip.id.desc())
    )
    return render_template(
        "stay/list_trips.html", trips=list(trips), can_make=policy.can_make_trips(user)
    )


@bp.route("/trips/new", methods=["GET", "POST"])
@login_required
def create_trip():
    user = _user()
    if not policy.can_make_trips(user):
        abort(403)
    schools = policy.trip_school_ids(user)
    form = TripForm()
    form.school.choices = [
        (org.id, org.name)
        for org in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(schools)).order_by(Organisation.name)
        )
    ]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                trip = services.create_trip(
                    user,
                    form.school.data,
                    destination=form.destination.data,
                    start=form.start_date.data,
                    end=form.end_date.data,
                )
            except DomainError as error:
                show_error(form, error)
            else:
                flash(_("The trip is planned: now add the participants you visit."), "success")
                return redirect(url_for(".show_trip", trip_id=trip.id))
    return render_template("stay/create_trip.html", form=form), status


@bp.route("/trips/<int:trip_id>", methods=["GET", "POST"])
@login_required
def show_trip(trip_id: int):
    user = _user()
    trip = policy.trip_or_404(trip_id, user, "edit" if request.method == "POST" else "view")
    candidates = services.candidates_for(trip) if trip.coach_id == user.id else []
    form = ParticipantsForm() if trip.coach_id == user.id else None
    if form is not None:
        form.placements.choices = [(p.id, p.student.name) for p in candidates]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                visits = services.add_participants(trip, user, form.placements.data or [])
            except DomainError as error:
                show_error(form, error)
            else:
                flash(
                    ngettext(
                        "%(num)d visit is planned on this trip.",
                        "%(num)d visits are planned on this trip.",
                        len(visits),
                    ),
                    "success",
                )
                return redirect(url_for(".show_trip", trip_id=trip.id))
    visits = services.trip_visits(trip)
    return (
        render_template(
            "stay/show_trip.html",
            trip=trip,
            visits=visits,
            # The trip's coach opens the visits of the trip and writes their reports.
            opens={v.id for v in visits if policy.reads_visit(user, v.placement, v)},
            candidates=candidates,
            form=form,
        ),
        status,
    )


@bp.app_context_processor
def stay_links() -> dict:
    """Where the Mobility page links to: the trips (coaches, coordinators) and the
    published blogs (coordinators, promoters, admins).
    """

    # Functions, asked only by the page that shows the links: no query on other pages.
    def links_trips() -> bool:
        user = current_user
        return user.is_authenticated and (
            policy.can_make_trips(user) or bool(policy.coordinated_school_ids(user))
        )

    def links_published_blogs() -> bool:
        return current_user.is_authenticated and policy.can_read_published_blogs(current_user)

    return {"links_trips": links_trips, "links_published_blogs": links_published_blogs}
