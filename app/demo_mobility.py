"""The Erasmus+ mobility of the demo world: a consortium of the two demo schools, a call
for two-week placements in València and Porto, eight candidates scored and decided, and
the selected participants at every stage of their mobility: one ready for matching, one
minor whose guardian's approval link waits in the outbox, one learning agreement signed
by two of its three parties, one participant abroad now, and one mobility closed with
its Europass record.

Everything is written through the services the pages use, as the person who would do
it, so the data is what the app itself writes. Each step looks first whether it was
taken, so a second run adds nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from fpdf import FPDF
from sqlalchemy import select

from app import policy
from app.admin import services as admin
from app.agreements import services as agreements
from app.calls import participants
from app.calls import services as calls
from app.closing import services as closing
from app.competences import services as competences
from app.content.services import content_library
from app.extensions import db
from app.followup import entries
from app.mobility import services as mobility
from app.models import (
    Candidate,
    ConsortiumMembership,
    Decision,
    EntryKind,
    ItemKind,
    LodgingKind,
    LogEntry,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementStatus,
    Setting,
    Trip,
    User,
)
from app.models.mobility import ItemStatus
from app.placements import matching
from app.placements.matching import Match
from app.stay import services as stay

# The promoting organisation of the schools' consortium, the host partners abroad and the
# host companies they place at: (name, city, country, kind), made by `app.demo`.
PROMOTER = ("Erasmus+ Consortium Vlaamse Techniek", "Gent", "BE", OrganisationKind.PROMOTER)
HOST_PARTNERS = [
    ("Intercambio Levante", "València", "ES", OrganisationKind.HOST_ABROAD),
    ("Ponte Norte Mobilidade", "Porto", "PT", OrganisationKind.HOST_ABROAD),
]
HOST_COMPANIES = [
    ("Instal·lacions Túria", "València", "ES", OrganisationKind.COMPANY),
    ("Oficina Digital Ribeira", "Porto", "PT", OrganisationKind.COMPANY),
]
CALL_TITLE = "Werkplekleren in Europa: twee weken València of Porto"
SCHELDELAND, LEERRIJK = "Technisch Instituut Scheldeland", "CVO Leerrijk"
VALENCIA, PORTO = 0, 1
FRAMEWORK = "generic-work-competences"
INSURANCE = (
    ItemKind.HEALTH_INSURANCE,
    ItemKind.ACCIDENT_INSURANCE,
    ItemKind.WORKPLACE_LIABILITY,
    ItemKind.GENERAL_LIABILITY,
)
SCHOOL_STAFF = {
    SCHELDELAND: ("coordinator@scheldeland.demo", "coach@scheldeland.demo"),
    LEERRIJK: ("coordinator@leerrijk.demo", "coach@leerrijk.demo"),
}
HOSTS = [
    # (host coordinator, monitor, host company's mentor) of València and of Porto
    ("coordinator@levante.demo", "monitor@levante.demo", "mentor@turia.demo"),
    ("coordinator@pontenorte.demo", "monitor@pontenorte.demo", "mentor@ribeira.demo"),
]


@dataclass(frozen=True)
class Applicant:
    """One candidate of the demo call and how far their mobility has come."""

    email: str
    school: str
    scores: tuple[int, int, int, int]  # motivation, maturity, language, arrangements
    decision: Decision
    reason: str
    language: tuple[str, str] = ("Spanish", "A1")
    destination: int | None = None
    stage: str = ""  # matching, guardian, agreement, abroad, closed
    start: int = 0  # the first day of the stay, in days from today
    programme: str = "Elektrotechniek"


APPLICANTS = [
    Applicant(
        "lucas@student.demo",
        SCHELDELAND,
        (9, 8, 7, 8),
        Decision.SELECTED,
        "Sterk gemotiveerd, werkt zelfstandig en sprak al wat Spaans in het gesprek.",
        ("Spanish", "A2"),
        VALENCIA,
        "closed",
        -24,
    ),
    Applicant(
        "emma@student.demo",
        SCHELDELAND,
        (9, 7, 6, 9),
        Decision.SELECTED,
        "Heel gemotiveerd en goed voorbereid; de ouders staan achter het plan.",
        ("Spanish", "A1"),
        VALENCIA,
        "guardian",
        14,
    ),
    Applicant(
        "ines@student.demo",
        SCHELDELAND,
        (7, 6, 5, 8),
        Decision.RESERVE,
        "Eerste reserve van de school: neemt de plaats in als er een vrijkomt.",
    ),
    Applicant(
        "ruben@student.demo",
        SCHELDELAND,
        (5, 4, 3, 6),
        Decision.NOT_SELECTED,
        "Nog niet zelfstandig genoeg voor twee weken alleen in het buitenland; we bekijken "
        "samen hoe Ruben volgend schooljaar opnieuw kan kandideren.",
    ),
    Applicant(
        "sara@student.demo",
        LEERRIJK,
        (9, 9, 6, 8),
        Decision.SELECTED,
        "Duidelijke leerdoelen, veel werkervaring en klaar om zich aan te passen.",
        ("Spanish", "A2"),
        VALENCIA,
        "abroad",
        -7,
    ),
    Applicant(
        "bram@student.demo",
        LEERRIJK,
        (8, 9, 5, 9),
        Decision.SELECTED,
        "Rustig en betrouwbaar; wil de Portugese aanpak van IT-support leren kennen.",
        ("Portuguese", "A1"),
        PORTO,
        "agreement",
        21,
        "ICT-support",
    ),
    Applicant(
        "elif@student.demo",
        LEERRIJK,
        (8, 7, 7, 7),
        Decision.SELECTED,
        "Goed gesprek, sterke motivatie en al een basis Portugees.",
        ("Portuguese", "A2"),
        PORTO,
        "matching",
    ),
    Applicant(
        "jonas@student.demo",
        LEERRIJK,
        (7, 7, 4, 7),
        Decision.RESERVE,
        "Reserve: gemotiveerd, maar een ander had een sterker gesprek.",
    ),
]
STAY_DAYS = 14
LODGINGS = ["Carrer de Sueca 12, 46006 València", "Rua de Cedofeita 88, 4050-174 Porto"]


def build_demo_mobility(
    users: dict[str, User], organisations: dict, today: date, cohort: str
) -> None:
    """Build whatever part of the demo mobility is missing, with the demo's people
    (`users` by e-mail) and organisations (by name); its placements are in `cohort`.
    """
    promoter = organisations[PROMOTER[0]]
    staff = users["promoter@vlaamsetechniek.demo"]
    schools = {name: organisations[name] for name in SCHOOL_STAFF}
    partners = [organisations[name] for name, *_rest in HOST_PARTNERS]
    companies = [organisations[name] for name, *_rest in HOST_COMPANIES]
    _consortium(promoter, schools.values(), staff, today)
    call = _call(promoter, staff, schools, partners, today)
    registered_on = call.candidate_deadline - timedelta(days=5)
    for applicant in APPLICANTS:
        candidate = _candidate(call, applicant, users, schools, registered_on)
        if applicant.decision != Decision.SELECTED:
            continue
        coordinator, coach = (users[e] for e in SCHOOL_STAFF[applicant.school])
        destination = call.destinations[applicant.destination]
        if candidate.destination_id is None:
            participants.prepare(
                candidate,
                coordinator,
                participants.Preparation(destination.id, coach.id, False, ""),
            )
        if applicant.stage == "matching":
            continue
        host_coordinator, monitor, mentor = (users[e] for e in HOSTS[applicant.destination])
        company = companies[applicant.destination]
        placement = candidate.placement
        if placement is None:
            placement = participants.create_placement(
                candidate, host_coordinator, Match(company.id, mentor.id, monitor.id)
            )
        _prepare_stay(placement, applicant, coordinator, today, cohort)
        _lodging(placement, host_coordinator, applicant.destination)
        if applicant.stage == "guardian":
            _guardian_link(placement, coach)
            continue
        _agreement(placement, applicant.stage, coach, mentor)
        if applicant.stage == "agreement":
            continue
        _start(placement, coordinator)
        if applicant.stage == "abroad":
            _abroad(placement, monitor, mentor, today)
        else:
            _close(placement, coach, monitor, mentor)


# -- the consortium and the call --------------------------------------------------------


def _consortium(promoter: Organisation, schools, staff: User, today: date) -> None:
    members = set(
        db.session.scalars(
            select(ConsortiumMembership.school_id).where(
                ConsortiumMembership.promoter_id == promoter.id
            )
        )
    )
    for school in schools:
        if school.id not in members:
            calls.add_member(
                promoter,
                school,
                today - timedelta(days=400),
                today + timedelta(days=700),
                staff,
            )


def _call(promoter, staff, schools, partners, today: date) -> MobilityCall:
    call = db.session.scalar(
        select(MobilityCall).where(
            MobilityCall.promoter_id == promoter.id, MobilityCall.title == CALL_TITLE
        )
    )
    if call is not None:
        return call
    # The window holds every demo stay: the closed one began 24 days ago, the last
    # starts in four weeks; the candidates' files were due a week before the first.
    details = calls.CallDetails(
        title=CALL_TITLE,
        placement_start=today - timedelta(days=24),
        placement_end=today + timedelta(days=28 + STAY_DAYS - 1),
        interest_deadline=today - timedelta(days=45),
        candidate_deadline=today - timedelta(days=31),
        destinations=[
            calls.Destination(partner.country, partner.city, partner.id) for partner in partners
        ],
        places={schools[SCHELDELAND].id: 2, schools[LEERRIJK].id: 3},
        criteria=calls.default_criteria(),
        dual_learners_first=True,
    )
    return calls.open_call(promoter, staff, details)


def _candidate(call, applicant: Applicant, users, schools, registered_on: date) -> Candidate:
    """The candidate registered by their school, with their CV, the interview scored by
    the school's coordinator and coach, and the school's decision.
    """
    student = users[applicant.email]
    school = schools[applicant.school]
    coordinator, coach = (users[e] for e in SCHOOL_STAFF[applicant.school])
    candidate = db.session.scalar(
        select(Candidate).where(Candidate.call_id == call.id, Candidate.student_id == student.id)
    )
    if candidate is None:
        candidate = calls.register_candidate(call, student, school, coordinator, registered_on)
    if not candidate.cv:
        language, level = applicant.language
        calls.save_cv(
            candidate,
            student,
            calls.CurriculumVitae(
                education=f"Secondary and vocational education at {school.name}.",
                work_experience="Workplace learning in a Flemish company; a student job in "
                "the summer.",
                languages=[("Dutch", "C2"), ("English", "B1"), (language, level)],
                expectations="Work in a team abroad, learn how colleagues there tackle the "
                "job, and speak the language every day.",
                practical_needs="",
            ),
        )
    keys = [criterion.key for criterion in calls.criteria_of(call)]
    for scorer, change in ((coordinator, 0), (coach, -1)):
        if not calls.own_scores(candidate, scorer):
            calls.record_scores(
                candidate,
                scorer,
                {
                    key: calls.ScoreEntry(max(0, score + change * (index % 2)), "")
                    for index, (key, score) in enumerate(zip(keys, applicant.scores, strict=True))
                },
            )
    if candidate.decision is None:
        calls.decide(candidate, coordinator, applicant.decision, applicant.reason)
    return candidate


# -- before the stay --------------------------------------------------------------------


def _prepare_stay(
    placement: Placement, applicant: Applicant, coordinator: User, today: date, cohort: str
) -> None:
    """The school gives the participant their own two weeks in the call's window, their
    programme and cohort and the framework they are followed with; the participant
    approves taking part; the school delivers the insurance certificates, and has checked
    them for those who left.
    """
    start = today + timedelta(days=applicant.start)
    if placement.framework_id is None:
        framework = content_library().frameworks.get(FRAMEWORK)
        admin.update_placement(
            coordinator,
            placement,
            _changed(
                placement,
                start_date=start,
                end_date=start + timedelta(days=STAY_DAYS - 1),
                programme=applicant.programme,
                cohort=cohort,
                framework=framework,
            ),
        )
    found = mobility.file_of(placement)
    if found.item(ItemKind.PARTICIPANT_APPROVAL).missing:
        mobility.approve_participation(placement, placement.student, placement.student.name)
    for kind in INSURANCE:
        item = found.item(kind)
        if item.missing:
            mobility.deliver_file(
                placement, kind, coordinator, f"{kind.value}.pdf", io.BytesIO(_certificate(kind))
            )
        if applicant.stage in ("abroad", "closed") and item.status != ItemStatus.APPROVED:
            mobility.review_item(placement, kind, coordinator, accept=True, note="")


def _lodging(placement: Placement, host_coordinator: User, destination: int) -> None:
    """The host coordinator finds the participant a host family for the whole stay."""
    if not matching.lodgings_of(placement):
        matching.add_lodging(
            host_coordinator,
            placement,
            matching.LodgingData(
                LodgingKind.HOST_FAMILY,
                LODGINGS[destination],
                placement.start_date,
                placement.end_date - timedelta(days=1),
            ),
        )


@cache
def _certificate(kind: ItemKind) -> bytes:
    """A one-page PDF standing in for the insurer's certificate."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"Demo certificate: {kind.value.replace('_', ' ')}")
    return bytes(pdf.output())


