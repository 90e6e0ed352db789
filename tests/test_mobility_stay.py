"""During a stay abroad: the participant's travel blog (photos through the evidence
checks, edits with a version check), its publication with the participant's and a minor's
guardian's consent (a single-use link, revocable), the published view for the school and
the promoter, the socio-cultural programme with reflections, the language goal with CEFR
self-assessments, and the accompanying teacher's trips. Who may open which page:
test_access.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Activity,
    AuditEvent,
    BlogConsent,
    BlogConsentLink,
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
from app.privacy.erasure import erase_person
from app.stay import services as stay
from app.stay.tokens import make_token
from app.storage import file_storage
from tests.conftest import Browser, attach_file, png_bytes, write_entry

pytestmark = pytest.mark.usefixtures("in_english")

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stay_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_m.id}/stay{suffix}"


def write(browser, world, title="Day one", body="Hola **Valencia**", photo=None, name="p.png"):
    data = {"title": title, "body": body}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return browser.post(stay_path(world, "/blog"), data, content_type="multipart/form-data")


def posts(app, world) -> list[BlogPost]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(BlogPost).where(BlogPost.placement_id == world.placement_m.id)
            )
        )


def make_running(app, world, today, *, days_in: int = 3) -> None:
    """Placement M's stay began `days_in` days ago and runs ten more days."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.start_date = today - timedelta(days=days_in)
        placement.end_date = today + timedelta(days=10)
        placement.status = PlacementStatus.ACTIVE
        db.session.commit()


def join_consortium(app, world, today) -> None:
    with app.app_context():
        db.session.add(
            ConsortiumMembership(
                promoter_id=world.promoter_org.id,
                school_id=world.school_a.id,
                mandate_from=today - timedelta(days=30),
            )
        )
        db.session.commit()


# -- the stay's page ----------------------------------------------------------------------


def test_the_placement_page_of_a_mobility_links_to_the_stay(world, login_as):
    page = login_as(world.student_a).get(f"/placements/{world.placement_m.id}")
    assert stay_path(world) in page.get_data(as_text=True)
    other = login_as(world.student_a).get(f"/placements/{world.placement_a.id}")
    assert "/stay" not in other.get_data(as_text=True)


def test_the_stay_page_shows_the_status_of_each_part(app, world, login_as):
    student = login_as(world.student_a)
    write(student, world)
    page = student.get(stay_path(world)).get_data(as_text=True)
    assert "1 post" in page
    assert "Not published" in page
    assert "No goal set yet" in page
    # the mentor abroad reads the blog, not the programme nor the language goal
    mentor = login_as(world.mentor_es).get(stay_path(world)).get_data(as_text=True)
    assert "Travel blog" in mentor
    assert "Socio-cultural programme" not in mentor
    assert "Language goal" not in mentor


# -- the travel blog ----------------------------------------------------------------------


def test_the_participant_writes_a_post_with_a_photo_the_followers_read(app, world, login_as):
    student = login_as(world.student_a)
    response = write(student, world, photo=png_bytes())
    assert response.status_code == 302
    (post,) = posts(app, world)
    assert post.has_photo
    for reader in ("coach_a", "mentor_es", "monitor", "host_coordinator", "coordinator_a"):
        browser = login_as(world.user(reader))
        page = browser.get(stay_path(world, "/blog")).get_data(as_text=True)
        assert "Day one" in page, reader
        assert "<strong>Valencia</strong>" in page, reader
        photo = browser.get(stay_path(world, f"/blog/{post.id}/photo"))
        assert photo.status_code == 200
        assert photo.mimetype == "image/png"
    for outsider in ("coordinator_b", "coach_b", "mentor_x", "promoter"):
        browser = login_as(world.user(outsider))
        assert browser.get(stay_path(world, "/blog")).status_code == 404, outsider
        assert browser.get(stay_path(world, f"/blog/{post.id}/photo")).status_code == 404


def test_a_post_is_rendered_without_script(app, world, login_as):
    student = login_as(world.student_a)
    write(student, world, body="<script>alert(1)</script> [x](javascript:alert(2))")
    page = student.get(stay_path(world, "/blog")).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


