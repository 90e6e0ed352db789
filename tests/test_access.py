"""Every route, as every role, across two schools and two companies.

Objects a user may not see answer 404; forbidden actions on visible objects (and
pages that are not theirs) answer 403; anonymous visitors are sent to log in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.admin import imports
from app.agreements import services as agreements
from app.extensions import db
from app.mentorlinks.tokens import Link, QuickAction, make_token
from app.mobility import services as mobility
from app.mobility.tokens import make_token as guardian_token
from app.models import (
    BlogConsentLink,
    GuardianLink,
    ItemKind,
    LodgingKind,
    MembershipInvitation,
    Notification,
    Organisation,
    Placement,
    PlanTemplate,
    RequestKind,
    Role,
    User,
)
from app.models.columns import utcnow
from app.placements import matching
from app.plans import services as plans
from app.privacy import services as privacy
from app.stay import services as stay
from app.stay.tokens import make_token as consent_token
from app.visits import services as visits
from tests.calls_world import calls_world, ready_for_matching
from tests.conftest import Browser, attach_file, png_bytes, reuse_state, write_entry

ROLES = (
    "anonymous",
    "admin",
    "coordinator_a",
    "coordinator_b",
    "coach_a",
    "coach_b",
    "mentor_x",
    "mentor_y",
    "company_coordinator_x",
    "student_a",
    "student_b",
    "outsider",
    "promoter",
    "host_coordinator",
    "monitor",
    "mentor_es",
)
# The world's people in two roles or two schools answer as the role named here, unless a
# case says otherwise: the coach of both schools (who coaches no placement) as School B's
# coach, the coordinator who also coaches as School A's coordinator.
SHAPED_LIKE = {"coach_ab": "coach_b", "coordinator_coach_a": "coordinator_a"}
SHAPES_OF = {like: (shaped,) for shaped, like in SHAPED_LIKE.items()}
LOGGED_IN = ROLES[1:]
ADMINISTRATORS = ("admin", "coordinator_a", "coordinator_b")
NOT_ADMINISTRATORS = tuple(r for r in LOGGED_IN if r not in ADMINISTRATORS)
TRIO_A = ("coach_a", "mentor_x", "student_a")
WITH_SECOND_FACTOR = ADMINISTRATORS  # the world's admin and coordinators have set one up


@dataclass
class Case:
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[str, int]
    data: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.endpoint}"


# Content anyone may read, the same for everyone: a cache may keep it. Every other answer,
# a refusal too, is kept by no cache (a shared computer's browser, a proxy).
PUBLIC = {"competences.show_scale_stylesheet"}


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table.update(overrides)
    return table


def roles(status: int, names) -> dict[str, int]:
    return dict.fromkeys(names, status)


LOGIN_REDIRECT = 302
ADMIN_PAGE = expect(403, anonymous=LOGIN_REDIRECT, **roles(200, ADMINISTRATORS))
# What concerns the whole platform (its scheduled jobs): admins only, not coordinators.
PLATFORM_PAGE = expect(403, anonymous=LOGIN_REDIRECT, admin=200)

MISSING = expect(404, anonymous=LOGIN_REDIRECT)
# A privacy request answered by School A: its coordinators and admins.
SCHOOL_A_REQUEST = expect(404, anonymous=LOGIN_REDIRECT, admin=200, coordinator_a=200)
CASELOAD_PAGE = expect(
    403, anonymous=LOGIN_REDIRECT, **roles(200, (*ADMINISTRATORS, "coach_a", "coach_b"))
)
# The training is not for students, nor for someone without a role, nor for those who
# organise mobility without guiding anyone at work: 403 on its pages.
NOT_TRAINING = ("student_a", "student_b", "outsider", "promoter", "host_coordinator")


def training_page(expected: dict[str, int]) -> dict[str, int]:
    """A page of the mentor training: what `expected` says, but 403 for whoever has no
    part in the training.
    """
    return {**expected, **roles(403, NOT_TRAINING)}


# Who follows mentors' training: school coordinators, company coordinators, admins.
FOLLOWERS = roles(200, ("admin", "coordinator_a", "coordinator_b", "company_coordinator_x"))
# The log of placement A: its trio, its school's coordinators and admins read it; the
# company coordinator sees the placement but not the log.
LOG_PAGE = expect(
    404,
    anonymous=LOGIN_REDIRECT,
    admin=200,
    coordinator_a=200,
    company_coordinator_x=403,
    **roles(200, TRIO_A),
)
# Writing in it: each of the trio as themselves; everyone who reads it but does not
# write is refused.
LOG_WRITE = expect(
    404,
    anonymous=LOGIN_REDIRECT,
    **roles(403, ("admin", "coordinator_a", "company_coordinator_x", *TRIO_A)),
)

# Placement M, student A's mobility abroad: its trio, its school's coordinators, admins,
# and abroad the monitor and the host partner's coordinator.
MOBILITY_M = (
    "admin",
    "coordinator_a",
    "coach_a",
    "student_a",
    "mentor_es",
    "monitor",
    "host_coordinator",
)
# Its matching: read by all of them but the workplace mentor; changed by the host partner.
MATCHING = {**expect(404, anonymous=LOGIN_REDIRECT, **roles(200, MOBILITY_M)), "mentor_es": 403}
MATCHING_WRITE = {
    **expect(404, anonymous=LOGIN_REDIRECT, **roles(403, MOBILITY_M)),
    "host_coordinator": 422,
}

# A quick link opens for its mentor and for a visitor who is not logged in (the mentor,
# from the e-mail); someone else logged in in the browser is asked to log out first.
QUICK_LINK = expect(403, anonymous=200, mentor_x=200)

# Calls for mobility abroad. The menu: promoters, the schools' staff and students, admins.
CALLS_MENU = expect(
    403,
    anonymous=LOGIN_REDIRECT,
    **roles(
        200,
        (
            "admin",
            "promoter",
            "coordinator_a",
            "coordinator_b",
            "coach_a",
            "coach_b",
            "student_a",
            "student_b",
        ),
    ),
)
CALL_RUNNERS = roles(200, ("admin", "promoter"))
# The consortium and a new call: the promoter (its own) and admins.
CONSORTIUM_PAGE = expect(403, anonymous=LOGIN_REDIRECT, **CALL_RUNNERS)
CALL_EDITING = CONSORTIUM_PAGE
# Who sees call A: its promoter, admins, School A's staff and students (coach AB coaches
# at School A too, unlike coach B whom he answers like elsewhere).
SEES_CALL_A = ("admin", "promoter", "coordinator_a", "coach_a", "student_a", "coach_ab")
CALL_A_PAGE = expect(404, anonymous=LOGIN_REDIRECT, **roles(200, SEES_CALL_A))
CALL_A_ACTION = expect(404, anonymous=LOGIN_REDIRECT, **roles(403, SEES_CALL_A))
# Student A's candidacy: the candidate, School A's coordinators and coaches, the promoter.
CANDIDATE_A_PAGE = CALL_A_PAGE
CANDIDATE_A_ACTION = CALL_A_ACTION
# Its CV and expectations form, read only: those and the host partner of its destination
# (candidate A is selected and ready for matching in Valencia).
CV_A_READERS = {**CANDIDATE_A_PAGE, "host_coordinator": 200}
# School A's ranking and selection report: its staff, the promoter, admins; not students.
SCHOOL_A_SELECTION = {**CALL_A_PAGE, "student_a": 404}
SCHOOL_A_SELECTION_ACTION = {**CALL_A_ACTION, "student_a": 404}
# Candidate A made ready for matching: prepared by School A's coordinators, the promoter
# and admins; placed by the host partner of Valencia, the promoter and admins.
PREPARES_A = ("admin", "promoter", "coordinator_a")
PLACES_A = ("admin", "promoter", "host_coordinator")
TO_MATCH_PAGE = expect(403, anonymous=LOGIN_REDIRECT, **roles(200, PLACES_A))
# The call's overview: its promoter and admins, School A's coordinators (their rows).
CALL_A_OVERVIEW = {**CALL_A_ACTION, **roles(200, PREPARES_A)}
# Placement M, student A's mobility abroad: its learning agreement is read by whoever
# reads its log, by its monitor and by its host partner's coordinators.
AGREEMENT_M = "/placements/{placement_m}/learning-agreement"
AGREEMENT_READERS = (
    "admin",
    "coordinator_a",
    "coach_a",
    "student_a",
    "mentor_es",
    "monitor",
    "host_coordinator",
)
AGREEMENT_PAGE = expect(404, anonymous=LOGIN_REDIRECT, **roles(200, AGREEMENT_READERS))
# The school drafts it: the coach, the school's coordinators and admins.
AGREEMENT_DRAFTERS = ("admin", "coordinator_a", "coach_a")
AGREEMENT_DRAFT = {**AGREEMENT_PAGE, **roles(403, AGREEMENT_READERS)}
# Each party signs: the school, the participant, the host (mentor, monitor, coordinator).
AGREEMENT_SIGNERS = tuple(name for name in AGREEMENT_READERS if name != "admin")
# The mobility file of placement M: its student, its coach, School A's coordinators and
# admins; the mentor, the monitor and the host coordinator abroad see the placement but
# not its papers (403), nobody else sees anything.
MOBILITY_FILE = expect(
    404,
    anonymous=LOGIN_REDIRECT,
    **roles(403, ("mentor_es", "monitor", "host_coordinator")),
    **roles(200, ("admin", "coordinator_a", "coach_a", "student_a")),
)
# Checking it is the school's: 422 for an empty form, 403 for the student.
MOBILITY_CHECK = {
    **MOBILITY_FILE,
    "student_a": 403,
    **roles(422, ("admin", "coordinator_a", "coach_a")),
}
# The closing of placement M: its participant, its coach, School A's coordinators and
# admins, its monitor and its host partner's coordinators; the mentor at the host company
# sees the placement but not its closing (403), nobody else anything. Placement M is in
# preparation: no closing step is taken yet (403 for all who read it).
CLOSING_M = "/placements/{placement_m}/closing"
CLOSING_READERS = ("admin", "coordinator_a", "coach_a", "student_a", "monitor", "host_coordinator")
CLOSING_PAGE = expect(404, anonymous=LOGIN_REDIRECT, mentor_es=403, **roles(200, CLOSING_READERS))
CLOSING_ACTION = {**CLOSING_PAGE, **roles(403, CLOSING_READERS)}
# The Europass record: not signed off yet, so not found for its readers.
CLOSING_RECORD = {**CLOSING_PAGE, **roles(404, CLOSING_READERS)}

# During the stay abroad of placement M. Its page and blog: whoever follows the stay.
STAY_M = "/placements/{placement_m}/stay"
SEES_M = expect(404, anonymous=LOGIN_REDIRECT, **roles(200, MOBILITY_M))
# Writing the blog and its consent: the participant; the others who read it are refused.
BLOG_WRITE = {**SEES_M, **roles(403, MOBILITY_M)}
# The programme: the participant, the coach, the monitor and the host coordinator.
PROGRAMME = ("student_a", "coach_a", "monitor", "host_coordinator")
PROGRAMME_PAGE = {**BLOG_WRITE, **roles(200, PROGRAMME)}
# Changing it: the monitor and the host partner's coordinator, who plan it.
PLANNERS = ("monitor", "host_coordinator")
PLANS_PROGRAMME = {**BLOG_WRITE, **roles(200, PLANNERS)}
# The language goal: the participant, the coach and the monitor.
LANGUAGE_PAGE = {**BLOG_WRITE, **roles(200, ("student_a", "coach_a", "monitor"))}
# Coaches plan trips: coach A, coach B, coach AB, and the coordinator who also coaches.
TRIP_MAKERS = roles(200, ("coach_a", "coach_b", "coordinator_coach_a"))

CASES = [
    # auth
    Case("auth.login", "GET", "/login", expect(302, anonymous=200)),
    Case("auth.login", "POST", "/login", expect(302, anonymous=200), {"email": "", "password": ""}),
    Case("auth.logout", "POST", "/logout", expect(302)),
    Case("auth.forgot_password", "GET", "/password/forgot", expect(200)),
    Case(
        "auth.forgot_password", "POST", "/password/forgot", expect(200), {"email": "not an address"}
    ),
    Case("auth.reset_password", "GET", "/password/reset/not-a-token", expect(302)),
    Case("auth.reset_password", "POST", "/password/reset/not-a-token", expect(302)),
    Case("auth.accept_invitation", "GET", "/invitation/not-a-token", expect(302)),
    Case("auth.accept_invitation", "POST", "/invitation/not-a-token", expect(302)),
    Case("auth.edit_account", "GET", "/account", expect(200, anonymous=LOGIN_REDIRECT)),
    Case(
        "auth.edit_account", "POST", "/account", expect(200, anonymous=LOGIN_REDIRECT), {"name": ""}
    ),
    Case("auth.change_password", "GET", "/account/password", expect(200, anonymous=LOGIN_REDIRECT)),
    Case(
        "auth.change_password",
        "POST",
        "/account/password",
        expect(200, anonymous=LOGIN_REDIRECT),
        {"password-current_password": "wrong"},
    ),
    Case("auth.set_language", "POST", "/language", expect(302), {"locale": "en"}),
    # a new e-mail address: asked for with the password, confirmed from the new mailbox
    Case(
        "auth.change_email",
        "POST",
        "/account/email",
        expect(200, anonymous=LOGIN_REDIRECT),
        {"email-email": "not an address"},
    ),
    Case("auth.confirm_email", "GET", "/account/email/not-a-token", expect(302)),
    Case("auth.confirm_email", "POST", "/account/email/not-a-token", expect(302)),
    # an organisation's invitation to someone with an account: only they answer it
    Case(
        "auth.list_membership_invitations",
        "GET",
        "/account/invitations",
        expect(200, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "auth.answer_membership_invitation",
        "POST",
        "/account/invitations/{invitation_a}",
        expect(404, anonymous=LOGIN_REDIRECT, student_a=302),
        {"answer": "decline"},
    ),
    Case(
        "auth.answer_membership_invitation",
        "POST",
        "/account/invitations/999999",
        MISSING,
        {"answer": "accept"},
    ),
    # the second step of logging in: done already for everyone logged in here
    Case("auth.second_step", "GET", "/login/code", expect(302)),
    Case("auth.second_step", "POST", "/login/code", expect(302), {"code": "123456"}),
    # anyone may set up a second factor; who has one already is sent to My account
    Case(
        "auth.enrol_second_factor",
        "GET",
        "/account/second-factor",
        expect(200, anonymous=LOGIN_REDIRECT, **roles(302, WITH_SECOND_FACTOR)),
    ),
    Case(
        "auth.enrol_second_factor",
        "POST",
        "/account/second-factor",
        expect(200, anonymous=LOGIN_REDIRECT, **roles(302, WITH_SECOND_FACTOR)),
        {"code": "000000"},
    ),
    Case(
        "auth.renew_recovery_codes",
        "POST",
        "/account/second-factor/recovery-codes",
        expect(302, **roles(200, WITH_SECOND_FACTOR)),  # the password is wrong: the page again
        {"codes-current_password": "wrong"},
    ),
    # placements
    Case("placements.index", "GET", "/", expect(200, anonymous=LOGIN_REDIRECT)),
    Case(
        "placements.show_placement",
        "GET",
        "/placements/{placement_a}",
        expect(
            404,
            anonymous=LOGIN_REDIRECT,
            admin=200,
            coordinator_a=200,
            company_coordinator_x=200,
            **roles(200, TRIO_A),
        ),
    ),
    Case(
        "placements.show_placement",
        "GET",
        "/placements/999999",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    # the follow-up log
    Case("followup.show_timeline", "GET", "/placements/{placement_a}/log", LOG_PAGE),
    # a form's address opened again leads back to its entry, for whoever reads it
    *(
        Case(
            endpoint,
            "GET",
            "/placements/{placement_a}/log/{week_a}/" + path,
            {**LOG_PAGE, **roles(302, ("admin", "coordinator_a", *TRIO_A))},
        )
        for endpoint, path in (
            ("followup.review_entry", "review"),
            ("followup.create_comment", "comments"),
            ("followup.create_attachment", "attachments"),
        )
    ),
    Case("followup.show_timeline", "GET", "/placements/999999/log", MISSING),
    Case(
        "followup.create_entry",
        "GET",
        "/placements/{placement_a}/log/new/weekly_log",
        {**LOG_WRITE, "student_a": 200},
    ),
    Case(
        "followup.create_entry",
        "POST",
        "/placements/{placement_a}/log/new/weekly_log",
        {**LOG_WRITE, "student_a": 422},  # the form again: nothing was written
    ),
    Case(
        "followup.create_entry",
        "GET",
        "/placements/{placement_a}/log/new/feedback",
        {**LOG_WRITE, "mentor_x": 200},
    ),
    Case(
        "followup.create_entry",
        "GET",
        "/placements/{placement_a}/log/new/visit_note",
        {**LOG_WRITE, "coach_a": 200},
    ),
    Case("followup.create_entry", "GET", "/placements/{placement_a}/log/new/nonsense", MISSING),
    Case("followup.show_entry", "GET", "/placements/{placement_a}/log/{week_a}", LOG_PAGE),
    Case(
        "followup.show_entry",
        "GET",
        "/placements/{placement_a}/log/{coach_note_a}",
        {**LOG_PAGE, "student_a": 404, "mentor_x": 404},
    ),
    # an entry of A under placement B, where B's people (and admins) look: not found
    Case(
        "followup.show_entry",
        "GET",
        "/placements/{placement_b}/log/{week_a}",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "followup.edit_entry",
        "GET",
        "/placements/{placement_a}/log/{week_a}/edit",
        {**LOG_WRITE, "student_a": 200},
    ),
    Case(
        "followup.edit_entry",
        "POST",
        "/placements/{placement_a}/log/{week_a}/edit",
        {**LOG_WRITE, "student_a": 422},  # the form again: a week needs an answer
        {"version": 2},  # written (1), then given an attachment (2)
    ),
    Case(
        "followup.submit_entry",
        "POST",
        "/placements/{placement_a}/log/{week_a}/submit",
        {**LOG_WRITE, "student_a": 400},  # no version: the form is not from the page
    ),
    Case(
        "followup.review_entry",
        "POST",
        "/placements/{placement_a}/log/{week_a}/review",
        {**LOG_WRITE, "mentor_x": 422},
    ),
    # a student's concern goes to the school only; the coach marks it dealt with
    Case(
        "followup.resolve_concern",
        "GET",
        "/placements/{placement_a}/log/{concern_a}/resolve",
        {
            **LOG_PAGE,
            "mentor_x": 404,
            **roles(302, ("admin", "coordinator_a", "coach_a", "student_a")),
        },
    ),
    Case(
        "followup.resolve_concern",
        "POST",
        "/placements/{placement_a}/log/{concern_a}/resolve",
        {**LOG_WRITE, "mentor_x": 404, "coach_a": 302},
    ),
    Case(
        "followup.approve_weeks",
        "POST",
        "/placements/{placement_a}/log/approve-weeks",
        {**LOG_WRITE, "mentor_x": 302},
    ),
    Case(
        "followup.create_comment",
        "POST",
        "/placements/{placement_a}/log/{week_a}/comments",
        {**LOG_WRITE, **roles(422, TRIO_A)},  # no text: the page again, with the message
    ),
    # evidence: only the author attaches; whoever reads the entry reads its attachments
    Case(
        "followup.create_attachment",
        "POST",
        "/placements/{placement_a}/log/{week_a}/attachments",
        {**LOG_WRITE, "student_a": 422},  # the page again: no file was chosen
    ),
    Case(
        "followup.create_attachment",
        "POST",
        "/placements/{placement_a}/log/{coach_note_a}/attachments",
        {**LOG_WRITE, "coach_a": 422, "student_a": 404, "mentor_x": 404},
    ),
    Case(
        "followup.download_attachment",
        "GET",
        "/placements/{placement_a}/log/{week_a}/attachments/{attachment_a}",
        LOG_PAGE,
    ),
    Case(
        "followup.download_attachment",
        "GET",
        "/placements/{placement_a}/log/{coach_note_a}/attachments/{coach_note_attachment_a}",
        {**LOG_PAGE, "student_a": 404, "mentor_x": 404},
    ),
    # an attachment asked for under another entry than its own: not found
    Case(
        "followup.download_attachment",
        "GET",
        "/placements/{placement_a}/log/{week_a}/attachments/{coach_note_attachment_a}",
        expect(404, anonymous=LOGIN_REDIRECT, company_coordinator_x=403),
    ),
    Case(
        "followup.delete_attachment",
        "POST",
        "/placements/{placement_a}/log/{week_a}/attachments/{attachment_a}/delete",
        {**LOG_WRITE, "student_a": 302},
    ),
    # competences: matrix, registering, evolution, rubric, training plan, export
    Case("competences.show_matrix", "GET", "/placements/{placement_a}/matrix", LOG_PAGE),
    Case("competences.show_matrix", "GET", "/placements/999999/matrix", MISSING),
    Case(
        "competences.show_evolution",
        "GET",
        "/placements/{placement_a}/competences/punctuality",
        LOG_PAGE,
    ),
    Case(
        "competences.show_evolution",
        "GET",
        "/placements/{placement_a}/competences/not-a-competence",
        {**LOG_PAGE, **roles(404, ("admin", "coordinator_a", *TRIO_A))},
    ),
    Case(
        "competences.register_indicators",
        "GET",
        "/placements/{placement_a}/register",
        {**LOG_WRITE, **roles(200, TRIO_A)},
    ),
    Case(
        "competences.register_indicators",
        "POST",
        "/placements/{placement_a}/register",
        {**LOG_WRITE, **roles(302, TRIO_A)},  # nothing chosen: nothing changed
    ),
    Case("competences.compare_rubric", "GET", "/placements/{placement_a}/soft-skills", LOG_PAGE),
    Case(
        "competences.score_rubric",
        "GET",
        "/placements/{placement_a}/soft-skills/score",
        {**LOG_WRITE, **roles(200, TRIO_A)},
    ),
    Case(
        "competences.score_rubric",
        "POST",
        "/placements/{placement_a}/soft-skills/score",
        {**LOG_WRITE, **roles(302, TRIO_A)},
    ),
    Case("competences.edit_plan", "GET", "/placements/{placement_a}/plan", LOG_PAGE),
    Case(
        "competences.edit_plan",
        "POST",
        "/placements/{placement_a}/plan",
        {**LOG_WRITE, "coach_a": 302, "mentor_x": 302},
    ),
    Case(
        "competences.export_registrations",
        "GET",
        "/placements/{placement_a}/registrations.csv",
        LOG_PAGE,
    ),
    Case("competences.show_scale_stylesheet", "GET", "/content/scales.css", expect(200)),
    # the portfolio: whoever reads the log downloads it
    Case(
        "portfolio.export_portfolio",
        "GET",
        "/placements/{placement_a}/portfolio.pdf",
        LOG_PAGE,
    ),
    Case("portfolio.export_portfolio", "GET", "/placements/999999/portfolio.pdf", MISSING),
    Case(
        "portfolio.export_portfolio",
        "GET",
        "/placements/{placement_a}/portfolio.pdf?chosen=1&parts=log&wellbeing=y",
        LOG_PAGE,
    ),
    # what goes into it is chosen on a page before the download, by the same people
    Case("portfolio.choose_portfolio", "GET", "/placements/{placement_a}/portfolio", LOG_PAGE),
    Case("portfolio.choose_portfolio", "GET", "/placements/999999/portfolio", MISSING),
    # mentor training: mentors train, whoever guides or follows them reads along (progress
    # is each person's own); students have no part in it
    Case(
        "training.index", "GET", "/training/", training_page(expect(200, anonymous=LOGIN_REDIRECT))
    ),
    Case(
        "training.show_module",
        "GET",
        "/training/modules/feedback-that-lands",
        training_page(expect(200, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.show_module",
        "GET",
        "/training/modules/no-such-module",
        training_page(expect(404, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.answer_quiz",
        "GET",
        "/training/modules/feedback-that-lands/quiz",
        training_page(expect(302)),
    ),
    Case(
        "training.answer_quiz",
        "POST",
        "/training/modules/feedback-that-lands/quiz",
        # no answers: the page again, nothing saved
        training_page(expect(422, anonymous=LOGIN_REDIRECT)),
    ),
    *(
        Case(
            endpoint,
            method,
            "/training/modules/feedback-that-lands/" + path,
            training_page(expect(302)),
        )
        for endpoint, path in (
            ("training.save_reflection", "reflection"),
            ("training.mark_assignment", "assignment"),
        )
        for method in ("GET", "POST")
    ),
    *(
        Case(
            "training.recommend_module",
            method,
            "/placements/{placement_a}/recommend",
            expect(
                404,
                anonymous=LOGIN_REDIRECT,
                **roles(403, ("mentor_x", "student_a", "company_coordinator_x")),
                **roles(200 if method == "GET" else 422, ("admin", "coordinator_a", "coach_a")),
            ),
        )
        for method in ("GET", "POST")
    ),
    *(
        Case(endpoint, "GET", path, expect(403, anonymous=LOGIN_REDIRECT, **FOLLOWERS))
        for endpoint, path in (
            ("training.list_mentors", "/training/mentors"),
            ("training.export_mentors", "/training/mentors.csv"),
        )
    ),
    Case(
        "training.edit_mentor_record",
        "GET",
        "/training/mentors/{mentor_x}",
        {**expect(403, anonymous=LOGIN_REDIRECT, **FOLLOWERS), "coordinator_b": 404},
    ),
    Case(
        "training.edit_mentor_record",
        "POST",
        "/training/mentors/{mentor_x}",
        {**expect(403, anonymous=LOGIN_REDIRECT, **roles(302, FOLLOWERS)), "coordinator_b": 404},
    ),
    *(
        Case(
            "training.share_practice",
            method,
            "/training/modules/feedback-that-lands/practice",
            training_page(expect(302))
            if method == "GET"
            else expect(403, anonymous=LOGIN_REDIRECT, mentor_x=422, mentor_y=422, mentor_es=422),
        )
        for method in ("GET", "POST")
    ),
    Case(
        "training.review_practice",
        "GET",
        "/training/practice",
        expect(403, anonymous=LOGIN_REDIRECT, **roles(200, ADMINISTRATORS)),
    ),
    Case(
        "training.review_post",
        "POST",
        "/training/practice/999999/review",
        training_page(expect(404, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.list_templates",
        "GET",
        "/training/templates/",
        training_page(expect(200, anonymous=302)),
    ),
    Case(
        "training.show_template",
        "GET",
        "/training/templates/training-plan",
        training_page(expect(200, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.download_template",
        "GET",
        "/training/templates/training-plan.pdf",
        training_page(expect(200, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.issue_certificate",
        "POST",
        "/training/paths/basic-mentor-training/certificate",
        training_page(expect(302)),  # not completed yet: back to the catalogue with the reason
    ),
    Case(
        "training.issue_certificate",
        "POST",
        "/training/paths/no-such-path/certificate",
        training_page(expect(404, anonymous=LOGIN_REDIRECT)),
    ),
    Case(
        "training.download_certificate",
        "GET",
        "/training/certificates/AAAA-BBBB-CCCC.pdf",
        training_page(expect(404, anonymous=LOGIN_REDIRECT)),
    ),
    # anyone may check a certificate, logged in or not
    Case("training.verify_certificate", "GET", "/verify/AAAA-BBBB-CCCC", expect(404)),
    # caseload: coaches (their own), coordinators (their schools'), admins (all)
    Case("caseload.show_overview", "GET", "/caseload", CASELOAD_PAGE),
    Case(
        "caseload.show_overview",
        "GET",
        "/caseload?coach={mentor_x}&workplace=x&kind=bbl&programme=x&page=9",
        CASELOAD_PAGE,
    ),
    Case("caseload.export_overview", "GET", "/caseload.csv", CASELOAD_PAGE),
    Case("caseload.export_overview", "GET", "/caseload.csv?workplace={company_x}", CASELOAD_PAGE),
    # administration
    Case("admin.index", "GET", "/admin/", ADMIN_PAGE),
    Case("admin.list_organisations", "GET", "/admin/organisations", ADMIN_PAGE),
    Case("admin.create_organisation", "GET", "/admin/organisations/new", ADMIN_PAGE),
    Case("admin.create_organisation", "POST", "/admin/organisations/new", ADMIN_PAGE, {"name": ""}),
    Case(
        "admin.edit_organisation",
        "GET",
        "/admin/organisations/{company_x}",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "admin.edit_organisation",
        "POST",
        "/admin/organisations/{company_x}",
        {**ADMIN_PAGE, "coordinator_b": 404},
        {"name": ""},
    ),
    Case(
        "admin.edit_organisation",
        "GET",
        "/admin/organisations/{school_b}",
        {**ADMIN_PAGE, "coordinator_a": 404},
    ),
    Case(
        "admin.edit_school_settings",
        "GET",
        "/admin/organisations/{school_a}/settings",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "admin.edit_school_settings",
        "POST",
        "/admin/organisations/{school_a}/settings",
        {**ADMIN_PAGE, "coordinator_b": 404},
        {"feedback_days": "0"},
    ),
    Case(
        "admin.edit_school_settings",
        "POST",
        "/admin/organisations/{school_a}/settings",
        {**ADMIN_PAGE, "admin": 302, "coordinator_a": 302, "coordinator_b": 404},
        {
            "feedback_days": "20",
            "reflection_days": "7",
            "divergence_levels": "2",
            "visit_interval_weeks": "6",
        },
    ),
    Case(
        "admin.edit_school_settings",
        "GET",
        "/admin/organisations/{company_x}/settings",
        {**ADMIN_PAGE, **roles(404, ADMINISTRATORS)},
    ),
    Case("admin.list_users", "GET", "/admin/people", ADMIN_PAGE),
    Case("admin.invite_user", "GET", "/admin/people/invite", ADMIN_PAGE),
    Case("admin.invite_user", "POST", "/admin/people/invite", ADMIN_PAGE, {"email": ""}),
    Case(
        "admin.edit_user",
        "GET",
        "/admin/people/{student_a}",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "admin.edit_user",
        "POST",
        "/admin/people/{student_a}",
        {**ADMIN_PAGE, "coordinator_b": 404},
        {"name": ""},
    ),
    Case(
        "admin.remove_membership",
        "POST",
        "/admin/people/{student_a}/memberships/{student_a_membership}/delete",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "admin.remove_membership",
        "POST",
        "/admin/people/{student_a}/memberships/999999/delete",
        {**ADMIN_PAGE, "admin": 404, "coordinator_a": 404, "coordinator_b": 404},
    ),
    Case(
        "admin.resend_invitation",
        "POST",
        "/admin/people/{student_a}/invitation",
        {**ADMIN_PAGE, "admin": 302, "coordinator_a": 302, "coordinator_b": 404},
    ),
    # a lost phone: only platform admins take someone's second factor away
    Case(
        "admin.reset_second_factor",
        "POST",
        "/admin/people/{coordinator_a}/second-factor/reset",
        {**ADMIN_PAGE, "admin": 302, "coordinator_a": 403, "coordinator_b": 404},
    ),
    Case(
        "admin.reset_second_factor",
        "POST",
        "/admin/people/{student_a}/second-factor/reset",
        {**ADMIN_PAGE, "admin": 302, "coordinator_a": 403, "coordinator_b": 404},
    ),
    Case("admin.create_placement", "GET", "/admin/placements/new", ADMIN_PAGE),
    Case("admin.create_placement", "POST", "/admin/placements/new", ADMIN_PAGE, {"kind": "x"}),
    Case(
        "admin.edit_placement",
        "GET",
        "/admin/placements/{placement_a}/edit",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "admin.edit_placement",
        "POST",
        "/admin/placements/{placement_a}/edit",
        {**ADMIN_PAGE, "coordinator_b": 404},
        {"kind": "x"},
    ),
    Case("admin.import_placements", "GET", "/admin/import", ADMIN_PAGE),
    Case("admin.import_placements", "POST", "/admin/import", ADMIN_PAGE),
    Case("admin.download_import_template", "GET", "/admin/import/template.csv", ADMIN_PAGE),
    # an uploaded file: only who uploaded it opens its preview and imports it
    Case(
        "admin.preview_import",
        "GET",
        "/admin/import/{pending_import_a}",
        # a file is its uploader's: not even another coordinator of the school opens it
        {**ADMIN_PAGE, "admin": 404, "coordinator_b": 404, "coordinator_coach_a": 404},
    ),
    Case(
        "admin.preview_import",
        "GET",
        "/admin/import/999999",
        {**ADMIN_PAGE, **roles(404, ADMINISTRATORS)},
    ),
    Case(
        "admin.preview_import",
        "POST",
        "/admin/import/{pending_import_a}",
        # no invitation: the page again, for its uploader only
        {**ADMIN_PAGE, "admin": 404, "coordinator_b": 404, "coordinator_coach_a": 404},
    ),
    Case("admin.list_jobs", "GET", "/admin/jobs", PLATFORM_PAGE),
    # privacy: the page is for everyone; one's own data for everyone logged in; someone
    # else's for the school that answers for them and for admins
    # the audit trail of a placement: its school
    Case(
        "placements.show_audit_trail",
        "GET",
        "/placements/{placement_a}/audit",
        expect(
            404,
            anonymous=LOGIN_REDIRECT,
            admin=200,
            coordinator_a=200,
            company_coordinator_x=403,
            **roles(403, TRIO_A),
        ),
    ),
    Case("placements.show_audit_trail", "GET", "/placements/999999/audit", MISSING),
    Case("privacy.show_privacy", "GET", "/privacy", expect(200)),
    Case("privacy.export_own_data", "GET", "/privacy/my-data", expect(200, anonymous=302)),
    Case("privacy.export_own_data", "POST", "/privacy/my-data", expect(200, anonymous=302)),
    Case(
        "privacy.export_person",
        "POST",
        "/privacy/people/{student_a}/export",
        expect(404, anonymous=302, admin=200, coordinator_a=200),
    ),
    Case(
        "privacy.export_person",
        "POST",
        "/privacy/people/{mentor_x}/export",
        expect(404, anonymous=302, admin=200, coordinator_a=403),
    ),
    Case("privacy.request_erasure", "POST", "/privacy/my-data/erasure", expect(302)),
    Case("privacy.accept_notice", "POST", "/privacy/notice", expect(302)),
    # a guardian's approval: the placement's school records and revokes it
    Case(
        "placements.record_guardian_approval",
        "POST",
        "/placements/{placement_a}/guardian-approvals",
        {**LOG_WRITE, "admin": 422, "coordinator_a": 422},
    ),
    Case(
        "placements.revoke_guardian_approval",
        "POST",
        "/placements/{placement_a}/guardian-approvals/999999/revoke",
        {**LOG_WRITE, "admin": 404, "coordinator_a": 404},
    ),
    # a mobility abroad (placement M, in preparation): the host partner matches it, the
    # monitor and the sending school read the matching, another host partner sees nothing
    Case(
        "placements.show_placement",
        "GET",
        "/placements/{placement_m}",
        expect(404, anonymous=LOGIN_REDIRECT, **roles(200, MOBILITY_M)),
    ),
    Case(
        "followup.show_timeline",
        "GET",
        "/placements/{placement_m}/log",
        {
            **expect(404, anonymous=LOGIN_REDIRECT, **roles(200, MOBILITY_M)),
            "host_coordinator": 403,
        },
    ),
    Case("placements.match_placement", "GET", "/placements/{placement_m}/matching", MATCHING),
    Case(
        "placements.match_placement",
        "POST",
        "/placements/{placement_m}/matching",
        MATCHING_WRITE,
        {"workplace": "999999"},
    ),
    Case(
        "placements.create_host_workplace",
        "POST",
        "/placements/{placement_m}/matching/workplaces",
        MATCHING_WRITE,
        {"name": ""},
    ),
    Case(
        "placements.add_lodging",
        "POST",
        "/placements/{placement_m}/lodgings",
        MATCHING_WRITE,
        {"address": ""},
    ),
    Case(
        "placements.remove_lodging",
        "POST",
        "/placements/{placement_m}/lodgings/{lodging_m}/remove",
        {**MATCHING_WRITE, "host_coordinator": 302},
    ),
    Case(
        "placements.remove_lodging",
        "POST",
        "/placements/{placement_m}/lodgings/999999/remove",
        {**MATCHING_WRITE, "host_coordinator": 404},
    ),
    Case(
        "placements.show_destination",
        "GET",
        "/destination",
        expect(403, anonymous=LOGIN_REDIRECT, host_coordinator=200),
    ),
    Case(
        "privacy.edit_school_privacy",
        "GET",
        "/privacy/schools/{school_a}/settings",
        {**ADMIN_PAGE, "coordinator_b": 404},
    ),
    Case(
        "privacy.edit_school_privacy",
        "POST",
        "/privacy/schools/{school_a}/settings",
        {**ADMIN_PAGE, "admin": 422, "coordinator_a": 422, "coordinator_b": 404},
        {"log": "x"},
    ),
    Case(
        "privacy.record_request",
        "POST",
        "/privacy/people/{student_a}/requests",
        expect(404, anonymous=302, admin=302, coordinator_a=302),
    ),
    Case("privacy.list_requests", "GET", "/privacy/requests", ADMIN_PAGE),
    Case("privacy.show_request", "GET", "/privacy/requests/{request_a}", SCHOOL_A_REQUEST),
    # without the confirmation, without a reason: the form again, nothing done
    Case(
        "privacy.erase_for_request",
        "POST",
        "/privacy/requests/{request_a}/erase",
        {**SCHOOL_A_REQUEST, "admin": 422, "coordinator_a": 422},
    ),
    Case(
        "privacy.refuse_request",
        "POST",
        "/privacy/requests/{request_a}/refuse",
        {**SCHOOL_A_REQUEST, "admin": 422, "coordinator_a": 422},
    ),
    # the personal development plan: part of the log; the student writes it, mentor and
    # coach suggest and comment, the coach approves
    Case("plans.show_plan", "GET", "/placements/{placement_a}/development-plan", LOG_PAGE),
    Case("plans.show_plan", "GET", "/placements/999999/development-plan", MISSING),
    Case("plans.export_plan", "GET", "/placements/{placement_a}/development-plan.pdf", LOG_PAGE),
    Case(
        "plans.show_goal",
        "GET",
        "/placements/{placement_a}/development-plan/goals/{goal_a}",
        LOG_PAGE,
    ),
    # a goal of A asked for under placement B: not found
    Case(
        "plans.show_goal",
        "GET",
        "/placements/{placement_b}/development-plan/goals/{goal_a}",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "plans.create_goal",
        "GET",
        "/placements/{placement_a}/development-plan/goals/new",
        {**LOG_WRITE, **roles(200, TRIO_A)},
    ),
    Case(
        "plans.create_goal",
        "POST",
        "/placements/{placement_a}/development-plan/goals/new",
        {**LOG_WRITE, **roles(422, TRIO_A)},  # the form again: a goal needs a title
    ),
    Case(
        "plans.edit_goal",
        "GET",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/edit",
        {**LOG_WRITE, "student_a": 200},
    ),
    Case(
        "plans.edit_goal",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/edit",
        {**LOG_WRITE, "student_a": 422},
        {"version": 1, "title": ""},
    ),
    Case(
        "plans.close_goal",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/close",
        {**LOG_WRITE, "student_a": 422},
    ),
    Case(
        "plans.reopen_goal",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/reopen",
        {**LOG_WRITE, "student_a": 400},  # no version: not a form from the page
    ),
    Case(
        "plans.respond_to_goal",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/respond",
        {**LOG_WRITE, "student_a": 400},  # neither accept nor decline: not from the page
    ),
    Case(
        "plans.create_goal_comment",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/comments",
        {**LOG_WRITE, **roles(422, TRIO_A)},
    ),
    Case(
        "plans.link_evidence",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/evidence",
        {**LOG_WRITE, "student_a": 422},
    ),
    Case(
        "plans.unlink_evidence",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/evidence/999999/remove",
        {**LOG_WRITE, "student_a": 404},
    ),
    Case(
        "plans.create_action",
        "POST",
        "/placements/{placement_a}/development-plan/goals/{goal_a}/actions",
        {**LOG_WRITE, **roles(422, TRIO_A)},
    ),
    Case(
        "plans.respond_to_action",
        "POST",
        "/placements/{placement_a}/development-plan/actions/{action_a}/respond",
        {**LOG_WRITE, "student_a": 400},
    ),
    # objects of placement A named under placement B: not found, whoever asks
    *(
        Case(endpoint, "POST", "/placements/{placement_b}/" + path, MISSING)
        for endpoint, path in (
            ("plans.tick_action", "development-plan/actions/{action_a}/tick"),
            ("plans.link_evidence", "development-plan/goals/{goal_a}/evidence"),
            ("plans.close_goal", "development-plan/goals/{goal_a}/close"),
            ("visits.confirm_visit", "visits/{visit_a}/confirm"),
            ("visits.write_report", "visits/{visit_a}/report"),
        )
    ),
    Case(
        "plans.tick_action",
        "POST",
        "/placements/{placement_a}/development-plan/actions/{action_a}/tick",
        {**LOG_WRITE, "student_a": 400},  # no state: not a form from the page
    ),
    Case(
        "plans.approve_plan",
        "POST",
        "/placements/{placement_a}/development-plan/approve",
        {**LOG_WRITE, "coach_a": 302},
    ),
    Case(
        "plans.create_template",
        "POST",
        "/placements/{placement_a}/development-plan/template",
        LOG_WRITE,  # placement A names no programme: nothing to make a template for
    ),
    Case(
        "plans.list_templates",
        "GET",
        "/plan-templates",
        expect(
            403,
            anonymous=LOGIN_REDIRECT,
            **roles(200, ("admin", "coordinator_a", "coordinator_b", "coach_a", "coach_b")),
        ),
    ),
    *(
        Case(
            "plans.apply_template",
            method,
            "/plan-templates/{template_a}",
            expect(
                403,
                anonymous=LOGIN_REDIRECT,
                coordinator_b=404,
                coach_b=404,
                # School A's templates are for whoever coaches there, at B too
                **roles(status, ("admin", "coordinator_a", "coach_a", "coach_ab")),
            ),
        )
        for method, status in (("GET", 200), ("POST", 422))
    ),
    # a form's address opened again (reload, back button) leads to its goal or visit
    *(
        Case(
            endpoint,
            "GET",
            "/placements/{placement_a}/" + path,
            {**LOG_PAGE, **roles(302, ("admin", "coordinator_a", *TRIO_A))},
        )
        for endpoint, path in (
            ("plans.close_goal", "development-plan/goals/{goal_a}/close"),
            ("plans.reopen_goal", "development-plan/goals/{goal_a}/reopen"),
            ("plans.respond_to_goal", "development-plan/goals/{goal_a}/respond"),
            ("plans.create_goal_comment", "development-plan/goals/{goal_a}/comments"),
            ("plans.link_evidence", "development-plan/goals/{goal_a}/evidence"),
            ("plans.unlink_evidence", "development-plan/goals/{goal_a}/evidence/1/remove"),
            ("plans.create_action", "development-plan/goals/{goal_a}/actions"),
            ("visits.confirm_visit", "visits/{visit_a}/confirm"),
            ("visits.comment_on_visit", "visits/{visit_a}/comments"),
            ("visits.amend_visit", "visits/{visit_a}/amendments"),
        )
    ),
    # visits: the coach plans and reports; the trio reads (and comments once final)
    Case("visits.list_visits", "GET", "/placements/{placement_a}/visits", LOG_PAGE),
    Case("visits.list_visits", "GET", "/placements/999999/visits", MISSING),
    Case(
        "visits.plan_visit",
        "GET",
        "/placements/{placement_a}/visits/new",
        {**LOG_WRITE, "coach_a": 200},
    ),
    Case(
        "visits.plan_visit",
        "POST",
        "/placements/{placement_a}/visits/new",
        {**LOG_WRITE, "coach_a": 422},  # the form again: a visit needs a date
    ),
    Case("visits.show_visit", "GET", "/placements/{placement_a}/visits/{visit_a}", LOG_PAGE),
    Case(
        "visits.show_visit",
        "GET",
        "/placements/{placement_b}/visits/{visit_a}",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "visits.edit_visit",
        "GET",
        "/placements/{placement_a}/visits/{visit_a}/edit",
        {**LOG_WRITE, "coach_a": 200},
    ),
    Case(
        "visits.edit_visit",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/edit",
        {**LOG_WRITE, "coach_a": 400},  # no version: not a form from the page
    ),
    Case(
        "visits.write_report",
        "GET",
        "/placements/{placement_a}/visits/{visit_a}/report",
        {**LOG_WRITE, "coach_a": 200},
    ),
    Case(
        "visits.write_report",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/report",
        {**LOG_WRITE, "coach_a": 422},
    ),
    Case(
        "visits.confirm_visit",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/confirm",
        {**LOG_WRITE, "mentor_x": 302, "student_a": 302},  # not final yet: said so
    ),
    Case(
        "visits.comment_on_visit",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/comments",
        {**LOG_WRITE, **roles(422, TRIO_A)},
    ),
    Case(
        "visits.amend_visit",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/amendments",
        {**LOG_WRITE, "coach_a": 422},
    ),
    Case(
        "visits.cancel_visit",
        "POST",
        "/placements/{placement_a}/visits/{visit_a}/cancel",
        {**LOG_WRITE, "coach_a": 302},
    ),
    # a mobility's learning agreement: whoever reads the log of placement M, its monitor
    # and its host partner's coordinators; drafted by the school, signed by the parties
    Case("agreements.list_agreements", "GET", "/learning-agreements", expect(200, anonymous=302)),
    Case("agreements.show_agreement", "GET", AGREEMENT_M, AGREEMENT_PAGE),
    Case("agreements.show_agreement", "GET", AGREEMENT_M + "?version=9", MISSING),
    Case(
        "agreements.show_agreement",
        "GET",
        "/placements/{placement_a}/learning-agreement",  # not a mobility: no agreement
        MISSING,
    ),
    Case("agreements.export_agreement", "GET", AGREEMENT_M + ".pdf", AGREEMENT_PAGE),
    Case(
        "agreements.start_agreement",
        "POST",
        AGREEMENT_M + "/start",
        {**AGREEMENT_DRAFT, **roles(302, AGREEMENT_DRAFTERS)},  # started already: said so
    ),
    Case(
        "agreements.edit_agreement",
        "GET",
        AGREEMENT_M + "/edit",
        {**AGREEMENT_DRAFT, **roles(200, AGREEMENT_DRAFTERS)},
    ),
    Case(
        "agreements.edit_agreement",
        "POST",
        AGREEMENT_M + "/edit",
        {**AGREEMENT_DRAFT, **roles(422, AGREEMENT_DRAFTERS)},  # no version: the form again
    ),
    Case(
        "agreements.create_version",
        "POST",
        AGREEMENT_M + "/new-version",
        {**AGREEMENT_DRAFT, **roles(302, AGREEMENT_DRAFTERS)},  # not signed yet: said so
    ),
    Case(
        "agreements.send_host_link",
        "POST",
        AGREEMENT_M + "/host-link",
        {**AGREEMENT_DRAFT, **roles(422, AGREEMENT_DRAFTERS)},  # no address: the form again
    ),
    Case(
        "agreements.sign_agreement",
        "POST",
        AGREEMENT_M + "/versions/1/sign",
        {**AGREEMENT_PAGE, "admin": 403, **roles(422, AGREEMENT_SIGNERS)},  # no name: again
    ),
    # the host's signer by link: no login; the link alone decides
    Case("agreements.sign_by_link", "GET", "/learning-agreement/{agreement_link_m}", expect(200)),
    Case(
        "agreements.sign_by_link",
        "POST",
        "/learning-agreement/{agreement_link_m}",
        expect(422),  # no name, no consent: the form again
    ),
    Case("agreements.sign_by_link", "GET", "/learning-agreement/not-a-token", expect(404)),
    # notifications: each person's own; someone else's is not found
    Case(
        "notifications.list_notifications",
        "GET",
        "/notifications",
        expect(200, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "notifications.list_notifications",
        "GET",
        "/notifications?page=99",
        expect(200, anonymous=LOGIN_REDIRECT),
    ),
    Case(
        "notifications.open_notification",
        "GET",
        "/notifications/{notification_mentor_x}/open",
        expect(404, anonymous=LOGIN_REDIRECT, mentor_x=302),
    ),
    Case(
        "notifications.open_notification",
        "GET",
        "/notifications/999999/open",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    Case("notifications.mark_all_read", "POST", "/notifications/read", expect(302)),
    # a mentor's quick link: its mentor, logged in or not; anyone else logged in is refused
    Case("mentorlinks.use_link", "GET", "/quick/{quick_week_a}", QUICK_LINK),
    Case("mentorlinks.use_link", "GET", "/quick/not-a-token", expect(404)),
    Case(
        "mentorlinks.use_link",
        "POST",
        "/quick/{quick_week_a}",
        {**QUICK_LINK, "anonymous": 422, "mentor_x": 422},  # returned without a comment
        {"return_entry": "1"},
    ),
    Case("mentorlinks.use_link", "POST", "/quick/not-a-token", expect(404), {"approve": "1"}),
    # during the stay abroad of placement M: its page, the blog and its consent, the
    # programme, the language goal; a placement that is not abroad has none
    Case("stay.show_stay", "GET", STAY_M, SEES_M),
    Case("stay.show_stay", "GET", "/placements/{placement_a}/stay", MISSING),
    Case("stay.show_blog", "GET", STAY_M + "/blog", SEES_M),
    Case("stay.show_blog", "POST", STAY_M + "/blog", {**BLOG_WRITE, "student_a": 422}),
    Case("stay.edit_post", "GET", STAY_M + "/blog/{post_m}/edit", {**BLOG_WRITE, "student_a": 200}),
    Case(
        "stay.edit_post",
        "POST",
        STAY_M + "/blog/{post_m}/edit",
        {**BLOG_WRITE, "student_a": 422},
        {"version": "1"},
    ),
    Case(
        "stay.delete_post",
        "POST",
        STAY_M + "/blog/{post_m}/delete",
        {**BLOG_WRITE, "student_a": 302},
    ),
    Case("stay.show_photo", "GET", STAY_M + "/blog/{post_m}/photo", SEES_M),
    Case(
        "stay.set_consent",
        "POST",
        STAY_M + "/blog/consent",
        {**BLOG_WRITE, "student_a": 302},
        {"withdraw": "1"},
    ),
    Case(
        "stay.send_consent_link",
        "POST",
        STAY_M + "/blog/consent-link",
        {**BLOG_WRITE, **roles(422, ("admin", "coordinator_a", "coach_a"))},
    ),
    Case(
        "stay.published_blogs",
        "GET",
        "/published-blogs",
        expect(
            403,
            anonymous=LOGIN_REDIRECT,
            **roles(200, ("admin", "coordinator_a", "coordinator_b", "promoter")),
        ),
    ),
    Case("stay.answer_consent_link", "GET", "/blog-consent/{consent_link_m}", expect(200)),
    Case("stay.answer_consent_link", "POST", "/blog-consent/{consent_link_m}", expect(422)),
    Case("stay.answer_consent_link", "GET", "/blog-consent/not-a-token", expect(404)),
    Case("stay.answer_consent_link", "POST", "/blog-consent/not-a-token", expect(404)),
    Case("stay.show_programme", "GET", STAY_M + "/programme", PROGRAMME_PAGE),
    Case(
        "stay.show_programme",
        "POST",
        STAY_M + "/programme",
        {**BLOG_WRITE, **roles(422, ("monitor", "host_coordinator"))},
    ),
    # changing and removing an activity: who plans the programme (the monitor and the host
    # partner's coordinator); removing asks a confirmation first, and a removal sent from
    # an older version of the activity is refused (409), so nothing is removed here
    Case("stay.edit_activity", "GET", STAY_M + "/programme/{activity_m}/edit", PLANS_PROGRAMME),
    Case(
        "stay.edit_activity",
        "POST",
        STAY_M + "/programme/{activity_m}/edit",
        {**BLOG_WRITE, **roles(422, PLANNERS)},
        {"version": "1"},  # no title
    ),
    Case("stay.remove_activity", "GET", STAY_M + "/programme/{activity_m}/remove", PLANS_PROGRAMME),
    Case(
        "stay.remove_activity",
        "POST",
        STAY_M + "/programme/{activity_m}/remove",
        {**BLOG_WRITE, **roles(409, PLANNERS)},
        {"version": "999"},
    ),
    Case(
        "stay.reflect",
        "POST",
        STAY_M + "/programme/{activity_m}/reflection",
        {**BLOG_WRITE, "student_a": 422},
    ),
    Case("stay.show_language", "GET", STAY_M + "/language", LANGUAGE_PAGE),
    Case("stay.show_language", "POST", STAY_M + "/language", {**BLOG_WRITE, "student_a": 422}),
    # the accompanying teacher's trips: coaches plan them, a school's coordinators read
    # its trips; trip A is coach A's, of School A
    Case(
        "stay.list_trips",
        "GET",
        "/trips",
        expect(
            403,
            anonymous=LOGIN_REDIRECT,
            **TRIP_MAKERS,
            **roles(200, ("admin", "coordinator_a", "coordinator_b")),
        ),
    ),
    Case(
        "stay.create_trip",
        "GET",
        "/trips/new",
        expect(403, anonymous=LOGIN_REDIRECT, **TRIP_MAKERS),
    ),
    Case(
        "stay.create_trip",
        "POST",
        "/trips/new",
        expect(
            403,
            anonymous=LOGIN_REDIRECT,
            **roles(422, ("coach_a", "coach_b", "coordinator_coach_a")),
        ),
    ),
    Case(
        "stay.show_trip",
        "GET",
        "/trips/{trip_a}",
        expect(404, anonymous=LOGIN_REDIRECT, **roles(200, ("admin", "coordinator_a", "coach_a"))),
    ),
    Case(
        "stay.show_trip",
        "POST",
        "/trips/{trip_a}",
        expect(
            404,
            anonymous=LOGIN_REDIRECT,
            **roles(403, ("admin", "coordinator_a")),
            coach_a=422,
        ),
    ),
    # the mobility file of placement M (abroad): its participant and the school's side; the
    # mentor abroad sees the placement, not the file; the dual company only its approval
    Case("mobility.show_file", "GET", "/placements/{placement_m}/mobility-file", MOBILITY_FILE),
    Case(
        "mobility.show_file", "GET", "/placements/{placement_a}/mobility-file", MISSING
    ),  # not abroad
    Case(
        "mobility.download_item",
        "GET",
        "/placements/{placement_m}/mobility-file/cv_expectations/file",
        MOBILITY_FILE,
    ),
    Case(
        "mobility.download_item",
        "GET",
        "/placements/{placement_m}/mobility-file/general_liability/file",
        # nothing handed in
        {**MOBILITY_FILE, **roles(404, ("admin", "coordinator_a", "coach_a", "student_a"))},
    ),
    # without a file: refused by the form (422) for who may hand it in
    Case(
        "mobility.deliver_item",
        "POST",
        "/placements/{placement_m}/mobility-file/cv_expectations/upload",
        {**MOBILITY_FILE, **roles(422, ("admin", "coordinator_a", "coach_a", "student_a"))},
    ),
    Case(
        "mobility.deliver_item",
        "POST",
        "/placements/{placement_m}/mobility-file/accident_insurance/upload",
        {**MOBILITY_FILE, "student_a": 403, **roles(422, ("admin", "coordinator_a", "coach_a"))},
    ),
    Case(
        "mobility.review_item",
        "POST",
        "/placements/{placement_m}/mobility-file/cv_expectations/review",
        MOBILITY_CHECK,
    ),
    Case(
        "mobility.set_deadline",
        "POST",
        "/placements/{placement_m}/mobility-file/cv_expectations/deadline",
        MOBILITY_CHECK,
    ),
    Case(
        "mobility.send_guardian_link",
        "POST",
        "/placements/{placement_m}/mobility-file/guardian-link",
        MOBILITY_CHECK,
    ),
    Case(
        "mobility.approve_participation",
        "POST",
        "/placements/{placement_m}/mobility-file/participation",
        {**MOBILITY_FILE, "student_a": 422, **roles(403, ("admin", "coordinator_a", "coach_a"))},
    ),
    *(
        Case(
            "mobility.company_approval",
            method,
            "/placements/{placement_m}/company-approval",
            expect(
                404,
                anonymous=LOGIN_REDIRECT,
                **roles(403, ("admin", "coordinator_a", "coach_a", "student_a")),
                **roles(403, ("mentor_es", "monitor", "host_coordinator")),
                **roles(200 if method == "GET" else 422, ("mentor_x", "company_coordinator_x")),
            ),
        )
        for method in ("GET", "POST")
    ),
    # closing a mobility: the stage report, the EU survey, the final scores, the record
    Case("closing.show_closing", "GET", CLOSING_M, CLOSING_PAGE),
    Case("closing.show_closing", "GET", "/placements/{placement_a}/closing", MISSING),
    Case("closing.edit_report", "GET", CLOSING_M + "/report", CLOSING_ACTION),
    Case("closing.edit_report", "POST", CLOSING_M + "/report", CLOSING_ACTION),
    Case("closing.return_report", "POST", CLOSING_M + "/report/return", CLOSING_ACTION),
    Case("closing.confirm_survey", "POST", CLOSING_M + "/survey", CLOSING_ACTION),
    Case("closing.confirm_scores", "POST", CLOSING_M + "/scores", CLOSING_ACTION),
    Case("closing.close_mobility", "POST", CLOSING_M + "/close", CLOSING_ACTION),
    Case(
        "closing.export_record_json",
        "GET",
        "/placements/{placement_m}/europass-record.json",
        CLOSING_RECORD,
    ),
    Case(
        "closing.export_record_pdf",
        "GET",
        "/placements/{placement_m}/europass-record.pdf",
        CLOSING_RECORD,
    ),
    # a guardian's link: no login, the same answer for everyone; 422 without an answer
    Case("mobility.answer_guardian_link", "GET", "/guardian/{guardian_link_m}", expect(200)),
    Case("mobility.answer_guardian_link", "GET", "/guardian/not-a-token", expect(404)),
    Case("mobility.answer_guardian_link", "POST", "/guardian/{guardian_link_m}", expect(422)),
    Case("mobility.answer_guardian_link", "POST", "/guardian/not-a-token", expect(404)),
    # drafts: saved while typing, only for a form of one's own to write; anyone else
    # finds no such form
    Case(
        "drafts.autosave",
        "POST",
        "/drafts?page=/placements/{placement_a}/log/new/weekly_log",
        expect(404, anonymous=LOGIN_REDIRECT, student_a=200),
        {"did": "Half a weekly log"},
    ),
    Case(
        "drafts.autosave",
        "POST",
        "/drafts?page=/placements/{placement_a}/log/{week_a}/edit",
        expect(404, anonymous=LOGIN_REDIRECT, student_a=200),
        {"did": "Half a weekly log"},
    ),
    Case(
        "drafts.autosave",
        "POST",
        "/drafts?page=/placements/{placement_a}/log/new/visit_note",
        expect(404, anonymous=LOGIN_REDIRECT, coach_a=200),
        {"body": "Half a visit note"},
    ),
    Case(
        "drafts.autosave",
        "POST",
        "/drafts?page=/placements/{placement_b}/development-plan/goals/new",
        # placement B's trio; coaching for School B is not coaching this placement
        expect(
            404, anonymous=LOGIN_REDIRECT, student_b=200, coach_b=200, mentor_y=200, coach_ab=404
        ),
        {"why": "Half a goal"},
    ),
    Case(
        "drafts.autosave",
        "POST",
        "/drafts?page=/admin/placements/new",
        expect(404, anonymous=LOGIN_REDIRECT),
        {"notes": "Not a form saved while typing"},
    ),
    # throwing away one's own draft of a page: everyone may, it names no one else's
    Case("drafts.discard_draft", "POST", "/drafts/discard?page=/", expect(302)),
    # calls for mobility abroad: the promoter's call with School A as its member school,
    # student A its candidate. Its promoter and admins run it; School A's staff and
    # students see it (coach AB coaches at School A too); other schools see nothing.
    Case("calls.list_calls", "GET", "/calls", CALLS_MENU),
    Case("calls.manage_consortium", "GET", "/calls/consortium", CONSORTIUM_PAGE),
    Case(
        "calls.manage_consortium",
        "POST",
        "/calls/consortium",
        {**CONSORTIUM_PAGE, "admin": 422, "promoter": 422},  # no school chosen
    ),
    Case(
        "calls.remove_member",
        "POST",
        "/calls/consortium/{membership_a}/remove",
        # the admin, asked first, removes it: for the promoter it is gone
        expect(404, anonymous=LOGIN_REDIRECT, admin=302),
    ),
    Case(
        "calls.remove_member",
        "POST",
        "/calls/consortium/999999/remove",
        expect(404, anonymous=LOGIN_REDIRECT),
    ),
    Case("calls.create_call", "GET", "/calls/new", CALL_EDITING),
    Case(
        "calls.create_call",
        "POST",
        "/calls/new",
        {**CALL_EDITING, "admin": 422, "promoter": 422},  # a call needs a title and dates
    ),
    Case("calls.edit_call", "GET", "/calls/{call_a}/edit", {**CALL_A_ACTION, **CALL_RUNNERS}),
    Case(
        "calls.edit_call",
        "POST",
        "/calls/{call_a}/edit",
        {**CALL_A_ACTION, "admin": 422, "promoter": 422},
    ),
    Case("calls.show_call", "GET", "/calls/{call_a}", CALL_A_PAGE),
    Case(
        "calls.register_candidate",
        "GET",
        "/calls/{call_a}/candidates/new",
        {**CALL_A_ACTION, "coordinator_a": 200},
    ),
    Case(
        "calls.register_candidate",
        "POST",
        "/calls/{call_a}/candidates/new",
        {**CALL_A_ACTION, "coordinator_a": 422},  # no student chosen
    ),
    Case(
        "calls.apply",
        "POST",
        "/calls/{call_a}/apply",
        # student A is a candidate already: the call's page says so
        {**CALL_A_ACTION, "student_a": 302},
    ),
    Case("calls.show_candidate", "GET", "/candidates/{candidate_a}", CANDIDATE_A_PAGE),
    Case(
        "calls.edit_cv",
        "GET",
        "/candidates/{candidate_a}/cv",
        {**CANDIDATE_A_ACTION, "student_a": 200},
    ),
    Case(
        "calls.edit_cv",
        "POST",
        "/candidates/{candidate_a}/cv",
        {**CANDIDATE_A_ACTION, "student_a": 302},
    ),
    # the CV, read only: beside who sees the candidate, the host partner of the destination
    Case("calls.show_cv", "GET", "/candidates/{candidate_a}/cv/read", CV_A_READERS),
    Case("calls.export_cv", "GET", "/candidates/{candidate_a}/cv.pdf", CV_A_READERS),
    Case(
        "calls.score_candidate",
        "GET",
        "/candidates/{candidate_a}/scores",
        {**CANDIDATE_A_ACTION, **roles(200, ("coordinator_a", "coach_a", "coach_ab"))},
    ),
    Case(
        "calls.score_candidate",
        "POST",
        "/candidates/{candidate_a}/scores",
        # nothing scored: nothing changed, back to the candidate
        {**CANDIDATE_A_ACTION, **roles(302, ("coordinator_a", "coach_a", "coach_ab"))},
    ),
    Case(
        "calls.decide",
        "POST",
        "/candidates/{candidate_a}/decision",
        {**CANDIDATE_A_ACTION, "admin": 422, "coordinator_a": 422},  # a decision needs a reason
    ),
    Case("calls.show_ranking", "GET", "/calls/{call_a}/schools/{school_a}", SCHOOL_A_SELECTION),
    Case(
        "calls.export_report",
        "GET",
        "/calls/{call_a}/schools/{school_a}/report.pdf",
        SCHOOL_A_SELECTION,
    ),
    Case(
        "calls.edit_report",
        "GET",
        "/calls/{call_a}/schools/{school_a}/report",
        {**SCHOOL_A_SELECTION_ACTION, "admin": 200, "coordinator_a": 200},
    ),
    Case(
        "calls.edit_report",
        "POST",
        "/calls/{call_a}/schools/{school_a}/report",
        {**SCHOOL_A_SELECTION_ACTION, "admin": 422, "coordinator_a": 422},  # an empty report
    ),
    # From a selected candidate to a placement abroad: candidate A, selected and ready
    # for matching in Valencia. The school (its coordinators), the promoter and admins
    # choose destination and coach; the host partner there creates the placement.
    Case(
        "calls.prepare_participant",
        "GET",
        "/candidates/{candidate_a}/participant",
        {**CANDIDATE_A_ACTION, **roles(200, PREPARES_A)},
    ),
    Case(
        "calls.prepare_participant",
        "POST",
        "/candidates/{candidate_a}/participant",
        {**CANDIDATE_A_ACTION, **roles(422, PREPARES_A)},
        {"destination": "999999"},
    ),
    Case("calls.list_to_match", "GET", "/participants/to-match", TO_MATCH_PAGE),
    Case(
        "calls.place_candidate",
        "GET",
        "/candidates/{candidate_a}/placement",
        {**CANDIDATE_A_ACTION, **roles(200, PLACES_A)},
    ),
    Case(
        "calls.place_candidate",
        "POST",
        "/candidates/{candidate_a}/placement",
        {**CANDIDATE_A_ACTION, **roles(422, PLACES_A)},
        {"workplace": "999999"},
    ),
    Case(
        "calls.place_candidate",
        "POST",
        "/candidates/999999/placement",
        MISSING,
        {"workplace": "999999"},
    ),
    # the group in Valencia: everyone who sees call A has a participant there (School A's
    # staff, student A) or runs the call
    Case(
        "calls.show_destination_group",
        "GET",
        "/calls/{call_a}/destinations/{destination_a}",
        CALL_A_PAGE,
    ),
    Case(
        "calls.show_destination_group",
        "GET",
        "/calls/{call_a}/destinations/999999",
        {**CALL_A_PAGE, **roles(404, SEES_CALL_A)},
    ),
    Case("calls.show_overview", "GET", "/calls/{call_a}/overview", CALL_A_OVERVIEW),
    Case("calls.export_overview", "GET", "/calls/{call_a}/overview.csv", CALL_A_OVERVIEW),
    # The health check is for load balancers: the same answer for everyone, no login.
    Case("health.check_health", "GET", "/healthz", expect(200)),
]


def development_plan(app, world) -> dict[str, int]:
    """A goal of student A with one action, a plan template of School A, and a visit to
    placement A, planned.
    """
    start = world.placement_a.start_date
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        student = db.session.get(User, world.student_a.id)
        goal = plans.create_goal(
            placement,
            student,
            plans.GoalText("Plan my day", "", "", None, ["competence:planning"]),
        )
        action = plans.add_action(placement, goal, student, "Ask for the list", None)
        template = PlanTemplate(
            school_id=world.school_a.id,
            name="Year one",
            programme="Elektrotechniek",
            goals=[{"title": "Plan", "why": "", "success": "", "links": []}],
            created_by_id=world.coach_a.id,
        )
        db.session.add(template)
        visit = visits.plan_visit(
            placement,
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(
                start + timedelta(days=30), None, "", ["student", "mentor", "coach"], ""
            ),
        )
        return {
            "goal_a": goal.id,
            "action_a": action.id,
            "template_a": template.id,
            "visit_a": visit.id,
        }


def learning_agreement(app, world) -> dict[str, int | str]:
    """Version 1 of placement M's learning agreement, a draft (`world_ids` makes the link
    for the host's signer to sign it).
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        agreement = agreements.start(placement, db.session.get(User, world.coach_a.id))
        return {"placement_m": placement.id, "agreement_m": agreement.id}


