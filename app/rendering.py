"""The one way user text becomes HTML: Markdown, then sanitised by nh3.

Every piece of Markdown a user writes is shown through `render_markdown` (in templates:
the `markdown` filter). Raw HTML in the input is escaped, links get `rel="noopener
noreferrer nofollow"`, and only a small set of tags survives.
"""

from __future__ import annotations

import re
import threading

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4",
    "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


# Content files (training modules, templates) have their own headings and tables.
CONTENT_TAGS = ALLOWED_TAGS | {"h2", "table", "thead", "tbody", "tr", "th", "td"}


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for a user's Markdown text (empty for nothing)."""
    return _render(text, ["sane_lists", "nl2br"], ALLOWED_TAGS)


def render_content(text: str | None) -> Markup:
    """Sanitised HTML for the Markdown of a content file: a module body or a template."""
    return _render(text, ["sane_lists", "tables"], CONTENT_TAGS)


# Building a converter costs more than converting a short text (a timeline renders
# hundreds of sections and comments), so each thread keeps one per set of extensions
# and resets it between texts. A converter holds state while it converts: never shared
# between threads.
_converters = threading.local()


def _converter(extensions: list[str]) -> markdown.Markdown:
    cache = _converters.__dict__.setdefault("by_extensions", {})
    key = tuple(extensions)
    converter = cache.get(key)
    if converter is None:
        converter = markdown.Markdown(extensions=extensions)
        # Typed HTML is text the user wrote (`<b>` shows as `<b>`), not markup: without
        # these two handlers Markdown escapes it like any other text. nh3 remains the
        # safety net.
        converter.preprocessors.deregister("html_block")
        converter.inlinePatterns.deregister("html")
        cache[key] = converter
    return converter.reset()


def _render(text: str | None, extensions: list[str], tags: set[str]) -> Markup:
    if not text:
        return Markup("")
    html = _converter(extensions).convert(_prepare(text))
    # Safe by construction: nh3 keeps only the allowed tags and attributes (the XSS tests
    # put payloads through every Markdown field), so bandit's B704 does not apply here.
    return Markup(  # noqa: S704  # nosec B704
        nh3.clean(
            html,
            tags=tags,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )


LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")


def _prepare(text: str) -> str:
    """Make Markdown forgiving the way people type on a phone: a list may start right
    under a line of text, without the blank line Markdown asks for.
    """
    lines = []
    previous = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if LIST_ITEM.match(line) and previous.strip() and not LIST_ITEM.match(previous):
            lines.append("")
        lines.append(line)
        previous = line
    return "\n".join(lines)
