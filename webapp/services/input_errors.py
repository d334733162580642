"""Input a service refuses: the Swedish message (translated by the view) and the field it concerns."""

from __future__ import annotations


class InputRefused(Exception):
    """Invalid input: the view shows ``message`` (with ``params`` filled in) next to ``field``, as 422."""

    def __init__(self, message: str, field: str | None = None, **params: object):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params
