"""Competence routes: check access through `policy`, read or validate, call a service."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import audit, dates, policy
from app.competences import bp, services
from app.competences.forms import PlanForm, RegistrationForm, RubricForm
from app.competences.services import ACTORS, Judgement, PlanChoice
from app.content.services import content_library, localised, text_colour_on, training_library
from app.domain import DomainError, StaleEdit
from app.forms import show_error
from app.models import Placement, Setting, User
from app.spreadsheets import csv_download
from app.training.services import suggestion


def _user() -> User:
    return current_user._get_current_object()


def _readable(placement_id: int) -> Placement:
    """The placement whose log the user reads; a reader from outside the trio is noted
    in the audit trail (recorded once the page is served).
    """
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    return placement


def _writable(placement_id: int) -> Placement:
    placement = _readable(placement_id)
    if not policy.can_write_log(_user(), placement):
        abort(403)
    return placement


def _framework_or_404(placement: Placement):
    framework = services.framework_of(placement)
    if framework is None:
        abort(404)
    return framework


# Under a level in a matrix cell about 3 rem wide: one short word each.
SETTING_SHORT = {
    Setting.SCHOOL: _l("school"),
    Setting.WORKPLACE: _l("work"),
    Setting.BOTH: _l("both"),
}


@bp.context_processor
def _competence_context() -> dict:
    return {"actors": ACTORS, "setting_short": SETTING_SHORT, "differ": services.differ}


# How many divergent indicators make the feedback module worth suggesting.
SEVERAL = 2


def _suggested(user: User, placement: Placement, moment: str):
    """A training module for the mentor at this moment of the follow-up (else None)."""
    if user.id != placement.mentor_id:
        return None
    return suggestion(user, moment, training_library(), str(get_locale()))


def _level_labels(levels) -> dict[int, str]:
    return {level.value: f"{level.value} · {localised(level.label)}" for level in levels}


# -- the matrix -------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/matrix")
@login_required
def show_matrix(placement_id: int):
    user = _user()
    placement = _readable(placement_id)
    framework = services.framework_of(placement)
    only_divergent = request.args.get("divergent") == "1"
    matrix = (
        services.build_matrix(placement, framework, only_divergent=only_divergent)
        if framework
        else None
    )
    return render_template(
        "competences/show_matrix.html",
        placement=placement,
        framework=framework,
        matrix=matrix,
        only_divergent=only_divergent,
        can_register=policy.can_write_log(user, placement),
        suggested=_suggested(user, placement, "divergence")
        if matrix and matrix.divergent_count >= SEVERAL
        else None,
        level_labels=_level_labels(framework.scale) if framework else {},
    )


@bp.route("/placements/<int:placement_id>/competences/<competence_id>")
@login_required
def show_evolution(placement_id: int, competence_id: str):
    placement = _readable(placement_id)
    framework = _framework_or_404(placement)
    competence = services.find_competence(framework, competence_id)
    if competence is None:
        abort(404)
    history = services.registration_history(placement, competence)
    lines = services.evolution(history, competence)
    return render_template(
        "competences/show_evolution.html",
        placement=placement,
        framework=framework,
        competence=competence,
        history=history,
        lines=lines,
        chart=services.evolution_chart(
            lines,
            [level.value for level in framework.scale],
            placement.start_date,
            min(placement.end_date, dates.today(placement.school)),
        ),
        indicator_texts={i.id: localised(i.text) for i in competence.indicators},
    )


# -- registering ------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/register", methods=["GET", "POST"])
@login_required
def register_indicators(placement_id: int):
    user = _user()
    placement = _writable(placement_id)
    framework = _framework_or_404(placement)
    competences = framework.competences
    competence = services.find_competence(
        framework, request.args.get("competence", competences[0].id)
    )
    if competence is None:
        abort(404)
    actor = policy.actor_in(user, placement)
    latest = services.latest_registrations(placement)
    position = competences.index(competence)
    following = competences[position + 1] if position + 1 < len(competences) else None
    if request.method == "POST":
        form = RegistrationForm(levels=framework.scale)
    else:
        form = RegistrationForm(
            levels=framework.scale,
            data={
                "judgements": _current_judgements(
                    competence, latest, actor, services.preset_setting(actor)
                )
            },
        )
    status = 200
    conflict = False
    if form.validate_on_submit():
        try:
            count = services.register(
                placement,
                user,
                competence,
                [
                    Judgement(
                        indicator_id=entry.indicator.data or "",
                        setting=entry.setting.data,
                        level=entry.level.data,
                        note=entry.note.data or "",
                        based_on=entry.based_on.data or 0,
                    )
                    for entry in form.judgements
                ],
            )
        except DomainError as error:
            _show_judgement_error(form, error)
            status = 422
        except StaleEdit:
            # Keep the choices; point the form at what is saved now, so saving again
            # knowingly records them.
            latest = services.latest_registrations(placement)
            for entry in form.judgements:
                previous = latest.get((actor, entry.indicator.data))
                entry.based_on.data = previous.id if previous else 0
            conflict = True
            status = 409
        else:
            flash(
                ngettext("%(num)d indicator registered.", "%(num)d indicators registered.", count)
                if count
                else _("Nothing changed."),
                "success",
            )
            if following is not None and "next" in request.form:
                return redirect(
                    url_for(
                        ".register_indicators", placement_id=placement.id, competence=following.id
                    )
                )
            return redirect(url_for(".show_matrix", placement_id=placement.id))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "competences/register_indicators.html",
            placement=placement,
            framework=framework,
            competence=competence,
            position=position,
            following=following,
            form=form,
            indicators={i.id: i for i in competence.indicators},
            latest=latest,
            actor=actor,
            preset=services.preset_setting(actor),
            conflict=conflict,
            level_labels=_level_labels(framework.scale),
            suggested=_suggested(user, placement, "first_registration")
            if not any(key[0] == actor for key in latest)
            else None,
        ),
        status,
    )


def _current_judgements(competence, latest, actor, preset) -> list[dict]:
    """The form as the actor left it; an indicator they never registered starts on the
    place chosen beforehand for them (`preset`, the workplace for a mentor), so a phone
    needs one tap per indicator: the level.
    """
    judgements = []
    for indicator in competence.indicators:
        previous = latest.get((actor, indicator.id))
        judgements.append(
            {
                "indicator": indicator.id,
                "based_on": previous.id if previous else 0,
                "setting": previous.setting if previous else preset,
                "level": previous.level if previous else None,
                "note": previous.note if previous else "",
            }
        )
    return judgements


def _show_judgement_error(form, error: DomainError) -> None:
    """Put the message next to the field it is about: an indicator's place or level."""
    indicator_id, _dot, field_name = error.field.partition(".")
    for entry in form.judgements:
        if entry.indicator.data == indicator_id:
            target = entry.setting if field_name == "setting" else entry.level
            target.errors = [*target.errors, str(error.message)]
            return
    show_error(None, error)


