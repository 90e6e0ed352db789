"""A lived-in world for the privacy tests: every table holds rows, every piece of text
is a distinct sentinel, and the test knows who may see each one in the app.

Built on the conftest world (two schools, two companies, a trio per placement) with two
more placements around a person with two roles: Dani Dubbel coaches at school B
(placement C) and mentors at company X (placement D). Rows are written straight to the
database, dated from the placements' own dates, so nothing depends on today's date.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from app import audit
from app.extensions import db
from app.models import (
    Action,
    ActionState,
    Activity,
    Actor,
    AdditionKind,
    AgreementSignature,
    ApprovalMethod,
    Attachment,
    AuditEvent,
    BlogConsent,
    BlogConsentLink,
    BlogPost,
    CallDestination,
    CallPlaces,
    Candidate,
    Certificate,
    Comment,
    ConsentAnswer,
    ConsortiumMembership,
    Decision,
    DevelopmentPlan,
    EntryKind,
    EntryRevision,
    FormDraft,
    Goal,
    GoalComment,
    GoalEvidence,
    GoalState,
    GuardianAnswer,
    GuardianApproval,
    GuardianLink,
    InterviewScore,
    ItemKind,
    ItemStatus,
    JobRun,
    LanguageGoal,
    LearningAgreement,
    Lodging,
    LodgingKind,
    LogEntry,
    MentorRecord,
    MobilityCall,
    MobilityClosing,
    MobilityItem,
    ModuleProgress,
    Notification,
    NotificationKind,
    Party,
    PendingImport,
    Placement,
    PlacementKind,
    PlanItem,
    PlanTemplate,
    PracticePost,
    PrivacyRequest,
    Recommendation,
    RecoveryCode,
    Registration,
    ReportStatus,
    RequestKind,
    RetentionPeriod,
    ReviewStatus,
    Role,
    RubricScore,
    SchoolSettings,
    SelectionReport,
    Setting,
    StageReport,
    Trip,
    User,
    Visit,
    VisitAddition,
    VisitConfirmation,
    VisitStatus,
)
from app.storage import file_storage, new_key
from tests.conftest import FOLLOWED_WITH, PASSWORD_HASH, TOTP_SECRET, World, make_user

TRIO_A = {"student_a", "mentor_x", "coach_a"}
SCHOOL_A = {"coordinator_a", "admin"}
TRIO_B = {"student_b", "mentor_y", "coach_b"}
SCHOOL_B = {"coordinator_b", "admin"}
TRIO_C = {"student_c", "mentor_y", "dani"}
TRIO_D = {"student_d", "dani", "coach_a"}
MOBILITY_M = {"student_a", "mentor_es", "coach_a", "monitor", "host_coordinator"} | SCHOOL_A
# Its closing: not the mentor at the host company.
CLOSING_M = MOBILITY_M - {"mentor_es"}

# Each sentinel, with the people who may read it in the app. Whoever else exports their
# data must not find it in the archive.
SEEN_BY: dict[str, set[str]] = {
    "S-week-A": TRIO_A | SCHOOL_A,
    "S-week-A-earlier": TRIO_A | SCHOOL_A,
    "S-review-X": TRIO_A | SCHOOL_A,
    "S-draft-A": {"student_a"},
    "S-concern-A": {"student_a", "coach_a"} | SCHOOL_A,
    "S-feedback-X": TRIO_A | SCHOOL_A,
    "S-coachonly-A": {"coach_a"} | SCHOOL_A,
    "S-coachfile-A": {"coach_a"} | SCHOOL_A,
    "S-note-shared": TRIO_A | SCHOOL_A,
    "S-old-coachonly": {"coach_a"} | SCHOOL_A,
    "S-comment-X": TRIO_A | SCHOOL_A,
    "S-comment-A": TRIO_A | SCHOOL_A,
    "S-photo-A": TRIO_A | SCHOOL_A,
    "S-reg-A": TRIO_A | SCHOOL_A,
    "S-reg-X": TRIO_A | SCHOOL_A,
    "S-score-X": TRIO_A | SCHOOL_A,
    "S-period": TRIO_A | SCHOOL_A,
    "S-goal-A": TRIO_A | SCHOOL_A,
    "S-goal-X": TRIO_A | SCHOOL_A,
    "S-goalcomment-X": TRIO_A | SCHOOL_A,
    "S-action-A": TRIO_A | SCHOOL_A,
    "S-agreement-final": TRIO_A | SCHOOL_A,
    "S-agreement-draft": {"coach_a"},
    "S-visit-shared": TRIO_A | SCHOOL_A,
    "S-visit-coachonly": {"coach_a"} | SCHOOL_A,
    "S-visit-draft": {"coach_a"},
    "S-place": TRIO_A | SCHOOL_A,
    "S-confirm-X": TRIO_A | SCHOOL_A,
    "S-confirm-A": TRIO_A | SCHOOL_A,
    "S-addition-A": TRIO_A | SCHOOL_A,
    "S-amend-coachonly": {"coach_a"} | SCHOOL_A,
    "S-placement-notes": SCHOOL_A,
    "S-guardian-A": {"coach_a"} | SCHOOL_A,
    "S-revocation-A": {"coach_a"} | SCHOOL_A,
    # Where student A stays abroad: never the workplace mentor's business.
    "S-lodging-M": {"student_a", "coach_a", "monitor", "host_coordinator"} | SCHOOL_A,
    # The mobility file of placement M: the participant and the school; the company's
    # approval to the company too; the guardian's details to the school only.
    "S-mobility-note": {"student_a", "coach_a"} | SCHOOL_A,
    "S-mobility-cv": {"student_a", "coach_a"} | SCHOOL_A,
    "S-participant-signed": {"student_a", "coach_a"} | SCHOOL_A,
    "S-company-signed": {"student_a", "coach_a", "mentor_x", "company_coordinator_x"} | SCHOOL_A,
    "S-company-note": {"student_a", "coach_a", "mentor_x", "company_coordinator_x"} | SCHOOL_A,
    "S-guardian-link": {"coach_a"} | SCHOOL_A,
    "s-guardian-link@home.example": {"coach_a"} | SCHOOL_A,
    "S-guardian-answered": {"coach_a"} | SCHOOL_A,
    "S-guardian-note": {"coach_a"} | SCHOOL_A,
    "S-reflection-X": {"mentor_x"},
    "S-assignment-X": {"mentor_x"},
    "S-recommend": {"mentor_x", "coach_a"} | SCHOOL_A,
    "S-practice-X": {"mentor_x"} | SCHOOL_A,
    "S-request-note": SCHOOL_A,
    "S-template": {"coach_a"} | SCHOOL_A,
    # calls for mobility abroad: the candidate, School A's staff, the call's promoter
    "S-call-title": {"student_a", "coach_a", "promoter", "coach_ab", "coordinator_coach_a"}
    | SCHOOL_A,
    "S-cv-A": {"student_a", "coach_a", "promoter", "coach_ab", "coordinator_coach_a"} | SCHOOL_A,
    "S-reason-A": {"student_a", "coach_a", "promoter", "coach_ab", "coordinator_coach_a"}
    | SCHOOL_A,
    "S-interview-note": {"coach_a", "coordinator_a", "coach_ab", "coordinator_coach_a"},
    "S-selection-report": {"coach_a", "promoter", "coach_ab", "coordinator_coach_a"} | SCHOOL_A,
    # Placement M, student A's mobility: its learning agreement and signatures.
    "S-agreement-tasks": MOBILITY_M,
    "S-agreement-goal": MOBILITY_M,
    "S-signed-A": MOBILITY_M,
    # Its closing: the stage report, the coach's note sending it back, the sign-off.
    "S-stage-report": CLOSING_M,
    "S-stage-returned": CLOSING_M,
    "S-signed-off": CLOSING_M,
    # During student A's stay abroad: the blog, its consent (a guardian's only to the
    # school), the programme, the language goal, the coach's trip.
    "S-blog-title": MOBILITY_M,
    "S-blog-body": MOBILITY_M,
    "S-blogphoto-M": MOBILITY_M,
    "S-blog-guardian": {"coach_a"} | SCHOOL_A,
    "S-consent-link": {"coach_a"} | SCHOOL_A,
    "s-consent-link@home.example": {"coach_a"} | SCHOOL_A,
    "S-consent-answered": {"coach_a"} | SCHOOL_A,
    "S-activity-title": {"student_a", "coach_a", "monitor", "host_coordinator"},
    "S-activity-place": {"student_a", "coach_a", "monitor", "host_coordinator"},
    "S-activity-text": {"student_a", "coach_a", "monitor", "host_coordinator"},
    "S-activity-reflection": {"student_a", "coach_a", "monitor", "host_coordinator"},
    "S-language": {"student_a", "coach_a", "monitor"},
    "S-language-goal": {"student_a", "coach_a", "monitor"},
    "S-trip-destination": {"coach_a"} | SCHOOL_A,
    "S-week-B": TRIO_B | SCHOOL_B,
    "S-week-C": TRIO_C | SCHOOL_B,
    "S-coachonly-Dani": {"dani"} | SCHOOL_B,
    "S-week-D": TRIO_D | SCHOOL_A,
    "S-review-Dani": TRIO_D | SCHOOL_A,
    # Secrets: nobody reads them, not even their owner.
    "S-notification-key": set(),
    "S-recovery-hash": set(),
    PASSWORD_HASH: set(),
    TOTP_SECRET: set(),
}

# Who sees the wellbeing check-ins of each placement (policy.sees_wellbeing).
WELLBEING_SEEN_BY = {
    "placement_a": {"student_a", "coach_a"} | SCHOOL_A,
    "placement_b": {"student_b", "coach_b"} | SCHOOL_B,
    "placement_c": {"student_c", "dani"} | SCHOOL_B,
    "placement_d": {"student_d", "coach_a"} | SCHOOL_A,
}

STUDENTS = {
    "student_a": ("Student A", "student@a.example"),
    "student_b": ("Student B", "student@b.example"),
    "student_c": ("Cato Claes", "cato@c.example"),
    "student_d": ("Dries Dewulf", "dries@d.example"),
}


@dataclass
class LivedIn:
    """Ids of the people and placements of the lived-in world, by name."""

    people: dict[str, int] = field(default_factory=dict)
    placements: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # sentinel -> storage key


def _stored(content: bytes) -> str:
    key = new_key()
    file_storage().save(key, io.BytesIO(content))
    return key


def _entry(placement: Placement, author: User, actor: Actor, kind: EntryKind, **values):
    entry = LogEntry(
        placement_id=placement.id, author_id=author.id, author_role=actor, kind=kind, **values
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _week(placement: Placement, author: User, number: int, text: str, **values) -> LogEntry:
    monday = placement.start_date - timedelta(days=placement.start_date.weekday())
    return _entry(
        placement,
        author,
        Actor.STUDENT,
        EntryKind.WEEKLY_LOG,
        sections={"did": text, "was_hard": "my mentor shouted"},
        week_start=monday + timedelta(weeks=number),
        **values,
    )


def _moment(placement: Placement, days: int) -> datetime:
    return datetime.combine(placement.start_date + timedelta(days=days), time(10), UTC)


def build_lived_in(world: World) -> LivedIn:
    """Fill every table around the world's people (call inside an app context)."""
    ids = LivedIn()
    people = {
        name: db.session.get(User, user.id)
        for name, user in vars(world).items()
        if isinstance(user, User)
    }
    school_a = world.school_a
    school_b = world.school_b
    people["dani"] = make_user(
        "dani@dubbel.example",
        "Dani Dubbel",
        (Role.COACH, school_b),
        (Role.MENTOR, world.company_x),
    )
    people["student_c"] = make_user("cato@c.example", "Cato Claes", (Role.STUDENT, school_b))
    people["student_d"] = make_user("dries@d.example", "Dries Dewulf", (Role.STUDENT, school_a))
    db.session.flush()
    a = db.session.get(Placement, world.placement_a.id)
    b = db.session.get(Placement, world.placement_b.id)
    c = Placement(
        student_id=people["student_c"].id,
        school_id=school_b.id,
        workplace_id=world.company_y.id,
        mentor_id=people["mentor_y"].id,
        coach_id=people["dani"].id,
        kind=PlacementKind.INTERNSHIP,
        start_date=a.start_date,
        end_date=a.end_date,
        **FOLLOWED_WITH,
    )
    d = Placement(
        student_id=people["student_d"].id,
        school_id=school_a.id,
        workplace_id=world.company_x.id,
        mentor_id=people["dani"].id,
        coach_id=people["coach_a"].id,
        kind=PlacementKind.DUAL_LEARNING,
        start_date=a.start_date,
        end_date=a.end_date,
        **FOLLOWED_WITH,
    )
    db.session.add_all([c, d])
    db.session.flush()
    p = people
    a.notes = "S-placement-notes: Student A's parents are separating"
    p["student_a"].birth_date = a.start_date - timedelta(days=16 * 365)

    # -- the log of placement A --------------------------------------------------------
    week = _week(
        a,
        p["student_a"],
        1,
        "S-week-A",
        wellbeing=1,
        review_status=ReviewStatus.APPROVED,
        review_comment="S-review-X",
        reviewed_by_id=p["mentor_x"].id,
        reviewed_at=_moment(a, 12),
    )
    db.session.add(
        EntryRevision(
            entry_id=week.id,
            editor_id=p["student_a"].id,
            sections={"did": "S-week-A-earlier"},
            wellbeing=2,
            review_status=ReviewStatus.SUBMITTED,
        )
    )
    draft = _week(a, p["student_a"], 2, "S-draft-A", wellbeing=3, review_status=ReviewStatus.DRAFT)
    concern = _entry(
        a,
        p["student_a"],
        Actor.STUDENT,
        EntryKind.CONCERN,
        sections={"body": "S-concern-A"},
        coach_only=True,
        resolved_at=_moment(a, 20),
        resolved_by_id=p["coach_a"].id,
    )
    feedback = _entry(
        a,
        p["mentor_x"],
        Actor.MENTOR,
        EntryKind.FEEDBACK,
        sections={"went_well": "S-feedback-X: Student A measured twice", "work_on": "pace"},
    )
    coach_note = _entry(
        a,
        p["coach_a"],
        Actor.COACH,
        EntryKind.VISIT_NOTE,
        sections={"body": "S-coachonly-A: Student A seems tired"},
        coach_only=True,
    )
    shared_note = _entry(
        a, p["coach_a"], Actor.COACH, EntryKind.VISIT_NOTE, sections={"body": "S-note-shared"}
    )
    db.session.add_all(
        [
            EntryRevision(
                entry_id=shared_note.id,
                editor_id=p["coach_a"].id,
                sections={"body": "S-old-coachonly"},
                coach_only=True,
            ),
            Comment(entry_id=week.id, author_id=p["mentor_x"].id, body="S-comment-X"),
            Comment(entry_id=feedback.id, author_id=p["student_a"].id, body="S-comment-A"),
        ]
    )
    photo_key = _stored(b"%PDF-1.4 S-photo-A content")
    coach_file_key = _stored(b"%PDF-1.4 S-coachfile-A content")
    db.session.add_all(
        [
            Attachment(
                entry_id=week.id,
                uploader_id=p["student_a"].id,
                filename="S-photo-A.pdf",
                content_type="application/pdf",
                size=26,
                storage_key=photo_key,
            ),
            Attachment(
                entry_id=coach_note.id,
                uploader_id=p["coach_a"].id,
                filename="S-coachfile-A.pdf",
                content_type="application/pdf",
                size=30,
                storage_key=coach_file_key,
            ),
        ]
    )
    ids.files = {"S-photo-A": photo_key, "S-coachfile-A": coach_file_key}

    # -- the mobility file of placement M (abroad) ----------------------------------------
    m = db.session.get(Placement, world.placement_m.id)
    db.session.add_all(
        [
            MobilityItem(
                placement_id=m.id,
                kind=ItemKind.CV_EXPECTATIONS,
                status=ItemStatus.MISSING,
                decided_by_id=p["coach_a"].id,
                decided_at=_moment(a, 20),
                note="S-mobility-note",
                filename="S-mobility-cv.pdf",
                content_type="application/pdf",
                size=30,
                storage_key=_stored(b"%PDF-1.4 S-mobility-cv content"),
                uploaded_by_id=p["student_a"].id,
                uploaded_at=_moment(a, 19),
            ),
            MobilityItem(
                placement_id=m.id,
                kind=ItemKind.PARTICIPANT_APPROVAL,
                status=ItemStatus.APPROVED,
                decided_by_id=p["student_a"].id,
                decided_at=_moment(a, 21),
                signed_name="S-participant-signed",
            ),
            MobilityItem(
                placement_id=m.id,
                kind=ItemKind.COMPANY_APPROVAL,
                status=ItemStatus.MISSING,
                declined=True,
                decided_by_id=p["mentor_x"].id,
                decided_at=_moment(a, 22),
                signed_name="S-company-signed",
                note="S-company-note",
            ),
            GuardianLink(
                placement_id=m.id,
                guardian_name="S-guardian-link",
                email="s-guardian-link@home.example",
                language="nl",
                sent_by_id=p["coordinator_a"].id,
                sent_at=_moment(a, 23),
                expires_at=_moment(a, 37),
                answered_at=_moment(a, 24),
                decision=GuardianAnswer.DECLINED,
                answered_name="S-guardian-answered",
                note="S-guardian-note",
            ),
        ]
    )

    # -- competences and the plan of placement A ----------------------------------------
    registration = {
        "framework_id": FOLLOWED_WITH["framework_id"],
        "framework_version": 1,
        "competence_id": "c1",
        "indicator_id": "i1",
        "setting": Setting.WORKPLACE,
        "level": 2,
        "observed_on": a.start_date + timedelta(days=14),
    }
    db.session.add_all(
        [
            Registration(
                placement_id=a.id,
                author_id=p["student_a"].id,
                actor=Actor.STUDENT,
                note="S-reg-A",
                **registration,
            ),
            Registration(
                placement_id=a.id,
                author_id=p["mentor_x"].id,
                actor=Actor.MENTOR,
                note="S-reg-X",
                **registration,
            ),
            RubricScore(
                placement_id=a.id,
                author_id=p["mentor_x"].id,
                actor=Actor.MENTOR,
                rubric_id=FOLLOWED_WITH["rubric_id"],
                rubric_version=1,
                criterion_id="punctuality",
                level=3,
                note="S-score-X",
            ),
            PlanItem(
                placement_id=a.id,
                competence_id="c1",
                setting=Setting.WORKPLACE,
                period="S-period",
                updated_by_id=p["coach_a"].id,
            ),
            DevelopmentPlan(
                placement_id=a.id, approved_by_id=p["coach_a"].id, approved_at=_moment(a, 9)
            ),
        ]
    )
    template = PlanTemplate(
        school_id=school_a.id,
        name="S-template",
        programme="electricity",
        goals=[{"title": "S-template goal", "why": "", "success": "", "links": []}],
        created_by_id=p["coach_a"].id,
    )
    db.session.add(template)
    db.session.flush()
    goal = Goal(
        placement_id=a.id,
        author_id=p["student_a"].id,
        author_role=Actor.STUDENT,
        title="S-goal-A",
        why="S-goal-A why",
        success="S-goal-A success",
        reflection="S-goal-A reflection",
        template_id=template.id,
        template_index=0,
    )
    suggested = Goal(
        placement_id=a.id,
        author_id=p["mentor_x"].id,
        author_role=Actor.MENTOR,
        title="S-goal-X",
        state=GoalState.SUGGESTED,
    )
    db.session.add_all([goal, suggested])
    db.session.flush()
    db.session.add_all(
        [
            GoalComment(
                goal_id=goal.id,
                author_id=p["mentor_x"].id,
                author_role=Actor.MENTOR,
                body="S-goalcomment-X",
            ),
            GoalEvidence(goal_id=goal.id, entry_id=week.id),
            Action(
                placement_id=a.id,
                goal_id=goal.id,
                author_id=p["student_a"].id,
                author_role=Actor.STUDENT,
                title="S-action-A",
                state=ActionState.DONE,
                done_at=_moment(a, 30),
                done_by_id=p["student_a"].id,
            ),
        ]
    )

    # -- visits of placement A: one final, one still a draft ------------------------------
    final = Visit(
        placement_id=a.id,
        planned_by_id=p["coach_a"].id,
        planned_on=a.start_date + timedelta(days=40),
        planned_time=time(14, 0),
        place="S-place",
        attendees=["student", "mentor", "coach"],
        other_attendees="S-place: the HR manager",
        status=VisitStatus.FINAL,
        held_on=a.start_date + timedelta(days=40),
        report={"learning_process": "S-visit-shared", "bottlenecks": "S-visit-coachonly"},
        coach_only=["bottlenecks"],
        agenda=[{"kind": "wellbeing", "weeks": [[week.week_start.isoformat(), 1]]}],
        finalised_at=_moment(a, 40),
    )
    draft_visit = Visit(
        placement_id=a.id,
        planned_by_id=p["coach_a"].id,
        planned_on=a.start_date + timedelta(days=60),
        status=VisitStatus.REPORTING,
        report={"learning_process": "S-visit-draft"},
        coach_only=[],
    )
    db.session.add_all([final, draft_visit])
    db.session.flush()
    db.session.add_all(
        [
            VisitConfirmation(visit_id=final.id, actor=Actor.COACH, user_id=p["coach_a"].id),
            VisitConfirmation(
                visit_id=final.id,
                actor=Actor.MENTOR,
                user_id=p["mentor_x"].id,
                comment="S-confirm-X",
            ),
            VisitConfirmation(
                visit_id=final.id,
                actor=Actor.STUDENT,
                user_id=p["student_a"].id,
                comment="S-confirm-A",
            ),
            VisitAddition(
                visit_id=final.id,
                kind=AdditionKind.COMMENT,
                author_id=p["student_a"].id,
                author_role=Actor.STUDENT,
                body="S-addition-A",
            ),
            VisitAddition(
                visit_id=final.id,
                kind=AdditionKind.AMENDMENT,
                author_id=p["coach_a"].id,
                author_role=Actor.COACH,
                section="bottlenecks",
                body="S-amend-coachonly",
                coach_only=True,
            ),
            Action(
                placement_id=a.id,
                visit_id=final.id,
                author_id=p["coach_a"].id,
                author_role=Actor.COACH,
                owner=Actor.MENTOR,
                title="S-agreement-final",
                due_date=a.start_date + timedelta(days=50),
            ),
            Action(
                placement_id=a.id,
                visit_id=draft_visit.id,
                author_id=p["coach_a"].id,
                author_role=Actor.COACH,
                owner=Actor.STUDENT,
                title="S-agreement-draft",
                due_date=a.start_date + timedelta(days=70),
            ),
            GuardianApproval(
                placement_id=a.id,
                guardian_name="S-guardian-A",
                text_version="2026",
                method=ApprovalMethod.PAPER,
                approved_on=a.start_date - timedelta(days=10),
                recorded_by_id=p["coordinator_a"].id,
                revoked_on=a.start_date - timedelta(days=5),
                revoked_by_id=p["coordinator_a"].id,
                revocation_note="S-revocation-A",
            ),
            Lodging(
                placement_id=world.placement_m.id,
                kind=LodgingKind.HOST_FAMILY,
                address="S-lodging-M",
                from_date=world.placement_m.start_date,
                until_date=world.placement_m.end_date,
                arranged_by_id=p["host_coordinator"].id,
            ),
        ]
    )

    # -- during student A's stay abroad ---------------------------------------------------
    m = db.session.get(Placement, world.placement_m.id)
    blog_photo_key = _stored(b"S-blogphoto-M content")
    trip = Trip(
        coach_id=p["coach_a"].id,
        school_id=school_a.id,
        destination="S-trip-destination",
        start_date=m.start_date,
        end_date=m.start_date + timedelta(days=2),
    )
    db.session.add_all(
        [
            BlogPost(
                placement_id=m.id,
                author_id=p["student_a"].id,
                title="S-blog-title",
                body="S-blog-body",
                filename="S-blogphoto-M.png",
                content_type="image/png",
                size=20,
                storage_key=blog_photo_key,
            ),
            BlogConsent(
                placement_id=m.id,
                participant_consents=True,
                guardian_consents=True,
                guardian_name="S-blog-guardian",
            ),
            BlogConsentLink(
                placement_id=m.id,
                guardian_name="S-consent-link",
                email="s-consent-link@home.example",
                language="nl",
                sent_by_id=p["coach_a"].id,
                expires_at=_moment(m, 10),
                answered_at=_moment(m, 1),
                decision=ConsentAnswer.CONSENTS,
                answered_name="S-consent-answered",
            ),
            Activity(
                placement_id=m.id,
                planned_by_id=p["monitor"].id,
                day=m.start_date,
                title="S-activity-title",
                place="S-activity-place",
                description="S-activity-text",
                reflection="S-activity-reflection",
            ),
            LanguageGoal(
                placement_id=m.id,
                language="S-language",
                goal="S-language-goal",
                before={"listening": "A2"},
                after={"listening": "B1"},
            ),
            trip,
        ]
    )
    ids.files["S-blogphoto-M"] = blog_photo_key

    # -- the other placements ------------------------------------------------------------
    _week(
        b,
        p["student_b"],
        1,
        "S-week-B: Student B",
        wellbeing=4,
        review_status=ReviewStatus.APPROVED,
        reviewed_by_id=p["mentor_y"].id,
        reviewed_at=_moment(b, 12),
    )
    _week(c, p["student_c"], 1, "S-week-C", wellbeing=5, review_status=ReviewStatus.SUBMITTED)
    _entry(
        c,
        p["dani"],
        Actor.COACH,
        EntryKind.VISIT_NOTE,
        sections={"body": "S-coachonly-Dani: Cato Claes and Dries Dewulf"},
        coach_only=True,
    )
    week_d = _week(
        d,
        p["student_d"],
        1,
        "S-week-D",
        wellbeing=2,
        review_status=ReviewStatus.RETURNED,
        review_comment="S-review-Dani: Dries, add the photos",
        reviewed_by_id=p["dani"].id,
        reviewed_at=_moment(d, 12),
    )

    # -- training, notifications, accounts, requests, operations -------------------------
    db.session.add_all(
        [
            ModuleProgress(
                user_id=p["mentor_x"].id,
                module_id="first-day",
                best_score=80,
                reflection="S-reflection-X",
                assignment_note="S-assignment-X",
                assignment_tried_at=_moment(a, 5),
            ),
            Certificate(
                user_id=p["mentor_x"].id,
                path_id="basic",
                code="CERTX0001",
                name="Mentor X",
                modules=[{"id": "first-day", "version": 1}],
            ),
            Recommendation(
                mentor_id=p["mentor_x"].id,
                module_id="feedback",
                placement_id=a.id,
                recommended_by_id=p["coach_a"].id,
                note="S-recommend: for Student A",
            ),
            PracticePost(module_id="first-day", author_id=p["mentor_x"].id, body="S-practice-X"),
            MentorRecord(
                user_id=p["mentor_x"].id,
                years_experience=12,
                good_conduct_on=a.start_date - timedelta(days=100),
                mentor_since=a.start_date - timedelta(days=400),
                updated_by_id=p["coordinator_a"].id,
            ),
            Notification(
                user_id=p["student_a"].id,
                kind=NotificationKind.COMMENT_ADDED,
                key="S-notification-key",
                placement_id=a.id,
                payload={"entry": week.id},
                target_endpoint="followup.show_entry",
                target_values={"placement_id": a.id, "entry_id": week.id},
            ),
            RecoveryCode(user_id=p["coordinator_a"].id, code_hash="S-recovery-hash"),
            FormDraft(
                user_id=p["student_a"].id,
                path=f"/placements/{a.id}/log/new/weekly_log",
                action=f"/placements/{a.id}/log/new/weekly_log",
                fields={"did": ["S-form-draft-A: half a weekly log"]},
                kept=True,
            ),
            PrivacyRequest(
                kind=RequestKind.ACCESS,
                subject_id=p["student_a"].id,
                school_id=school_a.id,
                requested_by_id=p["coordinator_a"].id,
                due_on=a.start_date + timedelta(days=30),
                note="S-request-note: Student A's mother, by phone",
            ),
            RetentionPeriod(
                school_id=school_a.id, category="log", years=3, updated_by_id=p["coordinator_a"].id
            ),
            SchoolSettings.defaults(school_a.id),
            JobRun(job="retention"),
            PendingImport(
                uploaded_by_id=p["coordinator_a"].id,
                school_id=school_a.id,
                content="student_email;student_name\ns-import@a.example;S-import",
            ),
        ]
    )
    # A call of the consortium with School A as member, student A its candidate.
    call = MobilityCall(
        promoter_id=world.promoter_org.id,
        title="S-call-title",
        placement_start=a.end_date,
        placement_end=a.end_date,
        interest_deadline=a.start_date,
        candidate_deadline=a.start_date,
        criteria=[{"key": "motivation", "label": "Motivation", "weight": 100}],
        created_by_id=p["admin"].id,
    )
    db.session.add_all(
        [
            call,
            ConsortiumMembership(
                promoter_id=world.promoter_org.id,
                school_id=school_a.id,
                mandate_from=a.start_date,
            ),
        ]
    )
    db.session.flush()
    candidate = Candidate(
        call_id=call.id,
        student_id=p["student_a"].id,
        school_id=school_a.id,
        registered_by_id=p["coordinator_a"].id,
        cv={"education": "S-cv-A", "languages": [{"language": "Spanish", "level": "A2"}]},
        decision=Decision.SELECTED,
        decision_reason="S-reason-A",
        decided_by_id=p["coordinator_a"].id,
    )
    db.session.add_all(
        [
            candidate,
            CallDestination(call=call, country="ES", city="Valencia"),
            CallPlaces(call=call, school_id=school_a.id, places=2),
            SelectionReport(
                call_id=call.id,
                school_id=school_a.id,
                text="S-selection-report",
                updated_by_id=p["coordinator_a"].id,
            ),
        ]
    )
    db.session.flush()
    db.session.add(
        InterviewScore(
            candidate_id=candidate.id,
            scorer_id=p["coach_a"].id,
            criterion="motivation",
            score=8,
            note="S-interview-note",
        )
    )
    m = db.session.get(Placement, world.placement_m.id)
    agreement = LearningAgreement(
        placement_id=m.id,
        number=1,
        author_id=p["coach_a"].id,
        starts_on=m.start_date,
        ends_on=m.end_date,
        language_goals=["S-agreement-goal"],
        cultural_goals=["S-agreement-goal"],
        tasks="S-agreement-tasks",
        locked_at=datetime.combine(m.start_date - timedelta(days=10), time(9), UTC),
    )
    db.session.add(agreement)
    db.session.flush()
    db.session.add_all(
        [
            AgreementSignature(
                agreement_id=agreement.id,
                party=Party.SCHOOL,
                signer_id=p["coach_a"].id,
                capacity="coach",
                typed_name="S-signed-A",
            ),
            AgreementSignature(
                agreement_id=agreement.id,
                party=Party.PARTICIPANT,
                signer_id=p["student_a"].id,
                capacity="student",
                typed_name="S-signed-A",
            ),
        ]
    )
    db.session.add_all(
        [
            StageReport(
                placement_id=m.id,
                author_id=p["student_a"].id,
                professional="S-stage-report",
                language="S-stage-report",
                intercultural="S-stage-report",
                personal="S-stage-report",
                advice="S-stage-report",
                status=ReportStatus.SUBMITTED,
                submitted_at=_moment(a, 40),
                returned_by_id=p["coach_a"].id,
                returned_at=_moment(a, 39),
                return_note="S-stage-returned",
            ),
            MobilityClosing(
                placement_id=m.id,
                survey_filled_on=m.end_date,
                survey_confirmed_by_id=p["student_a"].id,
                survey_confirmed_at=_moment(a, 41),
                coach_confirmed_by_id=p["coach_a"].id,
                coach_confirmed_at=_moment(a, 42),
                coach_scores="0" * 64,
                signed_off_by_id=p["coach_a"].id,
                signed_off_name="S-signed-off",
                signed_off_at=_moment(a, 43),
            ),
        ]
    )
    for user in people.values():
        user.password_hash = PASSWORD_HASH
    p["dani"].totp_secret = TOTP_SECRET
    db.session.flush()
    for reader, placement in (("coordinator_a", a), ("admin", d), ("coordinator_b", c)):
        audit.record(p[reader], "record_viewed", placement)
    audit.record(p["student_a"], "entry_created", week, kind=EntryKind.WEEKLY_LOG)
    audit.record(p["coach_a"], "entry_created", coach_note, kind=EntryKind.VISIT_NOTE)
    db.session.add(AuditEvent(actor_id=p["student_a"].id, action="login", object_type="user"))
    db.session.commit()

    ids.people = {name: user.id for name, user in people.items()}
    ids.placements = {
        "placement_a": a.id,
        "placement_b": b.id,
        "placement_c": c.id,
        "placement_d": d.id,
    }
    ids.entries = {
        "week": week.id,
        "draft": draft.id,
        "concern": concern.id,
        "feedback": feedback.id,
        "coach_note": coach_note.id,
        "shared_note": shared_note.id,
        "week_d": week_d.id,
    }
    ids.visits = {"final": final.id, "draft": draft_visit.id}
    return ids
