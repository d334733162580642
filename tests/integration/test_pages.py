"""The dashboard, the report overview and the block page: content and bounded queries."""

from sqlalchemy import select

from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import Block, Report
from webapp.services import reports

WRITER = "skribent.crossroads@demo.iop"


def test_my_blocks_lists_only_my_units_blocks_in_open_reports(app, signed_in):
    page = signed_in(WRITER).get("/").get_data(as_text=True)
    assert "Besöksstatistik uppdelat på kön" in page
    assert "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30" in page
    assert "31 maj 2023" in page  # deadline in Swedish
    assert "Kafé Norrmalm" not in page.split("<h2>Rapporter</h2>")[0]


def test_a_user_without_units_sees_an_empty_state(signed_in):
    page = signed_in("ordforande@demo.iop").get("/").get_data(as_text=True)
    assert "Du har inga bidrag att skriva just nu." in page


def test_overview_lists_chapters_sections_and_every_block_with_state(app, signed_in):
    page = signed_in(WRITER).get("/reports/2").get_data(as_text=True)
    for title in (
        "Nattverksamheter",
        "Dagverksamheter",
        "Gemensamt för samtliga verksamheter",
        "Beläggningsstatistik uppdelat på kön",
        "EU-teamets arbete",
    ):
        assert title in page
    with app.app_context():
        block_count = db.session.scalar(select(db.func.count()).select_from(Block).where(Block.report_id == 2))
    matrix = page.split('id="progress-matrix"', 1)[1].split("</table>", 1)[0]
    assert matrix.count('href="/blocks/') == block_count  # at 11 units every block is a cell
    assert "bidrag har text" in page
    for label in ("Utkast", "Inskickat", "Godkänt", "Ändringar begärda"):
        assert label in page


def test_overview_progress_counts(app, demo):
    with app.app_context():
        outline = reports.load_outline(1)
        assert outline.written_count == len(outline.blocks) == outline.count("approved")
        assert len(outline.blocks) > 50


def test_blocks_are_created_for_units_open_in_the_period(app, demo):
    """Liljeholmen was open 29 Nov 2021 – 15 Apr 2022 only: blocks in 2021–22, none in 2022–23."""
    with app.app_context():
        units_by_report = {
            report_id: {b.unit.key for b in db.session.scalars(select(Block).where(Block.report_id == report_id))}
            for report_id in (1, 2)
        }
    assert "fa-liljeholmen" in units_by_report[1]
    assert "fa-liljeholmen" not in units_by_report[2]


def test_block_page_shows_last_periods_text(app, signed_in):
    block_id = find_block(app, "dag-besok", "crossroads")
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Samma avsnitt förra perioden" in page


def test_unknown_report_is_404(signed_in):
    assert signed_in(WRITER).get("/reports/999").status_code == 404


def _add_report(app) -> None:
    """Another report from the same template: the number of blocks grows a lot."""
    from datetime import date

    with app.app_context():
        first = db.session.get(Report, 1)
        reports.create_report(
            first.report_template,
            title="Extra",
            period_start=date(2023, 5, 1),
            period_end=date(2023, 10, 31),
            deadline=None,
            created_by=None,
        )
        db.session.commit()


def test_page_queries_do_not_grow_with_the_number_of_blocks(app, signed_in, count_queries):
    client = signed_in(WRITER)
    urls = ["/", "/reports/2", f"/blocks/{find_block(app, 'dag-besok', 'crossroads')}"]
    before = {}
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        before[url] = counter.count
    _add_report(app)
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.count == before[url], (url, counter.statements)
        assert counter.count <= 14, (url, counter.count)  # +2: each report keeps its own capacity schedules


def test_the_progress_matrix_shows_every_units_block_by_state(app, signed_in):
    page = signed_in("ordforande@demo.iop").get("/reports/2").get_data(as_text=True)
    matrix = page.split('class="matrix progress"', 1)[1].split("</table>", 1)[0]
    assert "Crossroads" in matrix and "Stadsmissionens nattverksamhet" in matrix
    for state in ("state-draft", "state-submitted", "state-approved", "state-changes_requested", 'class="none"'):
        assert state in matrix


def test_my_blocks_has_counts_and_a_state_filter(signed_in):
    client = signed_in(WRITER)
    page = client.get("/").get_data(as_text=True)
    assert "Utkast (" in page and "Alla (" in page
    drafts = client.get("/?state=draft").get_data(as_text=True)
    listing = drafts.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Inskickat" not in listing and "Utkast" in listing
    assert client.get("/?state=nonsense").status_code == 200  # unknown filter: everything