def _guardian_link(placement: Placement, coach: User) -> None:
    """The coach e-mails the minor's guardian the approval link (once)."""
    if mobility.file_of(placement).guardian_link is None:
        mobility.send_guardian_link(
            placement,
            coach,
            guardian_name="Katrien Vermeulen",
            email="katrien.vermeulen@ouders.demo",
            language="nl",
        )


def _agreement(placement: Placement, stage: str, coach: User, mentor: User) -> None:
    """The coach drafts the learning agreement; the school and the participant sign it,
    and the host's mentor too unless the stage waits for them.
    """
    agreement = agreements.current(placement)
    if agreement is None:
        agreement = agreements.start(placement, coach)
        agreements.update(
            agreement,
            coach,
            replace(
                agreements.text_of(agreement),
                outcomes=["punctuality", "cooperation", "communication"],
                language_goals=["Greet customers and colleagues in the local language"],
                cultural_goals=["Visit the city and compare a working day with home"],
                tasks="Assist the team on site; prepare materials; report progress to the "
                "mentor at the end of each day.",
            ),
            expected_version=agreement.version,
        )
    signers = [coach, placement.student] + ([mentor] if stage != "agreement" else [])
    for signer in signers:
        for party, capacity in policy.agreement_parties(signer, placement).items():
            if agreement.signature_of(party) is None:
                agreements.sign(
                    agreement,
                    signer,
                    party,
                    capacity,
                    typed_name=signer.name,
                    consent=True,
                    expected_version=agreement.version,
                )


