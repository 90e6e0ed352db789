"""The mobility abroad's first half on a phone, one journey per role: the promoter opens a
call, the school's contact point registers, scores and decides, the candidate fills in the
CV, a guardian approves by the link in the e-mail, the host coordinator matches, the
monitor reads the log and confirms a visit report, the coach keeps the mobility file and
the learning agreement that three parties sign (the host by a link).

Every visited page is screenshotted to tests/e2e/screenshots/<role>-mobility-<page>.png and
passes axe-core without serious or critical violations and without sideways scrolling.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.calls import services as calls
from app.extensions import db
from app.models import Candidate, Decision, MobilityCall, Organisation, Placement, User
from app.models.placements import PlacementStatus
from app.visits import services as visits
from tests.conftest import PASSWORD, monday, write_entry

pytestmark = pytest.mark.e2e


def nl(app, msgid: str, **values) -> str:
    """What the Dutch page says for an English msgid."""
    with app.test_request_context(), force_locale("nl"):
        return gettext(msgid, **values)


def h1(phone):
    return phone.page.get_by_role("heading", level=1)


def button(phone, app, msgid: str):
    return phone.page.get_by_role("button", name=nl(app, msgid), exact=True)


def link(phone, app, msgid: str):
    return phone.page.get_by_role("link", name=nl(app, msgid), exact=True)


def mobility_link(phone):
    """Student A's mobility abroad, told apart from the dual placement by its workplace."""
    return phone.page.get_by_role("link", name=re.compile(r"^Student A — Taller Valencia \("))


def log_out(phone) -> None:
    phone.page.context.clear_cookies()


# -- the world's call -------------------------------------------------------------------


def consortium(app, world) -> None:
    """School A a member of the promoter's consortium since a month."""
    with app.app_context():
        calls.add_member(
            db.session.get(Organisation, world.promoter_org.id),
            db.session.get(Organisation, world.school_a.id),
            world.today - timedelta(days=30),
            None,
            db.session.get(User, world.promoter.id),
        )


def open_call(app, world) -> int:
    consortium(app, world)
    start = monday(world.today, 8)
    with app.app_context(), force_locale("nl"):
        call = calls.open_call(
            db.session.get(Organisation, world.promoter_org.id),
            db.session.get(User, world.promoter.id),
            calls.CallDetails(
                title="Twee weken Valencia",
                placement_start=start,
                placement_end=start + timedelta(days=11),
                interest_deadline=world.today + timedelta(days=7),
                candidate_deadline=world.today + timedelta(days=21),
                destinations=[calls.Destination("ES", "Valencia", world.host_partner.id)],
                places={world.school_a.id: 2},
                criteria=calls.default_criteria(),
                dual_learners_first=True,
            ),
        )
        return call.id


def register(app, world, call_id: int) -> int:
    with app.app_context():
        return calls.register_candidate(
            db.session.get(MobilityCall, call_id),
            db.session.get(User, world.student_a.id),
            db.session.get(Organisation, world.school_a.id),
            db.session.get(User, world.coordinator_a.id),
            world.today,
        ).id


def scored_and_decided(app, world, candidate_id: int) -> None:
    with app.app_context(), force_locale("nl"):
        candidate = db.session.get(Candidate, candidate_id)
        criteria = calls.criteria_of(candidate.call)
        calls.record_scores(
            candidate,
            db.session.get(User, world.coach_a.id),
            {item.key: calls.ScoreEntry(8, "Gemotiveerd") for item in criteria},
        )
        calls.decide(
            db.session.get(Candidate, candidate_id),
            db.session.get(User, world.coordinator_a.id),
            Decision.SELECTED,
            "Duaal leerling met de hoogste score.",
        )


# -- the promoter -----------------------------------------------------------------------


