"""Hostile Markdown through the endpoints (issue 15 item 9): answered fast, limits as before.

With Python-Markdown, a preview of `[` x 20 000 hit gunicorn's 120 s timeout and a
comment of `[` x 10 000 took 18 s and was stored. Budget as in
tests/unit/test_hostile_markdown.py: 100 ms of CPU times 3 for CI noise; the request's own
work (session, CSRF, database) fits in the margin. The preview runs in this process (Flask
test client), so its CPU time is ours. A preview, and the editor re-drawn after a form
error, refuse more than a block may hold (413), as a save does: a request may carry 2 MB.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import block_snapshot, block_version, current_text, find_block, post
from tests.unit.test_hostile_markdown import BUDGET
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
    assert seconds <= BUDGET


def test_a_comment_of_ten_thousand_brackets_is_stored_fast_and_one_more_is_refused(app, signed_in, block_id):
    client = signed_in(CHAIR)
    before = _comment_count(app, block_id)
    response, seconds = _timed(lambda: post(client, f"/blocks/{block_id}/comments", {"body": "[" * 10_000}))
    assert response.status_code == 302
    assert seconds <= BUDGET
    assert _comment_count(app, block_id) == before + 1

    response = post(client, f"/blocks/{block_id}/comments", {"body": "[" * 10_001})
    assert response.status_code == 422
    assert "högst 10 000 tecken" in response.get_data(as_text=True)
    assert _comment_count(app, block_id) == before + 1


def test_a_hostile_block_at_the_limit_is_saved_and_one_byte_more_is_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    source = "![" * 100_000  # markdown-it-py's costliest family (2.9 s), 200 000 bytes
    response, seconds = _timed(
        lambda: post(
            client, f"/blocks/{block_id}/save", {"source": source, "base_version": block_version(app, block_id)}
        )
    )
    assert response.status_code == 302
    assert current_text(app, block_id) == source
    assert seconds <= BUDGET

    before = block_snapshot(app, block_id)
    response = post(
        client, f"/blocks/{block_id}/save", {"source": source + "[", "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 413
    assert block_snapshot(app, block_id) == before


@pytest.mark.parametrize("htmx", [True, False])
def test_a_preview_over_the_block_limit_is_refused_like_a_save(signed_in, block_id, htmx):
    client = signed_in(WRITER)
    url = f"/blocks/{block_id}/preview"
    assert post(client, url, {"source": "å" * 100_000}, htmx=True).status_code == 200  # 200 000 bytes
    assert post(client, url, {"source": "a\r\n" * 100_000}, htmx=True).status_code == 200  # CRLF counts as LF
    response = post(client, url, {"source": "å" * 100_000 + "a"}, htmx=htmx)
    assert response.status_code == 413
    assert "Ett bidrag får vara högst 200 kB" in response.get_data(as_text=True)


def test_an_editor_re_drawn_after_a_form_error_refuses_text_over_the_block_limit(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    # No base version: a form error, whose editor would preview the posted text.
    response = post(client, f"/blocks/{block_id}/save", {"source": "[" * 200_001}, htmx=True)
    assert response.status_code == 413
    assert "Ett bidrag får vara högst 200 kB" in response.get_data(as_text=True)
    response = post(client, f"/blocks/{block_id}/save", {"source": "[" * 200_000}, htmx=True)
    assert response.status_code == 422  # at the limit the form error is shown as before
    assert block_snapshot(app, block_id) == before
