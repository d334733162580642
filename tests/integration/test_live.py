"""Presence, the polled live fragment (ETag / 304) and the changes since the last review."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.integration.helpers import block_version, find_block, post
from webapp.extensions import db
from webapp.models import AuditEvent, Comment, Presence, Report, ReportState, User
from webapp.models.base import utcnow

WRITER = "skribent.crossroads@demo.iop"
OTHER_WRITER = "skribent.stadsmissionen-natt@demo.iop"
ADMIN = "admin@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "gem-klagomal", "crossroads")  # an empty draft without tables, open report


def _presence_rows(app, block_id):
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Presence).where(Presence.block_id == block_id))
        db.session.remove()
        return rows


def _age_presence(app, block_id, seconds):
    with app.app_context():
        db.session.execute(
            update(Presence)
            .where(Presence.block_id == block_id)
            .values(last_seen=utcnow() - timedelta(seconds=seconds))
        )
        db.session.commit()
        db.session.remove()


def test_the_editor_page_heartbeats_and_others_see_who_is_editing(app, signed_in, block_id):
    writer, admin = signed_in(WRITER), signed_in(ADMIN)
    page = writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert f'hx-post="/blocks/{block_id}/presence"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "redigerar" not in page

    events_before = _count(app, AuditEvent)
    assert post(writer, f"/blocks/{block_id}/presence", htmx=True).status_code == 204
    assert post(writer, f"/blocks/{block_id}/presence", htmx=True).status_code == 204  # an upsert
    assert _presence_rows(app, block_id) == 1
    assert _count(app, AuditEvent) == events_before  # presence is not an audit event

    assert "Anna Lindqvist (Crossroads) redigerar" in " ".join(
        admin.get(f"/blocks/{block_id}").get_data(as_text=True).split()
    )
    assert "redigerar" not in writer.get(f"/blocks/{block_id}").get_data(as_text=True)  # not yourself
    live = admin.get(f"/blocks/{block_id}/live", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Anna Lindqvist (Crossroads)" in live

    _age_presence(app, block_id, 61)  # left or idle for more than a minute
    assert "redigerar" not in admin.get(f"/blocks/{block_id}").get_data(as_text=True)


def test_leaving_removes_presence(app, signed_in, block_id):
    writer = signed_in(WRITER)
    post(writer, f"/blocks/{block_id}/presence", htmx=True)
    assert post(writer, f"/blocks/{block_id}/presence/leave", htmx=True).status_code == 204
    assert _presence_rows(app, block_id) == 0


def test_heartbeat_is_refused_for_another_units_writer_a_reviewer_and_a_locked_report(app, signed_in, block_id):
    assert post(signed_in(OTHER_WRITER), f"/blocks/{block_id}/presence", htmx=True).status_code == 403
    assert post(signed_in(REVIEWER), f"/blocks/{block_id}/presence", htmx=True).status_code == 403
    writer = signed_in(WRITER)
    with app.app_context():
        db.session.get(Report, 2).state = ReportState.LOCKED
        db.session.commit()
        db.session.remove()
    assert post(writer, f"/blocks/{block_id}/presence", htmx=True).status_code == 409
    assert _presence_rows(app, block_id) == 0


def test_anonymous_cannot_poll(app, client, demo, block_id):
    response = client.get(f"/blocks/{block_id}/live", headers={"HX-Request": "true"})
    assert response.status_code == 401


def _count(app, model):
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


def _poll(client, block_id, etag=None):
    headers = {"HX-Request": "true"}
    if etag:
        headers["If-None-Match"] = f'"{etag}"'
    return client.get(f"/blocks/{block_id}/live", headers=headers)


def test_live_fragment_answers_304_until_something_changes(app, signed_in, block_id, count_queries):
    reviewer, writer = signed_in(REVIEWER), signed_in(WRITER)
    first = _poll(reviewer, block_id)
    assert first.status_code == 200
    etag = first.get_etag()[0]
    assert etag and first.headers["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in first.headers["Vary"]
    assert 'hx-trigger="every 5s"' in first.get_data(as_text=True)

    with count_queries() as counter:
        unchanged = _poll(reviewer, block_id, etag)
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.get_etag()[0] == etag
    assert counter.count <= 6, counter.statements  # the session's user, then block, presence, comments

    post(writer, f"/blocks/{block_id}/presence", htmx=True)  # someone starts editing
    edited = _poll(reviewer, block_id, etag)
    assert edited.status_code == 200 and "Anna Lindqvist" in edited.get_data(as_text=True)
    etag = edited.get_etag()[0]

    with app.app_context():  # a new comment
        user_id = db.session.scalar(select(User.id).where(User.email == REVIEWER))
        db.session.add(Comment(block_id=block_id, author_id=user_id, source="Fråga", html="<p>Fråga</p>"))
        db.session.commit()
        db.session.remove()
    commented = _poll(reviewer, block_id, etag)
    assert commented.status_code == 200 and "1 kommentar" in commented.get_data(as_text=True)
    etag = commented.get_etag()[0]

    assert (
        post(
            writer,
            f"/blocks/{block_id}/transition",
            {"action": "submit", "source": "Klart.", "base_version": block_version(app, block_id)},
        ).status_code
        == 302
    )
    submitted = _poll(reviewer, block_id, etag)
    assert submitted.status_code == 200 and "badge-submitted" in submitted.get_data(as_text=True)


def _transition(client, block_id, action, **extra):
    return post(client, f"/blocks/{block_id}/transition", {"action": action, **extra})


def _section(html):
    start = html.index('class="changes-since-review"')
    return html[start : html.index("</section>", start)]


def test_changes_since_review_show_the_edit_word_by_word(app, signed_in, block_id):
    writer, reviewer = signed_in(WRITER), signed_in(REVIEWER)
    text = "Vi fick 12 klagomål under året.\n\nAlla besvarades inom en vecka."
    assert (
        _transition(writer, block_id, "submit", source=text, base_version=block_version(app, block_id)).status_code
        == 302
    )
    first = _section(reviewer.get(f"/blocks/{block_id}").get_data(as_text=True))
    assert "första gången" in first

    assert _transition(reviewer, block_id, "request_changes", reason="Stämmer siffran?").status_code == 302
    assert "changes-since-review" not in writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    edited = "Vi fick 14 klagomål under året.\n\nAlla besvarades inom två dagar."
    assert (
        post(
            writer, f"/blocks/{block_id}/save", {"source": edited, "base_version": block_version(app, block_id)}
        ).status_code
        == 302
    )
    assert _transition(writer, block_id, "submit").status_code == 302

    section = _section(reviewer.get(f"/blocks/{block_id}").get_data(as_text=True))
    assert "Ändringar sedan förra inskickningen/godkännandet" in section
    assert "<del>12</del><ins>14</ins>" in section
    assert "<del>en vecka</del><ins>två dagar</ins>" in section
    assert "klagomål under året.\n\nAlla besvarades inom " in section  # paragraphs kept, unchanged text shown


def test_the_polled_fragment_carries_the_notification_badge_and_a_reload_hint(app, signed_in):
    from tests.integration.helpers import block_version, find_block, post

    writer, reviewer = signed_in("skribent.crossroads@demo.iop"), signed_in("granskare.fralsningsarmen@demo.iop")
    block_id = find_block(app, "gem-klagomal", "crossroads")
    post(
        writer,
        f"/blocks/{block_id}/transition",
        {"action": "submit", "source": "Text", "base_version": block_version(app, block_id)},
    )
    first = writer.get(f"/blocks/{block_id}/live?drawn_in=submitted")
    post(reviewer, f"/blocks/{block_id}/transition", {"action": "request_changes", "reason": "Mer om mars."})
    second = writer.get(f"/blocks/{block_id}/live?drawn_in=submitted", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    fragment = second.get_data(as_text=True)
    assert 'id="nav-notifications"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "1 olästa" in fragment
    assert "ladda om sidan" in fragment
