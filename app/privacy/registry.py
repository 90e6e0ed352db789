"""The privacy registry: what Leerspoor stores about people, why, on what lawful basis,
for how long, who sees it, and how each table is exported and erased.

Every table is declared here; `tests/test_privacy_registry.py` walks the models'
metadata and fails on a table, or a column that refers to a person, that is not. The
privacy page (`/privacy`) is generated from this registry, in both languages, and the
access export and the erasure (`app/privacy/services.py`) do what it says.

A declaration names the table's category (purpose, basis, retention and readers are
per category), how its rows belong to a person (`people`: for each column that refers
to an account, what erasing that person does to the row) and, for tables of a
placement, that a student's export takes every row of their placements.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# The version of the privacy notice (`/privacy`): raise it when what the page says changes
# in substance, and everyone is asked to read it again.
PRIVACY_NOTICE_VERSION = "2026-12"


class Basis(enum.StrEnum):
    """The lawful basis (GDPR article 6) on which the school processes the data."""

    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"

    @property
    def label(self) -> LazyString:
        return BASIS_LABELS[self]


BASIS_LABELS = {
    Basis.PUBLIC_TASK: _l(
        "The school's task in the public interest: organising and assessing workplace "
        "learning (GDPR art. 6(1)(e))."
    ),
    Basis.LEGITIMATE_INTEREST: _l(
        "Legitimate interest: keeping the platform secure and working, and showing who "
        "did what (GDPR art. 6(1)(f))."
    ),
}


class Retention(enum.StrEnum):
    """From when a retention period counts, and its default length."""

    PLACEMENT = "placement"  # two school years after the placement ends
    ACCOUNT = "account"  # as long as the account is in use, then one year
    AUDIT = "audit"  # three years after the event
    NOTIFICATION = "notification"  # one year after it was written
    OPERATIONS = "operations"  # thirty days (runs of scheduled jobs)
    CONTENT = "content"  # as long as the school uses it; nothing about people

    @property
    def label(self) -> LazyString:
        return RETENTION_LABELS[self]


RETENTION_LABELS = {
    Retention.PLACEMENT: _l(
        "Two school years after the placement ends (the school can set another period)."
    ),
    Retention.ACCOUNT: _l(
        "As long as the person belongs to a school or company in Leerspoor, then one year."
    ),
    Retention.AUDIT: _l("Three years after the event."),
    Retention.NOTIFICATION: _l("One year after the notification."),
    Retention.OPERATIONS: _l("Thirty days."),
    Retention.CONTENT: _l("As long as the school uses it."),
}


class Erase(enum.StrEnum):
    """What erasing a person does to a row that refers to them in one column."""

    # The row is theirs (their progress, their notifications): it is deleted, with the
    # rows that depend on it.
    DELETE = "delete"
    # They wrote it on a placement. On a placement of their own (they are its student)
    # it is deleted like DELETE; written as coach or mentor it belongs to the school's
    # record of someone else's placement and is kept like PROTECTED.
    AUTHORED = "authored"
    # The row is someone else's or the school's and stays; it now refers to an
    # anonymised account ("removed user").
    KEEP = "keep"
    # The row is theirs but the school must keep it for its retention period; it stays,
    # referring to the anonymised account, and the erasure says so.
    PROTECTED = "protected"


@dataclass(frozen=True)
class Category:
    key: str
    title: LazyString
    holds: LazyString
    purpose: LazyString
    basis: Basis
    retention: Retention
    seen_by: LazyString


@dataclass(frozen=True)
class Declaration:
    table: str
    category: Category
    # Each column that refers to an account, with what erasing that account does.
    people: dict[str, Erase] = field(default_factory=dict)
    # Free-text columns: erasing a person removes their name and e-mail address from
    # these where other people wrote about them.
    texts: tuple[str, ...] = ()
    # The column naming a stored file, deleted with the row.
    file_key: str | None = None
    # A student's access export takes every row of their placements, not only the rows
    # that name them (the follow-up log is about them).
    per_placement: bool = False
    # Columns never exported (secrets).
    secret: tuple[str, ...] = ()


ACCOUNT = Category(
    "account",
    _l("Account"),
    _l(
        "Name, e-mail address, language, notification choices, when someone last logged "
        "in, which privacy notice they accepted, a hash of the password (never the "
        "password itself), and for students the date of birth, only to know whether they "
        "are under 18."
    ),
    _l("To let people log in, reach them by e-mail and show who wrote what."),
    Basis.PUBLIC_TASK,
    Retention.ACCOUNT,
    _l("The person; the people they work with see their name."),
)
MEMBERSHIP = Category(
    "membership",
    _l("Schools and companies"),
    _l(
        "Which school or company someone belongs to and in which role, and for mentors "
        "their experience and the date of their certificate of good conduct."
    ),
    _l("To decide who may see and do what."),
    Basis.PUBLIC_TASK,
    Retention.ACCOUNT,
    _l("The person and the coordinators of their school or company."),
)
PLACEMENT = Category(
    "placement",
    _l("Placements"),
    _l(
        "Who is placed where, with which mentor and coach, from when to when, the "
        "school's notes on the placement, and a guardian's approval where the school's "
        "rules require one for a minor."
    ),
    _l("To organise the placement and guide the student."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The student, the coach and the mentor of the placement, the coordinators of the "
        "school, and the company's coordinator."
    ),
)
LOG = Category(
    "log",
    _l("Follow-up log"),
    _l(
        "Weekly logs and reflections, feedback, comments, concerns, the wellbeing "
        "check-in, earlier versions of entries, and photos and documents added as "
        "evidence."
    ),
    _l("To follow the student's learning at the workplace and intervene in time."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The student, the coach and the mentor of the placement and the school's "
        "coordinators; notes marked for the coach only are not shown to the student or "
        "the mentor, the wellbeing check-in not to the mentor."
    ),
)
ASSESSMENT = Category(
    "assessment",
    _l("Competences and rubrics"),
    _l(
        "The training plan, the levels the student, the mentor and the coach give to "
        "each competence indicator, and the scores on soft-skill rubrics."
    ),
    _l("To assess the student's competences, as the programme requires."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l("The student, the coach and the mentor of the placement and the school's coordinators."),
)
PLAN = Category(
    "plan",
    _l("Personal development plan"),
    _l("The student's goals, actions, agreements, comments and evidence for them."),
    _l("To let the student plan and show their own development."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l("The student, the coach and the mentor of the placement and the school's coordinators."),
)
VISITS = Category(
    "visits",
    _l("Workplace visits"),
    _l(
        "When the coach visits, who attends, the agenda, the report, additions to it "
        "and who confirmed it."
    ),
    _l("To follow up the placement on site and record what was agreed."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The student, the coach and the mentor of the placement and the school's "
        "coordinators; parts marked for the coach only are not shown to the student or "
        "the mentor."
    ),
)
TRAINING = Category(
    "training",
    _l("Mentor training"),
    _l(
        "Which modules a mentor started and finished, quiz results, private reflections, "
        "certificates, modules recommended to them, and posts shared with other mentors."
    ),
    _l("To train workplace mentors and show the school that they were trained."),
    Basis.PUBLIC_TASK,
    Retention.ACCOUNT,
    _l(
        "The mentor; their coordinators see progress and certificates, never the "
        "reflections; a shared post is seen by other mentors once approved."
    ),
)
NOTIFICATIONS = Category(
    "notifications",
    _l("Notifications"),
    _l("What someone was told in the app or by e-mail, and whether the e-mail went out."),
    _l("To tell people what is theirs to do."),
    Basis.PUBLIC_TASK,
    Retention.NOTIFICATION,
    _l("The person only."),
)
AUDIT = Category(
    "audit",
    _l("Audit trail"),
    _l(
        "Who viewed or changed what and when, logins and failed logins, exports and "
        "erasures: numbers only, never the content."
    ),
    _l("To keep the data safe and answer the question who saw or changed a record."),
    Basis.LEGITIMATE_INTEREST,
    Retention.AUDIT,
    _l("The school's coordinators for their placements, and the platform's admins."),
)
OPERATIONS = Category(
    "operations",
    _l("School settings and operation"),
    _l(
        "Schools and companies, their partnerships and settings, plan templates, and the "
        "runs of scheduled jobs: nothing about a person beyond who last changed it."
    ),
    _l("To run the platform for each school as it chooses."),
    Basis.LEGITIMATE_INTEREST,
    Retention.CONTENT,
    _l("The coordinators and the platform's admins."),
)

CATEGORIES: tuple[Category, ...] = (
    ACCOUNT,
    MEMBERSHIP,
    PLACEMENT,
    LOG,
    ASSESSMENT,
    PLAN,
    VISITS,
    TRAINING,
    NOTIFICATIONS,
    AUDIT,
    OPERATIONS,
)

D, A, K, P = Erase.DELETE, Erase.AUTHORED, Erase.KEEP, Erase.PROTECTED

DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "user_account",
        ACCOUNT,
        secret=("password_hash", "session_version", "totp_secret", "totp_last_step"),
    ),
    # Hashed one-time codes for a lost phone: never exported.
    Declaration("recovery_code", ACCOUNT, people={"user_id": D}, secret=("code_hash",)),
    # A password reset e-mail waiting to be sent (minutes at most): no link, no address.
    Declaration("queued_mail", ACCOUNT, people={"user_id": D}),
    Declaration("membership", MEMBERSHIP, people={"user_id": D}),
    Declaration("mentor_record", MEMBERSHIP, people={"user_id": D, "updated_by_id": K}),
    Declaration(
        "placement",
        PLACEMENT,
        people={"student_id": K, "mentor_id": K, "coach_id": K},
        texts=("notes",),
        per_placement=True,
    ),
    Declaration(
        "guardian_approval",
        PLACEMENT,
        people={"recorded_by_id": K, "revoked_by_id": K},
        texts=("guardian_name", "revocation_note"),
        per_placement=True,
    ),
    Declaration(
        "log_entry",
        LOG,
        people={"author_id": A, "reviewed_by_id": K, "resolved_by_id": K},
        texts=("sections", "review_comment"),
        per_placement=True,
    ),
    Declaration("entry_revision", LOG, people={"editor_id": A}, texts=("sections",)),
    Declaration("entry_comment", LOG, people={"author_id": A}, texts=("body",)),
    Declaration(
        "attachment", LOG, people={"uploader_id": A}, texts=("filename",), file_key="storage_key"
    ),
    Declaration(
        "plan_item", ASSESSMENT, people={"updated_by_id": K}, texts=("period",), per_placement=True
    ),
    Declaration(
        "registration", ASSESSMENT, people={"author_id": A}, texts=("note",), per_placement=True
    ),
    Declaration(
        "rubric_score", ASSESSMENT, people={"author_id": A}, texts=("note",), per_placement=True
    ),
    Declaration("development_plan", PLAN, people={"approved_by_id": K}, per_placement=True),
    Declaration(
        "goal",
        PLAN,
        people={"author_id": A},
        texts=("title", "why", "success", "reflection"),
        per_placement=True,
    ),
    Declaration("goal_comment", PLAN, people={"author_id": A}, texts=("body",)),
    Declaration("goal_evidence", PLAN),
    Declaration(
        "plan_action",
        PLAN,
        people={"author_id": A, "done_by_id": K},
        texts=("title",),
        per_placement=True,
    ),
    Declaration(
        "visit",
        VISITS,
        people={"planned_by_id": K},
        texts=("place", "other_attendees", "report", "agenda"),
        per_placement=True,
    ),
    Declaration("visit_addition", VISITS, people={"author_id": A}, texts=("body",)),
    # A confirmed report is part of the school's record of the placement.
    Declaration("visit_confirmation", VISITS, people={"user_id": P}, texts=("comment",)),
    Declaration("module_progress", TRAINING, people={"user_id": D}),
    Declaration("certificate", TRAINING, people={"user_id": D}),
    Declaration(
        "recommendation",
        TRAINING,
        people={"mentor_id": D, "recommended_by_id": K},
        texts=("note",),
    ),
    Declaration(
        "practice_post", TRAINING, people={"author_id": D, "reviewed_by_id": K}, texts=("body",)
    ),
    Declaration("notification", NOTIFICATIONS, people={"user_id": D}, secret=("key",)),
    # Kept as the record of how the request was answered, with the anonymised account.
    Declaration(
        "privacy_request",
        AUDIT,
        people={"subject_id": P, "requested_by_id": K, "answered_by_id": K},
        texts=("note", "answer"),
    ),
    # Ids only; kept for its own period so that access to a record can still be answered.
    Declaration("audit_event", AUDIT, people={"actor_id": P}),
    Declaration("organisation", OPERATIONS),
    Declaration("partnership", OPERATIONS),
    Declaration("school_settings", OPERATIONS),
    Declaration("plan_template", OPERATIONS, people={"created_by_id": K}),
    Declaration("job_run", OPERATIONS),
    Declaration("retention_period", OPERATIONS, people={"updated_by_id": K}),
)

BY_TABLE: dict[str, Declaration] = {declaration.table: declaration for declaration in DECLARATIONS}


def declaration_of(table: str) -> Declaration:
    """The declaration of `table`; KeyError when it has none (a test prevents that)."""
    return BY_TABLE[table]


def tables_of(category: Category) -> list[Declaration]:
    return [declaration for declaration in DECLARATIONS if declaration.category is category]
