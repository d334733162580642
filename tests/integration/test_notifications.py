"""Notifications: the list, marking read, the nav badge, e-mail through a real local SMTP catcher, deadlines."""

from __future__ import annotations

import smtplib
import socket
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests.integration.helpers import OPEN_REPORT_ID, block_version, find_block, post
from webapp.extensions import db
from webapp.models import Block, Notification, Report, User

WRITER = "skribent.crossroads@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
CHAIR = "ordforande@demo.iop"


class Catcher:
    """Collects every message the SMTP server receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(
            (
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.original_content or envelope.content, policy=default_policy),
            )
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mail_config(app, **values):
    """The session-wide app is shared: set MAIL_* for one test and put everything back."""
    before = {key: app.config.get(key) for key in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(before)


@pytest.fixture
def smtp_catcher():
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield catcher, controller.port
    finally:
        controller.stop()


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "gem-klagomal", "crossroads")


def _user_id(app, email):
    with app.app_context():
        return db.session.scalars(select(User.id).where(User.email == email)).one()


def _notifications(app, email):
    with app.app_context():
        rows = db.session.scalars(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.email == email)
            .order_by(Notification.id)
        ).all()
        result = [(n.id, n.kind, n.block_id, n.read_at is not None, n.emailed_at is not None, n.message) for n in rows]
        db.session.remove()
        return result


def _request_changes(app, signed_in, block_id, reason="Lägg till januari."):
    writer = signed_in(WRITER)
    data = {"action": "submit", "source": "Besöken ökade.", "base_version": block_version(app, block_id)}
    assert post(writer, f"/blocks/{block_id}/transition", data).status_code == 302
    reviewer = signed_in(REVIEWER)
    response = post(reviewer, f"/blocks/{block_id}/transition", {"action": "request_changes", "reason": reason})
    assert response.status_code == 302
    return writer, reviewer


def _add_notification(app, email, message, block_id=None):
    with app.app_context():
        row = Notification(
            user_id=_user_id(app, email), kind="test", message=message, block_id=block_id, report_id=OPEN_REPORT_ID
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
        return row_id


def test_changes_requested_is_emailed_to_the_writer_in_swedish(app, signed_in, block_id, smtp_catcher):
    catcher, port = smtp_catcher
    with mail_config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="iop@example.test"):
        _request_changes(app, signed_in, block_id)
    [(recipients, message)] = catcher.messages
    assert recipients == [WRITER]
    assert message["To"] == WRITER and message["From"] == "iop@example.test"
    assert "begärde ändringar" in message["Subject"]
    body = message.get_content()
    assert "Hej " in body and "begärde ändringar" in body and "Lägg till januari." in body
    assert f"/blocks/{block_id}" in body
    [(_, kind, notified_block, read, emailed, _)] = _notifications(app, WRITER)
    assert (kind, notified_block, read, emailed) == ("block.request_changes", block_id, False, True)
    assert _notifications(app, REVIEWER) == []  # never to the person who acted


def test_mail_is_off_by_default_and_no_connection_is_attempted(app, signed_in, block_id, monkeypatch):
    assert not app.config["MAIL_SERVER"]
    attempts = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *args, **kwargs: attempts.append(args))
    _request_changes(app, signed_in, block_id)
    assert attempts == []
    [(_, kind, _, _, emailed, _)] = _notifications(app, WRITER)
    assert kind == "block.request_changes" and emailed is False


def test_a_failing_mail_server_never_breaks_the_request(app, signed_in, block_id):
    with mail_config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port()):  # nothing listens there
        _request_changes(app, signed_in, block_id)
    [(_, kind, _, _, emailed, _)] = _notifications(app, WRITER)
    assert kind == "block.request_changes" and emailed is False
    with app.app_context():
        assert db.session.get(Block, block_id).state == "changes_requested"


def test_list_badge_mark_read_and_read_all(app, signed_in, block_id):
    _request_changes(app, signed_in, block_id)
    second = _add_notification(app, WRITER, "Andra notisen.", block_id)
    writer = signed_in(WRITER)
    page = writer.get("/notifications").get_data(as_text=True)
    assert page.index("Andra notisen.") < page.index("begärde ändringar")  # newest first
    assert page.count('class="notification unread"') == 2
    assert f'href="/blocks/{block_id}"' in page
    assert 'aria-label="2 olästa"' in page and ">2</span>" in page  # the nav badge

    response = post(writer, f"/notifications/{second}/read", htmx=True)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert f'id="notification-{second}"' in fragment and "unread" not in fragment.split("</li>")[0]
    assert 'hx-swap-oob="true"' in fragment and 'aria-label="1 olästa"' in fragment
    assert 'aria-label="1 olästa"' in writer.get("/").get_data(as_text=True)

    response = post(writer, "/notifications/read-all")
    assert response.status_code == 302
    assert [read for _, _, _, read, _, _ in _notifications(app, WRITER)] == [True, True]
    page = writer.get("/notifications").get_data(as_text=True)
    assert 'class="notification unread"' not in page and 'olästa"' not in page.split("<main")[0]


def test_someone_elses_notification_is_404_and_unchanged(app, signed_in, block_id):
    theirs = _add_notification(app, WRITER, "Bara för skribenten.", block_id)
    reviewer = signed_in(REVIEWER)
    assert post(reviewer, f"/notifications/{theirs}/read").status_code == 404
    assert post(reviewer, "/notifications/999999/read").status_code == 404
    assert post(reviewer, "/notifications/read-all").status_code == 302
    assert "Bara för skribenten." not in reviewer.get("/notifications").get_data(as_text=True)
    [(_, _, _, read, _, _)] = _notifications(app, WRITER)
    assert read is False


def test_the_list_fragment_for_htmx(app, signed_in, block_id):
    _add_notification(app, WRITER, "En notis.", block_id)
    response = signed_in(WRITER).get("/notifications", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert 'id="notification-list"' in html and "En notis." in html and "<html" not in html


def test_the_badge_costs_one_count_query(app, signed_in, count_queries):
    writer = signed_in(WRITER)
    with count_queries() as counter:
        writer.get("/notifications")
    assert sum(1 for s in counter.statements if "count(" in s.lower() and "notifications" in s) == 1


def test_deadline_reminders_reach_the_writers_once_per_day(app, demo, block_id, smtp_catcher):
    from webapp.services.notifications import deadline_reminders

    catcher, port = smtp_catcher
    today = date.today()
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = today + timedelta(days=3)
        db.session.commit()
        with mail_config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port):
            first = deadline_reminders(today)
            db.session.commit()  # the worker (immediate in tests) e-mails them
            assert len(catcher.messages) == len(first) > 0
            again = deadline_reminders(today)
            db.session.commit()
        assert again == []
        writer_id = _user_id(app, WRITER)
        mine = db.session.scalars(select(Notification).where(Notification.user_id == writer_id)).all()
        assert block_id in {n.block_id for n in mine}
        assert all(n.kind == "deadline.reminder" and "inte inskickat" in n.message for n in mine)
        assert len({n.block_id for n in mine}) == len(mine)  # one per block
        # Submitted or approved blocks, and reports far from their deadline, get none.
        blocks = {n.block_id: db.session.get(Block, n.block_id).state for n in mine}
        assert set(blocks.values()) <= {"draft", "changes_requested"}
        db.session.get(Report, OPEN_REPORT_ID).deadline = today + timedelta(days=30)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notification)) == len(first)
        db.session.remove()
    assert any(rcpt == [WRITER] and "Påminnelse" in msg.get_content() for rcpt, msg in catcher.messages)


def test_no_reminders_when_the_deadline_is_far_or_passed(app, demo):
    from webapp.services.notifications import deadline_reminders

    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = date.today() + timedelta(days=30)
        db.session.commit()
        assert deadline_reminders(date.today()) == []
        db.session.get(Report, OPEN_REPORT_ID).deadline = date.today() - timedelta(days=1)
        assert deadline_reminders(date.today()) == []
        db.session.rollback()
        db.session.remove()


def test_notify_deadlines_command_is_idempotent(app, demo):
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = date.today() + timedelta(days=7)
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify-deadlines"])
    assert first.exit_code == 0, first.output
    assert "påminnelser skapades" in first.output and not first.output.startswith("0 ")
    second = runner.invoke(args=["notify-deadlines", "--days", "7"])
    assert second.exit_code == 0 and second.output.startswith("0 påminnelser")


def test_the_worker_sends_the_deadline_reminders_every_morning(app, demo, smtp_catcher):
    """The consumer's periodic task makes the reminders and the mail; no cron entry needed."""
    from webapp.tasks import REMINDER_SCHEDULE, deadline_reminders_task

    catcher, port = smtp_catcher
    today = date.today()
    assert REMINDER_SCHEDULE(datetime.combine(today, time(7, 0)))
    assert not REMINDER_SCHEDULE(datetime.combine(today, time(7, 1)))
    with app.app_context():
        db.session.get(Report, OPEN_REPORT_ID).deadline = today + timedelta(days=2)
        db.session.commit()
        with mail_config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port):
            deadline_reminders_task.call_local()
        reminders = db.session.scalars(select(Notification).where(Notification.kind == "deadline.reminder")).all()
        db.session.remove()
    assert reminders and len(catcher.messages) == len(reminders)
    assert all(n.emailed_at is not None for n in reminders)
