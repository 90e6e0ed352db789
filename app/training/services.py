"""Progress through the mentor training: quiz results, reflections, assignments, paths.

Services take plain arguments and own the commit. A quiz answer that is not one of the
module's options raises `TrainingError` and records nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.content.modules import MENTOR_COMPETENCES, LearningPath, Module, TrainingLibrary
from app.extensions import db
from app.models import Certificate, ModuleProgress, Placement, Recommendation, User
from app.models.columns import utcnow


class TrainingError(Exception):
    """The request does not fit the module; `field` is where the message belongs."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


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
        if not key.startswith("q") or not key[1:].isdigit():
            continue
        number = int(key[1:])
        if number >= len(module.quiz) or not value.isdigit():
            raise TrainingError("quiz", _l("This answer is not one of the options."))
        option = int(value)
        if option >= len(module.quiz[number].options):
            raise TrainingError("quiz", _l("This answer is not one of the options."))
        chosen[number] = option
    if len(chosen) != len(module.quiz):
        raise TrainingError("quiz", _l("Answer every question, then check your answers."))
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

    Issuing twice gives the same certificate. Raises `TrainingError` when a module of the
    path is not completed yet.
    """
    existing = certificate_of(user, path.id)
    if existing is not None:
        return existing
    progress = progress_of(user)
    if not all(module_id in progress and progress[module_id].done for module_id in path.modules):
        raise TrainingError("path", _l("Complete every module of this path first."))
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
