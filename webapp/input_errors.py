"""Input a service refuses: the Swedish message (translated by the view) and the field it concerns.

Every input error of the services is an ``InputRefused``: one message for one field (or for
the whole form), or several ``problems``, each naming its field (and, in a list of rows, its
row). ``webapp.forms.refusals.show_on_form`` puts them on the form; the page answers 422.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

# Text no field may hold: C0 control characters except tab, line feed and carriage return.
# PostgreSQL refuses NUL in text; XML 1.0 (PDF metadata, .xlsx) cannot carry the others.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class InputProblem:
    """One refused field: ``message`` (with ``params`` filled in) shown next to ``field``."""

    field: str | None
    message: str
    params: dict = dataclass_field(default_factory=dict)
    row: int | None = None  # the posted row, in a form with a list of rows


class InputRefused(ValueError):
    """Invalid input: nothing was changed. The view shows ``message`` (with ``params`` filled in)
    next to ``field``, or each of ``problems`` next to its own field, as 422."""

    def __init__(
        self,
        message: str | None = None,
        field: str | None = None,
        *,
        problems: Sequence[InputProblem] = (),
        **params: object,
    ):
        super().__init__(message or "; ".join(problem.message for problem in problems))
        self.message = message
        self.field = field
        self.problems = tuple(problems)
        self.params = params
