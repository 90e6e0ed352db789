"""Drafts: nothing a person typed into a form is lost when their session ends, a tab is
closed or a battery dies.

Two ways in: a form sent after the session ended is kept for the person the session
still names (`app.auth.sessions` announces it, `services.keep_sent_form` keeps it), and
long text forms marked `data-autosave` are saved here while the person types
(`routes.autosave`). Either way the form's page offers the text again to that person,
and only to them
(`offer.offer_draft`); a form saved successfully deletes its draft.
"""

from flask import Blueprint, Flask, before_render_template

from app.auth.sessions import form_sent_after_session

bp = Blueprint("drafts", __name__, template_folder="templates")

from app.drafts import offer, routes, services  # noqa: E402,F401  (routes register on `bp`)


def _keep_sent_form(_app, *, user) -> str | None:
    return services.keep_sent_form(user)


def init_app(app: Flask) -> None:
    """Offer a page's draft in its form, and forget it once the form is saved."""
    form_sent_after_session.connect(_keep_sent_form, app)
    before_render_template.connect(offer.offer_draft, app)
    app.after_request(offer.forget_saved_draft)
    app.context_processor(lambda: {"autosave": offer.autosave_attributes})