def _start(placement: Placement, coordinator: User) -> None:
    """The file complete, the school makes the mobility active."""
    if placement.status != PlacementStatus.PREPARING:
        return
    admin.update_placement(
        coordinator, placement, _changed(placement, status=PlacementStatus.ACTIVE)
    )


def _changed(placement: Placement, **changes) -> admin.PlacementData:
    """The placement as its edit form would send it, with `changes`."""
    data = admin.PlacementData(
        student=placement.student,
        school=placement.school,
        workplace=placement.workplace,
        mentor=placement.mentor,
        coach=placement.coach,
        kind=placement.kind,
        start_date=placement.start_date,
        end_date=placement.end_date,
        status=placement.status,
        notes=placement.notes,
        programme=placement.programme,
        cohort=placement.cohort,
        framework=content_library().frameworks.get(placement.framework_id or ""),
        rubric=None,
    )
    return replace(data, **changes)


# -- during the stay --------------------------------------------------------------------

WEEKS = [
    {
        "did": "Eerste dagen op de werf: kabelgoten gemonteerd met Vicent en de ploeg.",
        "went_well": "Ik begrijp de veiligheidsinstructies, ook in het Spaans.",
        "was_hard": "Snel Spaans aan de telefoon.",
        "need": "Een lijstje met de namen van het gereedschap.",
    },
    {
        "did": "Zelf stopcontacten geplaatst in een nieuw appartement.",
        "went_well": "Vicent liet me een hele kamer alleen afwerken.",
        "was_hard": "Vroeg beginnen: de werf start om 7 uur.",
        "need": "",
    },
    {
        "did": "Metingen gedaan met de ploeg en het verslag voor de klant mee voorbereid.",
        "went_well": "Ik stel nu zelf vragen in het Spaans.",
        "was_hard": "",
        "need": "",
    },
]
POSTS = [
    (
        "Aangekomen in València",
        "Na een vroege vlucht sta ik in **València**. Mijn gastgezin woont tien minuten van "
        "de werf. Morgen de eerste dag!",
    ),
    (
        "Mijn eerste week op de werf",
        "De ploeg begint om 7 uur en stopt om 15 uur; daarna is er tijd voor de stad. Ik leer "
        "elke dag vijf nieuwe woorden.",
    ),
]


