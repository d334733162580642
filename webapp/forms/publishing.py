"""Forms of the publishing pages: the Publicera form and the plain buttons that start a render."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length


class PublishForm(FlaskForm):
    # Both matter only when comment threads are open; the publishing service decides that.
    leave_threads_open = BooleanField(_l("Lämna de öppna trådarna öppna"))
    open_threads_reason = TextAreaField(
        _l("Varför lämnas de öppna?"), validators=[Length(max=1500, message=_l("Högst 1500 tecken."))]
    )


class RenderRequestForm(FlaskForm):
    """A button that asks for a render: only the CSRF token is posted."""
