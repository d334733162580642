"""Who else has a block open for editing, and the small live state that open pages poll.

Presence is a heartbeat, not an event: one upserted row per (block, person), never audited.
An open editor heartbeats every ``heartbeat_seconds()`` and says goodbye when its page goes away;
a row older than ``ttl_seconds()`` (config ``PRESENCE_TTL_SECONDS``) means the person left
without saying so (a crashed browser, a sleeping laptop, a lost connection).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Executable, delete, func, select

from webapp.extensions import db
from webapp.models import Block, Comment, Presence, Unit, User
from webapp.models.accounts import unit_memberships
from webapp.models.base import utcnow

DEFAULT_TTL_SECONDS = 30
HEARTBEATS_PER_TTL = 3  # two heartbeats may be lost (or throttled) before the person disappears


def ttl_seconds() -> int:
    """How long a heartbeat keeps a person present."""
    return int(current_app.config.get("PRESENCE_TTL_SECONDS", DEFAULT_TTL_SECONDS))


def heartbeat_seconds() -> int:
    """How often an open editor heartbeats."""
    return max(1, ttl_seconds() // HEARTBEATS_PER_TTL)


@dataclass(frozen=True)
class Editor:
    user_id: int
    name: str
    unit: str | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclass(frozen=True)
class CommentStats:
    count: int = 0
    open_count: int = 0
    last_id: int = 0


@dataclass(frozen=True)
class LiveState:
    block_id: int
    state: str
    version: int
    editors: tuple[Editor, ...]
    comments: CommentStats
    heartbeat_seconds: int  # how often the page heartbeats; not part of the ETag

    @property
    def etag(self) -> str:
        parts = [
            self.block_id,
            self.state,
            self.version,
            self.comments.count,
            self.comments.open_count,
            self.comments.last_id,
            *(f"{e.user_id}:{e.name}:{e.unit}" for e in self.editors),
        ]
        return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:20]


def heartbeat(block_id: int, user_id: int, now: datetime | None = None) -> None:
    """Record that the person has the block's editor open: one small upsert."""
    now = now or utcnow()
    values = {"block_id": block_id, "user_id": user_id, "last_seen": now}
    dialect = db.session.get_bind().dialect.name
    keys, seen = ["block_id", "user_id"], {"last_seen": now}
    upsert: Executable
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        upsert = postgresql_insert(Presence).values(**values).on_conflict_do_update(index_elements=keys, set_=seen)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        upsert = sqlite_insert(Presence).values(**values).on_conflict_do_update(index_elements=keys, set_=seen)
    db.session.execute(upsert)


def leave(block_id: int, user_id: int) -> None:
    """The person's page went away: nobody sees them editing any more."""
    db.session.execute(delete(Presence).where(Presence.block_id == block_id, Presence.user_id == user_id))


def others_editing(block: Block, user: User, now: datetime | None = None) -> tuple[Editor, ...]:
    """Everyone but ``user`` seen in the block's editor within the TTL, in one query.

    The unit shown is the block's unit when the person belongs to it, else their first unit.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=ttl_seconds())
    rows = db.session.execute(
        select(User.id, User.name, Unit.id, Unit.name)
        .select_from(Presence)
        .join(User, User.id == Presence.user_id)
        .outerjoin(unit_memberships, unit_memberships.c.user_id == User.id)
        .outerjoin(Unit, Unit.id == unit_memberships.c.unit_id)
        .where(Presence.block_id == block.id, Presence.last_seen >= cutoff, Presence.user_id != user.id)
        .order_by(User.name, User.id, Unit.name)
    ).all()
    chosen: dict[int, Editor] = {}
    for user_id, name, unit_id, unit_name in rows:
        if user_id not in chosen or unit_id == block.unit_id:
            chosen[user_id] = Editor(user_id, name, unit_name)
    return tuple(chosen.values())


def comment_stats(block_id: int) -> CommentStats:
    count, resolved, last_id = db.session.execute(
        select(func.count(Comment.id), func.count(Comment.resolved_at), func.max(Comment.id)).where(
            Comment.block_id == block_id
        )
    ).one()
    return CommentStats(count=count or 0, open_count=(count or 0) - (resolved or 0), last_id=last_id or 0)


def live_state(block: Block, user: User) -> LiveState:
    """What an open block page polls for: state, version, who edits, comments (two queries)."""
    return LiveState(
        block.id,
        str(block.state),
        block.version,
        others_editing(block, user),
        comment_stats(block.id),
        heartbeat_seconds(),
    )
