"""A page's draft, offered in its form; forgotten once the form is saved.

When a page that holds a form is rendered for the person who has a draft of it, the
form is filled with the draft, unless the object changed since the draft's form was
opened (its version moved on): then the form keeps what is saved now and the draft is
shown beside it, to copy from, instead of silently overwriting someone's change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from app.drafts import services
from app.forms import CsrfForm
from app.models import FormDraft

IGNORED = frozenset({"csrf_token"})


@dataclass
class Offer:
    draft: FormDraft
    # The object changed since the draft's form was opened: the draft is shown beside.
    changed: bool
    # (label, text) of each text field the draft holds, to show beside the form.
    texts: list[tuple[str, str]]
    discard_form: CsrfForm

    @property
    def saved_at(self) -> str:
        return format_time(self.draft.saved_at, "short")


def _text_fields(form: FlaskForm, fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [
        (str(field.label.text), fields[field.name][0])
        for field in form
        if isinstance(field, StringField)
        and field.name not in IGNORED
        and (fields.get(field.name) or [""])[0].strip()
    ]


def _takes_text(value) -> bool:
    return (
        isinstance(value, FlaskForm)
        and not value.is_submitted()
        and any(
            isinstance(field, StringField) and field.type != "HiddenField"
            for field in value
            if field.name not in IGNORED
        )
    )


def _form_of(draft: FormDraft, context: dict) -> FlaskForm | None:
    """The form on the page the draft was typed in: the one holding all its fields and
    some of its text.
    """
    names = set(draft.fields) - IGNORED
    for value in context.values():
        if (
            isinstance(value, FlaskForm)
            and not value.is_submitted()
            and names <= set(value._fields)
            and _text_fields(value, draft.fields)
        ):
            return value
    return None


def offer_draft(_app, template, context: dict, **_extra) -> None:
    """Before a page is rendered: fill its form with the reader's draft of this page."""
    if request.method != "GET" or "draft_offer" in g:
        return
    if not current_user.is_authenticated:
        return
    g.draft_offer = None
    if not any(_takes_text(value) for value in context.values()):
        return  # no form to type in on this page: no draft to look for
    draft = services.draft_for(current_user, request.path)
    if draft is None:
        return
    form = _form_of(draft, context)
    if form is None:
        return
    saved_version = form.version.data if "version" in form else None
    changed = draft.version is not None and saved_version not in (None, draft.version)
    texts = _text_fields(form, draft.fields)
    if not changed:
        form.process(
            MultiDict([(name, value) for name, values in draft.fields.items() for value in values])
        )
    g.draft_offer = context["draft_offer"] = Offer(draft, changed, texts, CsrfForm())


def forget_saved_draft(response):
    """A form sent and saved (answered with a redirect) leaves no draft behind."""
    if (
        request.method == "POST"
        and response.status_code in (302, 303)
        and request.blueprint != "drafts"
        and current_user.is_authenticated
    ):
        services.forget_saved(current_user, request.path)
    return response


def autosave_attributes() -> Markup:
    """What a long text form's `<form>` tag carries to be saved while the person types
    (`{{ autosave() }}`): the address that takes its fields, and what to say when that
    fails (the site script says it next to the buttons).
    """
    return Markup('data-autosave="{}" data-autosave-failed="{}"').format(
        url_for("drafts.autosave", page=request.path),
        _(
            "Not saved as a draft just now (offline, or logged out). Keep this page open "
            "and press save: what you typed is kept."
        ),
    )
