"""The learning agreement of a mobility abroad: drafted while the placement is in
preparation, signed in the app by the school, the participant and the host (or by the
host's signer through an e-mailed link), locked once signed, kept in versions, exported.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import func, select

from app.agreements import services
from app.extensions import db
from app.models import (
    AgreementSignature,
    AuditEvent,
    ItemKind,
    ItemStatus,
    LearningAgreement,
    MobilityItem,
    Organisation,
    OrganisationKind,
    Party,
    Placement,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from tests.browser import read_page_form
from tests.conftest import Browser, make_user

pytestmark = pytest.mark.usefixtures("in_english")


def path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_m.id}/learning-agreement{suffix}"


def started(app, world) -> int:
    """Version 1 of placement M's agreement, started by its coach; returns its id."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        return services.start(placement, db.session.get(User, world.coach_a.id), "en").id


def agreement(app, agreement_id: int) -> LearningAgreement:
    with app.app_context():
        found = db.session.get(LearningAgreement, agreement_id)
        found.signatures  # noqa: B018  (loaded while the session is open)
        db.session.expunge(found)
        return found


def edit_form(app, world, **changes) -> dict:
    """The edit form as the page shows it for the latest version, with `changes`."""
    with app.app_context():
        latest = services.current(db.session.get(Placement, world.placement_m.id))
        form = {
            "version": str(latest.version),
            "starts_on": latest.starts_on.isoformat(),
            "ends_on": latest.ends_on.isoformat(),
            "outcomes": list(latest.outcomes),
            "language_goals": "\n".join(latest.language_goals),
            "cultural_goals": "\n".join(latest.cultural_goals),
            **{name: getattr(latest, name) for name in services.TEXT_FIELDS},
            "save": "1",
        }
    form.update(changes)
    return form


def sign_form(app, agreement_id: int, party: str, name: str, consent: bool = True) -> dict:
    with app.app_context():
        version = db.session.get(LearningAgreement, agreement_id).version
    form = {"version": str(version), "party": party, "typed_name": name, "sign": "1"}
    if consent:
        form["consent"] = "y"
    return form


def sign_url(world, number: int = 1) -> str:
    return path(world, f"/versions/{number}/sign")


def sign_all(app, world, login_as, agreement_id: int, number: int = 1) -> None:
    for person, party, name in (
        (world.coach_a, "school", "Coach A"),
        (world.student_a, "participant", "Student A"),
        (world.monitor, "host", "Mona Monitor"),
    ):
        response = login_as(person).post(
            sign_url(world, number), sign_form(app, agreement_id, party, name)
        )
        assert response.status_code == 302, response.get_data(as_text=True)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- drafting ---------------------------------------------------------------------------


