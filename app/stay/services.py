"""During a stay abroad: the participant's travel blog and whether it is published
further, the socio-cultural programme and its reflections, the language goal with its
CEFR self-assessments, and the accompanying teacher's trips.

A blog is published (the school's internal page, the promoter's dissemination) only while
the participant consents and, for a participant under 18 on the first day of the stay,
a guardian consents too; the guardian answers through a single-use link (a purpose of
`app.guardianlinks`, as the guardian's approval of the stay is), and withdraws through a
new link. Services take plain arguments, check the domain rules, record the audit event
and own the commit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit, guardianlinks, policy, signals
from app.dates import LONG_DATE, format_day
from app.domain import DomainError, StaleEdit, commit_versioned
from app.extensions import db
from app.followup.evidence import PDF, attachment_filename, checked_file
from app.mobility.services import destination
from app.models import (
    CEFR_LEVELS,
    Activity,
    BlogConsent,
    BlogConsentLink,
    BlogPost,
    ConsentAnswer,
    LanguageGoal,
    Placement,
    Skill,
    Trip,
    User,
    Visit,
    VisitStatus,
)
from app.models.columns import utcnow
from app.privacy import minors
from app.stay.tokens import CONSENT
from app.storage import file_storage, new_key

# How long a guardian's consent link works.
CONSENT_LINK_DAYS = CONSENT.days
# A trip abroad lasts at most this many days.
MAX_TRIP_DAYS = 31


# -- the travel blog ---------------------------------------------------------------------


def posts_of(placement: Placement) -> list[BlogPost]:
    """The blog's posts, newest first (one query)."""
    return list(
        db.session.scalars(
            select(BlogPost)
            .where(BlogPost.placement_id == placement.id)
            .order_by(BlogPost.created_at.desc(), BlogPost.id.desc())
        )
    )


def _checked_photo(stream: BinaryIO | None) -> tuple[bytes, str] | None:
    if stream is None:
        return None
    data, content_type = checked_file(stream)
    if content_type == PDF:
        raise DomainError("photo", _l("A blog post takes a photo (JPEG or PNG), not a PDF."))
    return data, content_type


def _store_photo(post: BlogPost, filename: str, photo: tuple[bytes, str]) -> str:
    data, content_type = photo
    key = new_key()
    post.size = file_storage().save(key, io.BytesIO(data))
    post.filename = attachment_filename(filename, content_type)
    post.content_type = content_type
    post.storage_key = key
    return key


def write_post(
    placement: Placement,
    author: User,
    title: str,
    body: str,
    photo_name: str = "",
    photo: BinaryIO | None = None,
) -> BlogPost:
    """A new post of the participant's blog; a refused photo leaves nothing behind."""
    try:
        checked = _checked_photo(photo)
    except DomainError as error:
        raise DomainError("photo", error.message) from error
    # One moment for both: two defaults would differ by microseconds and mark every new
    # post as edited.
    now = utcnow()
    post = BlogPost(
        placement_id=placement.id,
        author_id=author.id,
        title=title.strip(),
        created_at=now,
        updated_at=now,
    )
    post.body = body.strip()
    db.session.add(post)
    key = _store_photo(post, photo_name, checked) if checked else None
    db.session.flush()
    audit.record(author, "blog_post_written", placement, post=post.id)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if key:
            file_storage().delete(key)
        raise
    return post


def edit_post(
    post: BlogPost,
    author: User,
    *,
    title: str,
    body: str,
    expected_version: int,
    remove_photo: bool = False,
    photo_name: str = "",
    photo: BinaryIO | None = None,
) -> None:
    """Change a post; a change made from an older version is refused (`StaleEdit`)."""
    if post.version != expected_version:
        raise StaleEdit()
    try:
        checked = _checked_photo(photo)
    except DomainError as error:
        raise DomainError("photo", error.message) from error
    old_key = post.storage_key
    post.title = title.strip()
    post.body = body.strip()
    new = _store_photo(post, photo_name, checked) if checked else None
    if remove_photo and not checked:
        post.storage_key = None
        post.filename = ""
        post.content_type = ""
        post.size = None
    if not audit.has_changes(post):
        return  # saved as it was shown: nothing to write or record
    audit.record(author, "blog_post_edited", post.placement, post=post.id)
    try:
        commit_versioned()
    except BaseException:
        if new:
            file_storage().delete(new)
        raise
    if old_key and old_key != post.storage_key:
        file_storage().delete(old_key)


def delete_post(post: BlogPost, author: User) -> None:
    key = post.storage_key
    placement = post.placement
    audit.record(author, "blog_post_deleted", placement, post=post.id)
    db.session.delete(post)
    db.session.commit()
    if key:
        file_storage().delete(key)


