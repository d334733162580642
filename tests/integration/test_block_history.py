"""The block page's cost does not grow with its history (issue 16): the newest 20 versions,
"Visa alla versioner (N)" for the rest a page at a time, the revision page by two keyed queries,
and the previous period's block looked up once per request."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.integration.helpers import block_version, find_block, post
from webapp.extensions import db
from webapp.models import Block, Revision, User
from webapp.models.base import utcnow
from webapp.services import reports

WRITER = "skribent.crossroads@demo.iop"
NIGHT_WRITER = "skribent.stadsmissionen-natt@demo.iop"
BODY = "kroppstext-{n}"  # in every revision's Markdown and HTML: a listed body would show it


@pytest.fixture
def block_id(app, demo):
    """Crossroads' (empty) visits block in the open 2022–23 report."""
    return find_block(app, "dag-besok", "crossroads")


def add_revisions(app, block_id: int, count: int, *, first: int = 1, email: str = WRITER) -> None:
    """Saved versions ``first`` … ``count`` of the block, the last one current."""
    if count < first:
        return
    with app.app_context():
        author = db.session.scalars(select(User).where(User.email == email)).one()
        start = utcnow() - timedelta(days=count)
        revisions = [
            Revision(
                block_id=block_id,
                number=n,
                source=f"Text {BODY.format(n=n)}",
                html=f"<p>Text {BODY.format(n=n)}</p>",
                tables={},
                author_id=author.id,
                created_at=start + timedelta(hours=n),
                note=f"kommentar {n}",
            )
            for n in range(first, count + 1)
        ]
        db.session.add_all(revisions)
        db.session.flush()
        db.session.get(Block, block_id).current_revision = revisions[-1]  # keeps is_empty right
        db.session.commit()
        db.session.remove()


def listed_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'/revisions/(\d+)">Version \1</a>', html)]


def history_section(page: str) -> str:
    return page.split('<section id="history"', 1)[1].split("</section>", 1)[0]


