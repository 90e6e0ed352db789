"""Links e-mailed to a parent or guardian, who has no account: one mechanism for every
purpose (approving a minor's stay abroad, consenting to publishing their travel blog).

A link is a row of its purpose's table (`app.models.guardian_links.GuardianLinkBase`).
Its token names the row and is signed under the purpose's own salt, with the purpose's
key inside the signed value, so a token of one purpose never opens another's page and no
other signed value of the app (a session, a mentor's quick link) passes for one. A link
works once, until it expires, and only while it is the latest of its purpose sent for
its placement; the page behind it never logs anyone in, speaks the e-mail's language and
sends no referrer.

What the guardian answers, what the answer changes, the e-mail's words and the page's
stay in the purpose's feature, which calls `send_link`, `check_link`, `claim_link` and
`answer_page` with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, current_app, make_response, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from app import audit
from app.domain import DomainError
from app.extensions import db
from app.mailer import MAIL_ERRORS, external_url, send_mail
from app.models import Placement, User
from app.models.columns import utcnow
from app.models.guardian_links import GuardianLinkBase
from app.web import in_language_of_email

# Why a link does not work (any more). `DONE` is the feature's to decide: the answer is
# not needed any more (given another way, or the placement no longer takes place).
EXPIRED, USED, REPLACED, DONE = "expired", "used", "replaced", "done"

# The title of the page of a link that does not work, the same for every purpose.
PROBLEM_TITLES = {
    EXPIRED: _l("This link has expired"),
    USED: _l("This link has been used already"),
    REPLACED: _l("A newer link was sent"),
    DONE: _l("No answer is needed any more"),
}
REPLACED_TEXT = _l("The school sent a newer link: use the latest e-mail.")


@dataclass(frozen=True)
class Purpose:
    """What a kind of link is for: its table, its token's signature, its page.

    `name` names the audit events (`<name>_sent`, and the feature's `<name>_answered`)
    and the warning when the e-mail fails. `salt` and `key` are those of the first
    tokens of the purpose, so a link e-mailed before keeps opening its page.
    """

    name: str
    model: type[GuardianLinkBase]
    salt: str
    key: str
    endpoint: str  # the page behind the link, which takes the token
    days: int = 14  # how long a link works

    def _serializer(self) -> URLSafeSerializer:
        return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def make_token(self, link: GuardianLinkBase) -> str:
        return self._serializer().dumps({self.key: link.id})

    def read_token(self, token: str) -> int | None:
        """The id of the link a token names, or None when it was not made for this purpose."""
        try:
            data = self._serializer().loads(token)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get(self.key), int):
            return None
        return data[self.key]

    def link_for(self, token: str) -> GuardianLinkBase | None:
        link_id = self.read_token(token)
        return db.session.get(self.model, link_id) if link_id is not None else None

    def latest(self, placement_id: int) -> GuardianLinkBase | None:
        """The link of this purpose sent last for a placement: the only one that works."""
        return db.session.scalar(
            select(self.model)
            .where(self.model.placement_id == placement_id)
            .order_by(self.model.id.desc())
            .limit(1)
        )


class LinkProblem(DomainError):
    """A guardian's link that does not work (any more); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__("link", reason)
        self.reason = reason


# -- sending ----------------------------------------------------------------------------

# Writes the e-mail of a link: (subject, body), given the link and its address; called
# in the e-mail's language.
Mail = Callable[[GuardianLinkBase, str], tuple[str, str]]


def send_link(
    purpose: Purpose,
    placement: Placement,
    by: User,
    *,
    guardian_name: str,
    email: str,
    language: str,
    mail: Mail,
) -> GuardianLinkBase:
    """E-mail a parent or guardian a new link of `purpose`, in `language`: the links of
    the purpose sent before for the placement stop working. Nothing is saved when the
    e-mail cannot be sent. The feature checks first whether a link may be sent.
    """
    now = utcnow()
    link = purpose.model(
        placement_id=placement.id,
        guardian_name=guardian_name.strip(),
        email=email.strip(),
        language=language,
        sent_by_id=by.id,
        sent_at=now,
        expires_at=now + timedelta(days=purpose.days),
        answered_name="",
    )
    db.session.add(link)
    db.session.flush()
    audit.record(by, f"{purpose.name}_sent", placement, link=link.id)
    try:
        with force_locale(link.language):
            address = external_url(purpose.endpoint, token=purpose.make_token(link))
            subject, body = mail(link, address)
            send_mail(link.email, subject, body)
    except MAIL_ERRORS as error:
        db.session.rollback()
        current_app.logger.warning("A %s could not be sent: %s", purpose.name, error)
        raise DomainError(
            "email", _l("The e-mail could not be sent. Nothing was saved: try again later.")
        ) from error
    db.session.commit()
    return link


# -- answering --------------------------------------------------------------------------


def check_link(link: GuardianLinkBase, now: datetime) -> None:
    """Raise `LinkProblem` when the link may not be answered now: answered already,
    expired, or not the latest of its purpose for its placement.
    """
    if link.is_answered:
        raise LinkProblem(USED)
    if now > link.expires_at:
        raise LinkProblem(EXPIRED)
    model = type(link)
    latest = db.session.scalar(
        select(model.id)
        .where(model.placement_id == link.placement_id)
        .order_by(model.id.desc())
        .limit(1)
    )
    if latest != link.id:
        raise LinkProblem(REPLACED)


def claim_link(link: GuardianLinkBase, now: datetime, *, signed_name: str, **answer) -> None:
    """Record the guardian's answer on the link (`decision` and what else the purpose
    keeps), once: of two answers sent at once, one counts, the other is `USED`. The
    feature has checked the link, then applies the answer, records it and commits.
    """
    model = type(link)
    claimed = db.session.execute(
        update(model)
        .where(model.id == link.id, model.answered_at.is_(None))
        .values(answered_at=now, answered_name=signed_name.strip(), **answer)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise LinkProblem(USED)
    db.session.refresh(link)


# -- the page behind a link ---------------------------------------------------------------


def answer_page(purpose: Purpose, token: str, page: Callable[[GuardianLinkBase], object]):
    """The response of the page behind a link: not found (404) for a token not made for
    this purpose, else the feature's `page(link)`, in the e-mail's language unless the
    visitor chose one, without a referrer (the address is the key).
    """
    link = purpose.link_for(token)
    if link is None:
        abort(404)
    with in_language_of_email(link.language):
        response = make_response(page(link))
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def problem_page(link: GuardianLinkBase, problem: LinkProblem, texts: Mapping[str, str]):
    """The page of a link that does not work (410): what happened, and what to do as the
    purpose says it (`texts`: for each reason its feature raises, a text with the school
    as `%(school)s`; a replaced link's is the same for every purpose).
    """
    text = {REPLACED: REPLACED_TEXT, **texts}[problem.reason]
    return (
        render_template(
            "guardian_link_problem.html",
            title=PROBLEM_TITLES[problem.reason],
            text=text % {"school": link.placement.school.name},
        ),
        410,
    )
