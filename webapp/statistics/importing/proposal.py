"""Statistics import, the pure part: read pasted cells, CSV and .xlsx into a grid,
parse Swedish cell values, match headers and row labels, and propose an import.

Nothing here knows the app's table specs, Flask or the database. The caller says
which columns and rows it wants (a key plus aliases each) and what type each
column has; :func:`propose_import` answers with the parsed values and a list of
problems in Swedish naming the source row and column. Bad *content* is reported,
never raised. Hostile or unreadable *files* raise one exception,
:class:`ImportRefused`, whose message is Swedish and fit to show as it is.

Readers
    :func:`parse_pasted` (tab-separated, as Excel and LibreOffice put cells on the
    clipboard), :func:`read_csv` (``;`` / ``,`` / tab sniffed; UTF-8 with or without
    BOM, UTF-16 with BOM, else cp1252), :func:`read_xlsx` (openpyxl read-only,
    ``data_only``, behind the zip checks below) and :func:`read_upload` (by file
    name). Each returns a :class:`Grid`.

Safety of .xlsx
    Before openpyxl sees a byte: the size (:data:`MAX_FILE_BYTES`), the zip
    signature, ``xl/workbook.xml`` present, the number of zip entries, the sum of
    the *declared* uncompressed sizes (:data:`MAX_UNCOMPRESSED_BYTES`) and the
    compression ratio of every large entry (:data:`MAX_COMPRESSION_RATIO`), and the
    number of sheets (:data:`MAX_SHEETS`). A zip that understates its sizes cannot
    get past them either: Python's zipfile never returns more than the declared
    size of an entry (and then fails its CRC check). XML is parsed by defusedxml
    (openpyxl uses it when installed; :func:`read_xlsx` refuses to run if it is
    not in effect), so entity declarations ("billion laughs") are refused.
    Only the first :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns are
    read (openpyxl is told so, which also bounds its padding of missing rows and
    cells); content in row ``MAX_ROWS + 1`` or column ``MAX_COLUMNS + 1``, or
    more than :data:`MAX_CELLS` filled cells, refuses the file. Pasted text and
    CSV have the same row, column and cell limits, plus :data:`MAX_LINE_CHARS`
    per line; CSV is capped at :data:`MAX_FILE_BYTES`, pasted text at
    :data:`MAX_PASTE_CHARS`.

Cell values (see :func:`parse_integer`, :func:`parse_decimal`, :func:`parse_date`, …)
    A text cell is read by :func:`webapp.statistics.cells.read_cell`, the one Swedish
    cell parser the grid uses too, so a value pasted here and typed there become the
    same cell; its comment states the rules (state words, thousands and decimal
    separators, the dot rule, "1,500" refused in an integer column). What it cannot
    read becomes an ERROR carrying its Swedish message. Number and date cells of an
    .xlsx are already typed and only checked (whole, not absurdly large).

Months (see :func:`parse_month`)
    Swedish names and abbreviations in any case, with or without a year:
    "November", "nov", "NOV", "Nov.", "Nov 2021", "nov-21", "2021-11", "11/2021",
    "Mars", "mar", "maj", "okt", and English "May", "Oct", "March"; a cell Excel
    has turned into a date counts as its month. A label without a year matches
    the period's only month of that name; if the period holds two, the label is
    reported as ambiguous.

Headers (see :func:`match_columns`)
    Compared case-, space-, punctuation- and diacritic-insensitively ("KVINNOR",
    "kvinnor", "Män"/"man"). An exact match beats "contains the alias as whole
    words" ("Antal kvinnor" matches alias "kvinnor"), except that a header about
    shares ("Andel kvinnor", "% kvinnor", "Kvinnor %") only *contains* aliases
    about shares, so percentages are never taken for counts. A header that
    contains aliases of two different columns ("Kvinnor och män") is used for
    neither. When two headers fit one column equally well (the seed's tables
    repeat "Kvinnor Män" under "Antal" and "Procent"), the leftmost wins and the
    preview says so.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from .. import cells
from ..cells import ValueType
from ..formatting import MONTHS, format_number, month_label

# --------------------------------------------------------------------------- limits

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest upload (CSV or .xlsx) accepted."""
MAX_PASTE_CHARS = 1_000_000
"""Largest pasted text accepted."""
MAX_ROWS = 5_000
"""Rows read; content below this row refuses the file."""
MAX_COLUMNS = 200
"""Columns read; content right of this column refuses the file."""
MAX_CELLS = 100_000
"""Filled (non-blank) cells read."""
MAX_BLANK_ROWS_AFTER = 1_000
"""Blank lines tolerated after MAX_ROWS in text before reading stops (and refuses)."""
MAX_LINE_CHARS = 200_000
"""Longest physical line of pasted or CSV text."""
MAX_SHEETS = 20
"""Sheets (work- and chartsheets) a workbook may have."""
MAX_ZIP_ENTRIES = 1_000
"""Files inside an .xlsx."""
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
"""Sum of the declared uncompressed sizes inside an .xlsx."""
MAX_COMPRESSION_RATIO = 100
"""Largest uncompressed/compressed ratio of any entry bigger than RATIO_CHECK_MIN_BYTES."""
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_PROBLEMS = 100
"""Problems listed in a proposal; the rest are summarised in one line."""
HEADER_SCAN_ROWS = 20
"""How far down propose_import looks for the header row."""
LABEL_SCAN_ROWS = 200
"""Rows used to find which column holds the row labels."""

