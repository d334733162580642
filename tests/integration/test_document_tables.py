"""Statistics tables in the document: the preview and the draft PDF render what the engine computes.

Each test saves its own table data into blocks of the open demo report (report 2), so it
does not depend on which figures the demo seed carries. Occupancy: Stadsmissionen's night
shelter has 50 places, so December (31 nights, 1 550 offered bed-nights) with 172 women and
882 men is 1 054 / 1 550 = 68,0 %.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import Block, BlockState, TemplateSection, Unit, User
from webapp.services.blocks import save_block
from webapp.services.reports.documents import build_document

REPORT_ID = 2
ADMIN = "admin@demo.iop"  # may write any unit's block
READER = "ordforande@demo.iop"
NNBSP, NBSP = "\u202f", "\u00a0"
OPTIONS = {"max_bytes": 200_000, "coalesce_seconds": 600}
HOSTILE = '<script>alert("x")</script>'

OCCUPANCY = {
    "occupancy": {
        "rows": [
            {"key": "2022-11", "cells": {"women": {"v": 202}, "men": {"v": 1000}}},
            {"key": "2022-12", "cells": {"women": {"v": 172}, "men": {"v": 882}}},
            {"key": "2023-01", "cells": {"women": {"s": "missing"}, "men": {"v": 900}}},
            {"key": "2023-02", "cells": {"women": {"v": 150}, "men": {"v": 800}}},
            {"key": "2023-03", "cells": {"women": {"v": 160}, "men": {"v": 850}}},
        ],
        "notes": {"offered:2022-12": f"Två rum stängda {HOSTILE}"},
    }
}
EKN = {
    "ekn": {
        "rows": [
            {
                "key": "r1",
                "cells": {"date": {"v": "2023-01-12"}, "place": {"v": HOSTILE}, "men": {"v": 20}, "women": {"v": 4}},
            },
            {
                "key": "r2",
                "cells": {
                    "date": {"v": "2023-01-13"},
                    "place": {"v": "Norrmalmskyrkan"},
                    "men": {"v": 18},
                    "women": {"v": 3},
                },
            },
        ]
    }
}
NATIONALITIES = {
    "nationalities": {
        "rows": [
            {"key": "r1", "cells": {"country": {"v": "RO"}, "count": {"v": 600}}},
            {"key": "r2", "cells": {"country": {"v": "BG"}, "count": {"v": 250}}},
            {"key": "r3", "cells": {"country": {"v": "MA"}, "count": {"v": 150}}},
        ],
        "figures": {"nationality_count": {"v": 14}},
    }
}
TICKETS_NOVEMBER = {
    "tickets": {
        "rows": [
            {
                "key": "2022-11",
                "cells": {
                    "stadsmissionen.places": {"v": 1500},
                    "stadsmissionen.tickets": {"v": 1400},
                    "fa-arsta.places": {"v": 720},
                    "fa-arsta.tickets": {"v": 700},
                    "no_place": {"v": 35},
                },
            }
        ]
    }
}
VISITS = {
    "kafe-norrmalm": {
        "visits": {
            "rows": [
                {"key": key, "cells": {"women": {"v": 300}, "men": {"v": 1000}}}
                for key in ("2022-11", "2022-12", "2023-01", "2023-02", "2023-03", "2023-04")
            ],
            "figures": {"unique_visitors": {"v": 1234}},
        }
    },
}


def _blocks(section_key: str) -> list[Block]:
    return list(
        db.session.scalars(
            select(Block)
            .join(Block.section)
            .where(Block.report_id == REPORT_ID, TemplateSection.key == section_key, Block.joint.is_(False))
        )
    )


def _save(block: Block, tables: dict, text: str | None = None) -> None:
    admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
    block.state = BlockState.DRAFT  # the demo may have submitted it; the test owns the block
    source = text if text is not None else (block.current_revision.source if block.current_revision else "")
    save_block(block, admin, source, base_version=block.version, tables=tables, **OPTIONS)


def _fill(
    app, section_key: str, by_unit: dict[str, dict], *, others: dict | None = None, text: dict[str, str] | None = None
) -> None:
    """Save ``by_unit[unit key]`` as the tables of each unit's block in the section; every
    other unit's block gets ``others`` (default: no tables), so the test owns the whole section."""
    with app.app_context():
        for block in _blocks(section_key):
            tables = by_unit.get(block.unit.key, others or {})
            _save(block, tables, (text or {}).get(block.unit.key))
        db.session.commit()
        db.session.remove()


