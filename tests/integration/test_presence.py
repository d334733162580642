"""Presence ends when the writer leaves (issue 10, item 5).

"Erik Holmgren redigerar" stayed long after he closed the tab: the goodbye was an htmx request
on ``pagehide``, which the browser cancels as the page goes away, and an idle editor only
heartbeat while its writer typed. Now static/js/presence.js posts a beacon on ``pagehide`` (the
CSRF token as form data: a beacon carries no headers) and the open editor heartbeats every
third of a short TTL, so a browser that never says goodbye drops out within the TTL.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token
from tests.integration.helpers import block_snapshot, find_block, post
from webapp.extensions import db
from webapp.models import Block, Presence, User
from webapp.models.base import utcnow
from webapp.models.reports import BlockState

WRITER = "skribent.crossroads@demo.iop"
WRITER_NAME = "Anna Lindqvist (Crossroads)"
OTHER_WRITER = "skribent.stadsmissionen-natt@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
ADMIN = "admin@demo.iop"


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "gem-klagomal", "crossroads")  # an empty draft without tables, open report


def _presence(app) -> dict[tuple[int, str], object]:
    """Every presence row: (block id, e-mail) → last seen."""
    with app.app_context():
        rows = db.session.execute(
            select(Presence.block_id, User.email, Presence.last_seen).join(User, User.id == Presence.user_id)
        ).all()
        db.session.remove()
        return {(block_id, email): last_seen for block_id, email, last_seen in rows}


def _age(app, block_id: int, seconds: float) -> None:
    with app.app_context():
        db.session.execute(
            update(Presence)
            .where(Presence.block_id == block_id)
            .values(last_seen=utcnow() - timedelta(seconds=seconds))
        )
        db.session.commit()
        db.session.remove()


def _beacon(client, block_id: int, token: str | None):
    """What navigator.sendBeacon(url, formData) sends: multipart form data, no X-CSRFToken header."""
    data = {} if token is None else {"csrf_token": token}
    return client.post(f"/blocks/{block_id}/presence/leave", data=data, content_type="multipart/form-data")


def _editing_line(client, block_id: int) -> str:
    html = client.get(f"/blocks/{block_id}/live", headers={"HX-Request": "true"}).get_data(as_text=True)
    return " ".join(html.split())


@pytest.fixture
def present_writer(app, signed_in, block_id):
    """Anna has the block open (one heartbeat); returns her client."""
    writer = signed_in(WRITER)
    assert post(writer, f"/blocks/{block_id}/presence", htmx=True).status_code == 204
    assert (block_id, WRITER) in _presence(app)
    return writer


def test_the_pagehide_beacon_ends_presence_at_once(app, signed_in, block_id, present_writer):
    reviewer = signed_in(REVIEWER)
    assert f"{WRITER_NAME} redigerar" in _editing_line(reviewer, block_id)
    events = block_snapshot(app, block_id)

    response = _beacon(present_writer, block_id, csrf_token(present_writer))

    assert response.status_code == 204
    assert _presence(app) == {}
    assert "redigerar" not in _editing_line(reviewer, block_id)
    assert block_snapshot(app, block_id) == events  # leaving is no edit and no audit event


def test_leaving_needs_the_csrf_token(app, block_id, present_writer):
    before = _presence(app)
    assert _beacon(present_writer, block_id, None).status_code == 400
    assert _beacon(present_writer, block_id, "not-the-token").status_code == 400
    assert _presence(app) == before


@pytest.mark.parametrize("email", [OTHER_WRITER, REVIEWER])
def test_only_the_blocks_writers_may_leave_it(app, signed_in, block_id, present_writer, email):
    """Someone who cannot be present is refused, and Anna's presence stays as it was."""
    other = signed_in(email)
    before = _presence(app)
    assert _beacon(other, block_id, csrf_token(other)).status_code == 403
    assert post(other, f"/blocks/{block_id}/presence/leave", htmx=True).status_code == 403
    assert _presence(app) == before


def test_leaving_a_block_that_does_not_exist_is_404(app, block_id, present_writer):
    before = _presence(app)
    assert _beacon(present_writer, 999_999, csrf_token(present_writer)).status_code == 404
    assert _presence(app) == before


def test_leaving_removes_only_ones_own_row_on_that_block(app, signed_in, block_id, present_writer):
    other_block = find_block(app, "dag-besok", "crossroads")
    admin = signed_in(ADMIN)
    assert post(admin, f"/blocks/{block_id}/presence", htmx=True).status_code == 204
    assert post(present_writer, f"/blocks/{other_block}/presence", htmx=True).status_code == 204

    assert _beacon(present_writer, block_id, csrf_token(present_writer)).status_code == 204
    assert set(_presence(app)) == {(block_id, ADMIN), (other_block, WRITER)}


def test_the_page_that_just_submitted_the_block_still_says_goodbye(app, block_id, present_writer):
    """Submitting navigates away from the editor: its pagehide beacon must not be refused."""
    with app.app_context():
        db.session.get(Block, block_id).state = BlockState.SUBMITTED
        db.session.commit()
        db.session.remove()
    assert _beacon(present_writer, block_id, csrf_token(present_writer)).status_code == 204
    assert _presence(app) == {}


def test_presence_expires_after_the_ttl(app, signed_in, block_id, present_writer):
    ttl = app.config["PRESENCE_TTL_SECONDS"]
    assert ttl <= 30  # "quickly": a closed tab that sent no goodbye is gone within half a minute
    reviewer = signed_in(REVIEWER)

    _age(app, block_id, ttl - 5)
    assert f"{WRITER_NAME} redigerar" in _editing_line(reviewer, block_id)
    _age(app, block_id, ttl + 1)
    assert "redigerar" not in _editing_line(reviewer, block_id)
    assert "redigerar" not in " ".join(reviewer.get(f"/blocks/{block_id}").get_data(as_text=True).split())

    # The next heartbeat brings her back.
    assert post(present_writer, f"/blocks/{block_id}/presence", htmx=True).status_code == 204
    assert f"{WRITER_NAME} redigerar" in _editing_line(reviewer, block_id)


def test_the_ttl_is_a_setting(app, signed_in, block_id, present_writer, monkeypatch):
    reviewer = signed_in(REVIEWER)
    monkeypatch.setitem(app.config, "PRESENCE_TTL_SECONDS", 5)
    _age(app, block_id, 6)
    assert "redigerar" not in _editing_line(reviewer, block_id)
    monkeypatch.setitem(app.config, "PRESENCE_TTL_SECONDS", 60)
    assert f"{WRITER_NAME} redigerar" in _editing_line(reviewer, block_id)


def test_an_open_editor_heartbeats_often_enough_and_says_goodbye(app, block_id, present_writer):
    """The polling heartbeat refreshes presence well within the TTL, idle or typing."""
    html = present_writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    heartbeat = re.search(r'<span hidden class="presence-heartbeat"[^>]*>', html)
    assert heartbeat, "the editor page has no heartbeat"
    tag = heartbeat.group(0)
    assert f'hx-post="/blocks/{block_id}/presence"' in tag
    every = re.search(r'hx-trigger="load, every (\d+)s, presence-refresh"', tag)
    assert every and 3 * int(every.group(1)) <= app.config["PRESENCE_TTL_SECONDS"]
    assert f'data-presence-leave="/blocks/{block_id}/presence/leave"' in tag
    assert 'src="/static/js/presence.js"' in html


def test_a_reader_without_the_editor_does_not_heartbeat(app, signed_in, block_id):
    html = signed_in(REVIEWER).get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "presence-heartbeat" not in html and "data-presence-leave" not in html