Cell = str | int | float | Decimal | date | datetime | time | bool | None
"""A raw cell: text from paste and CSV; numbers, dates, booleans or text from .xlsx."""
Key = Hashable


class ImportRefused(Exception):
    """A file or paste that will not be read at all; ``message`` is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class Grid:
    """Rectangular cells with the source row numbers kept for messages.

    ``rows[i][j]`` came from source row ``row_numbers[i]`` (1-based) and source
    column ``j + 1`` (columns are never dropped or shifted, only trailing empty
    ones trimmed). Rows with nothing in them are left out. Blank cells are "".
    """

    rows: tuple[tuple[Cell, ...], ...]
    row_numbers: tuple[int, ...]
    source: str = ""
    notes: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    def cell(self, row: int, column: int) -> Cell:
        return self.rows[row][column]

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Sequence[Cell]],
        row_numbers: Iterable[int] | None = None,
        source: str = "",
        notes: Sequence[str] = (),
    ) -> Grid:
        """Pad to a rectangle, drop blank rows and trailing blank columns; enforce limits."""
        collector = _Collector(source)
        numbers = iter(row_numbers) if row_numbers is not None else None
        for index, row in enumerate(rows, 1):
            collector.add(next(numbers) if numbers is not None else index, list(row))
        return collector.grid(notes)


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Collector:
    """Accumulates rows while reading, refusing as soon as a limit is passed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rows: list[list[Cell]] = []
        self.numbers: list[int] = []
        self.width = 0
        self.cells = 0

    def add(self, number: int, row: Sequence[Cell]) -> None:
        last = len(row)
        while last and _is_blank(row[last - 1]):
            last -= 1
        if not last:
            return
        if number > MAX_ROWS:
            raise ImportRefused(
                f"För många rader: det finns innehåll på rad {_n(number)}, men högst "
                f"{_n(MAX_ROWS)} rader kan importeras."
            )
        if last > MAX_COLUMNS:
            raise ImportRefused(
                f"För många kolumner: rad {number} har innehåll i kolumn {_column_letter(last - 1)}, "
                f"men högst {_n(MAX_COLUMNS)} kolumner kan importeras."
            )
        self.cells += sum(1 for value in row[:last] if not _is_blank(value))
        if self.cells > MAX_CELLS:
            raise ImportRefused(f"För många ifyllda celler: högst {_n(MAX_CELLS)} kan importeras.")
        self.width = max(self.width, last)
        self.rows.append([("" if value is None else value) for value in row[:last]])
        self.numbers.append(number)

    def grid(self, notes: Sequence[str] = ()) -> Grid:
        width = self.width
        rows = tuple(tuple(row) + ("",) * (width - len(row)) for row in self.rows)
        return Grid(rows=rows, row_numbers=tuple(self.numbers), source=self.source, notes=tuple(notes))


def _n(number: int) -> str:
    return format_number(number)


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --------------------------------------------------------------------------- paste and CSV

_DELIMITER_NAMES = {"\t": "tabb", ";": "semikolon", ",": "komma"}


def parse_pasted(text: str) -> Grid:
    """Cells copied from Excel, LibreOffice or a web table: tab-separated rows.

    CRLF or LF; the trailing line break Excel adds is ignored; cells holding
    tabs, line breaks or quotes arrive quoted ("a""b") and are unquoted. Text
    without a single tab but with semicolons on every line (a pasted CSV) is
    split on semicolons. Raises :class:`ImportRefused` only past the limits.
    """
    if len(text) > MAX_PASTE_CHARS:
        raise ImportRefused(f"Det inklistrade är för stort: högst {_n(MAX_PASTE_CHARS)} tecken kan klistras in.")
    text = text.replace("\x00", "")
    delimiter = "\t"
    if "\t" not in text:
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and all(";" in line for line in lines[:50]):
            delimiter = ";"
    return _read_delimited(text, delimiter, "urklipp")


def read_csv(data: bytes) -> Grid:
    """A CSV or text export: delimiter sniffed (``;`` as Swedish Excel writes it,
    ``,`` or tab), an Excel ``sep=;`` first line honoured, UTF-8 (BOM or not),
    UTF-16 with BOM (Excel's "Unicode text"), else cp1252.

    Raises :class:`ImportRefused` for files over the limits, spreadsheets and
    other binary files.
    """
    if not data:
        raise ImportRefused("Filen är tom.")
    _refuse_oversize(data)
    _refuse_known_binary(data, "CSV")
    text = _decode_text(data)
    if "\x00" in text or _control_share(text) > 0.01:
        raise ImportRefused(
            "Filen innehåller binära data och är ingen textfil (CSV). "
            "Spara den från Excel som ”CSV UTF-8 (kommaavgränsad)” eller ladda upp .xlsx-filen."
        )
    first_line, _, rest = text.partition("\n")
    match = re.fullmatch(r"\ufeff?[\"']?sep=(.)[\"']?\r?", first_line.strip(" "), flags=re.IGNORECASE)
    if match:
        return _read_delimited(rest, match.group(1), "CSV", first_row_number=2)
    return _read_delimited(text, sniff_delimiter(text), "CSV")