def _abroad(placement: Placement, monitor: User, mentor: User, today: date) -> None:
    """A stay under way: weekly logs, feedback, a blog, the programme, a language goal and
    the coach's trip to visit.
    """
    student = placement.student
    weeks = []
    week = entries.monday_of(placement.start_date)
    while week <= min(today, placement.end_date) and len(weeks) < len(WEEKS):
        weeks.append(week)
        week += timedelta(weeks=1)
    for number, (week, sections) in enumerate(zip(weeks, WEEKS, strict=False)):
        if entries.weekly_log_for(placement, week) is not None:
            continue
        if number == len(weeks) - 1:
            # the mentor approved the weeks before; this week's log waits for them
            waiting = entries.weeks_to_approve(placement)
            if waiting:
                entries.approve_weeks(placement, mentor, {e.id: e.version for e in waiting})
        entries.create_entry(
            placement,
            student,
            EntryKind.WEEKLY_LOG,
            sections,
            week=week,
            wellbeing=4,
            submit=True,
            today=today,
        )
    has_feedback = db.session.scalar(
        select(LogEntry.id).where(
            LogEntry.placement_id == placement.id, LogEntry.kind == EntryKind.FEEDBACK
        )
    )
    if not has_feedback:
        entries.create_entry(
            placement,
            monitor,
            EntryKind.FEEDBACK,
            {
                "went_well": "Sara found her way in the city and on site very quickly.",
                "work_on": "Ask Vicent when something is unclear instead of waiting.",
                "next_step": "Next week she presents her work to the team, in Spanish.",
            },
        )
    if not stay.posts_of(placement):
        for title, body in POSTS:
            stay.write_post(placement, student, title, body)
        stay.set_participant_consent(placement, student, consents=True)
    if not stay.activities_of(placement):
        first = stay.plan_activity(
            placement,
            monitor,
            day=placement.start_date + timedelta(days=1),
            title="Walking tour of the old town",
            place="Plaça de la Reina",
            description="Meet at 17:00 in front of the cathedral.",
        )
        stay.plan_activity(
            placement,
            monitor,
            day=placement.end_date - timedelta(days=1),
            title="Farewell paella with the host families",
            place="Intercambio Levante",
            description="",
        )
        stay.reflect(
            first,
            student,
            "De oude stad is mooi; ik wist niet dat València zo groen is.",
            today,
        )
    if stay.language_goal_of(placement) is None:
        stay.save_language_goal(
            placement,
            student,
            language="Spanish",
            goal="Talk with colleagues about the work of the day.",
            before={"listening": "A2", "reading": "A2", "spoken_interaction": "A1"},
            after={},
            expected_version=None,
        )
    coach = placement.coach
    trip = db.session.scalar(
        select(Trip).where(Trip.coach_id == coach.id, Trip.destination == "València")
    )
    if trip is None:
        trip = stay.create_trip(
            coach,
            placement.school_id,
            destination="València",
            start=max(today, placement.start_date),
            end=min(today + timedelta(days=1), placement.end_date),
        )
        stay.add_participants(trip, coach, [placement.id])


