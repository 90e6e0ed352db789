"""The certificate of a completed learning path, as one A4 page of PDF."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.pdf import GREEN, MUTED, Document


@dataclass
class CertificateView:
    """Everything the page shows, already in the reader's language."""

    name: str
    path_title: str
    issued_on: str
    modules: list[tuple[str, str]]  # (title, completed on)
    code: str
    verify_url: str
    techniques: str


def render(view: CertificateView) -> bytes:
    pdf = Document(f"{_('Certificate')} · {view.code}")
    pdf.set_title(f"{_('Certificate')} · {view.path_title} · {view.name}")
    pdf.add_page()
    pdf.ln(12)
    pdf.text_block(_("Certificate"), size=26, bold=True, colour=GREEN)
    pdf.ln(6)
    pdf.text_block(_("Leerspoor certifies that"), size=12, colour=MUTED)
    pdf.ln(2)
    pdf.text_block(view.name, size=20, bold=True)
    pdf.ln(2)
    pdf.text_block(_("completed the learning path"), size=12, colour=MUTED)
    pdf.ln(2)
    pdf.text_block(view.path_title, size=16, bold=True, colour=GREEN)
    pdf.ln(2)
    pdf.text_block(_("on %(date)s.", date=view.issued_on), size=12)
    if view.techniques:
        pdf.ln(4)
        pdf.text_block(view.techniques, size=10, colour=MUTED)
    pdf.ln(8)
    pdf.text_block(_("Modules"), size=12, bold=True, colour=GREEN)
    pdf.ln(1)
    for title, completed_on in view.modules:
        pdf.text_block(f"•  {title} ({completed_on})", size=10)
    pdf.ln(10)
    pdf.rule()
    pdf.ln(3)
    pdf.text_block(_("Verification code: %(code)s", code=view.code), size=11, bold=True)
    pdf.text_block(
        _("Anyone can check this certificate at %(url)s", url=view.verify_url),
        size=10,
        colour=MUTED,
    )
    return bytes(pdf.output())
