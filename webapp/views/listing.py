"""Per-request constants for pages that list many blocks: computed once, not once per block.

A list of hundreds of blocks would otherwise translate the same state label, format the same
deadline and build the same URL hundreds of times (issue 16).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _

from webapp.labels import STATE_LABELS

_SENTINEL = 987654321


def state_labels() -> dict[str, str]:
    """Block state → its label in the request's language."""
    return {state.value: str(label) for state, label in STATE_LABELS.items()}


def id_url_prefix(endpoint: str, key: str, **values) -> str:
    """What the URL of ``endpoint`` with ``key`` = an id starts with; the id completes it.

    ``url_for('blocks.show', block_id=12)`` == ``id_url_prefix('blocks.show', 'block_id') + '12'``.
    """
    url = url_for(endpoint, **{**values, key: _SENTINEL})
    prefix, found, suffix = url.partition(str(_SENTINEL))
    if not found or suffix:
        raise ValueError(f"{endpoint}: the id is not at the end of {url}")
    return prefix


def open_thread_labels(counts: Iterable[int]) -> dict[int, str]:
    """Each distinct number of open comment threads → "1 öppen tråd" / "n öppna trådar"."""
    return {n: _("%(n)s öppna trådar", n=n) if n != 1 else _("1 öppen tråd") for n in set(counts)}
