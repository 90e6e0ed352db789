"""The development plan (POP) on a phone, in Dutch: the student reads once what a POP
is, the table of levels breaks no word in two, and averages are numbers, not level chips.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.competences import services as competences
from app.extensions import db
from app.models import Placement, Registration, Setting, User
from app.plans import services as plans

pytestmark = pytest.mark.e2e

# Per word of the table's text: the number of lines it is drawn on (1 unless broken).
BROKEN_WORDS = """
() => {
  const broken = [];
  for (const cell of document.querySelectorAll(".goal-levels th, .goal-levels td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""


def test_the_pop_table_reads_on_a_phone_without_broken_words(start, app, world, phone):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        plans.create_goal(
            placement,
            db.session.get(User, world.student_a.id),
            plans.GoalText(
                title="Mijn werkdag zelf plannen",
                why="Luc zegt nu elke taak.",
                success="Ik maak de lijst voor 8 uur.",
                target_date=start + timedelta(days=136),
                links=[
                    "competence:punctuality",
                    "competence:tools-and-materials",
                    "competence:planning",
                    "criterion:independence",
                ],
            ),
        )
        framework = competences.framework_of(placement)
        punctuality = next(c for c in framework.competences if c.id == "punctuality")
        for indicator, level in zip(punctuality.indicators[:2], (2, 3), strict=True):
            db.session.add(
                Registration(
                    placement_id=placement.id,
                    author_id=world.mentor_x.id,
                    actor="mentor",
                    framework_id=framework.id,
                    framework_version=framework.version,
                    competence_id="punctuality",
                    indicator_id=indicator.id,
                    setting=Setting.WORKPLACE,
                    level=level,
                    observed_on=start + timedelta(days=30),
                )
            )
        db.session.commit()

    phone.log_in("student_a", "student@a.example")
    phone.goto(f"/placements/{world.placement_a.id}/development-plan")
    expect(phone.page.locator(".plan-explained")).to_contain_text("POP")
    table = phone.page.locator(".goal-levels").first
    expect(table).to_contain_text("Stiptheid en betrouwbaarheid")
    expect(table.locator(".level-average")).to_have_text(["2,5"])
    expect(table.locator(".level-chip")).to_have_count(0)
    assert phone.page.evaluate(BROKEN_WORDS) == []
    phone.check("plan-levels")
