"""`leerspoor privacy …`: the access export from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.auth.services import find_user_by_email
from app.models.columns import utcnow
from app.privacy.erasure import erase_person
from app.privacy.services import export_person


@click.group("privacy")
def privacy_group() -> None:
    """Answer privacy requests: export or erase what is held about a person."""


@privacy_group.command("export")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The ZIP file to write.",
)
@with_appcontext
def export_command(email: str, output: Path) -> None:
    """Write everything held about one person into a ZIP file (audited)."""
    person = find_user_by_email(email)
    if person is None:
        raise click.ClickException(f"No account has the e-mail address {email}.")
    if output.exists():
        raise click.ClickException(f"{output} exists already; name a new file.")
    archive = export_person(None, person, utcnow())
    output.write_bytes(archive)
    click.echo(f"Wrote everything held about {person.name} to {output} ({len(archive)} bytes).")


@privacy_group.command("erase")
@click.option("--email", required=True, help="The person's e-mail address.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(email: str, yes: bool) -> None:
    """Erase one person as the privacy registry says (audited; cannot be undone)."""
    person = find_user_by_email(email)
    if person is None:
        raise click.ClickException(f"No account has the e-mail address {email}.")
    if not yes:
        click.confirm(
            f"Erase {person.name} <{person.email}>? Their own writing, files and progress "
            "are deleted and their account anonymised; this cannot be undone.",
            abort=True,
        )
    name = person.name
    report = erase_person(None, person, utcnow())
    click.echo(
        f"Erased {name}: {sum(report.deleted.values())} rows and {report.files} files "
        f"deleted, their name removed from {sum(report.cleaned.values())} texts by others; "
        f"the account is now #{report.person_id}."
    )
    with force_locale("en"):
        for category, count in report.kept_by_category.items():
            click.echo(
                f"Kept as the school's record: {count} rows of {category.key} "
                f"({category.retention.label})"
            )
