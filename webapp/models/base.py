"""Small helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC timestamp: the same on SQLite and PostgreSQL columns without time zone."""
    return datetime.now(UTC).replace(tzinfo=None)
