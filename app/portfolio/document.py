"""The portfolio as a PDF: lays out plain, already localised data with fpdf2.

Nothing here queries the database or reads Markdown: `services` hands over a
`Portfolio` of strings and colours, and this module only decides where they go
(on the pages of `app.pdf.Document`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FontFace
from fpdf.enums import Align, TableBordersLayout
from PIL import Image

from app.content.services import text_colour_on
from app.models.organisations import DEFAULT_THRESHOLDS
from app.pdf import (
    FONT,
    GREEN,
    GREEN_LIGHT,
    INK,
    KEEP_WITH_NEXT,
    LINE,
    LINE_HEIGHT,
    MUTED,
    NOT_POSSIBLE,
    RED,
)
from app.pdf import Document as PortfolioDocument

# -- the plain data ---------------------------------------------------------------------


@dataclass
class LevelCell:
    """One actor's level in the matrix or rubric table; `colour` is the scale's "#rrggbb"."""

    text: str
    colour: str | None = None
    muted: bool = False


@dataclass
class LevelRow:
    label: str
    cells: list[LevelCell]
    divergent: bool = False


@dataclass
class LevelTable:
    title: str
    rows: list[LevelRow]


@dataclass
class ScaleStep:
    value: str
    label: str
    colour: str


@dataclass
class Comparison:
    """The matrix or the rubric: a title, a legend of the scale and its tables."""

    title: str
    first_column: str
    columns: list[str]
    scale: list[ScaleStep]
    tables: list[LevelTable]
    legend: list[tuple[str, str]] = field(default_factory=list)  # (sign, meaning)
    summary: list[str] = field(default_factory=list)
    # Cells that name the level ("3 · with some help") need wider columns than a number.
    named_levels: bool = False
    # How many levels apart make the trio differ (the school's setting).
    divergence_levels: int = DEFAULT_THRESHOLDS["divergence_levels"]


@dataclass
class EntryComment:
    author: str
    written: str
    text: str


@dataclass
class Evidence:
    filename: str
    size: str
    uploader: str
    uploaded: str
    # A photo, made small enough to print (JPEG bytes); None for a PDF or a missing file.
    image: bytes | None = None

    @property
    def columns(self) -> tuple[str, str, str, str]:
        return (self.filename, self.size, self.uploader, self.uploaded)


@dataclass
class EntryView:
    number: int
    heading: str
    meta: str
    flags: list[str]
    status: str | None
    sections: list[tuple[str, str]]  # (prompt, plain text); one unlabelled for a note
    notes: list[str]
    comments: list[EntryComment]
    evidence: list[Evidence]

    @property
    def reference(self) -> str:
        return f"{self.number}. {self.heading}"


@dataclass
class Portfolio:
    student: str
    language: str
    facts: list[tuple[str, str]]
    note: str
    entries: list[EntryView]
    matrix: Comparison | None
    rubric: Comparison | None
    with_log: bool = True
    with_evidence: bool = True


# -- the document -----------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def readable_text_on(colour: str) -> tuple[int, int, int]:
    """The text colour that reads best on a scale level's `colour`, as RGB."""
    return _rgb(text_colour_on(colour))


# -- the parts --------------------------------------------------------------------------


def render(portfolio: Portfolio) -> bytes:
    """The portfolio as PDF bytes: cover, log, competences, soft skills, evidence."""
    pdf = PortfolioDocument(f"{_('Portfolio')} · {portfolio.student}")
    pdf.set_title(f"{_('Portfolio')} · {portfolio.student}")
    pdf.set_lang(portfolio.language)
    _cover(pdf, portfolio)
    if portfolio.with_log:
        _log(pdf, portfolio.entries)
    if portfolio.matrix is not None:
        _comparison(pdf, _("Competences"), portfolio.matrix)
    if portfolio.rubric is not None:
        _comparison(pdf, _("Soft skills"), portfolio.rubric)
    if portfolio.with_evidence:
        _evidence(pdf, portfolio.entries)
    return bytes(pdf.output())


