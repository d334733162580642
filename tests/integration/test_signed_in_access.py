"""The signed-in person's roles and units are kept in their session (webapp.signed_in, issue 16):
a request loads the user row only, permission checks load nothing, and what a session keeps is
never another session generation's roles or units."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, sign_in
from tests.integration.account_helpers import ADMIN, unit_id, user_id
from tests.integration.helpers import find_block, post
from webapp.extensions import db
from webapp.models import User
from webapp.permissions import Access
from webapp.signed_in import ACCESS_SESSION_KEY

WRITER = "skribent.crossroads@demo.iop"
REVIEWER = "granskare.convictus@demo.iop"
CHAIR = "ordforande@demo.iop"
ACCESS_TABLES = re.compile(r"\b(user_roles|unit_memberships)\b")


def reads_access(statements: list[str]) -> list[str]:
    """Statements that read roles or unit memberships of the signed-in person (the block page's
    presence list joins unit_memberships for the other editors: not counted)."""
    return [s for s in statements if ACCESS_TABLES.search(s) and "block_presence" not in s]


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def new_client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def kept_access(client: FlaskClient) -> dict | None:
    with client.session_transaction() as session:
        return session.get(ACCESS_SESSION_KEY)


# --- cost ------------------------------------------------------------------------------------------


def test_a_signed_in_page_loads_the_user_row_only_and_the_same_statements_every_time(app, signed_in, count_queries):
    writer = signed_in(WRITER)
    block_id = find_block(app, "dag-verksamheter", "crossroads")
    assert writer.get(f"/blocks/{block_id}").status_code == 200  # the first page keeps the access
    counts = []
    for _ in range(3):
        with count_queries() as counter:
            response = writer.get(f"/blocks/{block_id}")
        assert response.status_code == 200
        assert 'name="base_version"' in response.get_data(as_text=True)  # she may edit: a unit check passed
        assert reads_access(counter.statements) == []
        assert "JOIN" not in counter.statements[0].upper()  # the loader: the user row, nothing joined
        counts.append(counter.count)
        assert "Set-Cookie" not in response.headers  # nothing new to keep: the cookie stays as it is
    assert len(set(counts)) == 1


def test_permission_checks_after_a_commit_load_no_roles_or_units(app, signed_in, count_queries):
    writer = signed_in(WRITER)
    block_id = find_block(app, "dag-verksamheter", "crossroads")
    page = writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    version = re.search(r'name="base_version"[^>]*value="(\d+)"', page) or re.search(
        r'value="(\d+)"[^>]*name="base_version"', page
    )
    assert version is not None
    form = {
        "source": "Ny text.",
        "base_version": version.group(1),
        "csrf_token": csrf_token(writer, f"/blocks/{block_id}"),
    }
    with count_queries() as counter:
        response = writer.post(f"/blocks/{block_id}/save", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Sparat som version" in response.get_data(as_text=True)
    # The editor drawn after the commit asks again whether she may edit: from the session.
    assert reads_access(counter.statements) == []


def test_the_reviewer_menu_and_queue_come_from_the_kept_roles(app, signed_in, count_queries):
    reviewer = signed_in(REVIEWER)
    assert reviewer.get("/review").status_code == 200
    assert kept_access(reviewer)["roles"] == ["reviewer"]
    with count_queries() as counter:
        page = reviewer.get("/review").get_data(as_text=True)
    assert "Att granska" in page
    assert reads_access(counter.statements) == []


# --- never another generation's ------------------------------------------------------------------


def test_a_removed_role_refuses_the_old_session_and_a_new_sign_in_sees_the_new_roles(app, signed_in):
    reviewer = signed_in(REVIEWER)
    assert reviewer.get("/review").status_code == 200  # the reviewer role is kept in the session
    old_cookie = reviewer.get_cookie("session").value
    admin = signed_in(ADMIN)
    response = post(admin, f"/admin/people/{user_id(app, REVIEWER)}/access", {"roles": ["writer"], "units": []})
    assert response.status_code == 302
    assert not is_signed_in(reviewer)
    replayed = app.test_client()
    replayed.set_cookie("session", old_cookie)
    assert replayed.get("/review").status_code == 302  # to the sign-in page, not the queue
    assert sign_in(reviewer, REVIEWER).status_code == 302
    assert reviewer.get("/review").status_code == 403
    assert "Att granska" not in reviewer.get("/").get_data(as_text=True)
    assert kept_access(reviewer)["roles"] == ["writer"]


def test_a_new_unit_is_a_unit_of_theirs_once_they_sign_in_again(app, signed_in):
    writer = signed_in(WRITER)
    other_block = find_block(app, "dag-besok", "eu-center")  # a draft
    assert 'name="base_version"' not in writer.get(f"/blocks/{other_block}").get_data(as_text=True)
    units = [unit_id(app, "crossroads"), unit_id(app, "eu-center")]
    admin = signed_in(ADMIN)
    response = post(admin, f"/admin/people/{user_id(app, WRITER)}/access", {"roles": ["writer"], "units": units})
    assert response.status_code == 302
    assert not is_signed_in(writer)
    assert sign_in(writer, WRITER).status_code == 302
    assert 'name="base_version"' in writer.get(f"/blocks/{other_block}").get_data(as_text=True)


def test_an_admin_changing_their_own_access_goes_on_under_the_new_access_and_ends_their_other_sessions(app, signed_in):
    acting, other = signed_in(ADMIN), signed_in(ADMIN)
    assert acting.get("/admin/people").status_code == 200 and other.get("/admin/people").status_code == 200
    chair = user_id(app, CHAIR)
    assert post(acting, f"/admin/people/{chair}/access", {"roles": ["reviewer", "chair", "admin"]}).status_code == 302
    response = post(acting, f"/admin/people/{user_id(app, ADMIN)}/access", {"roles": ["writer"]})
    assert response.status_code == 302
    assert is_signed_in(acting)
    assert acting.get("/admin/people").status_code == 403  # not the admin role kept from before
    assert kept_access(acting)["roles"] == ["writer"]
    assert not is_signed_in(other)


def test_an_admin_adding_a_unit_to_themselves_may_write_its_blocks_at_once(app, signed_in):
    admin = signed_in(ADMIN)
    crossroads = unit_id(app, "crossroads")
    assert crossroads not in kept_access_after_a_page(admin)["units"]
    response = post(admin, f"/admin/people/{user_id(app, ADMIN)}/access", {"roles": ["admin"], "units": [crossroads]})
    assert response.status_code == 302
    assert crossroads in kept_access_after_a_page(admin)["units"]


def kept_access_after_a_page(client: FlaskClient) -> dict:
    assert client.get("/").status_code == 200
    access = kept_access(client)
    assert access is not None
    return access


def test_what_a_session_keeps_for_another_generation_is_never_used(app, signed_in):
    """A kept access whose key is not the session's user id and generation is read anew."""
    writer = signed_in(WRITER)
    assert writer.get("/").status_code == 200
    writer_id = user_id(app, WRITER)
    with app.app_context():
        db.session.get(User, writer_id).session_generation = 7
        db.session.commit()
    with writer.session_transaction() as session:
        session["_user_id"] = f"{writer_id}.7"
        session[ACCESS_SESSION_KEY] = {"key": f"{writer_id}.6", "roles": ["admin"], "units": []}
    assert writer.get("/admin/people").status_code == 403
    assert kept_access(writer) == {"key": f"{writer_id}.7", "roles": ["writer"], "units": [unit_id(app, "crossroads")]}


def test_signing_in_drops_what_another_sign_in_kept(app, signed_in):
    client = signed_in(ADMIN)
    assert client.get("/").status_code == 200 and kept_access(client)["roles"] == ["admin"]
    post(client, "/logout")
    assert kept_access(client) is None
    assert sign_in(client, WRITER).status_code == 302
    assert client.get("/admin/people").status_code == 403
    assert kept_access(client)["roles"] == ["writer"]


def test_a_kept_access_is_read_back_only_when_whole_and_for_the_same_key():
    access = Access("5.2", frozenset(), frozenset({3, 1}))
    value = access.as_session_value()
    assert value == {"key": "5.2", "roles": [], "units": [1, 3]}
    assert Access.from_session_value(value, "5.2") == access
    assert Access.from_session_value(value, "5.3") is None
    for broken in (None, "5.2", [], {"key": "5.2"}, {"key": "5.2", "roles": ["boss"], "units": []}):
        assert Access.from_session_value(broken, "5.2") is None
    assert Access.from_session_value({"key": "5.2", "roles": [], "units": ["x"]}, "5.2") is None
