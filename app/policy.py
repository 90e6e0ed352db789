"""Who may see and do what. The only place access is decided.

Two rules run through every check:
- an object the user may not see answers 404, so its existence is not revealed;
- a forbidden action on an object the user may see answers 403.

Routes never load a placement, organisation or user directly: they call the
`*_or_404` loaders here, which fetch and check in one step. Services filter with the
selects here (`visible_placements`, `administered_schools`…), never with their own
admin checks. Nothing here writes: a route records what was viewed (`audit.note_view`).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, and_, false, or_, select, true

from app.extensions import db
from app.models import (
    AGREED_STATUSES,
    Action,
    Actor,
    Attachment,
    CallDestination,
    Candidate,
    ConsortiumMembership,
    Decision,
    EntryKind,
    EntryRevision,
    Goal,
    ItemKind,
    LogEntry,
    Membership,
    MembershipInvitation,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Partnership,
    Party,
    PendingImport,
    Placement,
    PlacementKind,
    PlacementStatus,
    PlanTemplate,
    PracticePost,
    PrivacyRequest,
    ReportStatus,
    ReviewStatus,
    Role,
    StageReport,
    Trip,
    User,
    Visit,
    VisitAddition,
)
from app.models.organisations import WORKPLACE_KINDS
from app.models.people import HOST_PARTNER_ROLES, ROLES_BY_KIND, SCHOOL_ROLES, WORKPLACE_ROLES

# -- placements -------------------------------------------------------------------------


def placement_visibility(user: User):
    """A SQL condition that is true for the placements `user` may see."""
    if user.is_admin:
        return Placement.id.is_not(None)
    conditions = [
        Placement.student_id == user.id,
        Placement.mentor_id == user.id,
        Placement.coach_id == user.id,
        Placement.monitor_id == user.id,
    ]
    if schools := user.organisation_ids(Role.COORDINATOR):
        conditions.append(Placement.school_id.in_(schools))
    if companies := user.organisation_ids(Role.COMPANY_COORDINATOR):
        conditions.append(Placement.workplace_id.in_(companies))
    if partners := user.organisation_ids(Role.HOST_COORDINATOR):
        conditions.append(Placement.host_partner_id.in_(partners))
    return or_(*conditions)


def visible_placements(user: User) -> Select:
    """A select of the placements `user` may see (summary level)."""
    return select(Placement).where(placement_visibility(user))


def can_view_placement(user: User, placement: Placement) -> bool:
    """Summary level: the trio, the workplace, the dates, the kind. Abroad also the
    host monitor and the host partner's coordinators (`hosts`).
    """
    return user.is_admin or (
        user.id in (placement.student_id, placement.mentor_id, placement.coach_id)
        or is_monitor(user, placement)
        or placement.school_id in user.organisation_ids(Role.COORDINATOR)
        or placement.workplace_id in user.organisation_ids(Role.COMPANY_COORDINATOR)
        or hosts(user, placement)
    )


def can_view_placement_log(user: User, placement: Placement) -> bool:
    """The log's content: the trio, the school's coordinators and admins.

    A company coordinator sees the company's placements but not what is written in them;
    the same for a host partner's coordinators, who match the participant abroad. The
    host monitor, the participant's contact person during the stay, reads the log.
    """
    return user.is_admin or (
        user.id in (placement.student_id, placement.mentor_id, placement.coach_id)
        or is_monitor(user, placement)
        or placement.school_id in user.organisation_ids(Role.COORDINATOR)
    )


def is_monitor(user: User, placement: Placement) -> bool:
    """The host monitor of a placement abroad: beside the workplace mentor, the
    participant's fixed contact person during the stay.
    """
    return placement.monitor_id is not None and user.id == placement.monitor_id


def hosts(user: User, placement: Placement) -> bool:
    """Whether `user` coordinates the host partner abroad the placement is assigned to."""
    return placement.host_partner_id is not None and (
        placement.host_partner_id in user.organisation_ids(Role.HOST_COORDINATOR)
    )


def can_manage_placement(user: User, placement: Placement) -> bool:
    """Change the placement itself: its school's coordinators and admins."""
    return administers_school(user, placement.school_id)


def sees_guardian_approval(user: User, placement: Placement) -> bool:
    """Whether a guardian's approval is asked or missing: the school's side only (its
    coordinators, admins and the placement's coach); mentors need not know a student's age.
    """
    return user.id == placement.coach_id or can_manage_placement(user, placement)


def guardian_approval_visibility(user: User, placement: Placement):
    """SQL: the guardian's approvals of `placement` that `user` may see."""
    return true() if sees_guardian_approval(user, placement) else false()


# -- hosting a placement abroad -----------------------------------------------------------


def sees_matching(user: User, placement: Placement) -> bool:
    """A mobility's matching (host workplace, mentor, monitor, lodging): the host partner
    that makes it, the monitor, the participant, the coach and the sending school.
    """
    return placement.host_partner_id is not None and (
        hosts(user, placement)
        or is_monitor(user, placement)
        or user.id in (placement.student_id, placement.coach_id)
        or can_manage_placement(user, placement)
    )


def lodging_visibility(user: User, placement: Placement):
    """SQL: the lodgings of `placement` `user` sees (`sees_matching`): never the mentor's
    or the company's business.
    """
    return true() if sees_matching(user, placement) else false()


def can_match(user: User, placement: Placement) -> bool:
    """The host partner's coordinators match its participants, before and during the
    stay; the sending school reads their choices but does not change them.
    """
    return hosts(user, placement) and placement.status in (
        PlacementStatus.PREPARING,
        PlacementStatus.ACTIVE,
    )


def hosted_placements(user: User) -> Select:
    """A select of the placements assigned to the host partners `user` coordinates, of
    every sending school: their destination view.
    """
    partners = user.organisation_ids(Role.HOST_COORDINATOR)
    if not partners:
        return select(Placement).where(false())
    return select(Placement).where(Placement.host_partner_id.in_(partners))


def can_view_destination(user: User) -> bool:
    """The destination view is a host partner's: its coordinators."""
    return user.has_role(Role.HOST_COORDINATOR)


PLACEMENT_ACTIONS = {
    "view": can_view_placement,
    "view_log": can_view_placement_log,
    "manage": can_manage_placement,
    "matching": sees_matching,
}


