"""The mobility file of a placement abroad: every item with its owner, deadline, status
and proof; the participant's, the training company's and a guardian's approvals (the
guardian through a link that works once); a placement that cannot start while an item is
missing; reminders before each deadline. Who may open which page: test_access.py.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mobility import services as mobility
from app.models import (
    ApprovalMethod,
    AuditEvent,
    GuardianApproval,
    Notification,
    NotificationKind,
    Partnership,
    Placement,
    PlacementStatus,
    User,
)
from app.models.columns import utcnow
from app.models.mobility import GuardianLink, ItemKind, ItemStatus, MobilityItem
from app.notifications import reminders
from app.privacy import minors
from tests.conftest import Browser, at, placement_form, png_bytes

pytestmark = pytest.mark.usefixtures("in_english")

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def file_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_m.id}/mobility-file{suffix}"


def mobility_file(app, world):
    """The file of placement M as the service reads it (in its own app context)."""
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        found = mobility.file_of(placement)
        return {item.kind: item.status for item in found.items}


def upload(browser, world, kind: str, data: bytes, filename: str):
    return browser.post(
        file_path(world, f"/{kind}/upload"),
        {f"{kind}-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_PATH"])
    return [path for path in folder.glob("*") if path.is_file()] if folder.exists() else []


def complete_file(app, world, *, company: bool = True, guardian: bool = True) -> None:
    """Everything delivered and approved, through the services (the company's and the
    guardian's approvals unless told otherwise).
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        coach = db.session.get(User, world.coach_a.id)
        student = db.session.get(User, world.student_a.id)
        for kind in (
            ItemKind.CV_EXPECTATIONS,
            ItemKind.HEALTH_INSURANCE,
            ItemKind.ACCIDENT_INSURANCE,
            ItemKind.WORKPLACE_LIABILITY,
            ItemKind.GENERAL_LIABILITY,
            ItemKind.LEARNING_AGREEMENT,
        ):
            mobility.deliver_file(placement, kind, coach, "proof.pdf", io.BytesIO(PDF_BYTES))
            mobility.review_item(placement, kind, coach, accept=True, note="")
        mobility.approve_participation(placement, student, "Student A")
        if company:
            mobility.answer_for_company(
                placement,
                db.session.get(User, world.mentor_x.id),
                approve=True,
                signed_name="Mentor X",
                note="",
            )
        if guardian:
            minors.record_approval(
                coach,
                placement,
                minors.ApprovalRecord("Gina A (mother)", "v1", ApprovalMethod.PAPER, world.today),
                world.today,
            )


@pytest.fixture
def partners(app, world):
    """School A works with the host company in Valencia, so its coordinator may edit
    placement M in the administration.
    """
    with app.app_context():
        db.session.add(Partnership(school_id=world.school_a.id, workplace_id=world.host_company.id))
        db.session.commit()
    return world


def activate(browser, world, **changes):
    """Save placement M as active from the placement form, as its coordinator does."""
    placement = world.placement_m
    form = placement_form(
        world,
        workplace=world.host_company.id,
        mentor=world.mentor_es.id,
        kind="mobility_abroad",
        start_date=placement.start_date.isoformat(),
        end_date=placement.end_date.isoformat(),
        status="active",
        framework="",
        rubric="",
    )
    form.update(changes)
    return browser.post(f"/admin/placements/{placement.id}/edit", form)


# -- the file ---------------------------------------------------------------------------


def test_the_file_lists_every_item_with_its_owner_deadline_and_status(app, world, login_as):
    page = login_as(world.coach_a).get(file_path(world))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for label in (
        "CV and expectations form",
        "Approval of the training company",
        "Approval of the participant",
        "Approval of a parent or guardian",
        "Health insurance and European Health Insurance Card",
        "Insurance against occupational accidents",
        "Civil liability insurance at the workplace",
        "General civil liability insurance",
        "Signed learning agreement",
    ):
        assert label in text
    assert "by: The sending school" in text
    assert "by: The training company" in text
    assert "9 items are missing" in text
    # Student A is a dual learner at Company X during the stay, and 16.
    assert "Company X" in text
    statuses = mobility_file(app, world)
    assert set(statuses.values()) == {ItemStatus.MISSING}


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def test_an_adult_who_is_no_dual_learner_needs_neither_approval(app, world):
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        student.birth_date = years_before(world.today, 30)
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.STOPPED
        db.session.commit()
    statuses = mobility_file(app, world)
    assert statuses[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.NOT_NEEDED
    assert statuses[ItemKind.COMPANY_APPROVAL] is ItemStatus.NOT_NEEDED


def test_the_participant_reads_about_the_guardian_s_approval_as_you(app, world, login_as):
    own = login_as(world.student_a).get(file_path(world)).get_data(as_text=True)
    assert "You are under 18 on the first day of the stay" in own
    assert "The participant is under 18" not in own
    school = login_as(world.coach_a).get(file_path(world)).get_data(as_text=True)
    assert "The participant is under 18 on the first day of the stay" in school
    with app.app_context():
        db.session.get(User, world.student_a.id).birth_date = years_before(world.today, 30)
        db.session.commit()
    adult = login_as(world.student_a).get(file_path(world)).get_data(as_text=True)
    assert "You are of age on the first day of the stay." in adult


def test_a_minor_is_counted_on_the_first_day_of_the_stay_not_today(app, world):
    start = world.placement_m.start_date
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        # 17 today, 18 on the first day of the stay: no guardian needed.
        student.birth_date = years_before(start, 18) - timedelta(days=1)
        db.session.commit()
    assert mobility_file(app, world)[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.NOT_NEEDED
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        # 18 the day after the stay starts: still a minor on its first day.
        student.birth_date = years_before(start, 18) + timedelta(days=1)
        db.session.commit()
    assert mobility_file(app, world)[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.MISSING


def test_a_placement_that_is_not_abroad_has_no_file(world, login_as):
    coach = login_as(world.coach_a)
    assert coach.get(f"/placements/{world.placement_a.id}/mobility-file").status_code == 404
    assert coach.get(file_path(world, "/not_a_kind/file")).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("student_a", 200),
        ("coach_a", 200),
        ("coordinator_a", 200),
        ("admin", 200),
        ("mentor_es", 403),  # the mentor abroad sees the placement, not its file
        ("mentor_x", 404),  # the dual company sees only the approval it gives
        ("company_coordinator_x", 404),
        ("coordinator_b", 404),
        ("student_b", 404),
        ("outsider", 404),
        ("promoter", 404),
        ("host_coordinator", 403),  # the host partner sees the placement, not its papers
        ("monitor", 403),
    ],
)
def test_the_participant_and_the_school_see_the_file(world, login_as, role, status):
    assert login_as(world.user(role)).get(file_path(world)).status_code == status


# -- proofs -----------------------------------------------------------------------------


def test_the_student_hands_in_the_cv_and_the_school_accepts_it(app, world, login_as):
    student = login_as(world.student_a)
    answer = upload(student, world, "cv_expectations", PDF_BYTES, "my cv.pdf")
    assert answer.status_code == 302
    assert mobility_file(app, world)[ItemKind.CV_EXPECTATIONS] is ItemStatus.DELIVERED
    download = file_path(world, "/cv_expectations/file")
    got = student.get(download)
    assert got.status_code == 200
    assert got.data == PDF_BYTES
    assert login_as(world.mentor_es).get(download).status_code == 403
    assert login_as(world.coordinator_b).get(download).status_code == 404

    coach = login_as(world.coach_a)
    assert (
        coach.post(
            file_path(world, "/cv_expectations/review"), {"cv_expectations-accept": "1"}
        ).status_code
        == 302
    )
    assert mobility_file(app, world)[ItemKind.CV_EXPECTATIONS] is ItemStatus.APPROVED
    page = coach.get(file_path(world)).get_data(as_text=True)
    assert "my cv.pdf" in page


def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_kept(app, world, login_as):
    student = login_as(world.student_a)
    answer = upload(student, world, "cv_expectations", b"MZ\x90\x00 not a pdf", "cv.pdf")
    assert answer.status_code == 422
    assert "Only photos (JPEG, PNG) and PDFs can be attached" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(MobilityItem.id))) == 0
    assert stored_files(app) == []


