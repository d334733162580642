"""Pasted cells and CSV into a :class:`~.grid.Grid`.

Pasted text and CSV have the same row, column and cell limits as .xlsx, plus
:data:`~.limits.MAX_LINE_CHARS` per line; CSV is capped at
:data:`~.limits.MAX_FILE_BYTES`, pasted text at :data:`~.limits.MAX_PASTE_CHARS`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from ..formatting import format_number
from .grid import Grid, _Collector, _n
from .limits import (
    MAX_BLANK_ROWS_AFTER,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    MAX_PASTE_CHARS,
    MAX_ROWS,
    ImportRefused,
)

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