def placement_or_404(placement_id: int, user: User, action: str = "view") -> Placement:
    """Load a placement the user may see, then check the action (403 when refused)."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_view_placement(user, placement):
        abort(404)
    if not PLACEMENT_ACTIONS[action](user, placement):
        abort(403)
    return placement


# -- the learning agreement of a mobility abroad ------------------------------------------
# A mobility's learning agreement is read beyond the trio: by the host monitor and the
# host partner's coordinators. It is drafted and signed while the placement is still in
# preparation, before anything else of its log is written.

AGREEMENT_STATUSES = (PlacementStatus.PREPARING, PlacementStatus.ACTIVE)


def coordinates_host_partner(user: User, placement: Placement) -> bool:
    """`user` coordinates the host partner abroad of `placement`."""
    return placement.host_partner_id is not None and placement.host_partner_id in (
        user.organisation_ids(Role.HOST_COORDINATOR)
    )


def can_view_agreement(user: User, placement: Placement) -> bool:
    """A mobility's learning agreement: whoever reads its log (the trio, the school's
    coordinators, admins), its monitor and its host partner's coordinators; nobody of
    another school or host partner.
    """
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        can_view_placement_log(user, placement)
        or (placement.monitor_id is not None and user.id == placement.monitor_id)
        or coordinates_host_partner(user, placement)
    )


def agreement_placement_or_404(placement_id: int, user: User) -> Placement:
    """A mobility whose learning agreement `user` reads (404 for anyone else, and for a
    placement that is not a mobility abroad).
    """
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_view_agreement(user, placement):
        abort(404)
    return placement


def agreement_placements(user: User) -> Select:
    """A select of the mobilities whose learning agreement `user` reads, as
    `can_view_agreement` decides: every mobility for admins.
    """
    mobility = Placement.kind == PlacementKind.MOBILITY_ABROAD
    if user.is_admin:
        return select(Placement).where(mobility)
    conditions = [
        Placement.student_id == user.id,
        Placement.mentor_id == user.id,
        Placement.coach_id == user.id,
        Placement.monitor_id == user.id,
    ]
    if schools := coordinated_school_ids(user):
        conditions.append(Placement.school_id.in_(schools))
    if partners := user.organisation_ids(Role.HOST_COORDINATOR):
        conditions.append(Placement.host_partner_id.in_(partners))
    return select(Placement).where(mobility, or_(*conditions))


def sees_agreements_menu(user: User) -> bool:
    """The host's people reach the agreements they read from the menu (they see no
    placement's pages); everyone else from the placement's tabs.
    """
    return user.has_role(Role.MONITOR, Role.HOST_COORDINATOR)


def can_draft_agreement(user: User, placement: Placement) -> bool:
    """The coach or the school's coordinators draft the agreement, while the placement is
    in preparation or running.
    """
    return placement.status in AGREEMENT_STATUSES and (
        user.id == placement.coach_id or administers_school(user, placement.school_id)
    )


def agreement_parties(user: User, placement: Placement) -> dict[Party, str]:
    """The parties `user` may sign the agreement for, each with the capacity they sign
    in: the school (its coach or coordinators), the participant (the student), the host
    (the mentor at the host company, the monitor, the host partner's coordinators).
    """
    if placement.status not in AGREEMENT_STATUSES:
        return {}
    parties = {}
    if user.id == placement.coach_id:
        parties[Party.SCHOOL] = "coach"
    elif placement.school_id in coordinated_school_ids(user):
        parties[Party.SCHOOL] = "coordinator"
    if user.id == placement.student_id:
        parties[Party.PARTICIPANT] = "student"
    if user.id == placement.mentor_id:
        parties[Party.HOST] = "mentor"
    elif placement.monitor_id is not None and user.id == placement.monitor_id:
        parties[Party.HOST] = "monitor"
    elif coordinates_host_partner(user, placement):
        parties[Party.HOST] = "host_coordinator"
    return parties


# -- the mobility file ------------------------------------------------------------------
# A placement abroad has a file of documents and approvals. The school's side reads and
# checks it; the training company of a dual learner sees only the approval it gives.


def can_view_mobility_file(user: User, placement: Placement) -> bool:
    """The file of a mobility abroad: its participant, its coach, the school's
    coordinators and admins.
    """
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id in (placement.student_id, placement.coach_id)
        or can_manage_placement(user, placement)
    )


def can_check_mobility_file(user: User, placement: Placement) -> bool:
    """The school checks the file (accepts or sends back what was delivered, moves
    deadlines, sends a guardian's link, delivers its own items): the coach, the school's
    coordinators and admins.
    """
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id == placement.coach_id or can_manage_placement(user, placement)
    )


# What the participant hands in as a file themselves (their approval is given in the app).
PARTICIPANT_UPLOADS = (ItemKind.CV_EXPECTATIONS, ItemKind.HEALTH_INSURANCE)


def can_deliver_mobility_item(user: User, placement: Placement, kind: ItemKind) -> bool:
    """Who hands in a proof of an item: the school for every item it keeps as a file,
    the participant their CV and expectations form and their health insurance card.
    """
    if can_check_mobility_file(user, placement):
        return True
    return user.id == placement.student_id and kind in PARTICIPANT_UPLOADS


def company_approver_placements(user: User, placement: Placement) -> Select:
    """A select of the dual placements of the participant that overlap `placement` and
    that `user` speaks for: as their mentor, or as a coordinator of their company.
    """
    conditions = [Placement.mentor_id == user.id]
    if companies := user.organisation_ids(Role.COMPANY_COORDINATOR):
        conditions.append(Placement.workplace_id.in_(companies))
    return select(Placement.id).where(
        Placement.student_id == placement.student_id,
        Placement.kind == PlacementKind.DUAL_LEARNING,
        Placement.status.in_((PlacementStatus.PREPARING, PlacementStatus.ACTIVE)),
        Placement.start_date <= placement.end_date,
        Placement.end_date >= placement.start_date,
        or_(*conditions),
    )


def can_give_company_approval(user: User, placement: Placement) -> bool:
    """The training company of a dual learner approves their stay abroad: the mentor of
    the overlapping dual placement or a coordinator of its company (one query).
    """
    return (
        placement.kind == PlacementKind.MOBILITY_ABROAD
        and db.session.scalar(company_approver_placements(user, placement).limit(1)) is not None
    )


def mobility_or_404(placement_id: int, user: User, action: str = "view") -> Placement:
    """A placement abroad and its file: 404 for a placement that is not abroad or not
    seen; 403 for a reader who may not do `action` ("view", "check" or "company").
    The company's approver need not see the placement otherwise.
    """
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.kind != PlacementKind.MOBILITY_ABROAD:
        abort(404)
    if action == "company":
        if can_give_company_approval(user, placement):
            return placement
        if not can_view_placement(user, placement):
            abort(404)
        abort(403)
    if not can_view_placement(user, placement):
        abort(404)
    allowed = can_check_mobility_file if action == "check" else can_view_mobility_file
    if not allowed(user, placement):
        abort(403)
    return placement


# -- closing a mobility abroad ------------------------------------------------------------
# The stage report, the EU survey, the final scores and the Europass record are read by
# the participant, the school's side (coach, coordinators, admins), the host monitor and
# the host partner's coordinators; the mentor at the host company and the companies see
# the placement but not its closing.


def can_view_closing(user: User, placement: Placement) -> bool:
    """A mobility's closing page, its stage report and its Europass record."""
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id in (placement.student_id, placement.coach_id)
        or is_monitor(user, placement)
        or hosts(user, placement)
        or administers_school(user, placement.school_id)
    )


def closing_or_404(placement_id: int, user: User) -> Placement:
    """A mobility whose closing `user` reads: 404 for a placement that is not abroad or
    not seen, 403 for one seen whose closing is not theirs to read.
    """
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.kind != PlacementKind.MOBILITY_ABROAD:
        abort(404)
    if not can_view_placement(user, placement):
        abort(404)
    if not can_view_closing(user, placement):
        abort(403)
    return placement


def _closing_open(placement: Placement) -> bool:
    return (
        placement.kind == PlacementKind.MOBILITY_ABROAD
        and placement.status == PlacementStatus.ACTIVE
    )


def closing_visibility(user: User, placement: Placement):
    """SQL: the closing rows of `placement` `user` reads (`can_view_closing`)."""
    return true() if can_view_closing(user, placement) else false()


def stage_report_visibility(user: User, placement: Placement):
    """SQL: the stage report of `placement` `user` reads: a draft only its participant."""
    if not can_view_closing(user, placement):
        return false()
    if sees_stage_report_draft(user, placement):
        return true()
    return StageReport.status != ReportStatus.DRAFT


def can_write_stage_report(user: User, placement: Placement) -> bool:
    """The participant writes their stage report while the mobility is active."""
    return _closing_open(placement) and user.id == placement.student_id


def sees_stage_report_draft(user: User, placement: Placement) -> bool:
    """A draft is the participant's own until they submit it."""
    return user.id == placement.student_id


def can_return_stage_report(user: User, placement: Placement) -> bool:
    """The coach sends a submitted stage report back with a note."""
    return _closing_open(placement) and user.id == placement.coach_id


def can_confirm_survey(user: User, placement: Placement) -> bool:
    """The participant confirms they filled in the EU participant survey."""
    return _closing_open(placement) and user.id == placement.student_id


def score_confirmation_side(user: User, placement: Placement) -> str | None:
    """The side `user` confirms the final scores for: "coach" or "monitor"."""
    if not _closing_open(placement):
        return None
    if user.id == placement.coach_id:
        return "coach"
    if is_monitor(user, placement):
        return "monitor"
    return None


def can_close_mobility(user: User, placement: Placement) -> bool:
    """The coach closes the mobility and signs off its Europass record."""
    return _closing_open(placement) and user.id == placement.coach_id


# -- the follow-up log -----------------------------------------------------------------


def actor_in(user: User, placement: Placement) -> Actor | None:
    """The part `user` plays in the placement's trio, if any."""
    if user.id == placement.student_id:
        return Actor.STUDENT
    if user.id == placement.mentor_id:
        return Actor.MENTOR
    if user.id == placement.coach_id:
        return Actor.COACH
    if is_monitor(user, placement) and placement.monitor_scores:
        # The monitor writes feedback and scores like a mentor, on the host's side of the
        # matrix, when the placement allows it (the registration keeps who it was).
        return Actor.MENTOR
    return None


def confirming_actor(user: User, placement: Placement) -> Actor | None:
    """The part in which `user` confirms a visit report: the trio as themselves, and the
    host monitor for the host's side as the mentor does (whether or not they score), so
    the report is confirmed by the host once, by whichever of the two reads it first.
    """
    if (actor := actor_in(user, placement)) is not None:
        return actor
    return Actor.MENTOR if is_monitor(user, placement) else None


def can_write_log(user: User, placement: Placement) -> bool:
    """Each of the trio writes and registers as themselves while the placement is active;
    coordinators and admins read. A completed or stopped placement's log is closed.
    """
    return actor_in(user, placement) is not None and placement.status == PlacementStatus.ACTIVE


def sees_coach_only(user: User, placement: Placement) -> bool:
    """Visit notes marked "coach only": the coach, the school's coordinators and admins."""
    return (
        user.is_admin
        or user.id == placement.coach_id
        or placement.school_id in user.organisation_ids(Role.COORDINATOR)
    )


def sees_wellbeing(user: User, placement: Placement) -> bool:
    """The student's wellbeing check-ins: the student, the coach and the school; the
    mentor is the student's boss at work and does not see them.
    """
    return user.id == placement.student_id or sees_coach_only(user, placement)


def wellbeing_placements(user: User) -> Select:
    """A select of the ids of the placements whose wellbeing check-ins `user` sees, as
    `sees_wellbeing` decides: their own as student, those they coach, those of the
    schools they coordinate; all for admins. Never a mentor's or company coordinator's.
    """
    if user.is_admin:
        return select(Placement.id)
    conditions = [Placement.student_id == user.id, Placement.coach_id == user.id]
    if schools := user.organisation_ids(Role.COORDINATOR):
        conditions.append(Placement.school_id.in_(schools))
    return select(Placement.id).where(or_(*conditions))


def sees_reason(user: User, placement: Placement, reason: str) -> bool:
    """A caseload reason shown to a reader of the placement (on the visit agenda): low
    wellbeing only to who sees wellbeing; the count of open concerns only to who sees
    every concern (a student's concern goes to the school only); the others to all.
    """
    if reason == "wellbeing":
        return sees_wellbeing(user, placement)
    if reason == "concerns":
        return sees_coach_only(user, placement)
    return True


def entry_visibility(user: User, placement: Placement):
    """A SQL condition for the entries of `placement` that `user` may read (the caller
    has checked `can_view_placement_log`): no one else's drafts, and coach-only entries
    only for their author and those who see them.
    """
    conditions = [
        or_(
            LogEntry.review_status.is_(None),
            LogEntry.review_status != ReviewStatus.DRAFT,
            LogEntry.author_id == user.id,
        )
    ]
    if not sees_coach_only(user, placement):
        conditions.append(or_(LogEntry.coach_only.is_(False), LogEntry.author_id == user.id))
    return and_(*conditions)


def can_read_entry(user: User, entry: LogEntry) -> bool:
    if entry.author_id == user.id:
        return True
    if entry.review_status == ReviewStatus.DRAFT:
        return False
    return not entry.coach_only or sees_coach_only(user, entry.placement)


def can_read_revision(user: User, revision: EntryRevision) -> bool:
    """An earlier text of an entry, for those who could read it then (it was never a
    draft: drafts leave no history). As SQL: `revision_visibility`.
    """
    entry = revision.entry
    return (
        entry.author_id == user.id
        or not revision.coach_only
        or sees_coach_only(user, entry.placement)
    )


def revision_visibility(user: User, placement: Placement):
    """SQL: the earlier texts of `placement`'s entries `user` may read, as
    `can_read_revision` decides (the entry itself being readable).
    """
    if sees_coach_only(user, placement):
        return true()
    own_entries = select(LogEntry.id).where(LogEntry.author_id == user.id)
    return or_(EntryRevision.coach_only.is_(False), EntryRevision.entry_id.in_(own_entries))


def entry_or_404(placement: Placement, entry_id: int, user: User) -> LogEntry:
    """An entry of `placement` that `user` may read (the placement is already checked)."""
    entry = db.session.get(LogEntry, entry_id)
    if entry is None or entry.placement_id != placement.id or not can_read_entry(user, entry):
        abort(404)
    return entry


def can_edit_entry(user: User, entry: LogEntry) -> bool:
    """Only the author changes an entry, and only while the log is open."""
    return entry.author_id == user.id and can_write_log(user, entry.placement)


def attachment_or_404(entry: LogEntry, attachment_id: int) -> Attachment:
    """An attachment of `entry` (the entry is already checked): readers of the entry
    read its attachments.
    """
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.entry_id != entry.id:
        abort(404)
    return attachment


def can_remove_attachment(user: User, attachment: Attachment) -> bool:
    """Only the uploader removes an attachment, and only while the log is open."""
    return attachment.uploader_id == user.id and can_write_log(user, attachment.entry.placement)


def can_resolve_concern(user: User, entry: LogEntry) -> bool:
    """The coach follows up concerns and marks them dealt with."""
    placement = entry.placement
    return (
        entry.kind == EntryKind.CONCERN
        and user.id == placement.coach_id
        and placement.status == PlacementStatus.ACTIVE
    )


def can_review_weekly_logs(user: User, placement: Placement) -> bool:
    """The workplace mentor approves or returns the student's weekly logs."""
    return user.id == placement.mentor_id and placement.status == PlacementStatus.ACTIVE


def in_preparation(placement: Placement) -> bool:
    """Before the stay: what it needs before it starts (a guardian's approval, a mobility's
    file) is not complete yet, so nothing of the stay itself is written.
    """
    return placement.status == PlacementStatus.PREPARING


def prepares(user: User, placement: Placement) -> bool:
    """While a placement is in preparation its school drafts what the stay will follow:
    the coach and the school's coordinators (and admins). The student and the mentor read.
    """
    return in_preparation(placement) and (
        user.id == placement.coach_id or administers_school(user, placement.school_id)
    )


def can_edit_training_plan(user: User, placement: Placement) -> bool:
    """The coach draws up the training plan with mentor and student; coach and mentor
    edit it, the student reads it. Before the stay the school drafts it (`prepares`).
    """
    if prepares(user, placement):
        return True
    return (
        user.id in (placement.coach_id, placement.mentor_id)
        and placement.status == PlacementStatus.ACTIVE
    )


def can_recommend_training(user: User, placement: Placement) -> bool:
    """The coach and the school's coordinators recommend modules to the placement's mentor."""
    return placement.status == PlacementStatus.ACTIVE and (
        user.is_admin
        or user.id == placement.coach_id
        or placement.school_id in user.organisation_ids(Role.COORDINATOR)
    )


# -- the personal development plan ------------------------------------------------------
# The plan is part of the log: whoever reads the log reads the plan.


def can_edit_plan(user: User, placement: Placement) -> bool:
    """The plan is the student's: only they add, change and close goals and actions."""
    return user.id == placement.student_id and placement.status == PlacementStatus.ACTIVE


def can_suggest_to_plan(user: User, placement: Placement) -> bool:
    """Mentor and coach suggest goals and actions, and comment on goals; before the stay
    the coach drafts them (the student answers the suggestions once the stay is active).
    """
    if in_preparation(placement) and user.id == placement.coach_id:
        return True
    return (
        user.id in (placement.mentor_id, placement.coach_id)
        and placement.status == PlacementStatus.ACTIVE
    )


def can_write_plan(user: User, placement: Placement) -> bool:
    """The trio writes in the plan: the student as its owner, mentor and coach with
    suggestions and comments.
    """
    return can_edit_plan(user, placement) or can_suggest_to_plan(user, placement)


def can_approve_plan(user: User, placement: Placement) -> bool:
    return user.id == placement.coach_id and placement.status == PlacementStatus.ACTIVE


def goal_or_404(placement: Placement, goal_id: int) -> Goal:
    goal = db.session.get(Goal, goal_id)
    if goal is None or goal.placement_id != placement.id:
        abort(404)
    return goal


def action_or_404(placement: Placement, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None or action.placement_id != placement.id:
        abort(404)
    return action


def action_visibility(user: User, placement: Placement):
    """SQL: the actions of `placement` `user` may see: a visit's agreements only once its
    report is final (`sees_report`), except for the coach.
    """
    if user.id == placement.coach_id:
        return true()
    final = select(Visit.id).where(Visit.status.in_(AGREED_STATUSES))
    return or_(Action.visit_id.is_(None), Action.visit_id.in_(final))


def can_tick_action(user: User, action: Action, placement: Placement) -> bool:
    """The owner of an action ticks it off: the student for the plan's actions, the
    owner named in a visit's agreement for those (once the report is final).
    """
    return (
        actor_in(user, placement) == action.owner
        and placement.status == PlacementStatus.ACTIVE
        and (action.visit_id is None or action.visit.status in AGREED_STATUSES)
    )


def template_school_ids(user: User) -> set[int]:
    """Schools whose plan templates `user` uses: where they coach or coordinate."""
    return user.organisation_ids(Role.COACH) | user.organisation_ids(Role.COORDINATOR)


def can_use_plan_templates(user: User) -> bool:
    return user.is_admin or bool(template_school_ids(user))


def visible_plan_templates(user: User) -> Select:
    """A select of the plan templates `user` uses: those of the schools where they coach
    or coordinate; every template for admins.
    """
    if user.is_admin:
        return select(PlanTemplate)
    return select(PlanTemplate).where(PlanTemplate.school_id.in_(template_school_ids(user)))


def plan_template_or_404(template_id: int, user: User) -> PlanTemplate:
    template = db.session.scalar(visible_plan_templates(user).where(PlanTemplate.id == template_id))
    if template is None:
        abort(404)
    return template


def template_recipients(user: User, template: PlanTemplate) -> Select:
    """A select of the placements of the template's school that `user` may give its goals
    to: every one for admins and the school's coordinators, a coach only those they coach.
    """
    placements = visible_placements(user).where(Placement.school_id == template.school_id)
    if administers_school(user, template.school_id):
        return placements
    return placements.where(Placement.coach_id == user.id)


# -- visits ---------------------------------------------------------------------------
# Visits are part of the log: whoever reads the log reads them (coach-only parts aside).


def can_coach_visits(user: User, placement: Placement) -> bool:
    """The placement's coach plans visits and writes their reports."""
    return user.id == placement.coach_id and placement.status == PlacementStatus.ACTIVE


def is_trip_teacher(user: User, visit: Visit) -> bool:
    """The accompanying teacher who makes `visit` on their trip abroad, while they still
    coach for the placement's school: for that visit they stand in for the participant's
    coach, whoever coaches the participant at home (one query for a visit of a trip).
    """
    if visit.trip_id is None:
        return False
    trip = db.session.get(Trip, visit.trip_id)
    return (
        trip is not None
        and trip.coach_id == user.id
        and visit.placement.school_id in trip_school_ids(user)
    )


def reports_visit(user: User, placement: Placement, visit: Visit) -> bool:
    """Write, make final and amend a visit's report: the placement's coach, and the trip
    teacher for the visit they make on their trip (not the placement's other visits).
    Moving or cancelling a visit stays the coach's (`can_coach_visits`).
    """
    return can_coach_visits(user, placement) or (
        placement.status == PlacementStatus.ACTIVE and is_trip_teacher(user, visit)
    )


def reads_visit(user: User, placement: Placement, visit: Visit) -> bool:
    """A visit's page: whoever reads the log, and the trip teacher the visit of their
    trip (the page and the placement's header on it; nothing else of the log).
    """
    return can_view_placement_log(user, placement) or is_trip_teacher(user, visit)


def visit_page_or_404(placement_id: int, visit_id: int, user: User) -> tuple[Placement, Visit]:
    """A visit and its placement for a reader of the visit (`reads_visit`): 404 for whoever
    does not see the placement, 403 for one who sees it but not its log, as for the log.
    """
    placement = db.session.get(Placement, placement_id)
    visit = db.session.get(Visit, visit_id) if placement is not None else None
    if visit is not None and visit.placement_id == placement.id and is_trip_teacher(user, visit):
        return placement, visit
    placement = placement_or_404(placement_id, user, "view_log")
    return placement, visit_or_404(placement, visit_id)


def sees_report(user: User, placement: Placement, visit: Visit) -> bool:
    """A visit's report and its agreements: while the report is a draft, only the coach
    (or the trip teacher who writes it) sees them; once final, whoever reads the log
    (coach-only sections aside).
    """
    return (
        visit.status in AGREED_STATUSES
        or user.id == placement.coach_id
        or is_trip_teacher(user, visit)
    )


def sees_visit_coach_only(user: User, placement: Placement, visit: Visit) -> bool:
    """The coach-only parts of a visit's report and beside it: those who see coach-only
    notes, and the trip teacher, who wrote them.
    """
    return sees_coach_only(user, placement) or is_trip_teacher(user, visit)


def visible_report(user: User, placement: Placement, visit: Visit) -> dict[str, str]:
    """The sections of a visit's report `user` may read, by key: none of a draft but the
    coach's, and sections marked coach only for those who see them.
    """
    if not sees_report(user, placement, visit):
        return {}
    hidden = () if sees_visit_coach_only(user, placement, visit) else visit.coach_only or ()
    return {key: text for key, text in (visit.report or {}).items() if key not in hidden}


def addition_visibility(user: User, placement: Placement):
    """SQL: the comments and amendments beside `placement`'s visit reports that `user` may
    read: those marked coach only for those who see coach-only notes.
    """
    return true() if sees_coach_only(user, placement) else VisitAddition.coach_only.is_(False)


def visit_or_404(placement: Placement, visit_id: int) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.placement_id != placement.id:
        abort(404)
    return visit


# -- mentors' training -----------------------------------------------------------------


# Whom the mentor training is for: mentors learn from it, coaches recommend its modules
# and read what they recommend, coordinators and admins follow the mentors. A student
# has no part in it (its catalogue would tell them "0 of 13 modules").
# A host monitor guides and gives feedback like a mentor: the training is theirs too.
TRAINING_ROLES = (
    Role.MENTOR,
    Role.MONITOR,
    Role.COACH,
    Role.COORDINATOR,
    Role.COMPANY_COORDINATOR,
    Role.ADMIN,
)


def can_train(user: User) -> bool:
    """Whether the training's pages (catalogue, modules, templates, certificates) are
    `user`'s: the Training menu item and every training page but a placement's
    recommendation form (its own rule) and the public certificate check.
    """
    return user.has_role(*TRAINING_ROLES)


def can_follow_mentor_training(user: User) -> bool:
    """School coordinators, company coordinators and admins follow mentors' training."""
    return (
        user.is_admin or user.has_role(Role.COORDINATOR) or user.has_role(Role.COMPANY_COORDINATOR)
    )


def visible_mentors(user: User) -> Select:
    """The mentors whose training `user` follows: a school's coordinators those of its
    placements, a company coordinator those of the company, admins every mentor.
    """
    mentor_members = select(Membership.user_id).where(Membership.role == Role.MENTOR)
    if user.is_admin:
        return select(User).where(User.id.in_(mentor_members))
    conditions = []
    if schools := user.organisation_ids(Role.COORDINATOR):
        conditions.append(
            User.id.in_(select(Placement.mentor_id).where(Placement.school_id.in_(schools)))
        )
    if companies := user.organisation_ids(Role.COMPANY_COORDINATOR):
        conditions.append(
            User.id.in_(mentor_members.where(Membership.organisation_id.in_(companies)))
        )
    return select(User).where(or_(*conditions) if conditions else false())


def can_share_practice(user: User) -> bool:
    """Mentors share what works for them under a module."""
    return user.has_role(Role.MENTOR)


def reviewable_practice(user: User) -> Select:
    """The shared practice `user` approves: a school's coordinators that of the mentors of
    their placements, admins all of it.
    """
    if user.is_admin:
        return select(PracticePost)
    schools = user.organisation_ids(Role.COORDINATOR)
    if not schools:
        return select(PracticePost).where(false())
    mentors = select(Placement.mentor_id).where(Placement.school_id.in_(schools))
    return select(PracticePost).where(PracticePost.author_id.in_(mentors))


def practice_reviewers(post: PracticePost) -> Select:
    """The ids of those told a post waits for approval: the coordinators of the schools
    whose placements its author mentors (`reviewable_practice` the other way round); the
    admins when no school has them, so that a post never waits unseen.
    """
    schools = select(Placement.school_id).where(Placement.mentor_id == post.author_id)
    active_with_role = select(Membership.user_id).join(User).where(User.active.is_(True))
    coordinators = active_with_role.where(
        Membership.role == Role.COORDINATOR, Membership.organisation_id.in_(schools)
    )
    admins = active_with_role.where(Membership.role == Role.ADMIN)
    return select(User.id).where(
        or_(User.id.in_(coordinators), and_(~coordinators.exists(), User.id.in_(admins)))
    )


def mentor_or_404(mentor_id: int, user: User) -> User:
    mentor = db.session.scalar(visible_mentors(user).where(User.id == mentor_id))
    if mentor is None:
        abort(404)
    return mentor


# -- organisations ----------------------------------------------------------------------


def is_administrator(user: User) -> bool:
    """Coordinators and admins use the administration pages."""
    return user.is_admin or user.has_role(Role.COORDINATOR)


def can_view_jobs(user: User) -> bool:
    """The scheduled jobs and their runs concern the whole platform: admins only."""
    return user.is_admin


def job_watchers() -> Select:
    """The ids of those told that a scheduled job failed: the active admins, who see the
    runs (`can_view_jobs`).
    """
    admins = select(Membership.user_id).where(Membership.role == Role.ADMIN)
    return select(User.id).where(User.id.in_(admins), User.active.is_(True))


def coordinated_school_ids(user: User) -> set[int]:
    return user.organisation_ids(Role.COORDINATOR)


def administers_school(user: User, school_id: int) -> bool:
    """A school's coordinators and the admins run the school: its placements, people,
    settings and privacy requests. As SQL: `administered_schools`.
    """
    return user.is_admin or school_id in coordinated_school_ids(user)


def administered_schools(user: User) -> Select:
    """A select of the schools `user` administers (`administers_school`): all of them for
    admins, the ones they coordinate for coordinators, none for anyone else.
    """
    schools = select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)
    if user.is_admin:
        return schools
    return schools.where(Organisation.id.in_(coordinated_school_ids(user)))


def administered_workplaces(user: User) -> Select:
    """A select of the workplaces `user` places students at: every workplace for admins,
    the partners of the schools they coordinate for coordinators, none for anyone else.
    """
    workplaces = select(Organisation).where(Organisation.kind.in_(WORKPLACE_KINDS))
    if user.is_admin:
        return workplaces
    partners = select(Partnership.workplace_id).where(
        Partnership.school_id.in_(coordinated_school_ids(user))
    )
    return workplaces.where(Organisation.id.in_(partners))


def can_pair(user: User, school: Organisation, workplace: Organisation) -> bool:
    """Whether `user` may place a student of `school` at `workplace`: a workplace that is
    the school's partner; admins pair any school with any workplace.
    """
    return workplace.is_workplace and (user.is_admin or school.id in partner_school_ids(workplace))


def creatable_organisation_kinds(user: User) -> tuple[OrganisationKind, ...]:
    """Admins add schools and workplaces; a coordinator adds workplaces (their partners)."""
    return tuple(OrganisationKind) if user.is_admin else WORKPLACE_KINDS


def visible_organisations(user: User) -> Select:
    """Organisations in the user's administration: their schools and those schools' partners."""
    if user.is_admin:
        return select(Organisation)
    schools = coordinated_school_ids(user)
    if not schools:
        return select(Organisation).where(false())
    partners = select(Partnership.workplace_id).where(Partnership.school_id.in_(schools))
    return select(Organisation).where(
        or_(Organisation.id.in_(schools), Organisation.id.in_(partners))
    )


def partner_school_ids(workplace: Organisation) -> set[int]:
    return set(
        db.session.scalars(
            select(Partnership.school_id).where(Partnership.workplace_id == workplace.id)
        )
    )


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    """Admins edit everything; a coordinator edits their school, and a partner workplace
    that works with none but their schools (a shared company is everyone's: admins edit it).
    """
    if user.is_admin:
        return True
    schools = coordinated_school_ids(user)
    if organisation.id in schools:
        return True
    partners = partner_school_ids(organisation)
    return bool(partners) and partners <= schools


def grantable_roles(user: User, organisation: Organisation) -> set[Role]:
    """The roles `user` may give someone in `organisation`.

    A coordinator staffs their own school and names mentors at its partners; only
    admins name company coordinators, who see every placement at their company.
    """
    if user.is_admin:
        return set(ROLES_BY_KIND[organisation.kind])
    schools = coordinated_school_ids(user)
    if organisation.id in schools:
        return set(SCHOOL_ROLES)
    if organisation.is_workplace and partner_school_ids(organisation) & schools:
        return {Role.MENTOR}
    return set()


def invitable_roles(user: User) -> tuple[Role, ...]:
    """The roles the invitation form offers `user` (`grantable_roles` decides per
    organisation): every role but company coordinator, which only admins give.
    """
    roles = SCHOOL_ROLES + WORKPLACE_ROLES
    if user.is_admin:
        return roles + HOST_PARTNER_ROLES + (Role.PROMOTER,)
    return tuple(role for role in roles if role is not Role.COMPANY_COORDINATOR)


def can_remove_membership(user: User, membership: Membership) -> bool:
    return membership.organisation is not None and membership.role in grantable_roles(
        user, membership.organisation
    )


def can_attach_directly(user: User, person: User) -> bool:
    """Whether `user` may give `person`, who has an account already, a role without
    asking them first.

    Admins may. A coordinator may only for someone who belongs to nothing outside their
    administration: every role the person holds is one the coordinator could have given
    them (see `grantable_roles`). Anyone else (another school's students and staff, a
    company's coordinators, platform admins, an account without a role, which is nobody's
    to claim) gets an invitation and has the role only once they accept it. The
    invitation form and the CSV import both ask this.
    """
    if user.is_admin:
        return True
    if person.is_admin or not person.memberships:
        return False
    return all(administers_alone(user, membership) for membership in person.memberships)


def administers_alone(user: User, membership: Membership) -> bool:
    """Whether `membership` lies wholly inside `user`'s administration: a role they could
    have given, in an organisation nobody else administers (their school, or a workplace
    that works with none but their schools). A mentor of a company that also works with
    another school is that school's concern too, so neither school alone decides for them.
    """
    organisation = membership.organisation
    return (
        organisation is not None
        and membership.role in grantable_roles(user, organisation)
        and can_edit_organisation(user, organisation)
    )


def visible_membership_invitations(user: User) -> Select:
    """The invitations waiting for an answer into the organisations of `user`'s
    administration (for the coordinator: only that an address was invited).
    """
    organisations = visible_organisations(user).with_only_columns(Organisation.id)
    return select(MembershipInvitation).where(
        MembershipInvitation.organisation_id.in_(organisations)
    )


def membership_invitation_or_404(invitation_id: int, user: User) -> MembershipInvitation:
    """An invitation addressed to `user`: only they answer it (not even an admin)."""
    invitation = db.session.get(MembershipInvitation, invitation_id)
    if invitation is None or invitation.user_id != user.id:
        abort(404)
    return invitation


def record_owner(person: User) -> Membership | None:
    """The membership through which an organisation owns `person`'s record: their name
    and date of birth.

    A student's record is the school's where they first became a student (it needs the
    date of birth for its minors' placements); anyone else's belongs to the organisation
    of their first role. Admins' records are the platform's, and an account without a
    role is nobody's: None for both, and only admins (or the person) change them.
    """
    if person.is_admin:
        return None
    held = sorted(
        (m for m in person.memberships if m.organisation_id is not None),
        key=lambda m: m.id,
    )
    return next((m for m in held if m.role == Role.STUDENT), None) or next(iter(held), None)


def can_edit_person_details(user: User, person: User) -> bool:
    """Change `person`'s name (and, for a student, date of birth): admins, the person
    themselves, and whoever alone administers the role that owns the record
    (`record_owner`: the coordinators of that school, or of the one school a workplace's
    mentor works with; a mentor of a company shared by schools is renamed by an admin).
    Another organisation that shares the person sees the name but leaves it alone.
    """
    if user.is_admin or user.id == person.id:
        return True
    owner = record_owner(person)
    return owner is not None and administers_alone(user, owner)


def sees_birth_date(user: User, person: User) -> bool:
    """A date of birth is kept for students only, and shown where it serves: to admins,
    and to the coordinators of a school where the person is a student.
    """
    schools = person.organisation_ids(Role.STUDENT)
    return bool(schools) and (user.is_admin or bool(schools & coordinated_school_ids(user)))


def can_export_person(user: User, person: User) -> bool:
    """The school answers its students' and coaches' access requests (it is their data's
    controller); admins answer everyone's. Everyone may export their own data.
    """
    return user.id == person.id or can_change_email(user, person)


def can_answer_privacy_requests(user: User) -> bool:
    return user.is_admin or user.has_role(Role.COORDINATOR)


def visible_privacy_requests(user: User) -> Select:
    """A select of the privacy requests `user` answers: admins all, coordinators their
    schools' ones, anyone else none.
    """
    if user.is_admin:
        return select(PrivacyRequest)
    return select(PrivacyRequest).where(PrivacyRequest.school_id.in_(coordinated_school_ids(user)))


def privacy_request_or_404(request_id: int, user: User) -> PrivacyRequest:
    """A request the user answers (`visible_privacy_requests`)."""
    request = db.session.scalar(
        visible_privacy_requests(user).where(PrivacyRequest.id == request_id)
    )
    if request is None:
        abort(404)
    return request


def can_change_email(user: User, person: User) -> bool:
    """Changing an e-mail address hands over the account (reset links go there), so a
    coordinator may do it only for their own school's students and coaches.
    """
    if user.is_admin:
        return True
    if person.is_admin or not person.memberships:
        return False
    schools = coordinated_school_ids(user)
    return all(
        m.organisation_id in schools and m.role in (Role.STUDENT, Role.COACH)
        for m in person.memberships
    )


def can_reset_second_factor(user: User, person: User) -> bool:
    """Removing a second factor lets whoever holds the password set up their own phone:
    platform admins only, and never their own (another admin does that).
    """
    return user.is_admin and person.id != user.id


def school_or_404(school_id: int, user: User) -> Organisation:
    """A school the user administers (its coordinators and admins)."""
    school = db.session.scalar(administered_schools(user).where(Organisation.id == school_id))
    if school is None:
        abort(404)
    return school


def pending_import_or_404(import_id: int, user: User) -> PendingImport:
    """A CSV file `user` uploaded, for a school they still administer: nobody else's, not
    even another coordinator's of the same school (it may hold what they got wrong).
    """
    pending = db.session.get(PendingImport, import_id)
    if pending is None or pending.uploaded_by_id != user.id:
        abort(404)
    school_or_404(pending.school_id, user)
    return pending


def organisation_or_404(organisation_id: int, user: User, action: str = "view") -> Organisation:
    """Load an organisation in the user's administration, then check the action."""
    organisation = db.session.scalar(
        visible_organisations(user).where(Organisation.id == organisation_id)
    )
    if organisation is None:
        abort(404)
    if action == "edit" and not can_edit_organisation(user, organisation):
        abort(403)
    return organisation


# -- people -----------------------------------------------------------------------------


def visible_users(user: User) -> Select:
    """People in the user's administration: members of their schools and partner workplaces."""
    if user.is_admin:
        return select(User)
    organisations = visible_organisations(user).with_only_columns(Organisation.id)
    members = select(Membership.user_id).where(Membership.organisation_id.in_(organisations))
    return select(User).where(User.id.in_(members))


def user_or_404(user_id: int, user: User) -> User:
    """Load a person in the user's administration."""
    person = db.session.scalar(visible_users(user).where(User.id == user_id))
    if person is None:
        abort(404)
    return person


# -- caseload ---------------------------------------------------------------------------


def can_view_caseload(user: User) -> bool:
    """The caseload overview: coaches (their own placements), the schools' coordinators
    (their schools' placements) and admins (every placement).
    """
    return user.is_admin or user.has_role(Role.COACH, Role.COORDINATOR)


def caseload_placements(user: User) -> Select:
    """A select of the placements in `user`'s caseload overview: those they coach and
    those of the schools they coordinate; every placement for admins.

    A company coordinator sees the company's placements elsewhere, but not how the log
    is kept, so none of them belong here.
    """
    if user.is_admin:
        return select(Placement)
    conditions = [Placement.coach_id == user.id]
    if schools := coordinated_school_ids(user):
        conditions.append(Placement.school_id.in_(schools))
    return select(Placement).where(or_(*conditions))


def follows_company_placements(user: User) -> bool:
    """A company coordinator follows the placements at their companies."""
    return user.has_role(Role.COMPANY_COORDINATOR)


def company_placements(user: User) -> Select:
    """A select of the placements at the companies `user` coordinates: a company
    coordinator follows them through signals that say nothing of the log's content.
    """
    companies = user.organisation_ids(Role.COMPANY_COORDINATOR)
    if not companies:
        return select(Placement).where(false())
    return select(Placement).where(Placement.workplace_id.in_(companies))


def coached_placements(user: User) -> Select:
    """A select of the placements `user` coaches: their own caseload on the home page."""
    return select(Placement).where(Placement.coach_id == user.id)


def mentored_placements(user: User) -> Select:
    """A select of the placements `user` is the workplace mentor of (in every company
    they mentor for): what their to-do list on the home page is about.
    """
    return select(Placement).where(Placement.mentor_id == user.id)


# -- calls for mobility abroad ----------------------------------------------------------
# A promoter's staff run their consortium's calls and see their candidates, nothing of
# the member schools' placements. A member school's coordinators (the local contact
# point) register candidates and decide; its coaches and coordinators score interviews;
# a candidate sees their own file and, once decided, their result.

SCHOOL_STAFF = (Role.COORDINATOR, Role.COACH)


def promoter_ids(user: User) -> set[int]:
    """The promoter organisations `user` works for."""
    return user.organisation_ids(Role.PROMOTER)


def can_see_calls(user: User) -> bool:
    """Who has the calls in the menu: promoters, the schools' staff and students, admins."""
    return user.is_admin or user.has_role(Role.PROMOTER, Role.COORDINATOR, Role.COACH, Role.STUDENT)


def can_manage_consortium(user: User) -> bool:
    """A promoter manages the members of its own consortium; admins every consortium."""
    return user.is_admin or bool(promoter_ids(user))


def managed_promoters(user: User) -> Select:
    """A select of the promoter organisations whose consortium and calls `user` runs."""
    promoters = select(Organisation).where(Organisation.kind == OrganisationKind.PROMOTER)
    if user.is_admin:
        return promoters
    return promoters.where(Organisation.id.in_(promoter_ids(user)))


def visible_consortium_memberships(user: User) -> Select:
    if user.is_admin:
        return select(ConsortiumMembership)
    return select(ConsortiumMembership).where(
        ConsortiumMembership.promoter_id.in_(promoter_ids(user))
    )


def consortium_membership_or_404(membership_id: int, user: User) -> ConsortiumMembership:
    membership = db.session.scalar(
        visible_consortium_memberships(user).where(ConsortiumMembership.id == membership_id)
    )
    if membership is None:
        abort(404)
    return membership


def call_visibility(user: User):
    """SQL: the calls `user` sees: a promoter its own; a member school's staff and
    students its consortium's; a candidate the calls they applied for; admins all.
    """
    if user.is_admin:
        return true()
    conditions = [
        MobilityCall.id.in_(select(Candidate.call_id).where(Candidate.student_id == user.id))
    ]
    if promoters := promoter_ids(user):
        conditions.append(MobilityCall.promoter_id.in_(promoters))
    if schools := user.organisation_ids(Role.COORDINATOR, Role.COACH, Role.STUDENT):
        consortia = select(ConsortiumMembership.promoter_id).where(
            ConsortiumMembership.school_id.in_(schools)
        )
        conditions.append(MobilityCall.promoter_id.in_(consortia))
    return or_(*conditions)


def visible_calls(user: User) -> Select:
    return select(MobilityCall).where(call_visibility(user))


def can_edit_call(user: User, call: MobilityCall) -> bool:
    """The promoter's staff change its calls; admins any."""
    return user.is_admin or call.promoter_id in promoter_ids(user)


CALL_ACTIONS = {
    "view": lambda user, call: True,
    "edit": can_edit_call,
}


def call_or_404(call_id: int, user: User, action: str = "view") -> MobilityCall:
    """A call the user sees (404 otherwise), then the action (403 when refused)."""
    call = db.session.scalar(visible_calls(user).where(MobilityCall.id == call_id))
    if call is None:
        abort(404)
    if not CALL_ACTIONS[action](user, call):
        abort(403)
    return call


def registering_schools(user: User) -> set[int]:
    """The schools whose candidates `user` registers: those they coordinate (the local
    contact point). Whether the school's mandate runs is the service's rule.
    """
    return coordinated_school_ids(user)


def can_register_candidates(user: User) -> bool:
    return bool(registering_schools(user))


def can_apply(user: User) -> bool:
    """A student applies for a call of their school's consortium themselves."""
    return user.has_role(Role.STUDENT)


def follows_candidates_of(user: User, school_id: int) -> bool:
    """A school's coordinators and coaches follow its candidates: they interview and
    score them. (Admins read everything but score nothing.)
    """
    return school_id in user.organisation_ids(*SCHOOL_STAFF)


def can_view_candidate(user: User, candidate: Candidate) -> bool:
    return (
        user.is_admin
        or user.id == candidate.student_id
        or follows_candidates_of(user, candidate.school_id)
        or candidate.call.promoter_id in promoter_ids(user)
    )


def candidate_visibility(user: User):
    """SQL: the candidates `user` sees, as `can_view_candidate` decides."""
    if user.is_admin:
        return true()
    conditions = [Candidate.student_id == user.id]
    if schools := user.organisation_ids(*SCHOOL_STAFF):
        conditions.append(Candidate.school_id.in_(schools))
    if promoters := promoter_ids(user):
        own_calls = select(MobilityCall.id).where(MobilityCall.promoter_id.in_(promoters))
        conditions.append(Candidate.call_id.in_(own_calls))
    return or_(*conditions)


def hosts_candidate(user: User, candidate: Candidate) -> bool:
    """A selected candidate whose destination's host partner `user` coordinates: the host
    partner finds their workplace. As SQL, the destinations: `to_match_visibility`.
    """
    destination = candidate.destination
    return (
        candidate.decision == Decision.SELECTED
        and destination is not None
        and destination.host_partner_id is not None
        and destination.host_partner_id in user.organisation_ids(Role.HOST_COORDINATOR)
    )


def reads_cv(user: User, candidate: Candidate) -> bool:
    """The CV and expectations form: whoever sees the candidate, and the coordinators of
    the host partner of their destination, who read it (only it) to find the workplace.
    """
    return can_view_candidate(user, candidate) or hosts_candidate(user, candidate)


def cv_or_404(candidate_id: int, user: User) -> Candidate:
    """A candidate whose CV `user` reads (`reads_cv`); 404 for anyone else."""
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or not reads_cv(user, candidate):
        abort(404)
    return candidate


def can_edit_cv(user: User, candidate: Candidate) -> bool:
    """The CV and expectations form is the candidate's own: they fill it in."""
    return user.id == candidate.student_id


def can_score(user: User, candidate: Candidate) -> bool:
    """The school's coordinators and coaches score the interview, each as themselves."""
    return follows_candidates_of(user, candidate.school_id)


def can_decide(user: User, candidate: Candidate) -> bool:
    """The local contact point decides: the school's coordinators (and admins)."""
    return administers_school(user, candidate.school_id)


def sees_interview_scores(user: User, candidate: Candidate) -> bool:
    """The scores per scorer and their notes stay with the school; the promoter and
    admins see the result, the candidate only the decision and its reason.
    """
    return follows_candidates_of(user, candidate.school_id)


def sees_selection_result(user: User, candidate: Candidate) -> bool:
    """The means per criterion and the total: the school, the promoter and admins; the
    candidate sees their own once the school has decided.
    """
    if user.id == candidate.student_id:
        return candidate.decision is not None
    return can_view_candidate(user, candidate)


CANDIDATE_ACTIONS = {
    "view": can_view_candidate,
    "edit_cv": can_edit_cv,
    "score": can_score,
    "decide": can_decide,
}


def candidate_or_404(candidate_id: int, user: User, action: str = "view") -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or not can_view_candidate(user, candidate):
        abort(404)
    if not CANDIDATE_ACTIONS[action](user, candidate):
        abort(403)
    return candidate


def can_view_selection(user: User, call: MobilityCall, school_id: int) -> bool:
    """A school's ranking and selection report: its coordinators and coaches, the
    call's promoter and admins.
    """
    return (
        user.is_admin
        or follows_candidates_of(user, school_id)
        or call.promoter_id in promoter_ids(user)
    )


def selection_school_or_404(
    call: MobilityCall, school_id: int, user: User, action: str = "view"
) -> Organisation:
    """A sending school of the call whose selection `user` sees; "edit": the report is
    written by the school's coordinators (403 for the others who see it).
    """
    school = db.session.get(Organisation, school_id)
    if school is None or not school.is_school or not can_view_selection(user, call, school_id):
        abort(404)
    if action == "edit" and not administers_school(user, school_id):
        abort(403)
    return school


# -- from a selected candidate to a placement abroad -------------------------------------
# The school makes its selected candidates ready for matching (destination, coach);
# the host partner of the destination creates the placement; the promoter follows every
# participant of its calls, nothing of the member schools' other placements.


def can_prepare_participant(user: User, candidate: Candidate) -> bool:
    """The local contact point (the school's coordinators), the call's promoter and
    admins choose the destination and the coach.
    """
    return administers_school(user, candidate.school_id) or (
        candidate.call.promoter_id in promoter_ids(user)
    )


def sees_fewer_opportunities(user: User, candidate: Candidate) -> bool:
    """Whether a participant has fewer opportunities is sensitive: the school's
    coordinators, the call's promoter and admins, never the coach, the host or the
    participant's fellows.
    """
    return can_prepare_participant(user, candidate)


def places_candidate(user: User, candidate: Candidate) -> bool:
    """Who creates the placement abroad of a participant ready for matching: the host
    partner of their destination (its coordinators), the call's promoter and admins.
    """
    if user.is_admin or candidate.call.promoter_id in promoter_ids(user):
        return True
    destination = candidate.destination
    return (
        destination is not None
        and destination.host_partner_id is not None
        and destination.host_partner_id in user.organisation_ids(Role.HOST_COORDINATOR)
    )


def candidate_to_place_or_404(candidate_id: int, user: User) -> Candidate:
    """A candidate whose placement `user` may create: 404 for whoever neither sees the
    candidate nor hosts their destination (another host partner), 403 for the school.
    """
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        abort(404)
    allowed = places_candidate(user, candidate)
    if not allowed and not can_view_candidate(user, candidate):
        abort(404)
    if not allowed:
        abort(403)
    return candidate


def sees_participants_to_match(user: User) -> bool:
    return user.is_admin or user.has_role(Role.PROMOTER, Role.HOST_COORDINATOR)


def to_match_visibility(user: User):
    """SQL: the candidates ready for matching whose placement `user` may create, as
    `places_candidate` decides.
    """
    if user.is_admin:
        return true()
    conditions = []
    if promoters := promoter_ids(user):
        own_calls = select(MobilityCall.id).where(MobilityCall.promoter_id.in_(promoters))
        conditions.append(Candidate.call_id.in_(own_calls))
    if partners := user.organisation_ids(Role.HOST_COORDINATOR):
        hosted = select(CallDestination.id).where(CallDestination.host_partner_id.in_(partners))
        conditions.append(Candidate.destination_id.in_(hosted))
    return or_(*conditions) if conditions else false()


def group_schools(user: User, call: MobilityCall, participants: list[Candidate]) -> set[int]:
    """Of the participants at a destination, the schools whose participants `user` sees
    in full (the others by first name and school); empty: the group is not theirs.

    The call's promoter and admins see everyone; a school's coordinators and coaches
    their own school's participants when it sends someone there; a participant their own
    school's fellows. The host partner keeps its own view (`hosted_placements`).
    """
    schools = {candidate.school_id for candidate in participants}
    if user.is_admin or call.promoter_id in promoter_ids(user):
        return schools
    own = schools & user.organisation_ids(*SCHOOL_STAFF)
    own |= {c.school_id for c in participants if c.student_id == user.id}
    return own


def overview_scope(user: User, call: MobilityCall):
    """SQL: the participants of the call's overview `user` reads; None: not theirs. The
    promoter and admins read every school's, a school's coordinators their school's.
    """
    if user.is_admin or call.promoter_id in promoter_ids(user):
        return true()
    if schools := coordinated_school_ids(user):
        return Candidate.school_id.in_(schools)
    return None


def monitored_placements(user: User) -> Select:
    """A select of the placements abroad `user` is the host monitor of: beside the
    mentor's, what the to-do list on their home page is about.
    """
    return select(Placement).where(Placement.monitor_id == user.id)


# -- during a stay abroad ---------------------------------------------------------------
# The travel blog is read by those who follow the stay: the trio, the monitor, the host
# partner's coordinators and the sending school's coordinators. The programme is the
# host's to plan, the participant's to reflect on and the coach's to read; the language
# goal the participant's, read by the coach and the monitor.


def reads_blog(user: User, placement: Placement) -> bool:
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id in (placement.student_id, placement.coach_id, placement.mentor_id)
        or is_monitor(user, placement)
        or hosts(user, placement)
        or can_manage_placement(user, placement)
    )


