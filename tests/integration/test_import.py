"""Importing into a statistics table: paste, CSV and .xlsx; preview, apply, refusals."""

from __future__ import annotations

import html
import io
import re
import time
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.helpers import block_snapshot, block_version, find_block
from webapp.extensions import db
from webapp.models import Block, BlockDraft

WRITER = "skribent.stadsmissionen-natt@demo.iop"
OTHER = "skribent.fa-arsta@demo.iop"
KEY = "occupancy"
TEXT, FILE = f"import-{KEY}-text", f"import-{KEY}-file"

# Stadsmissionen's women / men guest-nights of 2021–22, pasted into the 2022–23 months.
FIGURES = [
    ("November", 202, 1000),
    ("December", 172, 882),
    ("Januari", 104, 702),
    ("Februari", 188, 788),
    ("Mars", 189, 914),
    ("April", 198, 983),
]
MONTH_KEYS = ["2022-11", "2022-12", "2023-01", "2023-02", "2023-03", "2023-04"]
PASTE = "Månad\tKvinnor\tMän\r\n" + "".join(f"{m}\t{w}\t{n}\r\n" for m, w, n in FIGURES)


@pytest.fixture
def block_id(app, demo):
    """Stadsmissionen's occupancy block in the open 2022–23 report (50 places)."""
    return find_block(app, "natt-belaggning", "stadsmissionen-natt")


def _url(block_id: int, step: str, key: str = KEY) -> str:
    return f"/blocks/{block_id}/tables/{key}/import/{step}"


def _post(client, url: str, data: dict, files: dict | None = None):
    payload = dict(data)
    for name, (content, filename) in (files or {}).items():
        payload[name] = (io.BytesIO(content), filename)
    return client.post(
        url,
        data=payload,
        content_type="multipart/form-data",
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)},
    )


def _preview(client, block_id, text: str = "", files: dict | None = None):
    return _post(client, _url(block_id, "preview"), {TEXT: text}, files)


def _apply(app, client, block_id, text: str = "", files: dict | None = None, **extra):
    data = {TEXT: text, "base_version": block_version(app, block_id), **extra}
    return _post(client, _url(block_id, "apply"), data, files)


def _draft_cells(app, block_id) -> dict:
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == block_id)).first()
        tables = draft.tables if draft else {}
        db.session.remove()
    return {row["key"]: row["cells"] for row in (tables.get(KEY) or {}).get("rows", [])}


def _nothing_saved(app, block_id, before) -> None:
    assert block_snapshot(app, block_id) == before
    assert _draft_cells(app, block_id) == {}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the page ---------------------------------------------------------------------------------


def test_each_editable_grid_has_an_import_panel_inside_the_block_form(signed_in, block_id):
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    panel = page.split('id="import-occupancy"', 1)[1].split('id="issues-occupancy"', 1)[0]
    assert "Klistra in eller ladda upp" in panel and "<details" in panel
    assert "Klistra in celler från Excel eller LibreOffice" in panel
    assert 'accept=".xlsx,.csv' in panel and "Förhandsgranska" in panel
    assert f'hx-post="/blocks/{block_id}/tables/occupancy/import/preview"' in panel
    assert 'hx-encoding="multipart/form-data"' in panel
    form = page.split('id="block-form"', 1)[1].split("</form>", 1)[0]
    assert "<form" not in form  # no nested form: the panel posts through htmx
    assert 'id="import-occupancy"' in form


# --- paste ------------------------------------------------------------------------------------


