"""A guardian's consent to publishing a minor's travel blog as a purpose of
`app.guardianlinks`: its table, the signature of its token and its page.

The salt and the key are those the links had before they shared the mechanism with the
guardian's approval links, so a link e-mailed then still opens its page.
"""

from __future__ import annotations

from app.guardianlinks import Purpose
from app.models import BlogConsentLink

CONSENT = Purpose(
    name="blog_consent_link",
    model=BlogConsentLink,
    salt="leerspoor-blog-consent-link",
    key="b",
    endpoint="stay.answer_consent_link",
)

make_token = CONSENT.make_token
read_token = CONSENT.read_token
