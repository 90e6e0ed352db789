"""What an access export holds, built for every person of a lived-in world: what is
about them and what they wrote, never a value the app does not show them, never a
secret, never another student's name.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LogEntry, User, Visit
from app.privacy.export import export_archive
from tests.privacy_world import SEEN_BY, STUDENTS, WELLBEING_SEEN_BY, build_lived_in


@pytest.fixture
def lived_in(app, world):
    with app.app_context():
        return build_lived_in(world)


def _export(app, user_id: int) -> dict[str, bytes]:
    with app.app_context():
        archive, _collected = export_archive(db.session.get(User, user_id), datetime.now(UTC))
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def _text(files: dict[str, bytes]) -> str:
    return "\n".join(content.decode("utf-8", "replace") for content in files.values())


def _rows(files: dict[str, bytes], table: str) -> list[dict]:
    return json.loads(files.get(f"data/{table}.json", b"[]"))


def _wellbeing_of(files: dict[str, bytes], placement_of_entry: dict[int, int], visits) -> set:
    """The placements whose wellbeing check-ins appear anywhere in the export."""
    found = set()
    for row in _rows(files, "log_entry"):
        if row.get("wellbeing") is not None:
            found.add(row["placement_id"])
    for row in _rows(files, "entry_revision"):
        if row.get("wellbeing") is not None:
            found.add(placement_of_entry[row["entry_id"]])
    for row in _rows(files, "visit"):
        if any(item.get("kind") == "wellbeing" for item in row.get("agenda") or []):
            found.add(visits[row["id"]])
    return found


@pytest.fixture
def exports(app, lived_in):
    """Every person's export, by their name in the world."""
    return {name: _export(app, user_id) for name, user_id in lived_in.people.items()}


def test_no_export_holds_a_value_the_app_hides_from_its_person(lived_in, exports):
    leaks = [
        f"{person} finds {sentinel}"
        for person, files in exports.items()
        for sentinel, readers in SEEN_BY.items()
        if person not in readers and sentinel in _text(files)
    ]
    assert not leaks, "\n".join(leaks)


def test_a_mentors_download_holds_no_wellbeing_score(app, lived_in, exports):
    with app.app_context():
        placement_of_entry = dict(
            db.session.execute(select(LogEntry.id, LogEntry.placement_id)).all()
        )
        visits = dict(db.session.execute(select(Visit.id, Visit.placement_id)).all())
    by_id = {placement_id: name for name, placement_id in lived_in.placements.items()}
    leaks = [
        f"{person} finds the wellbeing of {by_id[placement]}"
        for person, files in exports.items()
        for placement in _wellbeing_of(files, placement_of_entry, visits)
        if person not in WELLBEING_SEEN_BY[by_id[placement]]
    ]
    assert not leaks, "\n".join(leaks)
    # Her own check-ins are hers.
    assert _wellbeing_of(exports["student_a"], placement_of_entry, visits) == {
        lived_in.placements["placement_a"]
    }
    [week] = [row for row in _rows(exports["mentor_x"], "log_entry") if row.get("review_comment")]
    assert week["review_comment"] == "S-review-X"
    assert "wellbeing" not in week


def test_no_export_names_another_student(lived_in, exports):
    leaks = [
        f"{person} finds {value}"
        for person, files in exports.items()
        for student, (name, address) in STUDENTS.items()
        if student != person
        for value in (name, address)
        if value in _text(files)
    ]
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    ("person", "own"),
    [
        (
            "student_a",
            [
                "S-week-A",
                "S-draft-A",
                "S-concern-A",
                "S-review-X",
                "S-feedback-X",
                "S-note-shared",
                "S-visit-shared",
                "S-agreement-final",
                "S-confirm-A",
                "S-goal-A",
                "S-photo-A content",
            ],
        ),
        (
            "mentor_x",
            ["S-review-X", "S-feedback-X", "S-comment-X", "S-reflection-X", "S-recommend"],
        ),
        (
            "coach_a",
            [
                "S-coachonly-A",
                "S-old-coachonly",
                "S-visit-coachonly",
                "S-visit-draft",
                "S-agreement-draft",
                "S-coachfile-A content",
            ],
        ),
        ("coordinator_a", ["S-guardian-A", "S-request-note"]),
        ("dani", ["S-review-Dani", "S-coachonly-Dani"]),
    ],
)
def test_an_export_holds_what_its_person_wrote_and_what_is_about_them(
    lived_in, exports, person, own
):
    text = _text(exports[person])
    assert [sentinel for sentinel in own if sentinel not in text] == []
