"""What each role may see and administer, as the policy's selects answer it, and that
the pages built on them show exactly those rows.

The world's roles plus someone with two of them: the coordinator of school B who also
coaches at school A.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from app import policy
from app.extensions import db
from app.models import (
    Organisation,
    Placement,
    PlacementKind,
    PlanTemplate,
    PrivacyRequest,
    RequestKind,
    Role,
    User,
)
from tests.conftest import FOLLOWED_WITH, TOTP_SECRET, make_user

ROLES = (
    "admin",
    "coordinator_a",
    "coordinator_b",
    "coach_a",
    "mentor_x",
    "student_a",
    "outsider",
    "company_coordinator_x",
    "two_roles",
)
COHORT = "first-year"


@dataclass
class Scoped:
    """The rows the tests look for, by name, and the people by role name."""

    ids: dict[str, int]
    people: dict[str, int]


@pytest.fixture
def scoped(app, world) -> Scoped:
    with app.app_context():
        school_a = db.session.get(Organisation, world.school_a.id)
        school_b = db.session.get(Organisation, world.school_b.id)
        two_roles = make_user(
            "two.roles@b.example",
            "Tess Two-Roles",
            (Role.COORDINATOR, school_b),
            (Role.COACH, school_a),
        )
        two_roles.totp_secret = TOTP_SECRET
        two_roles.totp_confirmed_at = datetime.now(UTC) - timedelta(days=30)
        student_a2 = make_user("second@a.example", "Second Student A", (Role.STUDENT, school_a))
        db.session.flush()
        start = date.today() - timedelta(days=30)
        placement_a2 = Placement(
            student_id=student_a2.id,
            school_id=school_a.id,
            workplace_id=world.company_x.id,
            mentor_id=world.mentor_x.id,
            coach_id=two_roles.id,
            kind=PlacementKind.DUAL_LEARNING,
            start_date=start,
            end_date=start + timedelta(days=300),
            programme="Kitchen",
            cohort=COHORT,
            **FOLLOWED_WITH,
        )
        db.session.add(placement_a2)
        for placement_id in (world.placement_a.id, world.placement_b.id):
            placement = db.session.get(Placement, placement_id)
            placement.programme, placement.cohort = "Kitchen", COHORT
        goals = [{"title": "Keep the station clean", "why": "", "success": "", "links": []}]
        templates = {
            name: PlanTemplate(
                school_id=school.id,
                name=name,
                programme="Kitchen",
                goals=goals,
                created_by_id=world.admin.id,
            )
            for name, school in (("template_a", school_a), ("template_b", school_b))
        }
        due = date.today() + timedelta(days=20)
        requests = {
            name: PrivacyRequest(
                kind=RequestKind.ACCESS, subject_id=subject.id, school_id=school_id, due_on=due
            )
            for name, subject, school_id in (
                ("request_a", world.student_a, school_a.id),
                ("request_b", world.student_b, school_b.id),
                ("request_platform", world.outsider, None),
            )
        }
        db.session.add_all([*templates.values(), *requests.values()])
        db.session.commit()
        ids = {
            "school_a": school_a.id,
            "school_b": school_b.id,
            "company_x": world.company_x.id,
            "company_y": world.company_y.id,
            "host_company": world.host_company.id,
            "host_partner": world.host_partner.id,
            "placement_a": world.placement_a.id,
            "placement_b": world.placement_b.id,
            "placement_m": world.placement_m.id,
            "placement_a2": placement_a2.id,
            **{name: row.id for name, row in {**templates, **requests}.items()},
        }
        people = {name: world.user(name).id for name in ROLES if name != "two_roles"}
        people["two_roles"] = two_roles.id
    return Scoped(ids, people)


def _names(scoped: Scoped, found_ids, *candidates: str) -> set[str]:
    """The names among `candidates` whose ids are in `found_ids`."""
    found = set(found_ids)
    return {name for name in candidates if scoped.ids[name] in found}


def _selected(app, scoped: Scoped, role: str, select_of) -> set[int]:
    with app.app_context():
        user = db.session.get(User, scoped.people[role])
        query = select_of(user)
        return {row.id for row in db.session.scalars(query)}


# -- the selects, role by role ----------------------------------------------------------

SCHOOLS = {
    "admin": {"school_a", "school_b"},
    "coordinator_a": {"school_a"},
    "coordinator_b": {"school_b"},
    "two_roles": {"school_b"},
}
WORKPLACES = {
    "admin": {"company_x", "company_y", "host_company", "host_partner"},
    "coordinator_a": {"company_x"},
    "coordinator_b": {"company_y"},
    "two_roles": {"company_y"},
}
PRIVACY_REQUESTS = {
    "admin": {"request_a", "request_b", "request_platform"},
    "coordinator_a": {"request_a"},
    "coordinator_b": {"request_b"},
    "two_roles": {"request_b"},
}
TEMPLATES = {
    "admin": {"template_a", "template_b"},
    "coordinator_a": {"template_a"},
    "coordinator_b": {"template_b"},
    "coach_a": {"template_a"},
    "two_roles": {"template_a", "template_b"},  # coaches at A, coordinates B
}
# Who gives the goals of school A's template to which of its placements.
RECIPIENTS_A = {
    "admin": {"placement_a", "placement_a2", "placement_m"},
    "coordinator_a": {"placement_a", "placement_a2", "placement_m"},
    "coach_a": {"placement_a", "placement_m"},
    "two_roles": {"placement_a2"},  # at school A only a coach: their own placement
}


@pytest.mark.parametrize("role", ROLES)
def test_administered_schools_per_role(app, scoped, role):
    found = _selected(app, scoped, role, policy.administered_schools)
    assert _names(scoped, found, "school_a", "school_b") == SCHOOLS.get(role, set())
    assert found <= {scoped.ids["school_a"], scoped.ids["school_b"]}  # never a workplace


@pytest.mark.parametrize("role", ROLES)
def test_administered_workplaces_per_role(app, scoped, role):
    found = _selected(app, scoped, role, policy.administered_workplaces)
    workplaces = ("company_x", "company_y", "host_company", "host_partner")
    assert _names(scoped, found, *workplaces) == WORKPLACES.get(role, set())
    assert found <= {scoped.ids[name] for name in workplaces}  # never a school


@pytest.mark.parametrize("role", ROLES)
def test_visible_privacy_requests_per_role(app, scoped, role):
    found = _selected(app, scoped, role, policy.visible_privacy_requests)
    names = _names(scoped, found, "request_a", "request_b", "request_platform")
    assert names == PRIVACY_REQUESTS.get(role, set())
    assert len(found) == len(names)


@pytest.mark.parametrize("role", ROLES)
def test_visible_plan_templates_per_role(app, scoped, role):
    found = _selected(app, scoped, role, policy.visible_plan_templates)
    assert _names(scoped, found, "template_a", "template_b") == TEMPLATES.get(role, set())
    assert len(found) == len(TEMPLATES.get(role, set()))


@pytest.mark.parametrize("role", ROLES)
def test_template_recipients_per_role(app, scoped, role):
    def recipients(user):
        return policy.template_recipients(user, db.session.get(PlanTemplate, template_a))

    template_a = scoped.ids["template_a"]
    found = _selected(app, scoped, role, recipients)
    candidates = ("placement_a", "placement_a2", "placement_b", "placement_m")
    assert _names(scoped, found, *candidates) == RECIPIENTS_A.get(role, set())
    assert len(found) == len(RECIPIENTS_A.get(role, set()))


# -- the pages show exactly those rows ---------------------------------------------------


def _options(html: str, field: str) -> set[int]:
    """The values offered by the form's `<select name=field>`."""
    match = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {field!r} on the page"
    return {int(value) for value in re.findall(r'value="(\d+)"', match.group(1))}