def open_photo(post: BlogPost) -> BinaryIO:
    """The stored photo; FileNotFoundError when it has gone missing."""
    return file_storage().open(post.storage_key)


# -- publication consent -------------------------------------------------------------------


@dataclass
class Publication:
    """Whether a blog is published, and what it waits for."""

    placement: Placement
    minor: bool
    consent: BlogConsent | None
    link: BlogConsentLink | None = None  # the latest link sent to a guardian

    @property
    def participant_consents(self) -> bool:
        return self.consent is not None and self.consent.participant_consents

    @property
    def guardian_consents(self) -> bool:
        return self.consent is not None and self.consent.guardian_consents

    @property
    def waits_for_guardian(self) -> bool:
        return self.minor and self.participant_consents and not self.guardian_consents

    @property
    def published(self) -> bool:
        return self.participant_consents and (not self.minor or self.guardian_consents)


def publication_of(placement: Placement) -> Publication:
    consent = db.session.scalar(select(BlogConsent).where(BlogConsent.placement_id == placement.id))
    link = CONSENT.latest(placement.id)
    minor = minors.is_minor(placement.student, placement.start_date)
    return Publication(placement, minor, consent, link)


def _consent_row(placement: Placement) -> BlogConsent:
    row = db.session.scalar(select(BlogConsent).where(BlogConsent.placement_id == placement.id))
    if row is None:
        row = BlogConsent(placement_id=placement.id, guardian_name="")
        db.session.add(row)
    return row


def set_participant_consent(placement: Placement, student: User, *, consents: bool) -> None:
    """The participant consents to publishing their blog, or withdraws that consent: the
    published pages stop showing it at once.
    """
    row = _consent_row(placement)
    if bool(row.participant_consents) == consents and row.id is not None:
        return
    row.participant_consents = consents
    row.participant_changed_at = utcnow()
    db.session.flush()
    audit.record(student, "blog_consent_given" if consents else "blog_consent_withdrawn", placement)
    db.session.commit()


def send_consent_link(
    placement: Placement, by: User, *, guardian_name: str, email: str, language: str
) -> BlogConsentLink:
    """E-mail a parent or guardian a link to consent to publishing the minor's blog, or
    to withdraw a consent given before. A link sent before stops working.
    """
    if not minors.is_minor(placement.student, placement.start_date):
        raise DomainError(
            "email",
            _l("The participant is of age when the stay starts: their own consent is enough."),
        )
    return guardianlinks.send_link(
        CONSENT,
        placement,
        by,
        guardian_name=guardian_name,
        email=email,
        language=language,
        mail=_mail_guardian,
    )


def _mail_guardian(link: BlogConsentLink, address: str) -> tuple[str, str]:
    placement = link.placement
    subject = _("May %(student)s's travel blog be published?", student=placement.student.name)
    body = _(
        "Hello %(guardian)s,\n\n%(student)s keeps a short travel blog during the work "
        "placement abroad at %(place)s. %(school)s asks whether the blog may be shown "
        "on the school's internal page and used by the Erasmus+ project to make it "
        "known. You can say yes or no, and change your mind later through a new "
        "link from the school.\n\nAnswer with this link. It works once, until "
        "%(until)s:\n\n%(link)s\n\nQuestions? Contact %(coach)s at the school.\n",
        guardian=link.guardian_name,
        student=placement.student.name,
        place=destination(placement),
        school=placement.school.name,
        until=format_day(link.expires_at, LONG_DATE),
        link=address,
        coach=placement.coach.name,
    )
    return subject, body


def check_consent_link(link: BlogConsentLink, now: datetime) -> None:
    """Raise `LinkProblem` when the link may not be answered now: only as any guardian's
    link (`guardianlinks.check_link`); a guardian may always change their answer.
    """
    guardianlinks.check_link(link, now)


def answer_consent_link(
    link: BlogConsentLink, *, consents: bool, signed_name: str, now: datetime
) -> None:
    """The guardian's answer, once: their consent to publishing, or its withdrawal."""
    check_consent_link(link, now)
    guardianlinks.claim_link(
        link,
        now,
        signed_name=signed_name,
        decision=ConsentAnswer.CONSENTS if consents else ConsentAnswer.REFUSES,
    )
    row = _consent_row(link.placement)
    row.guardian_consents = consents
    row.guardian_name = link.answered_name
    row.guardian_changed_at = now
    db.session.flush()
    audit.record(
        None, "blog_consent_link_answered", link.placement, link=link.id, consents=consents
    )
    db.session.commit()


