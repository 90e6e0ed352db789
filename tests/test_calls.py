"""Calls, candidates and selection: the promoter's consortium and calls, candidates
registered by their school or applying themselves, the CV and expectations form, the
interview scores, the ranking with the priority rule, decisions and the selection report.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.calls import services
from app.domain import DomainError
from app.extensions import db
from app.models import (
    Candidate,
    ConsortiumMembership,
    Decision,
    InterviewScore,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    Role,
    User,
)
from app.models.calls import SelectionReport
from app.privacy import retention
from tests.conftest import make_user, monday

SEED_CRITERIA = [
    ("Motivation", 40),
    ("Personal and professional maturity", 30),
    ("Basic knowledge of the destination's language", 15),
    ("Agreement with the practical arrangements", 15),
]


# The helpers below act in English, as a promoter who types the criteria in English: the
# default criteria's labels and the refusals' words are read in the acting context.


def promoter_org_id(world) -> int:
    return world.promoter_org.id


def call_details(today, host_partner_id: int | None = None, **changes) -> services.CallDetails:
    start = monday(today, 8)
    details = services.CallDetails(
        title="Two weeks in Valencia",
        placement_start=start,
        placement_end=start + timedelta(days=11),
        interest_deadline=today + timedelta(days=7),
        candidate_deadline=today + timedelta(days=21),
        destinations=[services.Destination("ES", "Valencia", host_partner_id)],
        places={},
        criteria=services.default_criteria(),
        dual_learners_first=True,
    )
    for name, value in changes.items():
        setattr(details, name, value)
    return details


def open_consortium_call(app, world, today, *, members=("school_a",), **changes) -> int:
    """School A (by default) a member of the promoter's consortium since a month, and a
    call of the promoter with three places for each member; returns the call's id.
    """
    with app.app_context(), force_locale("en"):
        promoter = db.session.get(Organisation, promoter_org_id(world))
        by = db.session.get(User, world.promoter.id)
        places = {}
        for name in members:
            school = db.session.get(Organisation, getattr(world, name).id)
            services.add_member(promoter, school, today - timedelta(days=30), None, by)
            places[school.id] = 3
        details = call_details(today, world.host_partner.id, places=places, **changes)
        return services.open_call(promoter, by, details).id


@pytest.fixture
def call_id(app, world, today):
    return open_consortium_call(app, world, today)


def register(app, call_id, student, school, by, today) -> int:
    with app.app_context(), force_locale("en"):
        return services.register_candidate(
            db.session.get(MobilityCall, call_id),
            db.session.get(User, student.id),
            db.session.get(Organisation, school.id),
            db.session.get(User, by.id),
            today,
        ).id


def score(app, candidate_id, scorer, values: dict[str, int], note: str = "") -> None:
    with app.app_context(), force_locale("en"):
        services.record_scores(
            db.session.get(Candidate, candidate_id),
            db.session.get(User, scorer.id),
            {key: services.ScoreEntry(value, note) for key, value in values.items()},
        )


def call_form(today, **changes) -> dict:
    """The call form as a browser sends it, with the seed's criteria."""
    start = monday(today, 8)
    form = {
        "title": "Two weeks in Porto",
        "placement_start": start.isoformat(),
        "placement_end": (start + timedelta(days=11)).isoformat(),
        "interest_deadline": (today + timedelta(days=7)).isoformat(),
        "candidate_deadline": (today + timedelta(days=21)).isoformat(),
        "destinations-0-country": "PT",
        "destinations-0-city": "Porto",
        "destinations-0-host_partner": "",
        "dual_learners_first": "y",
    }
    for index, (label, weight) in enumerate(SEED_CRITERIA):
        form[f"criteria-{index}-criterion"] = label
        form[f"criteria-{index}-weight"] = str(weight)
    form.update(changes)
    return form


# -- calls ------------------------------------------------------------------------------