def test_promoter_opens_a_call_and_follows_the_selection(app, world, phone):
    consortium(app, world)
    page = phone.page
    phone.log_in("promoter", "promoter@mobility.example")
    phone.nav_link(nl(app, "Mobility")).click()
    phone.check("mobility-calls")
    link(phone, app, "Open a call").click()
    expect(h1(phone)).to_have_text(nl(app, "Open a call"))
    start = monday(world.today, 8)
    page.locator("#title").fill("Twee weken Valencia")
    page.locator("#placement_start").fill(start.isoformat())
    page.locator("#placement_end").fill((start + timedelta(days=11)).isoformat())
    page.locator("#interest_deadline").fill((world.today + timedelta(days=7)).isoformat())
    page.locator("#candidate_deadline").fill((world.today + timedelta(days=21)).isoformat())
    page.locator("#destinations-0-country").fill("ES")
    page.locator("#destinations-0-city").fill("Valencia")
    page.locator("#destinations-0-host_partner").select_option(str(world.host_partner.id))
    page.locator("#places-0-places").fill("2")
    page.locator("#criteria-0-weight").fill("50")  # the seed's 40, 30, 15, 15 now add up to 110
    phone.check("mobility-call-form")
    page.locator("main form [type=submit]").first.click()
    expect(page.locator(".error").first).to_contain_text("110")
    expect(page.locator("#title")).to_have_value("Twee weken Valencia")  # nothing lost
    phone.check("mobility-call-weights-refused")
    page.locator("#criteria-0-weight").fill("40")
    page.locator("main form [type=submit]").first.click()
    expect(h1(phone)).to_have_text("Twee weken Valencia")
    phone.check("mobility-call")

    with app.app_context():
        call_id = db.session.scalar(db.select(MobilityCall.id))
    candidate_id = register(app, world, call_id)
    scored_and_decided(app, world, candidate_id)
    page.reload()
    candidates = page.get_by_role("table", name=nl(app, "Candidates"))
    expect(candidates).to_contain_text("Student A")
    phone.check("mobility-call-candidates")
    candidates.get_by_role("link", name="Student A").click()
    expect(h1(phone)).to_have_text("Student A")
    expect(page.get_by_text("Duaal leerling met de hoogste score.")).to_be_visible()
    # The result, not the interview: scoring, deciding and the scorers' notes are the school's.
    expect(page.get_by_text("Gemotiveerd")).to_have_count(0)
    expect(link(phone, app, "Score the interview")).to_have_count(0)
    expect(button(phone, app, "Save the decision")).to_have_count(0)
    phone.check("mobility-candidate")
    page.go_back()
    page.get_by_role("link", name="School A", exact=True).click()
    expect(page.get_by_role("table").first).to_contain_text("Student A")
    phone.check("mobility-ranking")
    # The promoter reads the school's selection report as a PDF; writing it is the school's.
    report = page.request.get(
        phone.base_url + link(phone, app, "Selection report (PDF)").get_attribute("href")
    )
    assert (report.status, report.headers["content-type"]) == (200, "application/pdf")
    expect(link(phone, app, "Write the selection report")).to_have_count(0)
    phone.goto(f"/calls/{call_id}/overview")
    expect(page.locator("main")).to_contain_text("Student A")
    phone.check("mobility-call-overview")


# -- the school's contact point and the candidate ---------------------------------------


def test_contact_point_registers_scores_and_decides(app, world, phone):
    call_id = open_call(app, world)
    page = phone.page
    phone.log_in("coordinator_a", "coordinator@a.example")
    phone.nav_link(nl(app, "Mobility")).click()
    page.get_by_role("link", name="Twee weken Valencia", exact=True).click()
    phone.check("mobility-call")
    link(phone, app, "Register a candidate").click()
    page.locator("#student").select_option(label="Student A")
    phone.check("mobility-register")
    page.locator("main form [type=submit]").first.click()
    expect(h1(phone)).to_have_text("Student A")
    phone.check("mobility-candidate")

    link(phone, app, "Score the interview").click()
    for index, field in enumerate(page.locator("input[inputmode=numeric]").all()):
        field.fill(str(7 + index % 3))
    page.locator("textarea").first.fill("Weet goed waarom hij wil gaan.")
    phone.check("mobility-score")
    button(phone, app, "Save my scores").click()
    expect(page.get_by_text("Weet goed waarom hij wil gaan.")).to_be_visible()
    phone.check("mobility-candidate-scored")

    page.locator("#decision").select_option("selected")
    button(phone, app, "Save the decision").click()  # without a reason: refused
    expect(page.locator("#reason")).to_have_attribute("aria-invalid", "true")
    phone.check("mobility-decision-refused")
    page.locator("#reason").fill("Duaal leerling, sterk gesprek.")
    button(phone, app, "Save the decision").click()
    expect(page.get_by_text("Duaal leerling, sterk gesprek.").first).to_be_visible()
    phone.check("mobility-decided")
    candidate_path = page.url.removeprefix(phone.base_url)
    phone.goto(f"{candidate_path}/participant")  # the selected candidate becomes a participant
    phone.check("mobility-participant")

    phone.goto(f"/calls/{call_id}/schools/{world.school_a.id}")
    expect(page.get_by_role("table").first).to_contain_text("Student A")
    phone.check("mobility-ranking")
    phone.goto(f"/calls/{call_id}/schools/{world.school_a.id}/report")
    expect(page.locator("textarea")).to_contain_text("Student A")
    phone.check("mobility-report")
    button(phone, app, "Save the report").click()
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-report-saved")


