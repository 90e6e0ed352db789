"""The learning agreement of a mobility abroad: its versions, drafting them, signing them,
the host's signer by e-mailed link, and whether a placement's agreement is signed
(`is_signed`, which the mobility file asks).

A version is the school's draft until its first signature fixes its text; a change after
that is a new version (`new_version`) that needs all three signatures again. Services
raise `DomainError` (nothing changed) or `StaleEdit` (saved by someone else since it was
read), record the audit event and own the commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, policy
from app.competences.services import framework_of
from app.content.services import localised
from app.domain import DomainError, StaleEdit, check_in_placement, commit_versioned
from app.extensions import db
from app.mailer import external_url, send_mail
from app.mobility import services as mobility_file
from app.models import AgreementSignature, LearningAgreement, Party, Placement, User
from app.models.columns import utcnow
from app.models.mobility import ItemKind

# How many days a host signer's link works.
LINK_DAYS = 14
LINK_SALT = "leerspoor-agreement-link"
MAX_GOALS = 20

# What the seed's call says about liability, insurance and guidance: every agreement
# starts with it, in the language chosen when it is started (see `prefilled_texts`).
LIABILITY = _l(
    "The sending school takes out civil liability insurance for the participant, at the "
    "host workplace and in general."
)
INSURANCE = _l(
    "The sending school insures the participant against occupational accidents at the "
    "host workplace. Health insurance is through the participant's Belgian health "
    "insurance fund (mutuality) and the European Health Insurance Card (EHIC)."
)
ASSESSMENT = _l(
    "The mentor at the host workplace, the monitor, the participant and the school's coach "
    "register the learning outcomes on the same scale in Leerspoor during the stay; the "
    "coach discusses them with the participant at the end."
)
RECOGNITION = _l(
    "The sending school recognises the learning outcomes achieved as part of the "
    "participant's programme (workplace learning). For a dual learner the agreement with "
    "the Flemish training company keeps running."
)


def prefilled_texts(placement: Placement, language: str) -> dict[str, str]:
    """What a new agreement proposes for assessment, recognition, liability, insurance and
    guidance, in `language`. The host abroad reads and signs the agreement, so whoever
    starts it chooses the language (their own by default); the texts are then kept as
    saved, whatever language a later reader uses.
    """
    with force_locale(language):
        if placement.monitor is not None:
            guidance = _(
                "During the stay the host monitor (%(monitor)s) is the participant's fixed "
                "contact person. The school's coach (%(coach)s) guides the participant from "
                "the school and keeps in touch with the monitor and the mentor.",
                monitor=placement.monitor.name,
                coach=placement.coach.name,
            )
        else:
            guidance = _(
                "During the stay the host monitor is the participant's fixed contact person. "
                "The school's coach (%(coach)s) guides the participant from the school and "
                "keeps in touch with the monitor and the mentor.",
                coach=placement.coach.name,
            )
        return {
            "assessment": str(ASSESSMENT),
            "recognition": str(RECOGNITION),
            "liability": str(LIABILITY),
            "insurance": str(INSURANCE),
            "guidance": guidance,
        }


# -- reading ----------------------------------------------------------------------------


def versions_of(placement: Placement) -> list[LearningAgreement]:
    """Every version of the placement's agreement, the newest first, with signatures."""
    return list(
        db.session.scalars(
            select(LearningAgreement)
            .options(selectinload(LearningAgreement.signatures))
            .where(LearningAgreement.placement_id == placement.id)
            .order_by(LearningAgreement.number.desc())
        )
    )


def current(placement: Placement) -> LearningAgreement | None:
    """The latest version, or None before the agreement is started."""
    return db.session.scalar(
        select(LearningAgreement)
        .where(LearningAgreement.placement_id == placement.id)
        .order_by(LearningAgreement.number.desc())
        .limit(1)
    )


def is_current(agreement: LearningAgreement) -> bool:
    latest = current(agreement.placement)
    return latest is not None and latest.id == agreement.id


def is_signed(placement: Placement) -> bool:
    """Whether the latest version of the placement's agreement is signed by all three
    parties: what the mobility file needs before the stay.
    """
    agreement = current(placement)
    return agreement is not None and agreement.is_signed


