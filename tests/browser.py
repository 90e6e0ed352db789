"""What a browser sends when a page's form is submitted as it stands.

A browser sends every named, enabled control of the form with its current value:
text and hidden inputs and text areas as shown (minus the one newline after
`<textarea>`), ticked boxes and radios only, every selected option of a list (the first
option of a single list when none is marked selected, nothing for a multiple list), no
file, and of the buttons only the one that was pressed. Tests that say "submitted as a
browser would" read the page with `page_form` and post what it returns.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

_NOT_SENT = frozenset({"submit", "button", "reset", "image", "file"})


class PageForm(HTMLParser):
    """The controls of the POST form of a page whose action is `action` (the page itself
    when the form names none), in document order, and its submit buttons.
    """

    def __init__(self, page_path: str, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.action = action
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []  # (name, value) of named submit buttons
        self.found = False
        self._inside = False
        self._done = False
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_text = ""
        self._option_selected = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            target = urljoin(self.page_path, attributes.get("action") or "")
            self._inside = (
                not self._done
                and (attributes.get("method") or "").lower() == "post"
                and urlsplit(target).path == urlsplit(self.action).path
            )
            self.found = self.found or self._inside
            return
        if not self._inside:
            return
        name = attributes.get("name")
        disabled = "disabled" in attributes
        if tag == "input" and name and not disabled:
            self._input(name, (attributes.get("type") or "text").lower(), attributes)
        elif tag == "button" and name and not disabled:
            if (attributes.get("type") or "submit").lower() == "submit":
                self.buttons.append((name, attributes.get("value") or ""))
        elif tag == "textarea" and name and not disabled:
            self._textarea, self._text = name, ""
        elif tag == "select" and name and not disabled:
            self._select, self._options = name, []
            self._multiple = "multiple" in attributes
        elif tag == "option" and self._select:
            self._close_option()
            self._option_value = attributes.get("value")
            self._option_text = ""
            self._option_selected = "selected" in attributes and "disabled" not in attributes

    def _input(self, name: str, kind: str, attributes: dict) -> None:
        if kind in ("submit", "image"):
            self.buttons.append((name, attributes.get("value") or ""))
            return
        if kind in _NOT_SENT:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attributes:
                value = attributes.get("value")
                self.fields.append((name, "on" if value is None else value))
            return
        self.fields.append((name, attributes.get("value") or ""))

    def _close_option(self) -> None:
        if self._option_value is None and not self._option_text:
            return
        value = self._option_value
        if value is None:
            value = self._option_text.strip()
        self._options.append((value, self._option_selected))
        self._option_value, self._option_text, self._option_selected = None, "", False

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data
        elif self._select is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form" and self._inside:
            self._inside, self._done = False, True
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "option" and self._select:
            self._close_option()
        elif tag == "select" and self._select:
            self._close_option()
            chosen = [value for value, selected in self._options if selected]
            if not self._multiple:
                chosen = chosen[-1:] or [value for value, _selected in self._options[:1]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


def page_form(page, page_path: str, action: str | None = None) -> dict[str, list[str]]:
    """The first form of `page` (a response or its HTML) posting to `action` (default:
    the page itself), as a browser sends it when no named button is pressed.
    """
    return read_page_form(page, page_path, action).data()


class FilledForm:
    """A page's form as read: what it sends, and its named submit buttons."""

    def __init__(self, fields: list[tuple[str, str]], buttons: list[tuple[str, str]]):
        self.fields = fields
        self.buttons = buttons

    def data(self, button: tuple[str, str] | None = None) -> dict[str, list[str]]:
        sent: dict[str, list[str]] = {}
        for name, value in [*self.fields, *([button] if button else [])]:
            sent.setdefault(name, []).append(value)
        return sent


def read_page_form(page, page_path: str, action: str | None = None) -> FilledForm:
    parser = PageForm(page_path, action or page_path)
    parser.feed(page if isinstance(page, str) else page.get_data(as_text=True))
    parser.close()
    assert parser.found, f"no form posting to {action or page_path}"
    return FilledForm(parser.fields, parser.buttons)