def test_the_coach_starts_the_agreement_of_a_mobility_in_preparation(app, world, login_as):
    coach = login_as(world.coach_a)
    page = coach.get(path(world)).get_data(as_text=True)
    assert "There is no learning agreement for this mobility yet." in page
    response = coach.post(
        path(world, "/start"), read_page_form(page, path(world), path(world, "/start")).data()
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(path(world, "/edit"))
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        assert placement.status == PlacementStatus.PREPARING
        first = services.current(placement)
        assert (first.number, first.starts_on, first.ends_on) == (
            1,
            placement.start_date,
            placement.end_date,
        )
        assert "occupational accidents" in first.insurance
        assert "European Health Insurance Card" in first.insurance
        assert "civil liability" in first.liability
        assert "Mona Monitor" in first.guidance
        assert "Coach A" in first.guidance
    form = coach.get(path(world, "/edit")).get_data(as_text=True)
    assert "European Health Insurance Card" in form


def dutch(app, msgid: str, **values) -> str:
    with app.test_request_context(), force_locale("nl"):
        return gettext(msgid, **values)


def test_the_proposed_texts_follow_the_language_of_who_starts_the_agreement(app, world, login_as):
    with app.app_context():
        db.session.get(User, world.coach_a.id).locale = "nl"
        db.session.commit()
    coach = login_as(world.coach_a)
    page = coach.get(path(world))
    form = read_page_form(page, path(world), path(world, "/start")).data()
    assert form["language"] == ["nl"]  # the starter's language is proposed
    assert coach.post(path(world, "/start"), form).status_code == 302
    with app.app_context():
        first = services.current(db.session.get(Placement, world.placement_m.id))
    with app.test_request_context(), force_locale("en"):
        english = str(services.INSURANCE)
    assert first.insurance == dutch(app, english)
    assert first.insurance != english
    assert "ziekenfonds" in first.insurance
    assert "Mona Monitor" in first.guidance
    assert "Coach A" in first.guidance
    assert "Tijdens het verblijf" in first.guidance
    # The agreement keeps the text as saved: an English reader sees the Dutch text.
    with app.app_context():
        db.session.get(User, world.coach_a.id).locale = "en"
        db.session.commit()
    assert first.insurance in login_as(world.coach_a).get(path(world)).get_data(as_text=True)


def test_the_host_signer_reads_the_texts_in_english_when_the_school_chooses_it(
    app, world, login_as, outbox
):
    with app.app_context():
        db.session.get(User, world.coach_a.id).locale = "nl"
        db.session.commit()
    coach = login_as(world.coach_a)
    page = coach.get(path(world))
    form = read_page_form(page, path(world), path(world, "/start")).data()
    form["language"] = ["en"]
    assert coach.post(path(world, "/start"), form).status_code == 302
    with app.app_context():
        first = services.current(db.session.get(Placement, world.placement_m.id))
        assert "European Health Insurance Card" in first.insurance
    with app.app_context():
        db.session.get(User, world.coach_a.id).locale = "en"
        db.session.commit()
    link = send_link(app, world, login_as, outbox)
    text = Browser(app.test_client()).get(link).get_data(as_text=True)
    assert "occupational accidents" in text
    assert "European Health Insurance Card" in text


def test_starting_in_an_unknown_language_is_refused_and_starts_nothing(app, world, login_as):
    response = login_as(world.coach_a).post(path(world, "/start"), {"language": "xx"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert count(app, LearningAgreement) == 0


def test_the_coordinator_drafts_outcomes_goals_and_tasks(app, world, login_as):
    started(app, world)
    coordinator = login_as(world.coordinator_a)
    with app.test_request_context(), force_locale("en"):
        choices = services.outcome_choices(db.session.get(Placement, world.placement_m.id))
    start = world.placement_m.start_date
    response = coordinator.post(
        path(world, "/edit"),
        edit_form(
            app,
            world,
            starts_on=(start + timedelta(days=1)).isoformat(),
            outcomes=[choices[1].id, choices[0].id],
            language_goals="- Ask for help in Spanish\n\n• Read a work order",
            cultural_goals="Join the monitor's Saturday programme",
            tasks="Assist the mechanic with servicing.",
        ),
    )
    assert response.status_code == 302
    page = coordinator.get(path(world)).get_data(as_text=True)
    for expected in (
        choices[0].title,
        "Ask for help in Spanish",
        "Read a work order",
        "Join the monitor&#39;s Saturday programme",
        "Assist the mechanic with servicing.",
        "Draft",
    ):
        assert expected in page
    with app.app_context():
        saved = services.current(db.session.get(Placement, world.placement_m.id))
        assert saved.outcomes == [choices[0].id, choices[1].id]  # in the framework's order
        assert saved.language_goals == ["Ask for help in Spanish", "Read a work order"]
        assert saved.starts_on == start + timedelta(days=1)


def test_a_period_outside_the_placement_and_an_unknown_outcome_are_refused(app, world, login_as):
    started(app, world)
    coach = login_as(world.coach_a)
    before = edit_form(app, world)
    late = (world.placement_m.end_date + timedelta(days=1)).isoformat()
    response = coach.post(path(world, "/edit"), edit_form(app, world, ends_on=late, tasks="Typed"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This date is after the placement ends" in page
    assert "Typed" in page  # nothing typed is lost
    response = coach.post(path(world, "/edit"), edit_form(app, world, outcomes=["welding-magic"]))
    assert response.status_code == 422
    assert "is not a competence of this placement" in response.get_data(as_text=True)
    assert edit_form(app, world) == before


def test_a_stale_edit_is_refused_with_the_text_kept(app, world, login_as):
    started(app, world)
    coach, coordinator = login_as(world.coach_a), login_as(world.coordinator_a)
    opened = edit_form(app, world)
    assert coordinator.post(path(world, "/edit"), {**opened, "tasks": "First"}).status_code == 302
    response = coach.post(path(world, "/edit"), {**opened, "tasks": "Second, typed by the coach"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone changed the agreement after you opened it." in page
    assert "Second, typed by the coach" in page
    assert edit_form(app, world)["tasks"] == "First"


def test_saving_the_draft_unchanged_writes_nothing(app, world, login_as):
    started(app, world)
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = login_as(world.coach_a).post(path(world, "/edit"), edit_form(app, world))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert services.current(db.session.get(Placement, world.placement_m.id)).version == 1


# -- signing ----------------------------------------------------------------------------


def test_the_three_parties_sign_in_the_app_and_each_signature_is_audited(app, world, login_as):
    agreement_id = started(app, world)
    sign_all(app, world, login_as, agreement_id)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        assert services.is_signed(placement)
        signed = db.session.get(LearningAgreement, agreement_id)
        assert {s.party: s.typed_name for s in signed.signatures} == {
            Party.SCHOOL: "Coach A",
            Party.PARTICIPANT: "Student A",
            Party.HOST: "Mona Monitor",
        }
        assert signed.signature_of(Party.HOST).capacity == "monitor"
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "agreement_signed")
        ).all()
        assert sorted(e.details["party"] for e in events) == ["host", "participant", "school"]
        assert {e.actor_id for e in events} == {
            world.coach_a.id,
            world.student_a.id,
            world.monitor.id,
        }
    page = login_as(world.host_coordinator).get(path(world)).get_data(as_text=True)
    assert "Signed by all three parties." in page
    assert "signed by Mona Monitor (host monitor) on" in page


def test_the_participant_signs_with_the_form_the_page_shows(app, world, login_as):
    agreement_id = started(app, world)
    student = login_as(world.student_a)
    page = student.get(path(world))
    action = sign_url(world)
    sent = read_page_form(page, path(world), action).data()
    sent.update(typed_name=["Student A"], consent=["y"])
    assert student.post(action, sent).status_code == 302
    assert agreement(app, agreement_id).signature_of(Party.PARTICIPANT).typed_name == "Student A"


@pytest.mark.parametrize("host", ["mentor_es", "host_coordinator"])
def test_the_mentor_or_the_host_coordinator_signs_for_the_host(app, world, login_as, host):
    agreement_id = started(app, world)
    person = world.user(host)
    response = login_as(person).post(sign_url(world), sign_form(app, agreement_id, "host", "Host"))
    assert response.status_code == 302
    assert agreement(app, agreement_id).signature_of(Party.HOST).signer_id == person.id


@pytest.mark.parametrize(
    ("name", "consent", "message"),
    [
        ("Student A", False, "Tick the box to confirm that you agree"),
        ("   ", True, "Type your full name to sign."),
    ],
)
def test_a_signature_needs_a_name_and_consent(app, world, login_as, name, consent, message):
    agreement_id = started(app, world)
    response = login_as(world.student_a).post(
        sign_url(world), sign_form(app, agreement_id, "participant", name, consent)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, AgreementSignature) == 0
    assert agreement(app, agreement_id).locked_at is None


def test_nobody_signs_for_a_party_that_is_not_theirs(app, world, login_as):
    agreement_id = started(app, world)
    student = login_as(world.student_a)
    assert (
        student.post(sign_url(world), sign_form(app, agreement_id, "school", "A")).status_code
        == 403
    )
    # Someone who reads the agreement but is no party's signer.
    admin = login_as(world.admin)
    assert (
        admin.post(sign_url(world), sign_form(app, agreement_id, "school", "A")).status_code == 403
    )
    assert count(app, AgreementSignature) == 0


def test_a_party_signs_once(app, world, login_as):
    agreement_id = started(app, world)
    coach = login_as(world.coach_a)
    assert (
        coach.post(sign_url(world), sign_form(app, agreement_id, "school", "A")).status_code == 302
    )
    again = login_as(world.coordinator_a).post(
        sign_url(world), sign_form(app, agreement_id, "school", "Cor A")
    )
    # The coordinator is offered no party left to sign: refused, nothing added.
    assert again.status_code == 422
    assert count(app, AgreementSignature) == 1


def test_signing_a_version_changed_since_it_was_read_is_refused(app, world, login_as):
    agreement_id = started(app, world)
    form = sign_form(app, agreement_id, "participant", "Student A")
    assert (
        login_as(world.coach_a)
        .post(path(world, "/edit"), edit_form(app, world, tasks="Changed"))
        .status_code
        == 302
    )
    student = login_as(world.student_a)
    response = student.post(sign_url(world), form)
    assert response.status_code == 302
    page = student.get(response.headers["Location"]).get_data(as_text=True)
    assert count(app, AgreementSignature) == 0
    assert "The agreement changed while you were reading it. Read it again, then sign." in page
    assert "Sign this version" in page


# -- locked once signed, and versions ---------------------------------------------------


def test_an_edit_after_signing_is_refused_with_a_clear_message(app, world, login_as):
    agreement_id = started(app, world)
    coach = login_as(world.coach_a)
    opened = edit_form(app, world)
    assert (
        coach.post(sign_url(world), sign_form(app, agreement_id, "school", "A")).status_code == 302
    )
    response = coach.post(path(world, "/edit"), {**opened, "tasks": "Typed after signing"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This version is signed, so it can no longer be changed. Make a new version" in page
    assert "Typed after signing" in page
    assert agreement(app, agreement_id).tasks == ""
    reopened = coach.get(path(world, "/edit"), follow_redirects=True).get_data(as_text=True)
    assert "This version is signed, so it can no longer be changed." in reopened


def test_a_new_version_needs_all_three_signatures_again_and_the_old_one_stays(app, world, login_as):
    agreement_id = started(app, world)
    sign_all(app, world, login_as, agreement_id)
    coach = login_as(world.coach_a)
    response = coach.post(path(world, "/new-version"))
    assert response.status_code == 302
    assert (
        coach.post(
            path(world, "/edit"), edit_form(app, world, tasks="Also the paint shop.")
        ).status_code
        == 302
    )
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        versions = services.versions_of(placement)
        assert [v.number for v in versions] == [2, 1]
        assert versions[0].signatures == []
        assert versions[1].is_signed
        assert versions[1].tasks == ""
        assert not services.is_signed(placement)
    old = login_as(world.monitor).get(path(world, "?version=1")).get_data(as_text=True)
    assert "Replaced by a newer version" in old
    assert "Signed by all three parties." in old
    assert "Sign this version" not in old
    assert login_as(world.monitor).get(path(world, "?version=3")).status_code == 404
    sign_all(app, world, login_as, versions[0].id, number=2)
    with app.app_context():
        assert services.is_signed(db.session.get(Placement, world.placement_m.id))


def agreement_item(app, world):
    with app.app_context():
        return db.session.scalar(
            select(MobilityItem.status).where(
                MobilityItem.placement_id == world.placement_m.id,
                MobilityItem.kind == ItemKind.LEARNING_AGREEMENT,
            )
        )


def test_the_mobility_file_has_the_agreement_once_all_three_signed(app, world, login_as):
    agreement_id = started(app, world)
    for person, party, name in (
        (world.coach_a, "school", "Coach A"),
        (world.student_a, "participant", "Student A"),
        (world.monitor, "host", "Mona Monitor"),
    ):
        assert agreement_item(app, world) in (None, ItemStatus.MISSING)  # not yet all three
        response = login_as(person).post(sign_url(world), sign_form(app, agreement_id, party, name))
        assert response.status_code == 302
    assert agreement_item(app, world) == ItemStatus.DELIVERED  # for the school to check
    login_as(world.coach_a).post(path(world, "/new-version"))
    assert agreement_item(app, world) == ItemStatus.MISSING  # the new version is unsigned


def test_an_earlier_version_cannot_be_signed(app, world, login_as):
    agreement_id = started(app, world)
    coach = login_as(world.coach_a)
    coach.post(sign_url(world), sign_form(app, agreement_id, "school", "A"))
    coach.post(path(world, "/new-version"))
    response = login_as(world.student_a).post(
        sign_url(world, 1), sign_form(app, agreement_id, "participant", "Student A")
    )
    assert response.status_code == 422
    assert "A newer version of this agreement exists" in response.get_data(as_text=True)


def test_a_draft_needs_no_new_version(app, world, login_as):
    started(app, world)
    response = login_as(world.coach_a).post(path(world, "/new-version"), follow_redirects=True)
    assert "This version is not signed yet" in response.get_data(as_text=True)
    assert count(app, LearningAgreement) == 1


# -- the host's signer by link ----------------------------------------------------------


def send_link(app, world, login_as, outbox) -> str:
    response = login_as(world.coach_a).post(
        path(world, "/host-link"), {"name": "Lucía Pérez", "email": "lucia@taller.example"}
    )
    assert response.status_code == 302
    message = outbox.last()
    assert message["To"] == "lucia@taller.example"
    body = outbox.body(message)
    assert "Hello Lucía Pérez" in body
    assert "valid for 14 days" in body
    return outbox.link(message)


def test_the_host_signer_signs_once_by_the_link_in_english(app, world, login_as, outbox):
    agreement_id = started(app, world)
    link = send_link(app, world, login_as, outbox)
    visitor = Browser(app.test_client())
    page = visitor.get(link, headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Learning agreement of Student A" in text
    assert "Sign for the host organisation" in text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    form = read_page_form(page, link, link).data()
    form.update(typed_name=["Lucía Pérez"], consent=["y"])
    refused = visitor.post(link, {**form, "consent": ""})
    assert refused.status_code == 422
    assert "Tick the box" in refused.get_data(as_text=True)
    done = visitor.post(link, form)
    assert done.status_code == 200
    assert "You signed the learning agreement of Student A" in done.get_data(as_text=True)
    signature = agreement(app, agreement_id).signature_of(Party.HOST)
    assert (signature.signer_id, signature.capacity, signature.email) == (
        None,
        "link",
        "lucia@taller.example",
    )
    again = visitor.post(link, form)
    assert again.status_code == 410
    assert "A link signs only once." in again.get_data(as_text=True)
    assert Browser(app.test_client()).get(link).status_code == 410
    assert count(app, AgreementSignature) == 1


def test_an_expired_link_is_refused(app, world, login_as):
    agreement_id = started(app, world)
    with app.test_request_context():
        token = services.make_link(
            services.HostLink(agreement_id, "lucia@taller.example", utcnow() - timedelta(days=15))
        )
    response = Browser(app.test_client()).get(f"/learning-agreement/{token}")
    assert response.status_code == 410
    assert "has expired" in response.get_data(as_text=True)
    with app.app_context():
        reasons = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "agreement_link_refused")
        ).all()
        assert reasons == [{"agreement": agreement_id, "reason": "expired"}]


def test_a_link_to_a_replaced_version_is_refused(app, world, login_as, outbox):
    agreement_id = started(app, world)
    link = send_link(app, world, login_as, outbox)
    coach = login_as(world.coach_a)
    coach.post(sign_url(world), sign_form(app, agreement_id, "school", "A"))
    coach.post(path(world, "/new-version"))
    response = Browser(app.test_client()).get(link)
    assert response.status_code == 410
    assert "newer version" in response.get_data(as_text=True)


def test_a_forged_or_altered_link_is_not_found(app, world):
    agreement_id = started(app, world)
    with app.test_request_context():
        token = services.make_link(services.HostLink(agreement_id, "a@b.example", utcnow()))
    visitor = Browser(app.test_client())
    assert visitor.get(f"/learning-agreement/{token[:-2]}xx").status_code == 404
    assert visitor.get("/learning-agreement/not-a-token").status_code == 404


def test_no_link_is_sent_once_the_host_has_signed(app, world, login_as, outbox):
    agreement_id = started(app, world)
    login_as(world.monitor).post(sign_url(world), sign_form(app, agreement_id, "host", "Mona"))
    response = login_as(world.coach_a).post(
        path(world, "/host-link"), {"name": "Lucía", "email": "lucia@taller.example"}
    )
    assert response.status_code == 422
    assert len(outbox) == 0


# -- who sees it ------------------------------------------------------------------------


def second_host_partner(app) -> User:
    """A coordinator of another host partner in Valencia."""
    with app.app_context():
        other = Organisation(
            name="Other Host", kind=OrganisationKind.HOST_ABROAD, city="Valencia", country="ES"
        )
        db.session.add(other)
        db.session.flush()
        person = make_user("other@host.example", "Otra", (Role.HOST_COORDINATOR, other))
        db.session.commit()
        db.session.refresh(person)
        db.session.expunge(person)
        return person


def test_who_reads_the_agreement(app, world, login_as):
    started(app, world)
    readers = (
        "admin",
        "coordinator_a",
        "coordinator_coach_a",
        "coach_a",
        "student_a",
        "mentor_es",
        "monitor",
        "host_coordinator",
    )
    others = (
        "coordinator_b",
        "coach_b",
        "coach_ab",
        "mentor_x",
        "mentor_y",
        "company_coordinator_x",
        "student_b",
        "outsider",
        "promoter",
    )
    for name in readers:
        assert login_as(world.user(name)).get(path(world)).status_code == 200, name
        assert login_as(world.user(name)).get(path(world, ".pdf")).status_code == 200, name
    for name in others:
        assert login_as(world.user(name)).get(path(world)).status_code == 404, name
        assert login_as(world.user(name)).get(path(world, ".pdf")).status_code == 404, name
    other_host = login_as(second_host_partner(app))
    assert other_host.get(path(world)).status_code == 404


def test_the_list_shows_the_mobilities_each_reads_and_the_host_has_it_in_the_menu(
    app, world, login_as
):
    started(app, world)
    for name in ("host_coordinator", "monitor", "coach_a", "coordinator_a", "admin"):
        page = login_as(world.user(name)).get("/learning-agreements").get_data(as_text=True)
        assert path(world) in page, name
        assert "Draft" in page, name
    for name in ("promoter", "coordinator_b", "mentor_x", "outsider"):
        page = login_as(world.user(name)).get("/learning-agreements").get_data(as_text=True)
        assert "No mobility abroad is shared with you." in page, name
    page = login_as(second_host_partner(app)).get("/learning-agreements").get_data(as_text=True)
    assert path(world) not in page
    menu = 'href="/learning-agreements"'
    assert menu in login_as(world.monitor).get("/").get_data(as_text=True)
    assert menu in login_as(world.host_coordinator).get("/").get_data(as_text=True)
    assert menu not in login_as(world.coach_a).get("/").get_data(as_text=True)


def test_the_list_runs_the_same_queries_for_one_mobility_or_many(
    app, world, login_as, count_queries
):
    started(app, world)
    host = login_as(world.host_coordinator)
    host.get("/learning-agreements")
    with count_queries() as one:
        host.get("/learning-agreements")
    with app.app_context():
        model = db.session.get(Placement, world.placement_m.id)
        coach = db.session.get(User, world.coach_a.id)
        for weeks in (10, 20, 30):
            other = Placement(
                **{
                    column: getattr(model, column)
                    for column in ("student_id", "school_id", "workplace_id", "mentor_id")
                },
                coach_id=model.coach_id,
                monitor_id=model.monitor_id,
                host_partner_id=model.host_partner_id,
                kind=model.kind,
                status=model.status,
                start_date=model.start_date + timedelta(weeks=weeks),
                end_date=model.end_date + timedelta(weeks=weeks),
                framework_id=model.framework_id,
                framework_version=model.framework_version,
            )
            db.session.add(other)
            db.session.commit()
            services.start(other, coach)
    with count_queries() as many:
        page = host.get("/learning-agreements").get_data(as_text=True)
    assert page.count("Version 1") == 4
    assert many.count == one.count


def test_a_placement_that_is_not_a_mobility_has_no_agreement(world, login_as):
    response = login_as(world.coach_a).get(f"/placements/{world.placement_a.id}/learning-agreement")
    assert response.status_code == 404


def test_only_the_school_drafts(app, world, login_as):
    for name in ("monitor", "host_coordinator", "mentor_es", "student_a"):
        assert login_as(world.user(name)).post(path(world, "/start")).status_code == 403, name
    assert count(app, LearningAgreement) == 0


def test_a_stopped_mobility_is_neither_drafted_nor_signed(app, world, login_as):
    agreement_id = started(app, world)
    with app.app_context():
        db.session.get(Placement, world.placement_m.id).status = PlacementStatus.STOPPED
        db.session.commit()
    assert login_as(world.coach_a).get(path(world, "/edit")).status_code == 403
    response = login_as(world.student_a).post(
        sign_url(world), sign_form(app, agreement_id, "participant", "Student A")
    )
    assert response.status_code == 403


# -- the PDF ----------------------------------------------------------------------------


def test_the_pdf_shows_version_parties_and_signatures(app, world, login_as):
    agreement_id = started(app, world)
    login_as(world.coach_a).post(sign_url(world), sign_form(app, agreement_id, "school", "Coach A"))
    response = login_as(world.host_coordinator).get(path(world, ".pdf?version=1"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "learning-agreement-" in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in (
        "Erasmus+ learning agreement",
        "Version 1",
        "School A",
        "Student A",
        "Taller Valencia",
        "Mona Monitor",
        "European Health Insurance Card",
        "signed by Coach A (coach) on",
        "Participant: not signed yet",
    ):
        assert expected in text, expected


def test_is_signed_is_false_without_an_agreement(app, world):
    with app.app_context():
        assert not services.is_signed(db.session.get(Placement, world.placement_m.id))
