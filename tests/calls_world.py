"""A call of the world's promoter, for the tests that walk every route and form: School
A a member of the consortium, a call with three places for it, and student A its
candidate, scored by coach A and a reserve; `ready_for_matching` selects student A after
all and makes them ready for the host partner's matching.
"""

from __future__ import annotations

from datetime import timedelta

from app.calls import participants, services
from app.extensions import db
from app.models import Candidate, Decision, Organisation, User
from tests.conftest import monday


def calls_world(app, world) -> dict[str, int]:
    """The ids `call_a`, `candidate_a` and `membership_a`."""
    today = world.today
    with app.app_context():
        promoter = db.session.get(Organisation, world.promoter_org.id)
        school = db.session.get(Organisation, world.school_a.id)
        by = db.session.get(User, world.promoter.id)
        membership = services.add_member(promoter, school, today - timedelta(days=30), None, by)
        start = monday(today, 8)
        call = services.open_call(
            promoter,
            by,
            services.CallDetails(
                title="Two weeks in Valencia",
                placement_start=start,
                placement_end=start + timedelta(days=11),
                interest_deadline=today + timedelta(days=7),
                candidate_deadline=today + timedelta(days=21),
                destinations=[services.Destination("ES", "Valencia", world.host_partner.id)],
                places={school.id: 3},
                criteria=services.default_criteria(),
                dual_learners_first=True,
            ),
        )
        candidate = services.register_candidate(
            call,
            db.session.get(User, world.student_a.id),
            school,
            db.session.get(User, world.coordinator_a.id),
            today,
        )
        services.record_scores(
            db.session.get(Candidate, candidate.id),
            db.session.get(User, world.coach_a.id),
            {"motivation": services.ScoreEntry(8, "Keen to go")},
        )
        services.decide(
            db.session.get(Candidate, candidate.id),
            db.session.get(User, world.coordinator_a.id),
            Decision.RESERVE,
            "Motivated; the places went to dual learners with a higher total.",
        )
        return {"call_a": call.id, "candidate_a": candidate.id, "membership_a": membership.id}


def ready_for_matching(app, world, candidate_id: int) -> dict[str, int]:
    """Candidate A selected after all, and made ready for matching in Valencia."""
    with app.app_context():
        candidate = db.session.get(Candidate, candidate_id)
        coordinator = db.session.get(User, world.coordinator_a.id)
        services.decide(candidate, coordinator, Decision.SELECTED, "A place came free.")
        destination = candidate.call.destinations[0]
        participants.prepare(
            candidate,
            coordinator,
            participants.Preparation(destination.id, world.coach_a.id, False, ""),
        )
        return {"destination_a": destination.id}
