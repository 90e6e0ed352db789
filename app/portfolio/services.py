"""Gathering a placement's portfolio as plain, localised data, and making it a PDF.

Reading follows the log's own rules: the entries are those the reader may read
(`policy.entry_visibility`), so a student's portfolio never holds a coach-only note or
someone else's draft. Everything is loaded in a fixed number of queries, however long
the log. User Markdown goes through the one sanitising renderer and is then read back
as plain text, so no markup reaches the page.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app import policy
from app.competences.services import (
    ACTORS,
    build_matrix,
    differ,
    divergence_threshold,
    framework_of,
    latest_scores,
    rubric_of,
)
from app.content.schemas import Framework, Level, Rubric
from app.content.services import content_title, localised
from app.dates import DATE_TIME, LONG_DATE, SHORT_DATE, format_day, format_moment
from app.extensions import db
from app.followup import evidence as evidence_files
from app.followup.entries import PROMPTS
from app.i18n import DEFAULT_TIMEZONE
from app.models import (
    Attachment,
    Comment,
    EntryKind,
    LogEntry,
    Organisation,
    Placement,
    Registration,
    ReviewStatus,
    Role,
    Setting,
    User,
)
from app.portfolio import document
from app.portfolio.document import (
    Comparison,
    EntryComment,
    EntryView,
    Evidence,
    LevelCell,
    LevelRow,
    LevelTable,
    Portfolio,
    ScaleStep,
)
from app.rendering import render_markdown

NOT_REGISTERED = "–"

# The parts a reader chooses from, in the order they print.
PARTS = ("log", "competences", "soft_skills", "evidence")
# A photo prints at most this many pixels on its longest side: sharp at 8 cm wide, and a
# year of weekly photos stays a file an e-mail can carry.
PHOTO_PIXELS = 900
PHOTO_QUALITY = 80


@dataclass(frozen=True)
class Choice:
    """What goes into a portfolio: its parts, the period of the log, and whether the
    student's wellbeing check-ins (private) go in. By default everything but those.
    """

    parts: frozenset[str] = field(default_factory=lambda: frozenset(PARTS))
    start: date | None = None
    end: date | None = None
    wellbeing: bool = False


def portfolio_period(placement: Placement, today: date) -> tuple[date, date]:
    """The period a portfolio covers unless its reader chooses: the placement, up to today."""
    return placement.start_date, max(placement.start_date, min(today, placement.end_date))


def portfolio_pdf(
    placement: Placement, reader: User, today: date, choice: Choice | None = None
) -> bytes:
    """The portfolio of `placement` as `reader` may read it, as PDF bytes."""
    return document.render(portfolio_of(placement, reader, today, choice or Choice()))


def portfolio_filename(placement: Placement, today: date) -> str:
    """`portfolio-<student>-<date>.pdf`, in plain ASCII so every browser keeps it."""
    return f"portfolio-{slug(placement.student.name) or placement.id}-{today.isoformat()}.pdf"


def slug(text: str) -> str:
    """Lowercase letters, digits and hyphens: "Elif Öztürk" becomes "elif-ozturk"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


# -- reading ----------------------------------------------------------------------------


def readable_entries(
    placement: Placement, reader: User, start: date | None = None, end: date | None = None
) -> list[LogEntry]:
    """Every shared entry of the log that `reader` may read, oldest first, not paginated;
    with `start` and `end`, those of that period (a weekly log by its week, which may
    start before `start`; any other entry by the day it was written).

    Drafts stay out, also the reader's own: the portfolio goes into the school file.
    Authors, reviewers, comments (with their authors) and attachments (with their
    uploaders) are loaded in a fixed number of queries, whatever the number of entries.
    """
    conditions = []
    if start is not None:
        conditions.append(
            or_(
                LogEntry.week_start >= start - timedelta(days=6),
                and_(
                    LogEntry.week_start.is_(None),
                    LogEntry.created_at >= _day_starts(start),
                ),
            )
        )
    if end is not None:
        conditions.append(
            or_(
                LogEntry.week_start <= end,
                and_(
                    LogEntry.week_start.is_(None),
                    LogEntry.created_at < _day_starts(end + timedelta(days=1)),
                ),
            )
        )
    return list(
        db.session.scalars(
            select(LogEntry)
            .where(
                LogEntry.placement_id == placement.id,
                policy.entry_visibility(reader, placement),
                or_(LogEntry.review_status.is_(None), LogEntry.review_status != ReviewStatus.DRAFT),
                *conditions,
            )
            .options(
                selectinload(LogEntry.author),
                selectinload(LogEntry.reviewed_by),
                selectinload(LogEntry.comments).selectinload(Comment.author),
                selectinload(LogEntry.attachments).selectinload(Attachment.uploader),
            )
            .order_by(LogEntry.created_at, LogEntry.id)
        )
    )


