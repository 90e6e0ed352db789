"""During the stay abroad on a phone: the participant writes a travel blog post with a
photo and consents to publishing it, the monitor plans an activity of the socio-cultural
programme and the participant reflects on it, the participant sets a language goal with
a CEFR self-assessment that the coach reads, the accompanying teacher plans a trip and the
participants they visit, and the promoter reads the published blogs until a consent is
withdrawn.

The world's mobility (student A, a minor, at Taller Valencia) is moved and filled through
the services; the browser does only the part each journey is about. Every visited page is
screenshotted to tests/e2e/screenshots/<role>-mobility-<page>.png and passes the phone
checks.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Activity,
    BlogPost,
    ConsortiumMembership,
    LanguageGoal,
    Placement,
    PlacementStatus,
    Trip,
    User,
    Visit,
)
from app.models.columns import utcnow
from app.stay import services as stay
from tests.conftest import png_bytes
from tests.e2e.test_mobility_journeys import button, h1, link, log_out, nl

pytestmark = pytest.mark.e2e

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stay_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_m.id}/stay{suffix}"


def running(app, world, *, days_in: int = 3) -> None:
    """Student A's stay abroad began `days_in` days ago and runs ten more days."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.start_date = world.today - timedelta(days=days_in)
        placement.end_date = world.today + timedelta(days=10)
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()


def tabs(phone, app):
    return phone.page.get_by_role("navigation", name=nl(app, "This placement"))


def photo_width(image) -> int:
    """The photo's width once it has arrived (decode() waits; visible is not yet loaded)."""
    return image.evaluate("image => image.decode().then(() => image.naturalWidth)")


# -- the participant's travel blog ------------------------------------------------------


