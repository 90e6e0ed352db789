"""PDF documents: A4 pages in a shipped font, with a footer and a few building blocks.

The font is DejaVu Sans, shipped in `app/static/fonts/`, so Dutch text (é, ë, –, ’)
prints the same on every machine without system fonts. Used by the portfolio, the
training certificate and the printable templates.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from flask_babel import gettext as _
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align, TextEmphasis, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

FONTS = Path(__file__).resolve().parent / "static" / "fonts"
FONT = "dejavu"
FONT_FILES = {
    "": "DejaVuSans-2.37.ttf",
    "B": "DejaVuSans-Bold-2.37.ttf",
    "I": "DejaVuSans-Oblique-2.37.ttf",
    "BI": "DejaVuSans-BoldOblique-2.37.ttf",
}
# What the font cannot draw (an emoji in a weekly log) prints as this box.
MISSING_GLYPH = "□"

INK = (28, 35, 33)
MUTED = (77, 90, 86)
GREEN = (11, 93, 75)
GREEN_LIGHT = (228, 242, 238)
LINE = (201, 211, 208)
RED = (164, 22, 26)
NOT_POSSIBLE = (232, 235, 234)

MARGIN = 18  # millimetres
LINE_HEIGHT = 5
# A heading this close to the bottom of a page moves to the next, with what follows it.
KEEP_WITH_NEXT = 30
# A number no page count will reach, replaced by fpdf2's total-pages alias in the footer.
PAGES_PLACEHOLDER = 987654321


@functools.cache
def _parsed_fonts() -> dict[str, TTFFont]:
    """The shipped fonts as fpdf2 reads them, once per process: reading the four fonts'
    character maps and widths takes about a quarter of a second, longer than most
    documents take to write.
    """
    reader = FPDF()
    for style, filename in FONT_FILES.items():
        reader.add_font(FONT, style, str(FONTS / filename))
    return dict(reader.fonts)


def _for_one_document(parsed: TTFFont) -> TTFFont:
    """A parsed font for one document: the character map, widths and metrics are shared
    (they are only read); the font file and the record of the characters used are its
    own, because fpdf2 cuts the file down to those characters when it writes the PDF.
    """
    font = copy.copy(parsed)
    font.ttfont = ttLib.TTFont(parsed.ttffile, recalcTimestamp=False, lazy=True)
    font._hbfont = None  # noqa: SLF001  (the shaping engine opens its own file when asked)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


@functools.cache
def _drawable() -> frozenset[int]:
    return frozenset.intersection(*(frozenset(f.cmap) for f in _parsed_fonts().values()))


class Document(FPDF):
    """A4 pages in the shipped font, with `footer_text` and "Page n of N" in every footer."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        # The characters every style can draw (fpdf2 reads each font's character map).
        self.drawable = _drawable()
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 4)
        self.set_font(FONT, size=10)
        self.set_text_color(*INK)
        self.set_creator("Leerspoor")

    def set_font(
        self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0
    ) -> None:
        """fpdf2's `set_font`, adding a style of the shipped font the first time it is
        used: fpdf2 embeds every font added, used or not, and cutting a font down to the
        characters used is most of the time a document takes to write.
        """
        if (family or self.font_family) == FONT:
            letters = style.style if isinstance(style, TextEmphasis) else style.upper()
            key = FONT + "".join(sorted(letter for letter in letters if letter in "BI"))
            if key not in self.fonts:
                self.fonts[key] = _for_one_document(_parsed_fonts()[key])
        super().set_font(family, style, size)

    def printable(self, text: str) -> str:
        """`text` with what the font cannot draw replaced by a visible box."""
        text = text.replace("\t", "    ")
        return "".join(c if c == "\n" or ord(c) in self.drawable else MISSING_GLYPH for c in text)

    # fpdf2 replaces its total-pages alias in all text rendered while it is set, so it
    # is switched on for the footer only: a log that says "{nb}" keeps saying it.
    def header(self) -> None:
        self.alias_nb_pages(None)

    def footer(self) -> None:
        self.alias_nb_pages("{nb}", align=Align.L)
        self.set_y(-MARGIN + 4)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
        half = self.epw / 2
        self.cell(half, 5, self.printable(self.footer_text), align=Align.L)
        page = _("Page %(page)d of %(pages)d", page=self.page_no(), pages=PAGES_PLACEHOLDER)
        self.cell(half, 5, page.replace(str(PAGES_PLACEHOLDER), "{nb}"), align=Align.R)
        self.set_text_color(*INK)

    # -- building blocks ----------------------------------------------------------------

    def keep_room(self, height: float) -> None:
        """Start a new page unless `height` millimetres still fit on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def text_block(self, text: str, *, size: float = 10, bold: bool = False, colour=INK, indent=0):
        """Wrapped text, paragraph by paragraph, starting at the left margin plus `indent`."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        height = size * 0.5
        for number, paragraph in enumerate(text.split("\n\n")):
            if number:
                self.ln(1.5)
            self.set_x(self.l_margin + indent)
            self.multi_cell(
                self.epw - indent,
                height,
                self.printable(paragraph),
                align=Align.L,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        self.set_text_color(*INK)

    def section_heading(self, title: str, subtitle: str = "") -> None:
        self.add_page()
        self.text_block(title, size=16, bold=True, colour=GREEN)
        if subtitle:
            self.ln(1)
            self.text_block(subtitle, size=10, colour=MUTED)
        self.ln(4)

    def subheading(self, title: str) -> None:
        self.keep_room(KEEP_WITH_NEXT)
        self.ln(2)
        self.text_block(title, size=11.5, bold=True, colour=GREEN)
        self.ln(1.5)

    def rule(self) -> None:
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