def test_the_call_form_starts_from_the_seeds_criteria_and_the_priority_rule(
    world, login_as, in_english
):
    page = login_as(world.promoter).get("/calls/new").get_data(as_text=True)
    for label, weight in SEED_CRITERIA:
        assert label.replace("'", "&#39;") in page
        assert f'value="{weight}"' in page
    assert re.search(r'<input checked id="dual_learners_first"', page)


def test_a_promoter_opens_a_call_with_the_seeds_weights(app, world, login_as, today, in_english):
    response = login_as(world.promoter).post("/calls/new", call_form(today))
    assert response.status_code == 302
    with app.app_context():
        call = db.session.scalar(select(MobilityCall))
        assert [(c["label"], c["weight"]) for c in call.criteria] == [
            (label, weight) for label, weight in SEED_CRITERIA
        ]
        assert [c["key"] for c in call.criteria] == [
            "motivation",
            "maturity",
            "language",
            "arrangements",
        ]
        assert call.dual_learners_first
        assert [(d.country, d.city) for d in call.destinations] == [("PT", "Porto")]


def test_weights_that_do_not_add_up_to_100_are_refused_with_their_sum(
    app, world, login_as, today, in_english
):
    response = login_as(world.promoter).post(
        "/calls/new", call_form(today, **{"criteria-0-weight": "25"})
    )
    assert response.status_code == 422
    assert "The weights add up to 85; they must add up to 100." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(MobilityCall.id))) == 0


def test_a_promoter_may_change_the_criteria_as_long_as_they_add_up(app, world, today, in_english):
    call_id = open_consortium_call(app, world, today)
    with app.app_context(), force_locale("en"):  # the promoter types the labels in English
        call = db.session.get(MobilityCall, call_id)
        criteria = [
            services.Criterion("", "Motivation", 50),
            services.Criterion("", "Teamwork", 50),
        ]
        assert services.change_call(
            call,
            db.session.get(User, world.promoter.id),
            call_details(today, criteria=criteria, places={world.school_a.id: 3}),
        )
        assert [(c["key"], c["weight"]) for c in call.criteria] == [
            ("motivation", 50),
            ("c1", 50),
        ]


def test_deadlines_after_the_placements_start_are_refused(app, world, today):
    with app.app_context():
        promoter = db.session.get(Organisation, promoter_org_id(world))
        details = call_details(today, candidate_deadline=monday(today, 9))
        with pytest.raises(DomainError) as refused:
            services.open_call(promoter, db.session.get(User, world.promoter.id), details)
        assert refused.value.field == "candidate_deadline"


def test_a_promoter_sees_its_calls_and_nothing_of_the_schools_placements(
    app, world, login_as, call_id
):
    browser = login_as(world.promoter)
    assert browser.get(f"/calls/{call_id}").status_code == 200
    assert browser.get(f"/placements/{world.placement_a.id}").status_code == 404
    assert "Student A" not in browser.get("/").get_data(as_text=True)


def test_a_promoter_of_another_consortium_sees_nothing_of_the_call(app, world, login_as, call_id):
    with app.app_context():
        other = Organisation(name="Other Promoter", kind=OrganisationKind.PROMOTER)
        db.session.add(other)
        db.session.flush()
        person = make_user("other@promoter.example", "Otto Promoter", (Role.PROMOTER, other))
        db.session.commit()
        person_id = person.id
    browser = login_as(SimpleNamespace(id=person_id))
    assert browser.get(f"/calls/{call_id}").status_code == 404
    assert browser.get(f"/calls/{call_id}/edit").status_code == 404
    assert "Two weeks in Valencia" not in browser.get("/calls").get_data(as_text=True)


def test_a_school_outside_the_consortium_sees_nothing_of_the_call(world, login_as, call_id):
    assert login_as(world.coordinator_b).get(f"/calls/{call_id}").status_code == 404
    assert login_as(world.student_b).get(f"/calls/{call_id}").status_code == 404


