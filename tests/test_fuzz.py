"""Hypothesis fuzzes every form of the app, as the person allowed to use it.

Each POST endpoint is sent plausible and hostile data (empty, huge, odd Unicode, numbers
out of range, ids of other people's things, malformed dates, missing, repeated and
unknown fields) with a valid CSRF token. Whatever is sent, the answer is one the app
means to give (200, 302, 400, 403, 404, 409, 413 or 422), never a stack trace, and a
refused request changes nothing in the database.

The Hypothesis profile sets the examples per form: 25, the same every run in CI;
LEERSPOOR_FUZZ=full for 1,000 (docs/testing.md, docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.admin import imports
from app.agreements import services as agreements
from app.auth.sessions import session_started
from app.auth.tokens import Purpose
from app.auth.tokens import make_token as make_account_token
from app.closing import services as closing
from app.competences import services as competences
from app.extensions import db, limiter
from app.mentorlinks.tokens import Link, QuickAction, make_token
from app.mobility import services as mobility
from app.mobility.tokens import make_token as guardian_token
from app.models import (
    ApprovalMethod,
    BlogConsentLink,
    GuardianApproval,
    GuardianLink,
    ItemKind,
    LodgingKind,
    Membership,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementStatus,
    PlanTemplate,
    PracticePost,
    RequestKind,
    Role,
    Setting,
    User,
)
from app.models.columns import utcnow
from app.placements import matching
from app.plans import services as plans
from app.privacy import services as privacy
from app.stay import services as stay_services
from app.stay.tokens import make_token as consent_token
from app.visits import services as visits
from tests.calls_world import calls_world, ready_for_matching
from tests.conftest import attach_file, monday, png_bytes, reuse_state, write_entry
from tests.fuzzing import (
    ALLOWED_STATUSES,
    FUZZ_SETTINGS,
    Field,
    changed_tables,
    csrf_token,
    database_fingerprint,
    form_data,
    read_form,
)


@dataclass
class Target:
    """A form to fuzz: where it posts, who uses it, and the page that shows it."""

    endpoint: str
    role: str  # a person of the world, "anonymous", or "half:<person>" (second step due)
    path: str  # formatted with the ids of the fuzz world
    page: str | None = None  # the page showing the form (default: `path`)
    # Fields the page does not show in the world's state (or at all), fuzzed all the same.
    fields: list[Field] = field(default_factory=list)
    # Answers after which the database may have changed: the request was carried out.
    done: frozenset[int] = frozenset({302})
    # A form with nothing but its CSRF token, which no page of the world shows.
    bare: bool = False
    # Answers this endpoint gives on purpose beyond ALLOWED_STATUSES.
    also: frozenset[int] = frozenset()

    @property
    def id(self) -> str:
        return self.endpoint + ("" if self.path.count("/") < 2 else " " + self.path)


def text(name: str, maxlength: int | None = None) -> Field:
    return Field(name, "text", [], maxlength)


def choice(name: str, *values: str) -> Field:
    return Field(name, "select", list(values))


PLACEMENT_A = "/placements/{placement_a}"
PLACEMENT_M = "/placements/{placement_m}"
PLAN_A = PLACEMENT_A + "/development-plan"
MOBILITY_M = "/placements/{placement_m}/mobility-file"
TOKEN_PAGES = frozenset({302})
AGREEMENT_M = "/placements/{placement_m}/learning-agreement"
CLOSING_M = "/placements/{closing_m}/closing"
STAY_C = "/placements/{closing_m}/stay"

TARGETS = [
    # logging in and one's account
    Target("auth.login", "anonymous", "/login"),
    Target("auth.logout", "student_a", "/logout", page="/"),
    Target("auth.forgot_password", "anonymous", "/password/forgot"),
    Target("auth.reset_password", "anonymous", "/password/reset/{reset_token}"),
    Target("auth.accept_invitation", "anonymous", "/invitation/{invitation_token}"),
    Target("auth.edit_account", "student_a", "/account"),
    Target("auth.change_password", "student_a", "/account/password"),
    Target("auth.change_email", "student_a", "/account/email", page="/account"),
    Target("auth.confirm_email", "student_a", "/account/email/{email_token}"),
    Target(
        "auth.answer_membership_invitation",
        "student_a",
        "/account/invitations/{invitation_a}",
        page="/account/invitations",
    ),
    Target("auth.set_language", "student_a", "/language", page="/"),
    Target("auth.second_step", "half:coordinator_a", "/login/code"),
    Target("auth.enrol_second_factor", "coach_a", "/account/second-factor"),
    # The new recovery codes are shown on the page itself (200), once.
    Target(
        "auth.renew_recovery_codes",
        "coordinator_a",
        "/account/second-factor/recovery-codes",
        page="/account",
        done=frozenset({200}),
    ),
    # the follow-up log
    *(
        Target(
            "followup.create_entry",
            role,
            PLACEMENT_A + "/log/new/" + kind,
        )
        for role, kind in (
            ("student_a", "weekly_log"),
            ("student_a", "concern"),
            ("mentor_x", "feedback"),
            ("coach_a", "visit_note"),
        )
    ),
    Target("followup.edit_entry", "student_a", PLACEMENT_A + "/log/{draft_a}/edit"),
    Target(
        "followup.submit_entry",
        "student_a",
        PLACEMENT_A + "/log/{draft_a}/submit",
        page=PLACEMENT_A + "/log/{draft_a}",
    ),
    Target(
        "followup.review_entry",
        "mentor_x",
        PLACEMENT_A + "/log/{week_a}/review",
        page=PLACEMENT_A + "/log/{week_a}",
    ),
    Target(
        "followup.resolve_concern",
        "coach_a",
        PLACEMENT_A + "/log/{concern_a}/resolve",
        page=PLACEMENT_A + "/log/{concern_a}",
    ),
    Target(
        "followup.approve_weeks",
        "mentor_x",
        PLACEMENT_A + "/log/approve-weeks",
        page=PLACEMENT_A + "/log",
    ),
    Target(
        "followup.create_comment",
        "coach_a",
        PLACEMENT_A + "/log/{week_a}/comments",
        page=PLACEMENT_A + "/log/{week_a}",
    ),
    Target(
        "followup.create_attachment",
        "student_a",
        PLACEMENT_A + "/log/{draft_a}/attachments",
        page=PLACEMENT_A + "/log/{draft_a}",
    ),
    Target(
        "followup.delete_attachment",
        "student_a",
        PLACEMENT_A + "/log/{draft_a}/attachments/{attachment_a}/delete",
        page=PLACEMENT_A + "/log/{draft_a}",
    ),
    # competences
    Target("competences.register_indicators", "mentor_x", PLACEMENT_A + "/register"),
    Target("competences.score_rubric", "coach_a", PLACEMENT_A + "/soft-skills/score"),
    Target("competences.edit_plan", "coach_a", PLACEMENT_A + "/plan"),
    # the development plan
    Target("plans.create_goal", "student_a", PLAN_A + "/goals/new"),
    Target("plans.edit_goal", "student_a", PLAN_A + "/goals/{goal_a}/edit"),
    Target(
        "plans.close_goal",
        "student_a",
        PLAN_A + "/goals/{goal_a}/close",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    Target(
        "plans.reopen_goal",
        "student_a",
        PLAN_A + "/goals/{closed_goal_a}/reopen",
        page=PLAN_A + "/goals/{closed_goal_a}",
    ),
    Target(
        "plans.respond_to_goal",
        "student_a",
        PLAN_A + "/goals/{suggested_goal_a}/respond",
        page=PLAN_A + "/goals/{suggested_goal_a}",
    ),
    Target(
        "plans.create_goal_comment",
        "mentor_x",
        PLAN_A + "/goals/{goal_a}/comments",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    # The week to link is linked already: the page offers no entry, so the form is given.
    Target(
        "plans.link_evidence",
        "student_a",
        PLAN_A + "/goals/{goal_a}/evidence",
        page=PLAN_A + "/goals/{goal_a}",
        fields=[
            choice("entry", "{week_a}", "{draft_a}", "{concern_a}", "{week_b}"),
            Field("link", "checkbox", ["1"]),
        ],
    ),
    Target(
        "plans.unlink_evidence",
        "student_a",
        PLAN_A + "/goals/{goal_a}/evidence/{evidence_a}/remove",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    Target(
        "plans.create_action",
        "coach_a",
        PLAN_A + "/goals/{goal_a}/actions",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    Target(
        "plans.respond_to_action",
        "student_a",
        PLAN_A + "/actions/{suggested_action_a}/respond",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    Target(
        "plans.tick_action",
        "student_a",
        PLAN_A + "/actions/{action_a}/tick",
        page=PLAN_A + "/goals/{goal_a}",
    ),
    Target("plans.approve_plan", "coach_a", PLAN_A + "/approve", page=PLAN_A),
    Target("plans.create_template", "coach_a", PLAN_A + "/template", page=PLAN_A),
    Target(
        "plans.apply_template",
        "coordinator_a",
        "/plan-templates/{template_a}",
        page="/plan-templates/{template_a}?cohort=2026",
    ),
    # visits
    Target("visits.plan_visit", "coach_a", PLACEMENT_A + "/visits/new"),
    Target("visits.edit_visit", "coach_a", PLACEMENT_A + "/visits/{visit_a}/edit"),
    # 200: the draft is saved and only the button's action (an agreement…) was refused.
    Target(
        "visits.write_report",
        "coach_a",
        PLACEMENT_A + "/visits/{visit_a}/report",
        done=frozenset({200, 302}),
    ),
    Target(
        "visits.cancel_visit",
        "coach_a",
        PLACEMENT_A + "/visits/{visit_a}/cancel",
        page=PLACEMENT_A + "/visits/{visit_a}",
    ),
    Target(
        "visits.confirm_visit",
        "mentor_x",
        PLACEMENT_A + "/visits/{final_visit_a}/confirm",
        page=PLACEMENT_A + "/visits/{final_visit_a}",
    ),
    Target(
        "visits.comment_on_visit",
        "student_a",
        PLACEMENT_A + "/visits/{final_visit_a}/comments",
        page=PLACEMENT_A + "/visits/{final_visit_a}",
    ),
    Target(
        "visits.amend_visit",
        "coach_a",
        PLACEMENT_A + "/visits/{final_visit_a}/amendments",
        page=PLACEMENT_A + "/visits/{final_visit_a}",
    ),
    # training
    # A quiz answered is scored on the module's page (200); a wrong form answers 422.
    Target(
        "training.answer_quiz",
        "mentor_x",
        "/training/modules/feedback-that-lands/quiz",
        page="/training/modules/feedback-that-lands",
        done=frozenset({200}),
    ),
    *(
        Target(
            endpoint,
            "mentor_x",
            "/training/modules/feedback-that-lands/" + path,
            page="/training/modules/feedback-that-lands",
        )
        for endpoint, path in (
            ("training.save_reflection", "reflection"),
            ("training.mark_assignment", "assignment"),
            ("training.share_practice", "practice"),
        )
    ),
    Target("training.recommend_module", "coach_a", PLACEMENT_A + "/recommend"),
    Target("training.edit_mentor_record", "coordinator_a", "/training/mentors/{mentor_x}"),
    Target(
        "training.review_post",
        "coordinator_a",
        "/training/practice/{practice_post}/review",
        page="/training/practice",
    ),
    # The button shows once the path is completed, which takes every module's quiz.
    Target(
        "training.issue_certificate",
        "mentor_x",
        "/training/paths/basic-mentor-training/certificate",
        page="/training/",
        bare=True,
    ),
    # notifications and quick links
    Target("notifications.mark_all_read", "mentor_x", "/notifications/read", page="/notifications"),
    # A quick link's page says "done" itself (200); once used, the link is gone (410, as
    # tests/test_mentorlinks.py asks): the one answer beyond the usual ones, on purpose.
    *(
        Target(
            "mentorlinks.use_link",
            "anonymous",
            "/quick/{" + token + "}",
            done=frozenset({200, 302}),
            also=frozenset({410}),
        )
        for token in ("quick_week_a", "quick_feedback_a", "quick_report_a")
    ),
    # the mobility file of placement M (abroad)
    Target(
        "mobility.deliver_item",
        "student_a",
        MOBILITY_M + "/cv_expectations/upload",
        page=MOBILITY_M,
    ),
    Target(
        "mobility.review_item",
        "coach_a",
        MOBILITY_M + "/cv_expectations/review",
        page=MOBILITY_M,
    ),
    Target(
        "mobility.set_deadline",
        "coach_a",
        MOBILITY_M + "/cv_expectations/deadline",
        page=MOBILITY_M,
    ),
    Target(
        "mobility.approve_participation",
        "student_a",
        MOBILITY_M + "/participation",
        page=MOBILITY_M,
    ),
    Target(
        "mobility.send_guardian_link",
        "coach_a",
        MOBILITY_M + "/guardian-link",
        page=MOBILITY_M,
    ),
    Target("mobility.company_approval", "mentor_x", "/placements/{placement_m}/company-approval"),
    # The answer's page says thank you itself (200); once used, the link is gone (410).
    Target(
        "mobility.answer_guardian_link",
        "anonymous",
        "/guardian/{guardian_token}",
        done=frozenset({200}),
        also=frozenset({410}),
    ),
    # drafts: a long form saved while typing, sent to its data-autosave address
    Target(
        "drafts.autosave",
        "student_a",
        "/drafts?page=" + PLACEMENT_A + "/log/new/weekly_log",
        page=PLACEMENT_A + "/log/new/weekly_log",
        done=frozenset({200, 302}),
    ),
    Target(
        "drafts.autosave",
        "coach_a",
        "/drafts?page=" + PLACEMENT_A + "/visits/{visit_a}/report",
        page=PLACEMENT_A + "/visits/{visit_a}/report",
        done=frozenset({200, 302}),
    ),
    Target(
        "drafts.discard_draft",
        "student_a",
        "/drafts/discard?page=" + PLACEMENT_A + "/log/new/weekly_log",
        page=PLACEMENT_A + "/log/new/weekly_log",
        bare=True,
    ),
    # a mobility's learning agreement (started in the fuzz world: the start button and
    # the new-version button are not shown, their forms are given)
    Target(
        "agreements.start_agreement",
        "coach_a",
        AGREEMENT_M + "/start",
        page=AGREEMENT_M,
        fields=[choice("language", "nl", "en")],
    ),
    Target("agreements.edit_agreement", "coordinator_a", AGREEMENT_M + "/edit"),
    Target(
        "agreements.create_version",
        "coach_a",
        AGREEMENT_M + "/new-version",
        page=AGREEMENT_M,
        bare=True,
    ),
    Target("agreements.send_host_link", "coach_a", AGREEMENT_M + "/host-link", page=AGREEMENT_M),
    Target(
        "agreements.sign_agreement",
        "student_a",
        AGREEMENT_M + "/versions/1/sign",
        page=AGREEMENT_M,
    ),
    # Signed by link, the page says so itself (200); a link used once is gone (410).
    Target(
        "agreements.sign_by_link",
        "anonymous",
        "/learning-agreement/{agreement_link_m}",
        done=frozenset({200, 302}),
        also=frozenset({410}),
    ),
    # closing a mobility (a stay that ended, with the participant's draft stage report:
    # the forms to send it back and to close are not shown, their fields are given)
    Target("closing.edit_report", "student_a", CLOSING_M + "/report"),
    Target(
        "closing.return_report",
        "coach_a",
        CLOSING_M + "/report/return",
        page=CLOSING_M,
        fields=[text("version"), text("note", 1000)],
    ),
    Target("closing.confirm_survey", "student_a", CLOSING_M + "/survey", page=CLOSING_M),
    Target("closing.confirm_scores", "monitor", CLOSING_M + "/scores", page=CLOSING_M),
    Target(
        "closing.close_mobility",
        "coach_a",
        CLOSING_M + "/close",
        page=CLOSING_M,
        fields=[choice("confirm", "y", "")],
    ),
    # during a stay abroad (the one that ended last week)
    Target("stay.show_blog", "student_a", STAY_C + "/blog"),
    Target("stay.edit_post", "student_a", STAY_C + "/blog/{post_m}/edit"),
    Target(
        "stay.delete_post",
        "student_a",
        STAY_C + "/blog/{post_m}/delete",
        page=STAY_C + "/blog/{post_m}/edit",
    ),
    Target("stay.set_consent", "student_a", STAY_C + "/blog/consent", page=STAY_C + "/blog"),
    Target(
        "stay.send_consent_link", "coach_a", STAY_C + "/blog/consent-link", page=STAY_C + "/blog"
    ),
    # Answered by link, the page says so itself (200); a link used once is gone (410).
    Target(
        "stay.answer_consent_link",
        "anonymous",
        "/blog-consent/{blog_consent_token}",
        done=frozenset({200, 302}),
        also=frozenset({410}),
    ),
    Target("stay.show_programme", "monitor", STAY_C + "/programme"),
    Target(
        "stay.reflect",
        "student_a",
        STAY_C + "/programme/{activity_m}/reflection",
        page=STAY_C + "/programme",
    ),
    Target("stay.edit_activity", "monitor", STAY_C + "/programme/{activity_m}/edit"),
    Target(
        "stay.remove_activity",
        "host_coordinator",
        STAY_C + "/programme/{activity_m}/remove",
    ),
    Target("stay.show_language", "student_a", STAY_C + "/language"),
    Target("stay.create_trip", "coach_a", "/trips/new"),
    Target("stay.show_trip", "coach_a", "/trips/{trip_a}"),
    # administration
    Target("admin.create_organisation", "coordinator_a", "/admin/organisations/new"),
    Target("admin.edit_organisation", "coordinator_a", "/admin/organisations/{company_x}"),
    Target(
        "admin.edit_school_settings", "coordinator_a", "/admin/organisations/{school_a}/settings"
    ),
    Target("admin.invite_user", "coordinator_a", "/admin/people/invite"),
    Target("admin.edit_user", "coordinator_a", "/admin/people/{student_a}"),
    Target(
        "admin.remove_membership",
        "coordinator_a",
        "/admin/people/{coach_a}/memberships/{coach_a_membership}/delete",
        page="/admin/people/{coach_a}",
    ),
    Target(
        "admin.resend_invitation",
        "coordinator_a",
        "/admin/people/{invited}/invitation",
        page="/admin/people/{invited}",
    ),
    Target(
        "admin.reset_second_factor",
        "admin",
        "/admin/people/{coordinator_b}/second-factor/reset",
        page="/admin/people/{coordinator_b}",
    ),
    Target("admin.create_placement", "coordinator_a", "/admin/placements/new"),
    Target("admin.edit_placement", "coordinator_a", "/admin/placements/{placement_a}/edit"),
    # A file that reads is kept for its preview page (303), nothing imported yet.
    Target(
        "admin.import_placements",
        "coordinator_a",
        "/admin/import",
        done=frozenset({303}),
        also=frozenset({303}),
    ),
    Target(
        "admin.preview_import",
        "coordinator_a",
        "/admin/import/{pending_import_a}",
        done=frozenset({303}),
        also=frozenset({303}),
    ),
    # calls for mobility abroad
    Target("calls.manage_consortium", "promoter", "/calls/consortium"),
    Target(
        "calls.remove_member",
        "promoter",
        "/calls/consortium/{membership_a}/remove",
        page="/calls/consortium",
    ),
    Target("calls.create_call", "promoter", "/calls/new"),
    Target("calls.edit_call", "promoter", "/calls/{call_a}/edit"),
    Target("calls.register_candidate", "coordinator_a", "/calls/{call_a}/candidates/new"),
    # Student A is a candidate already: the call's page shows no form to apply.
    Target("calls.apply", "student_a", "/calls/{call_a}/apply", page="/calls/{call_a}", bare=True),
    Target("calls.edit_cv", "student_a", "/candidates/{candidate_a}/cv"),
    Target("calls.score_candidate", "coach_a", "/candidates/{candidate_a}/scores"),
    Target(
        "calls.decide",
        "coordinator_a",
        "/candidates/{candidate_a}/decision",
        page="/candidates/{candidate_a}",
    ),
    Target("calls.edit_report", "coordinator_a", "/calls/{call_a}/schools/{school_a}/report"),
    Target("calls.prepare_participant", "coordinator_a", "/candidates/{candidate_a}/participant"),
    Target("calls.place_candidate", "host_coordinator", "/candidates/{candidate_a}/placement"),
    # privacy
    Target("privacy.accept_notice", "student_a", "/privacy/notice", page="/"),
    Target("privacy.export_own_data", "student_a", "/privacy/my-data"),
    # Student B: student A has asked already, and the page then offers no form.
    Target(
        "privacy.request_erasure", "student_b", "/privacy/my-data/erasure", page="/privacy/my-data"
    ),
    Target(
        "privacy.export_person",
        "coordinator_a",
        "/privacy/people/{student_a}/export",
        page="/admin/people/{student_a}",
    ),
    Target(
        "privacy.record_request",
        "coordinator_a",
        "/privacy/people/{student_a}/requests",
        page="/admin/people/{student_a}",
    ),
    Target(
        "privacy.erase_for_request",
        "coordinator_a",
        "/privacy/requests/{request_a}/erase",
        page="/privacy/requests/{request_a}",
    ),
    Target(
        "privacy.refuse_request",
        "coordinator_a",
        "/privacy/requests/{request_a}/refuse",
        page="/privacy/requests/{request_a}",
    ),
    Target("privacy.edit_school_privacy", "coordinator_a", "/privacy/schools/{school_a}/settings"),
    # The form shows for a minor whose school asks approval; student A is of age.
    Target(
        "placements.record_guardian_approval",
        "coordinator_a",
        PLACEMENT_A + "/guardian-approvals",
        page=PLACEMENT_A,
        fields=[
            text("guardian_name", 200),
            text("text_version", 64),
            choice("method", *ApprovalMethod),
            Field("approved_on", "date"),
        ],
    ),
    Target(
        "placements.revoke_guardian_approval",
        "coordinator_a",
        PLACEMENT_A + "/guardian-approvals/{approval_a}/revoke",
        page=PLACEMENT_A,
    ),
    # the host partner matches placement M abroad
    Target("placements.match_placement", "host_coordinator", PLACEMENT_M + "/matching"),
    Target(
        "placements.create_host_workplace",
        "host_coordinator",
        PLACEMENT_M + "/matching/workplaces",
        page=PLACEMENT_M + "/matching",
    ),
    Target(
        "placements.add_lodging",
        "host_coordinator",
        PLACEMENT_M + "/lodgings",
        page=PLACEMENT_M + "/matching",
    ),
    Target(
        "placements.remove_lodging",
        "host_coordinator",
        PLACEMENT_M + "/lodgings/{lodging_m}/remove",
        page=PLACEMENT_M + "/matching",
    ),
]


# -- the world the forms are fuzzed in ---------------------------------------------------


def fuzz_world(app, world) -> dict[str, int | str]:
    """The world's ids, and something for every form to act on: entries, a goal, visits,
    a template, a practice post, a guardian's approval, a privacy request, invitations.

    They are added once per test process and written again for the next test
    (`reuse_state`); the links are signed with this test's app.
    """
    ids = dict(reuse_state(app, "fuzz", lambda: _fuzz_records(app, world)))
    start = world.placement_a.start_date
    with app.app_context():
        now = utcnow()
        mentor = world.mentor_x.id
        ids["quick_week_a"] = make_token(Link(QuickAction.APPROVE_WEEK, mentor, ids["week_a"], now))
        ids["quick_feedback_a"] = make_token(
            Link(
                QuickAction.GIVE_FEEDBACK, mentor, world.placement_a.id, now, week=monday(start, 5)
            )
        )
        ids["quick_report_a"] = make_token(
            Link(QuickAction.CONFIRM_REPORT, mentor, ids["final_visit_a"], now)
        )
        ids["agreement_link_m"] = agreements.make_link(
            agreements.HostLink(ids["agreement_m"], "signer@taller.example", now)
        )
        ids["guardian_token"] = guardian_token(db.session.get(GuardianLink, ids["guardian_m"]))
        ids["blog_consent_token"] = consent_token(
            db.session.get(BlogConsentLink, ids["blog_consent_m"])
        )
    return ids | account_tokens(app, ids)


def _fuzz_records(app, world) -> dict[str, int | str]:
    start = world.placement_a.start_date
    ids: dict[str, int | str] = {
        name: obj.id for name, obj in vars(world).items() if hasattr(obj, "id")
    }
    ids["week_a"] = write_entry(app, world.placement_a, world.student_a, submit=True)
    ids["draft_a"] = write_entry(app, world.placement_a, world.student_a, week=monday(start, 6))
    ids["concern_a"] = write_entry(app, world.placement_a, world.student_a, "concern")
    ids["week_b"] = write_entry(app, world.placement_b, world.student_b, submit=True)
    ids["attachment_a"] = attach_file(app, ids["draft_a"], world.student_a)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.programme, placement.cohort = "Elektrotechniek", "2026"
        student = db.session.get(User, world.student_a.id)
        coach = db.session.get(User, world.coach_a.id)
        mentor = db.session.get(User, world.mentor_x.id)
        goal = plans.create_goal(
            placement, student, plans.GoalText("Plan my day", "", "", None, ["competence:planning"])
        )
        ids["goal_a"] = goal.id
        ids["action_a"] = plans.add_action(placement, goal, student, "Ask for the list", None).id
        ids["suggested_action_a"] = plans.add_action(
            placement, goal, mentor, "Shadow the planner", None
        ).id
        ids["suggested_goal_a"] = plans.create_goal(
            placement,
            mentor,
            plans.GoalText("Keep the workshop tidy", "", "", None, ["competence:planning"]),
        ).id
        closed = plans.create_goal(
            placement,
            student,
            plans.GoalText("Arrive on time", "", "", None, ["competence:punctuality"]),
        )
        plans.close_goal(closed, plans.GoalState.REACHED, "Done.", expected_version=closed.version)
        ids["closed_goal_a"] = closed.id
        plans.link_evidence(goal, placement, ids["week_a"])
        ids["evidence_a"] = goal.evidence[0].id
        template = PlanTemplate(
            school_id=world.school_a.id,
            name="Year one",
            programme="Elektrotechniek",
            goals=[{"title": "Plan", "why": "", "success": "", "links": []}],
            created_by_id=coach.id,
        )
        db.session.add(template)
        db.session.commit()
        ids["template_a"] = template.id
        plan = visits.VisitPlan(
            start + timedelta(days=80), None, "Deinze", ["student", "mentor"], ""
        )
        ids["visit_a"] = visits.plan_visit(placement, coach, plan).id
        final = visits.plan_visit(placement, coach, plan)
        visits.save_report(
            final,
            held_on=start + timedelta(days=80),
            sections=dict.fromkeys(visits.SECTION_KEYS, "Went well."),
            coach_only=[],
            expected_version=final.version,
        )
        visits.finalise(final, coach, start + timedelta(days=81), expected_version=final.version)
        ids["final_visit_a"] = final.id
        post = PracticePost(module_id="feedback-that-lands", author_id=mentor.id, body="A tip.")
        approval = GuardianApproval(
            placement_id=placement.id,
            guardian_name="Gina Guardian",
            text_version="2026-1",
            method=ApprovalMethod.PAPER,
            approved_on=start - timedelta(days=7),
            recorded_by_id=world.coordinator_a.id,
        )
        invited = User(email="invited@a.example", name="Ivo Invited")
        invited.memberships.append(Membership(role=Role.MENTOR, organisation_id=world.company_x.id))
        # School B invites student A, who has an account at school A.
        invitation = MembershipInvitation(
            user_id=student.id,
            organisation_id=world.school_b.id,
            role=Role.STUDENT,
            invited_by_id=world.coordinator_b.id,
            expires_at=utcnow() + timedelta(days=14),
        )
        db.session.add_all([post, approval, invited, invitation])
        db.session.commit()
        ids.update(
            practice_post=post.id,
            approval_a=approval.id,
            invited=invited.id,
            invitation_a=invitation.id,
        )
        ids["coach_a_membership"] = db.session.get(User, world.coach_a.id).memberships[0].id
        ids["pending_import_a"] = imports.keep_upload(
            db.session.get(User, world.coordinator_a.id),
            db.session.get(Organisation, world.school_a.id),
            "student_email;student_name;kind;start_date;end_date;workplace;mentor_email;"
            "coach_email\nfuzz@a.example;Fuzz;;;;;;\n",
        ).id
        placement_m = db.session.get(Placement, world.placement_m.id)
        ids["lodging_m"] = matching.add_lodging(
            db.session.get(User, world.host_coordinator.id),
            placement_m,
            matching.LodgingData(
                LodgingKind.HOTEL, "Hotel Turia", placement_m.start_date, placement_m.end_date
            ),
        ).id
        ids["request_a"] = privacy.file_request(
            student, student, RequestKind.ERASURE, "", datetime.now(UTC)
        ).id
        agreement = agreements.start(db.session.get(Placement, world.placement_m.id), coach)
        ids["agreement_m"] = agreement.id
    ids.update(calls_world(app, world))
    ids.update(ready_for_matching(app, world, ids["candidate_a"]))
    ids["closing_m"] = closing_mobility(app, world)
    ids.update(stay_records(app, world, ids["closing_m"]))
    with app.app_context():  # a CV in placement M's file, for the school to check
        mobility.deliver_file(
            db.session.get(Placement, world.placement_m.id),
            ItemKind.CV_EXPECTATIONS,
            db.session.get(User, world.student_a.id),
            "cv.png",
            io.BytesIO(png_bytes()),
        )
        # A link to a guardian: it works once, then answers 410.
        link = GuardianLink(
            placement_id=world.placement_m.id,
            guardian_name="Gina A",
            email="gina@home.example",
            language="en",
            sent_by_id=world.coach_a.id,
            expires_at=utcnow() + timedelta(days=14),
        )
        db.session.add(link)
        db.session.commit()
        ids["guardian_m"] = link.id
    return ids


def closing_mobility(app, world) -> int:
    """A second stay of student A abroad, as placement M's people, that ended last week:
    active, with one level the coach registered and the participant's draft stage report,
    so the closing page shows its forms.
    """
    today = world.today
    with app.test_request_context():
        model = db.session.get(Placement, world.placement_m.id)
        stay = Placement(
            **{
                column: getattr(model, column)
                for column in (
                    "student_id",
                    "school_id",
                    "workplace_id",
                    "mentor_id",
                    "coach_id",
                    "monitor_id",
                    "host_partner_id",
                    "kind",
                    "framework_id",
                    "framework_version",
                )
            },
            status=PlacementStatus.ACTIVE,
            start_date=today - timedelta(days=20),
            end_date=today - timedelta(days=7),
        )
        db.session.add(stay)
        db.session.commit()
        competence = competences.framework_of(stay).competences[0]
        competences.register(
            stay,
            db.session.get(User, world.coach_a.id),
            competence,
            [competences.Judgement(competence.indicators[0].id, Setting.WORKPLACE, 3)],
        )
        closing.save_report(
            stay,
            db.session.get(User, world.student_a.id),
            closing.ReportText(professional="Brakes.", advice="Bring shoes."),
            expected_version=None,
        )
        return stay.id


def stay_records(app, world, stay_id: int) -> dict[str, int]:
    """On the stay that ended last week: a post of the participant's blog, an activity of
    the programme, a language goal, a link for the guardian's consent to publish; and
    coach A's trip over the days of the stay.
    """
    with app.app_context():
        stay = db.session.get(Placement, stay_id)
        student = db.session.get(User, world.student_a.id)
        coach = db.session.get(User, world.coach_a.id)
        post = stay_services.write_post(stay, student, "Day one", "Hola **Valencia**")
        activity = stay_services.plan_activity(
            stay,
            db.session.get(User, world.monitor.id),
            day=stay.start_date + timedelta(days=2),
            title="City walk",
            place="Ciutat Vella",
            description="Two hours with a guide.",
        )
        stay_services.save_language_goal(
            stay,
            student,
            language="Spanish",
            goal="Order lunch for the team",
            before=dict.fromkeys(("listening", "reading"), "A2"),
            after={},
            expected_version=None,
        )
        link = stay_services.send_consent_link(
            stay, coach, guardian_name="Gina A", email="gina@home.example", language="en"
        )
        trip = stay_services.create_trip(
            coach,
            world.school_a.id,
            destination="Valencia",
            start=stay.start_date,
            end=stay.end_date,
        )
        return {
            "post_m": post.id,
            "activity_m": activity.id,
            "blog_consent_m": link.id,
            "trip_a": trip.id,
        }


def account_tokens(app, ids) -> dict[str, str]:
    """Links from e-mails, made again before each example: each works once."""
    with app.app_context():
        student = db.session.get(User, ids["student_a"])
        invited = db.session.get(User, ids["invited"])
        return {
            "reset_token": make_account_token(student, Purpose.PASSWORD_RESET),
            "invitation_token": make_account_token(invited, Purpose.INVITATION),
            "email_token": make_account_token(
                student, Purpose.EMAIL_CHANGE, e="student.new@a.example"
            ),
        }


def browser_for(app, world, role: str):
    """A test client for `role`, logged in afresh (an accepted request may have logged
    the previous one out), with a CSRF token in its session; returns it and the token.
    """
    client = app.test_client()
    half = role.startswith("half:")
    name = role.removeprefix("half:")
    with client.session_transaction() as session:
        raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324  (as Flask-WTF makes it)
        session["csrf_token"] = raw
        if name != "anonymous":
            with app.app_context():
                session["_user_id"] = db.session.get(User, world.user(name).id).get_id()
            session["_fresh"] = True
            session.update(session_started(second_factor_done=not half))
    return client, csrf_token(app, raw)


def world_ids(ids) -> list[int]:
    """Every id of the world, A's and B's: hostile values for id fields."""
    return sorted({value for value in ids.values() if isinstance(value, int)})


# When a multipart body grows beyond what it reads (413), Werkzeug leaves the temporary
# file of a part it already spooled to the garbage collector, which warns about it; the
# answer itself is right, and the file is closed as soon as it is collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.id)
def test_form_answers_as_meant_and_a_refusal_changes_nothing(app, world, target):
    ids = fuzz_world(app, world)
    client, token = browser_for(app, world, target.role)
    page_path = (target.page or target.path).format(**ids)
    page = client.get(page_path)
    form = read_form(page.get_data(as_text=True), page_path, target.path.format(**ids))
    extra = {
        item.name: Field(item.name, item.kind, [value.format(**ids) for value in item.values])
        for item in target.fields
    }
    assert form.found or extra or target.bare, f"{page_path} ({page.status_code}) shows no form"
    numbers = world_ids(ids)
    answers: Counter[int] = Counter()
    # The database as the last request left it, when that was read (a refused request):
    # nothing else writes between examples, so it is the next example's "before".
    last_seen: list[dict] = []

    @FUZZ_SETTINGS
    @given(data=st.data())
    def post_fuzzed(data):
        if "token}" in target.path:
            ids.update(account_tokens(app, ids))
        limiter.reset()  # rate limits are tested elsewhere; here every request is heard
        client, token = browser_for(app, world, target.role)
        sent = data.draw(form_data(form, numbers, extra), label="form")
        for name in form.csrf_names:
            sent.setdefault(name, data.draw(st.sampled_from([token] * 8 + ["", "x"]), label=name))
        with app.app_context():
            before = last_seen.pop() if last_seen else database_fingerprint()
        response = client.post(target.path.format(**ids), data=sent)
        answers[response.status_code] += 1
        assert response.status_code in ALLOWED_STATUSES | target.also, response.data[:2000]
        assert b"Traceback" not in response.data
        if response.status_code not in target.done:
            with app.app_context():
                after = database_fingerprint()
            assert not changed_tables(before, after), response.status_code
            last_seen.append(after)

    started = time.monotonic()
    post_fuzzed()
    report_answers(target, answers, time.monotonic() - started)


def report_answers(target: Target, answers: Counter, seconds: float) -> None:
    """Append what the form answered to the file LEERSPOOR_FUZZ_REPORT names, if any:
    the figures of a full run (docs/reliability.md).
    """
    path = os.environ.get("LEERSPOOR_FUZZ_REPORT")
    if not path:
        return
    line = {
        "target": target.id,
        "requests": sum(answers.values()),
        "answers": {str(status): count for status, count in sorted(answers.items())},
        "seconds": round(seconds, 1),
    }
    with open(path, "a", encoding="utf-8") as report:
        report.write(json.dumps(line) + "\n")


# POST endpoints left out of the fuzzing, each with the reason. None today: logging out,
# e-mail links and quick links are fuzzed like every other form.
NOT_FUZZED: dict[str, str] = {}


def test_every_post_endpoint_is_fuzzed(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    fuzzed = {target.endpoint for target in TARGETS}
    assert posting - fuzzed - set(NOT_FUZZED) == set()
    assert fuzzed <= posting  # no target for an endpoint that is gone


def test_the_fingerprint_tells_a_changed_value_a_new_row_and_a_removed_row(app, world):
    """What "a refusal changes nothing" rests on: a change the row count does not show is
    seen too, and only in its own table.
    """
    with app.app_context():
        before = database_fingerprint()
        assert database_fingerprint() == before
        db.session.get(User, world.student_a.id).name = "Student A."
        db.session.commit()
        changed = database_fingerprint()
        assert changed_tables(before, changed) == ["user_account"]
        school = Organisation(name="Fingerprint", kind=OrganisationKind.SCHOOL)
        db.session.add(school)
        db.session.commit()
        added = database_fingerprint()
        assert changed_tables(changed, added) == ["organisation"]
        db.session.delete(school)
        db.session.commit()
        assert changed_tables(added, database_fingerprint()) == ["organisation"]
        assert database_fingerprint() == changed
