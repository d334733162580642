"""Links in e-mail behind a proxy and outside requests (issue 15, item 8).

X-Forwarded-* headers count only from as many proxies as the config trusts (ProxyFix, off by
default); links made by the worker or the CLI are absolute on SERVER_NAME, PREFERRED_URL_SCHEME
and APPLICATION_ROOT; and with SERVER_NAME set, a Host header a client makes up never ends up in
an invitation, reset or notification link.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.conftest import DEMO_PASSWORD, PROJECT_ROOT
from tests.integration.account_helpers import ADMIN, user_id
from tests.integration.helpers import OPEN_REPORT_ID
from webapp import _trust_proxies, create_app
from webapp.extensions import db
from webapp.models import Report, Unit

LINK_PATTERN = re.compile(r'id="one-time-link" value="([^"]+)"')
TOKEN_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "iop.example.org", "X-Forwarded-For": "203.0.113.9"}
OPEN_LINK = re.compile(r"Öppna: (\S+)")


@pytest.fixture
def site(app, monkeypatch):
    """The site's configured address: https://iop.example.org."""
    monkeypatch.setitem(app.config, "SERVER_NAME", "iop.example.org")
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    return "https://iop.example.org"


@pytest.fixture
def behind_proxy(app, monkeypatch):
    """The session app as create_app sets it up with one trusted proxy for each header."""
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back afterwards
    for name in ("FOR", "PROTO", "HOST", "PORT", "PREFIX"):
        monkeypatch.setitem(app.config, f"PROXY_FIX_X_{name}", 1)
    _trust_proxies(app)
    return app


def _token(client, path: str, base_url: str = "http://localhost", headers: dict | None = None) -> str:
    page = client.get(path, base_url=base_url, headers=headers).get_data(as_text=True)
    return TOKEN_PATTERN.search(page).group(1)


def _signed_in(app, email: str = ADMIN, base_url: str = "http://localhost", headers: dict | None = None):
    """A client signed in through ``base_url`` (the Host it claims), sending ``headers`` each time."""
    client = app.test_client()
    data = {"email": email, "password": DEMO_PASSWORD, "csrf_token": _token(client, "/login", base_url, headers)}
    assert client.post("/login", data=data, base_url=base_url, headers=headers).status_code == 302
    return client


def _invite(app, client, base_url: str = "http://localhost", headers: dict | None = None) -> str:
    with app.app_context():
        unit = db.session.scalars(select(Unit.id).where(Unit.key == "vastberga-gard")).one()
        db.session.remove()
    data = {"name": "Ny kollega", "email": "ny.kollega@exempel.se", "roles": ["writer"], "units": [unit]}
    data["csrf_token"] = _token(client, "/admin/people/invite", base_url, headers)
    response = client.post("/admin/people/invite", data=data, base_url=base_url, headers=headers)
    assert response.status_code == 200, response.status_code
    return LINK_PATTERN.search(response.get_data(as_text=True)).group(1)


def _mailed_link(messages, link: str) -> str:
    [(recipients, message)] = messages
    assert recipients == ["ny.kollega@exempel.se"]
    body = message.get_content()
    assert link in body
    return body


# --- ProxyFix from the config -----------------------------------------------------------------------


def test_forwarded_headers_count_for_nothing_by_default(app, demo, outbox):
    assert not isinstance(app.wsgi_app, ProxyFix)
    client = _signed_in(app, headers=FORWARDED)
    link = _invite(app, client, headers=FORWARDED)
    assert link.startswith("http://localhost/account/invitation/")
    assert "iop.example.org" not in _mailed_link(outbox, link)


def test_behind_a_trusted_proxy_the_invitation_uses_the_forwarded_scheme_and_host(behind_proxy, demo, outbox):
    app = behind_proxy
    # Over https, Flask-WTF also wants a same-site Referer, as a browser sends it.
    headers = {**FORWARDED, "X-Forwarded-Prefix": "/rapport", "Referer": "https://iop.example.org/rapport/login"}
    client = _signed_in(app, base_url="http://127.0.0.1:8000", headers=headers)
    link = _invite(app, client, base_url="http://127.0.0.1:8000", headers=headers)
    assert link.startswith("https://iop.example.org/rapport/account/invitation/"), link
    body = _mailed_link(outbox, link)
    assert "127.0.0.1" not in body


def test_create_app_trusts_as_many_proxies_as_configured(tmp_path):
    database = f"sqlite:///{tmp_path / 'proxy.sqlite'}"
    hops = {"PROXY_FIX_X_FOR": 2, "PROXY_FIX_X_PROTO": 1, "PROXY_FIX_X_HOST": 1, "PROXY_FIX_X_PREFIX": 1}
    proxied = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database, **hops})
    fix = proxied.wsgi_app
    assert isinstance(fix, ProxyFix)
    assert (fix.x_for, fix.x_proto, fix.x_host, fix.x_port, fix.x_prefix) == (2, 1, 1, 0, 1)
    direct = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database})
    assert not isinstance(direct.wsgi_app, ProxyFix)