def _linked(html: str, prefix: str) -> set[int]:
    return {int(found) for found in re.findall(rf'href="{re.escape(prefix)}(\d+)"', html)}


ADMINISTRATORS = ("admin", "coordinator_a", "coordinator_b", "two_roles")


def _login(login_as, scoped: Scoped, role: str):
    user = User(id=scoped.people[role])
    return login_as(user)


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_import_page_offers_exactly_the_administered_schools(app, scoped, login_as, role):
    html = _login(login_as, scoped, role).get("/admin/import").get_data(as_text=True)
    assert _options(html, "school") == _selected(app, scoped, role, policy.administered_schools)


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_placement_form_offers_exactly_the_administered_workplaces(app, scoped, login_as, role):
    html = _login(login_as, scoped, role).get("/admin/placements/new").get_data(as_text=True)
    expected = _selected(app, scoped, role, policy.administered_workplaces)
    assert _options(html, "workplace") == expected


@pytest.mark.parametrize("role", ADMINISTRATORS)
def test_privacy_requests_page_lists_exactly_the_visible_requests(app, scoped, login_as, role):
    html = _login(login_as, scoped, role).get("/privacy/requests").get_data(as_text=True)
    expected = _selected(app, scoped, role, policy.visible_privacy_requests)
    assert _linked(html, "/privacy/requests/") == expected


@pytest.mark.parametrize("role", ["coach_a", "mentor_x", "student_a", "outsider"])
def test_privacy_request_pages_are_closed_to_who_answers_none(app, scoped, login_as, role):
    browser = _login(login_as, scoped, role)
    assert browser.get("/privacy/requests").status_code == 403
    assert browser.get(f"/privacy/requests/{scoped.ids['request_a']}").status_code == 404


@pytest.mark.parametrize("role", ["admin", "coordinator_a", "coach_a", "two_roles"])
def test_template_pages_show_exactly_the_visible_templates_and_recipients(
    app, scoped, login_as, role
):
    browser = _login(login_as, scoped, role)
    html = browser.get("/plan-templates").get_data(as_text=True)
    assert _linked(html, "/plan-templates/") == _selected(
        app, scoped, role, policy.visible_plan_templates
    )
    page = browser.get(f"/plan-templates/{scoped.ids['template_a']}?cohort={COHORT}")
    shown = page.get_data(as_text=True)
    for placement, student in (("placement_a", "Student A"), ("placement_a2", "Second Student A")):
        listed = f"<li>{student} · Company X</li>" in shown
        assert listed == (placement in RECIPIENTS_A[role]), placement
