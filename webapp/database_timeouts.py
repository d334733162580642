"""A client-side bound on every PostgreSQL round trip.

``statement_timeout`` is enforced by the server and ``connect_timeout`` covers only new
connections, so a server that goes silent on an already-open pooled connection (its backend
frozen, the VM paused, packets dropped) held a request (and the pool's pre-ping) until gunicorn
killed the worker. Here every wait for the server on such a connection (execute, fetch, commit,
rollback, the pre-ping) gives up after ``DATABASE_CLIENT_TIMEOUT`` seconds: the connection is
closed, so SQLAlchemy sees a disconnect and drops it from the pool instead of reusing it, and the
request gets the usual 503 (webapp.errors maps OperationalError).

The bound travels in ``connect_args`` under ``ROUND_TRIP_TIMEOUT`` (webapp.config adds it for
PostgreSQL); the ``do_connect`` listener (registered in webapp.extensions) takes it out before
libpq sees it and opens a ``BoundedConnection`` instead of a plain ``psycopg.Connection``.
TCP keepalives or ``tcp_user_timeout`` would not do: a frozen process's kernel still
acknowledges every packet.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.abc import RV, PQGen

# The connect_args key that carries the bound from the config to the listener below.
ROUND_TRIP_TIMEOUT = "round_trip_timeout"


class DatabaseNotAnswering(psycopg.OperationalError):
    """The server did not answer within the round-trip bound; the connection is closed."""


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose waits for the server without a timeout of their own (all
    but psycopg's own notifies and cancel waits) end after ``round_trip_timeout`` seconds."""

    round_trip_timeout: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        bound = self.round_trip_timeout if timeout is None else timeout
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except psycopg.errors._WaitTimeout:
            if timeout is not None:
                raise  # the caller asked for its own timeout and handles it
            # Half a conversation is left on the socket: the connection cannot be used
            # again. Closing it makes SQLAlchemy treat the error as a disconnect.
            self.close()
            raise DatabaseNotAnswering(f"the database did not answer within {bound:g} s") from None


def connect_with_round_trip_bound(
    dialect: Any, _connection_record: Any, cargs: list[Any], cparams: dict[str, Any]
) -> BoundedConnection | None:
    """SQLAlchemy ``do_connect`` listener: a BoundedConnection when the engine asks for one."""
    if ROUND_TRIP_TIMEOUT not in cparams:
        return None  # not a bounded engine: SQLAlchemy connects as usual
    seconds = cparams.pop(ROUND_TRIP_TIMEOUT)
    if dialect.driver != "psycopg" or not seconds:
        return None
    connection = BoundedConnection.connect(*cargs, **cparams)
    connection.round_trip_timeout = float(seconds)
    return connection
