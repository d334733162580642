"""Keyset paging of long lists (review queue, activity logs): a page costs the same however long
the list grows, and a row saved meanwhile is never listed twice (no OFFSET).

A cursor names the last row shown by its (time, id); it travels in the address as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, func, or_, select

from webapp.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}_{self.id}"


def parse_cursor(text: str | None) -> Cursor | None:
    """The cursor in ``text``, or None (start from the beginning) for anything malformed."""
    at, _, row_id = (text or "").rpartition("_")
    # Ids fit a BIGINT; times are stored naive (UTC), so an offset is no cursor of ours either.
    if not at or not row_id.isdigit() or len(row_id) > 18:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return Cursor(moment, int(row_id)) if moment.tzinfo is None else None


def after(time_column: Any, id_column: Any, cursor: Cursor, descending: bool = False) -> Any:
    """The rows past ``cursor`` in the order (time, id), ascending or descending."""
    if descending:
        return or_(time_column < cursor.at, and_(time_column == cursor.at, id_column < cursor.id))
    return or_(time_column > cursor.at, and_(time_column == cursor.at, id_column > cursor.id))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, how many follow it, and the cursor to the next page."""

    items: list[T]
    remaining: int
    next_cursor: str | None


def count_rows(statement: Any, id_column: Any) -> int:
    """How many rows ``statement`` selects, by a COUNT query (nothing is loaded)."""
    return int(
        db.session.scalar(select(func.count()).select_from(statement.with_only_columns(id_column).subquery())) or 0
    )


def keyset_page(
    matching: Any,
    time_column: Any,
    id_column: Any,
    *,
    cursor: str | None,
    limit: int,
    options: tuple = (),
    descending: bool = False,
) -> Page[Any]:
    """``limit`` rows of ``matching`` after ``cursor`` (a malformed one starts from the top) in
    the order (time, id), how many follow them (a COUNT) and the cursor to the next page.

    The rows need the attributes the columns name, ``created_at``/``updated_at`` and ``id``.
    """
    order = (time_column.desc(), id_column.desc()) if descending else (time_column, id_column)
    start = parse_cursor(cursor)
    rest = matching if start is None else matching.where(after(time_column, id_column, start, descending))
    rows = list(db.session.scalars(rest.options(*options).order_by(*order).limit(limit)).unique())
    if len(rows) < limit:
        return Page(rows, 0, None)
    last = Cursor(getattr(rows[-1], time_column.key), rows[-1].id)
    remaining = count_rows(matching.where(after(time_column, id_column, last, descending)), id_column)
    return Page(rows, remaining, last.encode() if remaining else None)
