"""Links that must sound different: a student in dual learning who goes abroad has two
placements at once, and every list of links to placements names where and what kind for
the ear; a candidate's own application and the call it is for are two links too.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.calls import services as calls
from app.extensions import db
from app.models import Candidate, User
from tests.calls_world import calls_world

pytestmark = pytest.mark.usefixtures("in_english")


def link_names(html: str, href: str) -> list[str]:
    """The text of every link to `href`, the visually hidden part included."""
    found = re.findall(rf'<a[^>]*href="{re.escape(href)}"[^>]*>(.*?)</a>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def placement_links(world) -> dict[str, str]:
    return {
        f"/placements/{world.placement_a.id}": "Student A — Company X (Dual learning)",
        f"/placements/{world.placement_m.id}": "Student A — Taller Valencia (Mobility abroad)",
    }


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("student_a", "/"),  # the cards of the home page
        ("coach_a", "/"),  # the coach's caseload on the home page
        ("coordinator_a", "/caseload"),  # the caseload as a list
        ("coordinator_a", "/caseload?view=table"),  # and as a table
    ],
)
def test_each_placement_of_one_student_has_its_own_link_name(world, login_as, role, path):
    html = login_as(getattr(world, role)).get(path).get_data(as_text=True)
    for href, name in placement_links(world).items():
        names = link_names(html, href)
        assert names, (href, path)
        assert set(names) == {name}, (href, path)


def test_the_student_name_is_what_the_eye_reads_first(world, login_as):
    html = login_as(world.student_a).get("/").get_data(as_text=True)
    assert (
        'Student A<span class="visually-hidden"> — Taller Valencia (Mobility abroad)</span>' in html
    )


def test_the_application_and_its_call_are_two_link_names(app, world, login_as):
    ids = calls_world(app, world)
    html = login_as(world.student_a).get("/calls").get_data(as_text=True)
    assert link_names(html, f"/candidates/{ids['candidate_a']}") == [
        "Your application: Two weeks in Valencia"
    ]
    assert link_names(html, f"/calls/{ids['call_a']}") == ["Two weeks in Valencia"]


def test_scores_and_totals_are_written_the_dutch_way(app, world, login_as):
    ids = calls_world(app, world)
    with app.app_context(), force_locale("en"):
        candidate = db.session.get(Candidate, ids["candidate_a"])
        entries = {c.key: calls.ScoreEntry(7, "") for c in calls.criteria_of(candidate.call)}
        calls.record_scores(candidate, db.session.get(User, world.coordinator_a.id), entries)
        # Coach A gave motivation 8, the coordinator 7: a mean of 7.5.
        db.session.get(User, world.coordinator_a.id).locale = "nl"
        db.session.commit()
    browser = login_as(world.coordinator_a)
    candidate_page = browser.get(f"/candidates/{ids['candidate_a']}").get_data(as_text=True)
    assert "(40): 7,5</li>" in candidate_page
    assert "/100" in candidate_page
    assert "7.5" not in candidate_page
    ranking = browser.get(f"/calls/{ids['call_a']}/schools/{world.school_a.id}")
    assert "<td>7,5</td>" in ranking.get_data(as_text=True)


def test_the_score_form_names_each_field_score_under_its_criterion(app, world, login_as):
    ids = calls_world(app, world)
    page = login_as(world.coach_a).get(f"/candidates/{ids['candidate_a']}/scores")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[-2000:]
    legends = re.findall(r"<legend>(.*?)</legend>", text)
    assert len(legends) == 4  # the seed's criteria, each a group
    assert '<label for="score_motivation">Score</label>' in text
    assert not any(f">{legend}</label>" in text for legend in legends)


def test_a_matching_saved_unchanged_says_so(world, login_as):
    browser = login_as(world.host_coordinator)
    placement = world.placement_m
    form = {
        "workplace": str(world.host_company.id),
        "mentor": str(world.mentor_es.id),
        "monitor": str(world.monitor.id),
    }
    response = browser.post(f"/placements/{placement.id}/matching", form)
    assert response.status_code == 302
    assert "Nothing changed." in browser.get(response.headers["Location"]).get_data(as_text=True)


def test_the_call_form_folds_its_spare_rows(world, login_as):
    browser = login_as(world.promoter)
    html = browser.get("/calls/new").get_data(as_text=True)
    # the seed's four criteria and one empty row are open; the rest is folded
    folded = html.split("<summary>More criteria</summary>", 1)[1].split("</details>", 1)[0]
    assert 'id="criteria-4-criterion"' not in folded
    assert 'id="criteria-5-criterion"' in folded
    destinations = html.split("<summary>More destinations</summary>", 1)[1]
    assert 'id="destinations-0-country"' not in destinations
    assert 'id="destinations-1-country"' in destinations.split("</details>", 1)[0]
