"""CSV import of students and their placements: check everything, then import all or nothing.

The format is documented in docs/csv-import.md. Every bad row is reported with its
line number and reason; nothing is imported until the file is clean.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import audit, policy
from app.admin.services import workplaces_for
from app.auth.services import send_invitation
from app.extensions import db
from app.models import (
    Membership,
    Organisation,
    PendingImport,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from app.models.people import normalise_email
from app.placements.services import ensure_partnership
from app.spreadsheets import starts_like_formula

MAX_ROWS = 2000
COLUMNS = (
    "student_email",
    "student_name",
    "kind",
    "start_date",
    "end_date",
    "workplace",
    "mentor_email",
    "coach_email",
)
PLACEMENT_COLUMNS = COLUMNS[2:]
# Optional columns of a placement: the header may leave them out, a row may leave them empty.
OPTIONAL_COLUMNS = {"programme": 120, "cohort": 20}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
# The Dutch header of each column; a file may use either name (or mix them).
DUTCH_COLUMNS = {
    "student_email": "email_leerling",
    "student_name": "naam_leerling",
    "kind": "soort",
    "start_date": "startdatum",
    "end_date": "einddatum",
    "workplace": "werkplek",
    "mentor_email": "email_mentor",
    "coach_email": "email_coach",
    "programme": "opleiding",
    "cohort": "cohort",
}
# The Dutch code of each kind of placement, beside the English one.
DUTCH_KINDS = {
    PlacementKind.DUAL_LEARNING: "duaal",
    PlacementKind.INTERNSHIP: "stage",
    PlacementKind.BOL: "bol",
    PlacementKind.BBL: "bbl",
    PlacementKind.GRADUATE_WORKPLACE_LEARNING: "graduaat",
    PlacementKind.MOBILITY_ABROAD: "buitenland",
}
KIND_ALIASES = {
    **{kind.value: kind for kind in PlacementKind},
    **{code: kind for kind, code in DUTCH_KINDS.items()},
    "dual learning": PlacementKind.DUAL_LEARNING,
    "duaal leren": PlacementKind.DUAL_LEARNING,
    "mobiliteit": PlacementKind.MOBILITY_ABROAD,
    "buitenlandse mobiliteit": PlacementKind.MOBILITY_ABROAD,
    "mobility abroad": PlacementKind.MOBILITY_ABROAD,
}


def column_key(name: str) -> str:
    """A header as written (`E-mail leerling`, `student_email`) reduced to one spelling."""
    key = re.sub(r"[\s_-]+", "_", name.strip().lower()).strip("_")
    return key.replace("e_mail", "email")


# Every accepted spelling of a header, to the column it names.
HEADER_ALIASES = {
    column_key(name): column for column, dutch in DUTCH_COLUMNS.items() for name in (column, dutch)
}


def column_names(dutch: bool) -> tuple[str, ...]:
    """The headers of a file, in Dutch or as the English codes."""
    names = (*COLUMNS, *OPTIONAL_COLUMNS)
    return tuple(DUTCH_COLUMNS[name] for name in names) if dutch else names


def kind_code(kind: PlacementKind, dutch: bool) -> str:
    return DUTCH_KINDS[kind] if dutch else kind.value


def template_rows(dutch: bool, today: date) -> list[list]:
    """A file to fill in: the headers and one example row, starting next school year."""
    start = date(today.year if today.month < 9 else today.year + 1, 9, 1)
    end = date(start.year + 1, 6, 30)

    def written(day: date) -> str:
        return day.strftime("%d/%m/%Y") if dutch else day.isoformat()

    return [
        list(column_names(dutch)),
        [
            "an.peeters@student.example",
            "An Peeters",
            kind_code(PlacementKind.DUAL_LEARNING, dutch),
            written(start),
            written(end),
            "Elektro Verbeke",
            "mentor@verbeke.example",
            "coach@school.example",
            "Elektrotechniek",
            f"{start.year}-{end.year}",
        ],
    ]


@dataclass
class RowProblem:
    line: int
    message: str


@dataclass
class ImportRow:
    line: int
    student_email: str
    student_name: str
    student: User | None = None
    kind: PlacementKind | None = None
    start_date: date | None = None
    end_date: date | None = None
    workplace: Organisation | None = None
    mentor: User | None = None
    coach: User | None = None
    programme: str = ""
    cohort: str = ""

    @property
    def has_placement(self) -> bool:
        return self.kind is not None


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # Each column as the file names it (in English or in Dutch), for the messages.
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_clean(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def new_students(self) -> int:
        return len({row.student_email for row in self.rows if row.student is None})

    @property
    def placements(self) -> int:
        return sum(1 for row in self.rows if row.has_placement)


class AlreadyImported(Exception):
    """The file was imported already (a second click, or Back and import again)."""


def keep_upload(actor: User, school: Organisation, text: str) -> PendingImport:
    """Keep an uploaded file for its preview page and its import; nothing is imported."""
    pending = PendingImport(uploaded_by_id=actor.id, school_id=school.id, content=text)
    db.session.add(pending)
    db.session.commit()
    return pending


def decode(data: bytes) -> str:
    """UTF-8 text with or without BOM; anything else is refused with a clear reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            _l(
                "The file is not UTF-8 text. In your spreadsheet, save it as "
                "\u201cCSV UTF-8 (comma delimited)\u201d and upload it again."
            )
        ) from error
    if "\x00" in text:
        # A spreadsheet saved as UTF-16 without its mark reads as text with a NUL after
        # every letter; no database keeps NUL characters in text, so it is not kept.
        raise ValueError(
            _l(
                "This line holds characters that are not text (NUL). In your "
                "spreadsheet, save the file as \u201cCSV UTF-8 (comma delimited)\u201d "
                "and upload it again."
            )
        )
    return text


