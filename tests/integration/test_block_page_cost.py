"""What the block page costs does not grow with its history (issue 16): the same queries at one
version as at sixty, its events by one keyed query, and the rows of both lists built from
per-request constants (the link and label of a version, the user's zone and language for the
times) instead of a url_for, a translation and a Babel call per row."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from functools import lru_cache

import pytest
from flask_babel import format_datetime
from sqlalchemy import inspect, select

from tests.integration.helpers import block_version, find_block, post
from tests.integration.test_block_history import WRITER, add_revisions, history_section, listed_numbers
from webapp import templating
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Revision, User
from webapp.models.base import utcnow
from webapp.services import reports
from webapp.services.blocks import statistics
from webapp.services.reports import activity_log, outline
from webapp.views import blocks as blocks_view


@pytest.fixture
def block_id(app, demo):
    """Crossroads' (empty) visits block in the open 2022–23 report."""
    return find_block(app, "dag-besok", "crossroads")


def add_events(app, block_id: int, count: int) -> None:
    """``count`` "saved" events of the block, an hour apart, the last one newest."""
    with app.app_context():
        author = db.session.scalars(select(User).where(User.email == WRITER)).one()
        block = db.session.get(Block, block_id)
        start = utcnow() - timedelta(days=count)
        db.session.add_all(
            AuditEvent(
                action="block.saved",
                user_id=author.id,
                block_id=block_id,
                report_id=block.report_id,
                created_at=start + timedelta(hours=n),
                details={"revision": n},
            )
            for n in range(1, count + 1)
        )
        db.session.commit()
        db.session.remove()


def events_section(page: str) -> str:
    return page.split('<h2 id="events-heading">', 1)[1].split("</section>", 1)[0]


def test_the_block_page_makes_the_same_queries_at_one_version_as_at_sixty(app, signed_in, block_id, count_queries):
    """The "Visa alla versioner (N)" total comes from the version numbers, not a COUNT; the
    events come by one keyed query that stops at the 20 newest."""
    client = signed_in(WRITER)
    statements = {}
    total = 0
    for count in (1, 20, 21, 60):
        add_revisions(app, block_id, count, first=total + 1)
        add_events(app, block_id, count - total)
        total = count
        client.get(f"/blocks/{block_id}")  # warm
        with count_queries() as counter:
            page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
        statements[count] = counter.statements
        assert not [s for s in counter.statements if "count(" in s.lower() and "FROM revisions" in s]
        section = history_section(page)
        assert listed_numbers(section) == list(range(count, max(count - 20, 0), -1))
        assert (f"Visa alla versioner ({count})" in section) is (count > 20)
        events = [s for s in counter.statements if "FROM audit_events" in s]
        assert len(events) == 1 and "ORDER BY audit_events.id DESC" in events[0] and "LIMIT" in events[0], events
        # The block, its section and unit are the page's own: not joined again for each event.
        assert "template_sections" not in events[0] and "password_hash" not in events[0], events[0]
    assert len({len(s) for s in statements.values()}) == 1, {n: len(s) for n, s in statements.items()}


def test_the_events_are_the_newest_twenty_of_the_block_newest_first(app, signed_in, block_id):
    add_events(app, block_id, 30)
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    with app.app_context():
        newest = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.block_id == block_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(20)
        ).all()
        expected = [f'<time datetime="{e.created_at.isoformat()}Z">' for e in newest]
        db.session.remove()
    section = events_section(page)
    assert re.findall(r'<time datetime="[^"]+">', section) == expected
    assert section.count("<strong>") == 20


def test_a_history_row_shows_link_label_author_time_and_comment(app, signed_in, block_id):
    """The same row as when each was built by url_for, a translation and Babel."""
    add_revisions(app, block_id, 25)
    client = signed_in(WRITER)
    section = history_section(client.get(f"/blocks/{block_id}").get_data(as_text=True))
    rows = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert len(rows) == 20
    with app.test_request_context():
        revisions = {
            r.number: (r.created_at, r.author.name, r.note)
            for r in db.session.scalars(select(Revision).where(Revision.block_id == block_id, Revision.number > 5))
        }
        for number, row in zip(range(25, 5, -1), rows, strict=True):
            at, author, note = revisions[number]
            assert f'<a href="/blocks/{block_id}/revisions/{number}">Version {number}</a>' in row
            assert ('<span class="badge">aktuell</span>' in row) is (number == 25)
            stamp = format_datetime(at.replace(tzinfo=UTC), "d MMM y HH:mm")
            assert f'{author},\n    <time datetime="{at.isoformat()}Z">{stamp}</time>' in row, row
            assert f'<div class="small">{note}</div>' in row
        db.session.remove()


