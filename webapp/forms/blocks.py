"""Flask-WTF forms: what a request must carry, with Swedish field errors."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=[DataRequired(_l("Fyll i din e-postadress.")), Length(max=254)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Fyll i ditt lösenord."))])
    remember = BooleanField(_l("Kom ihåg mig"))
    next = HiddenField()


class BlockForm(FlaskForm):
    # The byte limit is enforced by the service (413); this only rejects absurd input early.
    source = TextAreaField(_l("Text"), validators=[Length(max=2_000_000)])
    # Explicit labels: a field without one asks WTForms' translations for a default label,
    # which loads a catalogue from disk on every request.
    base_version = IntegerField(
        "base_version", validators=[InputRequired(_l("Versionsnummer saknas. Ladda om sidan.")), NumberRange(min=1)]
    )
    note = StringField(_l("Kommentar till versionen"), validators=[Length(max=500, message=_l("Högst 500 tecken."))])


class PreviewForm(FlaskForm):
    source = TextAreaField("source", validators=[Length(max=2_000_000)])


class RestoreForm(FlaskForm):
    base_version = IntegerField("base_version", validators=[InputRequired(), NumberRange(min=1)])


class TransitionForm(FlaskForm):
    action = StringField("action", validators=[DataRequired(), Length(max=40)])
    reason = TextAreaField(_l("Motivering"), validators=[Length(max=2000, message=_l("Högst 2000 tecken."))])
    nothing_to_report = StringField(
        _l("Inget att rapportera, eftersom"), validators=[Length(max=2000, message=_l("Högst 2000 tecken."))]
    )


class CommentForm(FlaskForm):
    # Emptiness and the 10 000 character limit are the comment service's rules (422 with a message);
    # these limits only reject absurd input early.
    body = TextAreaField(_l("Kommentar"), validators=[Length(max=200_000)])
    quote = TextAreaField(_l("Citat"), validators=[Length(max=200_000)])
    table_key = StringField("table_key", validators=[Length(max=200)])
    row_key = StringField("row_key", validators=[Length(max=200)])
    column_key = StringField("column_key", validators=[Length(max=200)])
