"""A writer's session through the test client, request after request, as the browser sends them.

Each request carries what the previous response put on the page (base version, row keys),
exactly as htmx does, so a response that leaves the page stale shows up as a conflict here.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.helpers import block_snapshot, find_block, revision_count
from webapp.extensions import db
from webapp.models import Block, BlockDraft, BlockState

WRITER = "skribent.crossroads@demo.iop"
HX = {"HX-Request": "true"}
BASE_VERSION = re.compile(
    r'id="base_version" name="base_version"[^>]*value="(\d+)"|'
    r'name="base_version"[^>]*id="base_version"[^>]*value="(\d+)"|'
    r'id="base_version"[^>]*value="(\d+)"'
)
ROW_FIELD = re.compile(r'name="(cell\|nationalities\|(r\d+)\|country)"')


def carried_base_version(html: str) -> int:
    """The base version the page (or fragment) leaves in the editor's form."""
    versions = [int(next(g for g in match.groups() if g)) for match in BASE_VERSION.finditer(html)]
    assert versions, "the response carries no base version"
    return versions[-1]


@pytest.fixture
def nationalities_block(app, demo) -> int:
    """Crossroads' nationalities block in the open 2022–23 report: a table with free rows."""
    return find_block(app, "dag-nationaliteter", "crossroads")


@pytest.fixture
def text_block(app, demo) -> int:
    return find_block(app, "dag-verksamheter", "crossroads")


class Editor:
    """One open editor (one browser tab): what its form holds, updated from every response."""

    def __init__(self, client, block_id: int):
        self.client, self.block_id = client, block_id
        page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
        self.base_version = carried_base_version(page)
        self.token = csrf_token(client, f"/blocks/{block_id}")
        self.rows: list[str] = []

    def fields(self, source: str, cells: dict | None = None) -> dict:
        return {
            "source": source,
            "base_version": str(self.base_version),
            "note": "",
            "csrf_token": self.token,
            **(cells or {}),
        }

    def post(self, endpoint: str, source: str, cells: dict | None = None, trigger: str = ""):
        headers = {**HX, "HX-Trigger": trigger} if trigger else HX
        response = self.client.post(
            f"/blocks/{self.block_id}/{endpoint}", data=self.fields(source, cells), headers=headers
        )
        html = response.get_data(as_text=True)
        if 'name="base_version"' in html or 'id="base_version"' in html:
            self.base_version = carried_base_version(html)
        found = ROW_FIELD.findall(html)
        if found:
            self.rows = [key for _name, key in found]
        return response

    def submit(self, source: str, cells: dict | None = None):
        data = {**self.fields(source, cells), "action": "submit"}
        return self.client.post(f"/blocks/{self.block_id}/transition", data=data)


def test_saving_twice_and_then_again_never_conflicts_with_the_writers_own_saves(app, signed_in, text_block):
    editor = Editor(signed_in(WRITER), text_block)
    statuses = []
    for n in range(1, 4):
        response = editor.post("save", f"Crossroads dag {n}.")
        statuses.append(response.status_code)
        assert "Sparat som version" in response.get_data(as_text=True)
    assert statuses == [200, 200, 200]
    assert editor.base_version == block_snapshot(app, text_block)[0]


def test_autosave_after_a_save_is_kept_as_a_draft_not_a_conflict(app, signed_in, text_block):
    editor = Editor(signed_in(WRITER), text_block)
    assert editor.post("save", "Första stycket.").status_code == 200
    response = editor.post("autosave", "Första stycket. Och mer.")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Utkastet sparades automatiskt" in response.get_data(as_text=True)
    assert editor.post("save", "Första stycket. Och mer. Klart.").status_code == 200


def test_submitting_after_a_save_saves_and_submits(app, signed_in, text_block):
    editor = Editor(signed_in(WRITER), text_block)
    assert editor.post("save", "Vi har öppet alla vardagar.").status_code == 200
    response = editor.submit("Vi har öppet alla vardagar och lördagar.")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        block = db.session.get(Block, text_block)
        assert block.state == BlockState.SUBMITTED
        assert block.current_revision.source == "Vi har öppet alla vardagar och lördagar."


def test_a_stale_submit_shows_the_conflict_with_both_texts_in_swedish(app, signed_in, text_block):
    first, second = Editor(signed_in(WRITER), text_block), Editor(signed_in(WRITER), text_block)
    assert first.post("save", "Text från första fliken.").status_code == 200
    response = second.submit("Text från andra fliken.")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Conflict" not in html
    assert "Text från första fliken." in html and "Text från andra fliken." in html
    with app.app_context():
        assert db.session.get(Block, text_block).state == BlockState.DRAFT


def _country(row: str, value: str) -> dict:
    return {f"cell|nationalities|{row}|country": value}


def _count(row: str, value: str) -> dict:
    return {f"cell|nationalities|{row}|count": value}