def test_a_pdf_or_a_fake_photo_is_refused_and_nothing_is_kept(app, world, login_as):
    student = login_as(world.student_a)
    response = write(student, world, title="With a PDF", photo=PDF_BYTES, name="x.png")
    assert response.status_code == 422
    assert "not a PDF" in response.get_data(as_text=True)
    assert 'value="With a PDF"' in response.get_data(as_text=True)  # nothing typed is lost
    response = write(student, world, photo=b"MZ not an image", name="photo.jpg")
    assert response.status_code == 422
    assert "whatever its name says" in response.get_data(as_text=True)
    assert posts(app, world) == []
    with app.app_context():
        assert not any(file_storage().root.glob("[0-9a-f]" * 32))


def test_the_participant_edits_a_post_and_a_stale_edit_is_refused(app, world, login_as):
    student = login_as(world.student_a)
    write(student, world, photo=png_bytes())
    (post,) = posts(app, world)
    assert "edited" not in student.get(stay_path(world, "/blog")).get_data(as_text=True)
    old_key = post.storage_key
    edit = stay_path(world, f"/blog/{post.id}/edit")
    response = student.post(
        edit, {"title": "Day one, better", "body": "", "version": post.version, "remove_photo": "y"}
    )
    assert response.status_code == 302
    assert "edited" in student.get(stay_path(world, "/blog")).get_data(as_text=True)
    (changed,) = posts(app, world)
    assert changed.title == "Day one, better"
    assert not changed.has_photo
    with app.app_context():
        assert not file_storage().exists(old_key)
    stale = student.post(edit, {"title": "From an old tab", "body": "", "version": post.version})
    assert stale.status_code == 409
    assert "From an old tab" in stale.get_data(as_text=True)
    assert posts(app, world)[0].title == "Day one, better"


def test_only_the_author_edits_or_deletes_a_post(app, world, login_as):
    write(login_as(world.student_a), world, photo=png_bytes())
    (post,) = posts(app, world)
    coach = login_as(world.coach_a)
    assert coach.post(stay_path(world, f"/blog/{post.id}/delete")).status_code == 403
    assert coach.get(stay_path(world, f"/blog/{post.id}/edit")).status_code == 403
    student = login_as(world.student_a)
    assert student.post(stay_path(world, f"/blog/{post.id}/delete")).status_code == 302
    assert posts(app, world) == []
    with app.app_context():
        assert not file_storage().exists(post.storage_key)


def test_a_post_of_another_placement_is_not_found_through_this_one(app, world, login_as):
    write(login_as(world.student_a), world)
    (post,) = posts(app, world)
    path = f"/placements/{world.placement_a.id}/stay/blog/{post.id}/edit"
    assert login_as(world.student_a).get(path).status_code == 404


def test_the_blog_page_runs_the_same_queries_for_one_post_or_many(
    app, world, login_as, count_queries
):
    student = login_as(world.student_a)
    write(student, world, photo=png_bytes())
    coach = login_as(world.coach_a)
    coach.get(stay_path(world, "/blog"))
    with count_queries() as one:
        coach.get(stay_path(world, "/blog"))
    for number in range(5):
        write(student, world, title=f"Day {number + 2}", photo=png_bytes())
    with count_queries() as many:
        page = coach.get(stay_path(world, "/blog")).get_data(as_text=True)
    assert "Day 6" in page
    assert many.count == one.count


# -- publication consent ------------------------------------------------------------------


def published(browser) -> str:
    return browser.get("/published-blogs").get_data(as_text=True)


def test_the_participant_reads_about_their_own_consent_as_you_and_the_coach_in_third_person(
    app, world, login_as
):
    student = login_as(world.student_a)
    write(student, world, title="Paella on the beach")
    assert student.post(stay_path(world, "/blog/consent"), {"give": "1"}).status_code == 302
    own = student.get(stay_path(world, "/blog")).get_data(as_text=True)
    assert "You are under 18 on the first day of the stay" in own
    assert "The participant is under 18" not in own
    coach_page = login_as(world.coach_a).get(stay_path(world, "/blog")).get_data(as_text=True)
    assert "The participant is under 18 on the first day of the stay" in coach_page
    assert "You are under 18" not in coach_page