def test_a_new_proof_replaces_the_one_before(app, world, login_as):
    coach = login_as(world.coach_a)
    upload(coach, world, "accident_insurance", PDF_BYTES, "policy.pdf")
    upload(coach, world, "accident_insurance", png_bytes(), "policy.png")
    assert len(stored_files(app)) == 1
    got = coach.get(file_path(world, "/accident_insurance/file"))
    assert got.mimetype == "image/png"


def test_the_student_cannot_hand_in_what_the_school_delivers(world, login_as):
    student = login_as(world.student_a)
    assert upload(student, world, "accident_insurance", PDF_BYTES, "x.pdf").status_code == 403
    assert upload(student, world, "guardian_approval", PDF_BYTES, "x.pdf").status_code == 403


def test_an_item_of_another_placement_is_not_found(world, login_as):
    other_school = login_as(world.coordinator_b)
    assert upload(other_school, world, "cv_expectations", PDF_BYTES, "x.pdf").status_code == 404
    coach = login_as(world.coach_a)
    not_abroad = f"/placements/{world.placement_a.id}/mobility-file/cv_expectations/upload"
    answer = coach.post(
        not_abroad,
        {"cv_expectations-file": (io.BytesIO(PDF_BYTES), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 404
    b_file = f"/placements/{world.placement_b.id}/mobility-file/cv_expectations/file"
    assert login_as(world.coordinator_b).get(b_file).status_code == 404


def test_sending_a_proof_back_needs_a_reason_and_makes_it_missing(app, world, login_as):
    coach = login_as(world.coach_a)
    upload(coach, world, "general_liability", PDF_BYTES, "liability.pdf")
    review = file_path(world, "/general_liability/review")
    refused = coach.post(review, {"general_liability-send_back": "1"})
    assert refused.status_code == 422
    assert "Say why it is sent back" in refused.get_data(as_text=True)
    assert mobility_file(app, world)[ItemKind.GENERAL_LIABILITY] is ItemStatus.DELIVERED
    sent_back = coach.post(
        review,
        {"general_liability-send_back": "1", "general_liability-note": "Last year's policy."},
    )
    assert sent_back.status_code == 302
    assert mobility_file(app, world)[ItemKind.GENERAL_LIABILITY] is ItemStatus.MISSING
    assert "Last year&#39;s policy." in coach.get(file_path(world)).get_data(as_text=True)


def test_only_the_school_checks_the_file(world, login_as):
    student = login_as(world.student_a)
    upload(student, world, "cv_expectations", PDF_BYTES, "cv.pdf")
    review = file_path(world, "/cv_expectations/review")
    assert student.post(review, {"cv_expectations-accept": "1"}).status_code == 403


def test_a_deadline_is_moved_but_never_past_the_start(app, world, login_as):
    coach = login_as(world.coach_a)
    start = world.placement_m.start_date
    path = file_path(world, "/learning_agreement/deadline")
    late = coach.post(
        path, {"learning_agreement-deadline": (start + timedelta(days=1)).isoformat()}
    )
    assert late.status_code == 422
    assert "on or before the first day of the stay" in late.get_data(as_text=True)
    moved = coach.post(
        path, {"learning_agreement-deadline": (start - timedelta(days=2)).isoformat()}
    )
    assert moved.status_code == 302
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        item = mobility.file_of(placement).item(ItemKind.LEARNING_AGREEMENT)
        assert item.deadline == start - timedelta(days=2)


def test_the_participant_approves_in_the_app_with_consent(app, world, login_as):
    student = login_as(world.student_a)
    path = file_path(world, "/participation")
    refused = student.post(path, {"signed_name": "Student A"})
    assert refused.status_code == 422
    assert "Tick the box to approve." in refused.get_data(as_text=True)
    assert student.post(path, {"signed_name": "Student A", "consent": "y"}).status_code == 302
    assert mobility_file(app, world)[ItemKind.PARTICIPANT_APPROVAL] is ItemStatus.APPROVED
    assert (
        login_as(world.coach_a).post(path, {"signed_name": "C", "consent": "y"}).status_code == 403
    )


def test_other_slices_deliver_through_the_hooks(app, world):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        mobility.mark_delivered(placement, ItemKind.LEARNING_AGREEMENT, None)
        mobility.mark_delivered(placement, ItemKind.CV_EXPECTATIONS, None)
    statuses = mobility_file(app, world)
    assert statuses[ItemKind.LEARNING_AGREEMENT] is ItemStatus.DELIVERED
    assert statuses[ItemKind.CV_EXPECTATIONS] is ItemStatus.DELIVERED
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        mobility.mark_missing(placement, ItemKind.LEARNING_AGREEMENT, None, "Version 2")
    assert mobility_file(app, world)[ItemKind.LEARNING_AGREEMENT] is ItemStatus.MISSING


# -- the training company's approval ----------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("mentor_x", 200),
        ("company_coordinator_x", 200),
        ("coach_a", 403),
        ("student_a", 403),
        ("mentor_es", 403),
        ("mentor_y", 404),
        ("coordinator_b", 404),
        ("outsider", 404),
    ],
)
def test_the_dual_company_alone_answers_for_the_company(world, login_as, role, status):
    path = f"/placements/{world.placement_m.id}/company-approval"
    assert login_as(world.user(role)).get(path).status_code == status


def test_the_company_approves_or_declines_with_a_reason(app, world, login_as):
    path = f"/placements/{world.placement_m.id}/company-approval"
    mentor = login_as(world.mentor_x)
    page = mentor.get(path).get_data(as_text=True)
    assert "Taller Valencia" in page
    assert "does not replace the dual agreement" in page
    refused = mentor.post(path, {"signed_name": "Mentor X", "decline": "1"})
    assert refused.status_code == 422
    assert "Say why the company does not approve." in refused.get_data(as_text=True)
    declined = mentor.post(
        path, {"signed_name": "Mentor X", "decline": "1", "note": "Busiest weeks of the year."}
    )
    assert declined.status_code == 302
    assert mobility_file(app, world)[ItemKind.COMPANY_APPROVAL] is ItemStatus.MISSING
    coach_page = login_as(world.coach_a).get(file_path(world)).get_data(as_text=True)
    assert "Declined" in coach_page
    assert "Busiest weeks of the year." in coach_page
    assert mentor.post(path, {"signed_name": "Mentor X", "approve": "1"}).status_code == 302
    assert mobility_file(app, world)[ItemKind.COMPANY_APPROVAL] is ItemStatus.APPROVED


# -- starting the placement -------------------------------------------------------------


def test_the_placement_cannot_start_while_an_item_is_missing(app, partners, login_as):
    world = partners
    coordinator = login_as(world.coordinator_a)
    refused = activate(coordinator, world)
    text = refused.get_data(as_text=True)
    assert "cannot become active while its mobility file misses" in text
    assert "cv and expectations form" in text
    assert "approval of a parent or guardian" in text
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).status is PlacementStatus.PREPARING


