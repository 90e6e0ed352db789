"""The `leerspoor` command line: init, demo, user create, translations."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import cli, create_app
from app.extensions import db
from app.models import (
    AuditEvent,
    LogEntry,
    Membership,
    ModuleProgress,
    Placement,
    PlacementKind,
    PlacementStatus,
    PracticePost,
    Recommendation,
    Role,
    User,
)
from app.privacy.minors import is_minor, missing_approvals
from config import TestingConfig
from tests.conftest import Browser, Outbox, reset_postgres_schema


@pytest.fixture
def empty_app(tmp_path, monkeypatch):
    """An app whose database has no tables yet, as on a fresh machine."""
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(TestingConfig)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


def create_user(runner, **options: str):
    """Run `leerspoor user create` with `--key value` for each option."""
    args = ["user", "create"]
    for key, value in options.items():
        args += [f"--{key}", value]
    return runner.invoke(args=args)


def test_init_creates_the_database(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_demo_is_idempotent_and_prints_every_account(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "leerspoor-demo" in first.output
    with empty_app.app_context():
        counts = (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Placement.id))),
        )
    second = runner.invoke(args=["demo", "--json"])
    accounts = json.loads(second.stdout)
    with empty_app.app_context():
        assert counts == (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Placement.id))),
        )
        assert counts[1] == 12  # 8 at home, 4 abroad
    roles = [account["role"] for account in accounts]
    assert roles.count("student") == 16
    assert roles.count("mentor") == 6
    assert roles.count("coach") == 2
    assert roles.count("monitor") == 2
    assert roles.count("host_coordinator") == 2
    assert {"admin", "coordinator", "company_coordinator", "promoter"} <= set(roles)
    assert all(account["password"] == "leerspoor-demo" for account in accounts)


def test_the_demo_shows_a_minor_waiting_for_a_guardians_approval(empty_app):
    empty_app.test_cli_runner().invoke(args=["demo"])
    with empty_app.app_context():
        milan = db.session.scalar(select(User).where(User.email == "milan@student.demo"))
        placement = db.session.scalar(select(Placement).where(Placement.student_id == milan.id))
        assert is_minor(milan, date.today())
        assert placement.kind is PlacementKind.MOBILITY_ABROAD
        assert placement.status is PlacementStatus.PREPARING
        assert missing_approvals([placement], date.today()) == {placement.id}
        adults = db.session.scalars(
            select(User).where(User.email.in_(["peter@student.demo", "aisha@student.demo"]))
        ).all()
        assert [adult.birth_date for adult in adults] == [None, None]


def test_demo_accounts_can_log_in(empty_app):
    empty_app.test_cli_runner().invoke(args=["demo"])
    client = empty_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"email": "mentor@verbeke.demo", "password": "leerspoor-demo", "csrf_token": token},
    )
    assert response.status_code == 302


def test_user_create_makes_an_admin(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["init"])
    result = create_user(
        runner,
        email="Root@Example.org",
        name="Root",
        role="admin",
        password="a long admin password",
    )
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "root@example.org"))
        assert user.is_admin
        assert user.check_password("a long admin password")


def test_user_create_refuses_an_unknown_organisation(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["init"])
    result = create_user(
        runner,
        email="c@x.org",
        name="C",
        role="coach",
        organisation="Nowhere",
        password="a long password here",
    )
    assert result.exit_code != 0
    assert "No organisation is called 'Nowhere'" in result.output


def test_user_create_adds_a_role_to_an_existing_user(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = create_user(
        runner,
        email="mentor@verbeke.demo",
        name="Luc",
        role="mentor",
        organisation="Garage De Smet",
    )
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        luc = db.session.scalar(select(User).where(User.email == "mentor@verbeke.demo"))
        assert len(luc.organisation_ids(Role.MENTOR)) == 2


def _accounts(app) -> tuple[int, int, int]:
    """How many users, memberships and audit events there are."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Membership, AuditEvent)
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"email": "not-an-address"}, "--email: not-an-address is not a valid e-mail address."),
        ({"email": "coach@a.example"}, "--email: coach@a.example is already coach at School A."),
        ({"password": "Wachtwoord123"}, "--password: This password is one of the most used"),
        ({"organisation": "School C"}, "No organisation is called 'School C'."),
        ({"organisation": "Company X"}, "--role: A coach cannot belong to Company X."),
    ],
)
def test_user_create_refuses_with_a_message_and_adds_nothing(app, runner, world, options, message):
    before = _accounts(app)
    arguments = {
        "email": "new.coach@a.example",
        "name": "New Coach",
        "role": "coach",
        "organisation": "School A",
        "password": "a sentence nobody else would write",
        **options,
    }
    result = create_user(runner, **arguments)
    assert result.exit_code != 0
    assert message in result.output
    assert _accounts(app) == before