def _unit_name(app, unit_key: str) -> str:
    with app.app_context():
        name = db.session.scalars(select(Unit.name).where(Unit.key == unit_key)).one()
        db.session.remove()
        return name


@pytest.fixture
def night_tables(app, demo):
    _fill(app, "natt-belaggning", {"stadsmissionen-natt": OCCUPANCY})
    _fill(app, "natt-ekn", {"ng-inskrivning": EKN})
    _fill(app, "natt-nationaliteter", {"stadsmissionen-natt": NATIONALITIES})
    _fill(app, "natt-biljetter", {"ng-inskrivning": TICKETS_NOVEMBER})
    _fill(app, "dag-besok", VISITS)


def _preview(signed_in) -> str:
    response = signed_in(READER).get(f"/reports/{REPORT_ID}/preview/all")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _table(html: str, caption: str) -> str:
    """The markup of the table with this caption."""
    match = re.search(
        r'<table class="stat-table[^"]*">\s*<caption[^>]*>' + re.escape(caption) + r"</caption>.*?</table>", html, re.S
    )
    assert match, f"no table captioned {caption!r}"
    return match.group(0)


def _row(table: str, label: str) -> list[str]:
    """The texts of the cells of the row headed ``label`` (header cell first)."""
    match = re.search(r'<tr[^>]*>\s*<th scope="row"[^>]*>' + re.escape(label) + r"</th>(.*?)</tr>", table, re.S)
    assert match, f"no row {label!r}"
    return [label] + re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(1), re.S)


def test_occupancy_table_has_caption_header_cells_and_swedish_figures(night_tables, signed_in):
    html = _preview(signed_in)
    table = _table(html, "Beläggning per månad, Stadsmissionens nattverksamhet")
    assert table.count('<th scope="col"') == 8  # Månad + 7 columns
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    assert headers == [
        "Månad",
        "Kvinnor",
        "Män",
        "Andel kvinnor",
        "Andel män",
        "Nätter",
        "Erbjudna sängplatser",
        "Beläggning",
    ]
    december = _row(table, "December")
    # 172 + 882 = 1 054 nights of 50 places × 31 nights = 1 550 offered: 68,0 %.
    assert december == [
        "December",
        "172",
        "882",
        f"16,3{NBSP}%",
        f"83,7{NBSP}%",
        f"1{NNBSP}054",
        f"1{NNBSP}550",
        f"68,0{NBSP}%",
    ]
    assert _row(table, "November")[-1] == f"80,1{NBSP}%"
    # Uppgift saknas is said in words; what depends on it is incomplete, never 0.
    january = _row(table, "Januari")
    assert january[1] == "uppgift saknas" and january[2] == "900"
    assert january[5] == "ofullständigt" and january[7] == "ofullständigt"
    april = _row(table, "April")  # not filled in: blank, and nothing computed from it
    assert april[1] == april[2] == "" and april[-1] == "ofullständigt"
    # The totals row: marked, recomputed from sums, incomplete where a part is unknown.
    assert "<tfoot>" in table and '<tr class="total">' in table
    total = _row(table, "Totalt")
    assert total[1] == "ofullständigt" and total[6] == f"9{NNBSP}050"  # offered adds up from the capacity
    assert ">0<" not in table.replace(">0 %<", "")
    assert 'class="num"' in table  # numbers are right-aligned (tables.css)


def test_occupancy_table_has_a_chart_with_a_text_alternative(night_tables, signed_in):
    html = _preview(signed_in)
    block = html[html.index(">Beläggning per månad, Stadsmissionens nattverksamhet</caption>") :]
    block = block[: block.index('<div class="block')]
    figure = re.search(r'<figure class="stat-chart">\s*(<svg .*?</svg>)\s*<figcaption>(.*?)</figcaption>', block, re.S)
    assert figure, "no chart figure after the occupancy table"
    svg, caption = figure.groups()
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "chart-occupancy" in svg
    assert caption.startswith("Beläggning per månad, Stadsmissionens nattverksamhet:")
    assert f"december 68,0{NBSP}%" in caption and "januari saknas" in caption
    assert caption in svg  # the same text alternative as the SVG's <desc>


