"""Domain events: what a feature announces when something happened or a piece of work
is done.

A feature's service sends the signal right after its commit; whoever cares subscribes
(the notifications tell the people concerned, and resolve what asked for that work). The
sender never knows who listens, so the log, the plan, visits and training import no
feature that listens to them. Each signal's sender is the object it is about; keyword
arguments say who did it.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# An entry became readable to others: written, or a weekly log handed in (the entry).
entry_shared = _signals.signal("entry-shared")
# A comment on an entry (the comment).
comment_added = _signals.signal("comment-added")
# A goal or an action added to a development plan (the goal or action; a suggestion
# of mentor or coach, or the student's own).
goal_added = _signals.signal("goal-added")
action_added = _signals.signal("action-added")
# A planned visit moved to another day or time (the visit; `by_id` who moved it).
visit_moved = _signals.signal("visit-moved")
# A visit report was made final (the visit; `by` the coach).
report_final = _signals.signal("report-final")
# A mentor shared a practice tip (the post).
practice_shared = _signals.signal("practice-shared")

# A student handed in a weekly log (the entry; it is no longer a draft).
week_submitted = _signals.signal("week-submitted")
# A mentor approved or returned a weekly log (the entry; `by` the mentor).
week_reviewed = _signals.signal("week-reviewed")
# A mentor wrote feedback in the log (the entry; `by` its author).
feedback_given = _signals.signal("feedback-given")
# A visit was planned (the visit; `by` the coach).
visit_planned = _signals.signal("visit-planned")
# Someone confirmed having read a visit report (the visit; `by` who confirmed).
report_confirmed = _signals.signal("report-confirmed")
# The student accepted or declined a suggested goal (the goal).
goal_answered = _signals.signal("goal-answered")
# The student accepted or declined a suggested action (the action).
action_answered = _signals.signal("action-answered")
# An action or agreement was ticked off (the action; `by` who ticked it).
action_done = _signals.signal("action-done")
# Someone opened a module for the first time (the module id; `by` the person).
module_started = _signals.signal("module-started")
# A shared practice tip was approved or rejected (the post; `by` the reviewer).
practice_reviewed = _signals.signal("practice-reviewed")
# An item of a mobility file was delivered or approved (the placement; `kind`
# the item, `by` who did it, None for a guardian through their link).
mobility_item_done = _signals.signal("mobility-item-done")
# The participant submitted their stage report, or the coach sent it back (the report;
# `by` who did it).
stage_report_submitted = _signals.signal("stage-report-submitted")
stage_report_returned = _signals.signal("stage-report-returned")
# The coach closed a mobility abroad and signed off its Europass record (the placement;
# `by` the coach).
mobility_closed = _signals.signal("mobility-closed")
