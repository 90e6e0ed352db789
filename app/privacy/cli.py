"""`leerspoor privacy …`: the access export from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.auth.services import find_user_by_email
from app.privacy.services import export_person


@click.group("privacy")
def privacy_group() -> None:
    """Answer privacy requests: export what is held about a person."""


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
    archive = export_person(None, person, datetime.now(UTC))
    output.write_bytes(archive)
    click.echo(f"Wrote everything held about {person.name} to {output} ({len(archive)} bytes).")
