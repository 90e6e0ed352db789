"""Progress through the mentor training: quiz results, reflections, assignments, paths.

Services take plain arguments and own the commit. A quiz answer that is not one of the
module's options raises `DomainError` and records nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from app import audit, signals
from app.content.modules import (
    BASIC_PATH,
    MENTOR_COMPETENCES,
    LearningPath,
    Module,
    TrainingLibrary,
)
from app.content.services import localised
from app.domain import DomainError
from app.extensions import db
from app.models import (
    Certificate,
    MentorRecord,
    ModuleProgress,
    Placement,
    PostStatus,
    PracticePost,
    Recommendation,
    User,
)
from app.models.columns import utcnow
from app.spreadsheets import SpreadsheetWriter

COMPETENCE_LABELS = {
    "role": _l("The mentor's role"),
    "onboarding": _l("Preparing and welcoming"),
    "instructing": _l("Instructing"),
    "feedback": _l("Giving feedback"),
    "coaching": _l("Coaching"),
    "following-up": _l("Following up and planning"),
    "assessing": _l("Observing and assessing"),
    "guidance": _l("When it gets difficult"),
    "learners": _l("Young and international learners"),
}


def progress_of(user: User) -> dict[str, ModuleProgress]:
    """The user's progress per module id (one query)."""
    rows = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    return {row.module_id: row for row in rows}


def catalogue(library: TrainingLibrary, language: str) -> list[tuple[str, list[Module]]]:
    """The modules in the reader's language, grouped by mentor competence, in order."""
    groups = []
    for competence in MENTOR_COMPETENCES:
        modules = sorted(
            (
                module
                for module_id in library.modules
                if (module := library.module(module_id, language)).competence == competence
            ),
            key=lambda module: module.order,
        )
        if modules:
            groups.append((competence, modules))
    return groups


@dataclass
class PathProgress:
    path: LearningPath
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.done == self.total


def path_progress(library: TrainingLibrary, progress: dict[str, ModuleProgress]):
    return [
        PathProgress(
            path,
            sum(1 for m in path.modules if m in progress and progress[m].done),
            len(path.modules),
        )
        for path in library.paths
    ]


def next_module(
    library: TrainingLibrary, progress: dict[str, ModuleProgress], module: Module, language: str
) -> Module | None:
    """The module to do after `module`: the next one not done yet in the first learning
    path that holds it (from the start of the path when the rest is done), else None.
    """
    path = next((path for path in library.paths if module.id in path.modules), None)
    if path is None:
        return None
    position = path.modules.index(module.id)
    for module_id in path.modules[position + 1 :] + path.modules[:position]:
        done = progress.get(module_id)
        if done is None or not done.done:
            following = library.module(module_id, language)
            if following is not None:
                return following
    return None


@dataclass
class QuizResult:
    """What the mentor chose per question, and how many were right."""

    chosen: dict[int, int]
    score: int
    passed: bool
    newly_completed: bool


def answer_quiz(user: User, module: Module, answers: dict[str, str]) -> QuizResult:
    """Score the answers (`q<n>` → option index) and record the attempt.

    Every question must be answered with one of its own options; anything else is a
    tampered form and changes nothing. Passing completes the module at its version.
    """
    chosen = {}
    for key, value in answers.items():
        # isdecimal, not isdigit: "²" is a digit that int() does not read.
        if not key.startswith("q") or not key[1:].isdecimal():
            continue
        number = int(key[1:])
        if number >= len(module.quiz) or not value.isdecimal():
            raise DomainError("quiz", _l("This answer is not one of the options."))
        option = int(value)
        if option >= len(module.quiz[number].options):
            raise DomainError("quiz", _l("This answer is not one of the options."))
        chosen[number] = option
    if len(chosen) != len(module.quiz):
        raise DomainError("quiz", _l("Answer every question, then check your answers."))
    score = sum(module.quiz[n].options[option].correct for n, option in chosen.items())
    passed = score >= module.pass_mark
    progress = _progress(user, module.id)
    progress.quiz_attempts += 1
    progress.best_score = max(progress.best_score, score)
    newly_completed = passed and (
        not progress.done or (progress.completed_version or 0) < module.version
    )
    if newly_completed:
        progress.completed_at = utcnow()
        progress.completed_version = module.version
    _commit()
    return QuizResult(chosen, score, passed, newly_completed)