def _cover(pdf: PortfolioDocument, portfolio: Portfolio) -> None:
    pdf.add_page()
    pdf.ln(20)
    pdf.text_block(_("Portfolio"), size=26, bold=True, colour=GREEN)
    pdf.ln(2)
    pdf.text_block(portfolio.student, size=18, bold=True)
    pdf.ln(10)
    pdf.set_font(FONT, size=10)
    with pdf.table(
        col_widths=(1.2, 2.6),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=LINE_HEIGHT,
        padding=(2, 1.5),
        text_align=(Align.L, Align.L),
    ) as table:
        pdf.set_draw_color(*LINE)
        for label, value in portfolio.facts:
            row = table.row()
            row.cell(pdf.printable(label), style=FontFace(emphasis="BOLD", color=MUTED))
            row.cell(pdf.printable(value))
    pdf.ln(8)
    pdf.text_block(portfolio.note, size=9, colour=MUTED)
    pdf.ln(4)
    evidence = sum(len(entry.evidence) for entry in portfolio.entries)
    contents = []
    if portfolio.with_log:
        contents.append(
            f"{_('Log')}: " + ngettext("%(num)d entry", "%(num)d entries", len(portfolio.entries))
        )
    if portfolio.matrix is not None:
        contents.append(f"{_('Competences')}: {portfolio.matrix.title}")
    if portfolio.rubric is not None:
        contents.append(f"{_('Soft skills')}: {portfolio.rubric.title}")
    if portfolio.with_evidence:
        contents.append(
            f"{_('Evidence')}: " + ngettext("%(num)d attachment", "%(num)d attachments", evidence)
        )
    pdf.text_block(_("Contents"), size=10, bold=True)
    pdf.ln(1)
    for line in contents:
        pdf.text_block(f"•  {line}", size=10, indent=2)


def _log(pdf: PortfolioDocument, entries: list[EntryView]) -> None:
    pdf.section_heading(
        _("Log"),
        ngettext("%(num)d entry, oldest first", "%(num)d entries, oldest first", len(entries)),
    )
    if not entries:
        pdf.text_block(_("Nothing in the log yet."), colour=MUTED)
    for entry in entries:
        pdf.keep_room(KEEP_WITH_NEXT)
        pdf.rule()
        pdf.ln(2.5)
        pdf.text_block(entry.reference, size=11.5, bold=True, colour=GREEN)
        pdf.ln(0.5)
        pdf.text_block(entry.meta, size=8.5, colour=MUTED)
        if entry.flags:
            pdf.text_block(" · ".join(entry.flags), size=8.5, bold=True, colour=RED)
        if entry.status:
            pdf.text_block(entry.status, size=8.5, bold=True, colour=MUTED)
        for label, text in entry.sections:
            pdf.ln(2)
            if label:
                pdf.text_block(label, size=9, bold=True)
                pdf.ln(0.5)
            pdf.text_block(text)
        for note in entry.notes:
            pdf.ln(2)
            pdf.text_block(note, size=9, colour=MUTED)
        if entry.comments:
            pdf.ln(2.5)
            pdf.text_block(_("Comments"), size=9, bold=True, indent=6)
            for comment in entry.comments:
                pdf.ln(1)
                pdf.text_block(
                    f"{comment.author} · {comment.written}", size=8.5, colour=MUTED, indent=6
                )
                pdf.text_block(comment.text, size=9.5, indent=6)
        pdf.ln(5)


def _cell_style(cell: LevelCell) -> FontFace:
    if cell.colour:
        return FontFace(
            emphasis="BOLD", color=readable_text_on(cell.colour), fill_color=_rgb(cell.colour)
        )
    if cell.muted:
        return FontFace(color=MUTED, fill_color=NOT_POSSIBLE)
    return FontFace(color=MUTED)


def _comparison(pdf: PortfolioDocument, heading: str, comparison: Comparison) -> None:
    pdf.section_heading(heading, comparison.title)
    for line in comparison.summary:
        pdf.text_block(line, size=9.5)
    _legend(pdf, comparison)
    widths = (62, 30, 30, 30, 22) if comparison.named_levels else (92, 20, 20, 20, 22)
    header = [
        comparison.first_column,
        *comparison.columns,
        _("differ by %(levels)d+", levels=comparison.divergence_levels),
    ]
    divergent = FontFace(color=RED)
    for group in comparison.tables:
        rows = [
            [
                (row.label, None),
                *((cell.text, _cell_style(cell)) for cell in row.cells),
                ("●" if row.divergent else "", divergent),
            ]
            for row in group.rows
        ]
        _table(
            pdf,
            widths,
            (Align.L, Align.C, Align.C, Align.C, Align.C),
            header,
            rows,
            title=group.title,
        )


def _legend(pdf: PortfolioDocument, comparison: Comparison) -> None:
    """The scale's colours with their meaning, then the signs used in the table."""
    pdf.ln(2)
    pdf.set_font(FONT, size=8.5)
    for step in comparison.scale:
        label = pdf.printable(f" {step.label}")
        width = 7 + pdf.get_string_width(label) + 4
        if pdf.get_x() + width > pdf.w - pdf.r_margin:
            pdf.ln(6)
        # A local context, so the colour does not become the next table's background.
        with pdf.local_context(
            fill_color=_rgb(step.colour), text_color=readable_text_on(step.colour)
        ):
            pdf.set_font(FONT, "B", 8.5)
            pdf.cell(7, 5, step.value, align=Align.C, fill=True)
        pdf.set_font(FONT, size=8.5)
        pdf.cell(width - 7, 5, label)
    pdf.ln(6)
    for sign, meaning in comparison.legend:
        pdf.text_block(f"{sign}  = {meaning}", size=8.5, colour=MUTED)


