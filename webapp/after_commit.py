"""Work that may happen only once the request's transaction has committed.

A service that must hand something on — a render job to the worker, an e-mail — registers a
callback here; it runs after the commit, and is forgotten if the transaction rolls back, so
nothing ever leaves for a row that was never written. One ``after_commit``/``after_rollback``
pair, registered once by ``init_app``, serves every such service.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from blinker import Signal
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import db

logger = logging.getLogger(__name__)

_CALLBACKS = "after_commit.callbacks"


def call_after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current transaction commits; never if it rolls back."""
    db.session.info.setdefault(_CALLBACKS, []).append(callback)


def send_after_commit(signal: Signal, **data: Any) -> None:
    """Send ``signal`` with ``data`` once the current transaction commits (see ``webapp.signals``).

    No sender (the receivers are connected for any); ``data`` is ``Any`` as in blinker's own
    ``send``: what a signal carries is typed by its receivers' keyword arguments."""
    call_after_commit(functools.partial(signal.send, None, **data))


def _run_callbacks(session: Session) -> None:
    for callback in session.info.pop(_CALLBACKS, ()):
        try:
            callback()
        except Exception:  # the commit stands; what failed to leave is logged, never raised at the user
            logger.exception("After-commit step %r failed", callback)


def _forget_callbacks(session: Session) -> None:
    session.info.pop(_CALLBACKS, None)


def init_app(app: Flask) -> None:
    if not event.contains(db.session, "after_commit", _run_callbacks):
        event.listen(db.session, "after_commit", _run_callbacks)
        event.listen(db.session, "after_rollback", _forget_callbacks)