def test_a_minor_blog_is_published_only_with_the_guardian_s_consent_too(
    app, world, login_as, outbox, today
):
    join_consortium(app, world, today)
    student = login_as(world.student_a)
    write(student, world, title="Paella on the beach")
    promoter = login_as(world.promoter)
    coordinator = login_as(world.coordinator_a)
    assert "Paella on the beach" not in published(coordinator)

    assert student.post(stay_path(world, "/blog/consent"), {"give": "1"}).status_code == 302
    assert "Waits for a guardian" in student.get(stay_path(world, "/blog")).get_data(as_text=True)
    assert "Paella on the beach" not in published(coordinator)  # a minor: the guardian too

    coach = login_as(world.coach_a)
    sent = coach.post(
        stay_path(world, "/blog/consent-link"),
        {"guardian_name": "Gina A", "email": "gina@home.example", "language": "en"},
    )
    assert sent.status_code == 302
    message = outbox.last()
    assert message["To"] == "gina@home.example"
    link = outbox.link(message)
    anonymous_page = app.test_client().get(link)
    assert anonymous_page.status_code == 200
    assert "Student A" in anonymous_page.get_data(as_text=True)

    visitor = Browser(app.test_client())
    visitor.get(link)
    answered = visitor.post(link, {"signed_name": "Gina A", "guardian": "y", "consent": "1"})
    assert answered.status_code == 200
    assert "Your consent is recorded" in answered.get_data(as_text=True)

    assert "Paella on the beach" in published(coordinator)
    assert "Paella on the beach" in published(promoter)
    assert "Paella on the beach" not in published(login_as(world.coordinator_b))

    # the link works once
    again = visitor.post(link, {"signed_name": "Gina A", "guardian": "y", "refuse": "1"})
    assert again.status_code == 410
    with app.app_context():
        consent = db.session.scalar(select(BlogConsent))
        assert consent.guardian_consents
        assert consent.guardian_name == "Gina A"
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"blog_consent_given", "blog_consent_link_sent", "blog_consent_link_answered"} <= (
        actions
    )


def test_withdrawing_consent_hides_the_blog_at_once(app, world, login_as, today):
    join_consortium(app, world, today)
    with app.app_context():  # student A is of age at the start of the stay
        student = db.session.get(User, world.student_a.id)
        student.birth_date = today - timedelta(days=365 * 30)
        db.session.commit()
    browser = login_as(world.student_a)
    write(browser, world, title="Tapas with the team", photo=png_bytes())
    (post,) = posts(app, world)
    browser.post(stay_path(world, "/blog/consent"), {"give": "1"})
    promoter = login_as(world.promoter)
    assert "Tapas with the team" in published(promoter)
    photo = stay_path(world, f"/blog/{post.id}/photo")
    assert promoter.get(photo).status_code == 200  # a published photo, to the promoter

    browser.post(stay_path(world, "/blog/consent"), {"withdraw": "1"})
    assert "Tapas with the team" not in published(promoter)
    assert promoter.get(photo).status_code == 404
    assert "Tapas with the team" not in published(login_as(world.coordinator_a))


def test_a_promoter_without_the_school_in_its_consortium_sees_no_blog(app, world, login_as, today):
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        student.birth_date = today - timedelta(days=365 * 30)
        db.session.commit()
    browser = login_as(world.student_a)
    write(browser, world, title="Tapas with the team")
    browser.post(stay_path(world, "/blog/consent"), {"give": "1"})
    assert "Tapas with the team" not in published(login_as(world.promoter))
    assert "Tapas with the team" in published(login_as(world.coordinator_a))


def consent_link(app, world, *, sent_at=None) -> str:
    with app.app_context():
        now = sent_at or utcnow()
        link = BlogConsentLink(
            placement_id=world.placement_m.id,
            guardian_name="Gina A",
            email="gina@home.example",
            language="en",
            sent_by_id=world.coach_a.id,
            sent_at=now,
            expires_at=now + timedelta(days=stay.CONSENT_LINK_DAYS),
            answered_name="",
        )
        db.session.add(link)
        db.session.commit()
        return f"/blog-consent/{make_token(link)}"


def test_an_expired_or_replaced_consent_link_does_not_work(app, world):
    expired = consent_link(app, world, sent_at=utcnow() - timedelta(days=15))
    client = app.test_client()
    assert client.get(expired).status_code == 410
    first = consent_link(app, world)
    consent_link(app, world)
    response = client.get(first)
    assert response.status_code == 410
    assert "newer link" in response.get_data(as_text=True)
    assert client.get("/blog-consent/forged").status_code == 404


def test_a_guardian_withdraws_consent_through_a_new_link(app, world, login_as):
    browser = login_as(world.student_a)
    write(browser, world, title="Paella")
    browser.post(stay_path(world, "/blog/consent"), {"give": "1"})
    first = Browser(app.test_client())
    link = consent_link(app, world)
    first.get(link)
    first.post(link, {"signed_name": "Gina A", "guardian": "y", "consent": "1"})
    with app.app_context():
        assert stay.is_published(db.session.get(Placement, world.placement_m.id))
    second = Browser(app.test_client())
    link = consent_link(app, world)
    second.get(link)
    refused = second.post(link, {"signed_name": "Gina A", "guardian": "y", "refuse": "1"})
    assert refused.status_code == 200
    with app.app_context():
        assert not stay.is_published(db.session.get(Placement, world.placement_m.id))