def _day_starts(day: date) -> datetime:
    """The moment `day` starts where the placements are (entries are stored in UTC)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(DEFAULT_TIMEZONE))


def portfolio_of(
    placement: Placement, reader: User, today: date, choice: Choice | None = None
) -> Portfolio:
    """Everything the PDF shows, as strings in the current request's language.

    Only the chosen parts are gathered; the wellbeing check-ins only when they were
    chosen and the reader may see them; a competence with nothing registered, and a
    rubric nobody scored, are left out.
    """
    choice = choice or Choice()
    first, last = portfolio_period(placement, today)
    start, end = choice.start or first, choice.end or last
    with_entries = bool(choice.parts & {"log", "evidence"})
    entries = readable_entries(placement, reader, start, end) if with_entries else []
    framework = framework_of(placement) if "competences" in choice.parts else None
    rubric = rubric_of(placement) if "soft_skills" in choice.parts else None
    wellbeing = choice.wellbeing and policy.sees_wellbeing(reader, placement)
    photos = "evidence" in choice.parts
    return Portfolio(
        student=placement.student.name,
        language=str(get_locale()),
        facts=_facts(placement, reader, today, start, end),
        note=_(
            "This portfolio holds what %(name)s may read in the log on %(date)s.",
            name=reader.name,
            date=format_day(today, LONG_DATE),
        ),
        entries=[
            _entry_view(number, entry, wellbeing=wellbeing, photos=photos)
            for number, entry in enumerate(entries, start=1)
        ],
        matrix=_matrix(placement, framework) if framework else None,
        rubric=_rubric(placement, rubric) if rubric else None,
        with_log="log" in choice.parts,
        with_evidence=photos,
    )


# -- the cover --------------------------------------------------------------------------


def _facts(
    placement: Placement, reader: User, today: date, start: date, end: date
) -> list[tuple[str, str]]:
    period = (
        f"{format_day(placement.start_date, LONG_DATE)} – "
        f"{format_day(placement.end_date, LONG_DATE)}"
    )
    shown = f"{format_day(start, LONG_DATE)} – {format_day(end, LONG_DATE)}"
    return [
        (_("Student"), placement.student.name),
        (_("Workplace"), _organisation(placement.workplace)),
        (_("School"), _organisation(placement.school)),
        (_("Mentor"), placement.mentor.name),
        (_("Coach"), placement.coach.name),
        (_("Kind"), str(placement.kind.label)),
        (_("Period"), period),
        (_("Log in this portfolio"), shown),
        (_("Status"), str(placement.status.label)),
        (
            _("Competence framework"),
            content_title(placement.framework_id, placement.framework_version) or NOT_REGISTERED,
        ),
        (
            _("Soft-skills rubric"),
            content_title(placement.rubric_id, placement.rubric_version) or NOT_REGISTERED,
        ),
        (_("Exported on"), format_day(today, LONG_DATE)),
        (_("Exported by"), f"{reader.name} ({_reader_role(reader, placement)})"),
    ]


def _organisation(organisation: Organisation) -> str:
    return f"{organisation.name}, {organisation.city}" if organisation.city else organisation.name


def _reader_role(reader: User, placement: Placement) -> str:
    """The part the reader plays: one of the trio, else why they may read the log."""
    actor = policy.actor_in(reader, placement)
    if actor is not None:
        return str(actor.label)
    return str(Role.ADMIN.label if reader.is_admin else Role.COORDINATOR.label)


# -- the log ----------------------------------------------------------------------------


def _entry_view(number: int, entry: LogEntry, *, wellbeing: bool, photos: bool) -> EntryView:
    """One entry as the reader sees it on the page; `wellbeing` when the student's
    check-in goes in, `photos` when its photos are printed.
    """
    heading = str(entry.kind.label)
    if entry.kind == EntryKind.WEEKLY_LOG and entry.week_start is not None:
        heading += " · " + _("Week of %(date)s", date=format_day(entry.week_start, LONG_DATE))
    meta = " · ".join(
        [
            entry.author.name,
            str(entry.author_role.label),
            format_moment(entry.created_at, DATE_TIME),
        ]
    )
    notes = []
    if wellbeing and entry.wellbeing:
        notes.append(_("Wellbeing this week: %(level)d of 5", level=entry.wellbeing))
    if entry.attachments:
        count = ngettext("%(num)d attachment", "%(num)d attachments", len(entry.attachments))
        notes.append(f"{count}: {', '.join(a.filename for a in entry.attachments)}")
    return EntryView(
        number=number,
        heading=heading,
        meta=meta,
        flags=[_("Coach only")] if entry.coach_only else [],
        status=_review_status(entry),
        sections=_sections(entry),
        notes=notes,
        comments=[
            EntryComment(
                author=comment.author.name,
                written=format_moment(comment.created_at, DATE_TIME),
                text=plain_text(comment.body),
            )
            for comment in entry.comments
        ],
        evidence=[
            Evidence(
                filename=attachment.filename,
                size=file_size(attachment.size),
                uploader=attachment.uploader.name,
                uploaded=format_day(attachment.created_at, SHORT_DATE),
                image=photo_for_print(attachment) if photos else None,
            )
            for attachment in entry.attachments
        ],
    )


def photo_for_print(attachment: Attachment) -> bytes | None:
    """A photo attachment as a small JPEG to print, or None for a PDF, a missing file or
    a file that does not decode.

    The stored photo passed the upload's checks, and is opened here under the same
    limits (`evidence.MAX_PIXELS` through Pillow's guard, `MAX_DECODED_PIXELS` before
    decoding): a JPEG is decoded at the smallest scale libjpeg offers above the printed
    size, which keeps a year of photos quick to print.
    """
    if attachment.content_type not in evidence_files.PILLOW_FORMATS:
        return None
    try:
        with evidence_files.open_attachment(attachment) as stream:
            data = stream.read(evidence_files.MAX_ATTACHMENT_SIZE + 1)
    except FileNotFoundError:
        return None
    if len(data) > evidence_files.MAX_ATTACHMENT_SIZE:
        return None
    try:
        with Image.open(
            io.BytesIO(data), formats=[evidence_files.PILLOW_FORMATS[attachment.content_type]]
        ) as image:
            if image.width * image.height > evidence_files.MAX_PIXELS:
                return None
            if image.format == "JPEG":
                scale = PHOTO_PIXELS / max(image.width, image.height)
                image.draft("RGB", (round(image.width * scale), round(image.height * scale)))
            if image.width * image.height > evidence_files.MAX_DECODED_PIXELS:
                return None
            image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS), reducing_gap=2.0)
            output = io.BytesIO()
            _on_white(image).save(output, "JPEG", quality=PHOTO_QUALITY)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    except Exception:  # Pillow raises many kinds of errors on a damaged file
        return None
    return output.getvalue()


def _review_status(entry: LogEntry) -> str | None:
    """Where a weekly log stands with the mentor; who approved it, and when."""
    if entry.review_status is None:
        return None
    if entry.review_status == ReviewStatus.APPROVED and entry.reviewed_by and entry.reviewed_at:
        return _(
            "Approved by %(name)s on %(date)s.",
            name=entry.reviewed_by.name,
            date=format_day(entry.reviewed_at, LONG_DATE),
        )
    return str(entry.review_status.label)


def _sections(entry: LogEntry) -> list[tuple[str, str]]:
    """The answers under their prompts; a one-prompt note needs no prompt above it."""
    prompts = PROMPTS[entry.kind]
    if len(prompts) == 1:
        sections = [("", plain_text(entry.sections.get(prompts[0][0], "")))]
    else:
        sections = [
            (str(label), plain_text(entry.sections[name]))
            for name, label, _required in prompts
            if entry.sections.get(name)
        ]
    if entry.review_status == ReviewStatus.RETURNED and entry.review_comment:
        name = entry.reviewed_by.name if entry.reviewed_by else _("the mentor")
        sections.append((_("Returned by %(name)s:", name=name), plain_text(entry.review_comment)))
    return sections


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(size / 1024, '#,##0')} KB"
    return f"{format_decimal(size / (1024 * 1024), '#,##0.0')} MB"


def _on_white(image: Image.Image) -> Image.Image:
    """The photo in RGB, a transparent part printed as white paper rather than black."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        paper = Image.new("RGB", image.size, "white")
        paper.paste(image, mask=image.getchannel("A"))
        return paper
    return image.convert("RGB")


