"""The template pack as PDF: a template's Markdown on A4 pages, ready to print."""

from __future__ import annotations

from fpdf import FontFace

from app.content.modules import Template
from app.pdf import FONT, GREEN, MUTED, Document
from app.rendering import render_content

HEADINGS = {
    "h2": FontFace(family=FONT, emphasis="BOLD", color=GREEN, size_pt=13),
    "h3": FontFace(family=FONT, emphasis="BOLD", color=GREEN, size_pt=11),
}


def template_pdf(template: Template) -> bytes:
    pdf = Document(f"Leerspoor · {template.title}")
    pdf.set_title(template.title)
    pdf.set_lang(template.language)
    pdf.add_page()
    pdf.text_block(template.title, size=18, bold=True, colour=GREEN)
    pdf.ln(1)
    pdf.text_block(template.description, size=10, colour=MUTED)
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    pdf.write_html(
        pdf.printable(str(render_content(template.body))), font_family=FONT, tag_styles=HEADINGS
    )
    return bytes(pdf.output())