def test_candidate_fills_in_the_cv(app, world, phone):
    call_id = open_call(app, world)
    register(app, world, call_id)
    page = phone.page
    phone.log_in("student_a", "student@a.example")
    phone.nav_link(nl(app, "Mobility")).click()
    phone.check("mobility-calls")
    page.get_by_role("link", name="Twee weken Valencia", exact=True).click()
    link(phone, app, "Open your application").click()
    phone.check("mobility-application")
    link(phone, app, "Fill in").click()
    page.locator("#education").fill("Secondary school, electromechanics (dual learning)")
    page.locator("#work_experience").fill("Two years at Company X, Deinze")
    page.locator("#languages-0-language").fill("Dutch")
    page.locator("#languages-0-level").select_option("C2")
    page.locator("#languages-1-language").fill("Spanish")
    page.locator("#languages-1-level").select_option("A2")
    page.locator("#expectations").fill("Maintenance in another workshop")
    page.locator("#practical_needs").fill("None")
    phone.check("mobility-cv")
    page.locator("main form [type=submit]").first.click()
    expect(page.get_by_text("Spanish (A2)")).to_be_visible()
    phone.check("mobility-application-filled")


# -- the guardian -----------------------------------------------------------------------


def test_guardian_approves_by_the_link_in_the_mail(app, world, phone, outbox):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    mobility_link(phone).first.click()
    link(phone, app, "Open the mobility file").click()
    phone.check("mobility-file")
    page.locator("details", has=page.locator("#guardian_name")).locator("summary").click()
    page.locator("#guardian_name").fill("Gina A")
    page.locator("#email").fill("gina@home.example")
    page.locator("#language").select_option("nl")
    button(phone, app, "Send the link").click()
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-file-link-sent")

    message = next(m for m in outbox.messages if m["To"] == "gina@home.example")
    path = next(link for link in outbox.links(message) if link.startswith("/guardian/"))
    log_out(phone)
    phone.role = "guardian"
    phone.goto(path)
    expect(h1(phone)).to_contain_text("Student A")
    phone.check("mobility-approval")
    page.locator("#signed_name").fill("Gina A")
    page.locator("button[name=approve]").click()  # without the box ticked
    expect(page.locator(".error").first).to_be_visible()
    phone.check("mobility-approval-refused")
    page.locator("#signed_name").fill("Gina A")
    page.locator("#consent").check()
    page.locator("button[name=approve]").click()
    phone.check("mobility-approval-done")
    phone.goto(path, status=410)


# -- the host coordinator ---------------------------------------------------------------


def test_host_coordinator_matches_workplace_monitor_and_lodging(app, world, phone):
    page = phone.page
    phone.log_in("host_coordinator", "coordinator@host.example")
    phone.check("home")
    link(phone, app, "Our participants, of every school").click()
    phone.check("mobility-destination")
    phone.goto("/participants/to-match")
    phone.check("mobility-to-match")
    phone.goto("/destination")
    page.get_by_role("link", name="Student A").first.click()
    expect(h1(phone)).to_have_text(nl(app, "Matching"))
    phone.check("mobility-matching")
    page.locator("#monitor").select_option(label="Mona Monitor")
    button(phone, app, "Save the matching").click()
    expect(page.get_by_role("status")).to_contain_text(nl(app, "Nothing changed."))
    page.locator("#address").fill("Carrer de la Pau 12, 46002 Valencia")
    placement_m = world.placement_m
    page.locator("#from_date").fill(placement_m.start_date.isoformat())
    page.locator("#until_date").fill(placement_m.end_date.isoformat())
    button(phone, app, "Add the lodging").click()
    expect(page.locator(".lodgings")).to_contain_text("Carrer de la Pau 12")
    phone.check("mobility-matched")


# -- the monitor ------------------------------------------------------------------------


def final_report(app, world) -> int:
    """Placement M running since yesterday; the coach's visit report is final."""
    today = world.today
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.status = PlacementStatus.ACTIVE
        placement.start_date = today - timedelta(days=1)
        placement.end_date = today + timedelta(days=12)
        db.session.commit()
        coach = db.session.get(User, world.coach_a.id)
        visit = visits.plan_visit(
            placement,
            coach,
            visits.VisitPlan(today, None, "Valencia", ["student", "mentor", "coach"], ""),
        )
        visits.save_report(
            visit,
            held_on=today,
            sections=dict.fromkeys(visits.SECTION_KEYS, "Loopt goed."),
            coach_only=[],
            expected_version=visit.version,
        )
        visits.finalise(visit, coach, today, expected_version=visit.version)
        return visit.id


