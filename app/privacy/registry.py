"""The privacy registry: what Leerspoor stores about people, why, on what lawful basis,
for how long, who sees it, and how each table is exported and erased.

Every table and every column is declared here; `tests/test_privacy.py` walks the
models' metadata and fails on a table or a column that is not. The privacy page
(`/privacy`) is generated from this registry, in both languages, and the access export
(`app/privacy/export.py`) and the erasure (`app/privacy/erasure.py`) do what it says.

A declaration names the table's category (purpose, basis, retention and readers are
per category) and sorts its columns in three:

- `people`: the columns that refer to an account, each with what erasing that person
  does to the row (`Erase`);
- `fields`: the columns holding personal data, each a `Field` saying whose data it is,
  who of them receives it in an access export (the rule by which the app shows it, from
  `app/policy.py`) and what erasing them does to it where the row stays (`Treatment`);
- `plain`: everything else (ids, kinds, states, dates of the record), which says
  nothing about a person on its own and goes or stays with its row.

An export holds only values that are the person's, and of those only what the app
shows them: a mentor who approved a week gets his own review, not the student's text or
wellbeing. For tables of a placement, a student's export takes every row of their
placements that the app shows them (`rows_shown`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app import policy
from app.models import Placement, User

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
    DRAFT = "draft"  # thirty days after it was last saved, or until its form is saved
    UPLOAD = "upload"  # until the file is imported, at most a day
    SELECTION = "selection"  # two school years after the call's placements end

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
    Retention.DRAFT: _l("Until the form is saved, at most thirty days after it was last typed in."),
    Retention.UPLOAD: _l("Until the file is imported, at most one day after the upload."),
    Retention.SELECTION: _l("Two school years after the placements of the call end."),
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


class Treatment(enum.StrEnum):
    """What erasing a person does to a value that is theirs (a `Field`)."""

    # It goes with its row: a `delete` column of the row names everyone it is of.
    WITH_ROW = "with_row"
    # It stays with its row, as the school's record; free text loses the erased
    # person's name and e-mail address.
    KEPT = "kept"
    # It is emptied: NULL, or the column's default.
    CLEARED = "cleared"
    # It is replaced by a stand-in (`app.privacy.erasure.REPLACEMENTS`): "#12" for a name.
    REPLACED = "replaced"


# In `Field.of`: the student of the row's placement, whom a placement's record is about.
STUDENT = "placement.student_id"
# In `Field.of` of the account table: the account itself.
SELF = "id"

# A policy rule that says whether the app shows a value of a placement to `user`.
Shown = Callable[[User, Placement], bool]
# A policy rule that gives the part of a value the app shows to `user`.
ShownPart = Callable[[User, Placement, Any], Any]
# A policy rule that gives, as SQL, the rows of a placement's record `user` reads.
RowsShown = Callable[[User, Placement], Any]


@dataclass(frozen=True)
class Field:
    """A column holding personal data: whose it is, who receives it in an access export
    and what erasing its person does to it.
    """

    # Whose data it is: the columns naming them (who wrote it, whom it is about), or
    # STUDENT, or SELF.
    of: tuple[str, ...]
    # What erasing one of them does to it, where its row stays.
    erased: Treatment
    # Which of them receive it in their export: those the app shows it to (a rule of
    # `app/policy.py`); None: all of them.
    shown: Shown | None = None
    # For a value the app shows in parts (a visit report without its coach-only
    # sections): the part it shows.
    part: ShownPart | None = None
    # Free text, which can name people: an export replaces the names of other students
    # in it, an erasure the erased person's name and address.
    text: bool = False
    # Never exported, not even to its person.
    secret: bool = False
    # It names a stored file, which is theirs like the column: exported with it, deleted
    # with its row.
    file: bool = False


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
    """One table: its category, and for every column what it holds about whom."""

    table: str
    category: Category
    # Each column that refers to an account, with what erasing that account does to
    # the row.
    people: dict[str, Erase] = field(default_factory=dict)
    # Each column holding personal data.
    fields: dict[str, Field] = field(default_factory=dict)
    # The other columns: ids, kinds, states, dates of the record, settings. They say
    # nothing about a person on their own and go or stay with their row.
    plain: tuple[str, ...] = ()
    # A student's access export takes every row of their placements, not only the rows
    # that name them (the follow-up log is about them).
    per_placement: bool = False
    # Of a placement's record, the rows a reader sees (a rule of `app/policy.py`, as
    # SQL); None: every row.
    rows_shown: RowsShown | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        """The free-text columns."""
        return tuple(name for name, value in self.fields.items() if value.text)

    @property
    def secret(self) -> tuple[str, ...]:
        """The columns never exported."""
        return tuple(name for name, value in self.fields.items() if value.secret)

    @property
    def file_key(self) -> str | None:
        """The column naming a stored file, if any."""
        return next((name for name, value in self.fields.items() if value.file), None)


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
        "Who is placed where, with which mentor and coach (and for a mobility abroad "
        "which host partner and monitor), from when to when, the school's notes on the "
        "placement, and a guardian's approval where the school's rules require one for a "
        "minor."
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
MOBILITY_FILE = Category(
    "mobility_file",
    _l("Mobility file"),
    _l(
        "For a placement abroad: which documents and approvals are in (the CV and "
        "expectations form, the approvals of the training company, the participant and a "
        "parent or guardian, the proofs of insurance, the signed learning agreement), the "
        "files handed in, who checked them and when, and the name and e-mail address of a "
        "parent or guardian asked to approve by e-mail, with their answer."
    ),
    _l("To prepare a stay abroad as the Erasmus+ call requires, and start it only when ready."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The participant, the coach and the school's coordinators; the training company "
        "sees only its own approval; the guardian's details only the school."
    ),
)
MOBILITY_CLOSING = Category(
    "mobility_closing",
    _l("Closing of a mobility"),
    _l(
        "For a placement abroad: the participant's stage report and the coach's note when "
        "sending it back, the day the participant filled in the EU participant survey, who "
        "confirmed the final scores and when, and the coach's sign-off of the Europass "
        "record."
    ),
    _l("To close a stay abroad as the Erasmus+ call requires and give the participant its record."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The participant, the coach, the school's coordinators, the host monitor and the "
        "host partner's coordinators; a draft stage report only the participant."
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
DRAFTS = Category(
    "drafts",
    _l("Unsaved text"),
    _l(
        "What someone typed into a form and has not saved yet: kept when they were "
        "logged out while sending it, or saved automatically while they type a long text."
    ),
    _l("So that nothing typed is lost when a session ends, a tab closes or a battery dies."),
    Basis.PUBLIC_TASK,
    Retention.DRAFT,
    _l("The person who typed it, only."),
)
IMPORTS = Category(
    "imports",
    _l("Files to import"),
    _l(
        "A spreadsheet a coordinator uploaded to add students and placements: the names "
        "and e-mail addresses of the students, mentors and coaches in it, between its "
        "preview and its import."
    ),
    _l("So that the coordinator checks the file before anything in it is imported."),
    Basis.PUBLIC_TASK,
    Retention.UPLOAD,
    _l("The coordinator who uploaded it, only."),
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
SELECTION = Category(
    "selection",
    _l("Selection for mobility abroad"),
    _l(
        "Candidacies for a call of a consortium: who applied through which school, the "
        "CV and expectations form, the interview scores and notes of each scorer, the "
        "school's decision and its reason, and the school's selection report."
    ),
    _l("To select the participants of a mobility abroad, as the Erasmus+ call requires."),
    Basis.PUBLIC_TASK,
    Retention.SELECTION,
    _l(
        "The candidate, the coordinators and coaches of their school and the call's "
        "promoter; the scores per scorer and their notes only the school; the candidate "
        "sees the result and its reason once decided."
    ),
)
STAY = Category(
    "stay",
    _l("During a stay abroad"),
    _l(
        "The participant's travel blog (posts and photos) and whether they, and for a "
        "minor a parent or guardian, consent to publishing it (with the guardian's name "
        "and e-mail address), the activities of the socio-cultural programme with the "
        "participant's reflections, the language goal with the self-assessed CEFR levels, "
        "and the trips the accompanying teacher makes to visit participants."
    ),
    _l("To guide and follow the stay abroad, and to make the programme known with consent."),
    Basis.PUBLIC_TASK,
    Retention.PLACEMENT,
    _l(
        "The participant, the coach, the monitor and the host partner abroad as each part "
        "requires, and the school's coordinators; a published blog also the school's "
        "internal page and the promoter of the consortium."
    ),
)

CATEGORIES: tuple[Category, ...] = (
    ACCOUNT,
    MEMBERSHIP,
    PLACEMENT,
    LOG,
    ASSESSMENT,
    PLAN,
    VISITS,
    SELECTION,
    MOBILITY_FILE,
    MOBILITY_CLOSING,
    STAY,
    TRAINING,
    NOTIFICATIONS,
    DRAFTS,
    IMPORTS,
    AUDIT,
    OPERATIONS,
)

D, A, K, P = Erase.DELETE, Erase.AUTHORED, Erase.KEEP, Erase.PROTECTED
WITH_ROW, KEPT, CLEARED, REPLACED = (
    Treatment.WITH_ROW,
    Treatment.KEPT,
    Treatment.CLEARED,
    Treatment.REPLACED,
)
# What is written on a placement is its author's and is about its student.
AUTHOR = ("author_id", STUDENT)

DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "user_account",
        ACCOUNT,
        fields={
            "name": Field(of=(SELF,), erased=REPLACED),
            "email": Field(of=(SELF,), erased=REPLACED),
            # Only to know whether a student is under 18.
            "birth_date": Field(of=(SELF,), erased=CLEARED),
            "locale": Field(of=(SELF,), erased=CLEARED),
            "notify_by_email": Field(of=(SELF,), erased=REPLACED),
            "last_login_at": Field(of=(SELF,), erased=CLEARED),
            "privacy_notice_version": Field(of=(SELF,), erased=CLEARED),
            "privacy_notice_accepted_at": Field(of=(SELF,), erased=CLEARED),
            "totp_confirmed_at": Field(of=(SELF,), erased=CLEARED),
            # Switched off, and every session and "keep me logged in" cookie ends.
            "active": Field(of=(SELF,), erased=REPLACED),
            "session_version": Field(of=(SELF,), erased=REPLACED, secret=True),
            "password_hash": Field(of=(SELF,), erased=CLEARED, secret=True),
            "totp_secret": Field(of=(SELF,), erased=CLEARED, secret=True),
            "totp_last_step": Field(of=(SELF,), erased=CLEARED, secret=True),
        },
        plain=("id", "created_at"),
    ),
    # Hashed one-time codes for a lost phone: never exported.
    Declaration(
        "recovery_code",
        ACCOUNT,
        people={"user_id": D},
        fields={"code_hash": Field(of=("user_id",), erased=WITH_ROW, secret=True)},
        plain=("id", "created_at", "used_at"),
    ),
    # A password reset e-mail waiting to be sent (minutes at most): no link, no address.
    Declaration(
        "queued_mail",
        ACCOUNT,
        people={"user_id": D},
        plain=("id", "kind", "requested_at", "attempts", "next_attempt_at", "last_error"),
    ),
    Declaration(
        "membership",
        MEMBERSHIP,
        people={"user_id": D},
        plain=("id", "organisation_id", "role", "created_at"),
    ),
    # A role offered by another organisation, until the person answers or it expires.
    Declaration(
        "membership_invitation",
        MEMBERSHIP,
        people={"user_id": D, "invited_by_id": K},
        plain=("id", "organisation_id", "role", "created_at", "expires_at"),
    ),
    # Facts about the mentor (not opinions), theirs to receive.
    Declaration(
        "mentor_record",
        MEMBERSHIP,
        people={"user_id": D, "updated_by_id": K},
        fields={
            "years_experience": Field(of=("user_id",), erased=WITH_ROW),
            "good_conduct_on": Field(of=("user_id",), erased=WITH_ROW),
            "mentor_since": Field(of=("user_id",), erased=WITH_ROW),
        },
        plain=("id", "updated_at"),
    ),
    Declaration(
        "placement",
        PLACEMENT,
        people={"student_id": K, "mentor_id": K, "coach_id": K, "monitor_id": K},
        fields={
            # The school's own notes: shown to those who manage the placement only.
            "notes": Field(
                of=("student_id",), erased=KEPT, shown=policy.can_manage_placement, text=True
            ),
        },
        plain=(
            "id",
            "school_id",
            "workplace_id",
            "host_partner_id",
            "monitor_scores",
            "kind",
            "status",
            "start_date",
            "end_date",
            "programme",
            "cohort",
            "framework_id",
            "framework_version",
            "rubric_id",
            "rubric_version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
    ),
    # The school's side only: mentors and students do not see it.
    Declaration(
        "guardian_approval",
        PLACEMENT,
        people={"recorded_by_id": K, "revoked_by_id": K},
        fields={
            "guardian_name": Field(
                of=("recorded_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_guardian_approval,
                text=True,
            ),
            "revocation_note": Field(
                of=("revoked_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_guardian_approval,
                text=True,
            ),
        },
        plain=(
            "id",
            "placement_id",
            "text_version",
            "method",
            "approved_on",
            "recorded_at",
            "revoked_on",
        ),
        per_placement=True,
        rows_shown=policy.guardian_approval_visibility,
    ),
    # Where a participant stays abroad: the host partner, the monitor, the participant and
    # the sending school; never the workplace mentor or the company.
    Declaration(
        "lodging",
        PLACEMENT,
        people={"arranged_by_id": K},
        fields={
            "address": Field(
                of=("arranged_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_matching,
                text=True,
            ),
        },
        plain=("id", "placement_id", "kind", "from_date", "until_date", "arranged_at"),
        per_placement=True,
        rows_shown=policy.lodging_visibility,
    ),
    # A mobility's learning agreement, drafted by the school about the participant:
    # part of the placement's record, kept and erased with it.
    Declaration(
        "learning_agreement",
        PLACEMENT,
        people={"author_id": A},
        fields={
            name: Field(of=AUTHOR, erased=KEPT, text=True)
            for name in (
                "language_goals",
                "cultural_goals",
                "tasks",
                "assessment",
                "recognition",
                "liability",
                "insurance",
                "guidance",
            )
        },
        plain=(
            "id",
            "placement_id",
            "number",
            "starts_on",
            "ends_on",
            "outcomes",
            "framework_id",
            "framework_version",
            "locked_at",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
    ),
    # A party's signature of it: the name the signer typed is the school's record of the
    # agreement. A host signer by link has no account: the address the link was sent to
    # says who signed, and goes with the placement.
    Declaration(
        "agreement_signature",
        PLACEMENT,
        people={"signer_id": K},
        fields={
            "typed_name": Field(of=("signer_id", STUDENT), erased=KEPT, text=True),
            "email": Field(of=("signer_id",), erased=CLEARED),
        },
        plain=("id", "agreement_id", "party", "capacity", "signed_at"),
    ),
    # A placement abroad's papers: the participant and the school's side read them; the
    # training company only its own approval.
    Declaration(
        "mobility_item",
        MOBILITY_FILE,
        people={"decided_by_id": K, "uploaded_by_id": A},
        fields={
            "signed_name": Field(of=("decided_by_id", STUDENT), erased=KEPT, text=True),
            "note": Field(of=("decided_by_id", STUDENT), erased=KEPT, text=True),
            "filename": Field(
                of=("uploaded_by_id", STUDENT),
                erased=KEPT,
                shown=policy.can_view_mobility_file,
                text=True,
            ),
            "storage_key": Field(
                of=("uploaded_by_id", STUDENT),
                erased=KEPT,
                shown=policy.can_view_mobility_file,
                file=True,
            ),
        },
        plain=(
            "id",
            "placement_id",
            "kind",
            "status",
            "deadline",
            "decided_at",
            "declined",
            "content_type",
            "size",
            "uploaded_at",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
    ),
    # The guardian has no account: their name and address are the school's to see.
    Declaration(
        "guardian_link",
        MOBILITY_FILE,
        people={"sent_by_id": K},
        fields={
            name: Field(
                of=("sent_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_guardian_approval,
                text=True,
            )
            for name in ("guardian_name", "email", "answered_name", "note")
        },
        plain=(
            "id",
            "placement_id",
            "language",
            "sent_at",
            "expires_at",
            "answered_at",
            "decision",
            "approval_id",
        ),
        per_placement=True,
        rows_shown=policy.guardian_approval_visibility,
    ),
    # The participant's stage report: theirs and about their stay; a draft is theirs alone.
    Declaration(
        "stage_report",
        MOBILITY_CLOSING,
        people={"author_id": A, "returned_by_id": K},
        fields={
            **{
                name: Field(of=AUTHOR, erased=KEPT, text=True)
                for name in ("professional", "language", "intercultural", "personal", "advice")
            },
            "return_note": Field(of=("returned_by_id", STUDENT), erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "status",
            "submitted_at",
            "returned_at",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
        rows_shown=policy.stage_report_visibility,
    ),
    # The closing steps: who confirmed what and when, and the coach's sign-off, the
    # school's record of the mobility.
    Declaration(
        "mobility_closing",
        MOBILITY_CLOSING,
        people={
            "survey_confirmed_by_id": K,
            "coach_confirmed_by_id": K,
            "monitor_confirmed_by_id": K,
            "signed_off_by_id": K,
        },
        fields={
            "signed_off_name": Field(of=("signed_off_by_id",), erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "survey_filled_on",
            "survey_confirmed_at",
            "coach_confirmed_at",
            "coach_scores",
            "monitor_confirmed_at",
            "monitor_scores",
            "signed_off_at",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
        rows_shown=policy.closing_visibility,
    ),
    Declaration(
        "log_entry",
        LOG,
        people={"author_id": A, "reviewed_by_id": K, "resolved_by_id": K},
        fields={
            "sections": Field(of=AUTHOR, erased=KEPT, text=True),
            # The weekly check-in: never to the mentor, who reviews the week.
            "wellbeing": Field(of=AUTHOR, erased=KEPT, shown=policy.sees_wellbeing),
            "review_comment": Field(of=("reviewed_by_id", STUDENT), erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "author_role",
            "kind",
            "week_start",
            "review_status",
            "reviewed_at",
            "submitted_at",
            "coach_only",
            "resolved_at",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
        rows_shown=policy.entry_visibility,
    ),
    Declaration(
        "entry_revision",
        LOG,
        people={"editor_id": A},
        fields={
            "sections": Field(of=("editor_id", STUDENT), erased=KEPT, text=True),
            "wellbeing": Field(of=("editor_id", STUDENT), erased=KEPT, shown=policy.sees_wellbeing),
        },
        plain=("id", "entry_id", "review_status", "coach_only", "created_at"),
        rows_shown=policy.revision_visibility,
    ),
    Declaration(
        "entry_comment",
        LOG,
        people={"author_id": A},
        fields={"body": Field(of=AUTHOR, erased=KEPT, text=True)},
        plain=("id", "entry_id", "created_at"),
    ),
    Declaration(
        "attachment",
        LOG,
        people={"uploader_id": A},
        fields={
            "filename": Field(of=("uploader_id", STUDENT), erased=KEPT, text=True),
            "storage_key": Field(of=("uploader_id", STUDENT), erased=KEPT, file=True),
        },
        plain=("id", "entry_id", "content_type", "size", "created_at"),
    ),
    Declaration(
        "plan_item",
        ASSESSMENT,
        people={"updated_by_id": K},
        fields={"period": Field(of=("updated_by_id", STUDENT), erased=KEPT, text=True)},
        plain=("id", "placement_id", "competence_id", "setting", "version", "updated_at"),
        per_placement=True,
    ),
    Declaration(
        "registration",
        ASSESSMENT,
        people={"author_id": A},
        fields={
            "level": Field(of=AUTHOR, erased=KEPT),
            "note": Field(of=AUTHOR, erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "actor",
            "framework_id",
            "framework_version",
            "competence_id",
            "indicator_id",
            "setting",
            "baseline",
            "observed_on",
            "created_at",
        ),
        per_placement=True,
    ),
    Declaration(
        "rubric_score",
        ASSESSMENT,
        people={"author_id": A},
        fields={
            "level": Field(of=AUTHOR, erased=KEPT),
            "note": Field(of=AUTHOR, erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "actor",
            "rubric_id",
            "rubric_version",
            "criterion_id",
            "created_at",
        ),
        per_placement=True,
    ),
    Declaration(
        "development_plan",
        PLAN,
        people={"approved_by_id": K},
        plain=("id", "placement_id", "status", "approved_at", "created_at"),
        per_placement=True,
    ),
    Declaration(
        "goal",
        PLAN,
        people={"author_id": A},
        fields={
            "title": Field(of=AUTHOR, erased=KEPT, text=True),
            "why": Field(of=AUTHOR, erased=KEPT, text=True),
            "success": Field(of=AUTHOR, erased=KEPT, text=True),
            "reflection": Field(of=AUTHOR, erased=KEPT, text=True),
        },
        plain=(
            "id",
            "placement_id",
            "author_role",
            "target_date",
            "links",
            "state",
            "closed_at",
            "template_id",
            "template_index",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
    ),
    Declaration(
        "goal_comment",
        PLAN,
        people={"author_id": A},
        fields={"body": Field(of=AUTHOR, erased=KEPT, text=True)},
        plain=("id", "goal_id", "author_role", "created_at"),
    ),
    Declaration("goal_evidence", PLAN, plain=("id", "goal_id", "entry_id", "created_at")),
    Declaration(
        "plan_action",
        PLAN,
        people={"author_id": A, "done_by_id": K},
        fields={"title": Field(of=AUTHOR, erased=KEPT, text=True)},
        plain=(
            "id",
            "placement_id",
            "goal_id",
            "visit_id",
            "author_role",
            "owner",
            "due_date",
            "state",
            "done_at",
            "created_at",
        ),
        per_placement=True,
        rows_shown=policy.action_visibility,
    ),
    Declaration(
        "visit",
        VISITS,
        people={"planned_by_id": K},
        fields={
            "place": Field(of=("planned_by_id", STUDENT), erased=KEPT, text=True),
            "other_attendees": Field(of=("planned_by_id", STUDENT), erased=KEPT, text=True),
            # A draft is the coach's alone; sections marked coach only stay with the school.
            "report": Field(
                of=("planned_by_id", STUDENT),
                erased=KEPT,
                part=policy.visible_report,
                text=True,
            ),
            # Which sections are for the coach only: that there are any is theirs too.
            "coach_only": Field(
                of=("planned_by_id", STUDENT), erased=KEPT, shown=policy.sees_coach_only
            ),
            # It may hold the wellbeing check-ins of the weeks before the visit.
            "agenda": Field(
                of=("planned_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_wellbeing,
                text=True,
            ),
        },
        plain=(
            "id",
            "placement_id",
            "trip_id",
            "planned_on",
            "planned_time",
            "attendees",
            "status",
            "held_on",
            "finalised_at",
            "locked_at",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
    ),
    Declaration(
        "visit_addition",
        VISITS,
        people={"author_id": A},
        fields={"body": Field(of=AUTHOR, erased=KEPT, text=True)},
        plain=("id", "visit_id", "kind", "author_role", "section", "coach_only", "created_at"),
        rows_shown=policy.addition_visibility,
    ),
    # A confirmed report is part of the school's record of the placement.
    Declaration(
        "visit_confirmation",
        VISITS,
        people={"user_id": P},
        fields={"comment": Field(of=("user_id", STUDENT), erased=KEPT, text=True)},
        plain=("id", "visit_id", "actor", "confirmed_at"),
    ),
    # The reflection is private to its author: nobody else reads it.
    Declaration(
        "module_progress",
        TRAINING,
        people={"user_id": D},
        fields={
            "best_score": Field(of=("user_id",), erased=WITH_ROW),
            "reflection": Field(of=("user_id",), erased=WITH_ROW, text=True),
            "assignment_note": Field(of=("user_id",), erased=WITH_ROW, text=True),
        },
        plain=(
            "id",
            "module_id",
            "started_at",
            "quiz_attempts",
            "assignment_tried_at",
            "completed_at",
            "completed_version",
        ),
    ),
    Declaration(
        "certificate",
        TRAINING,
        people={"user_id": D},
        fields={
            # The name as it was when the certificate was issued.
            "name": Field(of=("user_id",), erased=WITH_ROW),
            "code": Field(of=("user_id",), erased=WITH_ROW),
        },
        plain=("id", "path_id", "modules", "issued_at"),
    ),
    Declaration(
        "recommendation",
        TRAINING,
        people={"mentor_id": D, "recommended_by_id": K},
        fields={"note": Field(of=("recommended_by_id", "mentor_id"), erased=KEPT, text=True)},
        plain=("id", "module_id", "placement_id", "created_at"),
    ),
    Declaration(
        "practice_post",
        TRAINING,
        people={"author_id": D, "reviewed_by_id": K},
        fields={"body": Field(of=("author_id",), erased=WITH_ROW, text=True)},
        plain=("id", "module_id", "status", "reviewed_at", "created_at"),
    ),
    # The consortium and its calls: organisations and settings, nothing about a person
    # beyond who opened a call.
    Declaration(
        "consortium_membership",
        OPERATIONS,
        plain=("id", "promoter_id", "school_id", "mandate_from", "mandate_until", "created_at"),
    ),
    Declaration(
        "mobility_call",
        OPERATIONS,
        people={"created_by_id": K},
        # The promoter's title of the call: the promoter's text, kept with the call.
        fields={"title": Field(of=("created_by_id",), erased=KEPT, text=True)},
        plain=(
            "id",
            "promoter_id",
            "placement_start",
            "placement_end",
            "interest_deadline",
            "candidate_deadline",
            "criteria",
            "dual_learners_first",
            "monitor_scores",
            "created_at",
            "updated_at",
        ),
    ),
    Declaration(
        "call_destination",
        OPERATIONS,
        plain=("id", "call_id", "country", "city", "host_partner_id"),
    ),
    Declaration("call_places", OPERATIONS, plain=("id", "call_id", "school_id", "places")),
    # A candidacy is the student's: erasing them deletes it with its scores.
    Declaration(
        "candidate",
        SELECTION,
        people={
            "student_id": D,
            "registered_by_id": K,
            "decided_by_id": K,
            "coach_id": K,
            "prepared_by_id": K,
        },
        fields={
            "cv": Field(of=("student_id",), erased=WITH_ROW, text=True),
            "decision_reason": Field(of=("decided_by_id", "student_id"), erased=KEPT, text=True),
            # Sensitive: in the app only the school's coordinators, the promoter and
            # admins see it; the participant receives it in their access export.
            "fewer_opportunities": Field(of=("student_id",), erased=WITH_ROW),
            "fewer_opportunities_note": Field(of=("student_id",), erased=WITH_ROW, text=True),
        },
        plain=(
            "id",
            "call_id",
            "school_id",
            "cv_updated_at",
            "decision",
            "decided_at",
            "destination_id",
            "prepared_at",
            "placement_id",
            "created_at",
        ),
    ),
    # A scorer's own assessment: the school's, never shown to the candidate.
    Declaration(
        "interview_score",
        SELECTION,
        people={"scorer_id": K},
        fields={
            "score": Field(of=("scorer_id",), erased=KEPT),
            "note": Field(of=("scorer_id",), erased=KEPT, text=True),
        },
        plain=("id", "candidate_id", "criterion", "updated_at"),
    ),
    Declaration(
        "selection_report",
        SELECTION,
        people={"updated_by_id": K},
        fields={"text": Field(of=("updated_by_id",), erased=KEPT, text=True)},
        plain=("id", "call_id", "school_id", "updated_at"),
    ),
    # Ids and numbers only: whatever someone wrote stays behind the link.
    Declaration(
        "notification",
        NOTIFICATIONS,
        people={"user_id": D},
        fields={"key": Field(of=("user_id",), erased=WITH_ROW, secret=True)},
        plain=(
            "id",
            "kind",
            "placement_id",
            "payload",
            "subject",
            "target_endpoint",
            "target_values",
            "created_at",
            "read_at",
            "resolved_at",
            "email_status",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
        ),
    ),
    # Unsaved text of one person: theirs alone, deleted with them.
    Declaration(
        "form_draft",
        DRAFTS,
        people={"user_id": D},
        fields={"fields": Field(of=("user_id",), erased=WITH_ROW, text=True)},
        plain=("id", "path", "action", "version", "kept", "session_key", "saved_at"),
    ),
    # Kept as the record of how the request was answered, with the anonymised account.
    Declaration(
        "privacy_request",
        AUDIT,
        people={"subject_id": P, "requested_by_id": K, "answered_by_id": K},
        fields={
            # How a request came in when the school recorded it: the school's note.
            "note": Field(of=("requested_by_id",), erased=KEPT, text=True),
            "answer": Field(of=("answered_by_id", "subject_id"), erased=KEPT, text=True),
        },
        plain=("id", "kind", "school_id", "requested_at", "due_on", "status", "answered_at"),
    ),
    # Ids and numbers only; kept for its own period so that access to a record can
    # still be answered.
    Declaration(
        "audit_event",
        AUDIT,
        people={"actor_id": P},
        plain=(
            "id",
            "at",
            "action",
            "object_type",
            "object_id",
            "details",
            "actor_role",
            "request_id",
        ),
    ),
    Declaration(
        "organisation", OPERATIONS, plain=("id", "name", "kind", "city", "country", "created_at")
    ),
    Declaration("partnership", OPERATIONS, plain=("id", "school_id", "workplace_id", "created_at")),
    Declaration(
        "school_settings",
        OPERATIONS,
        plain=(
            "school_id",
            "feedback_days",
            "reflection_days",
            "divergence_levels",
            "visit_interval_weeks",
            "log_due_weekday",
            "module_start_days",
            "reminders_from_hour",
            "reminders_until_hour",
            "reminders_on_weekends",
            "mentor_links",
            "guardian_approval",
            "coaches_second_factor",
            "updated_at",
        ),
    ),
    Declaration(
        "plan_template",
        OPERATIONS,
        people={"created_by_id": K},
        fields={
            "name": Field(of=("created_by_id",), erased=KEPT, text=True),
            "goals": Field(of=("created_by_id",), erased=KEPT, text=True),
        },
        plain=("id", "school_id", "programme", "created_at"),
    ),
    # A CSV file between its preview and its import: the uploader's only, a day at most,
    # and its content gone once imported.
    Declaration(
        "pending_import",
        IMPORTS,
        people={"uploaded_by_id": D},
        fields={"content": Field(of=("uploaded_by_id",), erased=WITH_ROW, text=True)},
        plain=("id", "school_id", "created_at", "imported_at"),
    ),
    Declaration(
        "job_run",
        OPERATIONS,
        plain=("id", "job", "started_at", "finished_at", "outcome", "summary", "error"),
    ),
    Declaration(
        "retention_period",
        OPERATIONS,
        people={"updated_by_id": K},
        plain=("school_id", "category", "years", "updated_at"),
    ),
    # During a stay abroad: the participant's blog, read by those who follow the stay.
    Declaration(
        "blog_post",
        STAY,
        people={"author_id": A},
        fields={
            "title": Field(of=AUTHOR, erased=KEPT, text=True),
            "body": Field(of=AUTHOR, erased=KEPT, text=True),
            "filename": Field(of=AUTHOR, erased=KEPT, text=True),
            "storage_key": Field(of=AUTHOR, erased=KEPT, file=True),
        },
        plain=(
            "id",
            "placement_id",
            "content_type",
            "size",
            "version",
            "created_at",
            "updated_at",
        ),
        per_placement=True,
        rows_shown=policy.blog_visibility,
    ),
    # Whether the blog may be published: the participant's choice, and a guardian's
    # (whose name only the school sees).
    Declaration(
        "blog_consent",
        STAY,
        fields={
            "participant_consents": Field(of=(STUDENT,), erased=KEPT),
            "guardian_consents": Field(of=(STUDENT,), erased=KEPT),
            "guardian_name": Field(
                of=(STUDENT,), erased=KEPT, shown=policy.sees_guardian_approval, text=True
            ),
        },
        plain=("id", "placement_id", "participant_changed_at", "guardian_changed_at"),
        per_placement=True,
        rows_shown=policy.blog_visibility,
    ),
    Declaration(
        "blog_consent_link",
        STAY,
        people={"sent_by_id": K},
        fields={
            name: Field(
                of=("sent_by_id", STUDENT),
                erased=KEPT,
                shown=policy.sees_guardian_approval,
                text=True,
            )
            for name in ("guardian_name", "email", "answered_name")
        },
        plain=(
            "id",
            "placement_id",
            "language",
            "sent_at",
            "expires_at",
            "answered_at",
            "decision",
        ),
        per_placement=True,
        rows_shown=policy.guardian_approval_visibility,
    ),
    # The programme the host plans, with the participant's reflections.
    Declaration(
        "stay_activity",
        STAY,
        people={"planned_by_id": K},
        fields={
            "title": Field(of=("planned_by_id", STUDENT), erased=KEPT, text=True),
            "place": Field(of=("planned_by_id", STUDENT), erased=KEPT, text=True),
            "description": Field(of=("planned_by_id", STUDENT), erased=KEPT, text=True),
            "reflection": Field(of=(STUDENT,), erased=KEPT, text=True),
        },
        plain=("id", "placement_id", "day", "reflected_at", "created_at", "version"),
        per_placement=True,
        rows_shown=policy.programme_visibility,
    ),
    Declaration(
        "language_goal",
        STAY,
        fields={
            "language": Field(of=(STUDENT,), erased=KEPT, text=True),
            "goal": Field(of=(STUDENT,), erased=KEPT, text=True),
            "before": Field(of=(STUDENT,), erased=KEPT),
            "after": Field(of=(STUDENT,), erased=KEPT),
        },
        plain=("id", "placement_id", "version", "updated_at"),
        per_placement=True,
        rows_shown=policy.language_goal_visibility,
    ),
    # The accompanying teacher's trip: the school's record of their work.
    Declaration(
        "trip",
        STAY,
        people={"coach_id": K},
        fields={"destination": Field(of=("coach_id",), erased=KEPT, text=True)},
        plain=("id", "school_id", "start_date", "end_date", "created_at"),
    ),
)

BY_TABLE: dict[str, Declaration] = {declaration.table: declaration for declaration in DECLARATIONS}


def declaration_of(table: str) -> Declaration:
    """The declaration of `table`; KeyError when it has none (a test prevents that)."""
    return BY_TABLE[table]


def tables_of(category: Category) -> list[Declaration]:
    return [declaration for declaration in DECLARATIONS if declaration.category is category]
