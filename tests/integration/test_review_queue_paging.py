"""The review queue and the administration's log come a page at a time (issue 16): the first page
and exact counts, "Visa fler" continuing in order without duplicates or gaps, bad cursors, and a
query count that does not grow with the list."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.integration.account_helpers import ADMIN
from tests.integration.helpers import OPEN_REPORT_ID
from webapp.extensions import db
from webapp.models import AuditEvent, Block, BlockState
from webapp.models.base import utcnow
from webapp.services import admin_log
from webapp.services.reports import activity_log
from webapp.services.reports import queue as review_queue

WRITER = "skribent.crossroads@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
PAGE = 5


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(review_queue, "QUEUE_PAGE_SIZE", PAGE)
    monkeypatch.setattr(admin_log, "ACTIVITY_PAGE_SIZE", PAGE)


def submit_blocks(app, count: int) -> list[int]:
    """Every block of the open report waiting for review, ``count`` of them: the ids in the
    queue's order. Pairs share a time, so the order's tie-break by id is exercised."""
    with app.app_context():
        blocks = db.session.scalars(select(Block).where(Block.report_id == OPEN_REPORT_ID).order_by(Block.id)).all()
        assert len(blocks) >= count
        start = utcnow() - timedelta(days=10)
        for index, block in enumerate(blocks):
            if index < count:
                block.state = BlockState.SUBMITTED
                block.updated_at = start + timedelta(minutes=index // 2)
            elif block.state == BlockState.SUBMITTED:
                block.state = BlockState.DRAFT
        db.session.commit()
        return [b.id for b in blocks[:count]]


def queue_ids(page: str) -> list[int]:
    rows = page.split('id="queue-rows">', 1)[1].split("</tbody>", 1)[0] if 'id="queue-rows">' in page else page
    return [int(n) for n in re.findall(r'href="/blocks/(\d+)"', rows)]


def more_link(page: str, anchor: str) -> str | None:
    found = re.search(rf'<p id="{anchor}"[^>]*>\s*<a href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def test_the_first_page_has_the_page_size_and_exact_counts(app, signed_in, small_pages):
    ids = submit_blocks(app, 12)
    page = signed_in(REVIEWER).get("/review").get_data(as_text=True)
    assert queue_ids(page) == ids[:PAGE]
    assert '<span class="count">(12)</span>' in page
    assert "Visa fler (7 till)" in page


def test_visa_fler_continues_in_order_without_duplicates_or_gaps(app, signed_in, small_pages):
    ids = submit_blocks(app, 12)
    reviewer = signed_in(REVIEWER)
    page = reviewer.get("/review").get_data(as_text=True)
    seen = queue_ids(page)
    link = more_link(page, "queue-more")
    while link is not None:
        fragment = reviewer.get(link, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in fragment and 'hx-swap-oob="true"' in fragment
        rows = queue_ids(fragment)
        assert rows and "autofocus" in fragment.split("</tr>", 1)[0]
        seen += rows
        link = more_link(fragment, "queue-more")
    assert seen == ids
    assert "Visa fler" not in fragment


def test_without_javascript_the_link_opens_the_next_page(app, signed_in, small_pages):
    ids = submit_blocks(app, 7)
    reviewer = signed_in(REVIEWER)
    link = more_link(reviewer.get("/review").get_data(as_text=True), "queue-more")
    assert link is not None
    page = reviewer.get(link).get_data(as_text=True)
    assert "<html" in page and queue_ids(page) == ids[PAGE:]
    assert more_link(page, "queue-more") is None and "Visa fler" not in page


def test_a_block_reviewed_meanwhile_neither_shifts_nor_repeats_the_next_page(app, signed_in, small_pages):
    ids = submit_blocks(app, 12)
    reviewer = signed_in(REVIEWER)
    link = more_link(reviewer.get("/review").get_data(as_text=True), "queue-more")
    with app.app_context():
        db.session.get(Block, ids[0]).state = BlockState.APPROVED
        db.session.commit()
    assert queue_ids(reviewer.get(link).get_data(as_text=True)) == ids[PAGE : 2 * PAGE]


def test_filters_are_kept_while_paging(app, signed_in, small_pages):
    submit_blocks(app, 40)
    with app.app_context():
        waiting = db.session.scalars(
            select(Block).where(Block.state == BlockState.SUBMITTED).order_by(Block.updated_at, Block.id)
        ).all()
        chapter_id = waiting[0].section.chapter_id
        expected = [b.id for b in waiting if b.section.chapter_id == chapter_id]
    assert len(expected) > PAGE
    reviewer = signed_in(REVIEWER)
    page = reviewer.get(f"/review?chapter={chapter_id}").get_data(as_text=True)
    seen = queue_ids(page)
    link = more_link(page, "queue-more")
    while link is not None:
        assert f"chapter={chapter_id}" in link
        page = reviewer.get(link).get_data(as_text=True)
        seen += queue_ids(page)
        link = more_link(page, "queue-more")
    assert seen == expected


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "2026-13-45T00:00:00_1",
        "_",
        "2026-01-01T00:00:00_x",
        "2026-01-01T00:00:00_99999999999999999999999",
        "2026-01-01T00:00:00+02:00_1",
    ],
)
def test_a_bad_cursor_starts_from_the_beginning(app, signed_in, small_pages, cursor):
    ids = submit_blocks(app, 7)
    response = signed_in(REVIEWER).get(f"/review?after={cursor}")
    assert response.status_code == 200
    assert queue_ids(response.get_data(as_text=True)) == ids[:PAGE]


def test_a_writer_cannot_see_the_queue_or_its_pages(app, signed_in, small_pages):
    submit_blocks(app, 7)
    link = more_link(signed_in(REVIEWER).get("/review").get_data(as_text=True), "queue-more")
    writer = signed_in(WRITER)
    assert writer.get("/review").status_code == 403
    assert writer.get(link, headers={"HX-Request": "true"}).status_code == 403


def test_the_queue_costs_the_same_queries_at_one_and_three_pages(app, signed_in, count_queries, small_pages):
    reviewer = signed_in(REVIEWER)
    counts = {}
    for pages in (1, 3):
        submit_blocks(app, pages * PAGE)
        reviewer.get("/review")  # warm
        with count_queries() as counter:
            assert reviewer.get("/review").status_code == 200
        counts[pages] = counter.count
        listing = [s for s in counter.statements if "ORDER BY blocks.updated_at" in s]
        assert len(listing) == 1 and "LIMIT" in listing[0], counter.statements
        for body in ("revisions.source", "revisions.html", "revisions.tables"):
            assert body not in listing[0]
    # One page more than fits is counted (one COUNT query); nothing else grows.
    assert counts[1] <= counts[3] <= counts[1] + 1, counts


def add_admin_events(app, count: int) -> None:
    with app.app_context():
        start = utcnow() - timedelta(days=1)
        for index in range(count):
            db.session.add(
                AuditEvent(
                    action="organisation.create",
                    created_at=start + timedelta(seconds=index // 2),
                    details={"name": f"Organisation {index:03d}"},
                )
            )
        db.session.commit()


def follow_log(client, page: str, keep: str) -> list[str]:
    """Every "Visa fler" of an activity log after ``page``, as htmx asks for them: the fragments.
    Each link keeps the filter ``keep``; each fragment is rows only, the first of them focused."""
    fragments = []
    link = more_link(page, "activity-more")
    while link is not None:
        assert keep in link
        fragment = client.get(link, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in fragment and "autofocus" in fragment.split("</li>", 1)[0]
        fragments.append(fragment)
        link = more_link(fragment, "activity-more")
    assert "Visa fler" not in fragments[-1]
    return fragments


def listed_names(page: str) -> list[str]:
    return re.findall(r"<em>(Organisation \d{3})</em>", page)


def test_the_admin_log_pages_newest_first_without_duplicates_or_gaps(app, demo, signed_in, small_pages):
    add_admin_events(app, 13)
    admin = signed_in(ADMIN)
    page = admin.get("/admin/activity?area=organisation").get_data(as_text=True)
    seen = listed_names(page)
    assert len(seen) == PAGE and "Visa fler (8 till)" in page
    for fragment in follow_log(admin, page, "area=organisation"):
        seen += listed_names(fragment)
    assert seen == [f"Organisation {index:03d}" for index in reversed(range(13))]


def test_the_admin_log_without_javascript_and_with_a_bad_cursor(app, demo, signed_in, small_pages):
    add_admin_events(app, 7)
    admin = signed_in(ADMIN)
    link = more_link(admin.get("/admin/activity?area=organisation").get_data(as_text=True), "activity-more")
    page = admin.get(link).get_data(as_text=True)
    assert "<html" in page and listed_names(page) == ["Organisation 001", "Organisation 000"]
    bad = admin.get("/admin/activity?area=organisation&after=2026-99-99_4")
    assert bad.status_code == 200 and listed_names(bad.get_data(as_text=True))[0] == "Organisation 006"
    assert signed_in(WRITER).get(link).status_code == 403


def test_the_admin_log_costs_the_same_queries_at_one_and_three_pages(app, demo, signed_in, count_queries, small_pages):
    admin = signed_in(ADMIN)
    counts = {}
    for pages in (1, 3):
        add_admin_events(app, PAGE if pages == 1 else 2 * PAGE)
        admin.get("/admin/activity")
        with count_queries() as counter:
            assert admin.get("/admin/activity").status_code == 200
        counts[pages] = counter.count
    assert counts[1] <= counts[3] <= counts[1] + 1, counts


CHAIR = "ordforande@demo.iop"


def add_report_events(app, count: int) -> None:
    with app.app_context():
        start = utcnow() + timedelta(days=1)  # newer than the demo's own events
        for index in range(count):
            db.session.add(
                AuditEvent(
                    action="block.restored",
                    report_id=OPEN_REPORT_ID,
                    created_at=start + timedelta(seconds=index // 2),
                    reason=f"Händelse {index:03d}",
                )
            )
        db.session.commit()


def listed_reasons(page: str) -> list[str]:
    return re.findall(r'<div class="reason">(Händelse \d{3})</div>', page)


def test_the_report_log_pages_newest_first_keeping_its_filter(app, demo, signed_in, monkeypatch):
    monkeypatch.setattr(activity_log, "ACTIVITY_PAGE_SIZE", PAGE)
    add_report_events(app, 12)
    chair = signed_in(CHAIR)
    url = f"/reports/{OPEN_REPORT_ID}/activity?action=block.restored"
    page = chair.get(url).get_data(as_text=True)
    with app.app_context():
        total = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.report_id == OPEN_REPORT_ID, AuditEvent.action == "block.restored"
            )
        )
    assert len(listed_reasons(page)) == PAGE and f"Visa fler ({total - PAGE} till)" in page
    seen = listed_reasons(page)
    items = page.split('id="activity-list">', 1)[1].split("</ol>", 1)[0].count("<li")
    for fragment in follow_log(chair, page, "action=block.restored"):
        seen += listed_reasons(fragment)
        items += fragment.count("<li")
    # Ours (the newest) in order, then the demo's own: every event once.
    assert seen == [f"Händelse {index:03d}" for index in reversed(range(12))]
    assert items == total
    plain = chair.get(more_link(page, "activity-more")).get_data(as_text=True)
    assert "<html" in plain and listed_reasons(plain) == [f"Händelse {i:03d}" for i in range(6, 1, -1)]
    bad = chair.get(f"{url}&after=bad_1")
    assert bad.status_code == 200 and listed_reasons(bad.get_data(as_text=True)) == seen[:PAGE]


def test_the_report_log_costs_the_same_queries_at_one_and_three_pages(app, demo, signed_in, count_queries):
    chair = signed_in(CHAIR)
    url = f"/reports/{OPEN_REPORT_ID}/activity"
    counts = {}
    for extra in (0, 120):
        add_report_events(app, extra)
        chair.get(url)
        with count_queries() as counter:
            assert chair.get(url).status_code == 200
        counts[extra] = counter.count
        listing = [s for s in counter.statements if "ORDER BY audit_events.created_at DESC" in s]
        assert len(listing) == 1 and "LIMIT" in listing[0] and "details" not in listing[0].split("FROM")[0]
    assert counts[0] <= counts[120] <= counts[0] + 1, counts


def test_queue_rows_set_their_clock_and_link_up_once_per_list(app, signed_in, small_pages, monkeypatch):
    """Two times per row (waiting since, last edit) once asked Babel for the zone and language
    each, and every row built its link with url_for (issue 16: the queue grew with its page)."""
    from webapp import templating

    clocks = []
    original_init = templating.HumanClock.__init__

    def counting_init(self):
        clocks.append(self)
        original_init(self)

    monkeypatch.setattr(templating.HumanClock, "__init__", counting_init)
    ids = submit_blocks(app, 12)
    client = signed_in(REVIEWER)
    page = client.get("/review").get_data(as_text=True)
    assert queue_ids(page) == ids[:PAGE]
    assert len(clocks) == 1
    more = client.get(html.unescape(more_link(page, "queue-more") or ""), headers={"HX-Request": "true"})
    assert [int(n) for n in re.findall(r'href="/blocks/(\d+)"', more.get_data(as_text=True))] == ids[PAGE : 2 * PAGE]
    assert len(clocks) == 2