def preview_import(actor: User, school: Organisation, text: str) -> ImportPreview:
    """Read and check a CSV file against the database; change nothing."""
    preview = ImportPreview()
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        preview.problems.append(RowProblem(1, str(_l("The file is empty."))))
        return preview
    if not lines[0].strip():
        preview.problems.append(
            RowProblem(
                1, str(_l("The first line must name the columns; remove the empty lines above it."))
            )
        )
        return preview
    # A spreadsheet saved as UTF-16 without its mark reads as text with a NUL after every
    # letter; no database keeps NUL characters in text either.
    with_nul = next((number for number, line in enumerate(lines, 1) if "\x00" in line), None)
    if with_nul is not None:
        preview.problems.append(
            RowProblem(
                with_nul,
                str(
                    _l(
                        "This line holds characters that are not text (NUL). In your "
                        "spreadsheet, save the file as \u201cCSV UTF-8 (comma delimited)\u201d "
                        "and upload it again."
                    )
                ),
            )
        )
        return preview
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        written = [name.strip() for name in (reader.fieldnames or [])]
        header = [HEADER_ALIASES.get(column_key(name), name.lower()) for name in written]
        preview.headers = dict(zip(header, written, strict=True))
        raw_rows = _read_rows(reader, header, preview)
    except csv.Error as error:
        preview.problems.append(
            RowProblem(
                reader.line_num,
                str(_l("This line cannot be read as CSV (%(reason)s).", reason=str(error))),
            )
        )
        return preview
    if raw_rows is None:
        return preview
    if not raw_rows:
        preview.problems.append(RowProblem(2, str(_l("The file has a header but no rows."))))
        return preview
    _Checker(actor, school, preview).check(raw_rows)
    return preview


def _read_rows(reader: csv.DictReader, header: list[str], preview: ImportPreview):
    """The non-empty rows with their line numbers, or None when the header is refused."""
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    # Named twice, perhaps once in English and once in Dutch: say both spellings.
    doubled = [
        " = ".join(
            written
            for column, written in zip(header, reader.fieldnames or [], strict=False)
            if column == name
        )
        for name in doubled
    ]
    if doubled:
        preview.problems.append(
            RowProblem(
                1, str(_l("These columns appear twice: %(columns)s.", columns=", ".join(doubled)))
            )
        )
        return None
    missing = [f"{name} ({DUTCH_COLUMNS[name]})" for name in COLUMNS if name not in header]
    if missing:
        preview.problems.append(
            RowProblem(
                1,
                str(_l("The header misses the columns: %(columns)s.", columns=", ".join(missing))),
            )
        )
        return None
    reader.fieldnames = header
    raw_rows = []
    for record in reader:
        if reader.line_num - 1 > MAX_ROWS:
            preview.problems.append(
                RowProblem(
                    reader.line_num,
                    str(_l("Split the file: at most %(max)d rows at once.", max=MAX_ROWS)),
                )
            )
            return None
        values = {
            key: (value or "").strip()
            for key, value in record.items()
            if key and isinstance(value, str | None)
        }
        if not any(values.values()):
            continue
        raw_rows.append((reader.line_num, values))
    return raw_rows