# -- candidates -------------------------------------------------------------------------


def test_the_coordinator_registers_a_student_of_the_school(app, world, login_as, call_id):
    browser = login_as(world.coordinator_a)
    response = browser.post(f"/calls/{call_id}/candidates/new", {"student": world.student_a.id})
    assert response.status_code == 302
    with app.app_context():
        candidate = db.session.scalar(select(Candidate))
        assert (candidate.student_id, candidate.school_id) == (
            world.student_a.id,
            world.school_a.id,
        )


def test_a_second_application_to_the_same_call_is_refused(
    app, world, login_as, call_id, today, in_english
):
    register(app, call_id, world.student_a, world.school_a, world.coordinator_a, today)
    response = login_as(world.coordinator_a).post(
        f"/calls/{call_id}/candidates/new", {"student": world.student_a.id}
    )
    assert response.status_code == 422
    assert "is a candidate of this call already" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Candidate.id))) == 1


def test_a_candidate_after_the_deadline_is_refused(app, world, today, in_english):
    call_id = open_consortium_call(
        app,
        world,
        today,
        interest_deadline=today - timedelta(days=3),
        candidate_deadline=today - timedelta(days=1),
    )
    with pytest.raises(DomainError, match="this call takes no more candidates"):
        register(app, call_id, world.student_a, world.school_a, world.coordinator_a, today)


def test_a_student_of_another_school_is_refused(app, world, call_id, today, in_english):
    with pytest.raises(DomainError, match="is not a student of"):
        register(app, call_id, world.student_b, world.school_a, world.coordinator_a, today)


def test_a_school_whose_mandate_does_not_run_is_refused(app, world, call_id, today, in_english):
    with app.app_context():
        membership = db.session.scalar(select(ConsortiumMembership))
        membership.mandate_until = today - timedelta(days=1)
        db.session.commit()
    with pytest.raises(DomainError, match="no running mandate"):
        register(app, call_id, world.student_a, world.school_a, world.coordinator_a, today)


def test_a_school_not_in_the_consortium_is_refused(app, world, call_id, today, in_english):
    with pytest.raises(DomainError, match="no running mandate"):
        register(app, call_id, world.student_b, world.school_b, world.coordinator_b, today)


def test_the_coordinator_is_offered_only_the_students_of_the_school(world, login_as, call_id):
    page = login_as(world.coordinator_a).get(f"/calls/{call_id}/candidates/new")
    assert "Student A" in page.get_data(as_text=True)
    assert "Student B" not in page.get_data(as_text=True)
    refused = login_as(world.coordinator_a).post(
        f"/calls/{call_id}/candidates/new", {"student": world.student_b.id}
    )
    assert refused.status_code == 422