def test_user_create_checks_the_address_before_asking_a_password(app, runner, world):
    result = create_user(runner, email="not-an-address", name="N", role="admin")
    assert result.exit_code != 0
    assert "Password" not in result.output
    assert "--email: not-an-address is not a valid e-mail address." in result.output


def test_user_create_is_the_webs_invitation_with_a_password_and_is_audited(app, runner, world):
    result = create_user(
        runner,
        email="  New.Coach@A.example ",
        name="New Coach",
        role="coach",
        organisation="School A",
        password="a sentence nobody else would write",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "new.coach@a.example is coach at School A.\n"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.coach@a.example"))
        assert user.check_password("a sentence nobody else would write")
        assert [(m.role, m.organisation_id) for m in user.memberships] == [
            (Role.COACH, world.school_a.id)
        ]
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "membership_added")
        ).all()
        assert (event.actor_id, event.actor_role) == (None, "system")
        assert (event.object_type, event.object_id) == ("user", user.id)
        assert event.details == {"role": "coach", "organisation_id": world.school_a.id}


def test_translations_check_passes_on_the_repository(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["translations", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--email", "not-an-address", "--role", "admin", "--password", "long enough pw"],
            "--email",
        ),
        (
            ["--email", "=1+1@x.org", "--role", "admin", "--password", "long enough pw"],
            "cannot start with =, + or -",
        ),
        (
            ["--email", "a@x.org", "--role", "admin", "--password", "short"],
            "Choose a password of 10 to 200 characters.",
        ),
        (
            [
                "--email",
                "a@x.org",
                "--role",
                "coordinator",
                "--organisation",
                "Garage De Smet",
                "--password",
                "long enough pw",
            ],
            "cannot belong to Garage De Smet",
        ),
    ],
)
def test_user_create_refuses_what_the_web_forms_refuse(empty_app, arguments, message):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["user", "create", "--name", "A", *arguments])
    assert result.exit_code != 0
    assert message in result.output


def test_demo_placements_are_followed_with_a_framework(empty_app):
    empty_app.test_cli_runner().invoke(args=["demo"])
    with empty_app.app_context():
        frameworks = set(db.session.scalars(select(Placement.framework_id)))
    assert frameworks == {"electrical-installation", "generic-work-competences", "it-support"}


def test_the_demo_shows_the_log_and_the_training_in_use(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["demo"])
    runner.invoke(args=["demo"])  # twice: nothing is added again
    with empty_app.app_context():
        luc = db.session.scalar(select(User).where(User.email == "mentor@verbeke.demo"))
        at_home = select(Placement.id).where(Placement.host_partner_id.is_(None))
        assert (
            db.session.scalar(
                select(func.count(LogEntry.id)).where(LogEntry.placement_id.in_(at_home))
            )
            == 5
        )
        assert (
            db.session.scalar(
                select(func.count(ModuleProgress.id)).where(ModuleProgress.user_id == luc.id)
            )
            == 5
        )
        assert db.session.scalar(select(func.count(Recommendation.id))) == 1
        assert db.session.scalar(select(func.count(PracticePost.id))) == 1


