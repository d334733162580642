"""Statistics import, the pure part: readers, Swedish cell values, matching, proposals,
and hostile files refused quickly."""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import openpyxl.xml
import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.statistics.formatting import format_number
from webapp.statistics.importing import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_SHEETS,
    CellKind,
    Grid,
    ImportRefused,
    match_columns,
    match_rows,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_month,
    parse_pasted,
    propose_import,
    read_csv,
    read_upload,
    read_xlsx,
    sniff_delimiter,
)

# The seed's Stadsmissionen night shelter, women / men guest-nights per month.
STADSMISSIONEN = [
    ("November", 202, 1000),
    ("December", 172, 882),
    ("Januari", 104, 702),
    ("Februari", 188, 788),
    ("Mars", 189, 914),
    ("April", 198, 983),
]
MONTH_KEYS = [date(2021, 11, 1), date(2021, 12, 1)] + [date(2022, m, 1) for m in range(1, 5)]
ROWS = [(key, ()) for key in MONTH_KEYS]
COLUMNS = [("women", ("Kvinnor", "kvinna")), ("men", ("Män", "man"))]
TYPES = {"women": "integer", "men": "integer"}
EXPECTED = {key: (women, men) for key, (_label, women, men) in zip(MONTH_KEYS, STADSMISSIONEN)}


def values(proposal):
    return {place: cell.value for place, cell in proposal.cells.items()}


def expected_values():
    out = {}
    for key, (women, men) in EXPECTED.items():
        out[(key, "women")] = women
        out[(key, "men")] = men
    return out


# --------------------------------------------------------------------------- xlsx helpers