def test_joint_table_sums_the_units_and_names_who_has_not_reported(night_tables, signed_in, app):
    html = _preview(signed_in)
    section = html[html.index('id="avsn-1-2"') : html.index('id="avsn-1-3"')]
    joint_at = section.index('class="block joint-tables"')
    assert joint_at < section.index('<h3 class="block-heading">Stadsmissionens nattverksamhet</h3>')
    table = _table(section, "Beläggning per månad, alla nattverksamheter")
    # Other units have not reported: their months are incomplete, never counted as zero.
    assert _row(table, "December")[1] == "ofullständigt"
    assert "Ofullständig sammanställning" in section
    convictus = _unit_name(app, "convictus-natt")
    assert f"<li>{convictus} har inte rapporterat ännu.</li>" in section
    assert "<li>Stadsmissionens nattverksamhet har inte rapporterat april.</li>" in section
    assert "<li>Stadsmissionens nattverksamhet saknar uppgift för januari.</li>" in section


def test_joint_table_is_computed_when_every_unit_has_reported(app, demo, signed_in):
    with app.app_context():
        units = [block.unit.key for block in _blocks("natt-belaggning")]
        db.session.remove()
    rows = [
        {"key": key, "cells": {"women": {"v": 100}, "men": {"v": 400}}}
        for key in ("2022-11", "2022-12", "2023-01", "2023-02", "2023-03", "2023-04")
    ]
    _fill(app, "natt-belaggning", {unit: {"occupancy": {"rows": rows}} for unit in units})
    html = _preview(signed_in)
    table = _table(html, "Beläggning per månad, alla nattverksamheter")
    total = _row(table, "Totalt")
    grand = 500 * 6 * len(units)
    assert total[5] == f"{grand // 1000}{NNBSP}{grand % 1000:03d}"
    assert total[3] == f"20,0{NBSP}%" and "ofullständigt" not in table
    section = html[html.index('id="avsn-1-2"') : html.index('id="avsn-1-3"')]
    assert "Ofullständig sammanställning" not in section
    joint = section[: section.index('<h3 class="block-heading">', section.index("alla nattverksamheter"))]
    charts = re.findall(r'<svg [^>]*class="chart chart-(\w+)"', joint)
    assert charts == ["occupancy", "gender"]  # the joint table shows occupancy and women/men


def test_a_joint_table_nobody_has_reported_to_is_only_a_note(app, demo, signed_in):
    _fill(app, "natt-belaggning", {})
    html = _preview(signed_in)
    section = html[html.index('id="avsn-1-2"') : html.index('id="avsn-1-3"')]
    assert "Beläggning per månad, alla nattverksamheter:" in section
    assert "<li>Ingen verksamhet har rapporterat ännu.</li>" in section
    assert "<table" not in section and "<svg" not in section


def test_visits_joint_table_has_a_row_per_unit_and_a_grand_total(night_tables, signed_in, app):
    html = _preview(signed_in)
    table = _table(html, "Besök per verksamhet under perioden, alla dagverksamheter")
    kafe = _row(table, _unit_name(app, "kafe-norrmalm"))
    assert kafe[1:4] == [f"1{NNBSP}800", f"6{NNBSP}000", f"7{NNBSP}800"]
    assert _row(table, "Totalt")[1] == "ofullständigt"  # the other day units have not reported
    crossroads = _unit_name(app, "crossroads")
    assert f"<li>{crossroads} har inte rapporterat ännu.</li>" in html
    # The unit's own table: period figures under it, and women/men bars.
    own = html[html.index(">Besök per månad, Kafé Norrmalm</caption>") :]
    own = own[: own.index('<div class="block')]
    assert re.search(r"<dt>Unika besökare</dt><dd[^>]*>1\u202f234</dd>", own)
    assert 'class="chart chart-gender"' in own and "<figcaption>Besök per månad, kvinnor och män, Kafé Norrmalm:" in own


def test_grouped_columns_get_two_header_rows(night_tables, signed_in):
    table = _table(_preview(signed_in), "Utdelade biljetter per härbärge och månad, Ny Gemenskap Inskrivning")
    thead = table[table.index("<thead>") : table.index("</thead>")]
    assert thead.count("<tr>") == 2
    assert '<th scope="colgroup" colspan="2" class="group">Stadsmissionen</th>' in thead
    assert '<th scope="col" rowspan="2" class="txt row-label">Månad</th>' in thead
    assert '<colgroup span="2" class="col-group"></colgroup>' in table
    # Inte plats, then Nätter (not given) and Biljetter per natt, which cannot be computed without it.
    assert _row(table, "November")[-3:] == ["35", "", "ofullständigt"]


