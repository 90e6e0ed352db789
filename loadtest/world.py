"""The world a load test writes into: one placement per simulated student, shared by a
few mentors and coaches, each placement with one entry to comment on.

Built through the app's models and services, like the demo world, in a database that
the runner has just created.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from app import create_app
from app.admin.services import ensure_partnership
from app.cli import initialise_database
from app.extensions import db
from app.followup.entries import create_entry
from app.models import (
    EntryKind,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    Role,
    User,
)

PASSWORD = "load-test-password"  # noqa: S105  (a throwaway database on loopback)
FRAMEWORK = {"framework_id": "generic-work-competences", "framework_version": 1}


@dataclass
class LoadWorld:
    """What the simulated users need: accounts by role and what each may write on."""

    password: str
    students: list[dict] = field(default_factory=list)
    mentors: list[dict] = field(default_factory=list)
    coaches: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def split_users(users: int) -> tuple[int, int, int]:
    """How many of `users` simulated users are students, mentors and coaches: one in
    five is staff (at least one mentor and one coach), three staff in five mentors.
    """
    staff = max(2, users // 5)
    mentors = max(1, math.ceil(staff * 0.6))
    coaches = max(1, staff - mentors)
    return users - mentors - coaches, mentors, coaches


def build_load_world(users: int, today: date | None = None) -> LoadWorld:
    """Create the accounts and placements for `users` simulated users; commit them."""
    today = today or date.today()
    student_count, mentor_count, coach_count = split_users(users)
    school = Organisation(name="Load Test School", kind=OrganisationKind.SCHOOL, city="Gent")
    company = Organisation(name="Load Test Company", kind=OrganisationKind.COMPANY, city="Gent")
    db.session.add_all([school, company])
    db.session.flush()
    ensure_partnership(school, company)
    password_hash = generate_password_hash(PASSWORD)  # once: hashing is slow on purpose

    def person(email: str, name: str, role: Role, organisation: Organisation) -> User:
        user = User(email=email, name=name, password_hash=password_hash, locale="en")
        user.memberships.append(Membership(role=role, organisation_id=organisation.id))
        db.session.add(user)
        return user

    mentors = [
        person(f"mentor{i}@load.test", f"Mentor {i}", Role.MENTOR, company)
        for i in range(mentor_count)
    ]
    coaches = [
        person(f"coach{i}@load.test", f"Coach {i}", Role.COACH, school) for i in range(coach_count)
    ]
    students = [
        person(f"student{i}@load.test", f"Student {i}", Role.STUDENT, school)
        for i in range(student_count)
    ]
    db.session.flush()
    placements = []
    for i, student in enumerate(students):
        # Three years back: a weekly log per week, as many as a run can write.
        placements.append(
            Placement(
                student_id=student.id,
                school_id=school.id,
                workplace_id=company.id,
                mentor_id=mentors[i % mentor_count].id,
                coach_id=coaches[i % coach_count].id,
                kind=PlacementKind.DUAL_LEARNING,
                start_date=today - timedelta(days=3 * 365),
                end_date=today + timedelta(days=365),
                **FRAMEWORK,
            )
        )
    db.session.add_all(placements)
    db.session.commit()

    world = LoadWorld(password=PASSWORD)
    by_mentor: dict[int, list[dict]] = {m.id: [] for m in mentors}
    by_coach: dict[int, list[dict]] = {c.id: [] for c in coaches}
    for student, placement in zip(students, placements, strict=True):
        mentor = db.session.get(User, placement.mentor_id)
        first = create_entry(
            placement,
            mentor,
            EntryKind.FEEDBACK,
            {"went_well": "You started well.", "work_on": "Ask when in doubt."},
        )
        target = {"placement": placement.id, "entry": first.id}
        world.students.append({"email": student.email, "placements": [target]})
        by_mentor[placement.mentor_id].append(target)
        by_coach[placement.coach_id].append(target)
    world.mentors = [{"email": m.email, "placements": by_mentor[m.id]} for m in mentors]
    world.coaches = [{"email": c.email, "placements": by_coach[c.id]} for c in coaches]
    return world


def main() -> None:
    """Bring the database named by the environment to the newest schema and build the
    world in it; write the world as JSON for the simulated users.
    """
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        initialise_database()
        world = build_load_world(args.users)
    args.output.write_text(json.dumps(world.as_dict(), indent=1))


if __name__ == "__main__":
    main()
