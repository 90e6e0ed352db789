"""From a selected candidate to a placement abroad on a phone, one journey per role: the
school's contact point makes a selected candidate ready (destination, coach, fewer
opportunities) and reads the group at the destination, the host coordinator finds them
among the participants to match and creates the placement, and the promoter follows the
call in its overview and downloads the participants as CSV.

The calls, candidates and decisions are written through the services; the browser does
only the part each journey is about. Every visited page is screenshotted to
tests/e2e/screenshots/<role>-mobility-<page>.png and passes the phone checks.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect
from sqlalchemy import select

from app.calls import participants
from app.extensions import db
from app.models import Candidate, MobilityCall, Placement, PlacementKind, PlacementStatus, User
from app.placements import matching
from tests.e2e.test_mobility_journeys import (
    button,
    h1,
    link,
    nl,
    open_call,
    register,
    scored_and_decided,
)

pytestmark = pytest.mark.e2e


def selected(app, world) -> tuple[int, int]:
    """The world's call to Valencia with student A of School A selected; the call's and
    the candidate's ids.
    """
    call_id = open_call(app, world)
    candidate_id = register(app, world, call_id)
    scored_and_decided(app, world, candidate_id)
    return call_id, candidate_id


def made_ready(app, world, candidate_id: int, *, fewer: bool = False) -> int:
    """Student A ready for matching in Valencia with coach A; the destination's id."""
    with app.app_context(), force_locale("nl"):
        candidate = db.session.get(Candidate, candidate_id)
        destination_id = candidate.call.destinations[0].id
        participants.prepare(
            candidate,
            db.session.get(User, world.coordinator_a.id),
            participants.Preparation(
                destination_id,
                world.coach_a.id,
                fewer,
                "Woont ver van school." if fewer else "",
            ),
        )
        return destination_id


def placed(app, world, candidate_id: int) -> int:
    """The host coordinator's choice made: the placement abroad exists; its id."""
    with app.app_context(), force_locale("nl"):
        return participants.create_placement(
            db.session.get(Candidate, candidate_id),
            db.session.get(User, world.host_coordinator.id),
            matching.Match(world.host_company.id, world.mentor_es.id, world.monitor.id),
        ).id


# -- the school's contact point ---------------------------------------------------------


def test_contact_point_makes_a_selected_candidate_ready_and_reads_the_group(app, world, phone):
    call_id, candidate_id = selected(app, world)
    page = phone.page
    phone.log_in("coordinator_a", "coordinator@a.example")
    phone.goto(f"/candidates/{candidate_id}")
    participant = page.locator(
        "section.panel",
        has=page.get_by_role("heading", level=2).filter(has_text=nl(app, "Participant abroad")),
    )
    expect(participant).to_contain_text(nl(app, "Not chosen yet"))
    link(phone, app, "Destination and coach").click()
    expect(h1(phone)).to_have_text(nl(app, "Ready for matching"))
    # The call's only destination and the coach of student A's placement at home are proposed.
    expect(page.locator("#destination option:checked")).to_have_text("Valencia (ES)")
    expect(page.locator("#coach option:checked")).to_have_text("Coach A")
    page.locator("#fewer_opportunities").check()
    button(phone, app, "Save: ready for matching").click()  # without the explanation: refused
    expect(page.locator("#fewer_opportunities_note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#fewer_opportunities")).to_be_checked()  # nothing lost
    phone.check("mobility-participant-refused")
    page.locator("#fewer_opportunities_note").fill(
        "Woont ver van school; gezin met een laag inkomen."
    )
    phone.check("mobility-participant-form")
    button(phone, app, "Save: ready for matching").click()
    expect(h1(phone)).to_have_text("Student A")
    expect(page.get_by_role("status")).to_contain_text(
        nl(app, "%(name)s is ready for matching.", name="Student A")
    )
    expect(participant).to_contain_text("Valencia (ES)")
    expect(participant).to_contain_text("Coach A")
    expect(participant).to_contain_text("Woont ver van school")
    phone.check("mobility-participant-ready")
    with app.app_context():
        candidate = db.session.get(Candidate, candidate_id)
        assert candidate.ready
        assert candidate.fewer_opportunities
        assert candidate.prepared_by_id == world.coordinator_a.id

    page.get_by_role("link", name="Twee weken Valencia").first.click()
    page.get_by_role(
        "link", name=nl(app, "The group in %(place)s", place="Valencia"), exact=True
    ).click()
    expect(h1(phone)).to_have_text(nl(app, "The group in %(place)s", place="Valencia"))
    group = page.locator("main ul.cards")
    expect(group).to_contain_text("Student A")
    expect(group).to_contain_text(nl(app, "Not chosen yet"))  # no host workplace yet
    # The group is not the place for the school's reasons.
    expect(page.locator("main")).not_to_contain_text("Woont ver van school")
    phone.check("mobility-destination-group")


