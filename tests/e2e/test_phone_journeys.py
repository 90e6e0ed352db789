"""Every role's journey on a phone, through the real login form, in Dutch and English.

Each visited page is screenshotted to tests/e2e/screenshots/<role>-<page>.png and must
pass axe-core without serious or critical violations and without sideways scrolling.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def h1(phone):
    return phone.page.get_by_role("heading", level=1)


def section(phone, heading: str):
    """The panel under a heading, as a reader finds it."""
    return phone.page.locator("section", has=phone.page.get_by_role("heading", name=heading))


def placement_link(phone, student: str = "Student A", workplace: str = "Company X"):
    """The link to one placement of a student: its name says where, as a student can
    have two (student A has a dual placement and a mobility abroad)."""
    name = re.compile(f"^{re.escape(student)} — {re.escape(workplace)} \\(")
    return phone.page.get_by_role("link", name=name)


def open_placement(phone, student: str = "Student A", workplace: str = "Company X") -> None:
    """From the home page, tap the student's placement and land on it."""
    placement_link(phone, student, workplace).click()
    expect(h1(phone)).to_have_text(student)


# -- logged out -------------------------------------------------------------------------


def test_visitor_sees_a_login_form_without_the_menu(phone):
    phone.goto("/login")
    page = phone.page
    expect(h1(phone)).to_have_text("Inloggen")
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_visible()
    expect(page.get_by_label("Wachtwoord", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdmenu")).to_have_count(0)
    phone.check("login")


def test_wrong_password_is_explained_next_to_the_field(phone):
    phone.goto("/login")
    page = phone.page
    page.get_by_label("E-mailadres", exact=True).fill("mentor@x.example")
    page.get_by_label("Wachtwoord", exact=True).fill("not the password")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("Dit e-mailadres en wachtwoord komen niet overeen.")).to_be_visible()
    expect(page.get_by_label("Wachtwoord", exact=True)).to_have_attribute("aria-invalid", "true")
    phone.check("login-wrong-password")


def test_visitor_asks_for_a_new_password(phone):
    phone.goto("/login")
    page = phone.page
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(h1(phone)).to_have_text("Wachtwoord vergeten?")
    phone.check("forgot-password")
    page.get_by_label("E-mailadres", exact=True).fill("mentor@x.example")
    page.get_by_role("button", name="Stuur me een link").click()
    expect(h1(phone)).to_have_text("Inloggen")
    expect(page.get_by_role("status")).to_contain_text("Kijk in je mailbox")
    phone.check("forgot-password-sent")


def test_language_button_switches_to_english_and_login_keeps_it(phone):
    phone.goto("/login")
    page = phone.page
    page.get_by_role("button", name="EN", exact=True).click()
    expect(h1(phone)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="EN", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    phone.check("login-en")

    page.get_by_label("E-mail address", exact=True).fill("mentor@x.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    phone.role = "mentor_x"
    expect(h1(phone)).to_have_text("Placements")
    expect(page.get_by_text("Hello Mentor X.")).to_be_visible()
    phone.check("home-en")
    open_placement(phone)
    expect(section(phone, "The trio")).to_contain_text("Mentor X")
    phone.check("placement-en")

    page.get_by_role("button", name="NL", exact=True).click()
    expect(page.get_by_role("heading", name="Het trio")).to_be_visible()


def test_unknown_address_shows_a_friendly_404(phone):
    phone.goto("/no-such-page", status=404)
    expect(h1(phone)).to_have_text("Pagina niet gevonden")
    expect(phone.page.get_by_role("link", name="Naar de startpagina")).to_be_visible()
    phone.check("404")


# -- the trio and the company -----------------------------------------------------------


def test_student_sees_own_placement_with_mentor_and_coach(phone, world):
    phone.log_in("student_a", "student@a.example")
    page = phone.page
    expect(h1(phone)).to_have_text("Trajecten")
    expect(page.get_by_text("Hallo Student A.")).to_be_visible()
    expect(phone.nav_link("Beheer")).to_have_count(0)
    expect(page.get_by_role("link", name="Nieuw traject")).to_have_count(0)
    phone.check("home")

    open_placement(phone)
    trio = section(phone, "Het trio")
    for person in ("Student A", "Mentor X", "Coach A"):
        expect(trio).to_contain_text(person)
    expect(page.get_by_role("link", name="Traject bewerken")).to_have_count(0)
    phone.check("placement")

    phone.goto(f"/placements/{world.placement_b.id}", status=404)
    expect(h1(phone)).to_have_text("Pagina niet gevonden")
    phone.check("placement-of-another-school")


def test_mentor_sees_the_student_but_no_administration(phone, world):
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    expect(page.get_by_text("Hallo Mentor X.")).to_be_visible()
    expect(phone.nav_link("Trajecten")).to_have_attribute("aria-current", "page")
    expect(phone.nav_link("Beheer")).to_have_count(0)
    phone.check("home")

    open_placement(phone)
    details = section(phone, "Het traject")
    expect(details).to_contain_text("Company X, Deinze")
    expect(details).to_contain_text("School A")
    expect(details).to_contain_text(str(world.placement_a.start_date.year))
    phone.check("placement")

    phone.goto("/admin/", status=403)
    expect(h1(phone)).to_have_text("Niet toegestaan")
    phone.check("admin-refused")

    page.get_by_role("button", name="Uitloggen").click()
    expect(h1(phone)).to_have_text("Inloggen")
    expect(page.get_by_role("status")).to_have_text("Je bent uitgelogd.")
    phone.check("logged-out")


def test_coach_sees_the_placement_and_own_account(phone):
    phone.log_in("coach_a", "coach@a.example")
    page = phone.page
    expect(page.get_by_text("Hallo Coach A.")).to_be_visible()
    expect(phone.nav_link("Beheer")).to_have_count(0)
    phone.check("home")

    open_placement(phone)
    expect(section(phone, "Het trio")).to_contain_text("Mentor X")
    expect(page.get_by_role("link", name="Traject bewerken")).to_have_count(0)
    phone.check("placement")

    phone.nav_link("Mijn account").click()
    expect(h1(phone)).to_have_text("Mijn account")
    expect(page.get_by_text("coach@a.example")).to_be_visible()
    phone.check("account")


def test_company_coordinator_sees_who_works_at_the_company(phone):
    phone.log_in("company_coordinator_x", "hr@x.example")
    page = phone.page
    expect(page.get_by_text("Hallo HR X.")).to_be_visible()
    expect(page.locator(".card")).to_contain_text("Company X")
    expect(phone.nav_link("Beheer")).to_have_count(0)
    phone.check("home")

    open_placement(phone)
    expect(section(phone, "Het trio")).to_contain_text("Mentor X")
    expect(page.get_by_role("link", name="Traject bewerken")).to_have_count(0)
    phone.check("placement")


# -- administrators ---------------------------------------------------------------------


def open_people(phone) -> None:
    """Through the administration menu to the list of people."""
    phone.nav_link("Beheer").click()
    phone.page.get_by_role("link", name="Personen", exact=True).click()
    expect(h1(phone)).to_have_text("Personen")


def open_person(phone, name: str) -> None:
    """From the list of people, tap a person's card and land on their page."""
    phone.page.get_by_role("link", name=name, exact=True).click()
    expect(h1(phone)).to_have_text(name)


def email_field(phone):
    return phone.page.get_by_role("textbox", name="E-mailadres", exact=True)


def walk_administration(phone, *, organisations: tuple[str, ...]) -> None:
    """Visit every administration page a coordinator uses, by tapping through them."""
    page = phone.page
    phone.nav_link("Beheer").click()
    expect(h1(phone)).to_have_text("Beheer")
    expect(phone.nav_link("Beheer")).to_have_attribute("aria-current", "page")
    phone.check("admin")

    page.get_by_role("link", name="Organisaties").click()
    expect(h1(phone)).to_have_text("Organisaties")
    for name in organisations:
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Bedrijf toevoegen")).to_be_visible()
    phone.check("organisations")

    page.get_by_role("link", name="Company X", exact=True).click()
    expect(h1(phone)).to_have_text("Company X")
    expect(section(phone, "Personen")).to_contain_text("Mentor X")
    phone.check("organisation")

    open_people(phone)
    expect(page.get_by_role("heading", name="Student A")).to_be_visible()
    phone.check("people")

    page.get_by_role("link", name="Iemand uitnodigen").click()
    expect(h1(phone)).to_have_text("Iemand uitnodigen")
    expect(page.get_by_role("button", name="Uitnodiging versturen")).to_be_visible()
    phone.check("invite")

    phone.nav_link("Trajecten").click()
    page.get_by_role("link", name="Nieuw traject").click()
    expect(h1(phone)).to_have_text("Nieuw traject")
    phone.check("new-placement")

    phone.nav_link("Beheer").click()
    page.get_by_role("link", name="Importeren uit een CSV-bestand").click()
    expect(h1(phone)).to_have_text("Leerlingen en trajecten importeren")
    phone.check("import")


def test_coordinator_manages_the_school(phone):
    phone.log_in("coordinator_a", "coordinator@a.example")
    page = phone.page
    expect(page.get_by_text("Hallo Cor A.")).to_be_visible()
    expect(page.get_by_role("link", name="Nieuw traject")).to_be_visible()
    expect(phone.nav_link("Beheer")).to_be_visible()
    phone.check("home")

    open_placement(phone)
    expect(page.get_by_role("link", name="Traject bewerken")).to_be_visible()
    phone.check("placement")

    walk_administration(phone, organisations=("School A", "Company X"))
    expect(page.get_by_text("Company Y")).to_have_count(0)

    # The school's own student: the coordinator may correct the address.
    open_people(phone)
    open_person(phone, "Student A")
    expect(email_field(phone)).to_have_value("student@a.example")
    expect(email_field(phone)).to_be_editable()
    expect(page.get_by_label("Kan inloggen")).to_have_count(0)
    roles = section(phone, "Rollen")
    expect(roles).to_contain_text("School A")
    expect(roles.get_by_role("button", name="Deze rol weghalen")).to_be_visible()
    phone.check("person-student")

    # A company's mentor: the address is the mentor's account, shown but not editable.
    page.get_by_role("link", name="Personen").click()
    open_person(phone, "Mentor X")
    expect(section(phone, "Gegevens")).to_contain_text("mentor@x.example")
    expect(email_field(phone)).to_have_count(0)
    expect(section(phone, "Rollen")).to_contain_text("Company X")
    phone.check("person-mentor")


def test_coordinator_invites_a_mentor_and_sends_the_invitation_again(phone, outbox):
    phone.log_in("coordinator_a", "coordinator@a.example")
    page = phone.page
    phone.nav_link("Beheer").click()
    page.get_by_role("link", name="Mentor, coach of leerling uitnodigen").click()
    page.get_by_label("Naam", exact=True).fill("Mira Mentor")
    page.get_by_label("E-mailadres", exact=True).fill("mira@x.example")
    page.get_by_label("Organisatie", exact=True).select_option(label="Company X (Bedrijf)")
    page.get_by_label("Rol", exact=True).select_option(label="Mentor")
    page.get_by_role("button", name="Uitnodiging versturen").click()

    expect(h1(phone)).to_have_text("Personen")
    expect(page.get_by_role("status")).to_have_text(
        "Er is een uitnodiging onderweg naar mira@x.example."
    )
    card = page.locator(".card", has=page.get_by_role("heading", name="Mira Mentor"))
    expect(card).to_contain_text("Uitnodiging nog niet aanvaard")
    phone.check("invitation-sent")

    # The button sits inside a card whose whole surface is a link: it must still be tappable.
    card.get_by_role("button", name="Uitnodiging opnieuw versturen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Er is een uitnodiging onderweg naar mira@x.example."
    )
    assert [message["To"] for message in outbox.messages] == ["mira@x.example"] * 2

    open_person(phone, "Mira Mentor")
    expect(page.get_by_text("Uitnodiging nog niet aanvaard")).to_be_visible()
    expect(page.get_by_role("button", name="Uitnodiging opnieuw versturen")).to_be_visible()
    phone.check("person-invited")


def test_admin_manages_every_organisation(phone):
    phone.log_in("admin", "admin@example.org")
    page = phone.page
    expect(page.get_by_role("link", name="Nieuw traject")).to_be_visible()
    for student, workplace in (
        ("Student A", "Company X"),
        ("Student A", "Taller Valencia"),
        ("Student B", "Company Y"),
    ):
        expect(placement_link(phone, student, workplace)).to_be_visible()
    phone.check("home")

    open_placement(phone, "Student B", "Company Y")
    expect(section(phone, "Het trio")).to_contain_text("Mentor Y")
    expect(page.get_by_role("link", name="Traject bewerken")).to_be_visible()
    phone.check("placement")

    walk_administration(phone, organisations=("School A", "School B", "Company X", "Company Y"))

    open_people(phone)
    open_person(phone, "Mentor Y")
    expect(email_field(phone)).to_be_editable()
    expect(page.get_by_label("Kan inloggen")).to_be_checked()
    expect(section(phone, "Rollen")).to_contain_text("Company Y")
    phone.check("person")

    phone.nav_link("Beheer").click()
    page.get_by_role("link", name="Organisaties").click()
    page.get_by_role("link", name="Bedrijf toevoegen").click()
    expect(h1(phone)).to_have_text("Organisatie toevoegen")
    partner = page.get_by_label("Werkt samen met school")
    for school in ("Nog geen", "School A", "School B"):
        expect(partner.get_by_role("option", name=school)).to_be_attached()
    phone.check("new-organisation")


def test_a_page_wider_than_the_phone_fails_the_check(phone):
    """The checks themselves: a page wider than the phone must not pass unnoticed."""
    phone.goto("/login")
    phone.page.evaluate("document.querySelector('h1').style.width = '800px'")
    with pytest.raises(AssertionError, match=re.escape("scrolls sideways")):
        phone.check("deliberately-too-wide")