def workbook_bytes(build) -> bytes:
    workbook = openpyxl.Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stadsmissionen_sheet(workbook):
    sheet = workbook.active
    sheet.title = "Beläggning"
    sheet.append(["Stockholms Stadsmission nattverksamhet 2021–22"])
    sheet.append(["Månad", "Kvinnor", "Män", "Nätter"])
    for label, women, men in STADSMISSIONEN:
        row = sheet.max_row + 1
        sheet.append([label, women, men, f"=B{row}+C{row}"])
    sheet.append(["Totalt", "=SUM(B3:B8)", "=SUM(C3:C8)", "=SUM(D3:D8)"])


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """Copy an xlsx, replacing or adding entries."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def patch_central_directory(data: bytes, name: str, *, file_size: int) -> bytes:
    """Rewrite the uncompressed size an entry declares in the central directory."""
    encoded = name.encode()
    position = 0
    while True:
        position = data.index(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == encoded:
            break
        position += 4
    patched = bytearray(data)
    struct.pack_into("<I", patched, position + 24, file_size)
    return bytes(patched)


def refused_quickly(read, data, *args) -> str:
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as caught:
        read(data, *args)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    message = caught.value.message
    assert message and message[0].isupper()
    return message


SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def billion_laughs(root: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE {root} [{''.join(entities)}]>\n"
        f'<{root} xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</{root}>'
    ).encode()


# --------------------------------------------------------------------------- xlsx


def test_real_xlsx_is_parsed_and_matched():
    grid = read_xlsx(workbook_bytes(stadsmissionen_sheet))
    assert grid.row_numbers[:3] == (1, 2, 3)
    assert grid.rows[2][:3] == ("November", 202, 1000)

    proposal = propose_import(grid, COLUMNS, ROWS, TYPES)

    assert proposal.problems == []
    assert proposal.ok
    assert values(proposal) == expected_values()
    assert proposal.header_row == 2
    assert proposal.label_column == 1
    assert proposal.column_map == {"women": 2, "men": 3}
    assert proposal.row_map[date(2021, 11, 1)] == 3
    assert proposal.row_map[date(2022, 4, 1)] == 8
    assert proposal.unmatched_headers == [(4, "Nätter")]
    assert any("Totalt" in note.message and "summeringsraden" in note.message for note in proposal.notes)
    assert all(cell.kind is CellKind.VALUE for cell in proposal.cells.values())


def test_xlsx_month_dates_percentages_and_named_sheet():
    def build(workbook):
        first = workbook.active
        first.title = "Försättsblad"
        first["A1"] = "Inget här"
        sheet = workbook.create_sheet("Data")
        sheet.append(["Månad", "KVINNOR", "Antal män", "Andel kvinnor"])
        for (_label, women, men), key in zip(STADSMISSIONEN, MONTH_KEYS):
            sheet.append([datetime(key.year, key.month, 1), women, men, women / (women + men)])
        for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
            row[0].number_format = "0.0%"

    data = workbook_bytes(build)
    grid = read_xlsx(data, sheet="Data")
    assert any("Försättsblad" in note for note in grid.notes)
    columns = COLUMNS + [("share", ("Andel kvinnor", "% kvinnor"))]
    proposal = propose_import(grid, columns, ROWS, {**TYPES, "share": "decimal"})
    assert proposal.problems == []
    assert proposal.cells[(date(2021, 11, 1), "women")].value == 202
    assert proposal.cells[(date(2022, 4, 1), "men")].value == 983
    share = proposal.cells[(date(2021, 11, 1), "share")].value
    assert isinstance(share, Decimal) and abs(share - Decimal("16.80532")) < Decimal("0.0001")

    with pytest.raises(ImportRefused, match="Bladet ”Saknas” finns inte"):
        read_xlsx(data, sheet="Saknas")
    # The first sheet is read by default.
    assert read_xlsx(data).rows == (("Inget här",),)


def test_xlsx_with_too_many_sheets_is_refused():
    def build(workbook):
        for index in range(MAX_SHEETS + 1):
            workbook.create_sheet(f"Blad {index}")

    assert "blad" in refused_quickly(read_xlsx, workbook_bytes(build))


def test_xlsx_with_content_beyond_the_row_limit_is_refused():
    def build(workbook):
        workbook.active["A1"] = "Månad"
        workbook.active.cell(row=MAX_ROWS + 1, column=1, value="November")

    assert "rader" in refused_quickly(read_xlsx, workbook_bytes(build))


def test_xlsx_with_content_beyond_the_column_limit_is_refused():
    def build(workbook):
        workbook.active.cell(row=1, column=MAX_COLUMNS + 1, value="Kvinnor")

    assert "kolumner" in refused_quickly(read_xlsx, workbook_bytes(build))


def test_far_away_styled_row_is_read_quickly():
    """A cell at the last row Excel allows must not make openpyxl yield a million rows."""

    def build(workbook):
        workbook.active["A1"] = "Kvinnor"
        workbook.active.cell(row=1_048_576, column=16_384).number_format = "0.0"

    started = time.perf_counter()
    grid = read_xlsx(workbook_bytes(build))
    assert time.perf_counter() - started < 1.0
    assert grid.rows == (("Kvinnor",),)


# --------------------------------------------------------------------------- hostile xlsx


def test_defusedxml_is_in_effect():
    assert openpyxl.xml.DEFUSEDXML is True
    from openpyxl.xml import functions

    assert functions.iterparse.__module__.startswith("defusedxml")


def test_zip_bomb_declaring_a_huge_size_is_refused_before_parsing():
    bomb = rezip(workbook_bytes(stadsmissionen_sheet), add={"xl/media/padding.bin": b"x" * 1000})
    bomb = patch_central_directory(bomb, "xl/media/padding.bin", file_size=0xFFFF_FFF0)
    assert len(bomb) < 20_000
    message = refused_quickly(read_xlsx, bomb)
    assert "packas upp" in message


def test_zip_bomb_with_honest_sizes_is_refused_by_its_compression_ratio():
    body = SHEET_START + b" " * (30 * 1024 * 1024) + SHEET_END
    bomb = rezip(workbook_bytes(stadsmissionen_sheet), replace={SHEET: body})
    assert len(bomb) < 100_000  # a few tens of KB for 30 MB
    message = refused_quickly(read_xlsx, bomb)
    assert "zip-bomb" in message


def test_zip_bomb_understating_its_size_is_refused():
    """The central directory claims 2 KB; the entry inflates to 30 MB. zipfile stops
    at the declared size and the CRC (or the cut-off XML) gives it away."""
    body = SHEET_START + b" " * (30 * 1024 * 1024) + SHEET_END
    bomb = rezip(workbook_bytes(stadsmissionen_sheet), replace={SHEET: body})
    bomb = patch_central_directory(bomb, SHEET, file_size=2048)
    message = refused_quickly(read_xlsx, bomb)
    assert "läses inte" in message or "kunde inte läsas" in message


def minimal_xlsx(replace: dict[str, bytes] | None = None) -> bytes:
    """A hand-made workbook with a shared-strings table (openpyxl writes inline strings)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    content = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    parts = {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{content}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{content}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        SHEET: (
            f'{head}<worksheet xmlns="{main}"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>202</v></c></row>'
            "</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'{head}<sst xmlns="{main}" count="3" uniqueCount="3">'
            "<si><t>Månad</t></si><si><t>Kvinnor</t></si><si><t>November</t></si></sst>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, (replace or {}).get(name, text.encode()))
    return out.getvalue()


def test_minimal_xlsx_is_readable():
    assert read_xlsx(minimal_xlsx()).rows == (("Månad", "Kvinnor"), ("November", 202))


@pytest.mark.parametrize(
    ("part", "root"),
    [
        ("xl/workbook.xml", "workbook"),
        (SHEET, "worksheet"),
        ("xl/sharedStrings.xml", "sst"),
        ("[Content_Types].xml", "Types"),
        ("xl/_rels/workbook.xml.rels", "Relationships"),
    ],
)
def test_xml_entity_expansion_is_refused(part, root):
    hostile = minimal_xlsx(replace={part: billion_laughs(root)})
    assert "entiteter" in refused_quickly(read_xlsx, hostile)


def test_xml_entity_expansion_in_an_openpyxl_workbook_is_refused():
    hostile = rezip(workbook_bytes(stadsmissionen_sheet), replace={SHEET: billion_laughs("worksheet")})
    assert "entiteter" in refused_quickly(read_xlsx, hostile)


def test_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>'
    )
    assert "entiteter" in refused_quickly(read_xlsx, minimal_xlsx(replace={"xl/sharedStrings.xml": xxe}))


def test_csv_renamed_to_xlsx_is_refused():
    csv_bytes = "Månad;Kvinnor;Män\r\nNovember;202;1000\r\n".encode("utf-8-sig")
    message = refused_quickly(read_xlsx, csv_bytes)
    assert "ingen .xlsx-fil" in message
    assert "ingen .xlsx-fil" in refused_quickly(read_upload, csv_bytes, "beläggning.xlsx")


def test_exe_renamed_to_xlsx_is_refused():
    message = refused_quickly(read_xlsx, b"MZ\x90\x00\x03" + os.urandom(2000))
    assert "program" in message


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hej")
    assert "ingen Excel-arbetsbok" in refused_quickly(read_xlsx, buffer.getvalue())


def test_truncated_xlsx_is_refused():
    data = workbook_bytes(stadsmissionen_sheet)
    refused_quickly(read_xlsx, data[: len(data) // 2])


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_refused(seed):
    import random

    junk = random.Random(seed).randbytes(4096)
    refused_quickly(read_xlsx, junk)
    refused_quickly(read_csv, b"\x00\x01" + junk)
    refused_quickly(read_xlsx, b"PK\x03\x04" + junk)


def test_oversize_files_are_refused():
    big = b"a;b\n" * (MAX_FILE_BYTES // 4 + 1)
    assert "för stor" in refused_quickly(read_csv, big)
    assert "för stor" in refused_quickly(read_xlsx, b"PK\x03\x04" + big)


# --------------------------------------------------------------------------- CSV and paste


SEMICOLON_CSV = (
    "Stadsmissionen;;;\r\n"
    "Månad;Kvinnor;Män;Andel kvinnor\r\n"
    "Nov;202;1 000;16,8 %\r\n"
    "Dec;172;882;16,3 %\r\n"
    "Jan;104;702;12,9\r\n"
    "Feb;188;788;19,3\r\n"
    "Mar;189;914;17,1\r\n"
    "Apr;198;983;16,8\r\n"
    "Totalt;1.053;5.269;16,7\r\n"
)
SHARE_COLUMNS = COLUMNS + [("share", ("Andel kvinnor",))]
SHARE_TYPES = {**TYPES, "share": "decimal"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_csv_with_semicolons_and_decimal_commas(encoding):
    grid = read_csv(SEMICOLON_CSV.encode(encoding))
    assert grid.rows[1] == ("Månad", "Kvinnor", "Män", "Andel kvinnor")
    proposal = propose_import(grid, SHARE_COLUMNS, ROWS, SHARE_TYPES)
    assert proposal.problems == []
    got = values(proposal)
    assert {k: v for k, v in got.items() if k[1] != "share"} == expected_values()
    assert got[(date(2021, 11, 1), "share")] == Decimal("16.8")
    assert got[(date(2022, 1, 1), "share")] == Decimal("12.9")
    assert proposal.header_row == 2


def test_csv_sniffing_and_excel_sep_line():
    assert sniff_delimiter("Månad;Andel\nnov;74,6\ndec;12,5\n") == ";"
    assert sniff_delimiter("month,women,men\nnov,202,1000\n") == ","
    assert sniff_delimiter("Månad\tKvinnor\nnov\t202\n") == "\t"
    grid = read_csv(b"sep=,\r\nM\xe5nad,Kvinnor\r\nnov,202\r\n")
    assert grid.rows == (("Månad", "Kvinnor"), ("nov", "202"))
    assert grid.row_numbers == (2, 3)


def test_comma_csv_with_quoted_decimal_commas():
    data = 'Månad,Kvinnor,Män,Andel kvinnor\nnov,202,"1 000","16,8"\n'.encode()
    proposal = propose_import(read_csv(data), SHARE_COLUMNS, ROWS, SHARE_TYPES)
    assert proposal.cells[(date(2021, 11, 1), "men")].value == 1000
    assert proposal.cells[(date(2021, 11, 1), "share")].value == Decimal("16.8")


def test_csv_over_the_row_limit_is_refused():
    data = ("Kvinnor\n" + "1\n" * MAX_ROWS).encode()
    assert "rader" in refused_quickly(read_csv, data)


def test_csv_with_an_endless_line_or_endless_blank_lines_is_refused_quickly():
    assert "orimligt lång" in refused_quickly(read_csv, b"a" + b";" * (MAX_FILE_BYTES - 10))
    assert "rader" in refused_quickly(read_csv, b"\n" * (MAX_FILE_BYTES - 10))
    assert "rader" in refused_quickly(read_csv, b";;\r\n" * (MAX_FILE_BYTES // 5) + b"x;1\r\n")


def test_a_thousand_row_sheet_is_read_quickly():
    def build(workbook):
        workbook.active.append(["Land", "Antal", "Andel"])
        for index in range(1000):
            workbook.active.append([("Rumänien", "Polen", "Bulgarien", "Ro")[index % 4], index, index / 3])

    data = workbook_bytes(build)
    read_xlsx(data)  # openpyxl's first import is not the reader's cost
    started = time.perf_counter()
    proposal = propose_import(
        read_xlsx(data),
        [("country", ("Land",)), ("count", ("Antal",)), ("share", ("Andel",))],
        None,
        {"country": "country", "count": "integer", "share": "decimal"},
    )
    assert time.perf_counter() - started < 1.0
    assert proposal.problems == [] and len(proposal.cells) == 3000


def test_csv_refuses_spreadsheets_and_empty_files():
    assert "xlsx" in refused_quickly(read_csv, workbook_bytes(stadsmissionen_sheet))
    assert ".xls" in refused_quickly(read_csv, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert "tom" in refused_quickly(read_csv, b"")


def test_tab_separated_paste_from_excel():
    text = "Månad\tKvinnor\tMän\r\n" + "".join(
        f"{label}\t{women}\t{format_number(men)}\r\n" for label, women, men in STADSMISSIONEN
    )
    grid = parse_pasted(text)
    assert grid.height == 7 and grid.width == 3
    proposal = propose_import(grid, COLUMNS, ROWS, TYPES)
    assert proposal.problems == []
    assert values(proposal) == expected_values()


def test_paste_unquotes_cells_with_tabs_line_breaks_and_quotes():
    text = 'Månad\tKommentar\tKvinnor\n"nov"\t"två\nrader"\t202\ndec\t"med\ttabb och ""citat"""\t172\n'
    grid = parse_pasted(text)
    assert grid.rows == (
        ("Månad", "Kommentar", "Kvinnor"),
        ("nov", "två\nrader", "202"),
        ("dec", 'med\ttabb och "citat"', "172"),
    )
    assert grid.row_numbers == (1, 2, 4)  # the quoted line break moves the next row down


def test_paste_of_six_rows_without_headers_is_read_in_column_order():
    text = "\n".join(f"{label[:3].upper()}\t{women}\t{men}" for label, women, men in STADSMISSIONEN) + "\n"
    proposal = propose_import(parse_pasted(text), COLUMNS, ROWS, TYPES)
    assert proposal.problems == []
    assert values(proposal) == expected_values()
    assert proposal.header_row is None
    assert any("Ingen rubrikrad" in note.message for note in proposal.notes)


def test_paste_ragged_rows_become_a_rectangle_and_blank_rows_vanish():
    grid = parse_pasted("a\tb\tc\n\n\t\nd\n")
    assert grid.rows == (("a", "b", "c"), ("d", "", ""))
    assert grid.row_numbers == (1, 4)
    assert parse_pasted("").rows == ()


# --------------------------------------------------------------------------- bad content


def test_bad_cells_are_named_by_row_and_column():
    text = (
        "Månad\tKvinnor\tMän\nnov\t202\t1000\ndec\t12a\t882\njan\t104\t70,5\nNovembr\t1\t2\nfeb\t188\t788\nfeb\t1\t1\n"
    )
    proposal = propose_import(parse_pasted(text), COLUMNS, ROWS, TYPES)
    messages = [problem.message for problem in proposal.problems]
    assert messages == [
        "Rad 3, kolumn Kvinnor: ”12a” är inget heltal.",
        "Rad 4, kolumn Män: ”70,5” är inget heltal.",
        "Rad 5, kolumn Månad: ”Novembr” är ingen känd månad eller rad i tabellen.",
        "Rad 7: februari 2022 finns redan på rad 6.",
    ]
    assert not proposal.ok
    first = proposal.problems[0]
    assert (first.row, first.column, first.row_key, first.column_key) == (3, 2, date(2021, 12, 1), "women")
    assert proposal.cells[(date(2021, 11, 1), "women")].value == 202
    assert proposal.missing_rows == [date(2022, 3, 1), date(2022, 4, 1)]


def test_month_outside_the_period_is_skipped_with_a_note():
    text = "Månad\tKvinnor\tMän\njuli 2021\t5\t6\nnov 2021\t202\t1000\njuli\t1\t2\n"
    proposal = propose_import(parse_pasted(text), COLUMNS, ROWS, TYPES)
    assert proposal.problems == []
    notes = [note.message for note in proposal.notes]
    assert "Rad 2: juli 2021 ingår inte i perioden och hoppas över." in notes
    assert "Rad 4: juli ingår inte i perioden och hoppas över." in notes


def test_month_without_year_is_ambiguous_in_a_period_longer_than_a_year():
    keys = [date(2021, 11, 1), date(2022, 11, 1)]
    proposal = propose_import(parse_pasted("Månad\tKvinnor\nnov\t1\n"), COLUMNS[:1], [(k, ()) for k in keys], TYPES)
    assert len(proposal.problems) == 1
    assert "skriv ut året" in proposal.problems[0].message
    ok = propose_import(parse_pasted("Månad\tKvinnor\nnov 2022\t1\n"), COLUMNS[:1], [(k, ()) for k in keys], TYPES)
    assert values(ok) == {(date(2022, 11, 1), "women"): 1}


def test_no_known_headers_and_wrong_shape_are_reported_not_raised():
    proposal = propose_import(parse_pasted("a\tb\tc\td\n1\t2\t3\t4\n"), COLUMNS, ROWS, TYPES)
    assert not proposal.ok
    assert "Hittade ingen rubrikrad" in proposal.problems[0].message
    assert propose_import(Grid(rows=(), row_numbers=()), COLUMNS, ROWS, TYPES).problems


def test_free_rows_and_fixed_labels():
    nationalities = parse_pasted("Land\tAntal\nRumänien\t306\nPolen\t44\nTotalt\t350\n")
    proposal = propose_import(
        nationalities,
        [("country", ("Land",)), ("count", ("Antal",))],
        None,
        {"country": "country", "count": "integer"},
    )
    assert proposal.problems == []
    assert values(proposal) == {  # a country column reads the country list, as the grid does
        (0, "country"): "RO",
        (0, "count"): 306,
        (1, "country"): "PL",
        (1, "count"): 44,
    }
    facts = parse_pasted("Uppgift\tVärde\nTotal UNO-koder (unika deltagare)\t434\nKvinnor\t143\nMän\t291\n")
    proposal = propose_import(
        facts,
        [("value", ("Värde",))],
        [("uno", ("UNO-koder", "unika deltagare")), ("women", ("Kvinnor",)), ("men", ("Män",))],
        {"value": "integer"},
    )
    assert proposal.problems == []
    assert values(proposal) == {("uno", "value"): 434, ("women", "value"): 143, ("men", "value"): 291}


def test_dot_thousands_are_noted_in_the_preview():
    proposal = propose_import(parse_pasted("Månad\tKvinnor\tMän\nApr\t1.023\t1.402\n"), COLUMNS, ROWS, TYPES)
    assert proposal.cells[(date(2022, 4, 1), "women")].value == 1023
    assert proposal.cells[(date(2022, 4, 1), "men")].value == 1402
    assert any("Rad 2, kolumn Kvinnor: ”1.023” lästes som 1\u202f023" in n.message for n in proposal.notes)


# --------------------------------------------------------------------------- cell values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 087", 1087),
        ("1\u00a0087", 1087),
        ("1\u202f087", 1087),
        ("14 245", 14245),
        ("14245", 14245),
        (" 202 ", 202),
        ("1.023", 1023),
        ("2.425", 2425),
        ("1.234.567", 1234567),
        ("12,0", 12),
        ("−5", -5),
        ("-5", -5),
        (202, 202),
        (202.0, 202),
        (Decimal("7"), 7),
    ],
)
def test_parse_integer_values(text, expected):
    cell = parse_integer(text)
    assert cell.kind is CellKind.VALUE
    assert cell.value == expected and isinstance(cell.value, int)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", CellKind.EMPTY),
        ("  ", CellKind.EMPTY),
        ("-", CellKind.EMPTY),
        ("–", CellKind.EMPTY),
        (None, CellKind.EMPTY),
        ("uppgift saknas", CellKind.MISSING),
        ("Saknas", CellKind.MISSING),
        ("u.s.", CellKind.MISSING),
        ("U. S.", CellKind.MISSING),
        ("Inga uppgifter", CellKind.MISSING),
        ("ej tillämpligt", CellKind.NOT_APPLICABLE),
        ("E.T.", CellKind.NOT_APPLICABLE),
        ("gäller ej", CellKind.NOT_APPLICABLE),
        ("Ej tillampligt", CellKind.NOT_APPLICABLE),
    ],
)
def test_markers(text, kind):
    assert parse_integer(text).kind is kind
    assert parse_decimal(text).kind is kind


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12a", "”12a” är inget heltal."),
        ("12,5", "”12,5” är inget heltal."),
        ("1.5", "”1.5” är inget heltal."),
        ("10 87", "”10 87” är inget heltal."),
        ("74 %", "”74 %” är en procentsats, inte ett heltal."),
        ("#DIV/0!", "”#DIV/0!” är ett felvärde från Excel, inget tal."),
        (202.5, "”202,5” är inget heltal."),
        (True, "”True” är inget heltal."),
    ],
)
def test_parse_integer_errors(text, message):
    cell = parse_integer(text)
    assert cell.kind is CellKind.ERROR
    assert cell.message == message


def test_comma_before_three_digits_is_ambiguous_in_an_integer_column():
    cell = parse_integer("1,500")
    assert cell.is_error
    assert "Skriv 1500 eller 1 500" in cell.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("74,6", "74.6"),
        ("74,6 %", "74.6"),
        ("74,6%", "74.6"),
        ("88,8\u00a0%", "88.8"),
        ("0,5", "0.5"),
        (",5", "0.5"),
        ("1 234,5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("−0,5", "-0.5"),
        ("74.6", "74.6"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("1,500", "1.500"),
        ("14 245", "14245"),
        (0.25, "0.25"),
        (3, "3"),
    ],
)
def test_parse_decimal_values(text, expected):
    cell = parse_decimal(text)
    assert cell.kind is CellKind.VALUE
    assert cell.value == Decimal(expected)


def test_single_dot_in_a_decimal_column_is_a_decimal_point_with_a_note():
    cell = parse_decimal("1.023")
    assert cell.value == Decimal("1.023")
    assert "decimaltecken" in cell.note
    assert parse_decimal("74,6x").message == "”74,6x” är inget tal."


def test_parse_date():
    assert parse_date("2021-11-29").value == date(2021, 11, 29)
    assert parse_date("29/11/2021").value == date(2021, 11, 29)
    assert parse_date("29.11.2021").value == date(2021, 11, 29)
    assert parse_date("29 nov 2021").value == date(2021, 11, 29)
    assert parse_date(datetime(2021, 11, 29, 0, 0)).value == date(2021, 11, 29)
    assert parse_date("31/02/2021").is_error
    assert parse_date("").kind is CellKind.EMPTY


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("November", (None, 11)),
        ("nov", (None, 11)),
        ("NOV", (None, 11)),
        ("Nov.", (None, 11)),
        ("Nov 2021", (2021, 11)),
        ("nov-21", (2021, 11)),
        ("2021-11", (2021, 11)),
        ("2021-11-01", (2021, 11)),
        ("11/2021", (2021, 11)),
        ("november 2021", (2021, 11)),
        ("Mars", (None, 3)),
        ("mar", (None, 3)),
        ("maj", (None, 5)),
        ("okt", (None, 10)),
        ("Oct", (None, 10)),
        ("sept", (None, 9)),
        (datetime(2022, 3, 1), (2022, 3)),
        (date(2022, 3, 1), (2022, 3)),
        ("Totalt", None),
        ("Novembr", None),
        ("2021-13", None),
        ("", None),
        (11, None),
        ("nov dec", None),
    ],
)
def test_parse_month(label, expected):
    assert parse_month(label) == expected