def save_reflection(user: User, module: Module, text: str) -> None:
    """Keep the mentor's private reflection (an empty text clears it)."""
    progress = _progress(user, module.id)
    progress.reflection = text.strip()
    _commit()


def mark_assignment(user: User, module: Module, note: str) -> None:
    """The mentor tried this week's assignment at work, with a short note."""
    progress = _progress(user, module.id)
    progress.assignment_tried_at = progress.assignment_tried_at or utcnow()
    progress.assignment_note = note.strip()[:1000]
    _commit()


def start(user: User, module: Module) -> None:
    """Opening a module starts it (once)."""
    if db.session.scalar(
        select(ModuleProgress.id).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
        )
    ):
        return
    _progress(user, module.id)
    _commit()
    signals.module_started.send(module.id, by=user)


def _progress(user: User, module_id: str) -> ModuleProgress:
    progress = db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module_id
        )
    )
    if progress is None:
        progress = ModuleProgress(
            user_id=user.id,
            module_id=module_id,
            quiz_attempts=0,
            best_score=0,
            reflection="",
            assignment_note="",
        )
        db.session.add(progress)
    return progress


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same person in two tabs started the module at once
        db.session.rollback()


# -- certificates -----------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand


def new_certificate_code() -> str:
    """Twelve characters in three groups (60 bits): `K7QM-4XPA-9RTE`."""
    characters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(characters[i : i + 4] for i in (0, 4, 8))


def normalise_code(code: str) -> str:
    """A code as someone may type it: any case, with or without dashes and spaces."""
    characters = re.sub(r"[^A-Za-z0-9]", "", code).upper()
    return "-".join(characters[i : i + 4] for i in range(0, len(characters), 4))


def certificates_of(user: User) -> dict[str, Certificate]:
    """The user's certificates by path id (one query)."""
    rows = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))
    return {row.path_id: row for row in rows}


def certificate_of(user: User, path_id: str) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(Certificate.user_id == user.id, Certificate.path_id == path_id)
    )


def issue_certificate(user: User, library: TrainingLibrary, path: LearningPath) -> Certificate:
    """The user's certificate for `path`, issued now if every module of it is completed.

    Issuing twice gives the same certificate. Raises `DomainError` when a module of the
    path is not completed yet.
    """
    existing = certificate_of(user, path.id)
    if existing is not None:
        return existing
    progress = progress_of(user)
    if not all(module_id in progress and progress[module_id].done for module_id in path.modules):
        raise DomainError("path", _l("Complete every module of this path first."))
    certificate = Certificate(
        user_id=user.id,
        path_id=path.id,
        code=new_certificate_code(),
        name=user.name,
        modules=[
            {
                "id": module_id,
                "version": progress[module_id].completed_version,
                "completed_on": progress[module_id].completed_at.date().isoformat(),
            }
            for module_id in path.modules
        ],
    )
    db.session.add(certificate)
    audit.record(user, "certificate_issued", certificate, path=path.id)
    db.session.commit()
    return certificate


def verify_certificate(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == normalise_code(code)))


# -- just in time -----------------------------------------------------------------------

# The module that fits a moment in the follow-up log.
MODULE_FOR_MOMENT = {
    "first_registration": "scoring-indicators-fairly",
    "divergence": "feedback-that-lands",
    "concern": "calling-the-school-coach",
}


def suggestion(user: User, moment: str, library: TrainingLibrary, language: str):
    """The module that fits `moment` for `user`, unless they completed its current version."""
    module = library.module(MODULE_FOR_MOMENT[moment], language)
    if module is None:
        return None
    done = db.session.scalar(
        select(ModuleProgress.completed_version).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
        )
    )
    return None if done is not None and done >= module.version else module


# -- recommendations --------------------------------------------------------------------


def recommend(placement: Placement, by: User, module: Module, note: str) -> Recommendation:
    """Recommend `module` to the placement's mentor; an open recommendation of the same
    module is not repeated (its note is updated).
    """
    existing = db.session.scalar(
        select(Recommendation).where(
            Recommendation.mentor_id == placement.mentor_id,
            Recommendation.module_id == module.id,
        )
    )
    if existing is not None and not _completed(placement.mentor_id, module):
        existing.note = note.strip()[:500]
        existing.recommended_by_id = by.id
        db.session.commit()
        return existing
    recommendation = Recommendation(
        mentor_id=placement.mentor_id,
        module_id=module.id,
        placement_id=placement.id,
        recommended_by_id=by.id,
        note=note.strip()[:500],
    )
    db.session.add(recommendation)
    db.session.commit()
    return recommendation


