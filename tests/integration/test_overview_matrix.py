"""The overview's progress at the demo's size and at three times the partnership (issue 16):
metadata only (no revision body is read), the same queries at 11 units as at 33. Up to
MATRIX_UNIT_COLUMNS units one matrix; above, the blocks counted per section and per organisation by
the database, each organisation expandable to its own matrix with and without htmx.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime

from sqlalchemy import event, func, select

from tests.database import ensure_empty
from tests.integration.test_bench_scale import _load_scale_module
from webapp.extensions import db
from webapp.models import Block, BlockState, Comment, Organisation, User
from webapp.services import reports
from webapp.services.reports import MATRIX_UNIT_COLUMNS

CHAIR = "ordforande@demo.iop"
WRITER = "skribent.crossroads@demo.iop"
# A revision's body, under its table's name or an alias of it (revisions_1.source).
BODY_COLUMN = re.compile(r"\brevisions(_\d+)?\.(source|html|tables)\b")


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        self.seen.append(statement)


def _statements(app, client, path: str, **kwargs) -> tuple[list[str], str]:
    with app.app_context():
        engine = db.engine
    listener = Statements()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, response.status_code
    return listener.seen, response.get_data(as_text=True)


def _matrix(page: str) -> str:
    return page.split('id="progress-matrix"', 1)[1].split("</table>", 1)[0]


def test_overview_and_mina_bidrag_read_no_revision_body(app, signed_in):
    for email, path in ((CHAIR, "/reports/2"), (WRITER, "/"), (WRITER, "/reports/2")):
        statements, page = _statements(app, signed_in(email), path)
        selected = " ".join(s for s in statements if s.lstrip().upper().startswith("SELECT"))
        assert not BODY_COLUMN.search(selected), (path, BODY_COLUMN.search(selected))
        if path == "/":  # Mina bidrag still shows who saved last and when, from the revision's metadata
            assert re.search(r"revisions(_\d+)?\.created_at", selected)
            assert "<time datetime=" in page, page[page.find("<tbody>") : page.find("<tbody>") + 1500]


def test_at_eleven_units_every_unit_is_a_column_under_its_organisation(signed_in):
    page = signed_in(CHAIR).get("/reports/2").get_data(as_text=True)
    matrix = _matrix(page)
    assert 'scope="colgroup"' in matrix and "Gemensamt" in matrix
    assert "hx-get" not in matrix  # nothing to expand
    assert "av" not in re.sub(r"<[^>]+>", "", matrix).split()  # no summaries
    assert 'href="/reports/2/preview/1#avsn-1-1"' in matrix  # a row header links to its section, on its chapter page


def test_open_threads_and_empty_blocks_show_in_the_cells(app, signed_in):
    page = signed_in(CHAIR).get("/reports/1").get_data(as_text=True)
    matrix = _matrix(page)
    assert "tomt" not in matrix  # the closed 2021–22 report: everything written
    page = signed_in(CHAIR).get("/reports/2").get_data(as_text=True)
    assert "tomt" in _matrix(page)  # the open report has blocks nobody has written in yet


def _big_partnership(app) -> int:
    """The demo at three times its partnership (33 units, 18 organisations), committed."""
    scale = _load_scale_module()
    with app.app_context():
        summary = scale.build(3)
        db.session.commit()
        assert summary.units > MATRIX_UNIT_COLUMNS
        db.session.remove()
        return summary.report_id


def _sign_in(app, email: str):
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, email)
    return client


def _organisation(app, name: str = "Convictus (2)") -> tuple[int, list[str]]:
    with app.app_context():
        organisation = db.session.scalars(select(Organisation).where(Organisation.name == name)).one()
        found = organisation.id, sorted(u.name for u in organisation.units)
        db.session.remove()
        return found


def _tbody(page: str, organisation_id: int) -> str:
    return page.split(f'<tbody id="org-{organisation_id}"', 1)[1].split("</tbody>", 1)[0]


def test_above_the_limit_the_overview_counts_per_section_and_per_organisation(app):
    report_id = _big_partnership(app)
    client = _sign_in(app, CHAIR)
    organisation_id, units = _organisation(app)
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert 'id="progress-matrix"' not in page and "Läget per avsnitt och verksamhet" not in page
    assert "Läget per avsnitt</h2>" in page and "Läget per organisation</h2>" in page
    # A section's row links to its chapter page and counts its blocks by state, in text and a bar.
    assert f'href="/reports/{report_id}/preview/1#avsn-1-1"' in page
    assert re.search(r'\d+ av \d+ godkända</span><svg class="state-bar"', page)
    assert '<rect class="state-approved"' in page or '<rect class="state-draft"' in page
    # Folded: an organisation is a row with its units' count, its units' names are not shown.
    row = _tbody(page, organisation_id)
    assert f'<td class="num">{len(units)}</td>' in row and units[0] not in page
    toggle = f'href="/reports/{report_id}?visa={organisation_id}#org-{organisation_id}"'
    assert toggle in row and 'aria-expanded="false"' in row
    assert f'hx-get="/reports/{report_id}/organisations/{organisation_id}?visa={organisation_id}"' in row
    # The only block links are the joint texts' (one per section that has one).
    assert len(re.findall(r'href="/blocks/\d+"', page)) == 2


def test_organisations_open_as_pages_without_javascript_several_at_once(app):
    report_id = _big_partnership(app)
    client = _sign_in(app, CHAIR)
    first, first_units = _organisation(app)
    second, second_units = _organisation(app, "Convictus (3)")
    visa = "&".join(f"visa={i}" for i in sorted((first, second)))
    page = client.get(f"/reports/{report_id}?{visa}").get_data(as_text=True)
    for organisation_id, units, other in ((first, first_units, second), (second, second_units, first)):
        row = _tbody(page, organisation_id)
        assert f'id="org-matrix-{organisation_id}"' in row and 'aria-expanded="true"' in row
        assert all(f'<th scope="col" class="unit">{name}</th>' in row for name in units)
        assert re.search(r'<td class="state-\w+"><a href="/blocks/\d+">', row)
        # Closing one keeps the other open.
        assert f'href="/reports/{report_id}?visa={other}#org-{organisation_id}"' in row
    # A third organisation's link adds it to the two open ones.
    third, _units = _organisation(app, "Convictus")
    assert f"visa={sorted((first, second, third))[0]}" in _tbody(page, third)
    assert "&amp;".join(f"visa={i}" for i in sorted((first, second, third))) in _tbody(page, third)
    # Nonsense in ?visa= is ignored: everything folded.
    for query in ("visa=x", "visa=99999999", "visa=-1", "visa=12345678901"):
        bad = client.get(f"/reports/{report_id}?{query}")
        assert bad.status_code == 200 and 'aria-expanded="true"' not in bad.get_data(as_text=True), query


def test_htmx_opens_and_closes_one_organisation_alone(app):
    report_id = _big_partnership(app)
    client = _sign_in(app, CHAIR)
    organisation_id, units = _organisation(app)
    other, _units = _organisation(app, "Convictus (3)")
    path = f"/reports/{report_id}/organisations/{organisation_id}"
    fragment = client.get(f"{path}?visa={organisation_id}&visa={other}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<tbody id="org-{organisation_id}"')
    row = _tbody(body, organisation_id)
    assert all(name in row for name in units) and 'aria-expanded="true"' in row
    assert f'id="org-matrix-{other}"' not in body  # the other open one is not sent again
    first, second = sorted((organisation_id, other))
    assert fragment.headers["HX-Push-Url"] == f"/reports/{report_id}?visa={first}&visa={second}"
    assert "HX-Request" in fragment.headers.get("Vary", "")
    # The other organisations' toggles follow, out of band: each leads on from the new set.
    oob = re.findall(r'<a id="org-toggle-(\d+)"[^>]*hx-swap-oob="true"', body)
    with app.app_context():
        organisations = db.session.scalar(select(func.count()).select_from(Organisation))
    assert str(organisation_id) not in oob and len(oob) > 10 and len(oob) < organisations
    assert (
        f'<a id="org-toggle-{other}" class="toggle" href="/reports/{report_id}?visa={organisation_id}#org-{other}"'
        in body
    )

    # Closing: the row alone, folded.
    closed = client.get(f"{path}?visa={other}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'aria-expanded="false"' in _tbody(closed, organisation_id) and units[0] not in _tbody(
        closed, organisation_id
    )
    # Asked for without htmx, the fragment's address sends the browser to the page.
    plain = client.get(f"{path}?visa={organisation_id}")
    assert plain.status_code == 302 and plain.headers["Location"].endswith(
        f"/reports/{report_id}?visa={organisation_id}#org-{organisation_id}"
    )
    # An organisation without units in the report: nothing to open.
    assert client.get(f"/reports/{report_id}/organisations/99999", headers={"HX-Request": "true"}).status_code == 404


def test_the_counts_are_the_blocks_counted_one_by_one(app):
    """Random states, empty flags and open threads: the database's counts per section and per
    organisation equal a count over the block rows."""
    report_id = _big_partnership(app)
    rng = random.Random(16)
    with app.app_context():
        blocks = db.session.scalars(select(Block).where(Block.report_id == report_id)).all()
        author = db.session.scalars(select(User)).first()
        for block in blocks:
            block.state = rng.choice(list(BlockState))
            block.is_empty = rng.random() < 0.3
            for _thread in range(rng.choice((0, 0, 0, 1, 2))):
                thread = Comment(block_id=block.id, author_id=author.id, source="?", html="<p>?</p>")
                thread.resolved_at = datetime(2026, 1, 1) if rng.random() < 0.3 else None
                db.session.add(thread)
                db.session.flush()
                db.session.add(
                    Comment(block_id=block.id, parent_id=thread.id, author_id=author.id, source="!", html="!")
                )
        joint = next(block for block in blocks if block.joint)  # and a joint text with an open thread at least
        db.session.add(Comment(block_id=joint.id, author_id=author.id, source="?", html="<p>?</p>"))
        db.session.commit()
        db.session.expire_all()
        open_threads = Counter(
            c.block_id
            for c in db.session.scalars(
                select(Comment).where(Comment.parent_id.is_(None), Comment.resolved_at.is_(None))
            )
        )
        expected_sections: dict[int, Counter] = {}
        expected_organisations: dict[int, Counter] = {}
        for block in db.session.scalars(select(Block).where(Block.report_id == report_id)):
            keys = [expected_sections.setdefault(block.section_id, Counter())]
            if not block.joint:
                keys.append(expected_organisations.setdefault(block.unit.organisation_id, Counter()))
            for counter in keys:
                counter[BlockState(block.state).value] += 1
                counter["empty"] += block.is_empty
                counter["threads"] += open_threads[block.id]

        def counted(counts) -> Counter:
            found = Counter({**counts.by_state, "empty": counts.empty, "threads": counts.open_threads})
            return +found  # without the zeros

        progress = reports.load_overview(report_id)
        assert isinstance(progress, reports.GroupedProgress)
        sections = {row.section.id: counted(row.counts) for _chapter, rows in progress.chapters for row in rows}
        organisations = {row.organisation.id: counted(row.counts) for row in progress.organisations}
        assert sections == {k: +v for k, v in expected_sections.items()}
        assert organisations == {k: +v for k, v in expected_organisations.items()}
        assert progress.totals.total == len(blocks)
        joints = [row.joint for _chapter, rows in progress.chapters for row in rows if row.joint]
        db.session.remove()
    # A joint text's open threads are named in words too, as a matrix cell's are.
    page = _sign_in(app, CHAIR).get(f"/reports/{report_id}").get_data(as_text=True)
    assert any(joint.open_threads for joint in joints)
    for joint in joints:
        if joint.open_threads:
            label = "1 öppen tråd" if joint.open_threads == 1 else f"{joint.open_threads} öppna trådar"
            assert f'<span class="visually-hidden">{label}</span>' in page, label


def _counted(app, client, count_queries, path: str) -> int:
    client.get(path)
    with count_queries() as counter:
        client.get(path)
    statements, _page = _statements(app, client, path)
    assert not [s for s in statements if BODY_COLUMN.search(s)], path
    return counter.count


def test_the_overview_asks_the_same_queries_at_any_size_and_no_revision_body(app, count_queries):
    scale = _load_scale_module()
    with app.app_context():
        small = scale.build(1)  # the demo's partnership: one matrix of 11 units
        db.session.commit()
        db.session.remove()
    client = _sign_in(app, CHAIR)
    one_matrix = _counted(app, client, count_queries, f"/reports/{small.report_id}")
    # One matrix: no organisation to open, the fragment's address sends htmx to the page.
    fragment = client.get(f"/reports/{small.report_id}/organisations/1?visa=1", headers={"HX-Request": "true"})
    assert fragment.headers.get("HX-Redirect") == f"/reports/{small.report_id}?visa=1"
    with app.app_context():
        ensure_empty()
    report_id = _big_partnership(app)
    client = _sign_in(app, CHAIR)
    first, _units = _organisation(app)
    second, _units = _organisation(app, "Convictus (3)")
    folded = _counted(app, client, count_queries, f"/reports/{report_id}")
    one_open = _counted(app, client, count_queries, f"/reports/{report_id}?visa={first}")
    two_open = _counted(app, client, count_queries, f"/reports/{report_id}?visa={first}&visa={second}")
    assert one_matrix == folded, (one_matrix, folded)
    assert one_open == two_open == folded + 1, (folded, one_open, two_open)  # the open organisations' blocks
    # Folded, the blocks are counted by the database, not read one by one.
    statements, _page = _statements(app, client, f"/reports/{report_id}")
    assert not [s for s in statements if "SELECT id, section_id, unit_id" in s]
    assert [s for s in statements if "GROUP BY u.organisation_id" in s]


def test_the_matrix_needs_a_reader(app, signed_in, client):
    assert client.get("/reports/2/organisations/1", headers={"HX-Request": "true"}).status_code in (302, 401, 403)