def writes_blog(user: User, placement: Placement) -> bool:
    """The participant writes their blog before, during and right after the stay."""
    return user.id == placement.student_id and placement.status != PlacementStatus.STOPPED


def can_send_blog_consent_link(user: User, placement: Placement) -> bool:
    """The school asks a guardian's consent to publish a minor's blog, as it asks their
    approval of the stay: the coach, the school's coordinators and admins.
    """
    return can_check_mobility_file(user, placement)


def reads_programme(user: User, placement: Placement) -> bool:
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id in (placement.student_id, placement.coach_id)
        or is_monitor(user, placement)
        or hosts(user, placement)
    )


def plans_programme(user: User, placement: Placement) -> bool:
    """The monitor and the host partner's coordinators plan the activities."""
    return placement.status in AGREEMENT_STATUSES and (
        is_monitor(user, placement) or hosts(user, placement)
    )


def reads_language_goal(user: User, placement: Placement) -> bool:
    return placement.kind == PlacementKind.MOBILITY_ABROAD and (
        user.id in (placement.student_id, placement.coach_id) or is_monitor(user, placement)
    )


def reads_stay(user: User, placement: Placement) -> bool:
    """The page of the stay: whoever reads one of its parts."""
    return (
        reads_blog(user, placement)
        or reads_programme(user, placement)
        or reads_language_goal(user, placement)
    )


