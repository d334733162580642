"""One guard before every view: text that cannot be stored is refused before anything reads it.

PostgreSQL refuses NUL (U+0000) in text columns, so a NUL in a block, a comment or a name was a
500 there (and stored on SQLite). The other C0 control characters (U+0001–U+001F, except tab,
line feed and carriage return) PostgreSQL would store, but XML 1.0 cannot carry them (the PDF's
metadata, .xlsx exports), no keyboard types them, and they only arrive with a mistaken paste or a
hostile client: they are refused too, with the same message. DEL and the C1 range are allowed.

The guard reads the query string, the form fields (names and values) and a JSON body; uploaded
files are binary and left to their own readers (the statistics import refuses or strips them).
A refused request answers 422 with a Swedish message; for htmx the message is put at the top of
the page (``HX-Retarget``), so the form the writer was filling in stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask, request
from flask_babel import gettext as _

from webapp.errors import render_error
from webapp.htmx import wants_fragment
from webapp.input_errors import CONTROL_CHARACTERS

FORBIDDEN_CHARACTERS = CONTROL_CHARACTERS  # C0 controls except \t (09), \n (0A) and \r (0D)
_MAX_JSON_DEPTH = 50  # a deeper body is walked no further (Flask's JSON parser bounds it anyway)


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` the guard refuses, or None."""
    match = FORBIDDEN_CHARACTERS.search(text)
    return match.group() if match else None


def first_forbidden(texts: Iterable[str]) -> str | None:
    for text in texts:
        character = forbidden_character(text)
        if character is not None:
            return character
    return None


def json_strings(value: object, depth: int = 0) -> Iterator[str]:
    """Every key and string of a parsed JSON value."""
    if depth > _MAX_JSON_DEPTH:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item, depth + 1)


def request_texts() -> Iterator[str]:
    """Every text of the current request a view may read: path values, query, form, JSON."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield value
    for multidict in (request.args, request.form):
        for key, values in multidict.lists():
            yield key
            yield from values
    if request.is_json:
        yield from json_strings(request.get_json(silent=True))


def message(character: str) -> str:
    """The Swedish refusal, in the reader's language, naming the character by its code."""
    return _(
        "Det du skickade innehåller ett osynligt styrtecken (%(code)s) som inte kan sparas; det följer "
        "ibland med när man klistrar in från ett annat program. Ta bort det och försök igen. "
        "Ingenting har sparats.",
        code=f"U+{ord(character):04X}",
    )


def refusal(character: str):
    body, status = render_error(422, _("Otillåtet tecken"), message(character))
    headers = {"HX-Retarget": "#main", "HX-Reswap": "afterbegin"} if wants_fragment() else {}
    return body, status, headers


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_control_characters():
        character = first_forbidden(request_texts())
        if character is not None:
            return refusal(character)
        return None