# -- the soft-skill rubric --------------------------------------------------------------


def _rubric_or_404(placement: Placement):
    rubric = services.rubric_of(placement)
    if rubric is None:
        abort(404)
    return rubric


@bp.route("/placements/<int:placement_id>/soft-skills")
@login_required
def compare_rubric(placement_id: int):
    user = _user()
    placement = _readable(placement_id)
    rubric = _rubric_or_404(placement)
    return render_template(
        "competences/compare_rubric.html",
        placement=placement,
        rubric=rubric,
        latest=services.latest_scores(placement),
        threshold=services.divergence_threshold(placement),
        can_score=policy.can_write_log(user, placement),
    )


@bp.route("/placements/<int:placement_id>/soft-skills/score", methods=["GET", "POST"])
@login_required
def score_rubric(placement_id: int):
    user = _user()
    placement = _writable(placement_id)
    rubric = _rubric_or_404(placement)
    actor = policy.actor_in(user, placement)
    latest = services.latest_scores(placement)
    if request.method == "POST":
        form = RubricForm(levels=rubric.levels)
    else:
        form = RubricForm(
            levels=rubric.levels,
            data={
                "scores": [_current_score(c.id, latest.get((actor, c.id))) for c in rubric.criteria]
            },
        )
    status = 200
    conflict = False
    if form.validate_on_submit():
        try:
            count = services.score_rubric(
                placement,
                user,
                {entry.criterion.data or "": entry.level.data for entry in form.scores},
                {entry.criterion.data or "": entry.note.data or "" for entry in form.scores},
                {entry.criterion.data or "": entry.based_on.data or 0 for entry in form.scores},
            )
        except DomainError as error:
            show_error(None, error)
            status = 422
        except StaleEdit:
            latest = services.latest_scores(placement)
            for entry in form.scores:
                previous = latest.get((actor, entry.criterion.data))
                entry.based_on.data = previous.id if previous else 0
            conflict = True
            status = 409
        else:
            flash(
                ngettext("%(num)d criterion scored.", "%(num)d criteria scored.", count)
                if count
                else _("Nothing changed."),
                "success",
            )
            return redirect(url_for(".compare_rubric", placement_id=placement.id))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "competences/score_rubric.html",
            placement=placement,
            rubric=rubric,
            form=form,
            criteria={criterion.id: criterion for criterion in rubric.criteria},
            conflict=conflict,
        ),
        status,
    )