def test_a_text_block_loads_last_periods_text_only(app, signed_in, count_queries):
    """Without tables, nothing of the previous period but its text: no capacities, one query."""
    block_id = find_block(app, "gem-klagomal", "crossroads")
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert statistics.block_specs(block) == ()
        previous = reports.previous_period_block(block)
        previous_html = previous.current_revision.html
        db.session.remove()
    client = signed_in(WRITER)
    client.get(f"/blocks/{block_id}")  # warm
    with count_queries() as counter:
        page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Samma avsnitt förra perioden" in page and previous_html in page
    assert not [s for s in counter.statements if "FROM report_capacity" in s], counter.statements


def test_the_previous_periods_block_comes_with_what_its_tables_need(app, demo):
    table_block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    with app.app_context():
        block = db.session.get(Block, table_block_id)
        assert statistics.block_specs(block)
        previous = reports.previous_period_block(block, tables=True)
        loaded = inspect(previous)
        assert "section" not in loaded.unloaded and "report" not in loaded.unloaded
        assert "capacities" not in inspect(previous.report).unloaded
        text_only = reports.previous_period_block(block, tables=False)
        assert text_only is previous  # the same row, whichever way it is loaded
        db.session.remove()


def test_the_editor_preview_is_the_stored_html_until_the_text_differs(app, signed_in, block_id, monkeypatch):
    """Opening a block renders no Markdown for the preview of its saved text (saving stored it),
    nor the section's guidance again (rendered once per text)."""
    add_revisions(app, block_id, 2)
    rendered: list[str] = []
    real = blocks_view.render_markdown
    monkeypatch.setattr(blocks_view, "render_markdown", lambda source: rendered.append(source) or real(source))
    monkeypatch.setattr(blocks_view, "_guidance_html", lru_cache(maxsize=8)(blocks_view.render_markdown))
    client = signed_in(WRITER)
    for _ in range(2):
        page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
        preview = page.split('<div id="preview"', 1)[1].split("</div>", 1)[0]
        assert "<p>Text kroppstext-2</p>" in preview
    with app.app_context():
        guidance = db.session.get(Block, block_id).section.guidance
        db.session.remove()
    assert rendered == [guidance]
    # A draft that differs from the saved text is rendered for its preview.
    response = post(
        client, f"/blocks/{block_id}/autosave", {"source": "Utkast *nu*", "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 200
    rendered.clear()
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert rendered == ["Utkast *nu*"] and "<em>nu</em>" in page


def test_the_history_statement_is_built_once(app):
    with app.app_context():
        assert outline._listed_revisions() is outline._listed_revisions()
        assert outline._previous_block_statement(True) is outline._previous_block_statement(True)


def test_history_rows_are_plain_rows_with_what_the_list_shows(app, block_id):
    add_revisions(app, block_id, 3)
    with app.app_context():
        page = reports.block_history(db.session.get(Block, block_id))
        assert [type(r) for r in page.revisions] == [outline.HistoryRow] * 3
        newest = page.revisions[0]
        assert (newest.number, newest.note, newest.author_name) == (3, "kommentar 3", "Anna Lindqvist")
        assert not [obj for obj in db.session.identity_map.values() if isinstance(obj, Revision) and obj.number < 3]
        db.session.remove()


def test_event_rows_label_each_action_and_state_once_per_list(app, signed_in, block_id):
    """The same words as the filters give, each translated once for the whole list."""
    add_events(app, block_id, 3)
    with app.app_context():
        block = db.session.get(Block, block_id)
        db.session.add(
            AuditEvent(
                action="block.submit",
                user_id=None,
                block_id=block_id,
                report_id=block.report_id,
                from_state="draft",
                to_state="submitted",
                reason="Klart.",
            )
        )
        db.session.commit()
        db.session.remove()
    section = events_section(signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True))
    with app.test_request_context():
        saved, submitted = templating.action_label("block.saved"), templating.action_label("block.submit")
        draft, sent = templating.state_label("draft"), templating.state_label("submitted")
    assert section.count(saved) == 3 and submitted in section
    assert f'<span class="muted">({draft} → {sent})</span>' in section and "Systemet" in section
    assert f'<a href="/blocks/{block_id}">' in section

    asked: list[str] = []
    labels = templating.PerList(lambda value: asked.append(value) or value.upper())
    assert [labels(v) for v in ("a", "b", "a", "a", "b")] == ["A", "B", "A", "A", "B"] and asked == ["a", "b"]


def test_block_events_are_plain_rows_with_what_the_list_shows(app, block_id):
    add_events(app, block_id, 3)
    with app.app_context():
        block = db.session.get(Block, block_id)
        events = activity_log.block_activity(block, limit=2)
        assert [type(e) for e in events] == [activity_log.BlockEvent] * 2
        assert [e.user.name for e in events] == ["Anna Lindqvist"] * 2 and events[0].block is block
        assert events[0].created_at > events[1].created_at and events[0].action == "block.saved"
        assert not [obj for obj in db.session.identity_map.values() if isinstance(obj, AuditEvent)]
        db.session.remove()