def test_a_mobility_overlapping_the_dual_placement_needs_the_companys_approval(
    app, partners, login_as
):
    world = partners
    complete_file(app, world, company=False)
    refused = activate(login_as(world.coordinator_a), world)
    text = refused.get_data(as_text=True)
    assert "misses: approval of the training company." in text
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).status is PlacementStatus.PREPARING


def test_a_new_mobility_starts_in_preparation(app, partners, login_as):
    world = partners
    start = world.placement_m.start_date
    form = placement_form(
        world,
        workplace=world.host_company.id,
        mentor=world.mentor_es.id,
        kind="mobility_abroad",
        start_date=(start + timedelta(weeks=8)).isoformat(),
        end_date=(start + timedelta(weeks=10)).isoformat(),
    )
    coordinator = login_as(world.coordinator_a)
    with app.app_context():
        before = db.session.scalar(select(func.count(Placement.id)))
    refused = coordinator.post("/admin/placements/new", form)
    assert "cannot become active while its mobility file misses" in refused.get_data(as_text=True)
    assert (
        coordinator.post("/admin/placements/new", {**form, "status": "preparing"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Placement.id))) == before + 1


def test_a_complete_file_lets_the_placement_start(app, partners, login_as):
    world = partners
    complete_file(app, world)
    coordinator = login_as(world.coordinator_a)
    assert "Nothing is missing." in coordinator.get(file_path(world)).get_data(as_text=True)
    assert activate(coordinator, world).status_code == 302
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).status is PlacementStatus.ACTIVE


