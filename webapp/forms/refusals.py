"""Showing a service's refusal next to the form field it concerns (the page then answers 422)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from webapp.services.input_errors import InputRefused


def translated(error: Exception) -> str:
    """The Swedish message of a refusal, in the reader's language."""
    params = getattr(error, "params", {}) or {}
    return _(getattr(error, "message", str(error)), **params)


def show_on_form(form: FlaskForm, error: InputRefused) -> None:
    message = translated(error)
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)