def _completed(user_id: int, module: Module) -> bool:
    version = db.session.scalar(
        select(ModuleProgress.completed_version).where(
            ModuleProgress.user_id == user_id, ModuleProgress.module_id == module.id
        )
    )
    return version is not None and version >= module.version


def open_recommendations(user: User, library: TrainingLibrary, language: str):
    """The modules recommended to `user` that they have not completed: (module, who, note),
    newest first, in two queries.
    """
    rows = db.session.scalars(
        select(Recommendation)
        .where(Recommendation.mentor_id == user.id)
        .options(joinedload(Recommendation.recommended_by))
        .order_by(Recommendation.created_at.desc())
    ).all()
    if not rows:
        return []
    progress = progress_of(user)
    found, seen = [], set()
    for row in rows:
        module = library.module(row.module_id, language)
        if module is None or row.module_id in seen:
            continue
        seen.add(row.module_id)
        done = progress.get(module.id)
        if done is None or not done.done or (done.completed_version or 0) < module.version:
            found.append((module, row))
    return found


# -- following mentors' training --------------------------------------------------------

BASIC_TRAINING_WITHIN_MONTHS = 12


def training_due(mentor_since: date) -> date:
    """The basic training is due 12 months after someone became a mentor."""
    try:
        return mentor_since.replace(year=mentor_since.year + 1)
    except ValueError:  # 29 February
        return mentor_since.replace(year=mentor_since.year + 1, day=28)


@dataclass
class CompletedModule:
    module_id: str
    title: str
    completed_on: date


@dataclass
class MentorRow:
    mentor: User
    modules_done: int
    basic: PathProgress | None
    basic_completed_on: date | None
    record: MentorRecord | None
    # The modules completed, most recent first, and the certificates of learning paths.
    completed: list[CompletedModule] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def due(self) -> date | None:
        if self.record is None or self.record.mentor_since is None:
            return None
        return training_due(self.record.mentor_since)

    def compliance(self, today: date) -> str:
        """done, due (in time), overdue or unknown (no date they became a mentor)."""
        if self.basic_completed_on is not None:
            return "done"
        if self.due is None:
            return "unknown"
        return "overdue" if today > self.due else "due"


def mentor_rows(mentors: Select, library: TrainingLibrary, language: str) -> list[MentorRow]:
    """Training progress, certificates and record of each mentor `mentors` selects (a
    query of the policy), in four queries whatever their number; none binds an id per
    mentor.
    """
    # Their memberships are not needed here (loading them binds an id per mentor).
    people = list(db.session.scalars(mentors.options(lazyload(User.memberships))))
    ids = mentors.with_only_columns(User.id).order_by(None)
    progress: dict[int, dict[str, ModuleProgress]] = {mentor.id: {} for mentor in people}
    for row in db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id.in_(ids))):
        progress[row.user_id][row.module_id] = row
    certificates: dict[int, list[Certificate]] = {mentor.id: [] for mentor in people}
    for row in db.session.scalars(
        select(Certificate).where(Certificate.user_id.in_(ids)).order_by(Certificate.issued_at)
    ):
        certificates[row.user_id].append(row)
    records = {
        row.user_id: row
        for row in db.session.scalars(select(MentorRecord).where(MentorRecord.user_id.in_(ids)))
    }
    basic_path = library.path(BASIC_PATH)
    rows = []
    for mentor in people:
        own = progress[mentor.id]
        basic = path_progress(library, own)
        basic = next((item for item in basic if item.path.id == BASIC_PATH), None)
        basic_certificate = next(
            (row for row in certificates[mentor.id] if row.path_id == BASIC_PATH), None
        )
        completed_on = None
        if basic_certificate is not None:
            completed_on = basic_certificate.issued_at.date()
        elif basic is not None and basic.complete and basic_path is not None:
            completed_on = max(own[m].completed_at for m in basic_path.modules).date()
        completed = [
            CompletedModule(
                module_id,
                module.title if (module := library.module(module_id, language)) else module_id,
                item.completed_at.date(),
            )
            for module_id, item in own.items()
            if item.done and item.completed_at is not None
        ]
        completed.sort(key=lambda item: (item.completed_on, item.title), reverse=True)
        rows.append(
            MentorRow(
                mentor=mentor,
                modules_done=sum(1 for item in own.values() if item.done),
                basic=basic,
                basic_completed_on=completed_on,
                record=records.get(mentor.id),
                completed=completed,
                certificates=certificates[mentor.id],
            )
        )
    return rows