def test_an_unticked_guardian_box_keeps_the_link_working(app, world):
    visitor = Browser(app.test_client())
    link = consent_link(app, world)
    visitor.get(link)
    response = visitor.post(link, {"signed_name": "Gina A", "consent": "1"})
    assert response.status_code == 422
    assert visitor.get(link).status_code == 200


def test_no_guardian_link_for_an_adult(app, world, login_as, today):
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        student.birth_date = today - timedelta(days=365 * 30)
        db.session.commit()
    response = login_as(world.coach_a).post(
        stay_path(world, "/blog/consent-link"),
        {"guardian_name": "Gina A", "email": "gina@home.example", "language": "en"},
    )
    assert response.status_code == 422
    assert "of age" in response.get_data(as_text=True)


# -- the socio-cultural programme ---------------------------------------------------------


def plan(browser, world, day, title="City walk"):
    return browser.post(
        stay_path(world, "/programme"),
        {"day": day.isoformat(), "title": title, "place": "Ciutat Vella", "description": "x"},
    )


def test_the_monitor_plans_the_participant_reflects_the_coach_reads(app, world, login_as, today):
    make_running(app, world, today)
    monitor = login_as(world.monitor)
    assert plan(monitor, world, today - timedelta(days=1)).status_code == 302
    assert plan(monitor, world, today + timedelta(days=2), "Football match").status_code == 302
    with app.app_context():
        past, future = db.session.scalars(select(Activity).order_by(Activity.day)).all()
    student = login_as(world.student_a)
    page = student.get(stay_path(world, "/programme")).get_data(as_text=True)
    assert "City walk" in page
    assert "Football match" in page
    assert "Reflection after the activity." in page  # the match is still to come
    reflect = stay_path(world, f"/programme/{past.id}/reflection")
    response = student.post(reflect, {f"a{past.id}-reflection": "People eat late here."})
    assert response.status_code == 302
    early = student.post(
        stay_path(world, f"/programme/{future.id}/reflection"),
        {f"a{future.id}-reflection": "Too early"},
    )
    assert early.status_code == 422
    with app.app_context():
        assert db.session.get(Activity, future.id).reflection == ""
    coach = login_as(world.coach_a).get(stay_path(world, "/programme")).get_data(as_text=True)
    assert "People eat late here." in coach
    assert login_as(world.mentor_es).get(stay_path(world, "/programme")).status_code == 403
    assert login_as(world.coach_a).post(stay_path(world, "/programme"), {}).status_code == 403


def test_an_activity_outside_the_stay_is_refused_with_nothing_lost(app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        end = placement.end_date
    response = plan(login_as(world.host_coordinator), world, end + timedelta(days=1), "Late")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a day of the stay" in page
    assert 'value="Late"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_the_programme_page_runs_the_same_queries_for_one_activity_or_many(
    app, world, login_as, today, count_queries
):
    make_running(app, world, today)
    monitor = login_as(world.monitor)
    plan(monitor, world, today)
    student = login_as(world.student_a)
    student.get(stay_path(world, "/programme"))
    with count_queries() as one:
        student.get(stay_path(world, "/programme"))
    for days in range(1, 6):
        plan(monitor, world, today - timedelta(days=days % 3), f"Activity {days}")
    with count_queries() as many:
        page = student.get(stay_path(world, "/programme")).get_data(as_text=True)
    assert "Activity 5" in page
    assert many.count == one.count


# -- the language goal --------------------------------------------------------------------