def test_a_student_applies_and_fills_in_the_cv_in_english(
    app, world, login_as, call_id, in_english
):
    browser = login_as(world.student_a)
    assert "Apply for this call" in browser.get(f"/calls/{call_id}").get_data(as_text=True)
    response = browser.post(f"/calls/{call_id}/apply")
    assert response.status_code == 302
    with app.app_context():
        candidate_id = db.session.scalar(select(Candidate.id))
    saved = browser.post(
        f"/candidates/{candidate_id}/cv",
        {
            "education": "Electrical installations, year 6",
            "work_experience": "Two years of dual learning at Company X",
            "languages-0-language": "Spanish",
            "languages-0-level": "A2",
            "languages-1-language": "English",
            "languages-1-level": "B1",
            "expectations": "Wiring in a big company",
            "practical_needs": "Vegetarian",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        cv = db.session.get(Candidate, candidate_id).cv
        assert cv["languages"] == [
            {"language": "Spanish", "level": "A2"},
            {"language": "English", "level": "B1"},
        ]
    page = login_as(world.coordinator_a).get(f"/candidates/{candidate_id}").get_data(as_text=True)
    assert "Wiring in a big company" in page
    assert "Spanish (A2)" in page
    pdf = login_as(world.coordinator_a).get(f"/candidates/{candidate_id}/cv.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_a_level_outside_cefr_is_refused(app, world, login_as, call_id, today):
    candidate_id = register(app, call_id, world.student_a, world.school_a, world.student_a, today)
    response = login_as(world.student_a).post(
        f"/candidates/{candidate_id}/cv",
        {"languages-0-language": "Spanish", "languages-0-level": "D4"},
    )
    assert response.status_code == 422


def test_a_dual_learner_is_computed_from_the_students_placements(app, world, today):
    with app.app_context():
        assert services.dual_learners({world.student_a.id, world.student_b.id}) == {
            world.student_a.id
        }


# -- selection --------------------------------------------------------------------------

ALL_EIGHT = dict.fromkeys(("motivation", "maturity", "language", "arrangements"), 8)


def test_the_result_is_the_mean_of_the_scorers_weighted_to_100(app, world, call_id, today):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    score(app, candidate_id, world.coordinator_a, ALL_EIGHT)
    score(app, candidate_id, world.coach_a, {**ALL_EIGHT, "motivation": 4})
    with app.app_context():
        call = db.session.get(MobilityCall, call_id)
        result = services.results(call, [candidate_id])[candidate_id]
    assert result.means["motivation"] == 6
    # 6/10·40 + 8/10·30 + 8/10·15 + 8/10·15 = 24 + 24 + 12 + 12
    assert result.total == 72
    assert result.scorers == sorted([world.coach_a.name, world.coordinator_a.name])


def test_each_scorer_changes_only_their_own_scores(app, world, call_id, today):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    score(app, candidate_id, world.coordinator_a, ALL_EIGHT)
    score(app, candidate_id, world.coach_a, {"motivation": 2})
    with app.app_context():
        rows = db.session.execute(
            select(InterviewScore.scorer_id, func.count()).group_by(InterviewScore.scorer_id)
        ).all()
    assert dict(rows) == {world.coordinator_a.id: 4, world.coach_a.id: 1}


def test_a_score_outside_0_to_10_is_refused_clearly(
    app, world, login_as, call_id, today, in_english
):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    response = login_as(world.coach_a).post(
        f"/candidates/{candidate_id}/scores", {"score_motivation": "11", "note_motivation": "Keen"}
    )
    assert response.status_code == 422
    assert "A score is a whole number from 0 to 10." in response.get_data(as_text=True)
    with pytest.raises(DomainError, match="from 0 to 10"):
        score(app, candidate_id, world.coach_a, {"motivation": -1})
    with app.app_context():
        assert db.session.scalar(select(func.count(InterviewScore.id))) == 0


def test_a_decision_needs_a_reason(app, world, login_as, call_id, today, in_english):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    response = login_as(world.coordinator_a).post(
        f"/candidates/{candidate_id}/decision", {"decision": "selected", "reason": "  "}
    )
    assert response.status_code == 422
    assert "Give the reason for the decision." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Candidate, candidate_id).decision is None


def test_the_candidate_sees_the_result_and_reason_never_the_scores(
    app, world, login_as, call_id, today, in_english
):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    score(app, candidate_id, world.coach_a, ALL_EIGHT, note="Secret remark of the coach")
    browser = login_as(world.student_a)
    page = browser.get(f"/candidates/{candidate_id}").get_data(as_text=True)
    assert "Secret remark" not in page
    assert "Weighted total" not in page
    assert browser.get(f"/candidates/{candidate_id}/scores").status_code == 403
    login_as(world.coordinator_a).post(
        f"/candidates/{candidate_id}/decision",
        {"decision": "reserve", "reason": "Strong, but the places went to dual learners."},
    )
    page = browser.get(f"/candidates/{candidate_id}").get_data(as_text=True)
    assert "Reserve" in page
    assert "the places went to dual learners" in page
    assert "Secret remark" not in page
    assert "Coach A" not in page
    school_page = login_as(world.coach_a).get(f"/candidates/{candidate_id}").get_data(as_text=True)
    assert "Secret remark of the coach" in school_page


def test_another_student_sees_nothing_of_a_candidate(app, world, login_as, call_id, today):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    assert login_as(world.student_b).get(f"/candidates/{candidate_id}").status_code == 404


def second_call(app, world, today) -> int:
    """Another call of the promoter, for the same members."""
    with app.app_context():
        promoter = db.session.get(Organisation, promoter_org_id(world))
        details = call_details(today, title="Two weeks in Porto", places={world.school_a.id: 3})
        return services.open_call(promoter, db.session.get(User, world.promoter.id), details).id


def add_candidates(app, world, today, call_id: int, count: int, prefix: str = "Cand") -> None:
    """`count` more students of School A as candidates of the call, every other one a
    dual learner, each scored by coordinator A (the nth: n modulo 11 on every criterion).
    """
    with app.app_context():
        school = db.session.get(Organisation, world.school_a.id)
        call = db.session.get(MobilityCall, call_id)
        coordinator = db.session.get(User, world.coordinator_a.id)
        for number in range(count):
            student = make_user(
                f"{prefix.lower()}{number}@a.example",
                f"{prefix} {number:03d}",
                (Role.STUDENT, school),
            )
            db.session.flush()
            if number % 2 == 0:
                db.session.add(
                    Placement(
                        student_id=student.id,
                        school_id=school.id,
                        workplace_id=world.company_x.id,
                        mentor_id=world.mentor_x.id,
                        coach_id=world.coach_a.id,
                        kind=PlacementKind.DUAL_LEARNING,
                        start_date=today - timedelta(days=60),
                        end_date=today + timedelta(days=200),
                    )
                )
            db.session.add(
                candidate := Candidate(
                    call_id=call.id,
                    student_id=student.id,
                    school_id=school.id,
                    registered_by_id=coordinator.id,
                    cv={},
                )
            )
            db.session.flush()
            db.session.add_all(
                InterviewScore(
                    candidate_id=candidate.id,
                    scorer_id=coordinator.id,
                    criterion=key,
                    score=number % 11,
                )
                for key in ALL_EIGHT
            )
        db.session.commit()


def ranked_names(app, call_id: int, school_id: int) -> list[tuple[str, bool]]:
    with app.app_context():
        call = db.session.get(MobilityCall, call_id)
        return [
            (r.candidate.student.name, r.dual_learner) for r in services.ranking(call, school_id)
        ]


def test_the_ranking_puts_dual_learners_first_then_the_total(app, world, today, call_id):
    add_candidates(app, world, today, call_id, 4)
    # Cand 000 and 002 learn in dual learning (totals 0 and 20), 001 and 003 do not (10, 30).
    assert ranked_names(app, call_id, world.school_a.id) == [
        ("Cand 002", True),
        ("Cand 000", True),
        ("Cand 003", False),
        ("Cand 001", False),
    ]
    with app.app_context():
        db.session.get(MobilityCall, call_id).dual_learners_first = False
        db.session.commit()
    assert [name for name, _dual in ranked_names(app, call_id, world.school_a.id)] == [
        "Cand 003",
        "Cand 002",
        "Cand 001",
        "Cand 000",
    ]


def test_the_ranking_page_shows_the_rule_and_the_priority(
    app, world, login_as, today, call_id, in_english
):
    add_candidates(app, world, today, call_id, 2)
    text = (
        login_as(world.coach_a)
        .get(f"/calls/{call_id}/schools/{world.school_a.id}")
        .get_data(as_text=True)
    )
    assert "Priority rule: dual learners first" in text
    assert text.index("Cand 000") < text.index("Cand 001")


def test_the_ranking_runs_as_many_queries_for_200_candidates_as_for_2(
    app, world, today, call_id, count_queries
):
    add_candidates(app, world, today, call_id, 2, "Few")
    crowded = second_call(app, world, today)
    add_candidates(app, world, today, crowded, 200, "Many")
    counts = []
    for measured in (call_id, crowded):
        with app.app_context():
            call = db.session.get(MobilityCall, measured)
            with count_queries() as counter:
                services.ranking(call, world.school_a.id)
            counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_ranking_page_runs_as_many_queries_for_200_candidates_as_for_2(
    app, world, today, call_id, login_as, count_queries
):
    add_candidates(app, world, today, call_id, 2, "Few")
    crowded = second_call(app, world, today)
    add_candidates(app, world, today, crowded, 200, "Many")
    browser = login_as(world.coordinator_a)
    counts = []
    for measured in (call_id, crowded):
        with count_queries() as counter:
            assert browser.get(f"/calls/{measured}/schools/{world.school_a.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_selected_candidates_are_given_in_ranking_order(app, world, today, call_id):
    add_candidates(app, world, today, call_id, 4)
    with app.app_context():
        call = db.session.get(MobilityCall, call_id)
        coordinator = db.session.get(User, world.coordinator_a.id)
        for candidate in db.session.scalars(select(Candidate)):
            number = int(candidate.student.name.split()[-1])
            decision = Decision.SELECTED if number in (0, 3) else Decision.NOT_SELECTED
            services.decide(candidate, coordinator, decision, "Interview and places.")
        school = db.session.get(Organisation, world.school_a.id)
        names = [c.student.name for c in services.selected_candidates(call, school)]
    assert names == ["Cand 000", "Cand 003"]


# -- the selection report ---------------------------------------------------------------


def test_the_report_is_prefilled_edited_and_exported(
    app, world, login_as, today, call_id, in_english
):
    candidate_id = register(
        app, call_id, world.student_a, world.school_a, world.coordinator_a, today
    )
    score(app, candidate_id, world.coach_a, ALL_EIGHT)
    browser = login_as(world.coordinator_a)
    browser.post(
        f"/candidates/{candidate_id}/decision",
        {"decision": "selected", "reason": "Motivated and ready."},
    )
    path = f"/calls/{call_id}/schools/{world.school_a.id}/report"
    page = browser.get(path).get_data(as_text=True)
    for expected in (
        "Motivation: 40",
        "Interviewed by: Coach A",
        "Student A (dual learner): 80/100",
        "Motivated and ready.",
    ):
        assert expected in page
    assert browser.post(path, {"text": "Our own report: Student A goes."}).status_code == 302
    assert "Our own report" in browser.get(path).get_data(as_text=True)
    pdf = login_as(world.promoter).get(f"{path}.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert login_as(world.promoter).get(path).status_code == 403
    assert login_as(world.coach_a).post(path, {"text": "Mine"}).status_code == 403


def test_a_prefilled_report_saved_unchanged_stores_nothing(app, world, login_as, call_id):
    browser = login_as(world.coordinator_a)
    path = f"/calls/{call_id}/schools/{world.school_a.id}/report"
    page = browser.get(path).get_data(as_text=True)
    text = page.split('name="text"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    browser.post(path, {"text": html.unescape(text)})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SelectionReport)) == 0


# -- retention --------------------------------------------------------------------------


def test_a_calls_selection_goes_two_school_years_after_its_placements(app, world, today):
    recent = open_consortium_call(app, world, today)
    register(app, recent, world.student_a, world.school_a, world.coordinator_a, today)
    old = second_call(app, world, today)
    candidate_id = register(app, old, world.student_a, world.school_a, world.coordinator_a, today)
    score(app, candidate_id, world.coach_a, ALL_EIGHT)
    with app.app_context():
        call = db.session.get(MobilityCall, old)
        call.placement_start = date(today.year - 3, 5, 4)
        call.placement_end = date(today.year - 3, 5, 15)
        call.interest_deadline = call.candidate_deadline = date(today.year - 3, 3, 1)
        db.session.commit()
        numbers = retention.purge(datetime.now(UTC))
        assert numbers["mobility_call"] == 1
        assert numbers["candidate"] == 1
        assert numbers["interview_score"] == 4
        assert db.session.scalars(select(MobilityCall.id)).all() == [recent]
        assert db.session.scalar(select(func.count(Candidate.id))) == 1


def test_the_menu_shows_mobility_to_who_takes_part_in_calls(world, login_as, in_english):
    assert 'href="/calls"' in login_as(world.promoter).get("/calls").get_data(as_text=True)
    assert 'href="/calls"' in login_as(world.student_a).get("/").get_data(as_text=True)
    assert 'href="/calls"' not in login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert 'href="/calls"' not in login_as(world.monitor).get("/").get_data(as_text=True)


# -- the consortium ---------------------------------------------------------------------


def test_the_promoter_takes_a_school_into_its_consortium_with_a_mandate(
    app, world, login_as, today, in_english
):
    browser = login_as(world.promoter)
    form = {
        "promoter": world.promoter_org.id,
        "school": world.school_b.id,
        "mandate_from": today.isoformat(),
        "mandate_until": (today - timedelta(days=1)).isoformat(),
    }
    refused = browser.post("/calls/consortium", form)
    assert refused.status_code == 422
    assert "The mandate ends before it starts." in refused.get_data(as_text=True)
    form["mandate_until"] = (today + timedelta(days=365)).isoformat()
    assert browser.post("/calls/consortium", form).status_code == 302
    again = browser.post("/calls/consortium", form)
    assert "This school is a member of the consortium already." in again.get_data(as_text=True)
    with app.app_context():
        membership = db.session.scalar(select(ConsortiumMembership))
        assert (membership.school_id, membership.mandate_from) == (world.school_b.id, today)


def test_a_promoter_manages_only_its_own_consortium(app, world, login_as, call_id, in_english):
    with app.app_context():
        other = Organisation(name="Other Promoter", kind=OrganisationKind.PROMOTER)
        db.session.add(other)
        db.session.flush()
        person = make_user("o@promoter.example", "Otto", (Role.PROMOTER, other))
        db.session.commit()
        person_id = person.id
        membership_id = db.session.scalar(select(ConsortiumMembership.id))
    browser = login_as(SimpleNamespace(id=person_id))
    page = browser.get("/calls/consortium").get_data(as_text=True)
    assert "Member schools" not in page  # School A is only among the schools to choose
    assert "Mobility Promoter" not in page
    assert browser.post(f"/calls/consortium/{membership_id}/remove").status_code == 404
    refused = browser.post(
        "/calls/consortium",
        {
            "promoter": world.promoter_org.id,
            "school": world.school_b.id,
            "mandate_from": "2020-01-01",
        },
    )
    assert refused.status_code == 422  # not a consortium of theirs to choose
    with app.app_context():
        assert db.session.scalar(select(func.count(ConsortiumMembership.id))) == 1


def test_a_coordinator_changes_nothing_of_a_call(app, world, login_as, call_id, today):
    assert (
        login_as(world.coordinator_a).post(f"/calls/{call_id}/edit", call_form(today)).status_code
        == 403
    )
    assert login_as(world.coordinator_a).get("/calls/consortium").status_code == 403


def test_the_promoter_changes_the_places_of_a_school(app, world, login_as, call_id, today):
    form = call_form(
        today,
        title="Two weeks in Valencia",
        **{
            "destinations-0-country": "ES",
            "destinations-0-city": "Valencia",
            "destinations-0-host_partner": str(world.host_partner.id),
            "places-0-school": str(world.school_a.id),
            "places-0-places": "5",
        },
    )
    assert login_as(world.promoter).post(f"/calls/{call_id}/edit", form).status_code == 302
    with app.app_context():
        assert db.session.get(MobilityCall, call_id).places_for(world.school_a.id) == 5