# -- a guardian's approval by link ------------------------------------------------------


def send_link(browser, world, **changes):
    form = {"guardian_name": "Gina A (mother)", "email": "gina@home.example", "language": "en"}
    form.update(changes)
    return browser.post(file_path(world, "/guardian-link"), form)


def guardian_link_of(outbox) -> str:
    message = outbox.last()
    assert message["To"] == "gina@home.example"
    return next(link for link in outbox.links(message) if link.startswith("/guardian/"))


def test_a_guardian_approves_once_through_the_link(app, world, login_as, outbox):
    coach = login_as(world.coach_a)
    assert send_link(coach, world).status_code == 302
    link = guardian_link_of(outbox)
    guardian = Browser(app.test_client(), address="10.9.9.9")
    page = guardian.get(link)
    assert page.status_code == 200
    assert "Student A" in page.get_data(as_text=True)
    refused = guardian.post(link, {"signed_name": "Gina A", "approve": "1"})
    assert refused.status_code == 422  # the box is not ticked
    done = guardian.post(link, {"signed_name": "Gina A", "consent": "y", "approve": "1"})
    assert done.status_code == 200
    assert "your approval is recorded" in done.get_data(as_text=True)
    with app.app_context():
        approval = db.session.scalar(select(GuardianApproval))
        assert approval.method is ApprovalMethod.ONLINE
        assert approval.guardian_name == "Gina A"
        assert approval.placement_id == world.placement_m.id
    assert mobility_file(app, world)[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.APPROVED

    again = guardian.post(link, {"signed_name": "Gina A", "consent": "y", "decline": "1"})
    assert again.status_code == 410
    assert "This link has been used already" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(GuardianApproval.id))) == 1