def test_the_demo_shows_a_plan_and_visits_to_the_first_trio(empty_app):
    """The README promises these: the mentor is asked to confirm a visit report, Lotte
    has a plan with a suggestion and an overdue action (and a reminder of it), the coach
    sees the next visit and hears which placements need attention.
    """
    empty_app.test_cli_runner().invoke(args=["demo"])
    with empty_app.app_context():
        placement = db.session.scalar(
            select(Placement)
            .join(User, Placement.student_id == User.id)
            .where(User.email == "lotte@student.demo")
        )
        placement_id = placement.id

    def browse(email_address: str, path: str) -> str:
        client = empty_app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"email": email_address, "password": "leerspoor-demo", "csrf_token": token},
        )
        response = client.get(path)
        assert response.status_code == 200, (email_address, path)
        return response.get_data(as_text=True)

    mentor_home = browse("mentor@verbeke.demo", "/")
    assert "Het bezoekverslag lezen en bevestigen" in mentor_home
    assert "ongelezen" in mentor_home  # the bell: the demo told the trio what happened
    plan = browse("lotte@student.demo", f"/placements/{placement_id}/development-plan")
    assert "Vragen stellen als ik iets niet begrijp" in plan
    assert "actie te laat" in plan
    reminded = browse("lotte@student.demo", "/notifications")
    assert "Een actie in het ontwikkelingsplan moest klaar zijn op" in reminded
    assert "Vraagt aandacht:" in browse("coach@scheldeland.demo", "/notifications")
    visits = browse("coach@scheldeland.demo", f"/placements/{placement_id}/visits")
    assert "Gepland" in visits
    assert "Wacht op bevestiging" in visits


def test_demo_says_its_staff_need_no_second_factor(empty_app):
    empty_app.config["REQUIRE_TWO_FACTOR"] = False  # as in development, where the demo runs
    result = empty_app.test_cli_runner().invoke(args=["demo"])
    assert "without a second factor" in result.output


def _sites_linked(outbox: Outbox) -> set[str]:
    """The scheme, host and port of every link in every e-mail of the outbox."""
    return {
        site
        for message in outbox.messages
        for site in re.findall(r"(https?://[^/\s]+)/", outbox.body(message))
    }


def test_reminders_run_links_its_emails_to_the_address_serve_runs_at(empty_app, monkeypatch):
    monkeypatch.delenv("LEERSPOOR_PUBLIC_URL", raising=False)
    monkeypatch.setattr(cli, "run_simple", lambda *args, **kwargs: None)  # serve returns
    runner = empty_app.test_cli_runner()
    served = runner.invoke(args=["serve", "--demo", "--port", "5123"])
    assert served.exit_code == 0, served.output
    with empty_app.app_context():
        student = db.session.scalar(select(User).where(User.email == "lotte@student.demo"))
    Browser(empty_app.test_client()).post("/password/forgot", {"email": student.email})

    result = runner.invoke(args=["reminders", "run"])

    assert result.exit_code == 0, result.output
    assert (
        "Links in e-mails lead to http://127.0.0.1:5123 (the address `leerspoor serve` last "
        "used; set LEERSPOOR_PUBLIC_URL to change it)."
    ) in result.output
    outbox = Outbox(Path(empty_app.config["MAIL_OUTBOX_PATH"]))
    assert [m for m in outbox.messages if "/password/reset/" in outbox.body(m)]
    assert _sites_linked(outbox) == {"http://127.0.0.1:5123"}


def test_without_serve_reminders_run_says_links_use_its_default_address(app, runner):
    result = runner.invoke(args=["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert (
        "Links in e-mails lead to http://localhost:5000 (the default address of `leerspoor "
        "serve`; set LEERSPOOR_PUBLIC_URL to change it)."
    ) in result.output


def test_the_public_address_wins_over_the_served_one(app, world, runner, outbox, monkeypatch):
    monkeypatch.setattr(cli, "run_simple", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "initialise_database", lambda: None)  # the tables exist
    runner.invoke(args=["serve", "--host", "0.0.0.0", "--port", "8080"])  # noqa: S104
    assert (Path(app.instance_path) / "served_at").read_text().strip() == "http://localhost:8080"
    app.config["PUBLIC_URL"] = "https://leerspoor.example.be"
    Browser(app.test_client()).post("/password/forgot", {"email": world.student_a.email})

    result = runner.invoke(args=["reminders", "run"])

    assert "Links in e-mails lead to https://leerspoor.example.be (LEERSPOOR_PUBLIC_URL)." in (
        result.output
    )
    assert _sites_linked(outbox) == {"https://leerspoor.example.be"}