def test_the_participant_assesses_before_and_after_the_coach_and_monitor_read(app, world, login_as):
    student = login_as(world.student_a)
    response = student.post(
        stay_path(world, "/language"),
        {
            "language": "Spanish",
            "goal": "Ask for help at work",
            "before_listening": "A1",
            "before_spoken_interaction": "A2",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        goal = db.session.scalar(select(LanguageGoal))
        version = goal.version
        assert goal.before == {"listening": "A1", "spoken_interaction": "A2"}
    student.post(
        stay_path(world, "/language"),
        {
            "language": "Spanish",
            "goal": "Ask for help at work",
            "before_listening": "A1",
            "after_listening": "B1",
            "version": version,
        },
    )
    for reader in ("coach_a", "monitor"):
        page = login_as(world.user(reader)).get(stay_path(world, "/language"))
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Spanish" in text
        row = re.search(r"Listening</th><td>(\w+)</td><td>(\w+)</td>", text)
        assert row.groups() == ("A1", "B1")
    assert login_as(world.mentor_es).get(stay_path(world, "/language")).status_code == 403


def test_the_first_language_goal_is_saved_with_the_empty_version_the_page_sends(
    app, world, login_as
):
    student = login_as(world.student_a)
    response = student.post(
        stay_path(world, "/language"),
        {"language": "Spanish", "version": "", "before_reading": "A2"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LanguageGoal.before)) == {"reading": "A2"}


def test_a_level_that_is_not_cefr_or_a_stale_edit_is_refused(app, world, login_as):
    student = login_as(world.student_a)
    bad = student.post(
        stay_path(world, "/language"), {"language": "Spanish", "after_writing": "D7"}
    )
    assert bad.status_code == 422
    student.post(stay_path(world, "/language"), {"language": "Spanish"})
    stale = student.post(stay_path(world, "/language"), {"language": "Catalan", "version": "999"})
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(LanguageGoal.language)) == "Spanish"


# -- the accompanying teacher's trips -----------------------------------------------------


def new_trip(browser, world, start, end, school=None):
    return browser.post(
        "/trips/new",
        {
            "school": school or world.school_a.id,
            "destination": "Valencia",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
        },
    )


def test_a_coach_plans_a_trip_and_a_visit_per_participant(app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        start = placement.start_date + timedelta(days=2)
    coach = login_as(world.coach_a)
    response = new_trip(coach, world, start, start + timedelta(days=2))
    assert response.status_code == 302
    trip_path = response.headers["Location"]
    page = coach.get(trip_path).get_data(as_text=True)
    assert "Student A" in page  # placement M overlaps the trip
    added = coach.post(trip_path, {"placements": str(world.placement_m.id)})
    assert added.status_code == 302
    with app.app_context():
        trip = db.session.scalar(select(Trip))
        (visit,) = db.session.scalars(select(Visit).where(Visit.trip_id == trip.id)).all()
        assert visit.placement_id == world.placement_m.id
        assert visit.planned_on == start
    page = coach.get(trip_path).get_data(as_text=True)
    assert f"/visits/{visit.id}" in page
    assert "Planned" in page
    # added once: a second time is refused
    again = coach.post(trip_path, {"placements": str(world.placement_m.id)})
    assert again.status_code == 422
    assert login_as(world.coordinator_a).get(trip_path).status_code == 200
    assert login_as(world.coach_b).get(trip_path).status_code == 404
    assert login_as(world.coordinator_b).get(trip_path).status_code == 404


def test_another_school_s_coach_cannot_add_its_participants(app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        start = placement.start_date
    coach_b = login_as(world.coach_b)
    # a trip for school A is refused to coach B, who does not coach there
    refused = new_trip(coach_b, world, start, start + timedelta(days=1))
    assert refused.status_code == 422
    response = new_trip(coach_b, world, start, start + timedelta(days=1), world.school_b.id)
    trip_path = response.headers["Location"]
    assert "Student A" not in coach_b.get(trip_path).get_data(as_text=True)
    forced = coach_b.post(trip_path, {"placements": str(world.placement_m.id)})
    assert forced.status_code == 422
    assert "Only participants of the trip" in forced.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Visit.id)).where(Visit.trip_id.is_not(None))) == 0
        )


def test_a_trip_that_overlaps_no_stay_offers_nobody(app, world, login_as, today):
    coach = login_as(world.coach_a)
    response = new_trip(coach, world, today - timedelta(days=60), today - timedelta(days=58))
    page = coach.get(response.headers["Location"]).get_data(as_text=True)
    assert "No other participant of your school stays abroad during this trip." in page


def test_a_trip_ending_before_it_starts_is_refused(app, world, login_as, today):
    response = new_trip(login_as(world.coach_a), world, today, today - timedelta(days=1))
    assert response.status_code == 422
    assert "ends on or after" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Trip.id))) == 0


def test_a_placement_that_is_not_abroad_has_no_stay(world, login_as):
    for suffix in ("", "/blog", "/programme", "/language"):
        path = f"/placements/{world.placement_a.id}/stay{suffix}"
        assert login_as(world.coach_a).get(path).status_code == 404