# -- Markdown as plain text -------------------------------------------------------------


class _PlainText(HTMLParser):
    """Reads the sanitised HTML of `render_markdown` back as text: paragraphs are
    separated by a blank line, list items get a bullet or number, a link keeps its address.
    """

    BLOCKS = {"p", "blockquote", "pre", "h3", "h4"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[list] = []  # per open list: [ordered, items so far]
        self.preformatted = False
        self.link: tuple[str, int] | None = None  # (href, where its text starts)

    def text(self) -> str:
        text = "".join(self.parts)
        lines = [line.rstrip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def _end_line(self, blank: bool = False) -> None:
        self.parts.append("\n\n" if blank else "\n")

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self._end_line(blank=True)
            self.preformatted = self.preformatted or tag == "pre"
        elif tag in ("ul", "ol"):
            self._end_line(blank=not self.lists)
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._end_line()
            current = self.lists[-1] if self.lists else [False, 0]
            current[1] += 1
            marker = f"{current[1]}." if current[0] else "•"
            self.parts.append("    " * (len(self.lists) - 1) + f"{marker} ")
        elif tag == "br":
            self._end_line()
        elif tag == "hr":
            self._end_line(blank=True)
            self.parts.append("———")
            self._end_line(blank=True)
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", len(self.parts))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._end_line(blank=True)
            if tag == "pre":
                self.preformatted = False
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._end_line(blank=not self.lists)
        elif tag == "a" and self.link:
            href, start = self.link
            address = href.removeprefix("mailto:")
            if address and address not in "".join(self.parts[start:]):
                self.parts.append(f" ({address})")
            self.link = None

    def handle_data(self, data: str) -> None:
        if not self.preformatted:
            # Line breaks in the HTML source are layout; <br> marks the author's own.
            data = data.replace("\n", " ")
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip(" ")
        if data:
            self.parts.append(data)


def plain_text(markdown_text: str | None) -> str:
    """A user's Markdown as plain text, through the one sanitising renderer."""
    parser = _PlainText()
    parser.feed(str(render_markdown(markdown_text)))
    parser.close()
    return parser.text()


# -- the matrix and the rubric ----------------------------------------------------------


def _scale(levels: list[Level]) -> list[ScaleStep]:
    return [ScaleStep(str(level.value), localised(level.label), level.colour) for level in levels]


def _registration_cell(registration: Registration | None, colours: dict[int, str]) -> LevelCell:
    if registration is None:
        return LevelCell(NOT_REGISTERED)
    if registration.level is None:
        return LevelCell(_("n/p"), muted=True)
    return LevelCell(str(registration.level), colours.get(registration.level))


def _matrix(placement: Placement, framework: Framework) -> Comparison | None:
    """Per competence, per indicator the latest level of student, mentor and coach; a
    competence nobody registered anything of is left out, and so is the whole matrix
    when that is every competence.
    """
    matrix = build_matrix(placement, framework)
    registered = [row for row in matrix.rows if row.registered]
    if not registered:
        return None
    colours = {level.value: level.colour for level in framework.scale}
    summary = []
    if matrix.divergent_count:
        summary.append(
            ngettext(
                "%(num)d indicator differs by %(levels)d levels or more",
                "%(num)d indicators differ by %(levels)d levels or more",
                matrix.divergent_count,
                levels=matrix.threshold,
            )
        )
    summary.append(
        ngettext(
            "%(num)d indicator has not come up yet",
            "%(num)d indicators have not come up yet",
            matrix.never_came_up_count,
        )
    )
    left_out = len(matrix.rows) - len(registered)
    if left_out:
        summary.append(
            ngettext(
                "%(num)d competence with nothing registered yet is left out",
                "%(num)d competences with nothing registered yet are left out",
                left_out,
            )
        )
    return Comparison(
        title=content_title(placement.framework_id, placement.framework_version) or "",
        first_column=_("Indicator"),
        columns=[str(actor.label) for actor in ACTORS],
        scale=_scale(framework.scale),
        tables=[
            LevelTable(
                localised(row.competence.title),
                [
                    LevelRow(
                        localised(line.indicator.text),
                        [_registration_cell(line.cells[actor], colours) for actor in ACTORS],
                        line.divergent,
                    )
                    for line in row.indicators
                ],
            )
            for row in registered
        ],
        legend=[
            (_("n/p"), str(Setting.NOT_POSSIBLE.label)),
            (NOT_REGISTERED, _("not registered")),
            ("●", _("the levels differ by %(levels)d or more", levels=matrix.threshold)),
        ],
        summary=summary,
        divergence_levels=matrix.threshold,
    )


def _rubric(placement: Placement, rubric: Rubric) -> Comparison | None:
    """Per criterion of the soft-skill rubric, each actor's latest level; None when
    nobody scored any criterion yet.
    """
    latest = latest_scores(placement)
    if not latest:
        return None
    levels = {level.value: level for level in rubric.levels}
    threshold = divergence_threshold(placement)
    rows = []
    for criterion in rubric.criteria:
        scores = [latest.get((actor, criterion.id)) for actor in ACTORS]
        cells = []
        for score in scores:
            level = levels.get(score.level) if score else None
            if level is None:
                cells.append(LevelCell(_("not scored yet")))
            else:
                cells.append(LevelCell(f"{level.value} · {localised(level.label)}", level.colour))
        given = [score.level for score in scores if score]
        divergent = differ(given, threshold)
        rows.append(LevelRow(localised(criterion.title), cells, divergent))
    return Comparison(
        title=content_title(placement.rubric_id, placement.rubric_version) or "",
        first_column=_("Criterion"),
        columns=[str(actor.label) for actor in ACTORS],
        scale=_scale(rubric.levels),
        tables=[LevelTable("", rows)],
        legend=[("●", _("the levels differ by %(levels)d or more", levels=threshold))],
        named_levels=True,
        divergence_levels=threshold,
    )