def published_blogs(reader: User) -> list[tuple[Placement, list[BlogPost]]]:
    """The blogs `reader` reads as published (`policy.published_blog_schools`), each with
    its posts, in three queries however many there are.
    """
    schools = policy.published_blog_schools(reader)
    query = (
        select(Placement)
        .join(BlogConsent, BlogConsent.placement_id == Placement.id)
        .where(BlogConsent.participant_consents.is_(True))
        .options(selectinload(Placement.student), selectinload(Placement.school))
        .options(selectinload(Placement.workplace))
        .order_by(Placement.start_date.desc(), Placement.id)
    )
    if schools is not None:
        query = query.where(schools)
    consented = list(db.session.scalars(query))
    guardians = {
        placement_id
        for (placement_id,) in db.session.execute(
            select(BlogConsent.placement_id).where(
                BlogConsent.placement_id.in_([p.id for p in consented]),
                BlogConsent.guardian_consents.is_(True),
            )
        )
    }
    shown = [
        p for p in consented if p.id in guardians or not minors.is_minor(p.student, p.start_date)
    ]
    posts: dict[int, list[BlogPost]] = {p.id: [] for p in shown}
    if shown:
        for post in db.session.scalars(
            select(BlogPost)
            .where(BlogPost.placement_id.in_(posts))
            .order_by(BlogPost.created_at.desc(), BlogPost.id.desc())
        ):
            posts[post.placement_id].append(post)
    return [(p, posts[p.id]) for p in shown if posts[p.id]]


def is_published(placement: Placement) -> bool:
    return publication_of(placement).published


# -- the socio-cultural programme ---------------------------------------------------------


def activities_of(placement: Placement) -> list[Activity]:
    """The programme, in the order of its days (one query)."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.placement_id == placement.id)
            .order_by(Activity.day, Activity.id)
        )
    )


def _check_day(placement: Placement, day: date) -> None:
    if not placement.start_date <= day <= placement.end_date:
        raise DomainError(
            "day",
            _l(
                "Choose a day of the stay, from %(start)s to %(end)s.",
                start=format_day(placement.start_date, LONG_DATE),
                end=format_day(placement.end_date, LONG_DATE),
            ),
        )


def plan_activity(
    placement: Placement, by: User, *, day: date, title: str, place: str, description: str
) -> Activity:
    """An activity of the programme, on a day of the stay."""
    _check_day(placement, day)
    activity = Activity(
        placement_id=placement.id,
        planned_by_id=by.id,
        day=day,
        title=title.strip(),
        place=place.strip(),
        description=description.strip(),
        reflection="",
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(by, "activity_planned", placement, activity=activity.id)
    db.session.commit()
    return activity


def change_activity(
    activity: Activity,
    by: User,
    *,
    day: date,
    title: str,
    place: str,
    description: str,
    expected_version: int,
    today: date,
) -> bool:
    """Change an activity of the programme; False when it is saved as it was (nothing is
    written). An edit from an older version is refused (`StaleEdit`); an activity the
    participant reflected on keeps a day that has come (the reflection is written on or
    after it).
    """
    placement = activity.placement
    _check_day(placement, day)
    if activity.reflection and day > today:
        raise DomainError(
            "day",
            _l(
                "The participant has written a reflection on this activity, so its day "
                "cannot move past today."
            ),
        )
    changed = (day, title.strip(), place.strip(), description.strip())
    if changed == (activity.day, activity.title, activity.place, activity.description):
        return False  # saved as it was shown (or a second tap): nothing to write or record
    if activity.version != expected_version:
        raise StaleEdit()
    activity.day, activity.title, activity.place, activity.description = changed
    audit.record(by, "activity_changed", placement, activity=activity.id)
    commit_versioned()
    return True


def remove_activity(
    activity: Activity, by: User, *, expected_version: int, with_reflection: bool
) -> None:
    """Remove an activity from the programme, for good. One the participant reflected on
    goes only when the remover confirms that the reflection goes with it; the audit trail
    keeps that it did. One changed since the confirmation was shown is refused
    (`StaleEdit`), so a reflection written meanwhile is never removed unseen.
    """
    if activity.version != expected_version:
        raise StaleEdit()
    if activity.reflection and not with_reflection:
        raise DomainError(
            "remove_reflection",
            _l(
                "This activity has the participant’s reflection. Tick the box to remove "
                "the reflection with it, or keep the activity and change it instead."
            ),
        )
    placement = activity.placement
    audit.record(
        by,
        "activity_removed",
        placement,
        activity=activity.id,
        day=activity.day,
        reflection_removed=bool(activity.reflection),
    )
    db.session.delete(activity)
    db.session.commit()


def reflect(activity: Activity, student: User, text: str, today: date) -> None:
    """The participant's reflection on an activity, written on or after its day."""
    if today < activity.day:
        raise DomainError(
            "reflection", _l("You can write your reflection from the day of the activity.")
        )
    activity.reflection = text.strip()
    activity.reflected_at = utcnow()
    audit.record(student, "activity_reflected", activity.placement, activity=activity.id)
    db.session.commit()