def test_pasted_cells_are_previewed_without_saving(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    response = _preview(client, block_id, PASTE)
    assert response.status_code == 200
    page = _text(response)
    assert "Det här ändras (12 celler)" in page
    assert '<th scope="col">Rad</th>' in page and ">Kolumn<" in page and ">Nu<" in page and ">Nytt<" in page
    assert re.search(
        r"<th scope=\"row\">December</th> <td>Kvinnor</td> <td[^>]*>.*?tom.*?</td> "
        r"<td class=\"numeric new\">172</td>",
        page,
    )
    assert "Använd" in page
    assert f'name="import-{KEY}-previewed"' in page
    _nothing_saved(app, block_id, before)


def test_applying_a_paste_keeps_the_values_as_the_draft_and_shows_occupancy(app, signed_in, block_id):
    client = signed_in(WRITER)
    response = _apply(app, client, block_id, PASTE)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#stat-tables"
    assert response.headers["HX-Reswap"] == "outerHTML"
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section id="stat-tables"')
    occupancy = page.split('id="v-occupancy-2022-12-occupancy"', 1)[1].split("</td>", 1)[0]
    assert "68,0\u00a0%" in occupancy  # 1 054 / (50 × 31), not 79 %
    assert 'value="172"' in page.split('id="td-c-occupancy-2022-12-women"', 1)[1].split("</td>", 1)[0]
    assert "Importen är gjord: 12 celler ändrades." in page
    assert 'id="autosave-status"' in page and 'hx-swap-oob="true"' in page
    cells = _draft_cells(app, block_id)
    assert [cells[key]["women"]["v"] for key in MONTH_KEYS] == [w for _m, w, _n in FIGURES]
    assert [cells[key]["men"]["v"] for key in MONTH_KEYS] == [n for _m, _w, n in FIGURES]
    assert all("offered" not in cells[key] for key in MONTH_KEYS)  # left to the capacity default


def test_anvand_posts_back_exactly_what_the_preview_showed(app, signed_in, block_id):
    """The preview carries the pasted text in a hidden field; "Använd" sends those fields
    (and base_version) only, as its hx-params say."""
    client = signed_in(WRITER)
    page = _preview(client, block_id, PASTE).get_data(as_text=True)
    button = page.split("data-import-apply", 1)[1].split(">", 1)[0]
    params = [name.strip() for name in re.search(r'hx-params="([^"]+)"', button).group(1).split(",")]
    assert params == ["base_version", f"import-{KEY}-kind", f"import-{KEY}-digest", f"import-{KEY}-previewed"]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert hidden[f"import-{KEY}-kind"] == "text"
    fields = {name: html.unescape(hidden[name]) for name in params[1:]}
    response = _post(client, _url(block_id, "apply"), {**fields, "base_version": block_version(app, block_id)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _draft_cells(app, block_id)["2022-12"] == {"women": {"v": 172}, "men": {"v": 882}}


def test_six_rows_without_a_header_are_read_as_month_women_men(app, signed_in, block_id):
    client = signed_in(WRITER)
    rows = "".join(f"{m.lower()[:3]}\t{w}\t{n}\n" for m, w, n in FIGURES)
    preview = _text(_preview(client, block_id, rows))
    assert "Det här ändras (12 celler)" in preview
    assert "B = Kvinnor, C = Män" in preview and "Erbjudna sängplatser" in preview  # how it was read
    assert _apply(app, client, block_id, rows).status_code == 200
    assert _draft_cells(app, block_id)["2023-01"] == {"women": {"v": 104}, "men": {"v": 702}}


def test_the_preview_lists_only_what_changes_and_apply_starts_from_the_draft(app, signed_in, block_id):
    client = signed_in(WRITER)
    data = {
        "source": "Utkast.",
        "base_version": block_version(app, block_id),
        "cell|occupancy|2022-12|women": "172",
        "cell|occupancy|2022-12|men": "800",
        "cell|occupancy|2022-11|offered": "1400",
        "csrf_token": csrf_token(client),
    }
    assert client.post(f"/blocks/{block_id}/tables", data=data, headers={"HX-Request": "true"}).status_code == 200
    page = _text(_preview(client, block_id, "Månad\tKvinnor\tMän\nDecember\t172\t882\n"))
    assert "Det här ändras (1 cell)" in page
    assert re.search(
        r"December</th> <td>Män</td> <td class=\"numeric old\">800</td> "
        r"<td class=\"numeric new\">882</td>",
        page,
    )
    assert _apply(app, client, block_id, "Månad\tKvinnor\tMän\nDecember\t172\t882\n").status_code == 200
    cells = _draft_cells(app, block_id)
    assert cells["2022-12"] == {"women": {"v": 172}, "men": {"v": 882}}
    assert cells["2022-11"] == {"offered": {"v": 1400}}  # the draft's other cells are kept
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == block_id)).one()
        assert draft.source == "Utkast."  # the draft's text too


def test_an_unchanged_paste_says_so_and_offers_nothing_to_apply(app, signed_in, block_id):
    client = signed_in(WRITER)
    assert _apply(app, client, block_id, PASTE).status_code == 200
    page = _text(_preview(client, block_id, PASTE))
    assert "Inga ändringar" in page and "Använd" not in page


# --- CSV and .xlsx ----------------------------------------------------------------------------


def test_csv_with_semicolons_and_decimal_commas(app, signed_in, block_id):
    """Swedish Excel's CSV: semicolons, a BOM, cp-style headers and a decimal comma in a count
    column that is a whole number ("1 000,0"), plus a share column that is not imported."""
    csv_text = "Månad;Kvinnor;Män;Andel kvinnor\r\nnovember;202;1 000,0;16,8 %\r\ndecember;172;882;16,3 %\r\n"
    files = {FILE: (csv_text.encode("utf-8-sig"), "beläggning.csv")}
    preview = _text(_preview(signed_in(WRITER), block_id, files=files))
    assert "Det här ändras (4 celler)" in preview, preview
    assert "filen ”beläggning.csv”" in preview
    response = _apply(app, signed_in(WRITER), block_id, files=files)
    assert response.status_code == 200, response.get_data(as_text=True)
    cells = _draft_cells(app, block_id)
    assert cells["2022-11"] == {"women": {"v": 202}, "men": {"v": 1000}}
    assert cells["2022-12"] == {"women": {"v": 172}, "men": {"v": 882}}


def test_csv_with_decimal_commas_into_a_decimal_column(app, signed_in, demo):
    """The nationalities table (free rows) takes countries, counts and decimal shares."""
    block_id = find_block(app, "natt-nationaliteter", "stadsmissionen-natt")
    client = signed_in(WRITER)
    csv_text = "Land;Antal;Andel\r\nRumänien;120;41,5\r\nBulgarien;60;20,8\r\nPolen;;7,25\r\n"
    files = {"import-nationalities-file": (csv_text.encode("cp1252"), "lander.csv")}
    preview = _post(client, _url(block_id, "preview", "nationalities"), {}, files)
    page = _text(preview)
    assert preview.status_code == 200, page
    assert "ersätts med de 3 inlästa raderna" in page
    assert ">41,5<" in page and ">Rumänien<" in page
    data = {"base_version": block_version(app, block_id)}
    response = _post(client, _url(block_id, "apply", "nationalities"), data, files)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == block_id)).one()
        rows = draft.tables["nationalities"]["rows"]
    assert [row["cells"] for row in rows] == [
        {"country": {"v": "RO"}, "count": {"v": 120}, "share": {"v": "41.5"}},
        {"country": {"v": "BG"}, "count": {"v": 60}, "share": {"v": "20.8"}},
        {"country": {"v": "PL"}, "share": {"v": "7.25"}},
    ]


