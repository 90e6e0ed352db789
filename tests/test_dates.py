"""One date format per language: every page writes its dates through the named formats
of `app/dates.py`, day before month, in English as in Dutch.

The walk opens every page of `tests/test_access.py` that someone may see, as that
person, in English and in Dutch, and looks in what the page shows (not in attributes,
nor in examples of a file format inside <code>) for the shapes of dates that are not
Leerspoor's: "Dec 21, 2026", "12/21/26", "21-12-2026", "2026-12-21", "21/12".
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app import dates
from tests.test_access import CASES, ROLES, world_ids

MONTHS = (
    "jan|feb|mar|mrt|apr|may|mei|jun|jul|aug|sep|oct|okt|nov|dec|january|february|march|"
    "april|june|july|august|september|october|november|december|januari|februari|maart|"
    "juni|juli|augustus"
)
FORBIDDEN = {
    "month before day": re.compile(rf"\b(?:{MONTHS})\.? \d{{1,2}}\b(?!:)", re.IGNORECASE),
    "numeric date": re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
    "day/month": re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}(?![\d/])"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
}
OURS = re.compile(rf"\b\d{{1,2}} (?:{MONTHS})\b", re.IGNORECASE)
APP = Path(__file__).resolve().parent.parent / "app"


class _Text(HTMLParser):
    """The text a page shows, without scripts, styles and examples of code."""

    SKIPPED = {"script", "style", "code", "pre"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1

    def handle_endtag(self, tag) -> None:
        if tag in self.SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data) -> None:
        if not self._skipping:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def wrong_dates(text: str) -> list[str]:
    return [
        f"{shape}: {match.group(0)!r} in …{text[max(0, match.start() - 40) : match.end() + 40]}…"
        for shape, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]


PAGES = sorted(
    {
        (case.path, next(role for role in ROLES if case.expected[role] == 200))
        for case in CASES
        if case.method == "GET"
        and 200 in case.expected.values()
        and not case.path.endswith((".pdf", ".csv"))  # files: CSVs keep ISO dates
    }
)


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_every_page_writes_dates_in_the_one_format_of_its_language(app, world, login_as, locale):
    ids = world_ids(app, world)
    browsers = {}
    problems, dated_pages = [], 0
    for path, role in PAGES:
        if role not in browsers:
            browsers[role] = login_as(world.user(role)) if role != "anonymous" else None
            if browsers[role] is not None:
                browsers[role].post("/language", {"locale": locale})
        browser = browsers[role]
        if browser is None:
            continue  # pages before logging in show no dates
        response = browser.get(path.format(**ids))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        text = shown_text(response.get_data(as_text=True))
        dated_pages += bool(OURS.search(text))
        problems += [f"{path} ({role}): {problem}" for problem in wrong_dates(text)]
    assert not problems, "\n".join(problems)
    assert dated_pages >= 10  # the walk saw pages with dates


@pytest.mark.parametrize(
    ("shape", "text"),
    [
        ("month before day", "Visit on Dec 21, 2026"),
        ("month before day", "the week of December 7"),
        ("numeric date", "due 12/21/26"),
        ("numeric date", "due 21-12-2026"),
        ("day/month", "week 7/12"),
        ("ISO date", "made 2026-12-21"),
    ],
)
def test_the_walk_recognises_each_forbidden_shape(shape, text):
    assert any(problem.startswith(shape) for problem in wrong_dates(text))


@pytest.mark.parametrize(
    "text", ["21 December 2026", "21 dec. 2026", "maandag 21 december 2026", "7 Dec, 14:05"]
)
def test_the_walk_accepts_the_named_formats(text):
    assert wrong_dates(text) == []


@pytest.mark.parametrize(
    ("locale", "name", "expected"),
    [
        ("en", dates.LONG_DATE, "21 December 2026"),
        ("en", dates.SHORT_DATE, "21 Dec 2026"),
        ("en", dates.WEEKDAY_DATE, "Monday 21 December 2026"),
        ("en", dates.DAY_MONTH, "21 December"),
        ("nl", dates.LONG_DATE, "21 december 2026"),
        ("nl", dates.WEEKDAY_DATE, "maandag 21 december 2026"),
        ("nl", dates.DAY_MONTH, "21 december"),
    ],
)
def test_the_named_formats_put_the_day_first(app, locale, name, expected):
    with app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(dates, "get_locale", lambda: locale)
        from flask_babel import force_locale

        with force_locale(locale):
            assert dates.format_day(date(2026, 12, 21), name) == expected


def test_no_template_or_module_formats_a_date_with_a_pattern_of_its_own():
    """Only app/dates.py hands Babel a pattern; templates use its filters."""
    offenders = []
    for path in APP.rglob("*"):
        if path.suffix not in {".html", ".py", ".txt"} or path.name == "dates.py":
            continue
        text = path.read_text(encoding="utf-8")
        patterned = re.search(
            r"\|\s*(?:dateformat|datetimeformat)\b|\bformat_date\(|format_datetime\(", text
        )
        if patterned and path.name != "mailer.py":  # mailer: an e-mail's Date header
            offenders.append(str(path.relative_to(APP)))
    assert offenders == []
