"""What every template may use: formatting filters and a few globals. No queries, no decisions."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from webapp.models import BlockState

STATE_LABELS = {
    BlockState.DRAFT: _l("Utkast"),
    BlockState.SUBMITTED: _l("Inskickat"),
    BlockState.CHANGES_REQUESTED: _l("Ändringar begärda"),
    BlockState.APPROVED: _l("Godkänt"),
}


ACTION_LABELS = {
    "block.saved": _l("sparade"),
    "block.restored": _l("återställde en äldre version av"),
    "block.submit": _l("skickade in"),
    "block.withdraw": _l("tog tillbaka"),
    "block.approve": _l("godkände"),
    "block.request_changes": _l("begärde ändringar i"),
    "block.reopen": _l("öppnade igen"),
    "comment.created": _l("kommenterade"),
    "comment.replied": _l("svarade på en kommentar om"),
    "comment.resolved": _l("markerade en kommentarstråd som löst i"),
    "comment.reopened": _l("öppnade en kommentarstråd igen i"),
    "comment.edited": _l("ändrade en kommentar om"),
    "comment.deleted": _l("tog bort en kommentar om"),
    "report.created": _l("skapade rapporten"),
    "report.lock": _l("låste rapporten"),
    "report.unlock": _l("låste upp rapporten"),
    "report.settings_changed": _l("ändrade rapportens titel, period eller deadline"),
    "report.section_added": _l("lade till ett avsnitt i rapporten"),
    "block.reassigned": _l("flyttade till en annan verksamhet:"),
    "capacity.confirmed": _l("bekräftade verksamhetens nattplatser i"),
    "report.published": _l("publicerade rapporten"),
    # Administration (the admin's activity log): "<who> <label> <subject>".
    "template.created": _l("skapade rapportmallen"),
    "template.copied": _l("kopierade en rapportmall till"),
    "template.imported": _l("importerade rapportmallen"),
    "template.retired": _l("tog ur bruk rapportmallen"),
    "template.unretired": _l("tog i bruk igen rapportmallen"),
    "template.updated": _l("ändrade namn eller beskrivning för rapportmallen"),
    "template.chapter_added": _l("lade till ett kapitel i rapportmallen"),
    "template.chapter_updated": _l("ändrade ett kapitel i rapportmallen"),
    "template.chapter_moved": _l("flyttade ett kapitel i rapportmallen"),
    "template.chapter_removed": _l("tog bort ett kapitel ur rapportmallen"),
    "template.section_added": _l("lade till ett avsnitt i rapportmallen"),
    "template.section_updated": _l("ändrade ett avsnitt i rapportmallen"),
    "template.section_moved": _l("flyttade ett avsnitt i rapportmallen"),
    "template.section_removed": _l("tog bort ett avsnitt ur rapportmallen"),
    "template.table_added": _l("lade till en statistiktabell i rapportmallen"),
    "template.table_updated": _l("ändrade en statistiktabell i rapportmallen"),
    "template.table_moved": _l("flyttade en statistiktabell i rapportmallen"),
    "template.table_removed": _l("tog bort en statistiktabell ur rapportmallen"),
    "organisation.created": _l("skapade organisationen"),
    "organisation.renamed": _l("bytte namn på organisationen"),
    "unit.created": _l("skapade verksamheten"),
    "unit.changed": _l("ändrade namn eller typ för verksamheten"),
    "unit.deactivated": _l("avvecklade verksamheten"),
    "unit.reactivated": _l("återaktiverade verksamheten"),
    "unit.capacity_added": _l("lade till nattplatser för verksamheten"),
    "unit.capacity_changed": _l("ändrade nattplatserna för verksamheten"),
    "unit.capacity_removed": _l("tog bort nattplatser för verksamheten"),
    "user.invited": _l("bjöd in"),
    "user.invitation_renewed": _l("skapade en ny inbjudningslänk för"),
    "user.invitation_accepted": _l("tog emot inbjudan och valde lösenord:"),
    "user.reset_link_created": _l("skapade en länk för nytt lösenord för"),
    "user.password_reset": _l("valde nytt lösenord via länk:"),
    "user.password_changed": _l("bytte sitt lösenord:"),
    "user.name_changed": _l("ändrade sitt namn:"),
    "user.roles_changed": _l("ändrade roller för"),
    "user.units_changed": _l("ändrade verksamheter för"),
    "user.deactivated": _l("stängde av"),
    "user.reactivated": _l("aktiverade igen"),
}

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

    @app.context_processor
    def layout_context():
        from flask_login import current_user

        from webapp.permissions import is_admin
        from webapp.services.notifications import unread_count
        from webapp.services.review import is_reviewer

        return {
            "demo_mode": current_app.config["DEMO_MODE"],
            "current_locale": str(get_locale()),
            "show_review_queue": is_reviewer(current_user),
            "show_admin": is_admin(current_user),
            # One COUNT query, only for a signed-in user: the nav badge.
            "unread_notifications": unread_count(current_user) if current_user.is_authenticated else 0,
        }