def agreements_for(user: User, *, page: int, per_page: int):
    """One page of the mobilities whose agreement `user` reads, the soonest stay first,
    each with its latest version (`latest`, by placement id): the same queries whatever
    their number.
    """
    query = (
        policy.agreement_placements(user)
        .options(
            selectinload(Placement.student),
            selectinload(Placement.workplace),
            selectinload(Placement.school),
        )
        .order_by(Placement.start_date, Placement.id)
    )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = [placement.id for placement in pagination.items]
    latest: dict[int, LearningAgreement] = {}
    for agreement in db.session.scalars(
        select(LearningAgreement)
        .options(selectinload(LearningAgreement.signatures))
        .where(LearningAgreement.placement_id.in_(ids))
        .order_by(LearningAgreement.number)
    ):
        latest[agreement.placement_id] = agreement
    return pagination, latest


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str


def outcome_choices(placement: Placement) -> list[Outcome]:
    """The competences of the placement's framework, to choose learning outcomes from."""
    framework = framework_of(placement)
    if framework is None:
        return []
    return [Outcome(c.id, localised(c.title)) for c in framework.competences]


def outcome_titles(agreement: LearningAgreement) -> list[str]:
    """The chosen outcomes by their titles (an id no longer in the framework by its id)."""
    titles = {choice.id: choice.title for choice in outcome_choices(agreement.placement)}
    return [titles.get(outcome, outcome) for outcome in agreement.outcomes]


# -- drafting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementText:
    """What a version says, as a form sends it."""

    starts_on: date | None
    ends_on: date | None
    outcomes: list[str]
    language_goals: list[str]
    cultural_goals: list[str]
    tasks: str
    assessment: str
    recognition: str
    liability: str
    insurance: str
    guidance: str


TEXT_FIELDS = ("tasks", "assessment", "recognition", "liability", "insurance", "guidance")


def text_of(agreement: LearningAgreement) -> AgreementText:
    return AgreementText(
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        outcomes=list(agreement.outcomes),
        language_goals=list(agreement.language_goals),
        cultural_goals=list(agreement.cultural_goals),
        **{name: getattr(agreement, name) for name in TEXT_FIELDS},
    )


def goals_from_lines(text: str) -> list[str]:
    """A list of goals typed one per line (empty lines and bullets left out)."""
    lines = (line.strip().lstrip("-•*").strip() for line in text.splitlines())
    return [line for line in lines if line]


def start(placement: Placement, author: User, language: str | None = None) -> LearningAgreement:
    """Version 1, filled in from the placement: its period, and the seed's answers on
    liability, insurance and guidance in `language` (by default the current one: the
    language of whoever starts it).
    """
    if current(placement) is not None:
        raise DomainError("agreement", _l("This placement has a learning agreement already."))
    texts = prefilled_texts(placement, language or str(get_locale() or "nl"))
    agreement = LearningAgreement(
        placement_id=placement.id,
        number=1,
        author_id=author.id,
        starts_on=placement.start_date,
        ends_on=placement.end_date,
        outcomes=[],
        framework_id=placement.framework_id,
        framework_version=placement.framework_version,
        language_goals=[],
        cultural_goals=[],
        tasks="",
        **texts,
    )
    db.session.add(agreement)
    try:
        db.session.flush()
    except IntegrityError as error:  # started at the same moment in another tab
        db.session.rollback()
        raise DomainError(
            "agreement", _l("This placement has a learning agreement already.")
        ) from error
    audit.record(author, "agreement_started", placement, agreement=agreement.id)
    db.session.commit()
    return agreement


def _check_editable(agreement: LearningAgreement) -> None:
    if not is_current(agreement):
        raise DomainError(
            "agreement",
            _l("This is an earlier version of the agreement. Change the latest version."),
        )
    if agreement.is_locked:
        raise DomainError(
            "agreement",
            _l(
                "This version is signed, so it can no longer be changed. Make a new version: "
                "it needs all three signatures again."
            ),
        )


