"""Forms for reports and periods (admin) and a unit's capacity confirmation, with Swedish errors.

The forms check the shape of the input (dates, whole numbers, lengths); the rules that need the
database (overlapping periods, who may write a section) are the services' and come back as
inline errors too.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.labels import UNIT_KIND_PLURAL_LABELS
from webapp.services.reports.capacity import MAX_ENTRIES


class IsoDateField(DateField):
    """A date field (type="date") whose parse error is ours, in Swedish."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Ange ett datum som ÅÅÅÅ-MM-DD.")) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().replace(" ", ""))
        except ValueError:
            self.data = None
            raise ValueError(_l("Ange ett heltal.")) from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def optional_int(value) -> int | None:
    """A posted id; anything that is not a whole number is no choice (the service says so in Swedish)."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _required_date(label):
    return IsoDateField(label, validators=[InputRequired(_l("Ange ett datum."))])


class PeriodFields:
    """Title, period and deadline: what every report form asks for."""

    title = StringField(_l("Titel"), validators=[Length(max=300, message=_l("Högst 300 tecken."))])
    period_start = _required_date(_l("Perioden börjar"))
    period_end = _required_date(_l("Perioden slutar"))
    deadline = _required_date(_l("Deadline för bidragen"))


class NewReportForm(PeriodFields, FlaskForm):
    report_template_id = SelectField(_l("Rapportmall"), coerce=optional_int, validate_choice=False)


class RolloverForm(PeriodFields, FlaskForm):
    previous_report_id = SelectField(_l("Föregående rapport"), coerce=optional_int, validate_choice=False)


class ReportSettingsForm(PeriodFields, FlaskForm):
    pass


class SectionForm(FlaskForm):
    title = StringField(_l("Rubrik"), validators=[Length(max=300, message=_l("Högst 300 tecken."))])
    guidance = TextAreaField(_l("Vägledning (Markdown)"), validators=[Length(max=20_000)])
    # "<chapter id>:<index>": the chapter, and how many of its sections come before the new one.
    placement = SelectField(_l("Placering"), validate_choice=False)
    joint = BooleanField(_l("En gemensam text"))
    responsible_unit_id = SelectField(
        _l("Ansvarig verksamhet för den gemensamma texten"), coerce=optional_int, validate_choice=False
    )
    unit_kinds = MultiCheckboxField(
        _l("Ett bidrag från varje verksamhet av typen"),
        choices=[SelectChoice(kind.value, label) for kind, label in UNIT_KIND_PLURAL_LABELS.items()],
    )
    named_unit_ids = MultiCheckboxField(
        _l("Ett bidrag från var och en av dessa verksamheter"), coerce=optional_int, validate_choice=False
    )

    def parsed_placement(self) -> tuple[int | None, int | None]:
        chapter, _, index = (self.placement.data or "").partition(":")
        try:
            return int(chapter), int(index)
        except ValueError:
            return None, None


class ReassignForm(FlaskForm):
    unit_id = SelectField(_l("Ny verksamhet"), coerce=optional_int, validate_choice=False)


class CapacityEntryForm(Form):
    places = WholeNumberField(_l("Platser per natt"), validators=[Optional()])
    from_date = IsoDateField(_l("Från och med"), validators=[Optional()])
    until_date = IsoDateField(_l("Till och med"), validators=[Optional()])


class CapacityForm(FlaskForm):
    entries = FieldList(FormField(CapacityEntryForm), min_entries=1, max_entries=MAX_ENTRIES)
