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
    ``data_only``, behind the zip checks in :mod:`.xlsx`) and :func:`read_upload` (by file
    name). Each returns a :class:`Grid`.

Modules, in the order a file travels through them; each imports only modules above it:

- ``limits``       how much is read before refusing; the raw ``Cell`` type; ``ImportRefused``
- ``grid``         ``Grid``, rectangular cells with their source row numbers, and the collector
                   that enforces the limits while a reader fills it
- ``delimited``    pasted text and CSV: delimiter, encoding, binary files refused
- ``cell_values``  one raw cell → ``ParsedCell``, through the one Swedish cell parser
                   (:mod:`webapp.statistics.cells`)
- ``matching``     month labels, headers and row labels → the caller's keys
- ``xlsx``         .xlsx behind the zip and XML checks (the safety notes are there);
                   ``read_upload`` picks the reader by file name
- ``proposal``     ``propose_import``: the grid matched and parsed, problems named

Callers import from this package (``from webapp.statistics import importing``), never from its modules.
"""

from .cell_values import (
    EMPTY,
    MISSING,
    NOT_APPLICABLE,
    PARSERS,
    CellKind,
    ParsedCell,
    parse_country,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_marker,
    parse_text,
)
from .delimited import parse_pasted, read_csv, sniff_delimiter
from .grid import Grid
from .limits import (
    HEADER_SCAN_ROWS,
    LABEL_SCAN_ROWS,
    MAX_BLANK_ROWS_AFTER,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    MAX_PASTE_CHARS,
    MAX_PROBLEMS,
    MAX_ROWS,
    MAX_SHEETS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_CHECK_MIN_BYTES,
    Cell,
    ImportRefused,
    Key,
)
from .matching import match_columns, match_rows, parse_month
from .proposal import ImportProposal, Problem, propose_import
from .xlsx import read_upload, read_xlsx

__all__ = [
    "Cell",
    "CellKind",
    "EMPTY",
    "Grid",
    "HEADER_SCAN_ROWS",
    "ImportProposal",
    "ImportRefused",
    "Key",
    "LABEL_SCAN_ROWS",
    "MAX_BLANK_ROWS_AFTER",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_LINE_CHARS",
    "MAX_PASTE_CHARS",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "MISSING",
    "NOT_APPLICABLE",
    "PARSERS",
    "ParsedCell",
    "Problem",
    "RATIO_CHECK_MIN_BYTES",
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
]
