"""Forms of the report template administration.

The app's CSRFProtect checks every POST before a view runs, so these forms carry no token
field of their own: a page shows many small forms (one per chapter, section, table) and the
templates add the token as a plain hidden input, without repeating an element id.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from webapp.labels import TABLE_KIND_LABELS, UNIT_KIND_PLURAL_LABELS
from webapp.models import Unit, UnitKind
from webapp.services.report_templates.rules import (
    MAX_DESCRIPTION,
    MAX_GUIDANCE,
    MAX_NAME,
    MAX_TITLE,
    TABLE_KINDS,
    TEMPLATE_KEY,
)
from webapp.services.report_templates.tables import ITEM_KEY

UP_DOWN = ("up", "down")


class AdminForm(FlaskForm):
    class Meta:
        csrf = False  # checked for every POST by CSRFProtect; see the module docstring


def _key_field(description):
    return StringField(
        _l("Nyckel"),
        description=description,
        validators=[
            Optional(),
            Length(max=60, message=_l("Högst 60 tecken.")),
            Regexp(TEMPLATE_KEY, message=_l("Bara små bokstäver a–z, siffror och bindestreck.")),
        ],
    )


def _name_field():
    return StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Ge mallen ett namn.")), Length(max=MAX_NAME, message=_l("Högst 200 tecken."))],
    )


def _title_field(label, missing):
    return StringField(
        label, validators=[DataRequired(missing), Length(max=MAX_TITLE, message=_l("Högst 300 tecken."))]
    )


def _guidance_field():
    return TextAreaField(
        _l("Vägledning (Markdown)"), validators=[Length(max=MAX_GUIDANCE, message=_l("Högst 20 000 tecken."))]
    )


class TemplateCreateForm(AdminForm):
    name = _name_field()
    key = _key_field(_l("Små bokstäver, siffror och bindestreck. Lämna tomt så bildas nyckeln av namnet."))
    description = TextAreaField(
        _l("Beskrivning"), validators=[Length(max=MAX_DESCRIPTION, message=_l("Högst 5 000 tecken."))]
    )


class TemplateCopyForm(AdminForm):
    name = StringField(
        _l("Namn på kopian"),
        validators=[DataRequired(_l("Ge kopian ett namn.")), Length(max=MAX_NAME, message=_l("Högst 200 tecken."))],
    )
    key = _key_field(_l("Lämna tomt så bildas nyckeln av namnet."))


class TemplateDetailsForm(AdminForm):
    name = _name_field()
    description = TextAreaField(
        _l("Beskrivning"), validators=[Length(max=MAX_DESCRIPTION, message=_l("Högst 5 000 tecken."))]
    )


class TemplateImportForm(AdminForm):
    file = FileField(_l("Mallfil (JSON)"))
    key = _key_field(_l("Fyll bara i om en mall med filens nyckel redan finns."))


class ChapterForm(AdminForm):
    title = _title_field(_l("Kapitlets rubrik"), _l("Ge kapitlet en rubrik."))
    guidance = _guidance_field()


class SectionForm(AdminForm):
    title = _title_field(_l("Avsnittets rubrik"), _l("Ge avsnittet en rubrik."))
    guidance = _guidance_field()
    joint = BooleanField(_l("En gemensam text, skriven av en ansvarig verksamhet"))
    responsible_unit = SelectField(_l("Ansvarig för den gemensamma texten"), coerce=int, validate_choice=True)
    unit_kinds = SelectMultipleField(
        _l("En text från varje verksamhet av typen"),
        choices=[SelectChoice(kind.value, UNIT_KIND_PLURAL_LABELS[kind]) for kind in UnitKind],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    named_units = SelectMultipleField(
        _l("En text från var och en av dessa verksamheter"),
        coerce=int,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )

    def set_units(self, units: list[Unit]) -> None:
        """Choices for the unit fields: the given units, labelled with their organisation."""
        labelled = [
            SelectChoice(
                unit.id,
                f"{unit.name} ({unit.organisation.name})"
                if unit.active
                else f"{unit.name} ({unit.organisation.name}) – {_l('avslutad')}",
            )
            for unit in units
        ]
        self.responsible_unit.choices = [SelectChoice(0, _l("Välj verksamhet"))] + labelled
        self.named_units.choices = labelled


class MoveForm(AdminForm):
    direction = StringField("direction", validators=[AnyOf(UP_DOWN, message=_l("Okänd riktning."))])


class MoveToChapterForm(AdminForm):
    chapter_id = SelectField(_l("Flytta till kapitel"), coerce=int, validate_choice=True)


class RetireForm(AdminForm):
    retired = StringField("retired", validators=[AnyOf(("0", "1"))])


class ConfirmForm(AdminForm):
    """A button that only needs the (globally checked) CSRF token."""


class GuidancePreviewForm(AdminForm):
    guidance = TextAreaField("guidance", validators=[Length(max=MAX_GUIDANCE)])


class TableAddForm(AdminForm):
    kind = SelectField(
        _l("Sort"), choices=[SelectChoice(kind, TABLE_KIND_LABELS[kind]) for kind in TABLE_KINDS], validate_choice=True
    )
    title = _title_field(_l("Tabellens rubrik"), _l("Ge tabellen en rubrik."))
    key = StringField(
        _l("Nyckel"),
        description=_l("Lämna tomt så bildas nyckeln av rubriken. Kan inte ändras senare."),
        validators=[
            Optional(),
            Length(max=60, message=_l("Högst 60 tecken.")),
            Regexp(ITEM_KEY, message=_l("Bokstäver a–z, siffror, _ . och -.")),
        ],
    )


ITEM_HINT = _l(
    "En per rad: nyckel = Etikett | alias, alias. Utan nyckel bildas den av etiketten. Ändra inte "
    "nyckeln på en rad som redan har siffror – etiketten går bra att ändra."
)
COLUMN_HINT = _l(
    "En kolumn per rad: nyckel = Etikett | typ | alias, alias. Typer: heltal, decimaltal, text, "
    "datum, land; skriv ”krävs” efter typen om kolumnen måste fyllas i, t.ex. "
    "”date = Datum | datum krävs | Date”."
)
OPTIONS_HINT = _l(
    "Valfritt, som ett JSON-objekt. Möjliga namn: labels, aliases, decimals, required, totals, "
    "total_label, row_label, chart, compare, change_warning_percent (för loggar även sum)."
)


RATIO_HINT = _l(
    "En kvot per rad: nyckel = Etikett | täljare / nämnare | decimaler, t.ex. "
    "”per_natt = Gäster per natt | guests / nights | 1”. Täljare och nämnare är kolumnernas "
    "nycklar; summaraden räknas ur summorna, inte som ett medelvärde."
)
PERIOD_FIGURE_HINT = _l(
    "En siffra per rad som verksamheten anger för hela perioden: nyckel = Etikett | jämförs med | "
    "procent decimaler, t.ex. ”eu_andel = Andel EU/EES, % | eu_eea_share | procent 0”. Skiljer den "
    "sig från det beräknade blir det en varning som ska förklaras."
)


class TableEditForm(AdminForm):
    title = _title_field(_l("Tabellens rubrik"), _l("Ge tabellen en rubrik."))
    # Shown only for the kinds that take them, so they may be missing from a post; the entry
    # builder checks their values.
    months_as = SelectField(
        _l("Månaderna är"),
        validate_choice=False,
        choices=[
            SelectChoice("columns", _l("kolumner (en rad per kategori)")),
            SelectChoice("rows", _l("rader (kategorier × mått som kolumner)")),
        ],
    )
    categories = TextAreaField(_l("Kategorier"), description=ITEM_HINT, validators=[Length(max=20_000)])
    measures = TextAreaField(
        _l("Mått per kategori (bara när månaderna är rader)"), description=ITEM_HINT, validators=[Length(max=5_000)]
    )
    extra_columns = TextAreaField(
        _l("Extra kolumner (bara när månaderna är rader)"), description=ITEM_HINT, validators=[Length(max=5_000)]
    )
    figures = TextAreaField(_l("Uppgifter"), description=ITEM_HINT, validators=[Length(max=20_000)])
    value_type = SelectField(
        _l("Siffrorna är"),
        validate_choice=False,
        choices=[SelectChoice("integer", _l("heltal")), SelectChoice("decimal", _l("decimaltal"))],
    )
    totals = BooleanField(_l("Visa en summarad"))
    columns = TextAreaField(_l("Kolumner"), description=COLUMN_HINT, validators=[Length(max=20_000)])
    ratios = TextAreaField(_l("Kvoter (inte procent)"), description=RATIO_HINT, validators=[Length(max=5_000)])
    period_figures = TextAreaField(
        _l("Siffror för hela perioden som kontrolleras"), description=PERIOD_FIGURE_HINT, validators=[Length(max=5_000)]
    )
    options = TextAreaField(
        _l("Övriga inställningar (JSON)"), description=OPTIONS_HINT, validators=[Length(max=20_000)]
    )
