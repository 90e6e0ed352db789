"""The overview's filters: a GET form, its choices drawn from the placements shown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectField
from wtforms.fields.choices import SelectChoice

from app.caseload.services import REASON_LABELS, FilterChoices, Filters, ReasonKind
from app.models import PlacementKind


class OverviewFilterForm(Form):
    """Read from the query string; a value that is not among the choices is ignored."""

    coach = SelectField(_l("Coach"), choices=[], validate_choice=False)
    workplace = SelectField(_l("Workplace"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind of placement"), choices=[], validate_choice=False)
    programme = SelectField(_l("Programme"), choices=[], validate_choice=False)
    q = SearchField(_l("Student’s name"))
    reason = SelectField(_l("Reason for attention"), choices=[], validate_choice=False)

    def fill(self, choices: FilterChoices) -> None:
        everyone = SelectChoice("", _l("All"))
        self.coach.choices = [everyone] + [SelectChoice(str(i), n) for i, n in choices.coaches]
        self.workplace.choices = [everyone] + [
            SelectChoice(str(i), n) for i, n in choices.workplaces
        ]
        self.kind.choices = [everyone] + [SelectChoice(k.value, k.label) for k in choices.kinds]
        self.programme.choices = [everyone] + [SelectChoice(p, p) for p in choices.programmes]
        self.reason.choices = [everyone] + [
            SelectChoice(kind.value, label) for kind, label in REASON_LABELS.items()
        ]
        self.q.data = (self.q.data or "").strip()[:100]
        for select in (self.coach, self.workplace, self.kind, self.programme, self.reason):
            if select.data not in {choice.value for choice in select.choices}:
                select.data = ""

    def filters(self) -> Filters:
        """The chosen filters (call `fill` first, so only offered values count)."""
        return Filters(
            coach_id=int(self.coach.data) if self.coach.data else None,
            workplace_id=int(self.workplace.data) if self.workplace.data else None,
            kind=PlacementKind(self.kind.data) if self.kind.data else None,
            programme=self.programme.data or None,
            name=self.q.data or None,
            reason=ReasonKind(self.reason.data) if self.reason.data else None,
        )

    def arguments(self) -> dict[str, str]:
        """The chosen filters as query arguments, for the pager and the export link."""
        return {
            name: select.data
            for name, select in (
                ("coach", self.coach),
                ("workplace", self.workplace),
                ("kind", self.kind),
                ("programme", self.programme),
                ("q", self.q),
                ("reason", self.reason),
            )
            if select.data
        }

    @property
    def narrowed(self) -> bool:
        return bool(self.arguments())
