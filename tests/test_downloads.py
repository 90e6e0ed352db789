"""Every file the app sends: no cache keeps it, and every CSV cell is safe in a spreadsheet.

The downloads are found, not listed: the walk asks every route of the access matrix
(`tests/test_access.py`, which fails when a route has no case) as each person the
matrix lets in, and judges every answer by what it is. A new export or download route
is checked here as soon as it has its row in the matrix.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from app import spreadsheets
from app.competences import services as competences
from app.extensions import db
from app.models import Certificate, Organisation, Placement, Setting, User
from tests.conftest import Browser
from tests.test_access import CASES, PUBLIC, ROLES, Case, expect, world_ids

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# CSV files that hold nothing anyone typed (the import's template): no formula to plant.
FIXED_CONTENT = {"admin.download_import_template"}
# What the walk must have downloaded at least, so it cannot pass by finding nothing.
KNOWN_DOWNLOADS = {
    "followup.download_attachment": "image/png",
    "competences.export_registrations": "text/csv",
    "caseload.export_overview": "text/csv",
    "training.export_mentors": "text/csv",
    "admin.download_import_template": "text/csv",
    "portfolio.export_portfolio": "application/pdf",
    "plans.export_plan": "application/pdf",
    "calls.export_cv": "application/pdf",
    "calls.export_report": "application/pdf",
    "agreements.export_agreement": "application/pdf",
    "training.download_certificate": "application/pdf",
    "training.download_template": "application/pdf",
    "privacy.export_own_data": "application/zip",
    "privacy.export_person": "application/zip",
}


def formula(index: int, text: str) -> str:
    """`text` behind one of the characters that make a spreadsheet cell a formula."""
    return FORMULA_STARTS[index % len(FORMULA_STARTS)] + text


def plant_formulas(app, world) -> None:
    """Every name, address and text the exports show starts like a formula, as an
    attacker would type them; addresses as they may have been saved before input checks.
    """
    with app.app_context():
        for index, user in enumerate(db.session.scalars(select(User).order_by(User.id))):
            user.name = formula(index, f'HYPERLINK("http://evil.example";"{user.name}")')
            user.email = "=" + user.email
        organisations = db.session.scalars(select(Organisation).order_by(Organisation.id))
        for index, organisation in enumerate(organisations):
            organisation.name = formula(index + 1, organisation.name)
        placement = db.session.get(Placement, world.placement_a.id)
        placement.programme = "+Elektrotechniek"
        placement.cohort = "-2026"
        db.session.add(
            Certificate(
                user_id=world.mentor_x.id,
                path_id="basic-mentor-training",
                code="WALK-CERT-0001",
                name=formula(0, "1+1"),
                modules=[],
            )
        )
        db.session.commit()
        framework = competences.framework_of(placement)
        competence = framework.competences[0]
        competences.register(
            placement,
            db.session.get(User, world.mentor_x.id),
            competence,
            [
                competences.Judgement(
                    competence.indicators[0].id,
                    Setting.WORKPLACE,
                    framework.scale[0].value,
                    "=cmd|' /C calc'!A0",
                )
            ],
            observed_on=date.today(),
        )


# The matrix's certificate case asks for a code nobody has; this one is mentor X's.
WALK_CASES = [
    *CASES,
    Case(
        "training.download_certificate",
        "GET",
        "/training/certificates/WALK-CERT-0001.pdf",
        expect(404, anonymous=302, mentor_x=200),
    ),
]


# The walk in parts that run side by side on the test workers: each route with all its
# cases in one part.
PARTS = 4


def cases_of(part: int) -> list[Case]:
    endpoints = sorted({case.endpoint for case in WALK_CASES})
    mine = set(endpoints[part::PARTS])
    return [case for case in WALK_CASES if case.endpoint in mine]


def walk(app, world, ids, cases, login_as, monkeypatch):
    """The answer of each case to each person the matrix expects a page or a file for
    (a POST answered with a page sends nothing that changes data), with how many cells
    the one CSV writer made for it.
    """
    browsers = {
        role: Browser(app.test_client()) if role == "anonymous" else login_as(world.user(role))
        for role in ROLES
    }
    made = []
    neutralise = spreadsheets.spreadsheet_cell

    def counted(value):
        made.append(value)
        return neutralise(value)

    monkeypatch.setattr(spreadsheets, "spreadsheet_cell", counted)
    for case in cases:
        path = case.path.format(**ids)
        for role in ROLES:
            # Only a page or a file is a download; a refusal or a redirect is not (that
            # every answer, refusals too, is kept by no cache is checked by the matrix).
            if case.expected[role] != 200:
                continue
            made.clear()
            browser = browsers[role]
            response = browser.get(path) if case.method == "GET" else browser.post(path, case.data)
            yield case, role, response, len(made)


def no_cache_problems(answers, known: dict[str, str]) -> list[str]:
    """Photos of minors, portfolios, exports: not in a shared computer's browser cache
    after logging out, nor in any cache between the server and the browser.
    """
    problems = [
        f"{case.id} as {role}: kept by a cache ({response.headers.get('Cache-Control')})"
        for case, role, response, _made in answers
        if case.endpoint not in PUBLIC and not response.cache_control.no_store
    ]
    downloads = {
        case.endpoint: response.mimetype
        for case, _role, response, _made in answers
        if response.status_code == 200 and response.mimetype != "text/html"
    }
    problems += [
        f"{endpoint}: no {kind} download found"
        for endpoint, kind in known.items()
        if downloads.get(endpoint) != kind
    ]
    return problems


def formula_problems(answers) -> list[str]:
    """Each cell went through the one writer, and nothing a spreadsheet would run as a
    formula is left at the start of a cell.
    """
    problems = []
    exports = [answer for answer in answers if answer[2].mimetype == "text/csv"]
    for case, role, response, made in exports:
        text = response.get_data(as_text=True)
        where = f"{case.id} as {role}"
        if not text.startswith("\ufeff"):
            problems.append(f"{where}: no byte order mark")
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
        cells = [cell for row in rows for cell in row]
        if made < len(cells):
            problems.append(f"{where}: cells written past the one CSV writer")
        problems += [f"{where}: {cell!r}" for cell in cells if cell.startswith(FORMULA_STARTS)]
        if case.endpoint not in FIXED_CONTENT and not any(c.startswith("'") for c in cells):
            problems.append(f"{where}: no planted formula")
    return problems


def charset_problems(answers) -> list[str]:
    """`text/csv; charset=utf-8`, exactly: a second charset parameter is a malformed
    header some programs refuse or read as another encoding.
    """
    return [
        f"{case.id} as {role}: {response.headers['Content-Type']}"
        for case, role, response, _made in answers
        if response.mimetype == "text/csv"
        and response.headers["Content-Type"] != "text/csv; charset=utf-8"
    ]


@pytest.mark.parametrize("part", range(PARTS), ids=lambda part: f"part {part + 1} of {PARTS}")
def test_every_download_is_kept_by_no_cache_and_every_csv_cell_is_safe(
    app, world, login_as, monkeypatch, part
):
    """One walk over every answer of a part of the routes (it is the slow part), judged
    three ways; every problem of each is listed, so one failure does not hide another.
    The formulas are planted after the matrix's additions to the world, so those are
    the rows every worker has already built once, and their people get formulas too.
    """
    ids = world_ids(app, world)
    plant_formulas(app, world)
    cases = cases_of(part)
    endpoints = {case.endpoint for case in cases}
    known = {e: kind for e, kind in KNOWN_DOWNLOADS.items() if e in endpoints}
    answers = list(walk(app, world, ids, cases, login_as, monkeypatch))
    csv_endpoints = {
        case.endpoint for case, _role, response, _made in answers if response.mimetype == "text/csv"
    }
    assert csv_endpoints >= {e for e, kind in known.items() if kind == "text/csv"}
    problems = {
        "cache": no_cache_problems(answers, known),
        "formulas": formula_problems(answers),
        "charset": charset_problems(answers),
    }
    assert problems == {"cache": [], "formulas": [], "charset": []}


def test_every_known_download_is_walked_by_a_part():
    parts = [cases_of(part) for part in range(PARTS)]
    assert set(KNOWN_DOWNLOADS) <= {case.endpoint for cases in parts for case in cases}
    assert sorted(id(case) for cases in parts for case in cases) == sorted(map(id, WALK_CASES))


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_that_starts_like_a_formula_is_shown_as_text(start):
    assert spreadsheets.spreadsheet_cell(start + "1+1") == "'" + start + "1+1"


def test_numbers_dates_and_plain_text_are_written_as_they_are():
    assert spreadsheets.spreadsheet_cell(-3) == "-3"
    assert spreadsheets.spreadsheet_cell(2.5) == "2.5"
    assert spreadsheets.spreadsheet_cell(None) == ""
    assert spreadsheets.spreadsheet_cell("Jan = Piet") == "Jan = Piet"
    assert spreadsheets.spreadsheet_cell(date(2030, 1, 2)) == "2030-01-02"


def test_the_writer_makes_a_document_with_a_bom_semicolons_and_safe_cells():
    writer = spreadsheets.SpreadsheetWriter()
    writer.writerow(["Name", "E-mail"])
    writer.writerow(["=1+1", "=a@b.be"])
    writer.writerow([3, None])
    assert writer.document() == "\ufeffName;E-mail\r\n'=1+1;'=a@b.be\r\n3;\r\n"
