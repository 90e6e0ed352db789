"""An edit form saved unchanged changes nothing.

Every form that shows what is stored (a placement, a person, an organisation, a school's
settings, a draft, a goal, a visit, a report, the levels a person registered) is opened
by each person allowed to use it and submitted exactly as a browser sends it: every
preselected option, every hidden field, every ticked box, nothing typed. Afterwards
every row of every table is as it was. A select that preselects nothing sends its first
option, so a form that fails to preselect hands a placement to another student; a date
left out of the form clears it.

Every POST endpoint is either such an edit form, tested here for each role that uses it,
or named in NOT_EDIT_FORMS with the reason: a new edit form fails the suite until it is
tested here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.competences import services as competences
from app.content.services import training_library
from app.extensions import db
from app.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    Placement,
    PlacementStatus,
    Role,
    Setting,
    User,
)
from app.training import services as training
from app.visits import services as visits
from tests.browser import read_page_form
from tests.conftest import PASSWORD_HASH, monday, write_entry
from tests.test_fuzz import fuzz_world

PLACEMENT_A = "/placements/{placement_a}"


@dataclass(frozen=True)
class EditForm:
    """An edit form: where it posts, and the people who open it there."""

    endpoint: str
    path: str  # formatted with the ids of the world
    roles: tuple[str, ...]
    page: str | None = None  # the page showing the form (default: `path`)

    def cases(self):
        for role in self.roles:
            yield pytest.param(self, role, id=f"{self.endpoint} as {role}")


EDIT_FORMS = [
    EditForm("calls.edit_call", "/calls/{call_a}/edit", ("promoter", "admin")),
    EditForm("calls.edit_cv", "/candidates/{candidate_a}/cv", ("student_a",)),
    EditForm("calls.score_candidate", "/candidates/{candidate_a}/scores", ("coach_a",)),
    EditForm(
        "calls.decide",
        "/candidates/{candidate_a}/decision",
        ("coordinator_a",),
        page="/candidates/{candidate_a}",
    ),
    EditForm("calls.edit_report", "/calls/{call_a}/schools/{school_a}/report", ("coordinator_a",)),
    EditForm(
        "calls.prepare_participant",
        "/candidates/{candidate_a}/participant",
        ("coordinator_a", "promoter"),
    ),
    EditForm(
        "mobility.set_deadline",
        "/placements/{placement_m}/mobility-file/cv_expectations/deadline",
        ("coach_a", "coordinator_a"),
        page="/placements/{placement_m}/mobility-file",
    ),
    EditForm(
        "admin.edit_placement", "/admin/placements/{placement_a}/edit", ("coordinator_a", "admin")
    ),
    EditForm("admin.edit_user", "/admin/people/{student_a}", ("coordinator_a", "admin")),
    EditForm("admin.edit_user", "/admin/people/{coach_a}", ("coordinator_a", "admin")),
    EditForm("admin.edit_user", "/admin/people/{mentor_x}", ("coordinator_a", "admin")),
    EditForm(
        "admin.edit_organisation", "/admin/organisations/{company_x}", ("coordinator_a", "admin")
    ),
    EditForm(
        "admin.edit_organisation", "/admin/organisations/{school_a}", ("coordinator_a", "admin")
    ),
    EditForm(
        "admin.edit_school_settings",
        "/admin/organisations/{school_a}/settings",
        ("coordinator_a", "admin"),
    ),
    EditForm(
        "privacy.edit_school_privacy",
        "/privacy/schools/{school_a}/settings",
        ("coordinator_a", "admin"),
    ),
    EditForm(
        "auth.edit_account",
        "/account",
        ("student_a", "mentor_x", "coach_a", "coordinator_a", "company_coordinator_x", "admin"),
    ),
    EditForm("followup.edit_entry", PLACEMENT_A + "/log/{draft_a}/edit", ("student_a",)),
    EditForm("followup.edit_entry", PLACEMENT_A + "/log/{feedback_draft_a}/edit", ("mentor_x",)),
    EditForm("followup.edit_entry", PLACEMENT_A + "/log/{scored_week_a}/edit", ("student_a",)),
    EditForm("followup.edit_entry", PLACEMENT_A + "/log/{coach_note_a}/edit", ("coach_a",)),
    EditForm(
        "competences.register_indicators",
        PLACEMENT_A + "/register",
        ("student_a", "mentor_x", "coach_a"),
    ),
    EditForm(
        "competences.score_rubric",
        PLACEMENT_A + "/soft-skills/score",
        ("student_a", "mentor_x", "coach_a"),
    ),
    EditForm("competences.edit_plan", PLACEMENT_A + "/plan", ("coach_a",)),
    # before the stay: the school drafts placement M's training plan
    EditForm("competences.edit_plan", "/placements/{placement_m}/plan", ("coach_a",)),
    EditForm(
        "placements.match_placement", "/placements/{placement_m}/matching", ("host_coordinator",)
    ),
    EditForm(
        "plans.edit_goal",
        PLACEMENT_A + "/development-plan/goals/{goal_a}/edit",
        ("student_a",),
    ),
    EditForm("visits.edit_visit", PLACEMENT_A + "/visits/{visit_a}/edit", ("coach_a",)),
    EditForm("visits.write_report", PLACEMENT_A + "/visits/{report_visit_a}/report", ("coach_a",)),
    EditForm(
        "training.save_reflection",
        "/training/modules/feedback-that-lands/reflection",
        ("mentor_x",),
        page="/training/modules/feedback-that-lands",
    ),
    EditForm(
        "training.edit_mentor_record", "/training/mentors/{mentor_x}", ("coordinator_a", "admin")
    ),
    # the participant's draft stage report of a stay abroad that ended
    EditForm("closing.edit_report", "/placements/{closing_m}/closing/report", ("student_a",)),
    EditForm("stay.edit_post", "/placements/{closing_m}/stay/blog/{post_m}/edit", ("student_a",)),
    EditForm("stay.show_language", "/placements/{closing_m}/stay/language", ("student_a",)),
    EditForm(
        "stay.edit_activity",
        "/placements/{closing_m}/stay/programme/{activity_m}/edit",
        ("monitor", "host_coordinator"),
    ),
    EditForm(
        "agreements.edit_agreement",
        "/placements/{placement_m}/learning-agreement/edit",
        ("coach_a", "coordinator_a", "admin"),
    ),
]

# POST endpoints that are not edit forms, with the reason: each creates, sends, decides
# or removes something, so submitting it is meant to change the database.
NOT_EDIT_FORMS: dict[str, str] = {
    **dict.fromkeys(
        (
            "admin.create_organisation",
            "admin.create_placement",
            "admin.invite_user",
            "admin.import_placements",
            "admin.preview_import",
            "followup.create_entry",
            "followup.create_attachment",
            "followup.create_comment",
            "plans.create_goal",
            "plans.create_action",
            "plans.create_goal_comment",
            "plans.create_template",
            "plans.link_evidence",
            "visits.plan_visit",
            "visits.comment_on_visit",
            "visits.amend_visit",
            "training.share_practice",
            "training.recommend_module",
            "privacy.record_request",
            "placements.record_guardian_approval",
            "calls.manage_consortium",
            "calls.create_call",
            "calls.register_candidate",
            "calls.place_candidate",
            "stay.show_blog",
            "stay.send_consent_link",
            "stay.show_programme",
            "stay.reflect",
            "stay.create_trip",
            "stay.show_trip",
            "placements.create_host_workplace",
            "placements.add_lodging",
            "agreements.start_agreement",
            "agreements.create_version",
            "mobility.deliver_item",
            "mobility.send_guardian_link",
        ),
        "adds something new: an empty form adds nothing, a filled one adds one thing",
    ),
    **dict.fromkeys(
        (
            "followup.submit_entry",
            "followup.review_entry",
            "followup.resolve_concern",
            "followup.approve_weeks",
            "plans.close_goal",
            "plans.reopen_goal",
            "plans.respond_to_goal",
            "plans.respond_to_action",
            "plans.tick_action",
            "plans.approve_plan",
            "plans.apply_template",
            "visits.cancel_visit",
            "visits.confirm_visit",
            "training.answer_quiz",
            "training.mark_assignment",
            "training.review_post",
            "training.issue_certificate",
            "notifications.mark_all_read",
            "mentorlinks.use_link",
            "privacy.accept_notice",
            "privacy.request_erasure",
            "privacy.erase_for_request",
            "privacy.refuse_request",
            "privacy.export_own_data",
            "privacy.export_person",
            "admin.resend_invitation",
            "admin.reset_second_factor",
            "auth.answer_membership_invitation",
            "calls.apply",
            "agreements.sign_agreement",
            "agreements.sign_by_link",
            "agreements.send_host_link",
            "mobility.review_item",
            "mobility.approve_participation",
            "mobility.company_approval",
            "mobility.answer_guardian_link",
            "closing.return_report",
            "closing.confirm_survey",
            "closing.confirm_scores",
            "closing.close_mobility",
            "stay.set_consent",
            "stay.answer_consent_link",
        ),
        "a decision or an action: pressing the button is the change",
    ),
    **dict.fromkeys(
        (
            "followup.delete_attachment",
            "plans.unlink_evidence",
            "admin.remove_membership",
            "placements.revoke_guardian_approval",
            "calls.remove_member",
            "placements.remove_lodging",
            "stay.delete_post",
            "stay.remove_activity",
        ),
        "removes one thing",
    ),
    "drafts.autosave": "keeps what is being typed, not the object: the form's own save "
    "is the edit, tested here",
    "drafts.discard_draft": "throws away one's own unsaved text; it edits nothing",
    **dict.fromkeys(
        (
            "auth.login",
            "auth.logout",
            "auth.second_step",
            "auth.forgot_password",
            "auth.reset_password",
            "auth.accept_invitation",
            "auth.change_password",
            "auth.change_email",
            "auth.confirm_email",
            "auth.set_language",
            "auth.enrol_second_factor",
            "auth.renew_recovery_codes",
        ),
        "a step of logging in or of securing an account, with nothing stored shown",
    ),
}


def _realistic(app, world) -> dict[str, int | str]:
    """The fuzz world, and the shapes an unchanged save went wrong in: lists in which
    the placement's people are not the first option (another student, coach, mentor,
    workplace and school sort before them), a minor with a date of birth, a person with
    two roles, a mentor at two companies, a placement with every optional field filled,
    and registrations, scores, drafts and a reflection to show again.
    """
    start = world.placement_a.start_date
    today = world.today
    ids = fuzz_world(app, world)
    ids["feedback_draft_a"] = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    # A week handed in with a low wellbeing score, and a note for the school only: a box
    # or a choice that is not shown as stored would change who reads them.
    ids["scored_week_a"] = write_entry(
        app, world.placement_a, world.student_a, week=monday(start, 7), wellbeing=2, submit=True
    )
    ids["coach_note_a"] = write_entry(
        app, world.placement_a, world.coach_a, "visit_note", coach_only=True, submit=True
    )
    with app.app_context():
        first_school = Organisation(name="Aarschot Atheneum", kind=OrganisationKind.SCHOOL)
        first_company = Organisation(name="Aannemer Aerts", kind=OrganisationKind.COMPANY)
        db.session.add_all([first_school, first_company])
        db.session.flush()
        db.session.add(Partnership(school_id=world.school_a.id, workplace_id=first_company.id))
        for email, name, role, organisation in (
            ("aaron@a.example", "Aaron Aerts", Role.STUDENT, world.school_a),
            ("anna@a.example", "Anna Achten", Role.COACH, world.school_a),
            ("abel@x.example", "Abel Aelbrecht", Role.MENTOR, world.company_x),
        ):
            person = User(email=email, name=name, password_hash=PASSWORD_HASH)
            person.memberships.append(Membership(role=role, organisation_id=organisation.id))
            db.session.add(person)
        student = db.session.get(User, world.student_a.id)
        student.birth_date = today.replace(year=today.year - 16, day=1)
        coordinator = db.session.get(User, world.coordinator_a.id)
        coordinator.memberships.append(
            Membership(role=Role.COACH, organisation_id=world.school_a.id)
        )
        mentor = db.session.get(User, world.mentor_x.id)
        mentor.memberships.append(Membership(role=Role.MENTOR, organisation_id=first_company.id))
        placement = db.session.get(Placement, world.placement_a.id)
        placement.notes = "Starts at 7.30; safety shoes from school."
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()
        _registrations_and_scores(placement, world)
        module = training_library().module("feedback-that-lands", "nl")
        training.save_reflection(mentor, module, "I now say what I saw first.")
        plan = visits.VisitPlan(
            start + timedelta(days=80), None, "Deinze", ["student", "mentor"], ""
        )
        visit = visits.plan_visit(placement, db.session.get(User, world.coach_a.id), plan)
        ids["report_visit_a"] = visit.id
        visits.save_report(
            visit,
            held_on=start + timedelta(days=80),
            sections=dict.fromkeys(visits.SECTION_KEYS, "Draft written during the visit."),
            coach_only=[],
            expected_version=visit.version,
        )
    return ids


def _registrations_and_scores(placement: Placement, world) -> None:
    """Each of the trio registered two indicators of the first competence (one at the
    workplace with a note, one not possible there) and scored two soft-skill criteria.
    """
    competence = competences.framework_of(placement).competences[0]
    criteria = competences.rubric_of(placement).criteria[:2]
    first, second = competence.indicators[:2]
    for level, name in enumerate(("student_a", "mentor_x", "coach_a"), start=2):
        person = db.session.get(User, world.user(name).id)
        competences.register(
            placement,
            person,
            competence,
            [
                competences.Judgement(first.id, Setting.WORKPLACE, level, f"Seen by {name}"),
                competences.Judgement(second.id, Setting.NOT_POSSIBLE, None),
            ],
        )
        competences.score_rubric(
            placement,
            person,
            {criteria[0].id: level, criteria[1].id: 1},
            {criteria[0].id: f"Scored by {name}"},
            {},
        )


def fingerprint() -> dict[str, str]:
    """Every row of every table, as a checksum per table."""
    tables = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            columns = sorted(table.columns, key=lambda column: column.name)
            order = list(table.primary_key.columns) or columns
            rows = connection.execute(select(*columns).order_by(*order)).fetchall()
            tables[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return tables


CASES = [case for form in EDIT_FORMS for case in form.cases()]


@pytest.mark.parametrize(("form", "role"), CASES)
def test_an_edit_form_saved_unchanged_changes_nothing(app, world, login_as, form, role):
    ids = _realistic(app, world)
    browser = login_as(world.user(role))
    path = form.path.format(**ids)
    page_path = (form.page or form.path).format(**ids)
    page = browser.get(page_path)
    assert page.status_code == 200, f"{role} cannot open {page_path}"
    sent = read_page_form(page, page_path, path).data()
    with app.app_context():
        before = fingerprint()
    response = browser.post(path, sent)
    assert response.status_code in (200, 302), response.status_code
    assert 'aria-invalid="true"' not in response.get_data(as_text=True)
    with app.app_context():
        after = fingerprint()
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == [], f"saving {path} unchanged as {role} changed {changed}"


def test_every_post_endpoint_is_an_edit_form_tested_here_or_says_why_not(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    tested = {form.endpoint for form in EDIT_FORMS}
    assert posting - tested - set(NOT_EDIT_FORMS) == set()
    assert not tested & set(NOT_EDIT_FORMS)
    assert (tested | set(NOT_EDIT_FORMS)) <= posting  # nothing listed that is gone
    # A form named for editing or settings is an edit form.
    named = {e for e in posting if e.split(".")[1].startswith("edit_") or e.endswith("_settings")}
    assert named <= tested


def test_changing_only_the_end_date_keeps_the_placement_with_its_student_and_trio(
    app, world, login_as
):
    ids = _realistic(app, world)
    browser = login_as(world.coordinator_a)
    path = "/admin/placements/{placement_a}/edit".format(**ids)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        before = (placement.student_id, placement.mentor_id, placement.coach_id)
        new_end = placement.end_date - timedelta(days=14)
    sent = read_page_form(browser.get(path), path).data()
    sent["end_date"] = [new_end.isoformat()]
    assert browser.post(path, sent).status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        assert (placement.student_id, placement.mentor_id, placement.coach_id) == before
        assert placement.workplace_id == world.company_x.id
        assert placement.school_id == world.school_a.id
        assert placement.end_date == new_end
        assert (placement.programme, placement.cohort) == ("Elektrotechniek", "2026")


def test_a_placement_saved_unchanged_says_nothing_changed(app, world, login_as, in_english):
    ids = _realistic(app, world)
    browser = login_as(world.coordinator_a)
    path = "/admin/placements/{placement_a}/edit".format(**ids)
    sent = read_page_form(browser.get(path), path).data()
    response = browser.post(path, sent, follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)


def test_an_account_saved_unchanged_in_an_english_browser_keeps_no_language_choice(
    app, world, login_as
):
    browser = login_as(world.student_a)
    english = {"Accept-Language": "en"}
    page = browser.get("/account", headers=english)
    sent = read_page_form(page, "/account").data()
    assert sent["locale"] == ["en"]
    assert browser.post("/account", sent, headers=english).status_code == 302
    with app.app_context():
        assert db.session.get(User, world.student_a.id).locale is None