def test_the_participant_s_export_holds_the_blog_photo_beside_a_log_photo_of_the_same_name(
    app, world, login_as
):
    entry = write_entry(app, world.placement_a, world.student_a, submit=True)
    attach_file(app, entry, world.student_a, filename="photo.png")
    student = login_as(world.student_a)
    write(student, world, photo=png_bytes(colour="red"), name="photo.png")
    response = student.post("/privacy/my-data")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(name.startswith("files/blog_post-") for name in names)
    assert any(name.startswith("files/attachment-") for name in names)


def trip_visit_by_coach_ab(app, world, login_as, today) -> tuple:
    """Placement M running, and coach AB (who coaches at School A, not student A) on a trip
    to it: the trip's path and its visit; beside it a visit coach A planned himself.
    """
    make_running(app, world, today)
    with app.app_context():
        start = db.session.get(Placement, world.placement_m.id).start_date
    teacher = login_as(world.coach_ab)
    trip_path = new_trip(teacher, world, start, start + timedelta(days=1)).headers["Location"]
    assert teacher.post(trip_path, {"placements": str(world.placement_m.id)}).status_code == 302
    own = login_as(world.coach_a).post(
        f"/placements/{world.placement_m.id}/visits/new",
        {"planned_on": today.isoformat(), "place": "Taller", "attendees": ["student", "coach"]},
    )
    assert own.status_code == 302
    with app.app_context():
        trip_visit = db.session.scalar(select(Visit).where(Visit.trip_id.is_not(None)))
        other = db.session.scalar(select(Visit).where(Visit.trip_id.is_(None)))
    return teacher, trip_path, trip_visit, other


def report_data(version: int, held_on, **changes) -> dict:
    data = {"version": version, "held_on": held_on.isoformat(), "owner": "student"}
    data.update(
        {"learning_process": "Paco lets her service brakes alone.", "bottlenecks": "Homesick."}
    )
    data.update(changes)
    return data


def test_a_trip_teacher_writes_and_finalises_the_report_of_the_trip_s_visit(
    app, world, login_as, today
):
    teacher, trip_path, visit, _other = trip_visit_by_coach_ab(app, world, login_as, today)
    visit_path = f"/placements/{world.placement_m.id}/visits/{visit.id}"
    page = teacher.get(trip_path).get_data(as_text=True)
    assert visit_path in page
    assert "coached by Coach A" in page
    shown = teacher.get(visit_path)
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Write the report" in text
    assert "Taller Valencia" in text  # the placement's header: who, where, when
    assert "Change date or place" not in text  # moving the visit stays the coach's
    assert teacher.get(visit_path + "/report").status_code == 200
    draft = teacher.post(
        visit_path + "/report",
        report_data(visit.version, visit.planned_on, bottlenecks_coach_only="y"),
    )
    assert draft.status_code == 302
    with app.app_context():
        saved = db.session.get(Visit, visit.id)
        version = saved.version
        assert saved.report["learning_process"] == "Paco lets her service brakes alone."
    # the draft is the reporter's: the trip teacher and the coach, not the student
    assert "Homesick." in teacher.get(visit_path).get_data(as_text=True)
    assert "Paco lets her" not in login_as(world.student_a).get(visit_path).get_data(as_text=True)
    final = teacher.post(
        visit_path + "/report",
        report_data(
            version, visit.planned_on, bottlenecks_coach_only="y", finalise="Save and make final"
        ),
    )
    assert final.status_code == 302
    with app.app_context():
        made_final = db.session.get(Visit, visit.id)
        assert made_final.is_final
        assert {c.user_id for c in made_final.confirmations} == {world.coach_ab.id}
    # the coach-only part the trip teacher wrote stays theirs and the school's
    assert "Homesick." in teacher.get(visit_path).get_data(as_text=True)
    assert "Homesick." in login_as(world.coach_a).get(visit_path).get_data(as_text=True)
    mentor_page = login_as(world.mentor_es).get(visit_path).get_data(as_text=True)
    assert "Paco lets her service brakes alone." in mentor_page
    assert "Homesick." not in mentor_page
    amended = teacher.post(visit_path + "/amendments", {"amend-body": "Better by Friday."})
    assert amended.status_code == 302
    assert "Better by Friday." in teacher.get(visit_path).get_data(as_text=True)


