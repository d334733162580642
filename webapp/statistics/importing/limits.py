"""How much an import reads before it refuses, the raw cell type, and the one exception.

Every reader enforces these limits while it reads (see :mod:`.grid`, :mod:`.delimited`,
:mod:`.xlsx`), so a hostile file is refused before it costs much.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime, time
from decimal import Decimal

from webapp.input_errors import InputRefused

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


class ImportRefused(InputRefused):
    """A file or paste that will not be read at all; ``message`` is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