def _current_score(criterion_id: str, previous) -> dict:
    return {
        "criterion": criterion_id,
        "based_on": previous.id if previous else 0,
        "level": previous.level if previous else None,
        "note": previous.note if previous else "",
    }


# -- the training plan ------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/plan", methods=["GET", "POST"])
@login_required
def edit_plan(placement_id: int):
    user = _user()
    placement = _readable(placement_id)
    framework = _framework_or_404(placement)
    can_edit = policy.can_edit_training_plan(user, placement)
    if request.method == "POST" and not can_edit:
        abort(403)
    items = services.plan_items(placement)
    if request.method == "POST":
        form = PlanForm()
    else:
        form = PlanForm(
            data={
                "rows": [
                    {
                        "competence": competence.id,
                        "version": items[competence.id].version if competence.id in items else None,
                        "setting": items[competence.id].setting if competence.id in items else None,
                        "period": items[competence.id].period if competence.id in items else "",
                    }
                    for competence in framework.competences
                ]
            }
        )
    status = 200
    conflict = False
    if can_edit and form.validate_on_submit():
        try:
            services.save_plan(
                placement,
                user,
                [
                    PlanChoice(
                        competence_id=row.competence.data or "",
                        setting=row.setting.data,
                        period=row.period.data or "",
                        version=row.version.data,
                    )
                    for row in form.rows
                ],
            )
        except DomainError as error:
            show_error(None, error)
            status = 422
        except StaleEdit:
            items = services.plan_items(placement)
            for row in form.rows:
                item = items.get(row.competence.data)
                row.version.data = item.version if item else None
            conflict = True
            status = 409
        else:
            flash(_("Training plan saved."), "success")
            return redirect(url_for(".show_matrix", placement_id=placement.id))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "competences/edit_plan.html",
            placement=placement,
            framework=framework,
            form=form,
            competences={c.id: c for c in framework.competences},
            items=items,
            can_edit=can_edit,
            conflict=conflict,
        ),
        status,
    )


# -- exports and the scale colours ------------------------------------------------------


@bp.route("/placements/<int:placement_id>/registrations.csv")
@login_required
def export_registrations(placement_id: int):
    placement = _readable(placement_id)
    return csv_download(services.registrations_csv(placement), f"registrations-{placement.id}.csv")


@bp.route("/content/scales.css")
def show_scale_stylesheet():
    """The colours of every framework's scale and rubric's levels, as CSS classes.

    Colours belong to the content files; the content security policy forbids inline
    styles, so they arrive as a stylesheet of `.scale-<content id>-<value>` classes.
    """
    library = content_library()
    rules = []
    for content_id, levels in [
        *((f.id, f.scale) for f in library.frameworks.values()),
        *((r.id, r.levels) for r in library.rubrics.values()),
    ]:
        for level in levels:
            rules.append(
                f".scale-{content_id}-{level.value} {{ background: {level.colour}; "
                f"color: {text_colour_on(level.colour)}; }}"
            )
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers=_CACHE)


_CACHE = {"Cache-Control": "public, max-age=3600"}
