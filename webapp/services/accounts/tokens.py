"""One-time links (invitations, password resets): issued, looked up, redeemed once.

The link carries a random token (256 bits); only its SHA-256 is stored. Looking a token up by
its hash means the comparison is an index lookup of a digest, not a string compare of the secret.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import CursorResult, select, update

from webapp.extensions import db
from webapp.models import TokenPurpose, User, UserToken
from webapp.models.base import utcnow

TOKEN_BYTES = 32
DEFAULT_LINK_VALID_DAYS = 7
# A token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


class LinkStatus(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"  # also replaced by a newer link, or its person deactivated


@dataclass(frozen=True)
class IssuedLink:
    """A new link's token (shown once, never stored) and its stored record."""

    token: str
    record: UserToken


def link_valid_for() -> timedelta:
    """How long a new link works: ACCOUNT_LINK_VALID_DAYS in the config, 7 days by default."""
    return timedelta(days=float(current_app.config.get("ACCOUNT_LINK_VALID_DAYS", DEFAULT_LINK_VALID_DAYS)))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invalidate(
    user: User, purposes: tuple[TokenPurpose, ...] = tuple(TokenPurpose), now: datetime | None = None
) -> int:
    """End the user's unused links of these purposes now. Returns how many there were."""
    now = now or utcnow()
    records = [record for record in open_links(user, now) if record.purpose in purposes]
    for record in records:
        record.expires_at = now
    return len(records)


def issue(user: User, purpose: TokenPurpose, *, created_by: User | None, now: datetime | None = None) -> IssuedLink:
    """A new link for the user; their older unused links for the same purpose stop working."""
    now = now or utcnow()
    invalidate(user, (purpose,), now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record = UserToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + link_valid_for(),
        created_by_id=created_by.id if created_by is not None else None,
    )
    db.session.add(record)
    db.session.flush()
    return IssuedLink(token, record)


def look_up(token: str, purpose: TokenPurpose, now: datetime | None = None) -> tuple[LinkStatus, UserToken | None]:
    """What a link is worth now. Changes nothing."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return LinkStatus.UNKNOWN, None
    record = db.session.scalars(
        select(UserToken).where(UserToken.token_hash == token_digest(token), UserToken.purpose == purpose.value)
    ).first()
    if record is None:
        return LinkStatus.UNKNOWN, None
    if record.used_at is not None:
        return LinkStatus.USED, record
    if record.expires_at <= (now or utcnow()) or not record.user.active:
        return LinkStatus.EXPIRED, record
    return LinkStatus.VALID, record


def redeem(record: UserToken, now: datetime | None = None) -> bool:
    """Mark the link used; False when another request used it (or it ran out) in the meantime.

    Call it after a flush, inside the write transaction: the conditional UPDATE then waits for
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: the row lock) and sees any other use of the same link.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(UserToken)
        .where(UserToken.id == record.id, UserToken.used_at.is_(None), UserToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # an UPDATE's result, which counts its rows
    if result.rowcount != 1:
        return False
    db.session.expire(record, ["used_at"])
    return True


def open_links(user: User, now: datetime | None = None) -> list[UserToken]:
    """The user's links that still work (their tokens are not known any more; only when they end)."""
    return list(
        db.session.scalars(
            select(UserToken)
            .where(UserToken.user_id == user.id, UserToken.used_at.is_(None), UserToken.expires_at > (now or utcnow()))
            .order_by(UserToken.created_at)
        )
    )