class _Checker:
    """Resolves every reference of the rows with a fixed number of queries."""

    def __init__(self, actor: User, school: Organisation, preview: ImportPreview) -> None:
        self.actor = actor
        self.school = school
        self.preview = preview

    def name(self, column: str) -> str:
        """The column as the file names it."""
        return self.preview.headers.get(column, column)

    def problem(self, line: int, message) -> None:
        self.preview.problems.append(RowProblem(line, str(message)))

    def check(self, raw_rows: list[tuple[int, dict[str, str]]]) -> None:
        emails = set()
        for _line, values in raw_rows:
            for column in ("student_email", "mentor_email", "coach_email"):
                if values.get(column):
                    emails.add(normalise_email(values[column]))
        self.users = {
            user.email: user
            for user in db.session.scalars(select(User).where(User.email.in_(emails)))
        }
        self.workplaces: dict[str, list[Organisation]] = {}
        for workplace in workplaces_for(self.actor):
            self.workplaces.setdefault(workplace.name.strip().lower(), []).append(workplace)
        self.existing = {
            tuple(row)
            for row in db.session.execute(
                select(Placement.student_id, Placement.workplace_id, Placement.start_date).where(
                    Placement.school_id == self.school.id
                )
            )
        }
        seen: dict[tuple, int] = {}
        names: dict[str, tuple[int, str]] = {}
        for line, values in raw_rows:
            row = self.check_row(line, values)
            if row is None:
                continue
            if row.student is None and row.student_email in names:
                first_line, first_name = names[row.student_email]
                if first_name != row.student_name:
                    self.problem(
                        line,
                        _l(
                            "%(email)s has another name than on line %(line)d.",
                            email=row.student_email,
                            line=first_line,
                        ),
                    )
                    continue
            names.setdefault(row.student_email, (line, row.student_name))
            key = (row.student_email, row.workplace.id if row.workplace else None, row.start_date)
            if key in seen:
                self.problem(line, _l("This row repeats line %(line)d.", line=seen[key]))
                continue
            seen[key] = line
            self.preview.rows.append(row)

    def check_row(self, line: int, values: dict[str, str]) -> ImportRow | None:
        problems_before = len(self.preview.problems)
        email = normalise_email(values["student_email"])
        row = ImportRow(line=line, student_email=email, student_name=values["student_name"])
        self.check_student(row)
        if any(values[column] for column in PLACEMENT_COLUMNS):
            self.check_placement(row, values)
            self.check_optional(row, values)
        elif any(values.get(column) for column in OPTIONAL_COLUMNS):
            self.problem(
                line,
                _l(
                    "programme and cohort belong to a placement: fill in the placement "
                    "columns too, or leave them empty."
                ),
            )
        return row if len(self.preview.problems) == problems_before else None

    def check_email(self, line: int, column: str, value: str) -> bool:
        if not value:
            self.problem(line, _l("%(column)s is empty.", column=self.name(column)))
            return False
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self.problem(line, _l("%(value)s is not a valid e-mail address.", value=value))
            return False
        if starts_like_formula(value):
            self.problem(
                line, _l("%(value)s: an e-mail address cannot start with =, + or -.", value=value)
            )
            return False
        return True

    def check_student(self, row: ImportRow) -> None:
        if not self.check_email(row.line, "student_email", row.student_email):
            return
        user = self.users.get(row.student_email)
        if user is None:
            if not row.student_name:
                self.problem(row.line, _l("student_name is empty for a new student."))
            return
        row.student = user
        if self.school.id in user.organisation_ids(Role.STUDENT):
            return
        if user.memberships or not policy.can_attach_directly(self.actor, user):
            # Someone of another organisation joins only by accepting an invitation (the
            # rule of the invitation form), and someone of the school with another role is
            # most often a mistyped address: the import makes neither a student on its own,
            # and says the same for both.
            self.problem(
                row.line,
                _l(
                    "%(email)s already has an account with another role. Invite them as a "
                    "student under People; once they are a student of your school, import "
                    "their placements.",
                    email=row.student_email,
                ),
            )

    def check_placement(self, row: ImportRow, values: dict[str, str]) -> None:
        line = row.line
        for column in PLACEMENT_COLUMNS:
            if not values[column]:
                self.problem(
                    line,
                    _l(
                        "%(column)s is empty. Fill in all placement columns, or none of them "
                        "to import only the student.",
                        column=self.name(column),
                    ),
                )
                return
        row.kind = KIND_ALIASES.get(values["kind"].lower())
        if row.kind is None:
            self.problem(
                line,
                _l(
                    "%(value)s is not a kind of placement. Use one of: %(kinds)s.",
                    value=values["kind"],
                    kinds=", ".join(
                        f"{kind.value} ({DUTCH_KINDS[kind]})" for kind in PlacementKind
                    ),
                ),
            )
        row.start_date = self.parse_date(line, "start_date", values["start_date"])
        row.end_date = self.parse_date(line, "end_date", values["end_date"])
        if row.start_date and row.end_date and row.end_date < row.start_date:
            self.problem(line, _l("The end date is before the start date."))
        candidates = self.workplaces.get(values["workplace"].lower(), [])
        if not candidates:
            self.problem(
                line,
                _l(
                    "%(name)s is not one of your school's workplaces. Add the company first "
                    "(check the spelling).",
                    name=values["workplace"],
                ),
            )
        elif len(candidates) > 1:
            self.problem(
                line,
                _l(
                    "Several workplaces are called %(name)s; rename one first.",
                    name=values["workplace"],
                ),
            )
        else:
            row.workplace = candidates[0]
        row.mentor = self.role_holder(line, values["mentor_email"], Role.MENTOR, row.workplace)
        row.coach = self.role_holder(line, values["coach_email"], Role.COACH, self.school)
        if (
            row.student
            and row.workplace
            and row.start_date
            and (row.student.id, row.workplace.id, row.start_date) in self.existing
        ):
            self.problem(line, _l("This placement already exists (imported before?)."))

    def check_optional(self, row: ImportRow, values: dict[str, str]) -> None:
        for column, longest in OPTIONAL_COLUMNS.items():
            value = values.get(column, "")
            if len(value) > longest:
                self.problem(
                    row.line,
                    _l(
                        "%(column)s is longer than %(max)d characters.",
                        column=self.name(column),
                        max=longest,
                    ),
                )
            elif any(char in value for char in "\r\n\t"):
                self.problem(row.line, _l("%(column)s must be one line.", column=self.name(column)))
            else:
                setattr(row, column, value)

    def parse_date(self, line: int, column: str, value: str) -> date | None:
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(value, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
        self.problem(
            line,
            _l(
                "%(column)s %(value)s is not a date. Write it as 2026-09-01 or 01/09/2026.",
                column=self.name(column),
                value=value,
            ),
        )
        return None

    def role_holder(
        self, line: int, email: str, role: Role, organisation: Organisation | None
    ) -> User | None:
        email = normalise_email(email)
        column = "mentor_email" if role is Role.MENTOR else "coach_email"
        if not self.check_email(line, column, email) or organisation is None:
            return None
        user = self.users.get(email)
        if user is None or organisation.id not in user.organisation_ids(role):
            self.problem(
                line,
                _l(
                    "%(email)s is not a %(role)s at %(organisation)s. Invite them first.",
                    email=email,
                    role=role.label.lower(),
                    organisation=organisation.name,
                ),
            )
            return None
        return user


def apply_import(
    actor: User, pending: PendingImport, preview: ImportPreview, *, invite: bool
) -> tuple[int, int]:
    """Create the students and placements of a clean preview of `pending`, once;
    returns (students, placements). AlreadyImported when it was imported before.
    """
    if not preview.is_clean:
        raise ValueError("Only a clean preview can be imported.")
    school = db.session.get(Organisation, pending.school_id)
    # Claimed in the import's own transaction: of two clicks, one imports.
    claimed = db.session.execute(
        update(PendingImport)
        .where(PendingImport.id == pending.id, PendingImport.imported_at.is_(None))
        .values(imported_at=utcnow(), content="")  # the rows are in Leerspoor now
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise AlreadyImported
    created: dict[str, User] = {}
    for row in preview.rows:
        student = row.student or created.get(row.student_email)
        if student is None:
            student = User(email=row.student_email, name=row.student_name)
            db.session.add(student)
            created[row.student_email] = student
        if school.id not in student.organisation_ids(Role.STUDENT):
            student.memberships.append(Membership(organisation_id=school.id, role=Role.STUDENT))
        db.session.flush()
        if row.has_placement:
            ensure_partnership(school, row.workplace)
            db.session.add(
                Placement(
                    student_id=student.id,
                    school_id=school.id,
                    workplace_id=row.workplace.id,
                    mentor_id=row.mentor.id,
                    coach_id=row.coach.id,
                    kind=row.kind,
                    # A stay abroad starts once its mobility file is complete.
                    status=PlacementStatus.PREPARING
                    if row.kind is PlacementKind.MOBILITY_ABROAD
                    else PlacementStatus.ACTIVE,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    programme=row.programme,
                    cohort=row.cohort,
                )
            )
    audit.record(
        actor,
        "csv_imported",
        school,
        students=len(created),
        placements=preview.placements,
    )
    db.session.commit()
    if invite:
        for student in created.values():
            send_invitation(student, actor, school.name)
    return len(created), preview.placements