def test_a_new_free_row_stays_editable_through_grid_posts_autosave_save_and_submit(app, signed_in, nationalities_block):
    editor = Editor(signed_in(WRITER), nationalities_block)
    text = "Våra besökare kommer främst från Rumänien."
    # Type a country in the blank last row, Tab: the row becomes r1 and the grid is drawn anew.
    response = editor.post("tables", text, _country("_new", "Rumänien"), trigger="c-nationalities-_new-country")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert editor.rows and editor.rows[0] == "r1"
    # Type its count in the same row, Tab.
    cells = {**_country("r1", "Rumänien"), **_count("r1", "120")}
    response = editor.post("tables", text, cells, trigger="c-nationalities-r1-count")
    assert response.status_code == 200, response.get_data(as_text=True)
    # Typing goes on; autosave keeps it.
    response = editor.post("autosave", text + " Och Bulgarien.", cells)
    assert response.status_code == 200, response.get_data(as_text=True)
    # A reload shows what she typed, row included.
    page = editor.client.get(f"/blocks/{nationalities_block}").get_data(as_text=True)
    assert "Och Bulgarien." in page and 'value="120"' in page
    # A second new row, then Spara.
    cells = {**cells, **_country("_new", "Bulgarien"), **_count("_new", "60")}
    assert editor.post("tables", text, cells, trigger="c-nationalities-_new-count").status_code == 200
    cells = {**_country("r1", "Rumänien"), **_count("r1", "120"), **_country("r2", "Bulgarien"), **_count("r2", "60")}
    response = editor.post("save", text, cells)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        rows = db.session.get(Block, nationalities_block).current_revision.tables["nationalities"]["rows"]
        assert [(r["cells"]["country"]["v"], r["cells"]["count"]["v"]) for r in rows] == [("RO", 120), ("BG", 60)]
    # Submit from the editor with the rows the page shows: saved and submitted, never a 500.
    response = editor.submit(text, cells)
    assert response.status_code in (302, 200), response.get_data(as_text=True)[:2000]


def test_submit_with_a_row_only_in_the_draft_is_not_a_server_error(app, signed_in, nationalities_block):
    editor = Editor(signed_in(WRITER), nationalities_block)
    editor.post("tables", "Text.", _country("_new", "Polen"), trigger="c-nationalities-_new-country")
    response = editor.submit("Text.", {**_country("r1", "Polen"), **_count("r1", "30")})
    assert response.status_code < 500
    with app.app_context():
        revision = db.session.get(Block, nationalities_block).current_revision
        assert revision.tables["nationalities"]["rows"][0]["cells"]["count"]["v"] == 30


def test_a_malformed_row_key_is_still_refused_with_a_message_and_nothing_changes(app, signed_in, nationalities_block):
    editor = Editor(signed_in(WRITER), nationalities_block)
    before = block_snapshot(app, nationalities_block)
    response = editor.post("save", "Text.", _country("x'); drop", "Polen"))
    assert response.status_code == 422
    assert "Okänd rad" in response.get_data(as_text=True)
    assert block_snapshot(app, nationalities_block) == before


def test_a_save_from_a_second_tab_that_saw_an_older_version_is_a_conflict(app, signed_in, text_block):
    client = signed_in(WRITER)
    first, second = Editor(client, text_block), Editor(client, text_block)
    assert first.post("save", "Från flik ett.").status_code == 200
    count = revision_count(app, text_block)
    response = second.post("save", "Från flik två.")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Från flik ett." in html and "Från flik två." in html
    assert revision_count(app, text_block) == count
    # Having seen both texts, her next save from that tab is meant and goes through.
    assert second.post("save", "Från flik två, sammanfogad.").status_code == 200


@pytest.mark.parametrize("status", [409, 410, 415, 429, 503])
def test_error_pages_have_swedish_headings(app, status):
    from werkzeug.exceptions import default_exceptions

    with app.test_request_context("/"):
        response = app.make_response(app.handle_http_exception(default_exceptions[status]()))
    html = response.get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert title != default_exceptions[status]().name
    assert response.status_code == status


def test_a_block_with_figures_and_no_text_is_submitted_as_its_page_offers(app, signed_in, nationalities_block):
    """Found by the editing state machine: the page offered "Spara och skicka in" without asking why
    there is nothing to report (the table is filled in), and the submission was refused as empty."""
    editor = Editor(signed_in(WRITER), nationalities_block)
    cells = {**_country("r1", "Rumänien"), **_count("r1", "120")}
    assert (
        editor.post("tables", "", _country("_new", "Rumänien"), trigger="c-nationalities-new-country").status_code
        == 200
    )
    assert editor.post("save", "", cells).status_code == 200
    page = editor.client.get(f"/blocks/{nationalities_block}").get_data(as_text=True)
    assert f'formaction="/blocks/{nationalities_block}/transition"' in page and 'id="nothing_to_report"' not in page
    assert editor.submit("", cells).status_code == 302
    with app.app_context():
        assert db.session.get(Block, nationalities_block).state == BlockState.SUBMITTED


def test_an_emptied_row_takes_its_justification_along(app, signed_in, nationalities_block):
    """Found while modelling the grid for the editing state machine: a warning's explanation
    outlived its row, and the next new row (which gets the freed key) came with an explanation
    nobody gave for it."""
    editor = Editor(signed_in(WRITER), nationalities_block)
    justification = {"justify|nationalities|empty:r1:count": "Antalet räknades inte."}
    editor.post("tables", "Text.", _country("_new", "Rumänien"), trigger="c-nationalities-new-country")
    editor.post(
        "tables", "Text.", {**_country("r1", "Rumänien"), **justification}, trigger="c-j-nationalities-empty-r1-count"
    )
    # She empties the row; the page still posts the explanation beside it.
    editor.post("tables", "Text.", {**_country("r1", ""), **justification}, trigger="c-nationalities-r1-country")
    response = editor.post("tables", "Text.", _country("_new", "Polen"), trigger="c-nationalities-new-country")
    assert response.status_code == 200
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == nationalities_block)).one()
        table = draft.tables["nationalities"]
        assert [row["cells"]["country"]["v"] for row in table["rows"]] == ["PL"]
        assert table["justifications"] == {}
