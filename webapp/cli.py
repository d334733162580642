"""Command-line tasks: the demo, users, rendering a report to PDF, backup and restore."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Role, Unit


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(render_pdf_command)
    app.cli.add_command(notify_deadlines_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo organisations, units, users and reports (idempotent)."""
    from webapp.services.demo import seed_demo

    result = seed_demo()
    db.session.commit()
    click.echo("Demodata skapades." if result.created else "Demodata fanns redan; inget ändrades.")
    if current_app.config["DEMO_MODE"]:
        click.echo(f"\nDemoinloggningar (lösenord för alla: {result.password}):")
        for email, name, roles in result.users:
            click.echo(f"  {email:<44} {name:<24} {roles}")
    else:
        click.echo("Lösenorden visas bara i demoläge (IOP_DEMO=1).")


@click.command("create-user")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    default=["writer"],
    show_default=True,
    help="Repeat for several roles.",
)
@click.option("--unit", "unit_keys", multiple=True, help="Unit key, e.g. crossroads. Repeatable.")
@click.password_option()
def create_user_command(
    email: str, name: str, roles: tuple[str, ...], unit_keys: tuple[str, ...], password: str
) -> None:
    """Create a user who can sign in."""
    from webapp.input_errors import InputRefused
    from webapp.services.accounts import clean_name, create_user, people

    units = list(db.session.scalars(select(Unit).where(Unit.key.in_(unit_keys)))) if unit_keys else []
    missing = set(unit_keys) - {u.key for u in units}
    if missing:
        raise click.UsageError(f"Okänd verksamhet: {', '.join(sorted(missing))}")
    try:
        # The same checks as the admin's invitation form: no request guard runs here.
        email, name = people.clean_email(email), clean_name(name)
        user = create_user(email, name, password, [Role(r) for r in roles], units)
    except InputRefused as refused:
        raise click.UsageError(str(refused.message) % refused.params) from refused
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Användaren {user.email} skapades.")


@click.command("render-pdf")
@with_appcontext
@click.argument("report_id", type=int)
@click.argument("outfile", type=click.Path(dir_okay=False, path_type=Path))
def render_pdf_command(report_id: int, outfile: Path) -> None:
    """Render a report as a draft PDF to OUTFILE."""
    from webapp.document import render_document_html, render_pdf
    from webapp.services.reports.documents import build_document

    with current_app.test_request_context():
        document = build_document(report_id, draft=True)
        if document is None:
            raise click.UsageError(f"Rapport {report_id} finns inte.")
        outfile.write_bytes(render_pdf(render_document_html(document, for_print=True)))
    click.echo(f"Skrev {outfile} ({outfile.stat().st_size} byte).")


@click.command("notify-deadlines")
@with_appcontext
@click.option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(min=0),
    help="Remind about deadlines within this many days.",
)
def notify_deadlines_command(days: int) -> None:
    """Remind writers of unsubmitted blocks whose report deadline is near (once per block and day)."""
    from datetime import date

    from webapp.services.notifications import deadline_reminders

    rows = deadline_reminders(date.today(), days=days)
    db.session.commit()  # the worker e-mails them (webapp.tasks); it also runs this every morning
    click.echo(f"{len(rows)} påminnelser skapades; e-posten skickas av bakgrundsarbetaren.")
    _warn_about_relative_links()


def _warn_about_relative_links() -> None:
    """Mail made outside a request can only link to the site if the config names its address."""
    from webapp.services import mail

    if mail.mail_enabled() and mail.site_address() is None:
        click.echo(
            "Obs: SERVER_NAME är inte satt, så länkarna i e-posten blir relativa och går inte att "
            "öppna. Sätt SERVER_NAME (och PREFERRED_URL_SCHEME=https), se README.",
            err=True,
        )


@click.command("backup")
@with_appcontext
@click.argument("outfile", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(outfile: Path) -> None:
    """Write a consistent backup of the database to OUTFILE while the app runs."""
    from webapp.services.backup import backup_database

    with _refusal_as_usage_error():
        result = backup_database(db.engine, outfile)
    click.echo(f"Skrev säkerhetskopian {result.path} ({result.size} byte, schemarevision {result.revision}).")


@click.command("restore")
@with_appcontext
@click.argument("infile", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(infile: Path) -> None:
    """Restore a backup made by `backup` into the configured database, which must be empty."""
    from alembic.script import ScriptDirectory

    from webapp.services.backup import restore_database

    with _refusal_as_usage_error():
        revision = restore_database(db.engine, infile)
    click.echo(f"Databasen återställdes från {infile} (schemarevision {revision}).")
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    if revision != head:
        click.echo(f"Den här versionen av appen har revision {head}: kör `flask --app wsgi db upgrade`.")


@contextmanager
def _refusal_as_usage_error() -> Iterator[None]:
    from webapp.services.backup import BackupRefused

    try:
        yield
    except BackupRefused as error:
        raise click.ClickException(str(error)) from error
