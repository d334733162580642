"""Editing statistics in the block page: cells, computed figures, issues, refusals."""

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.helpers import block_snapshot, block_version, find_block, post
from webapp.extensions import db
from webapp.models import Block, BlockDraft

WRITER = "skribent.stadsmissionen-natt@demo.iop"
OTHER = "skribent.fa-arsta@demo.iop"


@pytest.fixture
def block_id(app, demo):
    """Stadsmissionen's occupancy block in the open 2022–23 report (50 places)."""
    return find_block(app, "natt-belaggning", "stadsmissionen-natt")


def _cells(values: dict) -> dict:
    return {f"cell|occupancy|{row}|{column}": value for (row, column), value in values.items()}


def _post_cells(app, client, block_id, fields, trigger="c-occupancy-2022-12-men"):
    data = {"source": "", "base_version": block_version(app, block_id), **fields}
    return client.post(
        f"/blocks/{block_id}/tables",
        data={**data, "csrf_token": csrf_token(client)},
        headers={"HX-Request": "true", "HX-Trigger": trigger},
    )


def test_the_block_page_shows_an_editable_grid_with_offered_bed_nights_from_capacity(signed_in, block_id):
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Beläggning" in page and 'name="cell|occupancy|2022-12|women"' in page
    assert 'placeholder="1\u202f550"' in page  # 50 places × 31 December nights


def test_editing_cells_returns_computed_figures_out_of_band(app, signed_in, block_id):
    client = signed_in(WRITER)
    response = _post_cells(app, client, block_id, _cells({("2022-12", "women"): "172", ("2022-12", "men"): "882"}))
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    occupancy = fragment.split('id="v-occupancy-2022-12-occupancy"', 1)[1].split("</td>", 1)[0]
    assert 'hx-swap-oob="true"' in occupancy and "68,0\u00a0%" in occupancy  # 1 054 / 1 550, not 79 %
    assert 'id="td-c-occupancy-2022-12-men"' in fragment  # the edited cell comes back normalised
    assert 'id="td-c-occupancy-2022-11-women"' not in fragment  # cells being typed in are left alone
    assert 'id="issues-occupancy"' in fragment
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == block_id)).one()
        assert draft.tables["occupancy"]["rows"][0]["cells"] == {"men": {"v": 882}, "women": {"v": 172}}


def test_bad_values_are_errors_naming_row_and_column(app, signed_in, block_id):
    client = signed_in(WRITER)
    response = _post_cells(app, client, block_id, _cells({("2022-12", "women"): "12a", ("2023-01", "men"): "-5"}))
    fragment = response.get_data(as_text=True)
    assert "Fel som måste rättas" in fragment
    assert "December, Kvinnor" in fragment and "Januari, Män" in fragment


def test_explicit_save_puts_the_figures_in_a_revision(app, signed_in, block_id):
    client = signed_in(WRITER)
    data = {
        "source": "Beläggningen i december.",
        "base_version": block_version(app, block_id),
        **_cells({("2022-12", "women"): "172", ("2022-12", "men"): "882"}),
    }
    assert post(client, f"/blocks/{block_id}/save", data).status_code == 302
    with app.app_context():
        tables = db.session.get(Block, block_id).current_revision.tables
    assert tables["occupancy"]["rows"][0]["key"] == "2022-12"


def test_a_justification_is_kept_with_the_table(app, signed_in, block_id):
    client = signed_in(WRITER)
    fields = _cells({("2022-12", "women"): "172", ("2022-12", "men"): "882"})
    page = _post_cells(app, client, block_id, fields).get_data(as_text=True)
    name = page.split('name="justify|occupancy|', 1)[1].split('"', 1)[0]
    response = _post_cells(app, client, block_id, {**fields, f"justify|occupancy|{name}": "Ombyggnad i januari."})
    assert 'value="Ombyggnad i januari."' in response.get_data(as_text=True)


def test_unknown_table_row_or_column_is_422_and_changes_nothing(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    for field in ("cell|nope|2022-12|women", "cell|occupancy|2031-01|women", "cell|occupancy|2022-12|kids"):
        response = _post_cells(app, client, block_id, {field: "1"})
        assert response.status_code == 422, field
    assert block_snapshot(app, block_id) == before
    with app.app_context():
        assert db.session.scalars(select(BlockDraft)).first() is None


def test_another_units_writer_cannot_edit_the_table(app, signed_in, block_id):
    before = block_snapshot(app, block_id)
    response = _post_cells(app, signed_in(OTHER), block_id, _cells({("2022-12", "women"): "1"}))
    assert response.status_code == 403
    assert block_snapshot(app, block_id) == before


def test_a_locked_report_refuses_table_edits(app, signed_in):
    locked = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    before = block_snapshot(app, locked)
    response = post(
        signed_in(WRITER),
        f"/blocks/{locked}/tables",
        {"source": "", "base_version": block_version(app, locked), "cell|occupancy|2021-12|women": "1"},
        htmx=True,
    )
    assert response.status_code == 409
    assert block_snapshot(app, locked) == before


def test_block_page_with_tables_keeps_a_bounded_number_of_queries(app, signed_in, block_id, count_queries):
    client = signed_in(WRITER)
    with count_queries() as counter:
        assert client.get(f"/blocks/{block_id}").status_code == 200
    assert counter.count <= 15, counter.statements  # 15th: the report's capacity schedules


def test_the_revision_page_lists_changed_figures(app, signed_in, block_id):
    client = signed_in(WRITER)
    for women in ("170", "172"):
        data = {"source": "Text", "base_version": block_version(app, block_id), **_cells({("2022-12", "women"): women})}
        assert post(client, f"/blocks/{block_id}/save", data).status_code == 302
    with app.app_context():
        number = db.session.get(Block, block_id).current_revision.number
    page = client.get(f"/blocks/{block_id}/revisions/{number}").get_data(as_text=True)
    assert "Ändrade siffror" in page
    changed = page.split("Ändrade siffror", 1)[1].split("</table>", 1)[0]
    assert (
        "December" in changed and "Kvinnor" in changed and "<del>170</del>" in changed and "<ins>172</ins>" in changed
    )


def test_readers_see_the_tables_computed_and_read_only(app, signed_in):
    locked = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    page = signed_in("granskare.convictus@demo.iop").get(f"/blocks/{locked}").get_data(as_text=True)
    assert 'name="cell|' not in page
    assert "68,0\u00a0%" in page  # December 2021: 1 054 / 1 550
    assert 'scope="col"' in page


def test_a_justification_does_not_redraw_the_issues_the_writer_may_be_typing_in(app, signed_in, block_id):
    client = signed_in(WRITER)
    fields = _cells({("2022-12", "women"): "172"})
    page = _post_cells(app, client, block_id, fields).get_data(as_text=True)
    assert 'id="issues-occupancy"' in page  # a cell changed: issues are redrawn
    justification_id = page.split('id="c-j-', 1)[1].split('"', 1)[0]
    name = page.split('name="justify|occupancy|', 1)[1].split('"', 1)[0]
    response = _post_cells(
        app, client, block_id, {**fields, f"justify|occupancy|{name}": "ok"}, trigger=f"c-j-{justification_id}"
    )
    assert response.status_code == 200
    assert 'id="issues-occupancy"' not in response.get_data(as_text=True)
    assert 'id="submit-panel"' in response.get_data(as_text=True)
