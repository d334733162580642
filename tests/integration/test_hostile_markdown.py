"""Hostile Markdown through the endpoints (issue 15 item 9): answered fast, limits as before.

Before markdown-it-py, a preview of `[` x 20 000 hit gunicorn's 120 s timeout and a
comment of `[` x 10 000 took 18 s and was stored. Budgets as in
tests/unit/test_hostile_markdown.py: the larger of 100 ms and 15 µs per character of
CPU, times 3 for CI noise; the request's own work (session, CSRF, database) fits in the
margin. The preview runs in this process (Flask test client), so its CPU time is ours.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import block_snapshot, block_version, current_text, find_block, post
from tests.unit.test_hostile_markdown import MARGIN, budget
from webapp.extensions import db
from webapp.models import Comment

WRITER = "skribent.crossroads@demo.iop"
CHAIR = "ordforande@demo.iop"


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "dag-besok", "crossroads")


def _timed(request):
    begin = time.process_time()
    response = request()
    return response, time.process_time() - begin


def _comment_count(app, block_id):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.block_id == block_id))
        db.session.remove()
        return count


def test_the_preview_of_twenty_thousand_brackets_answers_fast(signed_in, block_id):
    source = "[" * 20_000
    client = signed_in(WRITER)
    response, seconds = _timed(lambda: post(client, f"/blocks/{block_id}/preview", {"source": source}, htmx=True))
    assert response.status_code == 200
    assert "[[[[" in response.get_data(as_text=True)  # shown as text
    assert seconds <= budget(len(source)) * MARGIN


def test_a_comment_of_ten_thousand_brackets_is_stored_fast_and_one_more_is_refused(app, signed_in, block_id):
    client = signed_in(CHAIR)
    before = _comment_count(app, block_id)
    response, seconds = _timed(lambda: post(client, f"/blocks/{block_id}/comments", {"body": "[" * 10_000}))
    assert response.status_code == 302
    assert seconds <= budget(10_000) * MARGIN
    assert _comment_count(app, block_id) == before + 1

    response = post(client, f"/blocks/{block_id}/comments", {"body": "[" * 10_001})
    assert response.status_code == 422
    assert "högst 10 000 tecken" in response.get_data(as_text=True)
    assert _comment_count(app, block_id) == before + 1


def test_a_hostile_block_at_the_limit_is_saved_and_one_byte_more_is_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    source = "![" * 100_000  # the costliest family, 200 000 bytes
    response, seconds = _timed(
        lambda: post(
            client, f"/blocks/{block_id}/save", {"source": source, "base_version": block_version(app, block_id)}
        )
    )
    assert response.status_code == 302
    assert current_text(app, block_id) == source
    assert seconds <= budget(len(source)) * MARGIN

    before = block_snapshot(app, block_id)
    response = post(
        client, f"/blocks/{block_id}/save", {"source": source + "[", "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 413
    assert block_snapshot(app, block_id) == before
