"""What the htmx fragments carry so that focus survives a swap (issue 10, item 4).

The browser journeys (tests/browser/test_writer_journeys.py) check where the focus lands; these
check the markup that puts it there, quickly: the announcement region, the ids htmx restores focus
by, the preserved textarea, and ``autofocus`` on the comment a person just wrote or the field
whose text was refused.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.integration.helpers import block_version, find_block

WRITER = "skribent.crossroads@demo.iop"
HX = {"HX-Request": "true"}


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "dag-verksamheter", "crossroads")


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z0-9]+ [^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def test_the_page_has_a_polite_region_outside_the_editor_and_ids_to_restore_focus_by(app, signed_in, block_id):
    html = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    region = _tag(html, "editor-announcement")
    assert 'role="status"' in region and 'aria-live="polite"' in region
    assert html.index('id="editor-announcement"') < html.index('id="block-editor"')  # survives the swap
    assert "hx-preserve" in _tag(html, "source")
    assert "hx-post" in _tag(html, "save-button")


def test_spara_announces_the_version_out_of_band(app, signed_in, block_id):
    client = signed_in(WRITER)
    data = {
        "source": "Ny text.",
        "base_version": block_version(app, block_id),
        "note": "",
        "csrf_token": csrf_token(client, f"/blocks/{block_id}"),
    }
    response = client.post(f"/blocks/{block_id}/save", data=data, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    number = re.search(r"Sparat som version (\d+)\.", html).group(1)
    assert f'<p id="editor-announcement" hx-swap-oob="innerHTML">Sparat som version {number}.</p>' in html
    assert 'id="save-button"' in html  # the new button takes the focus back


def test_a_new_comment_takes_the_focus(app, signed_in, block_id):
    client = signed_in(WRITER)
    token = csrf_token(client, f"/blocks/{block_id}")
    response = client.post(f"/blocks/{block_id}/comments", data={"body": "En fråga.", "csrf_token": token}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("autofocus") == 1
    comment_id = re.search(r'<article class="comment" id="(comment-\d+)" tabindex="-1" autofocus>', html)
    assert comment_id, html
    thread_id = re.search(r'id="thread-(\d+)"', html).group(1)

    # A reply takes it next.
    response = client.post(
        f"/comments/{thread_id}/replies", data={"body": "Ett svar.", "csrf_token": token}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert html.count("autofocus") == 1
    focused = re.search(r'<article class="comment" id="comment-(\d+)" tabindex="-1" autofocus>', html).group(1)
    assert int(focused) > int(comment_id.group(1)[len("comment-") :])


def test_a_refused_comment_focuses_the_field_that_keeps_the_text(app, signed_in, block_id):
    client = signed_in(WRITER)
    token = csrf_token(client, f"/blocks/{block_id}")
    response = client.post(
        f"/blocks/{block_id}/comments", data={"body": "   ", "quote": "Citat", "csrf_token": token}, headers=HX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("autofocus") == 1
    assert "autofocus" in _tag(html, "comment-body")
