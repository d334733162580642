"""What every template may use: formatting filters and a few globals. No queries, no decisions."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_wtf.csrf import generate_csrf

from webapp.labels import ACTION_LABELS, STATE_LABELS
from webapp.models import BlockState
from webapp.statistics.layout import table_layout

# The admin log shows events outside any report; these prefixes are administration.
ADMIN_ACTION_PREFIXES = ("template.", "organisation.", "unit.", "user.")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def state_label(state: str) -> str:
    return str(STATE_LABELS[BlockState(state)])


def human_date(value: date | None) -> str:
    return format_date(value, "d MMMM y") if value else ""


def human_datetime(value: datetime | None) -> str:
    # Stored as naive UTC; Flask-Babel converts to Europe/Stockholm when it knows it is UTC.
    from datetime import UTC

    return format_datetime(value.replace(tzinfo=UTC), "d MMM y HH:mm") if value else ""


def period_label(start: date, end: date) -> str:
    return f"{human_date(start)} – {human_date(end)}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        state_label=state_label, action_label=action_label, human_date=human_date, human_datetime=human_datetime
    )
    app.jinja_env.globals.update(period_label=period_label, csrf_token=generate_csrf)
    app.jinja_env.globals["table_layout"] = table_layout  # what statistics/_table.html prints

    @app.context_processor
    def layout_context():
        from flask_login import current_user

        from webapp.permissions import is_admin, is_reviewer
        from webapp.services.notifications import unread_count

        return {
            "demo_mode": current_app.config["DEMO_MODE"],
            "current_locale": str(get_locale()),
            "show_review_queue": is_reviewer(current_user),
            "show_admin": is_admin(current_user),
            # One COUNT query, only for a signed-in user: the nav badge.
            "unread_notifications": unread_count(current_user) if current_user.is_authenticated else 0,
        }
