"""One error type for a refused change, and one way to show it: next to the field, or
on top of the page, never as a server error.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, timedelta

from sqlalchemy import func, select

import app as app_package
from app.domain import DomainError, StaleEdit
from app.extensions import db
from app.models import Placement
from tests.conftest import placement_form

# Errors that are not a domain rule refusing a change, each with its own page or its own
# audience; a new refusal derives from DomainError instead of joining this list.
NOT_REFUSALS = {
    "app.domain.StaleEdit",  # someone saved first: a conflict, shown beside the new text
    "app.auth.tokens.TokenError",  # a link that cannot be used: its own page
    "app.mentorlinks.services.Refused",  # a quick link refused: its own page
    "app.admin.imports.AlreadyImported",  # a file sent twice: its preview again
    "app.backup.services.BackupError",  # for whoever runs the command line
    "app.backup.snapshots.SnapshotError",
    "app.backup.archive.ArchiveError",
    "app.scheduling.process.SchedulingError",
    "app.scheduling.schedules.ScheduleError",
    "app.scheduling.jobs.Interrupted",  # a job stopped: the scheduler's business
    "app.privacy.retention.PurgeInterrupted",
}


def _exceptions_defined_in_app() -> dict[str, type]:
    found = {}
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Exception) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{name}"] = value
    return found


def test_every_refusal_a_service_raises_is_a_domain_error():
    exceptions = _exceptions_defined_in_app()
    assert "app.domain.DomainError" in exceptions
    copies = sorted(
        name
        for name, error in exceptions.items()
        if not issubclass(error, DomainError) and name not in NOT_REFUSALS
    )
    assert copies == []
    assert not issubclass(StaleEdit, DomainError)  # routes catch it after DomainError


def test_a_refused_placement_shows_the_message_next_to_its_field(app, world, in_english, login_as):
    today = date.today()
    coordinator = login_as(world.coordinator_a)
    form = placement_form(
        world,
        start_date=(today + timedelta(days=30)).isoformat(),
        end_date=(today + timedelta(days=10)).isoformat(),
    )
    response = coordinator.post("/admin/placements/new", form)
    assert response.status_code == 200
    assert "The end date is before the start date." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Placement)) == 3  # the world's


def test_a_refusal_no_route_catches_is_shown_on_the_page_it_came_from(
    app, world, in_english, login_as
):
    def refuse():
        raise DomainError("anything", "This cannot be done just now.")

    app.add_url_rule("/refuse", "refuse", refuse, methods=["GET", "POST"])
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post("/refuse", headers={"Referer": "http://localhost/admin/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/admin/"
    page = coordinator.get("/admin/")
    assert page.status_code == 200
    assert "This cannot be done just now." in page.get_data(as_text=True)
    # Opened directly (no page to go back to), it leads home instead of asking again.
    direct = coordinator.get("/refuse")
    assert direct.status_code == 303
    assert direct.headers["Location"] == "/"
