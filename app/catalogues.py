"""The translation catalogues: extract, update, fill English, compile and check.

Source strings are English; `nl` is the default language and is translated by
hand; `en` repeats the source strings so that it is complete by construction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

APP_DIR = Path(__file__).resolve().parent
TRANSLATIONS = APP_DIR / "translations"
LOCALES = ("nl", "en")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "_ln": (1, 2),
    "lazy_ngettext": (1, 2),
}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS_MAP = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every user-facing string in the code and templates."""
    catalog = Catalog(project="Leerspoor", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        APP_DIR, METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(locale: str) -> Catalog:
    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def write(locale: str, catalog: Catalog) -> None:
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True, width=100)


def update() -> dict[str, int]:
    """Bring both catalogues in line with the code; English fills itself. Returns open counts."""
    template = extract()
    open_counts = {}
    for locale in LOCALES:
        catalog = read(locale) if po_path(locale).exists() else Catalog(locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        write(locale, catalog)
        open_counts[locale] = len(problems(catalog))
    return open_counts


def compiled(locale: str) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, read(locale))
    return buffer.getvalue()


def compile_all() -> None:
    for locale in LOCALES:
        po_path(locale).with_suffix(".mo").write_bytes(compiled(locale))


def check() -> list[str]:
    """What keeps the catalogues from being complete, current and compiled (empty: all good)."""
    found = []
    expected = {message.id for message in extract() if message.id}
    for locale in LOCALES:
        catalog = read(locale)
        present = {message.id for message in catalog if message.id}
        found += [f"{locale}: not in the catalogue: {mid!r}" for mid in expected - present]
        found += [f"{locale}: no longer used: {mid!r}" for mid in present - expected]
        found += [f"{locale}: {p.reason}: {p.message_id!r}" for p in problems(catalog)]
        mo = po_path(locale).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(locale):
            found.append(f"{locale}: messages.mo is not compiled from messages.po")
    return found


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


@dataclass
class CatalogueProblem:
    message_id: str
    reason: str


def problems(catalog: Catalog) -> list[CatalogueProblem]:
    """Untranslated or fuzzy messages in a catalogue."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            found.append(CatalogueProblem(key, "fuzzy"))
        elif not _translated(message):
            found.append(CatalogueProblem(key, "untranslated"))
    return found