def sniff_delimiter(text: str) -> str:
    """The delimiter (tab, ``;`` or ``,``) that splits the first lines most consistently.

    For each candidate, the first 50 non-blank records are split (honouring
    quotes); the candidate whose most common field count is at least 2 and
    shared by the largest share of lines wins, ties going to tab, then ``;``,
    then ``,`` — so "Månad;Andel\\nnov;74,6" is semicolon-separated despite the
    decimal comma. One column and no delimiter at all gives ``;``.
    """
    sample = "\n".join(text[:200_000].splitlines()[:200])
    best: tuple[float, int, int] | None = None
    best_delimiter = ";"
    for priority, delimiter in enumerate(("\t", ";", ",")):
        if delimiter not in sample:
            continue
        counts: list[int] = []
        try:
            for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False):
                if any(field.strip() for field in record):
                    counts.append(len(record))
                if len(counts) >= 50:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=lambda count: (counts.count(count), count))
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode, -priority)
        if best is None or score > best:
            best, best_delimiter = score, delimiter
    return best_delimiter


_LONG_LINE = re.compile(f"^[^\\n]{{{MAX_LINE_CHARS + 1}}}", re.MULTILINE)  # anchored: linear time


def _read_delimited(text: str, delimiter: str, source: str, first_row_number: int = 1) -> Grid:
    if _LONG_LINE.search(text):
        raise ImportRefused(f"En rad är orimligt lång: högst {_n(MAX_LINE_CHARS)} tecken per rad kan läsas.")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith(("\n", "\r")):
        text = text[:-1]
    collector = _Collector(source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    number = first_row_number
    try:
        while True:
            start_line = reader.line_num
            try:
                record = next(reader)
            except StopIteration:
                break
            number = first_row_number + start_line
            if number > MAX_ROWS + MAX_BLANK_ROWS_AFTER:
                raise ImportRefused(f"För många rader: högst {_n(MAX_ROWS)} rader kan importeras.")
            if len(record) > MAX_COLUMNS and any(field.strip() for field in record[MAX_COLUMNS:]):
                raise ImportRefused(
                    f"För många kolumner på rad {number}: högst {_n(MAX_COLUMNS)} kolumner kan importeras."
                )
            collector.add(number, record[: MAX_COLUMNS + 1])
    except csv.Error as error:
        raise ImportRefused(
            f"Rad {number} kunde inte läsas ({_DELIMITER_NAMES.get(delimiter, delimiter)}avgränsad text): "
            "kontrollera citattecknen eller om en cell är orimligt lång."
        ) from error
    return collector.grid()


def _refuse_oversize(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            f"Filen är för stor ({_megabytes(len(data))}); högst {_megabytes(MAX_FILE_BYTES)} kan importeras."
        )


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{format_number(megabytes, 0 if megabytes == int(megabytes) else 1)} MB"


_SIGNATURES = (
    (b"PK\x03\x04", "en Excel-fil (.xlsx) eller ett annat zip-arkiv"),
    (b"PK\x05\x06", "ett zip-arkiv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "en Excel-fil i det äldre .xls-formatet eller en lösenordsskyddad fil"),
    (b"%PDF", "en PDF-fil"),
    (b"MZ", "ett program (.exe)"),
    (b"\x7fELF", "ett program"),
    (b"\x89PNG", "en bild"),
    (b"\xff\xd8\xff", "en bild"),
    (b"GIF8", "en bild"),
)


def _refuse_known_binary(data: bytes, expected: str) -> None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise ImportRefused(f"Filen är {what}, inte {expected}.")


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise ImportRefused(
        "Filen är ingen läsbar textfil (varken UTF-8 eller Windows-1252). "
        "Spara den från Excel som ”CSV UTF-8 (kommaavgränsad)” eller ladda upp .xlsx-filen."
    )


def _control_share(text: str) -> float:
    sample = text[:100_000]
    if not sample:
        return 0.0
    controls = sum(1 for char in sample if unicodedata.category(char) == "Cc" and char not in "\t\r\n")
    return controls / len(sample)


# --------------------------------------------------------------------------- xlsx


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


# --------------------------------------------------------------------------- cell values


class CellKind(str, Enum):
    VALUE = "value"
    EMPTY = "empty"
    MISSING = "missing"  # uppgift saknas
    NOT_APPLICABLE = "not_applicable"  # ej tillämpligt
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ParsedCell:
    """One parsed cell. ``message`` (errors) and ``note`` (how an odd value was
    read) are Swedish sentences without the row/column prefix."""

    kind: CellKind
    value: int | Decimal | str | date | None = None
    message: str | None = None
    note: str | None = None

    @property
    def is_error(self) -> bool:
        return self.kind is CellKind.ERROR


EMPTY = ParsedCell(CellKind.EMPTY)
MISSING = ParsedCell(CellKind.MISSING)
NOT_APPLICABLE = ParsedCell(CellKind.NOT_APPLICABLE)
_STATES = {
    cells.CellState.EMPTY: EMPTY,
    cells.CellState.MISSING: MISSING,
    cells.CellState.NOT_APPLICABLE: NOT_APPLICABLE,
}


def parse_marker(value: Cell) -> ParsedCell | None:
    """EMPTY, MISSING or NOT_APPLICABLE for a blank or marker cell, else None."""
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return None
    state = cells.read_state(value)
    return None if state is None else _STATES[state.state]


def _shown(value: Cell) -> str:
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = repr(value).replace(".", ",")
    else:
        text = str(value)
    return cells.shown_text(text)


def _read_text(text: str, value_type: ValueType) -> ParsedCell:
    """A text cell through the one Swedish cell parser the grid uses too."""
    reading = cells.read_cell(text, value_type)
    if reading.message is not None:
        return ParsedCell(CellKind.ERROR, message=reading.message)
    if reading.cell.state is not cells.CellState.VALUE:
        return _STATES[reading.cell.state]
    return ParsedCell(CellKind.VALUE, reading.value, note=reading.note)


def _unreadable(problem: cells.ValueProblem, value: Cell) -> ParsedCell:
    return ParsedCell(CellKind.ERROR, message=cells.problem_message(problem, _shown(value)))


# A number cell of an .xlsx is already a number: it needs no reading of separators, only
# the checks the text parser makes after reading (whole, not absurdly large).


def _number_cell(number: Decimal | None, value: Cell, integer: bool) -> ParsedCell:
    if number is None:
        return _unreadable(cells.ValueProblem.NOT_INTEGER if integer else cells.ValueProblem.NOT_NUMBER, value)
    if abs(number) >= cells.LARGEST:
        return _unreadable(cells.ValueProblem.TOO_LARGE, value)
    if integer:
        if number != number.to_integral_value():
            return _unreadable(cells.ValueProblem.HAS_DECIMALS, value)
        return ParsedCell(CellKind.VALUE, int(number))
    return ParsedCell(CellKind.VALUE, number)


def parse_integer(value: Cell) -> ParsedCell:
    """A whole number the Swedish way: "1 087", "1\\u00a0087", "1\\u202f087",
    "14245", "1.023" (→ 1023, with a note), "−5"; "12,0" and 12.0 are 12.
    Blanks and markers give EMPTY / MISSING / NOT_APPLICABLE; anything else an
    ERROR with a Swedish message ("”12a” är inget heltal.")."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.INTEGER)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return _unreadable(cells.ValueProblem.NOT_INTEGER, value)
    return _number_cell(_decimal_of(value), value, integer=True)


def parse_decimal(value: Cell) -> ParsedCell:
    """A number with a decimal comma: "74,6", "74,6 %" (→ 74.6; the percent sign
    is allowed and dropped), "1 234,5", "1.234,5", "−0,5"; "74.6" and "1,234.5"
    are read the English way. Returns a :class:`~decimal.Decimal` value; see
    :mod:`webapp.statistics.cells` for the dot rule."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.DECIMAL)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return _unreadable(cells.ValueProblem.NOT_NUMBER, value)
    return _number_cell(_decimal_of(value), value, integer=False)


def _decimal_of(value: int | float | Decimal) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_text(value: Cell) -> ParsedCell:
    """Text, trimmed; blanks and markers as for numbers; numbers and dates as shown."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.TEXT)
    if isinstance(value, float) and value.is_integer():
        return ParsedCell(CellKind.VALUE, str(int(value)))
    return ParsedCell(CellKind.VALUE, _shown(value) if not isinstance(value, (int, Decimal)) else str(value))


def parse_country(value: Cell) -> ParsedCell:
    """A country of the country list by Swedish or English name or code ("Rumänien", "ro") → "RO"."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.COUNTRY)
    return _unreadable(cells.ValueProblem.UNKNOWN_COUNTRY, value)


def parse_date(value: Cell) -> ParsedCell:
    """A day: a date cell, "2021-11-29", "29/11/2021", "29.11.2021", "29 nov 2021"."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.DATE)
    if isinstance(value, datetime):
        return ParsedCell(CellKind.VALUE, value.date())
    if isinstance(value, date):
        return ParsedCell(CellKind.VALUE, value)
    return _unreadable(cells.ValueProblem.NOT_DATE, value)


PARSERS: dict[str, Callable[[Cell], ParsedCell]] = {
    "integer": parse_integer,
    "decimal": parse_decimal,
    "text": parse_text,
    "country": parse_country,
    "date": parse_date,
}
"""Column type → cell parser, for propose_import's column_types."""


# --------------------------------------------------------------------------- months and labels


def _strip_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold(value: Cell) -> str:
    """Case-, diacritic-, space- and punctuation-insensitive form; keeps letters, digits and %."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _strip_diacritics(str(value)).casefold()
    text = re.sub(r"[^0-9a-z%]+", " ", text)
    return text.strip()


def parse_month(value: Cell) -> tuple[int | None, int] | None:
    """(year or None, month) for a month label, or None.

    "November", "nov", "NOV", "Nov.", "Nov 2021", "nov-21", "2021 nov", "2021-11",
    "2021-11-01", "11/2021", "Mars", "mar", a date or datetime cell.
    """
    if isinstance(value, datetime):
        return value.year, value.month
    if isinstance(value, date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    s = _fold(value)
    if not s:
        return None
    if m := re.fullmatch(r"(\d{4}) (\d{1,2})(?: (\d{1,2}))?(?: 00 00(?: 00)?)?", s):
        year, month = int(m.group(1)), int(m.group(2))
        return (year, month) if 1 <= month <= 12 else None
    if m := re.fullmatch(r"(\d{1,2}) (\d{4})", s):
        month, year = int(m.group(1)), int(m.group(2))
        return (year, month) if 1 <= month <= 12 else None
    tokens = s.split()
    months = [cells.MONTH_NUMBERS[t] for t in tokens if t in cells.MONTH_NUMBERS]
    years = [t for t in tokens if re.fullmatch(r"\d{4}|\d{2}", t)]
    if len(months) != 1 or len(years) > 1 or len(months) + len(years) != len(tokens):
        return None
    named_year: int | None = None
    if years:
        named_year = int(years[0])
        if named_year < 100:
            named_year += 2000
    return named_year, months[0]


_TOTAL_WORDS = {"totalt", "total", "summa", "sum", "totalsumma", "samtliga", "alla", "tot"}


def _is_total_label(value: Cell) -> bool:
    folded = _fold(value)
    return bool(folded) and folded.split()[0] in _TOTAL_WORDS


_SHARE_WORDS = {"%", "andel", "andelar", "procent", "procentuell", "procentuella", "proc"}


def _alias_score(folded: str, aliases: Iterable[str]) -> int:
    """2: equal to an alias; 1: contains an alias as whole words; 0: neither.

    A header about shares ("Andel kvinnor", "Kvinnor %") never *contains* an
    alias that is not about shares, so a percentage column is not taken for counts.
    """
    best = 0
    padded = f" {folded} "
    share_header = not _SHARE_WORDS.isdisjoint(folded.split())
    for alias in aliases:
        folded_alias = _fold(alias)
        if not folded_alias:
            continue
        if folded == folded_alias:
            return 2
        if share_header and _SHARE_WORDS.isdisjoint(folded_alias.split()):
            continue
        if f" {folded_alias} " in padded:
            best = 1
    return best


@dataclass
class _ColumnMatch:
    mapping: dict[Key, int]
    notes: list[str]
    unmatched: list[int]


def _match_columns_detail(header_row: Sequence[Cell], columns: Sequence[tuple[Key, Sequence[str]]]) -> _ColumnMatch:
    candidates: list[tuple[int, int, int]] = []  # (-score, column, key order)
    notes: list[str] = []
    for column, header in enumerate(header_row):
        folded = _fold(header) if not _is_blank(header) else ""
        if not folded:
            continue
        scores = [(_alias_score(folded, aliases), order) for order, (_key, aliases) in enumerate(columns)]
        scores = [(score, order) for score, order in scores if score]
        if not scores:
            continue
        top = max(score for score, _order in scores)
        tops = [order for score, order in scores if score == top]
        if top == 1 and len(tops) > 1:
            names = ", ".join(_display(columns[order]) for order in tops)
            notes.append(
                f"Kolumn {_column_letter(column)} (”{_shown(header)}”) passar flera kolumner ({names}) "
                "och används inte."
            )
            continue
        candidates.extend((-score, column, order) for score, order in scores)
    candidates.sort()
    mapping: dict[Key, int] = {}
    chosen_score: dict[Key, int] = {}
    used: set[int] = set()
    for negative_score, column, order in candidates:
        key = columns[order][0]
        if column in used:
            continue
        if key in mapping:
            if chosen_score[key] == -negative_score:
                notes.append(
                    f"Både kolumn {_column_letter(mapping[key])} och {_column_letter(column)} passar "
                    f"{_display(columns[order])}; kolumn {_column_letter(mapping[key])} används."
                )
            continue
        mapping[key] = column
        chosen_score[key] = -negative_score
        used.add(column)
    unmatched = [c for c, h in enumerate(header_row) if c not in used and not _is_blank(h)]
    return _ColumnMatch(mapping, notes, unmatched)


def _display(spec: tuple[Key, Sequence[str]]) -> str:
    key, aliases = spec
    if aliases:
        return aliases[0]
    return str(key)


def match_columns(header_row: Sequence[Cell], columns: Sequence[tuple[Key, Sequence[str]]]) -> dict[Key, int]:
    """Column key → index in ``header_row`` for every column whose alias fits a header.

    Exact (folded) matches first, then headers containing an alias as whole
    words; each header serves one column; a header containing aliases of two
    columns serves none; on a tie the leftmost header wins.
    """
    return _match_columns_detail(header_row, columns).mapping


@dataclass
class _RowMatch:
    mapping: dict[Key, int]
    problems: list[tuple[int, str]]  # (grid row index, message) - errors
    notes: list[tuple[int, str]]
    unmatched: list[int]  # grid row indexes with a label that matched nothing
    totals: list[int]


def _month_text(key: date) -> str:
    return month_label(key)


def _match_rows_detail(
    grid: Grid,
    row_keys: Sequence[tuple[Key, Sequence[str]]],
    label_column: int,
    start: int = 0,
) -> _RowMatch:
    months: dict[tuple[int, int], date] = {}
    by_month: dict[int, list[date]] = {}
    for row_key, _aliases in row_keys:
        if isinstance(row_key, date):
            months[(row_key.year, row_key.month)] = row_key
            by_month.setdefault(row_key.month, []).append(row_key)
    mapping: dict[Key, int] = {}
    problems: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []
    unmatched: list[int] = []
    totals: list[int] = []
    for index in range(start, grid.height):
        label = grid.rows[index][label_column] if label_column < grid.width else ""
        if _is_blank(label):
            continue
        number = grid.row_numbers[index]
        key: Key | None = None
        month = parse_month(label)
        if month is not None and months:
            year, month_number = month
            if year is not None:
                key = months.get((year, month_number))
                if key is None:
                    notes.append(
                        (
                            index,
                            f"Rad {number}: {MONTHS[month_number - 1]} {year} ingår inte i perioden och hoppas över.",
                        )
                    )
                    continue
            else:
                keys = by_month.get(month_number, [])
                if len(keys) > 1:
                    problems.append(
                        (
                            index,
                            (
                                f"Rad {number}: ”{_shown(label)}” kan vara "
                                + " eller ".join(_month_text(k) for k in keys)
                                + " – skriv ut året (till exempel ”"
                                + f"{MONTHS[month_number - 1][:3]} {keys[0].year}”)."
                            ),
                        )
                    )
                    continue
                if not keys:
                    notes.append(
                        (index, f"Rad {number}: {MONTHS[month_number - 1]} ingår inte i perioden och hoppas över.")
                    )
                    continue
                key = keys[0]
        if key is None:
            folded = _fold(label)
            best: tuple[int, Key | None] = (0, None)
            for candidate, aliases in row_keys:
                score = _alias_score(folded, aliases)
                if score > best[0]:
                    best = (score, candidate)
            key = best[1]
        if key is None:
            if _is_total_label(label):
                totals.append(index)
            else:
                unmatched.append(index)
            continue
        if key in mapping:
            earlier = grid.row_numbers[mapping[key]]
            what = _month_text(key) if isinstance(key, date) else f"”{_shown(label)}”"
            problems.append((index, f"Rad {number}: {what} finns redan på rad {earlier}."))
            continue
        mapping[key] = index
    return _RowMatch(mapping, problems, notes, unmatched, totals)


def match_rows(
    grid: Grid, row_keys: Sequence[tuple[Key, Sequence[str]]], label_column: int, start: int = 0
) -> dict[Key, int]:
    """Row key → index in ``grid.rows`` whose label (in ``label_column``) fits.

    A key that is a :class:`~datetime.date` is a month row, matched by
    :func:`parse_month` (its aliases are tried too); other keys match by alias
    as headers do. The first fitting row wins.
    """
    return _match_rows_detail(grid, row_keys, label_column, start).mapping


# --------------------------------------------------------------------------- proposal


@dataclass(frozen=True)
class Problem:
    """A Swedish sentence naming where ("Rad 3, kolumn Kvinnor: …"), plus the
    same place as data (source row/column numbers, 1-based) for highlighting."""

    message: str
    row: int | None = None
    column: int | None = None
    row_key: Key | None = None
    column_key: Key | None = None


@dataclass
class ImportProposal:
    """What an import would write, for a preview. Nothing is applied here.

    ``cells`` holds every matched (row key, column key) — errors included, so a
    preview can mark them; ``problems`` are errors that must block applying;
    ``notes`` are things worth showing (skipped rows, how "1.023" was read).
    """

    cells: dict[tuple[Key, Key], ParsedCell] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    column_map: dict[Key, int] = field(default_factory=dict)  # key → source column (1-based)
    row_map: dict[Key, int] = field(default_factory=dict)  # key → source row (1-based)
    missing_columns: list[Key] = field(default_factory=list)
    missing_rows: list[Key] = field(default_factory=list)
    unmatched_headers: list[tuple[int, str]] = field(default_factory=list)  # (source column, text)
    unmatched_rows: list[tuple[int, str]] = field(default_factory=list)  # (source row, label)
    header_row: int | None = None  # source row number
    label_column: int | None = None  # source column number

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.cells)

    def values(self) -> dict[tuple[Key, Key], ParsedCell]:
        """The cells without errors."""
        return {place: cell for place, cell in self.cells.items() if not cell.is_error}


def propose_import(
    grid: Grid,
    columns: Sequence[tuple[Key, Sequence[str]]],
    rows: Sequence[tuple[Key, Sequence[str]]] | None,
    column_types: Mapping[Key, str | Callable[[Cell], ParsedCell]],
    *,
    header_row: int | None = None,
    label_column: int | None = None,
) -> ImportProposal:
    """Match ``grid`` against the wanted columns and rows and parse every cell.

    ``columns``: the input columns, ``(key, aliases)``, the first alias doubling
    as the display name. ``rows``: ``(key, aliases)`` with a ``date`` key for a
    month row, or ``None`` for free rows (every data row below the header
    becomes a row keyed 0, 1, 2 …). ``column_types``: key → "integer",
    "decimal", "text", "date", "country" or a parser. ``header_row`` and
    ``label_column`` (0-based grid indexes) override the detection: the header
    row is the row among the first :data:`HEADER_SCAN_ROWS` whose cells match
    the most columns; the label column the one whose cells match the most rows.
    Without a header row, a grid whose value columns are exactly as many as
    ``columns`` is read in that order (six pasted rows: month, women, men).

    Never raises for bad content; only an unknown type name (a programming
    error) raises ValueError.
    """
    parsers: dict[Key, Callable[[Cell], ParsedCell]] = {}
    for key, _aliases in columns:
        kind = column_types.get(key, "text")
        if callable(kind):
            parsers[key] = kind
        elif kind in PARSERS:
            parsers[key] = PARSERS[kind]
        else:
            raise ValueError(f"unknown column type {kind!r} for {key!r}")

    proposal = ImportProposal()
    proposal.notes.extend(Problem(note) for note in grid.notes)
    if not grid.height or not columns:
        proposal.problems.append(Problem("Det finns inga celler att importera."))
        return proposal
    names = {key: _display((key, aliases)) for key, aliases in columns}
    expected_headers = ", ".join(names.values())

    # header row
    column_match: _ColumnMatch | None = None
    header_index: int | None = header_row
    if header_index is None:
        best_count = 0
        for index in range(min(HEADER_SCAN_ROWS, grid.height)):
            match = _match_columns_detail(grid.rows[index], columns)
            if len(match.mapping) > best_count:
                best_count, header_index, column_match = len(match.mapping), index, match
    elif 0 <= header_index < grid.height:
        column_match = _match_columns_detail(grid.rows[header_index], columns)
    else:
        header_index = None
    first_data = header_index + 1 if header_index is not None else 0

    # label column
    row_match: _RowMatch | None = None
    label_index = label_column
    if rows is not None:
        claimed = set(column_match.mapping.values()) if column_match else set()
        if label_index is None:
            label_index = _detect_label_column(grid, rows, claimed, first_data)
        if label_index is not None:
            row_match = _match_rows_detail(grid, rows, label_index, first_data)

    # positional fallback: no header row at all
    header_cells: dict[int, str] = {}
    if column_match is None or not column_match.mapping:
        positional = _positional_columns(grid, columns, label_index, row_match, rows is None)
        if positional is None:
            proposal.problems.append(
                Problem(
                    f"Hittade ingen rubrikrad med kända kolumnnamn ({expected_headers}). "
                    "Lägg till en rubrikrad överst eller klistra in kolumnerna i den ordningen."
                )
            )
            return proposal
        column_map = positional
        header_index = None
        first_data = 0
        proposal.notes.append(
            Problem(
                "Ingen rubrikrad hittades; kolumnerna lästes i ordningen "
                + ", ".join(f"{_column_letter(i)} = {names[k]}" for k, i in column_map.items())
                + "."
            )
        )
    else:
        column_map = column_match.mapping
        assert header_index is not None
        proposal.header_row = grid.row_numbers[header_index]
        header_cells = {i: _shown(v) for i, v in enumerate(grid.rows[header_index]) if not _is_blank(v)}
        proposal.notes.extend(Problem(note, row=proposal.header_row) for note in column_match.notes)
        proposal.unmatched_headers = [
            (i + 1, header_cells[i]) for i in column_match.unmatched if i != label_index and i in header_cells
        ]

    def column_name(index: int) -> str:
        return header_cells.get(index) or f"{_column_letter(index)}"

    proposal.column_map = {key: index + 1 for key, index in column_map.items()}
    proposal.missing_columns = [key for key, _aliases in columns if key not in column_map]
    if proposal.missing_columns and column_map:
        proposal.notes.append(
            Problem(
                "Kolumner som inte finns i underlaget och lämnas orörda: "
                + ", ".join(names[key] for key in proposal.missing_columns)
                + "."
            )
        )

    # rows
    row_map: dict[Key, int]
    if rows is None:
        row_map = {}
        for index in range(first_data, grid.height):
            cells = [grid.rows[index][c] for c in column_map.values()]
            if all(_is_blank(v) for v in cells):
                continue
            first = next((v for v in grid.rows[index] if not _is_blank(v)), "")
            if _is_total_label(first):
                proposal.notes.append(
                    Problem(
                        f"Rad {grid.row_numbers[index]}: summeringsraden hoppas över – summor räknas ut automatiskt.",
                        row=grid.row_numbers[index],
                    )
                )
                continue
            row_map[len(row_map)] = index
    else:
        if row_match is None or label_index is None:
            labels = ", ".join(
                _month_text(key) if isinstance(key, date) else _display((key, aliases))
                for key, aliases in list(rows)[:6]
            )
            proposal.problems.append(Problem(f"Hittade ingen kolumn med radernas namn (till exempel {labels})."))
            return proposal
        proposal.label_column = label_index + 1
        row_map = row_match.mapping
        label_name = column_name(label_index)
        for index, message in row_match.problems:
            proposal.problems.append(Problem(message, row=grid.row_numbers[index], column=label_index + 1))
        for index, message in row_match.notes:
            proposal.notes.append(Problem(message, row=grid.row_numbers[index], column=label_index + 1))
        for index in row_match.totals:
            number = grid.row_numbers[index]
            proposal.notes.append(
                Problem(
                    f"Rad {number}: summeringsraden ”{_shown(grid.rows[index][label_index])}” hoppas över "
                    "– summor räknas ut automatiskt.",
                    row=number,
                )
            )
        for index in row_match.unmatched:
            number = grid.row_numbers[index]
            label = _shown(grid.rows[index][label_index])
            proposal.unmatched_rows.append((number, label))
            has_data = any(not _is_blank(grid.rows[index][c]) for c in column_map.values())
            if has_data:
                known = "månad eller rad i tabellen" if any(isinstance(k, date) for k, _a in rows) else "rad i tabellen"
                proposal.problems.append(
                    Problem(
                        f"Rad {number}, kolumn {label_name}: ”{label}” är ingen känd {known}.",
                        row=number,
                        column=label_index + 1,
                    )
                )
        proposal.missing_rows = [key for key, _aliases in rows if key not in row_map]
        if not row_map and not row_match.problems:
            proposal.problems.append(Problem(f"Ingen rad i kolumn {label_name} känns igen som en rad i tabellen."))

    # cells
    proposal.row_map = {key: grid.row_numbers[index] for key, index in row_map.items()}
    for row_key, index in row_map.items():
        number = grid.row_numbers[index]
        for column_key, column in column_map.items():
            parsed = parsers[column_key](grid.rows[index][column])
            proposal.cells[(row_key, column_key)] = parsed
            where = f"Rad {number}, kolumn {column_name(column)}"
            if parsed.is_error:
                proposal.problems.append(
                    Problem(
                        f"{where}: {parsed.message}",
                        row=number,
                        column=column + 1,
                        row_key=row_key,
                        column_key=column_key,
                    )
                )
            elif parsed.note:
                proposal.notes.append(
                    Problem(
                        f"{where}: {parsed.note}",
                        row=number,
                        column=column + 1,
                        row_key=row_key,
                        column_key=column_key,
                    )
                )
    if not proposal.cells and not proposal.problems:
        proposal.problems.append(Problem("Det finns inga celler att importera."))

    proposal.problems.sort(key=lambda p: (p.row or 0, p.column or 0))
    if len(proposal.problems) > MAX_PROBLEMS:
        rest = len(proposal.problems) - MAX_PROBLEMS
        del proposal.problems[MAX_PROBLEMS:]
        proposal.problems.append(Problem(f"… och {_n(rest)} fel till."))
    return proposal


def _detect_label_column(
    grid: Grid, rows: Sequence[tuple[Key, Sequence[str]]], claimed: set[int], start: int
) -> int | None:
    window = Grid(grid.rows[start : start + LABEL_SCAN_ROWS], grid.row_numbers[start : start + LABEL_SCAN_ROWS])
    best_count, best_column = 0, None
    for column in range(grid.width):
        if column in claimed:
            continue
        if all(_is_blank(row[column]) for row in window.rows):
            continue
        match = _match_rows_detail(window, rows, column)
        # a label recognised as a month outside the period, or as an ambiguous one, still marks the column
        count = len(match.mapping) + len(match.problems) + len(match.notes)
        if count > best_count:
            best_count, best_column = count, column
    return best_column


def _positional_columns(
    grid: Grid,
    columns: Sequence[tuple[Key, Sequence[str]]],
    label_index: int | None,
    row_match: _RowMatch | None,
    free_rows: bool,
) -> dict[Key, int] | None:
    if free_rows:
        used = [c for c in range(grid.width) if any(not _is_blank(row[c]) for row in grid.rows)]
    else:
        if label_index is None or row_match is None or not row_match.mapping:
            return None
        data_rows = [grid.rows[i] for i in row_match.mapping.values()]
        used = [c for c in range(grid.width) if c != label_index and any(not _is_blank(row[c]) for row in data_rows)]
    if len(used) != len(columns):
        return None
    return {key: column for (key, _aliases), column in zip(columns, used)}


__all__ = [
    "Cell",
    "CellKind",
    "EMPTY",
    "Grid",
    "ImportProposal",
    "ImportRefused",
    "MISSING",
    "NOT_APPLICABLE",
    "PARSERS",
    "ParsedCell",
    "Problem",
    "match_columns",
    "match_rows",
    "parse_country",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_marker",
    "parse_month",
    "parse_pasted",
    "parse_text",
    "propose_import",
    "read_csv",
    "read_upload",
    "read_xlsx",
    "sniff_delimiter",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_PASTE_CHARS",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
]