def test_a_guardian_who_declines_leaves_the_item_missing(app, world, login_as, outbox):
    send_link(login_as(world.coach_a), world)
    link = guardian_link_of(outbox)
    guardian = Browser(app.test_client(), address="10.9.9.9")
    guardian.get(link)
    done = guardian.post(
        link, {"signed_name": "Gina A", "consent": "y", "decline": "1", "note": "Too young."}
    )
    assert done.status_code == 200
    assert mobility_file(app, world)[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.MISSING
    page = login_as(world.coach_a).get(file_path(world)).get_data(as_text=True)
    assert "Gina A did not approve" in page


def test_an_expired_link_is_refused_with_a_clear_page(app, world, login_as, outbox):
    send_link(login_as(world.coach_a), world)
    link = guardian_link_of(outbox)
    with app.app_context():
        row = db.session.scalar(select(GuardianLink))
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = Browser(app.test_client(), address="10.9.9.9").get(link)
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)


def test_a_newer_link_replaces_the_one_before(app, world, login_as, outbox):
    coach = login_as(world.coach_a)
    send_link(coach, world)
    first = guardian_link_of(outbox)
    send_link(coach, world)
    second = guardian_link_of(outbox)
    guardian = Browser(app.test_client(), address="10.9.9.9")
    assert guardian.get(first).status_code == 410
    assert guardian.get(second).status_code == 200


def test_a_paper_approval_counts_and_ends_the_link(app, world, login_as, outbox):
    send_link(login_as(world.coach_a), world)
    link = guardian_link_of(outbox)
    complete_file(app, world)  # the school records the guardian's approval on paper
    assert mobility_file(app, world)[ItemKind.GUARDIAN_APPROVAL] is ItemStatus.APPROVED
    page = Browser(app.test_client(), address="10.9.9.9").get(link)
    assert page.status_code == 410
    assert "No answer is needed any more" in page.get_data(as_text=True)


def test_a_forged_link_is_not_found(app, world):
    guardian = Browser(app.test_client(), address="10.9.9.9")
    assert guardian.get("/guardian/not-a-token").status_code == 404


def test_no_link_is_sent_for_an_adult(app, world, login_as, outbox):
    with app.app_context():
        db.session.get(User, world.student_a.id).birth_date = years_before(world.today, 30)
        db.session.commit()
    refused = send_link(login_as(world.coach_a), world)
    assert refused.status_code == 422
    assert len(outbox) == 0


def test_only_the_school_sends_a_link(world, login_as):
    assert send_link(login_as(world.student_a), world).status_code == 403
    assert send_link(login_as(world.coordinator_b), world).status_code == 404


# -- reminders --------------------------------------------------------------------------


def reminder_moment(today):
    """10:00 in Brussels on the next weekday from today (reminders keep school hours)."""
    day = today
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day, at(day, 9)


