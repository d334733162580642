"""404 for what does not exist: one way for every view."""

from __future__ import annotations

from typing import TypeVar

from flask import abort

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """What a service loaded, or the 404 page when there is no such thing.

    Loading by primary key alone is ``db.get_or_404``; this is for the services' loaders,
    which also load what the page needs with it or look inside a parent."""
    if found is None:
        abort(404)
    return found
