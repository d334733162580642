""".xlsx into a :class:`~.grid.Grid`, and :func:`read_upload`, which picks the reader by file name.

Safety of .xlsx
    Before openpyxl sees a byte: the size (:data:`~.limits.MAX_FILE_BYTES`), the zip
    signature, ``xl/workbook.xml`` present, the number of zip entries, the sum of
    the *declared* uncompressed sizes (:data:`~.limits.MAX_UNCOMPRESSED_BYTES`) and the
    compression ratio of every large entry (:data:`~.limits.MAX_COMPRESSION_RATIO`), and the
    number of sheets (:data:`~.limits.MAX_SHEETS`). A zip that understates its sizes cannot
    get past them either: Python's zipfile never returns more than the declared
    size of an entry (and then fails its CRC check). XML is parsed by defusedxml
    (openpyxl uses it when installed; :func:`read_xlsx` refuses to run if it is
    not in effect), so entity declarations ("billion laughs") are refused.
    Only the first :data:`~.limits.MAX_ROWS` rows and :data:`~.limits.MAX_COLUMNS` columns are
    read (openpyxl is told so, which also bounds its padding of missing rows and
    cells); content in row ``MAX_ROWS + 1`` or column ``MAX_COLUMNS + 1``, or
    more than :data:`~.limits.MAX_CELLS` filled cells, refuses the file.

openpyxl is imported inside the functions that use it, never at the top: importing
this package stays cheap, and openpyxl reads ``OPENPYXL_LXML`` once, at its first
import (``webapp/__init__.py`` sets it to ``False`` before anything can import
openpyxl, since openpyxl would otherwise parse with lxml and skip defusedxml).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from decimal import Decimal
from typing import Any

from .delimited import _SIGNATURES, _megabytes, _refuse_oversize, read_csv
from .grid import Grid, _Collector, _n
from .limits import (
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_CHECK_MIN_BYTES,
    Cell,
    ImportRefused,
)
from .matching import _fold


def read_upload(data: bytes, filename: str) -> Grid:
    """Dispatch by file name: .xlsx/.xlsm → :func:`read_xlsx`; .csv/.txt/.tsv → :func:`read_csv`."""
    name = filename.lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if name.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    if name.endswith((".csv", ".txt", ".tsv")):
        return read_csv(data)
    if name.endswith(".xls"):
        raise ImportRefused("Det äldre .xls-formatet stöds inte. Spara filen som .xlsx eller CSV i Excel.")
    raise ImportRefused("Filtypen stöds inte. Ladda upp en .xlsx- eller CSV-fil.")


def read_xlsx(data: bytes, sheet: str | None = None) -> Grid:
    """The first visible worksheet (or the one named ``sheet``) of an .xlsx file.

    Values as Excel last calculated them (``data_only``); numbers formatted as
    percentages come back as the text shown in Excel ("74,6 %") so that the
    decimal parser reads the percentage, not the fraction. Raises
    :class:`ImportRefused` for anything that is not a sane .xlsx (see the module
    docstring).
    """
    if not data:
        raise ImportRefused("Filen är tom.")
    _refuse_oversize(data)
    if not data.startswith(b"PK\x03\x04"):
        for signature, what in _SIGNATURES:
            if data.startswith(signature):
                raise ImportRefused(f"Filen är {what}, inte en .xlsx-fil.")
        raise ImportRefused(
            "Filen är ingen .xlsx-fil (kanske en CSV- eller textfil med fel filändelse). "
            "Öppna den i Excel och spara som .xlsx, eller ladda upp den som CSV."
        )
    _check_zip(data)

    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML or openpyxl.xml.LXML:  # fail closed: untrusted XML only via defusedxml
        raise ImportRefused("Excel-import är avstängd: den säkra XML-läsaren (defusedxml) saknas på servern.")
    from openpyxl import load_workbook

    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            names = list(workbook.sheetnames)
            if len(names) > MAX_SHEETS:
                raise ImportRefused(f"Arbetsboken har {len(names)} blad; högst {MAX_SHEETS} blad kan importeras.")
            worksheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
            if sheet is None:
                if not worksheets:
                    raise ImportRefused("Arbetsboken har inget kalkylblad med celler.")
                visible = [ws for ws in worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
                worksheet = (visible or worksheets)[0]
            else:
                found = [ws for ws in worksheets if ws.title == sheet] or [
                    ws for ws in worksheets if _fold(ws.title) == _fold(sheet)
                ]
                if not found:
                    raise ImportRefused(
                        f"Bladet ”{sheet}” finns inte. Arbetsboken har: "
                        + ", ".join(f"”{ws.title}”" for ws in worksheets)
                        + "."
                    )
                worksheet = found[0]
            notes = []
            others = [ws.title for ws in worksheets if ws is not worksheet]
            if others:
                notes.append(
                    f"Bara bladet ”{worksheet.title}” lästes; arbetsboken har även "
                    + ", ".join(f"”{title}”" for title in others)
                    + "."
                )
            return _read_worksheet(worksheet, notes)
    except ImportRefused:
        raise
    except Exception as error:  # openpyxl, zipfile and defusedxml raise many kinds; all mean "refuse"
        raise ImportRefused(_xlsx_failure_message(error)) from error
    finally:
        if workbook is not None:
            try:
                workbook.close()
            except Exception:  # pragma: no cover - closing a broken archive
                pass


def _xlsx_failure_message(error: Exception) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:  # openpyxl re-raises ValueError "from" the cause
        chain.append(current)
        current = current.__cause__ or current.__context__
    from defusedxml import DefusedXmlException  # read_xlsx has made sure it is installed

    if any(isinstance(link, DefusedXmlException) for link in chain):
        return "Filen innehåller otillåtna XML-konstruktioner (entiteter) och läses inte."
    if any(isinstance(link, zipfile.BadZipFile) for link in chain):
        return "Filen är trasig eller manipulerad (zip-arkivet stämmer inte) och läses inte."
    return "Filen kunde inte läsas som en Excel-fil (.xlsx). Öppna den i Excel och spara den på nytt."


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs and non-workbooks before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ImportRefused("Filen är ingen giltig .xlsx-fil (zip-arkivet går inte att öppna).") from error
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ImportRefused(f"Filen innehåller orimligt många delar ({_n(len(entries))}) och läses inte.")
        names = {entry.filename for entry in entries}
        if "xl/workbook.xml" not in names:
            raise ImportRefused("Filen är ett zip-arkiv men ingen Excel-arbetsbok (.xlsx).")
        sheets = [name for name in names if re.fullmatch(r"xl/(worksheets|chartsheets)/[^/]+\.xml", name)]
        if len(sheets) > MAX_SHEETS:
            raise ImportRefused(f"Arbetsboken har {len(sheets)} blad; högst {MAX_SHEETS} blad kan importeras.")
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise ImportRefused("Filen är krypterad eller lösenordsskyddad och kan inte läsas.")
            total += entry.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise ImportRefused(
                    "Filen packas upp till orimligt mycket data (över "
                    f"{_megabytes(MAX_UNCOMPRESSED_BYTES)}) och läses inte."
                )
            if entry.file_size > RATIO_CHECK_MIN_BYTES and (
                entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
            ):
                raise ImportRefused("Filen är misstänkt hårt packad (en så kallad zip-bomb) och läses inte.")


def _read_worksheet(worksheet: Any, notes: list[str]) -> Grid:
    from openpyxl.cell.read_only import EMPTY_CELL

    collector = _Collector(f"Excel, bladet ”{worksheet.title}”")
    declared_rows = getattr(worksheet, "max_row", None) or 0
    declared_columns = getattr(worksheet, "max_column", None) or 0
    # max_row and max_col bound the work: openpyxl fills gaps up to max_row with one
    # shared empty tuple and pads each row to max_col, whatever the file declares.
    rows = worksheet.iter_rows(min_row=1, max_row=MAX_ROWS + 1, min_col=1, max_col=MAX_COLUMNS + 1)
    gap: object = None  # openpyxl yields one shared tuple for every missing row
    for number, row in enumerate(rows, 1):
        if row is gap or not row:
            continue
        values: list[Cell] = [None] * len(row)
        filled = False
        for index, cell in enumerate(row):
            if cell is EMPTY_CELL:  # identity: ReadOnlyCell.__eq__ cannot compare with EMPTY_CELL
                continue
            values[index] = _xlsx_value(cell)
            filled = True
        if filled:
            collector.add(number, values)
        else:
            gap = row
    if declared_rows > MAX_ROWS or declared_columns > MAX_COLUMNS:
        notes.append(f"Bara de första {_n(MAX_ROWS)} raderna och {_n(MAX_COLUMNS)} kolumnerna lästes.")
    return collector.grid(notes)


def _xlsx_value(cell: Any) -> Cell:
    value = cell.value
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if getattr(cell, "has_style", False) and "%" in (cell.number_format or ""):
            percent = (Decimal(repr(value)) * 100).normalize()
            shown = format(percent, "f").replace(".", ",")
            return f"{shown} %"
    return value