def test_a_trip_teacher_reads_nothing_else_of_the_placement(app, world, login_as, today):
    teacher, _trip, visit, other = trip_visit_by_coach_ab(app, world, login_as, today)
    placement = f"/placements/{world.placement_m.id}"
    # the coach's own visit of the same placement, and the rest of the placement: not theirs
    assert teacher.get(f"{placement}/visits/{other.id}").status_code == 404
    assert teacher.get(f"{placement}/visits/{other.id}/report").status_code == 404
    assert teacher.post(f"{placement}/visits/{other.id}/report", {}).status_code == 404
    for page in ("", "/visits", "/stay", "/closing", "/learning-agreement"):
        assert teacher.get(placement + page).status_code == 404, page
    # the trip's visit under another placement is not found
    assert teacher.get(f"/placements/{world.placement_a.id}/visits/{visit.id}").status_code == 404
    # the visit's page shows no agenda drawn from the log
    assert "Agenda" not in teacher.get(f"{placement}/visits/{visit.id}").get_data(as_text=True)
    # moving or cancelling the visit stays the participant's coach's
    assert teacher.get(f"{placement}/visits/{visit.id}/edit").status_code == 403
    assert teacher.post(f"{placement}/visits/{visit.id}/cancel").status_code == 403
    # once the teacher coaches no more at School A, the visit is no longer theirs
    with app.app_context():
        person = db.session.get(User, world.coach_ab.id)
        for membership in [m for m in person.memberships if m.organisation_id == world.school_a.id]:
            db.session.delete(membership)
        db.session.commit()
    assert teacher.get(f"{placement}/visits/{visit.id}").status_code == 404


def test_the_coach_still_reports_a_trip_visit_the_teacher_left(app, world, login_as, today):
    _teacher, _trip, visit, _other = trip_visit_by_coach_ab(app, world, login_as, today)
    coach = login_as(world.coach_a)
    path = f"/placements/{world.placement_m.id}/visits/{visit.id}/report"
    assert coach.post(path, report_data(visit.version, visit.planned_on)).status_code == 302


def test_erasing_a_participant_deletes_the_blog_with_and_without_photos(app, world, login_as):
    student = login_as(world.student_a)
    write(student, world, title="With a photo", photo=png_bytes())
    write(student, world, title="Words only")
    [key] = [post.storage_key for post in posts(app, world) if post.storage_key]
    with app.app_context():
        report = erase_person(
            db.session.get(User, world.admin.id), db.session.get(User, world.student_a.id), utcnow()
        )
        assert report.files >= 1
        assert not file_storage().exists(key)
    assert posts(app, world) == []


# -- changing and removing an activity of the programme -----------------------------------


def planned(app, world, today, title="City walk", reflection=""):
    """An activity of placement M's running stay, planned yesterday by the monitor."""
    make_running(app, world, today)
    with app.app_context():
        activity = stay.plan_activity(
            db.session.get(Placement, world.placement_m.id),
            db.session.get(User, world.monitor.id),
            day=today - timedelta(days=1),
            title=title,
            place="Ciutat Vella",
            description="Meet at the cathedral.",
        )
        if reflection:
            stay.reflect(activity, db.session.get(User, world.student_a.id), reflection, today)
        return activity.id


def activity_row(app, activity_id):
    with app.app_context():
        return db.session.get(Activity, activity_id)


def edit_data(activity, **changes) -> dict:
    data = {
        "day": activity.day.isoformat(),
        "title": activity.title,
        "place": activity.place,
        "description": activity.description,
        "version": activity.version,
    }
    data.update(changes)
    return data


def test_the_host_changes_an_activity_and_an_unchanged_save_writes_nothing(
    app, world, login_as, today
):
    activity_id = planned(app, world, today)
    host = login_as(world.host_coordinator)
    page = host.get(stay_path(world, "/programme")).get_data(as_text=True)
    assert stay_path(world, f"/programme/{activity_id}/edit") in page
    edit = stay_path(world, f"/programme/{activity_id}/edit")
    assert host.get(edit).status_code == 200
    before = activity_row(app, activity_id)
    with app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))
    unchanged = host.post(edit, edit_data(before))
    assert unchanged.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert activity_row(app, activity_id).version == before.version
    changed = host.post(edit, edit_data(before, title="Old town walk", place="Barri del Carme"))
    assert changed.status_code == 302
    after = activity_row(app, activity_id)
    assert (after.title, after.place) == ("Old town walk", "Barri del Carme")
    with app.app_context():
        assert "activity_changed" in set(db.session.scalars(select(AuditEvent.action)))
    # an edit from an older version is refused with what was typed kept
    stale = host.post(edit, edit_data(before, title="From an old tab"))
    assert stale.status_code == 409
    assert 'value="From an old tab"' in stale.get_data(as_text=True)
    assert activity_row(app, activity_id).title == "Old town walk"


