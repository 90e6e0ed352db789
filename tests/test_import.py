"""CSV import of students and placements: preview every problem, then all or nothing."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from app.admin import imports
from app.extensions import db
from app.models import (
    Membership,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    Partnership,
    PendingImport,
    Placement,
    Role,
    User,
)
from app.privacy.retention import purge

HEADER = "student_email;student_name;kind;start_date;end_date;workplace;mentor_email;coach_email"


def _file(text: str, *, encoding: str = "utf-8", name: str = "students.csv"):
    return (io.BytesIO(text.encode(encoding)), name)


def _upload(browser, world, text: str, **kwargs):
    """Upload a file and follow to its preview (or the upload form again, with the reason)."""
    return browser.post(
        "/admin/import",
        {"school": world.school_a.id, "file": _file(text, **kwargs)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _preview_path(page: str) -> str:
    action = re.search(r'<form method="post" action="(/admin/import/\d+)"', page)
    assert action, "no confirmation form on the preview"
    return action.group(1)


def _confirm(browser, page: str, invite: bool = True):
    data = {"invite": "y"} if invite else {}
    return browser.post(_preview_path(page), data)


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Placement.id))),
        )


GOOD = "\n".join(
    [
        HEADER,
        "an.peeters@a.example;An Peeters;dual_learning;2027-09-01;2028-06-30;Company X;"
        "mentor@x.example;coach@a.example",
        "bram@a.example;Bram De Vos;stage;01/02/2027;31-03-2027;company x;"
        "MENTOR@x.example;coach@a.example",
        "chloe@a.example;Chloé Martens;;;;;;",
        "",
    ]
)


def test_a_clean_file_is_previewed_then_imported_with_invitations(app, world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    preview = _upload(coordinator, world, "\ufeff" + GOOD)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "An Peeters" in page
    assert "Chloé Martens" in page
    assert "3 nieuwe leerlingen" in page
    assert "2 trajecten" in page
    assert _counts(app) == before  # nothing saved by the preview

    response = _confirm(coordinator, page)
    assert response.status_code == 303
    users, placements = _counts(app)
    assert (users, placements) == (before[0] + 3, before[1] + 2)
    with app.app_context():
        an = db.session.scalar(select(User).where(User.email == "an.peeters@a.example"))
        assert an.organisation_ids(Role.STUDENT) == {world.school_a.id}
        placement = db.session.scalar(select(Placement).where(Placement.student_id == an.id))
        assert placement.workplace_id == world.company_x.id
        assert placement.mentor_id == world.mentor_x.id
    assert sorted(m["To"] for m in outbox.messages) == [
        "an.peeters@a.example",
        "bram@a.example",
        "chloe@a.example",
    ]
    assert "3 nieuwe leerlingen" in coordinator.get("/").get_data(as_text=True)


def test_comma_separated_files_are_read_too(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    placements = _counts(app)[1]
    text = GOOD.replace(";", ",")
    page = _upload(coordinator, world, text).get_data(as_text=True)
    assert "Nu importeren" in page
    assert _confirm(coordinator, page, invite=False).status_code == 303
    assert _counts(app)[1] == placements + 2


def test_a_file_saved_as_utf16_without_its_mark_is_refused_with_a_reason(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    ascii_only = GOOD.replace("Chloé", "Chloe")  # é would not even read as UTF-8
    response = _upload(coordinator, world, ascii_only, encoding="utf-16-le")
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the upload form again, with the reason
    assert "NUL" in page
    assert "CSV UTF-8" in page
    assert "Nu importeren" not in page
    assert _counts(app) == before


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_imported(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    text = "\n".join(
        [
            HEADER,
            "good@a.example;Good One;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
            "not-an-email;Bad Mail;;;;;;",
            "late@a.example;Late;internship;2027-05-01;2027-04-01;Company X;"
            "mentor@x.example;coach@a.example",
            "who@a.example;Who;internship;2027-02-01;2027-03-01;Nowhere Inc;"
            "mentor@x.example;coach@a.example",
            "wrongmentor@a.example;Wrong Mentor;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@y.example;coach@a.example",
            "wrongcoach@a.example;Wrong Coach;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@b.example",
            "kind@a.example;Kind;holiday;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
            "date@a.example;Date;internship;next monday;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
            "half@a.example;Half;internship;;;;;",
            "good@a.example;Good One;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
            f"{world.student_b.email};Student B;;;;;;",
            "noname@a.example;;;;;;;",
            "=1+1@a.example;Formula;;;;;;",
        ]
    )
    response = _upload(coordinator, world, text)
    page = response.get_data(as_text=True)
    rows = dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page))
    assert set(rows) == {"3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"}
    assert "not-an-email" in rows["3"]
    assert "einddatum" in rows["4"]
    assert "Nowhere Inc" in rows["5"]
    assert "mentor@y.example" in rows["6"]
    assert "coach@b.example" in rows["7"]
    assert "holiday" in rows["8"]
    assert "next monday" in rows["9"]
    assert "start_date" in rows["10"]
    assert "regel 2" in rows["11"]
    assert world.student_b.email in rows["12"]
    assert "student_name" in rows["13"]
    assert "=1+1@a.example" in rows["14"]
    assert "Nu importeren" not in page
    assert _counts(app) == before


def test_a_file_is_checked_again_when_it_is_imported(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    page = _upload(coordinator, world, GOOD).get_data(as_text=True)
    with app.app_context():  # between preview and import, the mentor leaves Company X
        db.session.execute(
            delete(Membership).where(
                Membership.user_id == world.mentor_x.id, Membership.role == Role.MENTOR
            )
        )
        db.session.commit()
    before = _counts(app)
    response = _confirm(coordinator, page)
    assert response.status_code == 200
    assert "Er is niets geïmporteerd" in response.get_data(as_text=True)
    assert _counts(app) == before


def test_a_file_that_is_not_utf8_is_refused_with_advice(app, world, login_as):
    response = _upload(
        login_as(world.coordinator_a), world, GOOD.replace("é", "é"), encoding="cp1252"
    )
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page
    assert "UTF-8" in page


def test_missing_columns_are_named(world, login_as):
    response = _upload(login_as(world.coordinator_a), world, "email;name\nx@a.example;X\n")
    page = response.get_data(as_text=True)
    assert "student_email" in page
    assert "coach_email" in page


def test_an_empty_file_says_so(world, login_as):
    page = _upload(login_as(world.coordinator_a), world, "").get_data(as_text=True)
    assert "leeg" in page


@pytest.mark.parametrize("text", ["", "\n\n", " \n\t\n"])
def test_an_empty_file_is_named_on_its_first_line(world, login_as, in_english, text):
    assert _problems(login_as(world.coordinator_a), world, text) == {"1": "The file is empty."}


def test_the_templates_example_starts_in_the_coming_school_year():
    """Until the end of August the coming school year starts this September; from the
    first of September on, the next one.
    """
    year = date.today().year
    for today, start in (
        (date(year, 8, 31), date(year, 9, 1)),
        (date(year, 9, 1), date(year + 1, 9, 1)),
        (date(year, 12, 31), date(year + 1, 9, 1)),
    ):
        header, example = imports.template_rows(False, today)
        row = dict(zip(header, example, strict=True))
        assert (row["start_date"], row["end_date"]) == (
            start.isoformat(),
            date(start.year + 1, 6, 30).isoformat(),
        ), today


def test_a_placement_imported_twice_is_refused_the_second_time(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    page = _upload(coordinator, world, GOOD).get_data(as_text=True)
    _confirm(coordinator, page, invite=False)
    again = _upload(coordinator, world, GOOD).get_data(as_text=True)
    assert "bestaat al" in again
    assert "Nu importeren" not in again


def test_a_file_other_than_csv_is_refused(world, login_as):
    response = _upload(login_as(world.coordinator_a), world, GOOD, name="students.xlsx")
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_coordinator_cannot_import_into_another_school(app, world, login_as):
    response = login_as(world.coordinator_b).post(
        "/admin/import",
        {"school": world.school_a.id, "file": _file(GOOD)},
        content_type="multipart/form-data",
    )
    assert 'id="school-error"' in response.get_data(as_text=True)


def test_very_large_files_must_be_split(world, login_as):
    rows = [f"s{n}@a.example;S {n};;;;;;" for n in range(2001)]
    page = _upload(login_as(world.coordinator_a), world, HEADER + "\n" + "\n".join(rows))
    text = page.get_data(as_text=True)
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", text)
    assert problems == [("2002", "Splits het bestand: maximaal 2000 rijen per keer.")]
    assert "Nu importeren" not in text


def test_two_thousand_rows_are_accepted(world, login_as):
    rows = [f"s{n}@a.example;S {n};;;;;;" for n in range(2000)]
    page = _upload(login_as(world.coordinator_a), world, HEADER + "\n" + "\n".join(rows))
    assert "Nu importeren" in page.get_data(as_text=True)


# -- accounts that exist already: the rule the invitation form applies too ---------------


def _problems(browser, world, text: str) -> dict[str, str]:
    page = _upload(browser, world, text).get_data(as_text=True)
    return dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page))


@pytest.mark.parametrize(
    ("person", "outside"),
    [
        ("student_b", True),
        ("coach_b", True),
        ("coordinator_b", True),
        ("mentor_y", True),
        ("company_coordinator_x", True),
        ("admin", True),
        ("outsider", True),
        ("coach_a", False),
        ("mentor_x", False),
    ],
)
def test_an_existing_account_is_imported_only_as_the_invitation_form_would_attach_it(
    app, world, login_as, in_english, person, outside
):
    coordinator = login_as(world.coordinator_a)
    address = world.user(person).email
    rows = _problems(coordinator, world, f"{HEADER}\n{address};Someone;;;;;;\n")
    assert address in rows["2"]
    # The same words whether the account is of another organisation or of this school:
    # the preview tells no coordinator where an address belongs.
    assert rows["2"] == (
        f"{address} already has an account with another role. Invite them as a student "
        "under People; once they are a student of your school, import their placements."
    )
    # The invitation form: a pending invitation exactly for those the import sends there.
    coordinator.post(
        "/admin/people/invite",
        {
            "name": "Someone",
            "email": address,
            "organisation": world.school_a.id,
            "role": "student",
        },
    )
    with app.app_context():
        pending = db.session.scalar(
            select(func.count(MembershipInvitation.id)).where(
                MembershipInvitation.user_id == world.user(person).id
            )
        )
    assert pending == int(outside)


def test_a_student_who_accepted_the_invitation_is_imported(app, world, login_as):
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.student_b.id, organisation_id=world.school_a.id, role=Role.STUDENT
            )
        )
        db.session.commit()
    coordinator = login_as(world.coordinator_a)
    text = (
        f"{HEADER}\n{world.student_b.email};Student B;internship;2027-02-01;2027-03-01;"
        "Company X;mentor@x.example;coach@a.example\n"
    )
    page = _upload(coordinator, world, text).get_data(as_text=True)
    assert _confirm(coordinator, page, invite=False).status_code == 303
    with app.app_context():
        assert db.session.scalar(
            select(Placement.id).where(
                Placement.student_id == world.student_b.id,
                Placement.school_id == world.school_a.id,
            )
        )


# -- a template, Dutch headers and values, post/redirect/get ---------------------------

DUTCH = "\n".join(
    [
        "E-mail leerling;Naam leerling;Soort;Startdatum;Einddatum;Werkplek;E-mail mentor;"
        "E-mail coach;Opleiding;Cohort",
        "an.peeters@a.example;An Peeters;duaal;01/09/2027;30/06/2028;Company X;"
        "mentor@x.example;coach@a.example;Elektrotechniek;2027-2028",
        "bram@a.example;Bram De Vos;buitenland;01/02/2027;31/03/2027;Company X;"
        "mentor@x.example;coach@a.example;;",
        "",
    ]
)


def test_the_template_downloads_with_dutch_headers_and_an_example_row(app, world, login_as):
    response = login_as(world.coordinator_a).get("/admin/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, example, *rest = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert header.split(";") == [
        "email_leerling",
        "naam_leerling",
        "soort",
        "startdatum",
        "einddatum",
        "werkplek",
        "email_mentor",
        "email_coach",
        "opleiding",
        "cohort",
    ]
    assert example.split(";")[2] == "duaal"
    assert rest == []


def test_the_template_is_in_english_for_an_english_interface(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    coordinator.post("/language", {"locale": "en"})
    text = coordinator.get("/admin/import/template.csv").get_data(as_text=True)
    header, example = text.lstrip("\ufeff").splitlines()
    assert header.startswith("student_email;student_name;kind;start_date;end_date;")
    assert example.split(";")[2] == "dual_learning"


def test_the_template_read_back_names_only_its_example_workplace(app, world, login_as):
    """The template is a file the import reads: its one complaint is the made-up company."""
    coordinator = login_as(world.coordinator_a)
    template = coordinator.get("/admin/import/template.csv").get_data()
    response = coordinator.post(
        "/admin/import",
        {"school": world.school_a.id, "file": (io.BytesIO(template), "template.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    problems = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", response.get_data(as_text=True)
    )
    assert [line for line, _ in problems] == ["2", "2"]  # the company, so not its mentor

    assert "Elektro Verbeke" in problems[0][1]


def test_dutch_headers_and_values_are_imported(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    page = _upload(coordinator, world, DUTCH).get_data(as_text=True)
    assert "2 nieuwe leerlingen" in page
    assert _confirm(coordinator, page, invite=False).status_code == 303
    assert _counts(app) == (before[0] + 2, before[1] + 2)
    with app.app_context():
        kinds = db.session.execute(
            select(User.email, Placement.kind, Placement.programme)
            .join(Placement, Placement.student_id == User.id)
            .where(User.email.in_(["an.peeters@a.example", "bram@a.example"]))
            .order_by(User.email)
        ).all()
    assert [(email, kind.value, programme) for email, kind, programme in kinds] == [
        ("an.peeters@a.example", "dual_learning", "Elektrotechniek"),
        ("bram@a.example", "mobility_abroad", ""),
    ]
    with app.app_context():
        statuses = db.session.execute(
            select(User.email, Placement.status)
            .join(Placement, Placement.student_id == User.id)
            .where(User.email.in_(["an.peeters@a.example", "bram@a.example"]))
            .order_by(User.email)
        ).all()
    # A stay abroad waits in preparation for its mobility file.
    assert [status.value for _email, status in statuses] == ["active", "preparing"]


def test_a_problem_names_the_column_as_the_file_does(world, login_as):
    text = DUTCH.replace("duaal;", "vakantiejob;", 1)
    text = text.replace(";31/03/2027;", ";;", 1)
    page = _upload(login_as(world.coordinator_a), world, text).get_data(as_text=True)
    assert "Einddatum is leeg" in page
    assert "duaal" in page  # the kinds the file may use, in Dutch too


def test_the_page_shows_the_dutch_headers_and_kind_codes(world, login_as):
    page = login_as(world.coordinator_a).get("/admin/import").get_data(as_text=True)
    assert "<code>email_leerling</code>" in page
    assert "<code>buitenland</code>" in page
    assert "<code>student_email</code>" in page  # the English code still works
    assert 'href="/admin/import/template.csv"' in page


def test_invitations_are_ticked_on_the_preview(world, login_as, outbox):
    coordinator = login_as(world.coordinator_a)
    page = _upload(coordinator, world, GOOD).get_data(as_text=True)
    checkbox = re.search(r"<input[^>]*name=\"invite\"[^>]*>", page).group(0)
    assert "checked" in checkbox


def test_the_preview_is_a_page_of_its_own_and_back_after_the_import_says_it_is_done(
    app, world, login_as, outbox
):
    coordinator = login_as(world.coordinator_a)
    upload = coordinator.post(
        "/admin/import",
        {"school": world.school_a.id, "file": _file(GOOD)},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303  # the browser's history holds a GET, not the upload
    preview_path = upload.headers["Location"]
    page = coordinator.get(preview_path).get_data(as_text=True)
    assert "Nu importeren" in page
    assert _confirm(coordinator, page).status_code == 303
    after = _counts(app)
    mails = len(outbox.messages)
    with app.app_context():  # the names and addresses are in Leerspoor now, not kept twice
        assert db.session.scalar(select(PendingImport.content)) == ""

    back = coordinator.get(preview_path)  # Back: the page again, by GET
    assert back.status_code == 200
    assert "Nu importeren" not in back.get_data(as_text=True)
    again = coordinator.post(preview_path, {"invite": "y"})  # a second click
    assert again.status_code in (200, 303)
    assert _counts(app) == after
    assert len(outbox.messages) == mails


def test_nobody_else_opens_an_uploaded_file(app, world, login_as):
    page = _upload(login_as(world.coordinator_a), world, GOOD).get_data(as_text=True)
    path = _preview_path(page)
    before = _counts(app)
    for other in (world.coordinator_b, world.admin):
        browser = login_as(other)
        assert browser.get(path).status_code == 404
        assert browser.post(path, {"invite": "y"}).status_code == 404
    assert _counts(app) == before


def test_an_error_brings_the_page_back_to_the_form(world, login_as):
    response = _upload(login_as(world.coordinator_a), world, GOOD, name="students.xlsx")
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert re.search(
        r"<input[^>]*autofocus[^>]*id=\"file\"|<input[^>]*id=\"file\"[^>]*autofocus", page
    )


def test_an_uploaded_file_goes_a_day_after_its_upload(app, world, login_as):
    page = _upload(login_as(world.coordinator_a), world, GOOD).get_data(as_text=True)
    assert _preview_path(page)
    with app.app_context():
        uploaded = db.session.scalar(select(PendingImport.created_at))
        assert purge(uploaded + timedelta(hours=23)).get("pending_import", 0) == 0
        assert purge(uploaded + timedelta(hours=25))["pending_import"] == 1
        assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_a_column_named_in_english_and_in_dutch_is_refused_with_both_names(world, login_as):
    text = (
        "student_email;E-mail leerling;"
        + HEADER.split(";", 1)[1]
        + "\nx@a.example;x@a.example;X;;;;;;;\n"
    )
    page = _upload(login_as(world.coordinator_a), world, text).get_data(as_text=True)
    assert "student_email = E-mail leerling" in page
    assert "Nu importeren" not in page


def test_an_address_repeated_with_another_name_is_refused_naming_both_rows(
    app, world, login_as, in_english
):
    """Two rows with one address and two names are two people typed as one, or one
    person typed twice: the file says which, so nothing is imported until it is fixed.
    """
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    text = "\n".join(
        [
            HEADER,
            "sam@a.example;Sam Janssens;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
            "sam@a.example;Samira Janssens;internship;2027-04-01;2027-05-01;Company X;"
            "mentor@x.example;coach@a.example",
        ]
    )
    page = _upload(coordinator, world, text).get_data(as_text=True)
    rows = dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page))
    assert rows == {"3": "sam@a.example has another name than on line 2."}
    assert "Import now" not in page
    assert _counts(app) == before


def test_a_workplace_name_two_partners_share_is_refused_until_one_is_renamed(
    app, world, login_as, in_english
):
    with app.app_context():
        twin = Organisation(name="company x", kind=OrganisationKind.COMPANY, city="Aalst")
        db.session.add(twin)
        db.session.flush()
        db.session.add(Partnership(school_id=world.school_a.id, workplace_id=twin.id))
        db.session.commit()
    coordinator = login_as(world.coordinator_a)
    before = _counts(app)
    text = "\n".join(
        [
            HEADER,
            "lena@a.example;Lena Claes;internship;2027-02-01;2027-03-01;Company X;"
            "mentor@x.example;coach@a.example",
        ]
    )
    page = _upload(coordinator, world, text).get_data(as_text=True)
    problems = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page)
    assert ("2", "Several workplaces are called Company X; rename one first.") in problems
    assert "Import now" not in page
    assert _counts(app) == before
