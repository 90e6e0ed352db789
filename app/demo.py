"""The demo world: two schools, three companies and their people, created idempotently.

Running it twice changes nothing; every account gets the same known password so
someone can click through the app as each role.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import dates
from app.content.services import content_library
from app.demo_log import build_demo_log, build_demo_training
from app.demo_mobility import HOST_COMPANIES, HOST_PARTNERS, PROMOTER, build_demo_mobility
from app.demo_plan import build_demo_plan
from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.notifications import reminders
from app.placements.services import ensure_partnership

DEMO_PASSWORD = "leerspoor-demo"  # noqa: S105  (printed for the demo, on purpose)

SCHOOLS = [
    ("Technisch Instituut Scheldeland", "Gent", "BE"),
    ("CVO Leerrijk", "Aalst", "BE"),
]
WORKPLACES = [
    ("Elektro Verbeke", "Deinze", "BE", OrganisationKind.COMPANY),
    ("Garage De Smet", "Gent", "BE", OrganisationKind.COMPANY),
    ("ICT Servicepunt Zeeland", "Terneuzen", "NL", OrganisationKind.COMPANY),
]
# (email, name, role, organisation)
PEOPLE = [
    ("admin@leerspoor.demo", "Platform Admin", Role.ADMIN, None),
    ("coordinator@scheldeland.demo", "Hilde Claes", Role.COORDINATOR, SCHOOLS[0][0]),
    ("coordinator@leerrijk.demo", "Marc Janssens", Role.COORDINATOR, SCHOOLS[1][0]),
    ("coach@scheldeland.demo", "Sofie Wouters", Role.COACH, SCHOOLS[0][0]),
    ("coach@leerrijk.demo", "Karim El Amrani", Role.COACH, SCHOOLS[1][0]),
    ("mentor@verbeke.demo", "Luc Verbeke", Role.MENTOR, WORKPLACES[0][0]),
    ("mentor2@verbeke.demo", "Ann De Clercq", Role.MENTOR, WORKPLACES[0][0]),
    ("mentor@desmet.demo", "Tom De Smet", Role.MENTOR, WORKPLACES[1][0]),
    ("mentor@servicepunt.demo", "Inge de Vries", Role.MENTOR, WORKPLACES[2][0]),
    ("hr@verbeke.demo", "Els Maes", Role.COMPANY_COORDINATOR, WORKPLACES[0][0]),
    ("lotte@student.demo", "Lotte Peeters", Role.STUDENT, SCHOOLS[0][0]),
    ("yusuf@student.demo", "Yusuf Demir", Role.STUDENT, SCHOOLS[0][0]),
    ("jana@student.demo", "Jana Willems", Role.STUDENT, SCHOOLS[0][0]),
    ("milan@student.demo", "Milan Goossens", Role.STUDENT, SCHOOLS[0][0]),
    ("noor@student.demo", "Noor Hermans", Role.STUDENT, SCHOOLS[0][0]),
    ("peter@student.demo", "Peter Van Damme", Role.STUDENT, SCHOOLS[1][0]),
    ("aisha@student.demo", "Aisha Bakari", Role.STUDENT, SCHOOLS[1][0]),
    ("dirk@student.demo", "Dirk Smets", Role.STUDENT, SCHOOLS[1][0]),
    # the mobility abroad
    ("promoter@vlaamsetechniek.demo", "Greet Van Acker", Role.PROMOTER, PROMOTER[0]),
    ("coordinator@levante.demo", "Lucía Ferrer", Role.HOST_COORDINATOR, HOST_PARTNERS[0][0]),
    ("monitor@levante.demo", "Pau Navarro", Role.MONITOR, HOST_PARTNERS[0][0]),
    ("coordinator@pontenorte.demo", "Joana Sousa", Role.HOST_COORDINATOR, HOST_PARTNERS[1][0]),
    ("monitor@pontenorte.demo", "Rui Costa", Role.MONITOR, HOST_PARTNERS[1][0]),
    ("mentor@turia.demo", "Vicent Llorens", Role.MENTOR, HOST_COMPANIES[0][0]),
    ("mentor@ribeira.demo", "Marta Pinto", Role.MENTOR, HOST_COMPANIES[1][0]),
    ("lucas@student.demo", "Lucas Dubois", Role.STUDENT, SCHOOLS[0][0]),
    ("emma@student.demo", "Emma Vermeulen", Role.STUDENT, SCHOOLS[0][0]),
    ("ines@student.demo", "Ines Claeys", Role.STUDENT, SCHOOLS[0][0]),
    ("ruben@student.demo", "Ruben Martens", Role.STUDENT, SCHOOLS[0][0]),
    ("sara@student.demo", "Sara Lambrecht", Role.STUDENT, SCHOOLS[1][0]),
    ("bram@student.demo", "Bram Wuyts", Role.STUDENT, SCHOOLS[1][0]),
    ("elif@student.demo", "Elif Yılmaz", Role.STUDENT, SCHOOLS[1][0]),
    ("jonas@student.demo", "Jonas Verstraete", Role.STUDENT, SCHOOLS[1][0]),
]
# The people abroad read Leerspoor in English.
ENGLISH = {
    "coordinator@levante.demo",
    "monitor@levante.demo",
    "coordinator@pontenorte.demo",
    "monitor@pontenorte.demo",
    "mentor@turia.demo",
    "mentor@ribeira.demo",
}
# the competence framework each demo workplace follows its learners with
WORKPLACE_FRAMEWORKS = ["electrical-installation", "generic-work-competences", "it-support"]
# the programme of a placement at each demo workplace (unless the student's is another),
# and the cohort of every demo placement
WORKPLACE_PROGRAMMES = ["Elektrotechniek", "Autotechniek", "ICT-support"]
PROGRAMMES = {"dirk@student.demo": "Verkoop"}
COHORT = "2026-2027"
# The age of the school pupils (the adult learners of CVO Leerrijk have no date of birth,
# but for the candidates of the mobility call, whose stay abroad asks it): Milan is 16 and
# goes abroad in two weeks, so his school's rule asks a guardian's approval; his placement
# waits "in preparation" until the coordinator records one.
AGES = {
    "lotte@student.demo": 17,
    "yusuf@student.demo": 17,
    "jana@student.demo": 16,
    "milan@student.demo": 16,
    "noor@student.demo": 18,
    # the candidates of the mobility call (Emma goes abroad at 16)
    "lucas@student.demo": 19,
    "emma@student.demo": 16,
    "ines@student.demo": 17,
    "ruben@student.demo": 18,
    "sara@student.demo": 22,
    "bram@student.demo": 25,
    "elif@student.demo": 20,
    "jonas@student.demo": 31,
}
PREPARING = {"milan@student.demo"}
# (student, workplace, mentor, coach, kind, start offset in days, length in days)
PLACEMENTS = [
    (
        "lotte@student.demo",
        0,
        "mentor@verbeke.demo",
        "coach@scheldeland.demo",
        PlacementKind.DUAL_LEARNING,
        -60,
        270,
    ),
    (
        "yusuf@student.demo",
        0,
        "mentor2@verbeke.demo",
        "coach@scheldeland.demo",
        PlacementKind.DUAL_LEARNING,
        -60,
        270,
    ),
    (
        "jana@student.demo",
        1,
        "mentor@desmet.demo",
        "coach@scheldeland.demo",
        PlacementKind.INTERNSHIP,
        -20,
        40,
    ),
    (
        "milan@student.demo",
        2,
        "mentor@servicepunt.demo",
        "coach@scheldeland.demo",
        PlacementKind.MOBILITY_ABROAD,
        14,
        40,
    ),
    (
        "noor@student.demo",
        0,
        "mentor@verbeke.demo",
        "coach@scheldeland.demo",
        PlacementKind.DUAL_LEARNING,
        -300,
        200,
    ),
    (
        "peter@student.demo",
        2,
        "mentor@servicepunt.demo",
        "coach@leerrijk.demo",
        PlacementKind.GRADUATE_WORKPLACE_LEARNING,
        -30,
        120,
    ),
    (
        "aisha@student.demo",
        2,
        "mentor@servicepunt.demo",
        "coach@leerrijk.demo",
        PlacementKind.BBL,
        -90,
        365,
    ),
    (
        "dirk@student.demo",
        0,
        "mentor2@verbeke.demo",
        "coach@leerrijk.demo",
        PlacementKind.INTERNSHIP,
        -10,
        60,
    ),
]


@dataclass
class DemoAccount:
    email: str
    password: str
    name: str
    role: str
    organisation: str

    def as_dict(self) -> dict:
        return asdict(self)


def _organisation(name: str, kind: OrganisationKind, city: str, country: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind, city=city, country=country)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def build_demo_world(today: date | None = None) -> list[DemoAccount]:
    """Create whatever part of the demo world is missing; return every demo account."""
    today = today or dates.today()
    organisations = {
        name: _organisation(name, OrganisationKind.SCHOOL, city, country)
        for name, city, country in SCHOOLS
    }
    workplaces = [
        _organisation(name, kind, city, country) for name, city, country, kind in WORKPLACES
    ]
    organisations.update({w.name: w for w in workplaces})
    for name, city, country, kind in [PROMOTER, *HOST_PARTNERS, *HOST_COMPANIES]:
        organisations[name] = _organisation(name, kind, city, country)

    users: dict[str, User] = {}
    accounts = []
    # Every demo account has the same public password: hashed once (a hash takes a good
    # part of a second by design), not once per account.
    password_hash = None
    for email, name, role, organisation_name in PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, locale="en" if email in ENGLISH else None)
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash
            db.session.add(user)
        if email in AGES and user.birth_date is None:
            user.birth_date = _born(AGES[email], today)
        organisation = organisations.get(organisation_name) if organisation_name else None
        org_id = organisation.id if organisation else None
        if not any(m.role == role and m.organisation_id == org_id for m in user.memberships):
            user.memberships.append(Membership(role=role, organisation_id=org_id))
        users[email] = user
        accounts.append(
            DemoAccount(email, DEMO_PASSWORD, name, role.value, organisation_name or "Leerspoor")
        )
    db.session.flush()

    for (
        student_email,
        workplace_index,
        mentor_email,
        coach_email,
        kind,
        offset,
        length,
    ) in PLACEMENTS:
        student = users[student_email]
        workplace = workplaces[workplace_index]
        school_id = next(m.organisation_id for m in student.memberships if m.role == Role.STUDENT)
        ensure_partnership(db.session.get(Organisation, school_id), workplace)
        db.session.flush()
        # Each demo student has one placement: a demo built by an earlier version keeps its
        # own rather than gaining a second.
        exists = db.session.scalar(
            select(Placement.id).where(Placement.student_id == student.id).limit(1)
        )
        if exists is None:
            start = today + timedelta(days=offset)
            db.session.add(
                Placement(
                    student_id=student.id,
                    school_id=school_id,
                    workplace_id=workplace.id,
                    mentor_id=users[mentor_email].id,
                    coach_id=users[coach_email].id,
                    kind=kind,
                    status=(
                        PlacementStatus.PREPARING
                        if student_email in PREPARING
                        else PlacementStatus.ACTIVE
                    ),
                    start_date=start,
                    end_date=start + timedelta(days=length),
                    programme=PROGRAMMES.get(student_email, WORKPLACE_PROGRAMMES[workplace_index]),
                    cohort=COHORT,
                    **_followed_with(WORKPLACE_FRAMEWORKS[workplace_index]),
                )
            )
    db.session.flush()
    first = db.session.scalar(
        select(Placement).where(Placement.student_id == users[PLACEMENTS[0][0]].id)
    )
    build_demo_log(first, today)
    build_demo_training(first, today)
    build_demo_plan(first, today)
    db.session.commit()
    build_demo_mobility(users, organisations, today, COHORT)
    reminders.decide(reminder_moment(today))
    return accounts


def _born(age: int, today: date) -> date:
    """A birthday `age` years and about four months before `today`."""
    day = today - timedelta(days=120)
    return day.replace(year=day.year - age, day=min(day.day, 28))


def reminder_moment(today: date) -> datetime:
    """When the demo's reminders are decided: 10:00 on `today`, or on the Friday before
    when `today` falls in the weekend, within every demo school's reminder hours.
    """
    day = today - timedelta(days=max(0, today.weekday() - 4))
    return datetime.combine(day, time(10, 0), ZoneInfo(DEFAULT_TIMEZONE))


def _followed_with(framework_id: str) -> dict:
    """The framework and soft-skills rubric columns of a demo placement, if the content exists."""
    library = content_library()
    framework = library.frameworks.get(framework_id)
    rubric = library.rubrics.get("soft-skills")
    return {
        "framework_id": framework.id if framework else None,
        "framework_version": framework.version if framework else None,
        "rubric_id": rubric.id if rubric else None,
        "rubric_version": rubric.version if rubric else None,
    }