# --------------------------------------------------------------------------- matching


def test_match_columns_is_case_space_and_diacritic_insensitive():
    assert match_columns(["Månad", "KVINNOR", " män "], COLUMNS) == {"women": 1, "men": 2}
    assert match_columns(["Antal kvinnor", "Antal man"], COLUMNS) == {"women": 0, "men": 1}
    # A repeated header goes to the leftmost one (the seed repeats "Kvinnor Män" for percentages).
    assert match_columns(["Kvinnor", "Män", "Kvinnor", "Män"], COLUMNS) == {"women": 0, "men": 1}
    # Share headers are not taken for counts, but match share aliases.
    assert match_columns(["Andel kvinnor", "Kvinnor %", "% män"], COLUMNS) == {}
    shares = [("women_share", ("Andel kvinnor", "% kvinnor")), ("men_share", ("Andel män", "% män"))]
    assert match_columns(["Kvinnor", "Procentuell andel kvinnor", "% män"], COLUMNS + shares) == {
        "women": 0,
        "women_share": 1,
        "men_share": 2,
    }
    # A header naming two columns is used for neither.
    assert match_columns(["Kvinnor och män"], COLUMNS) == {}
    assert match_columns(["Månad", "Nätter"], COLUMNS) == {}


def test_match_rows_by_month_names_and_aliases():
    grid = parse_pasted("Månad\tKvinnor\nNOV\t1\nDec 2021\t2\n2022-01\t3\nFebruari\t4\nmar\t5\nApril\t6\nTotalt\t21\n")
    matched = match_rows(grid, ROWS, label_column=0)
    assert matched == {key: index for index, key in enumerate(MONTH_KEYS, 1)}
    fixed = match_rows(grid, [("total", ("Totalt", "Summa"))], label_column=0)
    assert fixed == {"total": 7}


