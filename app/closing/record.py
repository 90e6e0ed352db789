"""The Europass-ready record of a closed mobility: who went where and when, the learning
outcomes achieved with their levels from the matrix, the participant's language
self-assessment where there is one, and the coach's sign-off. As structured JSON (a
stable, documented shape: docs/mobility.md, "Closing") and as a PDF.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.closing.services import (
    ACTORS,
    RECORD_FORMAT,
    RECORD_VERSION,
    Closing,
    FinalScores,
    Side,
)
from app.content.services import localised
from app.dates import LONG_DATE, format_day, format_moment, local_day
from app.extensions import db
from app.models import Actor, Candidate, Decision, MobilityCall, Organisation, Placement
from app.pdf import MUTED, Document
from app.portfolio.services import slug

# The actors of the matrix as the record names them.
RECORD_ACTORS = {Actor.STUDENT: "participant", Actor.MENTOR: "host", Actor.COACH: "school"}


def duration_days(placement: Placement) -> int:
    """The stay in days, its first and last day included."""
    return (placement.end_date - placement.start_date).days + 1


def language_self_assessment(placement: Placement) -> list[dict[str, str]]:
    """The languages the participant assessed themselves in (CEFR), from the CV and
    expectations form of the candidacy that selected them for a call whose window holds
    the stay (one query); empty when there is none.
    """
    candidate = db.session.scalar(
        select(Candidate)
        .join(MobilityCall, Candidate.call_id == MobilityCall.id)
        .where(
            Candidate.student_id == placement.student_id,
            Candidate.decision == Decision.SELECTED,
            MobilityCall.placement_start <= placement.start_date,
            MobilityCall.placement_end >= placement.start_date,
        )
        .order_by(Candidate.id.desc())
        .limit(1)
    )
    if candidate is None:
        return []
    return [
        {"language": str(row.get("language", "")), "level": str(row.get("level", ""))}
        for row in (candidate.cv or {}).get("languages", [])
        if isinstance(row, dict) and row.get("language")
    ]


def _organisation(organisation: Organisation | None) -> dict[str, str] | None:
    if organisation is None:
        return None
    return {"name": organisation.name, "city": organisation.city, "country": organisation.country}


def _confirmation(closing: Closing, side: Side) -> dict[str, str] | None:
    row = closing.row
    if row is None or not closing.confirmed(side):
        return None
    person = getattr(row, f"{side.value}_confirmed_by")
    return {
        "name": person.name if person else "",
        "at": getattr(row, f"{side.value}_confirmed_at").isoformat(),
    }


def _outcomes(scores: FinalScores, agreed: set[str]) -> list[dict[str, Any]]:
    found = []
    for outcome in scores.achieved:
        indicators = []
        for row in outcome.indicators:
            levels = {}
            for actor in ACTORS:
                cell = row.levels[actor]
                level = scores.level(cell.level) if cell else None
                levels[RECORD_ACTORS[actor]] = (
                    {"level": level.value, "label": dict(level.label)} if level else None
                )
            indicators.append(
                {"id": row.indicator.id, "text": dict(row.indicator.text), "levels": levels}
            )
        found.append(
            {
                "id": outcome.competence.id,
                "title": dict(outcome.competence.title),
                "in_learning_agreement": outcome.competence.id in agreed,
                "indicators": indicators,
            }
        )
    return found


def record_of(closing: Closing, agreed_outcomes: list[str]) -> dict[str, Any]:
    """The record as JSON-ready data, in the documented shape."""
    placement = closing.placement
    scores = closing.scores
    row = closing.row
    framework = scores.framework
    return {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "participant": {"name": placement.student.name},
        "sending_organisation": _organisation(placement.school),
        "host_organisation": _organisation(placement.workplace),
        "host_partner": _organisation(placement.host_partner),
        "country": placement.workplace.country,
        "city": placement.workplace.city,
        "start_date": placement.start_date.isoformat(),
        "end_date": placement.end_date.isoformat(),
        "duration_days": duration_days(placement),
        "framework": (
            {"id": framework.id, "version": framework.version, "title": dict(framework.title)}
            if framework
            else None
        ),
        "scale": (
            [{"level": level.value, "label": dict(level.label)} for level in framework.scale]
            if framework
            else []
        ),
        "learning_outcomes": _outcomes(scores, set(agreed_outcomes)),
        "language_self_assessment": language_self_assessment(placement),
        "scores_confirmed": {
            "coach": _confirmation(closing, Side.COACH),
            "monitor": _confirmation(closing, Side.MONITOR),
        },
        "signed_off": {
            "by": row.signed_off_name,
            "on": local_day(row.signed_off_at, placement.school).isoformat(),
        },
    }


def record_filename(placement: Placement, extension: str) -> str:
    student = slug(placement.student.name) or placement.id
    return f"mobility-record-{student}.{extension}"


def record_pdf(closing: Closing, record: dict[str, Any]) -> bytes:
    """The record as a PDF, in the reader's language."""
    placement = closing.placement
    scores = closing.scores
    pdf = Document(f"{_('Europass mobility record')} · {placement.student.name}")
    pdf.set_title(_("Europass mobility record"))
    pdf.section_heading(
        _("Europass mobility record"),
        f"{placement.student.name} · {placement.workplace.name}",
    )
    pdf.subheading(_("The mobility"))
    facts = [
        (_("Participant"), placement.student.name),
        (_("Sending organisation"), _place(placement.school)),
        (_("Host organisation"), _place(placement.workplace)),
    ]
    if placement.host_partner:
        facts.append((_("Host partner"), _place(placement.host_partner)))
    facts += [
        (
            _("Period"),
            f"{format_day(placement.start_date, LONG_DATE)} – "
            f"{format_day(placement.end_date, LONG_DATE)}",
        ),
        (_("Duration"), _("%(days)d days", days=record["duration_days"])),
    ]
    for label, value in facts:
        pdf.text_block(f"{label}: {value}")

    pdf.subheading(_("Learning outcomes achieved"))
    if scores.framework is not None:
        pdf.text_block(localised(scores.framework.title), colour=MUTED)
    if not scores.achieved:
        pdf.text_block("–")
    names = {Actor.STUDENT: _("participant"), Actor.MENTOR: _("host"), Actor.COACH: _("school")}
    for outcome in scores.achieved:
        pdf.text_block(localised(outcome.competence.title), bold=True)
        for row in outcome.indicators:
            levels = []
            for actor in ACTORS:
                cell = row.levels[actor]
                level = scores.level(cell.level) if cell else None
                if level is not None:
                    levels.append(f"{names[actor]}: {level.value} {localised(level.label)}")
            pdf.text_block(
                f"• {localised(row.indicator.text)}: {'; '.join(levels) or '–'}", indent=2
            )

    languages = record["language_self_assessment"]
    if languages:
        pdf.subheading(_("Language self-assessment (CEFR)"))
        for language in languages:
            pdf.text_block(f"• {language['language']}: {language['level']}", indent=2)

    pdf.subheading(_("Confirmed and signed off"))
    for side in Side:
        confirmation = _confirmation(closing, side)
        if confirmation:
            person = getattr(closing.row, f"{side.value}_confirmed_by")
            pdf.text_block(
                _(
                    "%(side)s confirmed the final scores: %(name)s, %(moment)s",
                    side=side.label,
                    name=person.name if person else "–",
                    moment=format_moment(getattr(closing.row, f"{side.value}_confirmed_at")),
                )
            )
    pdf.text_block(
        _(
            "Signed off by the coach %(name)s on %(day)s",
            name=closing.row.signed_off_name,
            day=format_day(closing.row.signed_off_at, LONG_DATE),
        )
    )
    return bytes(pdf.output())


def _place(organisation: Organisation) -> str:
    where = ", ".join(part for part in (organisation.city, organisation.country) if part)
    return f"{organisation.name} ({where})" if where else organisation.name
