"""Showing a service's refusal next to the form field it concerns (the page then answers 422).

A refusal is an exception with a Swedish ``message`` (``params`` fill it in) and the ``field``
it blames, or with ``problems``: several such messages, one per field. ``show_on_form`` puts
each message on its field, or above the form when it names none the form has.
"""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import FieldList, Form


def translated(error: object) -> str:
    """The Swedish message of a refusal, in the reader's language."""
    params = getattr(error, "params", {}) or {}
    return _(getattr(error, "message", str(error)), **params)


def show_on_form(form: Form, error: Exception, *, rows: FieldList | None = None) -> None:
    """Put the refusal's message(s) on the fields they name, the others in ``form.form_errors``.

    A problem with a ``row`` names a field of that row of ``rows`` (a list of subforms).
    An error with ``problems`` may still carry a ``message`` of its own, for the form as a whole.
    """
    problems = getattr(error, "problems", None)
    if not problems:
        _show(form, error, rows)
        return
    for problem in problems:
        _show(form, problem, rows)
    if getattr(error, "message", None):
        form.form_errors.append(translated(error))


def _show(form: Form, problem: object, rows: FieldList | None) -> None:
    message = translated(problem)
    field = _field(form, problem, rows)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def _field(form: Form, problem: object, rows: FieldList | None):
    name = getattr(problem, "field", None)
    if not name:
        return None
    row = getattr(problem, "row", None)
    fields = rows[row].form if row is not None and rows is not None else form
    return fields._fields.get(name)
