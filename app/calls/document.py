"""The PDFs of a selection: a candidate's CV and expectations form (in English, for the
host partner) and a sending school's selection report.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app import dates
from app.calls import services
from app.dates import LONG_DATE, format_day
from app.models import Candidate, MobilityCall, Organisation
from app.pdf import MUTED, Document
from app.portfolio.services import slug


def cv_filename(candidate: Candidate) -> str:
    return f"cv-{slug(candidate.student.name) or candidate.id}.pdf"


def cv_pdf(candidate: Candidate) -> bytes:
    """The Candidate CV and Expectations Form, in English whatever the reader's language:
    it goes to the host partner abroad.
    """
    with force_locale("en"):
        cv = services.cv_of(candidate)
        call = candidate.call
        pdf = Document(f"{candidate.student.name} · {call.title}")
        pdf.set_title("Candidate CV and Expectations Form")
        pdf.section_heading(
            "Candidate CV and Expectations Form",
            " · ".join(
                (
                    candidate.student.name,
                    candidate.school.name,
                    call.title,
                    f"{format_day(call.placement_start, LONG_DATE)} – "
                    f"{format_day(call.placement_end, LONG_DATE)}",
                )
            ),
        )
        sections = (
            ("Education", cv.education),
            ("Work experience", cv.work_experience),
            (
                "Languages",
                "\n".join(f"{language}: {level}" for language, level in cv.languages),
            ),
            ("What I expect to learn", cv.expectations),
            ("Practical needs", cv.practical_needs),
        )
        for title, text in sections:
            pdf.subheading(title)
            pdf.text_block(text or "–", colour=MUTED if not text else (28, 35, 33))
        if candidate.cv_updated_at is not None:
            pdf.ln(4)
            pdf.text_block(
                f"Filled in on {format_day(candidate.cv_updated_at, LONG_DATE)}.",
                size=9,
                colour=MUTED,
            )
        return bytes(pdf.output())


def report_filename(call: MobilityCall, school: Organisation) -> str:
    return f"selection-report-{slug(school.name) or school.id}-{call.id}.pdf"


def report_pdf(call: MobilityCall, school: Organisation) -> bytes:
    """The school's selection report: its text as saved, or pre-filled from the scores."""
    pdf = Document(
        _("Selection report of %(school)s", school=school.name)
        + f" · {format_day(dates.today(), LONG_DATE)}"
    )
    pdf.set_title(_("Selection report"))
    pdf.section_heading(_("Selection report"), f"{school.name} · {call.title}")
    pdf.text_block(services.report_text(call, school))
    return bytes(pdf.output())
