"""One version of a learning agreement as a PDF for the mobility file: the version and
its state, the parties, the period, what is to be learned and how, liability, insurance
and guidance, and the signatures with their moments.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.agreements import services
from app.dates import LONG_DATE, format_day, format_moment
from app.models import LearningAgreement, Party
from app.pdf import MUTED, Document
from app.portfolio.services import slug


def agreement_filename(agreement: LearningAgreement) -> str:
    student = slug(agreement.placement.student.name) or agreement.placement_id
    return f"learning-agreement-{student}-v{agreement.number}.pdf"


def _state(agreement: LearningAgreement) -> str:
    if not services.is_current(agreement):
        state = _("Replaced by a newer version.")
    elif agreement.is_signed:
        state = _("Signed by all three parties.")
    elif agreement.is_locked:
        state = _("Waiting for signatures; the text of this version is fixed.")
    else:
        state = _("Draft: not signed by anyone yet.")
    return state


def _place(organisation) -> str:
    where = ", ".join(part for part in (organisation.city, organisation.country) if part)
    return f"{organisation.name} ({where})" if where else organisation.name


def agreement_pdf(agreement: LearningAgreement, capacities: dict) -> bytes:
    placement = agreement.placement
    number = _("Version %(number)d", number=agreement.number)
    pdf = Document(f"{_('Learning agreement')} · {placement.student.name} · {number}")
    pdf.set_title(_("Learning agreement"))
    pdf.section_heading(
        _("Erasmus+ learning agreement"),
        f"{number} · {placement.student.name} · {placement.workplace.name}",
    )
    pdf.text_block(_state(agreement), colour=MUTED)

    pdf.subheading(_("Parties"))
    facts = [
        (_("Sending school"), _place(placement.school)),
        (_("Participant"), placement.student.name),
        (_("Host organisation"), _place(placement.workplace)),
        (_("Mentor at the host workplace"), placement.mentor.name),
    ]
    if placement.host_partner:
        facts.append((_("Host partner"), _place(placement.host_partner)))
    if placement.monitor:
        facts.append((_("Host monitor"), placement.monitor.name))
    facts.append((_("Coach of the school"), placement.coach.name))
    facts.append(
        (
            _("Period"),
            f"{format_day(agreement.starts_on, LONG_DATE)} – "
            f"{format_day(agreement.ends_on, LONG_DATE)}",
        )
    )
    for label, value in facts:
        pdf.text_block(f"{label}: {value}")

    pdf.subheading(_("Learning outcomes"))
    _bullets(pdf, services.outcome_titles(agreement))
    pdf.subheading(_("Language goals"))
    _bullets(pdf, agreement.language_goals)
    pdf.subheading(_("Socio-cultural goals"))
    _bullets(pdf, agreement.cultural_goals)
    for title, text in (
        (_("Tasks at the host workplace"), agreement.tasks),
        (_("How the learning outcomes are assessed"), agreement.assessment),
        (_("How the learning outcomes are recognised at the school"), agreement.recognition),
        (_("Liability"), agreement.liability),
        (_("Insurance"), agreement.insurance),
        (_("Guidance"), agreement.guidance),
    ):
        pdf.subheading(title)
        pdf.text_block(text or "–")

    pdf.subheading(_("Signatures"))
    for party in Party:
        signature = agreement.signature_of(party)
        if signature is None:
            pdf.text_block(f"{party.label}: {_('not signed yet')}")
            continue
        pdf.text_block(
            f"{party.label}: "
            + _(
                "signed by %(name)s (%(capacity)s) on %(moment)s",
                name=signature.typed_name,
                capacity=capacities.get(signature.capacity, signature.capacity),
                moment=format_moment(signature.signed_at),
            )
        )
    return bytes(pdf.output())


def _bullets(pdf: Document, items: list[str]) -> None:
    if not items:
        pdf.text_block("–")
    for item in items:
        pdf.text_block(f"• {item}", indent=2)