# -- after the stay ---------------------------------------------------------------------

REPORT = closing.ReportText(
    professional="Ik heb elektrische installaties in nieuwbouw afgewerkt, van kabelgoten tot "
    "metingen, in een ploeg van vijf.",
    language="Mijn Spaans ging van A2 naar B1 bij luisteren: op het einde volgde ik de "
    "briefing van 's morgens.",
    intercultural="Op de werf wordt meer overlegd en later gegeten; ik heb me snel aangepast.",
    personal="Ik ben zelfstandiger geworden en durf nu vragen te stellen.",
    advice="Leer vooraf de namen van het gereedschap en neem werkschoenen mee.",
)
# (indicator, competence, participant, host, school): the levels at the end of the stay
LEVELS = [
    ("on-time", "punctuality", 4, 4, 4),
    ("meets-deadlines", "punctuality", 3, 3, 3),
    ("does-own-share", "cooperation", 4, 3, 3),
    ("asks-when-unclear", "communication", 3, 3, 2),
]


def _close(placement: Placement, coach: User, monitor: User, mentor: User) -> None:
    """The stay is over: levels registered by all three, the stage report, the survey,
    both confirmations of the final scores and the coach's sign-off.
    """
    if placement.status != PlacementStatus.ACTIVE:
        return
    framework = competences.framework_of(placement)
    if not competences.latest_registrations(placement):
        by_competence: dict[str, list] = {}
        for indicator, competence, *levels in LEVELS:
            by_competence.setdefault(competence, []).append((indicator, levels))
        for column, author in enumerate((placement.student, mentor, coach)):
            for competence_id, rows in by_competence.items():
                competences.register(
                    placement,
                    author,
                    competences.find_competence(framework, competence_id),
                    [
                        competences.Judgement(indicator, Setting.WORKPLACE, levels[column])
                        for indicator, levels in rows
                    ],
                    observed_on=placement.end_date,
                )
    report = closing.report_of(placement)
    if report is None or not report.is_submitted:
        closing.save_report(
            placement,
            placement.student,
            REPORT,
            expected_version=report.version if report else None,
            submit=True,
        )
    state = closing.closing_of(placement)
    if not state.survey_confirmed:
        closing.confirm_survey(placement, placement.student, placement.end_date + timedelta(days=2))
    for side, user in ((closing.Side.MONITOR, monitor), (closing.Side.COACH, coach)):
        if not closing.closing_of(placement).confirmed(side):
            closing.confirm_scores(
                placement, user, side, digest=closing.final_scores(placement).digest
            )
    closing.close(placement, coach)
