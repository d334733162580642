"""show_on_form: a service's refusal lands on the field it names, else above the form."""

from __future__ import annotations

from wtforms import FieldList, Form, FormField, StringField

from webapp.forms.refusals import show_on_form
from webapp.input_errors import InputProblem, InputRefused
from webapp.services.report_templates.rules import TemplateInputError
from webapp.services.reports.admin import ReportInputError
from webapp.services.reports.capacity import CapacityInputError


class RowForm(Form):
    places = StringField("places")


class PageForm(Form):
    title = StringField("title")
    entries = FieldList(FormField(RowForm), min_entries=2)


def test_a_refusal_goes_next_to_its_field_with_its_params_filled_in():
    form = PageForm()
    show_on_form(form, InputRefused("Högst %(max)d tecken.", "title", max=5))
    assert form.title.errors == ["Högst 5 tecken."]
    assert form.form_errors == []


def test_a_refusal_without_a_field_of_the_form_goes_above_it():
    form = PageForm()
    show_on_form(form, TemplateInputError("Okänd tabellsort 'x'.", "kind"))
    show_on_form(form, TemplateInputError("Något gick fel."))
    assert form.form_errors == ["Okänd tabellsort 'x'.", "Något gick fel."]
    assert not form.title.errors


def test_each_problem_goes_to_its_own_field():
    form = PageForm()
    show_on_form(
        form, ReportInputError(problems=[InputProblem("title", "Ange en titel."), InputProblem("nope", "Fel.")])
    )
    assert form.title.errors == ["Ange en titel."]
    assert form.form_errors == ["Fel."]


def test_a_problem_with_a_row_goes_to_that_row_and_the_whole_message_above_the_form():
    form = PageForm()
    error = CapacityInputError(
        "Perioderna överlappar %(n)s.",
        problems=[InputProblem("places", "Högst %(max)d platser.", {"max": 9}, row=1)],
        n="nu",
    )
    show_on_form(form, error, rows=form.entries)
    assert not form.entries[0].form.places.errors
    assert form.entries[1].form.places.errors == ["Högst 9 platser."]
    assert form.form_errors == ["Perioderna överlappar nu."]


def test_every_input_error_of_the_services_is_an_input_refused():
    """One type for refused input: views and show_on_form need to know no other."""
    from webapp.services.blocks.statistics import TableInputError
    from webapp.services.report_templates import TemplateFileError
    from webapp.services.report_templates.json_files import TemplateFileRefused
    from webapp.services.review.comments import CommentInputError
    from webapp.statistics.importing import ImportRefused

    kinds = (CapacityInputError, ReportInputError, TemplateInputError, CommentInputError)
    kinds += (TemplateFileError, TemplateFileRefused, TableInputError, ImportRefused)
    assert all(issubclass(kind, InputRefused) for kind in kinds)
    form = PageForm()
    show_on_form(form, CommentInputError("För lång kommentar.", "title"))
    assert form.title.errors == ["För lång kommentar."]
