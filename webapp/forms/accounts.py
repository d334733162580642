"""Forms for people, organisations and units (admin), and for a person's own account.

Fields only parse and bound the input; the rules (password strength, unique names, guards)
are the services'. Password fields never echo what was typed.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.services.accounts.passwords import MAX_PASSWORD_LENGTH


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; which values are allowed is the service's to decide."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip().replace(" ", ""))
            except ValueError:
                raise ValueError(_l("Skriv ett heltal.")) from None


class SwedishDateField(DateField):
    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = date.fromisoformat(valuelist[0].strip())
            except ValueError:
                raise ValueError(_l("Skriv datumet som ÅÅÅÅ-MM-DD.")) from None


def _new_password_fields():
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[
            DataRequired(_l("Fyll i ett lösenord.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Lösenordet får ha högst %(max)d tecken.")),
        ],
    )
    again = PasswordField(
        _l("Samma lösenord en gång till"),
        validators=[
            DataRequired(_l("Fyll i lösenordet en gång till.")),
            EqualTo("password", message=_l("Lösenorden är inte likadana.")),
        ],
    )
    return password, again


# --- Own account and links ------------------------------------------------------------------------


class ChoosePasswordForm(FlaskForm):
    password, password_again = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(_l("Fyll i ditt nuvarande lösenord.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    password, password_again = _new_password_fields()


class NameForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i ett namn.")), Length(max=200, message=_l("Högst 200 tecken."))]
    )


# --- People ---------------------------------------------------------------------------------------


class InviteForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i ett namn.")), Length(max=200, message=_l("Högst 200 tecken."))]
    )
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i en e-postadress.")), Length(max=254, message=_l("Högst 254 tecken."))],
    )
    roles = CheckboxesField(_l("Roller"))
    units = CheckboxesField(_l("Verksamheter"), coerce=int)


class AccessForm(FlaskForm):
    roles = CheckboxesField(_l("Roller"))
    units = CheckboxesField(_l("Verksamheter"), coerce=int)


class PeopleFilterForm(FlaskForm):
    """The list's search: read from the query string, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Sök namn eller e-post"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Roll"), validate_choice=False)
    unit = SelectField(_l("Verksamhet"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)


# --- Organisations and units ----------------------------------------------------------------------


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i ett namn.")), Length(max=200, message=_l("Högst 200 tecken."))]
    )


class UnitForm(FlaskForm):
    name = StringField(
        _l("Namn"), validators=[DataRequired(_l("Fyll i ett namn.")), Length(max=200, message=_l("Högst 200 tecken."))]
    )
    kind = SelectField(_l("Typ"), validate_choice=False)


class CapacityForm(FlaskForm):
    places = WholeNumberField(_l("Platser per natt"))
    from_date = SwedishDateField(_l("Från och med"), validators=[Optional()])
    until_date = SwedishDateField(_l("Till och med"), validators=[Optional()])


class ForgotPasswordForm(FlaskForm):
    """The "Glömt lösenord?" form: the address only; the service's clean_email decides what is valid."""

    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i din e-postadress.")), Length(max=254, message=_l("Högst 254 tecken."))],
    )