def _normalised(placement: Placement, text: AgreementText) -> AgreementText:
    """The text as it is stored, after checking the period and the outcomes."""
    if text.starts_on is None:
        raise DomainError("starts_on", _l("Give the first day of the stay."))
    if text.ends_on is None:
        raise DomainError("ends_on", _l("Give the last day of the stay."))
    check_in_placement(placement, text.starts_on, "starts_on")
    check_in_placement(placement, text.ends_on, "ends_on")
    if text.ends_on < text.starts_on:
        raise DomainError("ends_on", _l("The last day is before the first day."))
    known = {choice.id for choice in outcome_choices(placement)}
    unknown = [outcome for outcome in text.outcomes if outcome not in known]
    if unknown:
        raise DomainError(
            "outcomes",
            _l("“%(outcome)s” is not a competence of this placement.", outcome=unknown[0]),
        )
    for name, goals in (
        ("language_goals", text.language_goals),
        ("cultural_goals", text.cultural_goals),
    ):
        if len(goals) > MAX_GOALS:
            raise DomainError(name, _l("Keep it to %(count)d goals at most.", count=MAX_GOALS))
    ordered = [
        choice for choice in (c.id for c in outcome_choices(placement)) if choice in text.outcomes
    ]
    return AgreementText(
        starts_on=text.starts_on,
        ends_on=text.ends_on,
        outcomes=ordered,
        language_goals=[goal.strip() for goal in text.language_goals if goal.strip()],
        cultural_goals=[goal.strip() for goal in text.cultural_goals if goal.strip()],
        **{name: _lines(getattr(text, name)) for name in TEXT_FIELDS},
    )


def _lines(text: str) -> str:
    """A text as stored: one kind of line break (a browser sends two), no edge spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def update(
    agreement: LearningAgreement, editor: User, text: AgreementText, *, expected_version: int
) -> bool:
    """Change a draft version; False when the text is what is saved (nothing written). A
    signed version is refused, and an edit based on an older version raises `StaleEdit`.
    """
    _check_editable(agreement)
    sent = _normalised(agreement.placement, text)
    if sent == text_of(agreement):
        return False
    if agreement.version != expected_version:
        raise StaleEdit()
    agreement.starts_on, agreement.ends_on = sent.starts_on, sent.ends_on
    agreement.outcomes = sent.outcomes
    agreement.language_goals = sent.language_goals
    agreement.cultural_goals = sent.cultural_goals
    for name in TEXT_FIELDS:
        setattr(agreement, name, getattr(sent, name))
    audit.record(editor, "agreement_updated", agreement.placement, agreement=agreement.id)
    commit_versioned()
    return True


def new_version(agreement: LearningAgreement, author: User) -> LearningAgreement:
    """Copy a signed version into the next one, a draft that needs all three signatures
    again; the signed version stays as it is.
    """
    if not is_current(agreement):
        raise DomainError("agreement", _l("A newer version of the agreement exists already."))
    if not agreement.is_locked:
        raise DomainError(
            "agreement",
            _l("This version is not signed yet: change it as it is, no new version is needed."),
        )
    copy = LearningAgreement(
        placement_id=agreement.placement_id,
        number=agreement.number + 1,
        author_id=author.id,
        framework_id=agreement.framework_id,
        framework_version=agreement.framework_version,
    )
    text = text_of(agreement)
    for name, value in vars(text).items():
        setattr(copy, name, value)
    db.session.add(copy)
    try:
        db.session.flush()
    except IntegrityError as error:  # made at the same moment by someone else
        db.session.rollback()
        raise DomainError(
            "agreement", _l("A newer version of the agreement exists already.")
        ) from error
    audit.record(
        author,
        "agreement_version_created",
        agreement.placement,
        agreement=copy.id,
        number=copy.number,
    )
    db.session.commit()
    # The mobility file's agreement waits for the new version's three signatures.
    mobility_file.mark_missing(agreement.placement, ItemKind.LEARNING_AGREEMENT, author)
    return copy


# -- signing ----------------------------------------------------------------------------


def sign(
    agreement: LearningAgreement,
    signer: User | None,
    party: Party,
    capacity: str,
    *,
    typed_name: str,
    consent: bool,
    expected_version: int,
    email: str = "",
    now: datetime | None = None,
) -> AgreementSignature:
    """Sign the version for `party`: the name typed, the consent ticked, the moment. The
    first signature fixes the text. Refused for an earlier version, a party that signed
    already, and (`StaleEdit`) a version that changed since the signer read it.
    """
    now = now or utcnow()
    typed_name = " ".join(typed_name.split())
    if not typed_name:
        raise DomainError("typed_name", _l("Type your full name to sign."))
    if not consent:
        raise DomainError(
            "consent", _l("Tick the box to confirm that you agree to this learning agreement.")
        )
    if not is_current(agreement):
        raise DomainError(
            "agreement", _l("A newer version of this agreement exists: read and sign that one.")
        )
    if agreement.signature_of(party) is not None:
        raise DomainError(
            "agreement",
            _l("%(party)s has signed this version already.", party=party.label),
        )
    if agreement.version != expected_version:
        raise StaleEdit()
    signature = AgreementSignature(
        agreement_id=agreement.id,
        party=party,
        signer_id=signer.id if signer is not None else None,
        capacity=capacity,
        typed_name=typed_name[:200],
        email=email,
        signed_at=now,
    )
    db.session.add(signature)
    if agreement.locked_at is None:
        agreement.locked_at = now  # moves the version on: a concurrent edit fails
    try:
        db.session.flush()
    except IntegrityError as error:  # the party signed at the same moment elsewhere
        db.session.rollback()
        raise DomainError(
            "agreement", _l("%(party)s has signed this version already.", party=party.label)
        ) from error
    event = audit.record(
        signer,
        "agreement_signed",
        agreement.placement,
        agreement=agreement.id,
        party=party,
        capacity=capacity,
    )
    event.at = now
    commit_versioned()
    if is_signed(agreement.placement):  # the third signature: the file has its agreement
        mobility_file.mark_delivered(agreement.placement, ItemKind.LEARNING_AGREEMENT, signer)
    return signature


# -- the host's signer by link ----------------------------------------------------------


@dataclass(frozen=True)
class HostLink:
    """What a host signer's link says: which version, sent to which address, when."""

    agreement_id: int
    email: str
    issued_at: datetime