def path_title(library: TrainingLibrary, path_id: str) -> str:
    path = library.path(path_id)
    return localised(path.title) if path is not None else path_id


def save_mentor_record(
    mentor: User,
    editor: User,
    *,
    years_experience: int | None,
    good_conduct_on: date | None,
    mentor_since: date | None,
) -> MentorRecord | None:
    """Save what the school knows of a mentor; nothing is written when nothing changed."""
    record = db.session.scalar(select(MentorRecord).where(MentorRecord.user_id == mentor.id))
    values = (years_experience, good_conduct_on, mentor_since)
    if record is None:
        if values == (None, None, None):
            return None  # an empty record saved empty: nothing to keep
        record = MentorRecord(user_id=mentor.id, updated_by_id=editor.id)
        db.session.add(record)
    record.years_experience = years_experience
    record.good_conduct_on = good_conduct_on
    record.mentor_since = mentor_since
    if not audit.has_changes(record):
        return record  # saved as shown: who saved it last stays who changed it last
    record.updated_by_id = editor.id
    audit.record(editor, "mentor_record_saved", mentor)
    db.session.commit()
    return record


def mentors_csv(rows: list[MentorRow], library: TrainingLibrary, today: date) -> str:
    """The training progress of the mentors, for a spreadsheet."""
    writer = SpreadsheetWriter()
    writer.writerow(
        [
            _("Name"),
            _("E-mail address"),
            _("Modules completed"),
            _("Basic mentor training"),
            _("Completed on"),
            _("Mentor since"),
            _("Due by"),
            _("Years of experience"),
            _("Good-conduct certificate"),
            _("Status"),
            _("Modules completed (date)"),
            _("Certificates (code, date)"),
        ]
    )
    labels = compliance_labels()
    for row in rows:
        record = row.record
        writer.writerow(
            [
                row.mentor.name,
                row.mentor.email,
                row.modules_done,
                f"{row.basic.done}/{row.basic.total}" if row.basic else "",
                row.basic_completed_on.isoformat() if row.basic_completed_on else "",
                record.mentor_since.isoformat() if record and record.mentor_since else "",
                row.due.isoformat() if row.due else "",
                record.years_experience if record and record.years_experience is not None else "",
                record.good_conduct_on.isoformat() if record and record.good_conduct_on else "",
                labels[row.compliance(today)],
                "; ".join(
                    f"{item.title} ({item.completed_on.isoformat()})" for item in row.completed
                ),
                "; ".join(
                    f"{path_title(library, certificate.path_id)} ({certificate.code}, "
                    f"{certificate.issued_at.date().isoformat()})"
                    for certificate in row.certificates
                ),
            ]
        )
    return writer.document()


def compliance_labels() -> dict[str, str]:
    return {
        "done": _("Basic training completed"),
        "due": _("Basic training due"),
        "overdue": _("Basic training overdue"),
        "unknown": _("Date as mentor unknown"),
    }


# -- practice sharing -------------------------------------------------------------------


def share_practice(author: User, module: Module, body: str) -> PracticePost:
    """A mentor shares a tip or template; it waits for a coordinator's approval."""
    body = body.strip()
    if not body:
        raise DomainError("body", _l("Write your tip first."))
    post = PracticePost(module_id=module.id, author_id=author.id, body=body)
    db.session.add(post)
    db.session.commit()
    signals.practice_shared.send(post)
    return post


def practice_for(module: Module, reader: User) -> list[PracticePost]:
    """The approved posts of a module, and the reader's own that still wait (one query)."""
    return list(
        db.session.scalars(
            select(PracticePost)
            .where(
                PracticePost.module_id == module.id,
                or_(
                    PracticePost.status == PostStatus.APPROVED,
                    and_(
                        PracticePost.author_id == reader.id,
                        PracticePost.status == PostStatus.PENDING,
                    ),
                ),
            )
            .options(joinedload(PracticePost.author))
            .order_by(PracticePost.created_at.desc())
        )
    )


def review_practice(post: PracticePost, reviewer: User, *, approve: bool) -> None:
    post.status = PostStatus.APPROVED if approve else PostStatus.REJECTED
    post.reviewed_by_id = reviewer.id
    post.reviewed_at = utcnow()
    audit.record(reviewer, f"practice_{post.status.value}", post)
    db.session.commit()
    signals.practice_reviewed.send(post, by=reviewer)
