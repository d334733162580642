"""The administration's activity log: template, organisation, unit and people events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, load_only

from webapp.models import AuditEvent, User
from webapp.services.paging import Page, keyset_page

ADMIN_AREAS = ("template", "organisation", "unit", "user")
# What the event is about, read from its details: the first of these that is present.
_SUBJECT_KEYS = ("name", "email", "template_key", "key")
# The log shows this many events at a time; "Visa fler" pages on.
ACTIVITY_PAGE_SIZE = 50


@dataclass(frozen=True)
class AdminEvent:
    event: AuditEvent
    subject: str


def admin_events(area: str | None = None, *, cursor: str | None = None, limit: int | None = None) -> Page[AdminEvent]:
    """Administration events, newest first, ``limit`` after ``cursor`` (a malformed one starts
    from the newest); ``area`` narrows to one of ADMIN_AREAS.

    Keyed on (created_at, id): an event logged while the admin pages on never shifts the next page.
    Only the columns the log shows are loaded.
    """
    limit = limit or ACTIVITY_PAGE_SIZE  # read per call, so a test can make a page small
    areas = (area,) if area in ADMIN_AREAS else ADMIN_AREAS
    matching = select(AuditEvent).where(or_(*(AuditEvent.action.startswith(f"{prefix}.") for prefix in areas)))
    found = keyset_page(
        matching,
        AuditEvent.created_at,
        AuditEvent.id,
        cursor=cursor,
        limit=limit,
        descending=True,
        options=(
            load_only(AuditEvent.id, AuditEvent.created_at, AuditEvent.action, AuditEvent.details, AuditEvent.user_id),
            joinedload(AuditEvent.user).load_only(User.id, User.name),
        ),
    )
    events = [AdminEvent(event, _subject(event.details or {})) for event in found.items]
    return Page(events, found.remaining, found.next_cursor)


def _subject(details: dict) -> str:
    return next((str(details[key]) for key in _SUBJECT_KEYS if details.get(key)), "")