def test_the_settings_come_from_the_environment():
    env = {
        **os.environ,
        "PROXY_FIX_X_FOR": "1",
        "PROXY_FIX_X_PROTO": "1",
        "SERVER_NAME": "iop.example.org",
        "PREFERRED_URL_SCHEME": "https",
        "APPLICATION_ROOT": "/rapport",
    }
    code = (
        "from webapp.config import Config as C; "
        "print(C.PROXY_FIX_X_FOR, C.PROXY_FIX_X_PROTO, C.PROXY_FIX_X_HOST, C.SERVER_NAME, "
        "C.PREFERRED_URL_SCHEME, C.APPLICATION_ROOT)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.stdout.split() == ["1", "1", "0", "iop.example.org", "https", "/rapport"], result.stderr


# --- SERVER_NAME: the configured address, never the claimed Host ------------------------------------


def test_with_server_name_other_hosts_are_still_answered(app, demo, site):
    # Flask 3.1: SERVER_NAME no longer restricts routing (it used to answer other hosts with 404).
    client = app.test_client()
    assert client.get("/login", base_url="http://127.0.0.1:8000").status_code == 200
    assert client.get("/healthz", headers={"Host": "app.internal"}).status_code == 200


def test_a_forged_host_stays_out_of_the_reset_link(app, demo, site, outbox):
    forged = "http://evil.example"
    client = _signed_in(app, base_url=forged, headers={"X-Forwarded-Host": "evil.example"})
    target = user_id(app, "skribent.crossroads@demo.iop")
    response = client.post(
        f"/admin/people/{target}/link",
        data={"csrf_token": _token(client, f"/admin/people/{target}", forged)},
        base_url=forged,
        headers={"X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200
    link = LINK_PATTERN.search(response.get_data(as_text=True)).group(1)
    # The configured scheme too: the forged request came over plain http.
    assert re.match(r"https://iop\.example\.org/", link), link
    [(_recipients, message)] = outbox
    assert link in message.get_content() and "evil" not in message.get_content()


def test_a_notification_from_a_request_with_a_forged_host_links_to_the_site(app, demo, site, outbox):
    from tests.integration.helpers import block_version, find_block

    block_id = find_block(app, "gem-klagomal", "crossroads")
    forged = "http://evil.example"
    reviewer = _signed_in(app, "granskare.fralsningsarmen@demo.iop", base_url=forged)
    # The reviewer comments; the block's writers are e-mailed once this request commits.
    data = {"body": "Kan ni lägga till januari?", "base_version": block_version(app, block_id)}
    data["csrf_token"] = _token(reviewer, f"/blocks/{block_id}", forged)
    response = reviewer.post(f"/blocks/{block_id}/comments", data=data, base_url=forged)
    assert response.status_code in (200, 201, 302), response.status_code
    assert outbox, "no notification mail"
    for _recipients, message in outbox:
        body = message.get_content()
        assert OPEN_LINK.search(body).group(1) == f"{site}/blocks/{block_id}"
        assert "evil" not in body


@pytest.mark.parametrize("root", ["/", "/rapport"])
@pytest.mark.parametrize("made_by", ["cli", "worker"])
def test_mail_made_outside_a_request_has_absolute_links(app, demo, site, outbox, monkeypatch, made_by, root):
    # Mounted under a path (APPLICATION_ROOT), the links carry it; this test signs nobody in,
    # whose session cookie would then be for that path only.
    monkeypatch.setitem(app.config, "APPLICATION_ROOT", root)
    site = site + root.rstrip("/")
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = date.today() + timedelta(days=3)
        db.session.commit()
        db.session.remove()
    if made_by == "cli":
        result = app.test_cli_runner().invoke(args=["notify-deadlines"])
        assert result.exit_code == 0, result.output
        assert "SERVER_NAME" not in result.output
    else:
        from webapp.tasks import deadline_reminders_task

        with app.app_context():
            deadline_reminders_task.call_local()
    assert outbox
    for _recipients, message in outbox:
        link = OPEN_LINK.search(message.get_content()).group(1)
        assert re.fullmatch(rf"{re.escape(site)}/blocks/\d+", link), link


def test_the_cli_warns_when_mail_links_would_be_relative(app, demo, outbox):
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = date.today() + timedelta(days=3)
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["notify-deadlines"])
    assert result.exit_code == 0 and "SERVER_NAME är inte satt" in result.output
    assert all(OPEN_LINK.search(m.get_content()).group(1).startswith("/blocks/") for _r, m in outbox)