STAY_ACTIONS = {
    "stay": reads_stay,
    "blog": reads_blog,
    "programme": reads_programme,
    "language": reads_language_goal,
}


def stay_or_404(placement_id: int, user: User, action: str) -> Placement:
    """A placement abroad `user` sees (404 otherwise, and for one that is not abroad),
    then the part of the stay they open (403 when it is not theirs to read).
    """
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.kind != PlacementKind.MOBILITY_ABROAD:
        abort(404)
    if not can_view_placement(user, placement):
        abort(404)
    if not STAY_ACTIONS[action](user, placement):
        abort(403)
    return placement


def published_blog_schools(user: User) -> Select | None:
    """SQL: the sending schools whose published blogs `user` reads: a school's
    coordinators their own (its internal page), a promoter's staff those of the member
    schools of its consortium (their dissemination), admins all (None). False when none.
    """
    if user.is_admin:
        return None
    conditions = []
    if schools := coordinated_school_ids(user):
        conditions.append(Placement.school_id.in_(schools))
    if promoters := promoter_ids(user):
        members = select(ConsortiumMembership.school_id).where(
            ConsortiumMembership.promoter_id.in_(promoters)
        )
        conditions.append(Placement.school_id.in_(members))
    return or_(*conditions) if conditions else false()


def can_read_published_blogs(user: User) -> bool:
    return user.is_admin or bool(coordinated_school_ids(user)) or bool(promoter_ids(user))