def _evidence(pdf: PortfolioDocument, entries: list[EntryView]) -> None:
    """The attached files, entry by entry, in one table."""
    rows = [
        [(entry.reference, None), *((text, None) for text in item.columns)]
        for entry in entries
        for item in entry.evidence
    ]
    pdf.section_heading(_("Evidence"))
    if not rows:
        pdf.text_block(_("No attachments."), colour=MUTED)
        return
    _table(
        pdf,
        (52, 50, 18, 30, 24),
        (Align.L, Align.L, Align.R, Align.L, Align.L),
        [_("Entry"), _("File"), _("Size"), _("Uploaded by"), _("Date")],
        rows,
    )
    _photos(pdf, entries)


PHOTO_GAP = 6  # millimetres between two photos side by side
PHOTO_HEIGHT = 75  # the most a photo takes of a page's height
CAPTION = 9


def _photos(pdf: PortfolioDocument, entries: list[EntryView]) -> None:
    """The photos themselves, two side by side, each with its entry and file name below."""
    photos = [(entry, item) for entry in entries for item in entry.evidence if item.image]
    if not photos:
        return
    pdf.subheading(_("Photos"))
    width = (pdf.epw - PHOTO_GAP) / 2
    for start in range(0, len(photos), 2):
        pair = photos[start : start + 2]
        sizes = [_photo_size(item.image, width) for _entry, item in pair]
        row_height = max(height for _w, height in sizes) + CAPTION + 4
        pdf.keep_room(row_height)
        top = pdf.get_y()
        for column, ((entry, item), (w, h)) in enumerate(zip(pair, sizes, strict=True)):
            x = pdf.l_margin + column * (width + PHOTO_GAP)
            pdf.image(io.BytesIO(item.image), x=x, y=top, w=w, h=h, alt_text=item.filename)
            pdf.set_xy(x, top + h + 1)
            pdf.set_font(FONT, size=7.5)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(
                width, 3.5, pdf.printable(f"{entry.reference} · {item.filename}"), align=Align.L
            )
        pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin, top + row_height)


def _photo_size(image: bytes, width: float) -> tuple[float, float]:
    """The printed width and height: as wide as the column, no taller than PHOTO_HEIGHT
    (the size is read from the photo's header).
    """
    with Image.open(io.BytesIO(image)) as photo:
        pixels = photo.height / photo.width
    w, h = width, width * pixels
    if h > PHOTO_HEIGHT:
        w, h = PHOTO_HEIGHT / pixels, PHOTO_HEIGHT
    return w, h


# -- tables -----------------------------------------------------------------------------

TABLE_TEXT = 8.5
TABLE_LINE = 4.2
TABLE_PADDING = 1.4
SUBHEADING = 12

TableRow = list[tuple[str, FontFace | None]]


def _table(
    pdf: PortfolioDocument,
    widths: tuple[float, ...],
    aligns: tuple[Align, ...],
    header: list[str],
    rows: list[TableRow],
    *,
    title: str = "",
) -> None:
    """A titled table whose heading row repeats after a page break. It starts on a new
    page when it would not fit on this one but fits on an empty one.
    """
    pdf.set_font(FONT, size=TABLE_TEXT)
    height = SUBHEADING + _table_height(pdf, widths, [[(text, None) for text in header], *rows])
    if height < pdf.eph:
        pdf.keep_room(height)
    if title:
        pdf.subheading(title)
    else:
        pdf.ln(3)
    pdf.set_font(FONT, size=TABLE_TEXT)
    with pdf.table(
        col_widths=widths,
        line_height=TABLE_LINE,
        padding=TABLE_PADDING,
        text_align=aligns,
        v_align="MIDDLE",
        headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=GREEN_LIGHT),
    ) as table:
        pdf.set_draw_color(*LINE)
        heading_row = table.row()
        for text in header:
            heading_row.cell(pdf.printable(text))
        for cells in rows:
            row = table.row()
            for text, style in cells:
                row.cell(pdf.printable(text), style=style)


def _table_height(pdf: PortfolioDocument, widths: tuple[float, ...], rows: list[TableRow]):
    """How tall the rows will be, from the lines each cell wraps into (a little generously:
    the heading row is bold).
    """
    scale = pdf.epw / sum(widths)
    total = 0.0
    for row in rows:
        lines = max(
            len(
                pdf.multi_cell(
                    width * scale - 2 * TABLE_PADDING,
                    TABLE_LINE,
                    pdf.printable(text),
                    dry_run=True,
                    output="LINES",
                )
            )
            for width, (text, _style) in zip(widths, row, strict=True)
        )
        total += lines * TABLE_LINE + 2 * TABLE_PADDING
    return total * 1.05