def test_nationalities_show_eu_and_third_country_shares(night_tables, signed_in):
    html = _preview(signed_in)
    table = _table(html, "Vanligaste nationaliteter, Stadsmissionens nattverksamhet")
    assert '<th scope="row" class="txt">Rumänien</th>' in table  # the country names the row
    after = html[html.index(">Vanligaste nationaliteter, Stadsmissionens nattverksamhet</caption>") :]
    figures = after[after.index('<dl class="stat-figures">') : after.index("</dl>")]
    assert re.search(r"<dt>Andel från EU/EES-länder</dt><dd[^>]*>85,0\u00a0%</dd>", figures)
    assert re.search(r"<dt>Andel från länder utanför EU/EES</dt><dd[^>]*>15,0\u00a0%</dd>", figures)
    assert re.search(r"<dt>Antal nationaliteter</dt><dd[^>]*>14</dd>", figures)
    assert "om antal saknas" not in table  # the share typed instead of a count is shown through Andel


def test_ids_are_unique_and_wide_tables_can_be_scrolled_from_the_keyboard(night_tables, signed_in):
    html = _preview(signed_in)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    wraps = re.findall(r'<div class="stat-table-wrap"([^>]*)>', html)
    assert wraps and all('role="region"' in w and 'tabindex="0"' in w and "aria-labelledby=" in w for w in wraps)
    for labelled_by in re.findall(r'aria-labelledby="([^"]+)"', html):
        for target in labelled_by.split():
            assert f' id="{target}"' in html, target


def test_hostile_values_are_escaped(night_tables, signed_in):
    html = _preview(signed_in)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # the log's text cell and the cell note
    assert "Erbjudna sängplatser, december: Två rum stängda &lt;script&gt;" in html
    assert not re.search(r"\sstyle=|<style", html)  # the CSP allows no inline styles


def test_a_block_with_only_tables_is_not_empty_and_untouched_tables_are_named(night_tables, app):
    with app.app_context():
        document = build_document(REPORT_ID, draft=True)
        db.session.remove()
    sections = {s.title: s for c in document.chapters for s in c.sections}
    ekn = next(s for s in sections.values() if s.anchor == "avsn-1-6")
    block = ekn.blocks[0]
    assert not block.empty and [t.caption for t in block.tables] == ["Extra kalla nätter, Ny Gemenskap Inskrivning"]
    assert block.tables[0].table.summary["rows"].value == 2


def test_document_with_tables_is_built_in_a_bounded_number_of_queries(night_tables, app, count_queries):
    with app.app_context():
        with count_queries() as counter:
            document = build_document(REPORT_ID, draft=True)
        db.session.remove()
    assert any(s.joint_tables for c in document.chapters for s in c.sections)
    assert counter.count <= 6, counter.statements


def _pdf_text(signed_in) -> str:
    client = signed_in(READER)
    post(client, f"/reports/{REPORT_ID}/draft-pdf")  # starts the render; the GET serves it once done
    response = client.get(f"/reports/{REPORT_ID}/draft.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def test_draft_pdf_has_the_tables_charts_and_joint_notes(night_tables, signed_in, app):
    text = _pdf_text(signed_in)
    assert "Beläggning per månad, Stadsmissionens nattverksamhet" in text
    assert "Beläggning per månad, alla nattverksamheter" in text
    assert "68,0 %" in text and "1 054" in text and "1 550" in text
    assert "uppgift saknas" in text and "ofullständigt" in text
    squeezed = re.sub(r"\s+", " ", text)
    assert f"{_unit_name(app, 'convictus-natt')} har inte rapporterat ännu." in squeezed
    assert "Stadsmissionens nattverksamhet har inte rapporterat april." in squeezed
    # The chart's text alternative is printed under it, and its own labels are real text.
    assert "december 68,0 %" in squeezed
    assert "100 % = alla platser belagda" in squeezed
    assert '<script>alert("x")</script>' in squeezed  # shown as text, never run