def test_participant_writes_a_post_with_a_photo_and_consents_to_publishing(app, world, phone):
    running(app, world)
    page = phone.page
    phone.log_in("student_a", "student@a.example")
    phone.goto(f"/placements/{world.placement_m.id}")
    link(phone, app, "Open the stay").click()
    expect(h1(phone)).to_have_text(nl(app, "The stay"))
    expect(page.locator("main")).to_contain_text(nl(app, "No goal set yet"))
    phone.check("mobility-stay")
    page.get_by_role("link", name=nl(app, "Travel blog"), exact=True).last.click()
    expect(page.get_by_text(nl(app, "No posts yet."))).to_be_visible()
    # the blog is a part of the stay: its tab stays marked
    expect(tabs(phone, app).get_by_role("link", name=nl(app, "The stay"))).to_have_attribute(
        "aria-current", "page"
    )
    phone.check("mobility-blog-empty")

    page.locator("#title").fill("Eerste dag in de werkplaats")
    page.locator("#body").fill("Vandaag een **motor** uit elkaar gehaald met Javier.")
    # a PDF is no photo: refused, with what was typed kept
    page.locator("#photo").set_input_files(
        {"name": "ticket.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    button(phone, app, "Post").click()
    expect(page.locator("#photo")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_value("Eerste dag in de werkplaats")
    expect(page.get_by_text(nl(app, "No posts yet."))).to_be_visible()
    phone.check("mobility-blog-photo-refused")
    page.locator("#photo").set_input_files(
        {"name": "werkplaats.png", "mimeType": "image/png", "buffer": png_bytes((1200, 900))}
    )
    phone.check("mobility-blog-write")
    button(phone, app, "Post").click()
    expect(page.get_by_role("status")).to_contain_text(nl(app, "Your post is on your blog."))
    post = page.locator("main ol.cards li.card")
    expect(post.get_by_role("heading", level=2)).to_have_text("Eerste dag in de werkplaats")
    expect(post.locator("strong")).to_have_text("motor")  # the Markdown is rendered
    expect(post.locator(".meta")).not_to_contain_text(nl(app, "edited"))  # it is new
    photo = post.get_by_role(
        "img", name=nl(app, "Photo with the post “%(title)s”", title="Eerste dag in de werkplaats")
    )
    assert photo_width(photo) == 1200
    # a large photo fits the phone's width
    assert photo.evaluate("image => image.getBoundingClientRect().width") <= 390
    expect(page.locator("#title")).to_have_value("")  # a fresh form for the next post
    phone.check("mobility-blog-posted")

    publication = page.locator("#publication")
    expect(publication).to_contain_text(nl(app, "Not published"))
    button(phone, app, "Yes, my blog may be published").click()
    expect(page.get_by_role("status")).to_contain_text(
        nl(app, "Thank you: your consent is recorded.")
    )
    # Student A is under 18 when the stay begins: a parent or guardian consents too.
    expect(publication).to_contain_text(nl(app, "Waits for a guardian’s consent"))
    expect(button(phone, app, "Withdraw my consent")).to_be_visible()
    phone.check("mobility-blog-consented")
    with app.app_context():
        publication_now = stay.publication_of(db.session.get(Placement, world.placement_m.id))
        assert publication_now.participant_consents
        assert not publication_now.published

    tabs(phone, app).get_by_role("link", name=nl(app, "The stay"), exact=True).click()
    expect(page.locator("main ul.cards")).to_contain_text(nl(app, "Waits for a guardian’s consent"))
    phone.check("mobility-stay-with-post")


# -- the monitor's programme and the participant's reflection ---------------------------


def test_monitor_plans_an_activity_and_the_participant_reflects_on_it(app, world, phone):
    running(app, world)
    page = phone.page
    phone.log_in("monitor", "monitor@host.example")
    phone.goto(stay_path(world))
    page.get_by_role("link", name=nl(app, "Socio-cultural programme"), exact=True).click()
    expect(page.get_by_text(nl(app, "No activities planned yet."))).to_be_visible()
    phone.check("mobility-programme-empty")
    # a day after the stay is refused, with the reason next to the field
    page.locator("#day").fill((world.today + timedelta(days=30)).isoformat())
    page.locator("#title").fill("Paella koken")
    page.locator("#place").fill("Mercat Central")
    page.locator("#description").fill("Samen koken met de andere deelnemers.\nOm 18 uur.")
    button(phone, app, "Add to the programme").click()
    expect(page.locator("#day")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title")).to_have_value("Paella koken")  # nothing lost
    phone.check("mobility-programme-refused")
    page.locator("#day").fill(world.today.isoformat())
    button(phone, app, "Add to the programme").click()
    expect(page.get_by_role("status")).to_contain_text(nl(app, "The activity is in the programme."))
    activity = page.locator("main ol.cards li.card")
    expect(activity.get_by_role("heading", level=2)).to_have_text("Paella koken")
    expect(activity).to_contain_text("Mercat Central")
    expect(activity).to_contain_text(nl(app, "No reflection yet."))
    phone.check("mobility-programme")

    log_out(phone)
    phone.log_in("student_a", "student@a.example")
    phone.goto(stay_path(world))
    expect(page.locator("main ul.cards")).to_contain_text(
        nl(app, "%(num)d reflection to write", num=1)
    )
    phone.check("mobility-stay-to-reflect")
    page.get_by_role("link", name=nl(app, "Socio-cultural programme"), exact=True).click()
    activity.get_by_role("textbox").fill("De markt was enorm. Ik durfde zelf te bestellen.")
    phone.check("mobility-programme-reflect")
    activity.get_by_role(
        "button", name=nl(app, "Save my reflection on “%(title)s”", title="Paella koken")
    ).click()
    expect(page.get_by_role("status")).to_contain_text(nl(app, "Your reflection is saved."))
    expect(activity.get_by_role("textbox")).to_have_value(
        "De markt was enorm. Ik durfde zelf te bestellen."
    )
    phone.check("mobility-programme-reflected")
    with app.app_context():
        saved = db.session.scalar(select(Activity))
        assert saved.reflection == "De markt was enorm. Ik durfde zelf te bestellen."
        assert saved.planned_by_id == world.monitor.id


# -- the language goal ------------------------------------------------------------------


def test_participant_sets_a_language_goal_that_the_coach_reads(app, world, phone):
    page = phone.page
    phone.log_in("student_a", "student@a.example")
    phone.goto(stay_path(world))
    page.get_by_role("link", name=nl(app, "Language goal"), exact=True).last.click()
    expect(h1(phone)).to_have_text(nl(app, "Language goal"))
    phone.check("mobility-language-empty")
    page.locator("#language").fill("Spaans")
    page.locator("#goal").fill("Op het werk bestellen en om hulp vragen in het Spaans.")
    for skill, level in (
        ("listening", "A2"),
        ("reading", "A2"),
        ("spoken_interaction", "A1"),
        ("spoken_production", "A1"),
    ):
        page.locator(f"#before_{skill}").select_option(level)
    phone.check("mobility-language-form")
    button(phone, app, "Save").click()
    expect(page.get_by_role("status")).to_contain_text(nl(app, "Your language goal is saved."))
    levels = page.get_by_role("table")
    interaction = levels.get_by_role("row").filter(has_text=re.compile(r"A1"))
    expect(interaction).to_have_count(2)  # spoken interaction and production
    expect(levels.get_by_role("row").last).to_contain_text("–")  # writing: not assessed
    expect(page.locator("#before_listening")).to_have_value("A2")  # the form shows what is saved
    phone.check("mobility-language")
    with app.app_context():
        goal = db.session.scalar(select(LanguageGoal))
        assert goal.language == "Spaans"
        assert goal.before == {
            "listening": "A2",
            "reading": "A2",
            "spoken_interaction": "A1",
            "spoken_production": "A1",
        }
        assert goal.after == {}

    log_out(phone)
    phone.log_in("coach_a", "coach@a.example")
    phone.goto(stay_path(world, "/language"))
    expect(page.locator("main")).to_contain_text("Op het werk bestellen")
    expect(page.get_by_role("table")).to_contain_text("A2")
    expect(page.locator("main form")).to_have_count(0)  # the coach reads, does not write
    phone.check("mobility-language")


# -- the accompanying teacher's trip ----------------------------------------------------


def test_accompanying_teacher_plans_a_trip_and_the_participants_to_visit(app, world, phone):
    placement = world.placement_m  # begins on the Monday four weeks from now
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    phone.nav_link(nl(app, "Mobility")).click()
    link(phone, app, "Trips abroad").click()
    expect(page.get_by_text(nl(app, "No trips yet."))).to_be_visible()
    phone.check("mobility-trips-empty")
    link(phone, app, "Plan a trip").first.click()
    page.locator("#destination").fill("Valencia")
    page.locator("#start_date").fill((placement.start_date + timedelta(days=2)).isoformat())
    page.locator("#end_date").fill((placement.start_date + timedelta(days=1)).isoformat())
    button(phone, app, "Plan the trip").click()  # ends before it starts: refused
    expect(page.locator("#end_date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#destination")).to_have_value("Valencia")
    phone.check("mobility-trip-refused")
    page.locator("#end_date").fill((placement.start_date + timedelta(days=4)).isoformat())
    phone.check("mobility-trip-form")
    button(phone, app, "Plan the trip").click()
    expect(h1(phone)).to_have_text(nl(app, "Trip to %(place)s", place="Valencia"))
    expect(page.get_by_text(nl(app, "No participants added yet."))).to_be_visible()
    phone.check("mobility-trip-new")

    page.get_by_label("Student A").check()
    button(phone, app, "Plan the visits").click()
    expect(page.get_by_role("status")).to_contain_text(
        nl(app, "%(num)d visit is planned on this trip.", num=1)
    )
    visits = page.locator("#trip-visits + ul.cards li.card")
    expect(visits).to_have_count(1)
    expect(visits.get_by_role("link")).to_contain_text("Student A")
    expect(
        page.get_by_text(
            nl(app, "No other participant of your school stays abroad during this trip.")
        )
    ).to_be_visible()
    phone.check("mobility-trip")
    with app.app_context():
        trip = db.session.scalar(select(Trip))
        visit = db.session.scalar(select(Visit).where(Visit.trip_id == trip.id))
        assert visit.placement_id == placement.id
        assert visit.planned_on == placement.start_date + timedelta(days=2)

    page.locator(".breadcrumb a").click()
    expect(page.locator("main ul.cards")).to_contain_text("Valencia")
    phone.check("mobility-trips")


# -- the published blogs ----------------------------------------------------------------


def published_blog(app, world) -> None:
    """Student A's post with a photo, published: School A in the promoter's consortium,
    the participant and a guardian consent.
    """
    with app.app_context(), force_locale("nl"):
        db.session.add(
            ConsortiumMembership(
                promoter_id=world.promoter_org.id,
                school_id=world.school_a.id,
                mandate_from=world.today - timedelta(days=30),
            )
        )
        db.session.commit()
        placement = db.session.get(Placement, world.placement_m.id)
        student = db.session.get(User, world.student_a.id)
        stay.write_post(
            placement,
            student,
            "Eerste dag in de werkplaats",
            "Vandaag een **motor** uit elkaar gehaald.",
            "werkplaats.png",
            io.BytesIO(png_bytes((800, 600))),
        )
        stay.set_participant_consent(placement, student, consents=True)
        link = stay.send_consent_link(
            placement,
            db.session.get(User, world.coach_a.id),
            guardian_name="Gina A",
            email="gina@home.example",
            language="nl",
        )
        stay.answer_consent_link(link, consents=True, signed_name="Gina A", now=utcnow())


def test_promoter_reads_the_published_blogs_until_a_consent_is_withdrawn(app, world, phone):
    published_blog(app, world)
    page = phone.page
    phone.log_in("promoter", "promoter@mobility.example")
    phone.nav_link(nl(app, "Mobility")).click()
    link(phone, app, "Published travel blogs").click()
    expect(h1(phone)).to_have_text(nl(app, "Published travel blogs"))
    expect(phone.nav_link(nl(app, "Mobility"))).to_have_attribute("aria-current", "page")
    blog = page.locator("main section.panel")
    expect(blog.get_by_role("heading", level=2)).to_contain_text("Student A")
    expect(blog).to_contain_text("School A")
    expect(blog.get_by_role("heading", level=3)).to_have_text("Eerste dag in de werkplaats")
    photo = blog.get_by_role("img")
    assert photo_width(photo) == 800
    phone.check("mobility-published-blogs")

    with app.app_context():
        stay.set_participant_consent(
            db.session.get(Placement, world.placement_m.id),
            db.session.get(User, world.student_a.id),
            consents=False,
        )
        post_id = db.session.scalar(select(BlogPost.id))
    page.reload()
    expect(page.get_by_text(nl(app, "No blog is published yet."))).to_be_visible()
    phone.check("mobility-published-blogs-none")
    # the photo goes off with the blog
    photo = page.request.get(phone.base_url + stay_path(world, f"/blog/{post_id}/photo"))
    assert photo.status == 404