def more_link(html: str) -> str | None:
    found = re.search(r'<p id="history-more"[^>]*>\s*<a href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("count", [0, 19, 20, 21, 60])
def test_the_block_page_lists_the_newest_twenty_and_offers_the_rest(app, signed_in, block_id, count):
    add_revisions(app, block_id, count)
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    section = history_section(page)
    assert listed_numbers(section) == list(range(count, max(count - 20, 0), -1))
    if count == 0:
        assert "Inga versioner ännu." in section
    assert ("Visa alla versioner" in section) is (count > 20)
    if count > 20:
        assert f"Visa alla versioner ({count})" in section
        assert more_link(section) == f"/blocks/{block_id}/history?before={count - 19}"
    # Only the current version's text is on the page: no listed version's body.
    assert [n for n in range(1, count) if BODY.format(n=n) + "<" in page] == []


def test_visa_alla_appends_the_rest_in_order_without_duplicates(app, signed_in, block_id):
    add_revisions(app, block_id, 60)
    client = signed_in(WRITER)
    section = history_section(client.get(f"/blocks/{block_id}").get_data(as_text=True))
    response = client.get(more_link(section), headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert listed_numbers(fragment) == list(range(40, 0, -1))
    assert sorted(listed_numbers(section) + listed_numbers(fragment)) == list(range(1, 61))
    # The link is replaced (out of band) by nothing: version 1 is shown.
    assert '<p id="history-more" class="history-more" hx-swap-oob="true"></p>' in fragment
    # Focus goes to the first new row, where a keyboard or screen reader user continues.
    assert re.search(r'<li tabindex="-1" autofocus>\s*<a href="[^"]+/revisions/40">', fragment)
    assert fragment.count("autofocus") == 1


def test_a_long_history_is_paged_by_number_to_its_end(app, signed_in, block_id):
    add_revisions(app, block_id, 250)
    client = signed_in(WRITER)
    link = more_link(history_section(client.get(f"/blocks/{block_id}").get_data(as_text=True)))
    seen: list[int] = list(range(250, 230, -1))
    while link:
        fragment = client.get(link, headers={"HX-Request": "true"}).get_data(as_text=True)
        numbers = listed_numbers(fragment)
        assert numbers == sorted(numbers, reverse=True) and len(numbers) <= reports.HISTORY_MORE_SIZE
        seen += numbers
        link = more_link(fragment)
        if link:
            assert f"Visa äldre versioner ({numbers[-1] - 1} till)" in fragment
    assert seen == list(range(250, 0, -1))


def test_without_javascript_the_link_opens_a_paged_history_page(app, signed_in, block_id):
    add_revisions(app, block_id, 130)
    client = signed_in(WRITER)
    page = client.get(f"/blocks/{block_id}/history?before=111").get_data(as_text=True)
    assert "<html" in page and "<h1>Versioner</h1>" in page and "Tillbaka till bidraget" in page
    assert listed_numbers(page) == list(range(110, 10, -1))
    assert "aktuell" not in page and "autofocus" not in page
    assert more_link(page) == f"/blocks/{block_id}/history?before=11"
    assert listed_numbers(client.get(more_link(page)).get_data(as_text=True)) == list(range(10, 0, -1))
    # Without a starting point (or with a nonsensical one) it starts from the newest.
    for query in ("", "?before=abc"):
        first = client.get(f"/blocks/{block_id}/history{query}").get_data(as_text=True)
        assert listed_numbers(first)[:2] == [130, 129] and "aktuell" in first


def test_the_history_needs_a_signed_in_reader(app, client, signed_in, block_id):
    add_revisions(app, block_id, 3)
    assert client.get(f"/blocks/{block_id}/history").status_code in (302, 401)
    assert signed_in(WRITER).get("/blocks/999999/history").status_code == 404


def _history_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM revisions" in s and "ORDER BY revisions.number DESC" in s]


def test_the_block_page_costs_a_bounded_number_of_queries_whatever_its_history(app, signed_in, block_id, count_queries):
    client = signed_in(WRITER)
    counts = {}
    total = 0
    for count in (1, 21, 60):
        add_revisions(app, block_id, count, first=total + 1)
        total = count
        client.get(f"/blocks/{block_id}")  # warm
        with count_queries() as counter:
            assert client.get(f"/blocks/{block_id}").status_code == 200
        counts[count] = counter.count
        history = _history_statements(counter.statements)
        assert len(history) == 1, counter.statements
        assert "LIMIT" in history[0]
        for body in ("revisions.source", "revisions.html", "revisions.tables"):
            assert body not in history[0], history[0]
    # Above one page the total is counted (one COUNT query), and that is all that grows.
    assert counts[60] == counts[21] <= counts[1] + 1, counts


def test_the_revision_page_loads_the_revision_and_its_predecessor_only(app, signed_in, block_id, count_queries):
    client = signed_in(WRITER)
    add_revisions(app, block_id, 60)
    counts = []
    for number in (1, 2, 30, 60):
        client.get(f"/blocks/{block_id}/revisions/{number}")  # warm
        with count_queries() as counter:
            page = client.get(f"/blocks/{block_id}/revisions/{number}").get_data(as_text=True)
        counts.append(counter.count)
        revision_queries = [s for s in counter.statements if "FROM revisions" in s]
        assert len(revision_queries) == 2, revision_queries  # this one, and the one before it
        assert all("revisions.number" in s for s in revision_queries)
        assert f"Version {number}" in page
        if number > 1:
            assert f"Ändringar jämfört med version {number - 1}" in page
            assert f"<del>Text {BODY.format(n=number - 1)}</del>" in page
        else:
            assert "Första versionen" in page
    assert len(set(counts)) == 1, counts


def test_restore_still_finds_its_revision(app, signed_in, block_id):
    add_revisions(app, block_id, 30)
    client = signed_in(WRITER)
    response = post(client, f"/blocks/{block_id}/revisions/3/restore", {"base_version": block_version(app, block_id)})
    assert response.status_code == 302
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert listed_numbers(history_section(page))[0] == 31
    assert (
        post(
            client, f"/blocks/{block_id}/revisions/99/restore", {"base_version": block_version(app, block_id)}
        ).status_code
        == 404
    )


@pytest.fixture
def lookups(monkeypatch) -> list[int]:
    """Every call of reports.previous_period_block, by block id."""
    calls: list[int] = []
    real = reports.previous_period_block

    def spy(block, **loading):
        calls.append(block.id)
        return real(block, **loading)

    monkeypatch.setattr(reports, "previous_period_block", spy)
    return calls


def test_the_previous_period_block_is_looked_up_once_per_request(app, signed_in, lookups):
    """A block with tables needs it twice (its grids and the "förra perioden" panel)."""
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    client = signed_in(NIGHT_WRITER)
    assert client.get(f"/blocks/{block_id}").status_code == 200
    assert lookups == [block_id]
    lookups.clear()
    data = {"source": "Ny text.", "base_version": block_version(app, block_id)}
    assert post(client, f"/blocks/{block_id}/save", data, htmx=True).status_code == 200
    assert lookups == [block_id]
