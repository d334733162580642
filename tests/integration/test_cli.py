"""The command-line tasks."""

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from webapp.extensions import db
from webapp.models import Block, Report, Revision, User


def _counts(app):
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (User, Report, Block, Revision)
        )
        db.session.remove()
        return counts


def test_seed_demo_is_idempotent_and_gives_the_documented_ids(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "Demodata skapades." in first.output
    counts = _counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert "Demodata fanns redan" in second.output
    assert _counts(app) == counts
    with app.app_context():
        titles = dict(db.session.execute(select(Report.id, Report.title)).all())
    assert titles[1].endswith("2021-11-01 – 2022-04-30") and titles[2].endswith("2022-11-01 – 2023-04-30")


def test_seed_demo_prints_passwords_only_in_demo_mode(app):
    runner = app.test_cli_runner()
    assert "demo-iop-2026" not in runner.invoke(args=["seed-demo"]).output
    app.config["DEMO_MODE"] = True
    try:
        output = runner.invoke(args=["seed-demo"]).output
    finally:
        app.config["DEMO_MODE"] = False
    assert "demo-iop-2026" in output and "skribent.crossroads@demo.iop" in output


def test_create_user_then_sign_in(app, client, demo):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "ny@exempel.se",
            "--name",
            "Ny Person",
            "--role",
            "writer",
            "--unit",
            "crossroads",
            "--password",
            "ett-långt-lösenord",
        ]
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, "ny@exempel.se", "ett-långt-lösenord").status_code == 302


def test_create_user_refuses_unknown_unit_and_short_password(app, demo):
    runner = app.test_cli_runner()
    before = _counts(app)
    unknown = runner.invoke(
        args=["create-user", "--email", "a@b.se", "--name", "A", "--unit", "ingen", "--password", "ett-långt-lösenord"]
    )
    short = runner.invoke(args=["create-user", "--email", "a@b.se", "--name", "A", "--password", "kort"])
    assert unknown.exit_code != 0 and "Okänd verksamhet: ingen" in unknown.output
    assert short.exit_code != 0 and "minst 10 tecken" in short.output
    assert _counts(app) == before


def test_render_pdf_writes_the_report(app, demo, tmp_path):
    from pypdf import PdfReader

    outfile = tmp_path / "rapport.pdf"
    result = app.test_cli_runner().invoke(args=["render-pdf", "2", str(outfile)])
    assert result.exit_code == 0, result.output
    text = " ".join(PdfReader(outfile).pages[0].extract_text().split())
    assert "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30" in text and "Sida 1 (" in text


def test_render_pdf_of_an_unknown_report_is_a_clear_error(app, demo, tmp_path):
    result = app.test_cli_runner().invoke(args=["render-pdf", "99", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "Rapport 99 finns inte." in result.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        ("ny\x00@exempel.se", "Ny", "giltig e-postadress"),
        ("inte-en-adress", "Ny", "giltig e-postadress"),
        ("ny@exempel.se", "N\x00y", "inte kan sparas"),
        ("ny@exempel.se", "   ", "Fyll i ett namn"),
    ],
)
def test_create_user_refuses_what_the_invitation_form_refuses(app, demo, email, name, message):
    """No request guard runs in the CLI: a NUL must not reach PostgreSQL."""
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(User))
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", email, "--name", name, "--password", "ett-långt-lösenord"]
    )
    assert result.exit_code == 2 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == before