def test_reminders_go_to_each_items_owner_before_its_deadline_once(app, world):
    day, moment = reminder_moment(world.today)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        coach = db.session.get(User, world.coach_a.id)
        mobility.set_deadline(placement, ItemKind.CV_EXPECTATIONS, coach, day + timedelta(days=3))
        mobility.set_deadline(placement, ItemKind.COMPANY_APPROVAL, coach, day + timedelta(days=1))
        mobility.set_deadline(
            placement, ItemKind.ACCIDENT_INSURANCE, coach, day - timedelta(days=1)
        )
        for kind in set(ItemKind) - {
            ItemKind.CV_EXPECTATIONS,
            ItemKind.COMPANY_APPROVAL,
            ItemKind.ACCIDENT_INSURANCE,
        }:
            mobility.set_deadline(placement, kind, coach, placement.start_date)
        first = reminders.decide(moment)
        second = reminders.decide(moment)
        rows = db.session.execute(
            select(Notification.user_id, Notification.kind, Notification.payload).where(
                Notification.kind.in_(
                    (NotificationKind.MOBILITY_ITEM_DUE, NotificationKind.MOBILITY_ITEM_OVERDUE)
                )
            )
        ).all()
    got = {(user_id, kind, payload["item"]) for user_id, kind, payload in rows}
    due, overdue = NotificationKind.MOBILITY_ITEM_DUE, NotificationKind.MOBILITY_ITEM_OVERDUE
    assert got == {
        (world.student_a.id, due, "cv_expectations"),
        (world.mentor_x.id, due, "company_approval"),
        (world.company_coordinator_x.id, due, "company_approval"),
        (world.coach_a.id, overdue, "accident_insurance"),
    }
    assert first.written[due] == 3
    assert second.written[due] == 0
    assert second.written[overdue] == 0


def test_a_delivered_item_resolves_its_reminder(app, world, login_as):
    day, moment = reminder_moment(world.today)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        coach = db.session.get(User, world.coach_a.id)
        mobility.set_deadline(placement, ItemKind.CV_EXPECTATIONS, coach, day + timedelta(days=2))
        reminders.decide(moment)
    upload(login_as(world.student_a), world, "cv_expectations", PDF_BYTES, "cv.pdf")
    with app.app_context():
        reminder = db.session.scalar(
            select(Notification).where(
                Notification.user_id == world.student_a.id,
                Notification.kind == NotificationKind.MOBILITY_ITEM_DUE,
            )
        )
        assert reminder.resolved_at is not None
    page = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    assert "Mobility file" in page


def test_every_change_is_in_the_audit_trail(app, world, login_as):
    student = login_as(world.student_a)
    upload(student, world, "cv_expectations", PDF_BYTES, "cv.pdf")
    student.post(file_path(world, "/participation"), {"signed_name": "Student A", "consent": "y"})
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("mobility_"))
        ).all()
    assert actions == ["mobility_item_delivered", "mobility_participation_approved"]


def test_the_placement_page_leads_to_the_file(world, login_as):
    page = login_as(world.coach_a).get(f"/placements/{world.placement_m.id}")
    assert re.search(r'href="[^"]*/mobility-file"', page.get_data(as_text=True))
    page = login_as(world.mentor_es).get(f"/placements/{world.placement_m.id}")
    assert "/mobility-file" not in page.get_data(as_text=True)


def test_the_dual_placements_page_asks_the_company_for_its_approval(app, world, login_as):
    path = f"/placements/{world.placement_a.id}"
    answer = f"/placements/{world.placement_m.id}/company-approval"
    for role in ("mentor_x", "company_coordinator_x"):
        assert answer in login_as(world.user(role)).get(path).get_data(as_text=True)
    assert answer not in login_as(world.coach_a).get(path).get_data(as_text=True)
    mentor = login_as(world.mentor_x)
    mentor.post(answer, {"signed_name": "Mentor X", "approve": "1"})
    assert answer not in mentor.get(path).get_data(as_text=True)


def test_the_home_page_says_how_much_of_the_file_is_missing(app, world, login_as):
    page = login_as(world.student_a).get("/").get_data(as_text=True)
    assert "Mobility file: 9 items missing" in page
    assert "Mobility file:" not in login_as(world.mentor_es).get("/").get_data(as_text=True)
    complete_file(app, world)
    assert "Mobility file:" not in login_as(world.student_a).get("/").get_data(as_text=True)
