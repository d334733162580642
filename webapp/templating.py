"""What every template may use: formatting filters and a few globals. No queries, no decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask import Flask, current_app
from flask_babel import format_date, get_locale, get_timezone
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
    """A stored time as the user reads it: Babel's "d MMM y HH:mm" in her zone ("3 dec. 2026 21:01")."""
    return HumanClock()(value)


class HumanClock:
    """``human_datetime`` with the user's zone and language looked up once, for a list that shows
    a time per row (versions, events): ``{% set when = human_clock() %}`` … ``{{ when(t) }}``.

    Babel took 90 µs a time; here the hour and minute come from the zone conversion (times are
    stored as naive UTC) and the day's words from Babel once per day and language.
    """

    def __init__(self) -> None:
        self.zone = get_timezone()
        self.locale = str(get_locale())

    def __call__(self, value: datetime | None) -> str:
        if not value:
            return ""
        local = value.replace(tzinfo=UTC).astimezone(self.zone)
        return f"{_human_day(self.locale, local.date())} {local:%H:%M}"


@lru_cache(maxsize=4096)
def _human_day(locale: str, day: date) -> str:
    return babel_dates.format_date(day, "d MMM y", locale=locale)


class PerList:
    """A label function's answers kept for one list: a log's rows repeat a few actions and states,
    each translated once (a translation took 30 µs). ``{% set name = per_list(action_label) %}``."""

    def __init__(self, label: Callable[[str], str]) -> None:
        self.label = label
        self.known: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        known = self.known.get(value)
        if known is None:
            known = self.known[value] = self.label(value)
        return known


def period_label(start: date, end: date) -> str:
    return f"{human_date(start)} – {human_date(end)}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        state_label=state_label, action_label=action_label, human_date=human_date, human_datetime=human_datetime
    )
    app.jinja_env.globals.update(period_label=period_label, csrf_token=generate_csrf, human_clock=HumanClock)
    app.jinja_env.globals.update(per_list=PerList, action_label=action_label, state_label=state_label)
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