# -- the host coordinator ---------------------------------------------------------------


def test_host_coordinator_creates_the_placement_of_a_participant_to_match(app, world, phone):
    _, candidate_id = selected(app, world)
    made_ready(app, world, candidate_id, fewer=True)
    page = phone.page
    phone.log_in("host_coordinator", "coordinator@host.example")
    phone.goto("/destination")
    link(phone, app, "Participants to match").click()
    expect(h1(phone)).to_have_text(nl(app, "Participants to match"))
    card = page.locator("main li.card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("School A")
    expect(card).to_contain_text("Valencia (ES)")
    expect(page.locator("main")).not_to_contain_text("Woont ver van school")  # the school's
    phone.check("mobility-to-match")
    card.get_by_role("link", name="Student A", exact=True).click()
    expect(h1(phone)).to_have_text(nl(app, "Create the placement"))
    phone.check("mobility-place")
    page.locator("#workplace").select_option(str(world.host_company.id))
    page.locator("#mentor").select_option(str(world.mentor_es.id))
    page.locator("#monitor").select_option(label="Mona Monitor")
    button(phone, app, "Create the placement").click()
    expect(h1(phone)).to_have_text(nl(app, "Matching"))
    expect(page.get_by_role("status")).to_contain_text(
        nl(app, "The placement of %(name)s is created.", name="Student A")
    )
    phone.check("mobility-placed")
    with app.app_context():
        candidate = db.session.get(Candidate, candidate_id)
        placement = db.session.get(Placement, candidate.placement_id)
        assert placement.kind == PlacementKind.MOBILITY_ABROAD
        assert placement.status == PlacementStatus.PREPARING
        assert (placement.workplace_id, placement.mentor_id, placement.monitor_id) == (
            world.host_company.id,
            world.mentor_es.id,
            world.monitor.id,
        )
        assert placement.coach_id == world.coach_a.id
        assert placement.start_date == candidate.call.placement_start

    phone.goto("/participants/to-match")
    expect(page.get_by_text(nl(app, "No participant waits for matching."))).to_be_visible()
    phone.check("mobility-to-match-empty")


# -- the promoter -----------------------------------------------------------------------


def test_promoter_follows_the_call_in_its_overview_and_csv(app, world, phone):
    call_id, candidate_id = selected(app, world)
    made_ready(app, world, candidate_id, fewer=True)
    placed(app, world, candidate_id)
    page = phone.page
    phone.log_in("promoter", "promoter@mobility.example")
    phone.goto(f"/calls/{call_id}")
    link(phone, app, "Overview of the participants").click()
    expect(h1(phone)).to_have_text(nl(app, "Participants"))
    group = page.locator("main section.panel").first
    expect(group.get_by_role("heading", level=2)).to_have_text("School A · Valencia (ES)")
    expect(group).to_contain_text(nl(app, "Fewer opportunities"))
    expect(group).to_contain_text("Taller Valencia")
    expect(group).to_contain_text(nl(app, "minor"))
    # What the file misses is a count; its list opens on a tap.
    missing = group.locator("details.missing-items")
    with app.test_request_context(), force_locale("nl"):
        several = ngettext(
            "%(num)d item missing in the mobility file",
            "%(num)d items missing in the mobility file",
            2,
        )
    expect(missing.locator("summary")).to_have_text(re.compile(several.replace("2", r"\d+")))
    expect(missing.locator("li").first).not_to_be_visible()
    phone.check("mobility-call-overview")
    missing.locator("summary").click()
    expect(missing.locator("li").first).to_be_visible()
    phone.check("mobility-call-overview-missing")

    with page.expect_download() as download:
        link(phone, app, "Download as CSV").click()
    assert download.value.suggested_filename == f"call-{call_id}-participants.csv"
    text = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    with app.app_context():
        call = db.session.get(MobilityCall, call_id)
        start, end = call.placement_start, call.placement_end
        programme = db.session.scalar(
            select(Placement.programme).where(Placement.id == world.placement_a.id)
        )
    assert rows == [
        {
            "participant": "Student A",
            "sending_organisation": "School A",
            "receiving_organisation": "Taller Valencia",
            "host_partner": world.host_partner.name,
            "country": "ES",
            "city": "Valencia",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "duration_days": str((end - start).days + 1),
            "field_of_education": programme,
            "minor_at_start": "yes",
            "fewer_opportunities": "yes",
            "stage": "preparing",
        }
    ]
