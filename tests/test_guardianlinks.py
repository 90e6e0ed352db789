"""The links e-mailed to a parent or guardian share one mechanism (`app/guardianlinks.py`)
with a purpose each: the approval of a minor's stay abroad and the consent to publishing
their travel blog. A token of one purpose never opens the other's page, a link e-mailed
before the mechanism was shared still opens its page, one purpose's links never replace
the other's, and both refuse a link that does not work, or an e-mail that cannot be sent,
the same way. What each purpose's page does: test_mobility_file.py, test_mobility_stay.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.mobility.tokens import APPROVAL
from app.models import BlogConsentLink, GuardianLink
from app.models.columns import utcnow
from app.stay.tokens import CONSENT
from tests.conftest import Browser
from tests.mail_server import closed_port

pytestmark = pytest.mark.usefixtures("in_english")

# Each purpose: its page, its table, the salt and key its tokens were signed with before
# the mechanism was shared, a valid answer, and what the page says when it is recorded.
KINDS = {
    "approval": (
        "/guardian/",
        GuardianLink,
        "leerspoor-guardian-link",
        "g",
        {"signed_name": "Gina A", "consent": "y", "approve": "1"},
        "your approval is recorded",
    ),
    "consent": (
        "/blog-consent/",
        BlogConsentLink,
        "leerspoor-blog-consent-link",
        "b",
        {"signed_name": "Gina A", "guardian": "y", "consent": "1"},
        "Your consent is recorded",
    ),
}


def new_link(app, world, model, *, link_id=None, language="en", sent_at=None) -> int:
    """An unanswered link of `model` to placement M (a minor's stay abroad), as sent."""
    with app.app_context():
        now = sent_at or utcnow()
        link = model(
            placement_id=world.placement_m.id,
            guardian_name="Gina A",
            email="gina@home.example",
            language=language,
            sent_by_id=world.coach_a.id,
            sent_at=now,
            expires_at=now + timedelta(days=14),
            answered_name="",
        )
        if link_id is not None:
            link.id = link_id
        db.session.add(link)
        db.session.commit()
        return link.id


def signed(app, salt: str, value: dict) -> str:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=salt).dumps(value)


def visitor(app) -> Browser:
    return Browser(app.test_client(), address="10.9.9.9")


def test_a_token_of_one_purpose_never_opens_the_others_page(app, world):
    # The two links have the same id, so only the purpose tells them apart.
    approval_id = new_link(app, world, GuardianLink)
    new_link(app, world, BlogConsentLink, link_id=approval_id)
    with app.app_context():
        approval = APPROVAL.make_token(db.session.get(GuardianLink, approval_id))
        consent = CONSENT.make_token(db.session.get(BlogConsentLink, approval_id))
        assert CONSENT.read_token(approval) is None
        assert APPROVAL.read_token(consent) is None
    browser = visitor(app)
    assert browser.get(f"/guardian/{approval}").status_code == 200
    assert browser.get(f"/blog-consent/{consent}").status_code == 200
    assert browser.get(f"/guardian/{consent}").status_code == 404
    assert browser.get(f"/blog-consent/{approval}").status_code == 404
    # The purpose is inside the signed value too: the other purpose's key under this
    # purpose's salt is not a token of this purpose either.
    for path, _model, salt, _key, _answer, _done in KINDS.values():
        other_key = "b" if path == "/guardian/" else "g"
        forged = signed(app, salt, {other_key: approval_id})
        assert browser.get(path + forged).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_e_mailed_before_the_links_were_shared_still_works(app, world, kind):
    path, model, salt, key, answer, done = KINDS[kind]
    link_id = new_link(app, world, model)
    # The token exactly as the code before the shared mechanism made it.
    link = path + signed(app, salt, {key: link_id})
    browser = visitor(app)
    page = browser.get(link)
    assert page.status_code == 200
    assert "Student A" in page.get_data(as_text=True)
    answered = browser.post(link, answer)
    assert answered.status_code == 200
    assert done in answered.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(model, link_id).answered_name == "Gina A"
    assert browser.get(link).status_code == 410


def test_a_newer_link_of_one_purpose_leaves_the_others_link_working(app, world):
    approval_id = new_link(app, world, GuardianLink)
    first_consent = new_link(app, world, BlogConsentLink)
    with app.app_context():
        approval = APPROVAL.make_token(db.session.get(GuardianLink, approval_id))
        consent = CONSENT.make_token(db.session.get(BlogConsentLink, first_consent))
    new_link(app, world, BlogConsentLink)  # replaces the first consent link only
    browser = visitor(app)
    assert browser.get(f"/blog-consent/{consent}").status_code == 410
    assert browser.get(f"/guardian/{approval}").status_code == 200
    new_link(app, world, GuardianLink)
    assert browser.get(f"/guardian/{approval}").status_code == 410


@pytest.mark.parametrize("kind", KINDS)
def test_a_link_that_does_not_work_is_explained_in_the_e_mails_language(app, world, kind):
    path, model, salt, key, _answer, _done = KINDS[kind]
    link_id = new_link(app, world, model, language="nl", sent_at=utcnow() - timedelta(days=15))
    page = visitor(app).get(path + signed(app, salt, {key: link_id}))
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "Deze link is verlopen" in text
    assert "Vraag School A om een nieuwe." in text
    assert page.headers["Referrer-Policy"] == "no-referrer"


SEND = {
    "approval": ("/mobility-file/guardian-link", GuardianLink),
    "consent": ("/stay/blog/consent-link", BlogConsentLink),
}


@pytest.mark.parametrize("kind", SEND)
def test_a_link_whose_e_mail_cannot_be_sent_is_not_saved(app, world, login_as, mail_server, kind):
    suffix, model = SEND[kind]
    app.config["MAIL_PORT"] = closed_port()
    refused = login_as(world.coach_a).post(
        f"/placements/{world.placement_m.id}{suffix}",
        {"guardian_name": "Gina A", "email": "gina@home.example", "language": "en"},
    )
    assert refused.status_code == 422
    assert "The e-mail could not be sent. Nothing was saved" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(model.id))) == 0