def test_a_real_xlsx_written_by_openpyxl(app, signed_in, block_id):
    data = _xlsx(
        [
            ("Stockholms Stadsmission, natt",),
            ("Månad", "Kvinnor", "Män", "Nätter"),
            *[(m, w, n, w + n) for m, w, n in FIGURES],
            ("Totalt", 1053, 5269, 6322),
        ]
    )
    files = {FILE: (data, "beläggning 2022–23.xlsx")}
    client = signed_in(WRITER)
    preview = _preview(client, block_id, files=files)
    page = _text(preview)
    assert preview.status_code == 200, page
    assert "Det här ändras (12 celler)" in page and "summeringsraden" in page
    assert f'name="import-{KEY}-digest"' in page and f"#{FILE}" in page  # Använd sends the file again
    response = _apply(app, client, block_id, files=files)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "68,0\u00a0%" in response.get_data(as_text=True)
    assert _draft_cells(app, block_id)["2023-04"] == {"women": {"v": 198}, "men": {"v": 983}}


def test_a_file_changed_after_the_preview_is_not_applied(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    data = _xlsx([("Månad", "Kvinnor"), ("December", 172)])
    page = _preview(client, block_id, files={FILE: (data, "a.xlsx")}).get_data(as_text=True)
    digest = re.search(rf'name="import-{KEY}-digest" value="([0-9a-f]+)"', page).group(1)
    other = _xlsx([("Månad", "Kvinnor"), ("December", 999)])
    response = _apply(
        app,
        client,
        block_id,
        files={FILE: (other, "a.xlsx")},
        **{f"import-{KEY}-kind": "file", f"import-{KEY}-digest": digest},
    )
    assert response.status_code == 422
    assert "ändrats sedan förhandsgranskningen" in _text(response)
    _nothing_saved(app, block_id, before)


# --- bad input --------------------------------------------------------------------------------


def test_bad_cells_are_named_by_row_and_column_and_nothing_changes(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    bad = "Månad\tKvinnor\tMän\nNovember\t202\t1000\nDecember\t17x\t882\nJanuari\t104\t-5\nSmörgås\t1\t2\n"
    preview = _preview(client, block_id, bad)
    page = _text(preview)
    assert preview.status_code == 422
    assert "Rad 3, kolumn Kvinnor: ”17x” är inget heltal." in page
    assert "Rad 4, kolumn Män: ”-5” får inte vara negativt." in page
    assert "Rad 5, kolumn Månad: ”Smörgås” är ingen känd månad eller rad i tabellen." in page
    assert "Använd" not in page
    response = _apply(app, client, block_id, bad)
    assert response.status_code == 422
    assert "Rad 3, kolumn Kvinnor" in _text(response)
    _nothing_saved(app, block_id, before)


def test_negative_numbers_are_refused_with_row_and_column(app, signed_in, block_id):
    page = _text(_preview(signed_in(WRITER), block_id, "Månad\tKvinnor\tMän\nJanuari\t104\t-5\n"))
    assert "Rad 2, kolumn Män: ”-5” får inte vara negativt." in page


def test_an_unknown_month_and_a_wrong_shape_are_explained(app, signed_in, block_id):
    client = signed_in(WRITER)
    unknown = _preview(client, block_id, "Månad\tKvinnor\nMaj\t5\n")
    assert unknown.status_code == 422
    page = _text(unknown)
    assert "Rad 2: maj ingår inte i perioden och hoppas över." in page
    assert "Ingen rad i kolumn Månad känns igen som en rad i tabellen." in page
    shape = _preview(client, block_id, "a\tb\tc\td\te\n1\t2\t3\t4\t5\n")
    assert shape.status_code == 422
    assert "Hittade ingen rubrikrad med kända kolumnnamn" in _text(shape)
    empty = _preview(client, block_id, "   ")
    assert empty.status_code == 422 and "Klistra in celler eller välj en fil först." in _text(empty)


def _billion_laughs_xlsx() -> bytes:
    data = _xlsx([("Månad", "Kvinnor"), ("December", 172)])
    entities = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)]
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [' + "".join(entities) + "]>"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&a9;</worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename)
            target.writestr(info.filename, body)
    return out.getvalue()


def _zip_bomb_xlsx() -> bytes:
    data = _xlsx([("Månad", "Kvinnor"), ("December", 172)])
    body = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + b" " * (30 * 1024 * 1024) + b"</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = body if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename)
            target.writestr(info.filename, content)
    return out.getvalue()


HOSTILE = {
    "zip bomb": (_zip_bomb_xlsx, "bomb.xlsx", "zip-bomb"),
    "entity expansion": (_billion_laughs_xlsx, "laughs.xlsx", "entiteter"),
    "csv renamed .xlsx": (lambda: "Månad;Kvinnor\r\nDecember;172\r\n".encode(), "fake.xlsx", "ingen .xlsx-fil"),
    "program renamed .xlsx": (lambda: b"MZ\x90\x00" + bytes(range(256)) * 8, "virus.xlsx", "program"),
    "old .xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "gammal.xls", ".xls"),
    "pdf as csv": (lambda: b"%PDF-1.7\n" + b"x" * 100, "data.csv", "PDF"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_uploads_are_refused_and_change_nothing(app, signed_in, block_id, case):
    make, filename, expected = HOSTILE[case]
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    files = {FILE: (make(), filename)}
    started = time.perf_counter()
    preview = _preview(client, block_id, files=files)
    assert time.perf_counter() - started < 2.0  # refused before anything expensive is parsed
    assert preview.status_code == 422
    assert expected in _text(preview) and "Ingenting har ändrats." in _text(preview)
    response = _apply(app, client, block_id, files=files)
    assert response.status_code == 422
    assert expected in _text(response)
    _nothing_saved(app, block_id, before)


def test_a_file_over_the_request_limit_is_refused_with_a_clear_message(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    huge = b"M\xe5nad;Kvinnor\r\n" + b"December;172\r\n" * 200_000  # 2,8 MB
    response = _apply(app, client, block_id, files={FILE: (huge, "stor.csv")})
    assert response.status_code == 413
    page = _text(response)
    assert "för stort" in page and "2 MB" in page and "Ingenting har ändrats." in page
    _nothing_saved(app, block_id, before)


# --- permissions and conflicts ----------------------------------------------------------------


def test_another_units_writer_gets_403_and_nothing_changes(app, signed_in, block_id):
    client = signed_in(OTHER)
    before = block_snapshot(app, block_id)
    assert _preview(client, block_id, PASTE).status_code == 403
    assert _apply(app, client, block_id, PASTE).status_code == 403
    _nothing_saved(app, block_id, before)


def test_a_locked_report_refuses_import_with_409(app, signed_in, demo):
    locked = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    client = signed_in(WRITER)
    before = block_snapshot(app, locked)
    assert _preview(client, locked, PASTE).status_code == 409
    response = _apply(app, client, locked, PASTE)
    assert response.status_code == 409 and "låst" in _text(response)
    assert block_snapshot(app, locked) == before


def test_an_unknown_table_is_404(app, signed_in, block_id):
    assert _post(signed_in(WRITER), _url(block_id, "preview", "nope"), {TEXT: PASTE}).status_code == 404


def test_a_stale_version_is_a_409_conflict_and_nothing_changes(app, signed_in, block_id):
    client = signed_in(WRITER)
    data = {"source": "Första.", "base_version": block_version(app, block_id), "csrf_token": csrf_token(client)}
    assert client.post(f"/blocks/{block_id}/save", data=data).status_code == 302  # version moves on
    before = block_snapshot(app, block_id)
    response = _post(client, _url(block_id, "apply"), {TEXT: PASTE, "base_version": before[0] - 1})
    assert response.status_code == 409
    assert "Någon annan har sparat bidraget" in _text(response)
    _nothing_saved(app, block_id, before)


def test_missing_csrf_token_is_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    response = client.post(
        _url(block_id, "apply"), data={TEXT: PASTE, "base_version": before[0]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    _nothing_saved(app, block_id, before)
    with app.app_context():
        assert db.session.get(Block, block_id) is not None