def stay_world(app, world) -> dict[str, int | str]:
    """During placement M's stay: a post with a photo on student A's blog, an activity
    of the programme, a guardian's consent link, and coach A's trip to Valencia.
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        student = db.session.get(User, world.student_a.id)
        coach = db.session.get(User, world.coach_a.id)
        post = stay.write_post(
            placement, student, "Day one", "Hola", "photo.png", io.BytesIO(png_bytes())
        )
        activity = stay.plan_activity(
            placement,
            db.session.get(User, world.monitor.id),
            day=placement.start_date,
            title="Paella workshop",
            place="",
            description="",
        )
        link = BlogConsentLink(
            placement_id=placement.id,
            guardian_name="Gina A",
            email="gina@home.example",
            language="en",
            sent_by_id=coach.id,
            expires_at=utcnow() + timedelta(days=14),
            answered_name="",
        )
        db.session.add(link)
        db.session.commit()
        trip = stay.create_trip(
            coach,
            world.school_a.id,
            destination="Valencia",
            start=placement.start_date,
            end=placement.start_date + timedelta(days=2),
        )
        return {
            "post_m": post.id,
            "activity_m": activity.id,
            "consent_m": link.id,
            "trip_a": trip.id,
        }


def test_every_route_has_cases(app):
    routed = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    covered = {case.endpoint for case in CASES}
    assert routed == covered


def test_every_method_of_every_route_has_a_case(app):
    covered = {(case.endpoint, case.method) for case in CASES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered, (rule.endpoint, method)


def world_ids(app, world) -> dict[str, int | str]:
    """The ids the cases' paths name, after adding what they point at to the world.

    What they point at is added once per test process and written again for the next
    case (`reuse_state`); the links are signed with this case's app.
    """
    ids = dict(reuse_state(app, "access", lambda: _added_to_world(app, world)))
    with app.app_context():
        ids["quick_week_a"] = make_token(
            Link(QuickAction.APPROVE_WEEK, world.mentor_x.id, ids["week_a"], utcnow())
        )
        ids["guardian_link_m"] = guardian_token(db.session.get(GuardianLink, ids["guardian_m"]))
        ids["consent_link_m"] = consent_token(db.session.get(BlogConsentLink, ids["consent_m"]))
        ids["agreement_link_m"] = agreements.make_link(
            agreements.HostLink(ids["agreement_m"], "signer@taller.example", utcnow())
        )
    return ids


def _added_to_world(app, world) -> dict[str, int]:
    ids = {
        "placement_a": world.placement_a.id,
        "placement_b": world.placement_b.id,
        "placement_m": world.placement_m.id,
        "mentor_x": world.mentor_x.id,
        "week_a": write_entry(app, world.placement_a, world.student_a, submit=True),
        "coach_note_a": write_entry(
            app, world.placement_a, world.coach_a, "visit_note", coach_only=True
        ),
        "concern_a": write_entry(app, world.placement_a, world.student_a, "concern"),
        "company_x": world.company_x.id,
        "school_a": world.school_a.id,
        "school_b": world.school_b.id,
        "student_a": world.student_a.id,
        "coordinator_a": world.coordinator_a.id,
        "student_a_membership": world.student_a.memberships[0].id,
    }
    ids.update(development_plan(app, world))
    ids.update(calls_world(app, world))
    ids.update(ready_for_matching(app, world, ids["candidate_a"]))
    with app.app_context():  # where student A stays in Valencia
        placement = db.session.get(Placement, world.placement_m.id)
        ids["lodging_m"] = matching.add_lodging(
            db.session.get(User, world.host_coordinator.id),
            placement,
            matching.LodgingData(
                LodgingKind.HOTEL, "Hotel Turia, València", placement.start_date, placement.end_date
            ),
        ).id
    ids.update(learning_agreement(app, world))
    ids.update(stay_world(app, world))
    with app.app_context():  # a file coordinator A uploaded, with a row to correct
        ids["pending_import_a"] = imports.keep_upload(
            db.session.get(User, world.coordinator_a.id),
            db.session.get(Organisation, world.school_a.id),
            "student_email;student_name\nx@a.example;X\n",
        ).id
    with app.app_context():  # school B invites student A, who has an account at school A
        invitation = MembershipInvitation(
            user_id=world.student_a.id,
            organisation_id=world.school_b.id,
            role=Role.STUDENT,
            invited_by_id=world.coordinator_b.id,
            expires_at=utcnow() + timedelta(days=14),
        )
        db.session.add(invitation)
        db.session.commit()
        ids["invitation_a"] = invitation.id
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        ids["request_a"] = privacy.file_request(
            student, student, RequestKind.ERASURE, "", datetime.now(UTC)
        ).id
    with app.app_context():
        ids["notification_mentor_x"] = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == world.mentor_x.id,
                Notification.key == f"entry:{ids['week_a']}",
            )
        )
    ids["attachment_a"] = attach_file(app, ids["week_a"], world.student_a)
    ids["placement_m"] = world.placement_m.id
    with app.app_context():  # student A's CV in the file of placement M, a link to a guardian
        placement = db.session.get(Placement, world.placement_m.id)
        mobility.deliver_file(
            placement,
            ItemKind.CV_EXPECTATIONS,
            db.session.get(User, world.student_a.id),
            "cv.png",
            io.BytesIO(png_bytes()),
        )
        link = GuardianLink(
            placement_id=placement.id,
            guardian_name="Gina A",
            email="gina@home.example",
            language="en",
            sent_by_id=world.coach_a.id,
            expires_at=utcnow() + timedelta(days=14),
        )
        db.session.add(link)
        db.session.commit()
        ids["guardian_m"] = link.id
    ids["coach_note_attachment_a"] = attach_file(app, ids["coach_note_a"], world.coach_a)
    return ids


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id + " " + case.path)
def test_route_answers_each_role_as_expected(app, world, login_as, case):
    path = case.path.format(**world_ids(app, world))
    answers = {}
    # Each shaped person right after the one they answer like, as a state they change
    # (an attachment removed) changes it for those asked after them.
    order = [name for role in ROLES for name in (role, *SHAPES_OF.get(role, ()))]
    expected = {
        role: case.expected.get(role, case.expected[SHAPED_LIKE.get(role, role)]) for role in order
    }
    cached = []
    for role in expected:
        browser = Browser(app.test_client()) if role == "anonymous" else login_as(world.user(role))
        response = browser.get(path) if case.method == "GET" else browser.post(path, case.data)
        answers[role] = response.status_code
        if response.status_code == 500:
            pytest.fail(f"{role}: server error on {case.id}")
        if case.endpoint not in PUBLIC and not response.cache_control.no_store:
            cached.append(f"{role}: {response.status_code} {response.headers.get('Cache-Control')}")
    mismatches = {
        role: f"got {answers[role]}, expected {expected[role]}"
        for role in expected
        if answers[role] != expected[role]
    }
    assert not mismatches, mismatches
    assert not cached, f"kept by a cache: {cached}"


def test_placement_of_other_school_is_not_shown_in_the_list(world, login_as):
    page = login_as(world.coordinator_b).get("/").get_data(as_text=True)
    assert "Student B" in page
    assert "Student A" not in page


@pytest.mark.parametrize(
    ("role", "sees_a", "sees_b"),
    [
        ("admin", True, True),
        ("coordinator_a", True, False),
        ("coach_a", True, False),
        ("mentor_x", True, False),
        ("student_a", True, False),
        ("company_coordinator_x", True, False),
        ("mentor_y", False, True),
        ("student_b", False, True),
        ("outsider", False, False),
        ("coach_ab", False, False),  # coaches for both schools, no placement of either
        ("coordinator_coach_a", True, False),
    ],
)
def test_home_page_lists_exactly_the_placements_of_the_user(world, login_as, role, sees_a, sees_b):
    page = login_as(world.user(role)).get("/").get_data(as_text=True)
    assert ("Student A" in page) is sees_a
    assert ("Student B" in page) is sees_b


def test_mentor_sees_the_trio_workplace_dates_and_kind(app, world, login_as):
    page = (
        login_as(world.mentor_x).get(f"/placements/{world.placement_a.id}").get_data(as_text=True)
    )
    for expected in ("Student A", "Mentor X", "Coach A", "Company X", "School A", "2026"):
        assert expected in page


def test_only_the_school_sees_the_edit_button(world, login_as):
    path = f"/placements/{world.placement_a.id}"
    edit = f"/admin/placements/{world.placement_a.id}/edit"
    assert edit in login_as(world.coordinator_a).get(path).get_data(as_text=True)
    assert edit not in login_as(world.mentor_x).get(path).get_data(as_text=True)


def test_deactivated_user_is_logged_out(app, world, login_as):
    browser = login_as(world.mentor_x)
    with app.app_context():
        db.session.get(type(world.mentor_x), world.mentor_x.id).active = False
        db.session.commit()
    assert browser.get("/").status_code == 302


def test_placement_count_is_unchanged_by_refused_posts(app, world, login_as):
    with app.app_context():
        before = db.session.scalar(select(func.count(Placement.id)))
    login_as(world.mentor_x).post("/admin/placements/new", {"kind": "internship"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Placement.id))) == before == 3
