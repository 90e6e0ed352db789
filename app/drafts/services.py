"""Keeping, finding and forgetting drafts. Services own their commits."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import request, session
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from app.drafts.pages import may_autosave
from app.extensions import db
from app.forms import typed_fields
from app.models import FormDraft, User
from app.models.columns import utcnow

# Forms never kept: buttons that only switch or end something, and the drafts' own
# (an autosave keeps its page's form, see `keep_sent_form`).
NEVER_KEPT = frozenset({"auth.logout", "auth.set_language", "drafts.discard_draft"})
# The account's forms are about passwords, codes, addresses and signed links (in the
# page's address, too): of them only the account page itself, a name and a language, is
# kept. Secrets are not left to a word in a field's name (a new password's repeat is
# called `confirm`).
KEPT_ACCOUNT_FORMS = frozenset({"auth.edit_account"})
MAX_PATH_LENGTH = 300


def _version(fields: dict[str, list[str]]) -> int | None:
    value = (fields.get("version") or [""])[0]
    return int(value) if value.isdigit() and len(value) < 10 else None


# The session's name for its drafts (see `FormDraft.session_key`).
SESSION_KEY = "drafts_key"


def session_key() -> str:
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_hex(16)
    return session[SESSION_KEY]


def save(
    user: User, *, path: str, action: str, fields: dict[str, list[str]], kept: bool
) -> FormDraft:
    """Keep `fields` as `user`'s draft of the form on `path` (one per person and page)."""
    key = "" if kept else session_key()
    for _attempt in range(2):
        draft = db.session.scalar(
            select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)
        )
        if draft is None:
            draft = FormDraft(user_id=user.id, path=path)
            db.session.add(draft)
        draft.action = action
        draft.fields = fields
        draft.version = _version(fields)
        draft.kept = kept
        draft.session_key = key
        draft.saved_at = utcnow()
        try:
            db.session.commit()
        except IntegrityError:  # the same draft saved at the same moment by another request
            db.session.rollback()
            continue
        return draft
    raise RuntimeError("The draft could not be saved.")


def page_of_sent_form() -> tuple[str, str]:
    """The page a form was sent from, as (path, path with query): the `Referer` of this
    site (sent for same-origin requests, `Referrer-Policy: same-origin`), or else the
    address it was sent to.
    """
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        path, query = referrer.path, referrer.query
    else:
        path, query = request.path, ""
    path = path[:MAX_PATH_LENGTH]
    return path, f"{path}?{query}" if query else path


def keep_sent_form(user: User) -> str | None:
    """Keep the form of this request, sent after `user`'s session ended, as their draft
    of the page it came from; that page's address (to return to after logging in), or
    None when nothing was kept.
    """
    if request.method != "POST":
        return None
    fields = typed_fields(request.form)
    if not fields:
        return None
    if request.endpoint == "drafts.autosave":  # the page it autosaves, if theirs to write
        path = address = request.args.get("page", "")[:MAX_PATH_LENGTH]
        if not may_autosave(user, path):
            return None
        save(user, path=path, action=path, fields=fields, kept=True)
        return address
    if request.endpoint in NEVER_KEPT:
        return None
    if request.blueprint == "auth" and request.endpoint not in KEPT_ACCOUNT_FORMS:
        return None
    path, address = page_of_sent_form()
    save(user, path=path, action=request.path[:MAX_PATH_LENGTH], fields=fields, kept=True)
    return address


def draft_for(user: User, path: str) -> FormDraft | None:
    return db.session.scalar(
        select(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)
    )


def discard(user: User, path: str) -> None:
    db.session.execute(
        delete(FormDraft).where(FormDraft.user_id == user.id, FormDraft.path == path)
    )
    db.session.commit()


def forget_saved(user: User, address: str) -> None:
    """A form sent to `address` was saved: its drafts are done with, those kept after a
    session ended and those autosaved in this session. A draft autosaved on another
    device stays, to be offered there (beside what is saved now).
    """
    db.session.execute(
        delete(FormDraft).where(
            FormDraft.user_id == user.id,
            or_(FormDraft.action == address, FormDraft.path == address),
            FormDraft.kept | (FormDraft.session_key == session.get(SESSION_KEY, "-")),
        )
    )
    db.session.commit()