def test_a_changed_activity_stays_in_the_stay_and_keeps_its_reflection_s_day(
    app, world, login_as, today
):
    activity_id = planned(app, world, today, reflection="People eat late here.")
    monitor = login_as(world.monitor)
    activity = activity_row(app, activity_id)
    edit = stay_path(world, f"/programme/{activity_id}/edit")
    page = monitor.get(edit).get_data(as_text=True)
    assert "People eat late here." in page
    late = monitor.post(edit, edit_data(activity, day=(today + timedelta(days=2)).isoformat()))
    assert late.status_code == 422
    assert "cannot move past today" in late.get_data(as_text=True)
    outside = monitor.post(edit, edit_data(activity, day=(today + timedelta(days=30)).isoformat()))
    assert outside.status_code == 422
    assert "Choose a day of the stay" in outside.get_data(as_text=True)
    assert activity_row(app, activity_id).day == activity.day


def test_the_host_removes_an_activity_after_a_confirmation(app, world, login_as, today):
    activity_id = planned(app, world, today)
    host = login_as(world.host_coordinator)
    remove = stay_path(world, f"/programme/{activity_id}/remove")
    page = host.get(remove)
    assert page.status_code == 200
    assert "cannot be undone" in page.get_data(as_text=True)
    assert activity_row(app, activity_id) is not None  # opening the page removes nothing
    version = activity_row(app, activity_id).version
    assert host.post(remove, {"version": version}).status_code == 302
    assert activity_row(app, activity_id) is None
    with app.app_context():
        assert "activity_removed" in set(db.session.scalars(select(AuditEvent.action)))


def test_an_activity_with_a_reflection_is_removed_only_with_the_reflection_shown_and_ticked(
    app, world, login_as, today
):
    activity_id = planned(app, world, today, reflection="People eat late here.")
    monitor = login_as(world.monitor)
    remove = stay_path(world, f"/programme/{activity_id}/remove")
    page = monitor.get(remove).get_data(as_text=True)
    assert "People eat late here." in page
    assert "Removing the activity removes the reflection too." in page
    version = activity_row(app, activity_id).version
    refused = monitor.post(remove, {"version": version})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Tick the box to remove the reflection with it" in text
    assert "People eat late here." in text
    assert activity_row(app, activity_id).reflection == "People eat late here."
    removed = monitor.post(remove, {"version": version, "remove_reflection": "y"})
    assert removed.status_code == 302
    assert activity_row(app, activity_id) is None
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "activity_removed"))
        assert event.details["reflection_removed"] is True


def test_a_reflection_written_after_the_confirmation_was_shown_is_not_removed_unseen(
    app, world, login_as, today
):
    activity_id = planned(app, world, today)
    host = login_as(world.host_coordinator)
    remove = stay_path(world, f"/programme/{activity_id}/remove")
    shown = activity_row(app, activity_id).version
    with app.app_context():
        stay.reflect(
            db.session.get(Activity, activity_id),
            db.session.get(User, world.student_a.id),
            "Written meanwhile.",
            today,
        )
    response = host.post(remove, {"version": shown, "remove_reflection": "y"})
    assert response.status_code == 409
    assert "Written meanwhile." in response.get_data(as_text=True)
    assert activity_row(app, activity_id).reflection == "Written meanwhile."


def test_only_who_plans_the_programme_changes_or_removes_it(app, world, login_as, today):
    activity_id = planned(app, world, today)
    version = activity_row(app, activity_id).version
    for name in ("student_a", "coach_a"):
        browser = login_as(world.user(name))
        assert browser.get(stay_path(world, f"/programme/{activity_id}/edit")).status_code == 403
        remove = stay_path(world, f"/programme/{activity_id}/remove")
        assert browser.post(remove, {"version": version}).status_code == 403
    outsider = login_as(world.coach_b)
    assert outsider.get(stay_path(world, f"/programme/{activity_id}/edit")).status_code == 404
    other = f"/placements/{world.placement_a.id}/stay/programme/{activity_id}/edit"
    assert login_as(world.monitor).get(other).status_code == 404
    assert activity_row(app, activity_id) is not None