def test_monitor_reads_the_log_and_confirms_the_visit_report(app, world, phone):
    final_report(app, world)
    this_week = world.today - timedelta(days=world.today.weekday())
    write_entry(app, world.placement_m, world.student_a, week=this_week, submit=True)
    page = phone.page
    phone.log_in("monitor", "monitor@host.example")
    phone.check("home")
    mobility_link(phone).click()
    expect(h1(phone)).to_have_text("Student A")
    phone.check("mobility-placement")
    page.get_by_role("navigation", name=nl(app, "This placement")).get_by_role(
        "link", name=nl(app, "Log"), exact=True
    ).click()
    expect(page.locator("main")).to_contain_text("by Student A")  # the week the student wrote
    phone.check("mobility-log")
    phone.goto("/")
    page.get_by_role("link", name=re.compile(nl(app, "Confirm the visit report"))).click()
    phone.check("mobility-visit")
    page.get_by_label(nl(app, "Comment (optional)")).fill("Gelezen, klopt met wat ik zag.")
    button(phone, app, "I have read the report and confirm it").click()
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-visit-confirmed")


# -- the coach and the learning agreement -----------------------------------------------


def sign(phone, app, name: str) -> None:
    page = phone.page
    page.locator("#typed_name").fill(name)
    page.locator("#consent").check()
    page.locator("section[aria-labelledby=sign-title] button[type=submit]").click()


def test_coach_keeps_the_file_and_three_parties_sign_the_agreement(app, world, phone, outbox):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    phone.check("home")
    mobility_link(phone).first.click()
    expect(h1(phone)).to_have_text("Student A")
    phone.check("mobility-placement")
    link(phone, app, "Open the mobility file").click()
    phone.check("mobility-file")
    link(phone, app, "Learning agreement").click()
    language = page.get_by_label(nl(app, "Language of the texts"))
    expect(language).to_have_value("nl")  # the coach's own language is proposed
    language.select_option("en")  # the host in Valencia reads English
    phone.check("mobility-agreement-none")
    button(phone, app, "Start the learning agreement").click()
    expect(h1(phone)).to_have_text(nl(app, "Change the learning agreement"))
    page.locator("fieldset.choices input[type=checkbox]").first.check()
    page.locator("#tasks").fill("Onderhoud van machines in de werkplaats, met de mentor.")
    phone.check("mobility-agreement-edit")
    page.locator("main form .sticky-actions [type=submit]").first.click()
    expect(page.get_by_text("Onderhoud van machines in de werkplaats")).to_be_visible()
    phone.check("mobility-agreement-draft")
    sign(phone, app, "Coach A")
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-agreement-signed-school")
    page.locator("#name").fill("Lucía Pérez")
    page.locator("section[aria-labelledby=host-link-title] #email").fill("lucia@taller.example")
    page.locator("section[aria-labelledby=host-link-title] button[type=submit]").click()
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-agreement-host-link-sent")

    log_out(phone)
    phone.log_in("student_a", "student@a.example", PASSWORD)
    mobility_link(phone).click()
    link(phone, app, "Learning agreement").click()
    phone.check("mobility-agreement")
    sign(phone, app, "Student A")
    expect(page.get_by_role("status")).to_be_visible()
    phone.check("mobility-agreement-signed")

    message = next(m for m in outbox.messages if m["To"] == "lucia@taller.example")
    path = next(link for link in outbox.links(message) if "/learning-agreement/" in link)
    log_out(phone)
    phone.role = "host-signer"
    phone.goto(path)
    expect(page.locator("main")).to_contain_text("European Health Insurance Card")
    phone.check("mobility-agreement-link")
    page.locator("#typed_name").fill("Lucía Pérez")
    page.locator("#consent").check()
    page.locator("main form [type=submit]").click()
    phone.check("mobility-agreement-link-signed")

    log_out(phone)
    phone.log_in("coach_a", "coach@a.example")
    phone.goto(f"/placements/{world.placement_m.id}/learning-agreement")
    expect(page.get_by_text(nl(app, "Signed by all three"))).to_be_visible()
    phone.check("mobility-agreement-complete")