# --------------------------------------------------------------------------- properties


SEPARATORS = st.sampled_from([" ", "\u00a0", "\u202f", "."])


@given(st.integers(min_value=-(10**12), max_value=10**12), SEPARATORS)
def test_integers_formatted_the_swedish_way_parse_back(number, separator):
    text = format_number(number).replace("\u202f", separator)
    if number < 0 and separator != ".":
        text = text.replace("-", "−")
    cell = parse_integer(text)
    assert cell.kind is CellKind.VALUE, text
    assert cell.value == number


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=1, allow_nan=False, allow_infinity=False))
def test_decimals_formatted_the_swedish_way_parse_back(number):
    text = format_number(number, 1)
    assert parse_decimal(text).value == number
    assert parse_decimal(text + "\u00a0%").value == number


@given(st.text(max_size=30))
def test_parsers_never_raise(text):
    for parser in (parse_integer, parse_decimal, parse_date):
        assert parser(text).kind in CellKind
    parse_month(text)


@given(st.lists(st.lists(st.text(max_size=8), max_size=5), max_size=8))
def test_propose_import_never_raises(rows):
    pasted = "\n".join("\t".join(row) for row in rows)
    proposal = propose_import(parse_pasted(pasted), COLUMNS, ROWS, TYPES)
    assert isinstance(proposal.problems, list)