# -- the language goal ------------------------------------------------------------------


def language_goal_of(placement: Placement) -> LanguageGoal | None:
    return db.session.scalar(select(LanguageGoal).where(LanguageGoal.placement_id == placement.id))


def _levels(levels: dict[str, str]) -> dict[str, str]:
    """Only known skills and CEFR levels; a skill left open is not assessed."""
    skills = {skill.value for skill in Skill}
    return {k: v for k, v in levels.items() if k in skills and v in CEFR_LEVELS}


def save_language_goal(
    placement: Placement,
    student: User,
    *,
    language: str,
    goal: str,
    before: dict[str, str],
    after: dict[str, str],
    expected_version: int | None,
) -> LanguageGoal:
    """Set the language and goal and the self-assessments; a change made from an older
    version is refused (`StaleEdit`).
    """
    row = language_goal_of(placement)
    if row is None:
        if expected_version is not None:
            raise StaleEdit()
        row = LanguageGoal(placement_id=placement.id)
        db.session.add(row)
    elif row.version != expected_version:
        raise StaleEdit()
    row.language = language.strip()
    row.goal = goal.strip()
    row.before = _levels(before)
    row.after = _levels(after)
    if not audit.has_changes(row):
        return row  # saved as it was shown: nothing to write or record
    db.session.flush()
    audit.record(student, "language_goal_saved", placement)
    commit_versioned()
    return row


# -- the accompanying teacher's trips ------------------------------------------------------


def create_trip(coach: User, school_id: int, *, destination: str, start: date, end: date) -> Trip:
    if school_id not in policy.trip_school_ids(coach):
        raise DomainError("school", _l("Choose a school you coach for."))
    if end < start:
        raise DomainError("end_date", _l("The trip ends on or after the day it starts."))
    if (end - start).days + 1 > MAX_TRIP_DAYS:
        raise DomainError("end_date", _l("A trip lasts at most %(days)d days.", days=MAX_TRIP_DAYS))
    trip = Trip(
        coach_id=coach.id,
        school_id=school_id,
        destination=destination.strip(),
        start_date=start,
        end_date=end,
    )
    db.session.add(trip)
    db.session.flush()
    audit.record(coach, "trip_created", None, trip=trip.id)
    db.session.commit()
    return trip


def trip_visits(trip: Trip) -> list[Visit]:
    """The trip's visits, with their placements, students and coaches (four queries)."""
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.trip_id == trip.id)
            .options(
                selectinload(Visit.placement).selectinload(Placement.student),
                selectinload(Visit.placement).selectinload(Placement.coach),
            )
            .order_by(Visit.planned_on, Visit.id)
        )
    )


def candidates_for(trip: Trip) -> list[Placement]:
    """The mobilities the trip's coach may still add (not visited on this trip yet)."""
    visited = select(Visit.placement_id).where(Visit.trip_id == trip.id)
    return list(
        db.session.scalars(
            policy.trip_candidates(trip)
            .where(Placement.id.not_in(visited))
            .options(selectinload(Placement.student), selectinload(Placement.workplace))
            .order_by(Placement.start_date, Placement.id)
        )
    )


def add_participants(trip: Trip, coach: User, placement_ids: list[int]) -> list[Visit]:
    """Plan a visit, on the trip, to each chosen participant: on the trip's first day
    that falls in their stay. A placement that is not a candidate is refused, whole.
    """
    allowed = {p.id: p for p in candidates_for(trip)}
    chosen = list(dict.fromkeys(placement_ids))
    if not chosen:
        raise DomainError("placements", _l("Choose at least one participant."))
    if any(pid not in allowed for pid in chosen):
        raise DomainError(
            "placements",
            _l(
                "Only participants of the trip's school whose stay overlaps the trip can be "
                "added, once."
            ),
        )
    visits = []
    for pid in chosen:
        placement = allowed[pid]
        visit = Visit(
            placement_id=placement.id,
            planned_by_id=coach.id,
            trip_id=trip.id,
            planned_on=max(trip.start_date, placement.start_date),
            place=destination(placement)[:200],
            attendees=["student", "mentor", "coach"],
            other_attendees="",
            status=VisitStatus.PLANNED,
            report={},
            coach_only=[],
        )
        db.session.add(visit)
        visits.append(visit)
    db.session.flush()
    audit.record(coach, "trip_participants_added", None, trip=trip.id, placements=chosen)
    db.session.commit()
    for visit in visits:
        signals.visit_planned.send(visit, by=coach)
    return visits
