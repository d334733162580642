"""Ratios that are not percentages and stated period figures, through the admin, the block page and the document.

The demo template's tickets table carries "Biljetter per natt" (all shelters' tickets ÷ nights);
the day units' nationality lists take a stated EU/EES share that is checked against the list.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.integration.helpers import OPEN_REPORT_ID, block_snapshot, block_version, find_block, post
from tests.integration.test_demo_tables import _block, _context, _data, _spec
from webapp.extensions import db
from webapp.models import AuditEvent, Block, ReportTemplate, TemplateChapter, TemplateSection
from webapp.services.blocks.statistics import unresolved_problems
from webapp.statistics.compute import compute
from webapp.statistics.presets import KIND_HOOKS
from webapp.statistics.validate import validate

ADMIN = "admin@demo.iop"
INSKRIVNING = "skribent.ng-inskrivning@demo.iop"
CROSSROADS = "skribent.crossroads@demo.iop"
DEMO_KEY = "iop-eu-2021"
NOVEMBER = "2022-11"  # the open report runs November 2022 – April 2023


@pytest.fixture
def tickets_block(app, demo) -> int:
    return find_block(app, "natt-biljetter", "ng-inskrivning")


def _ticket_cells(month: str, tickets: tuple[int, int, int], nights: int) -> dict:
    shelters = ("stadsmissionen", "fa-arsta", "fa-liljeholmen")
    cells = {f"cell|tickets|{month}|{s}.tickets": str(n) for s, n in zip(shelters, tickets)}
    return {**cells, f"cell|tickets|{month}|nights": str(nights)}


def _computed(html: str, row: str, column: str) -> str:
    match = re.search(rf'<td[^>]*id="v-tickets-{row}-{column}"[^>]*>(.*?)</td>', html, re.S)
    assert match, f"no computed cell {row}/{column}"
    return match.group(1).strip()


def test_the_grid_shows_the_ratio_and_updates_it_as_the_writer_types(app, signed_in, tickets_block):
    client = signed_in(INSKRIVNING)
    page = client.get(f"/blocks/{tickets_block}").get_data(as_text=True)
    assert '<th scope="col" class="computed">Biljetter per natt</th>' in page
    assert 'name="cell|tickets|2022-11|nights"' in page
    response = client.post(
        f"/blocks/{tickets_block}/tables",
        data={
            "source": "",
            "base_version": block_version(app, tickets_block),
            **_ticket_cells(NOVEMBER, (284, 133, 25), 30),
            "csrf_token": csrf_token(client),
        },
        headers={"HX-Request": "true", "HX-Trigger": "c-tickets-2022-11-nights"},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert _computed(fragment, NOVEMBER, "tickets_per_night") == "14,7"  # 442 / 30, no "%"
    # Five months still empty: the total is not known yet, and never an average of what is there.
    assert _computed(fragment, "_total", "tickets_per_night") == "ofullständigt"


def test_saved_ratio_is_there_after_reload_and_in_the_document(app, signed_in, tickets_block):
    client = signed_in(INSKRIVNING)
    fields = {**_ticket_cells(NOVEMBER, (284, 133, 25), 30), **_ticket_cells("2022-12", (237, 112, 110), 31)}
    for month, days in (("2023-01", 31), ("2023-02", 2), ("2023-03", 31), ("2023-04", 30)):
        fields.update(_ticket_cells(month, (10, 10, 10), days))  # February: open two nights only
    data = {"source": "Biljetterna under perioden.", "base_version": block_version(app, tickets_block), **fields}
    assert post(client, f"/blocks/{tickets_block}/save", data).status_code == 302
    page = signed_in(INSKRIVNING).get(f"/blocks/{tickets_block}").get_data(as_text=True)
    assert _computed(page, NOVEMBER, "tickets_per_night") == "14,7"
    assert _computed(page, "2022-12", "tickets_per_night") == "14,8"  # 459 / 31
    assert _computed(page, "2023-02", "tickets_per_night") == "15,0"
    # 1 021 tickets over 155 nights = 6,6; the mean of the six months' ratios would be 7,9.
    assert _computed(page, "_total", "tickets_per_night") == "6,6"
    edition = signed_in(ADMIN).get(f"/reports/{OPEN_REPORT_ID}/edition.html")
    assert edition.status_code == 200
    html = edition.get_data(as_text=True)
    table = re.search(r'<table class="stat-table[^"]*">\s*<caption[^>]*>Utdelade biljetter.*?</table>', html, re.S)
    assert table, "the tickets table is in the document"
    assert ">Biljetter per natt</th>" in table.group(0)
    assert re.search(r"<td[^>]*>14,7</td>", table.group(0)) and re.search(r"<td[^>]*>14,8</td>", table.group(0))


# --- the admin sets a ratio up --------------------------------------------------------------------


def _template_and_section(app: Flask, section_key: str) -> tuple[int, int]:
    with app.app_context():
        template_id, section_id = db.session.execute(
            select(ReportTemplate.id, TemplateSection.id)
            .join(TemplateSection.chapter)
            .join(TemplateChapter.report_template)
            .where(ReportTemplate.key == DEMO_KEY, TemplateSection.key == section_key)
        ).one()
        db.session.remove()
        return template_id, section_id


def _tables_and_log(app: Flask, section_id: int) -> tuple:
    with app.app_context():
        section = db.session.get(TemplateSection, section_id)
        state = (section.table_specs, db.session.scalar(select(func.count()).select_from(AuditEvent)))
        db.session.remove()
        return state


LOG_FORM = {
    "title": "Extra kalla nätter",
    "columns": "date = Datum | datum krävs\nplace = Lokal | text krävs\nguests = Gäster\nnights = Nätter",
    "options": '{"sum": []}',
}


def test_the_admin_adds_a_ratio_in_its_own_field_and_the_page_shows_it(app, signed_in, demo):
    admin = signed_in(ADMIN)
    template_id, section_id = _template_and_section(app, "natt-ekn")
    url = f"/admin/templates/{template_id}/sections/{section_id}/tables/ekn"
    page = admin.get(url).get_data(as_text=True)
    assert "Kvoter (inte procent)" in page and 'name="ratios"' in page
    response = post(admin, url, {**LOG_FORM, "ratios": "per_night = Gäster per natt | guests / nights | 2"})
    assert response.status_code == 302
    [entry] = _tables_and_log(app, section_id)[0]
    assert entry["ratios"] == [
        {"key": "per_night", "label": "Gäster per natt", "numerator": "guests", "denominator": "nights", "decimals": 2}
    ]
    page = admin.get(url).get_data(as_text=True)
    assert "per_night = Gäster per natt | guests / nights | 2" in page  # shown as written, not as JSON
    assert "<code>per_night</code></td><td>Gäster per natt</td>" in page
    assert "räknas fram: <code>guests</code> ÷ <code>nights</code>, 2 decimaler" in page


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        ("per_night = Gäster per natt | guests / beds | 1", "nämnaren i kvoten &#39;Gäster per natt&#39; (per_night)"),
        ("per_night = Gäster per natt | per_night / nights", "kan inte räknas ut ur sig själv"),
        ("per_night = Gäster per natt | place / nights", "är ingen sifferkolumn"),
        ("per_night = Gäster per natt | guests nights", "ange täljare och nämnare med ett snedstreck"),
        ("per_night = Gäster per natt | guests / nights | en", "antalet decimaler ska vara ett heltal"),
    ],
)
def test_a_bad_ratio_is_refused_at_its_field_and_nothing_changes(app, signed_in, demo, ratios, message):
    admin = signed_in(ADMIN)
    template_id, section_id = _template_and_section(app, "natt-ekn")
    before = _tables_and_log(app, section_id)
    response = post(
        admin, f"/admin/templates/{template_id}/sections/{section_id}/tables/ekn", {**LOG_FORM, "ratios": ratios}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    field = html.split('name="ratios"', 1)[0].rsplit("<textarea", 1)[1]
    assert 'aria-invalid="true"' in field
    assert _tables_and_log(app, section_id) == before


def test_a_ratio_set_as_json_options_is_refused_there(app, signed_in, demo):
    admin = signed_in(ADMIN)
    template_id, section_id = _template_and_section(app, "natt-ekn")
    before = _tables_and_log(app, section_id)
    options = '{"sum": [], "ratios": []}'
    response = post(
        admin, f"/admin/templates/{template_id}/sections/{section_id}/tables/ekn", {**LOG_FORM, "options": options}
    )
    assert response.status_code == 422
    assert "&#39;ratios&#39; ställs in i fältet ovan" in response.get_data(as_text=True)
    assert _tables_and_log(app, section_id) == before


# --- a stated period figure -------------------------------------------------------------------------


def test_a_stated_share_that_the_list_contradicts_needs_a_justification(app, signed_in, demo):
    block_id = find_block(app, "dag-nationaliteter", "crossroads")
    client = signed_in(CROSSROADS)
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "EU/EES-medborgare enligt verksamhetens statistik, %" in page
    fields = {
        "cell|nationalities|_new|country": "Polen",
        "cell|nationalities|_new|count": "300",
        "figure|nationalities|base": "1000",
        "figure|nationalities|nationality_count": "40",
        "figure|nationalities|stated_eu_eea_share": "20",
    }
    data = {"source": "Nationaliteter.", "base_version": block_version(app, block_id), **fields}
    assert post(client, f"/blocks/{block_id}/save", data).status_code == 302
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    warning = "angiven siffra 20\u00a0% skiljer sig från den beräknade 30\u00a0%–100\u00a0%"
    assert warning in page
    name = "justify|nationalities|stated_mismatch:-:stated_eu_eea_share"
    assert f'name="{name}"' in page
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert unresolved_problems(block, block.current_revision.tables, None) == 1
        db.session.remove()
    data = {
        "source": "Nationaliteter.",
        "base_version": block_version(app, block_id),
        name: "Listan räknar besök, andelen personer.",
    }
    assert post(client, f"/blocks/{block_id}/save", data).status_code == 302
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert unresolved_problems(block, block.current_revision.tables, None) == 0
        db.session.remove()
    snapshot = block_snapshot(app, block_id)
    assert snapshot[3] >= 2


def test_the_demo_shows_tickets_per_night_and_crossroads_stated_shares(app, signed_in, demo):
    """What ``make run`` shows: the closed 2021–22 report's tickets table and Crossroads' stated split."""

    with app.app_context():
        block = _block("natt-biljetter", "ng-inskrivning")
        spec = _spec(block, "tickets")
        table = compute(spec, _data(block, "tickets"), _context(block))
        assert table.row("2021-11")["tickets_per_night"].text == "14,7"  # 442 / 30
        assert table.total["tickets_per_night"].text == "15,6"  # 2 827 / 181
        crossroads = _block("dag-nationaliteter", "crossroads")
        spec = _spec(crossroads, "nationalities")
        data = _data(crossroads, "nationalities")
        listed = compute(spec, data, _context(crossroads), KIND_HOOKS)
        assert listed.figures["stated_eu_eea_share"].text == "66\u00a0%"
        # 66 % and 33 % fit what the top five (with the base) leave open: no warning.
        assert not [
            i for i in validate(spec, data, _context(crossroads), computed=listed) if i.code == "stated_mismatch"
        ]
        db.session.remove()
    html = signed_in(ADMIN).get("/reports/1/edition.html").get_data(as_text=True)
    assert "Biljetter per natt" in html and "15,6" in html
    assert "EU/EES-medborgare enligt verksamhetens statistik" in html


def test_the_admin_sees_what_a_stated_figure_is_compared_with(app, signed_in, demo):
    admin = signed_in(ADMIN)
    template_id, section_id = _template_and_section(app, "dag-nationaliteter")
    page = admin.get(f"/admin/templates/{template_id}/sections/{section_id}/tables/nationalities")
    html = page.get_data(as_text=True)
    line = "stated_eu_eea_share = EU/EES-medborgare enligt verksamhetens statistik, % | eu_eea_share | procent 0"
    assert line in html
    assert "uppgift för hela perioden; jämförs med <code>eu_eea_share</code>" in html


def test_the_printed_section_keeps_the_ratio_a_swedish_number(app, signed_in, demo):
    from tests.pdf_tools import page_texts, squeeze

    with app.app_context():
        section_id = db.session.get(Block, find_block(app, "natt-biljetter", "ng-inskrivning", report_id=1)).section_id
        db.session.remove()
    response = signed_in(ADMIN).get(f"/reports/1/sections/{section_id}/preview.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page_texts(response.data))
    assert "Biljetterpernatt" in squeeze(text)  # the header may wrap
    assert re.search(r"November .* 30 14,7\n", text)  # 442 tickets over 30 nights
    assert re.search(r"Totalt .* 181 15,6\n", text)  # 2 827 over 181: from the totals
    assert "15,6 %" not in text and "15,6\u00a0%" not in text
