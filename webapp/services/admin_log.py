"""The administration's activity log: template, organisation, unit and people events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import AuditEvent

ADMIN_AREAS = ("template", "organisation", "unit", "user")
# What the event is about, read from its details: the first of these that is present.
_SUBJECT_KEYS = ("name", "email", "template_key", "key")


@dataclass(frozen=True)
class AdminEvent:
    event: AuditEvent
    subject: str


def admin_events(area: str | None = None, *, limit: int = 200) -> list[AdminEvent]:
    """The latest administration events, newest first; ``area`` narrows to one of ADMIN_AREAS."""
    areas = (area,) if area in ADMIN_AREAS else ADMIN_AREAS
    statement = (
        select(AuditEvent)
        .where(or_(*(AuditEvent.action.startswith(f"{prefix}.") for prefix in areas)))
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return [AdminEvent(event, _subject(event.details or {})) for event in db.session.scalars(statement)]


def _subject(details: dict) -> str:
    return next((str(details[key]) for key in _SUBJECT_KEYS if details.get(key)), "")