class LinkProblem(enum.StrEnum):
    """Why a host signer's link no longer works."""

    EXPIRED = "expired"
    USED = "used"  # the host has signed this version (by this link or otherwise)
    REPLACED = "replaced"  # a newer version exists
    CLOSED = "closed"  # the placement is over


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def make_link(link: HostLink) -> str:
    return _serializer().dumps(
        {"a": link.agreement_id, "e": link.email, "t": int(link.issued_at.timestamp())}
    )


def read_link(token: str) -> HostLink | None:
    """The link a token describes, or None when it was not made here."""
    try:
        data = _serializer().loads(token)
        return HostLink(int(data["a"]), str(data["e"]), datetime.fromtimestamp(int(data["t"]), UTC))
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None


def link_expires_at(link: HostLink) -> datetime:
    return link.issued_at + timedelta(days=LINK_DAYS)


def link_problem(link: HostLink, agreement: LearningAgreement, now: datetime) -> LinkProblem | None:
    if agreement.signature_of(Party.HOST) is not None:
        return LinkProblem.USED
    if not is_current(agreement):
        return LinkProblem.REPLACED
    if agreement.placement.status not in policy.AGREEMENT_STATUSES:
        return LinkProblem.CLOSED
    if now > link_expires_at(link):
        return LinkProblem.EXPIRED
    return None


def send_host_link(
    agreement: LearningAgreement, sender: User, *, name: str, email: str, now: datetime
) -> str:
    """E-mail the host's signer (someone without an account) a link that signs this
    version for the host organisation, once, within `LINK_DAYS` days. Returns the link.
    """
    if not is_current(agreement):
        raise DomainError("agreement", _l("A newer version of the agreement exists already."))
    if agreement.signature_of(Party.HOST) is not None:
        raise DomainError("agreement", _l("The host organisation has signed this version already."))
    if agreement.placement.status not in policy.AGREEMENT_STATUSES:
        raise DomainError("agreement", _l("This placement is over."))
    placement = agreement.placement
    link = external_url(
        "agreements.sign_by_link", token=make_link(HostLink(agreement.id, email, now))
    )
    # The signer abroad reads English.
    with force_locale("en"):
        send_mail(
            email,
            _("Please sign the learning agreement of %(student)s", student=placement.student.name),
            _(
                "Hello %(name)s,\n\n%(sender)s of %(school)s asks you to read and sign, for "
                "%(host)s, the Erasmus+ learning agreement of %(student)s (version "
                "%(number)d).\n\nOpen it with this link (valid for %(days)d days, for one "
                "signature):\n\n%(link)s\n\nYou need no account. Questions? Answer "
                "%(sender)s at %(address)s.\n",
                name=name.strip(),
                sender=sender.name,
                school=placement.school.name,
                host=placement.workplace.name,
                student=placement.student.name,
                number=agreement.number,
                days=LINK_DAYS,
                link=link,
                address=sender.email,
            ),
        )
    audit.record(sender, "agreement_link_sent", placement, agreement=agreement.id)
    db.session.commit()
    return link


def record_link_refusal(link: HostLink, agreement: LearningAgreement, problem: LinkProblem) -> None:
    """A refused use of a host signer's link, in the audit trail (ids only)."""
    audit.record(
        None, "agreement_link_refused", agreement.placement, agreement=agreement.id, reason=problem
    )
    db.session.commit()