def reads_published_blogs_of(user: User, placement: Placement) -> bool:
    """Whether `user` reads `placement`'s blog once it is published (whether it is, is
    the consent's to say): as `published_blog_schools` decides.
    """
    if user.is_admin or placement.school_id in coordinated_school_ids(user):
        return True
    promoters = promoter_ids(user)
    return bool(promoters) and (
        db.session.scalar(
            select(ConsortiumMembership.id).where(
                ConsortiumMembership.promoter_id.in_(promoters),
                ConsortiumMembership.school_id == placement.school_id,
            )
        )
        is not None
    )


# -- the accompanying teacher's trips ----------------------------------------------------


def trip_school_ids(user: User) -> set[int]:
    """The schools whose participants `user` visits on a trip: those they coach for."""
    return user.organisation_ids(Role.COACH)


def can_make_trips(user: User) -> bool:
    return bool(trip_school_ids(user))


def visible_trips(user: User) -> Select:
    """A select of the trips `user` reads: their own, their schools' as coordinator, all
    as admin.
    """
    if user.is_admin:
        return select(Trip)
    conditions = [Trip.coach_id == user.id]
    if schools := coordinated_school_ids(user):
        conditions.append(Trip.school_id.in_(schools))
    return select(Trip).where(or_(*conditions))


def trip_or_404(trip_id: int, user: User, action: str = "view") -> Trip:
    """A trip `user` reads (404 otherwise); "edit": only its coach (403 for others)."""
    trip = db.session.scalar(visible_trips(user).where(Trip.id == trip_id))
    if trip is None:
        abort(404)
    if action == "edit" and trip.coach_id != user.id:
        abort(403)
    return trip


def trip_candidates(trip: Trip) -> Select:
    """A select of the mobilities the trip's coach may add: of the trip's school, in
    preparation or running, whose stay overlaps the trip.
    """
    return select(Placement).where(
        Placement.kind == PlacementKind.MOBILITY_ABROAD,
        Placement.school_id == trip.school_id,
        Placement.status.in_(AGREEMENT_STATUSES),
        Placement.start_date <= trip.end_date,
        Placement.end_date >= trip.start_date,
    )


def blog_visibility(user: User, placement: Placement):
    """SQL: the blog rows of `placement` `user` reads (`reads_blog`)."""
    return true() if reads_blog(user, placement) else false()


def programme_visibility(user: User, placement: Placement):
    return true() if reads_programme(user, placement) else false()


def language_goal_visibility(user: User, placement: Placement):
    return true() if reads_language_goal(user, placement) else false()
