"""The overview's progress matrix at the demo's size and at three times the partnership (issue 16):
metadata only (no revision body is read), the same queries at 11 units as at 33, one column per
organisation above MATRIX_UNIT_COLUMNS units, each organisation expandable with and without htmx.
"""

from __future__ import annotations

import re

from sqlalchemy import event, select

from tests.integration.test_bench_scale import _load_scale_module
from webapp.extensions import db
from webapp.models import Organisation
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


def test_above_the_limit_organisations_are_columns_and_open_one_by_one(app, count_queries):
    report_id = _big_partnership(app)
    client = _sign_in(app, CHAIR)
    with app.app_context():
        organisation = db.session.scalars(select(Organisation).where(Organisation.name == "Convictus (2)")).one()
        organisation_id, units = organisation.id, sorted(u.name for u in organisation.units)
        db.session.remove()
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    matrix = _matrix(page)
    assert "Convictus (2)" in matrix and units[0] not in matrix  # one column, its units folded
    assert re.search(r"\d+ av \d+ godkända", matrix)
    expand = f"/reports/{report_id}?visa={organisation_id}#progress-matrix"
    assert f'href="{expand}"' in matrix and f'hx-get="/reports/{report_id}/matrix?visa={organisation_id}"' in matrix

    # Without JavaScript: the link is a page of its own with the organisation's units as columns.
    opened = _matrix(client.get(f"/reports/{report_id}?visa={organisation_id}").get_data(as_text=True))
    assert all(name in opened for name in units) and 'aria-expanded="true"' in opened
    assert f'href="/reports/{report_id}#progress-matrix"' in opened  # closing it again

    # With htmx: the matrix alone, and the address bar shows the overview with it open.
    fragment = client.get(f"/reports/{report_id}/matrix?visa={organisation_id}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="progress-matrix"')
    assert all(name in body for name in units)
    assert fragment.headers["HX-Push-Url"] == f"/reports/{report_id}?visa={organisation_id}"
    assert "HX-Request" in fragment.headers.get("Vary", "")
    # Asked for without htmx, the fragment's address sends the browser to the page.
    plain = client.get(f"/reports/{report_id}/matrix?visa={organisation_id}")
    assert plain.status_code == 302 and plain.headers["Location"].endswith(
        f"/reports/{report_id}?visa={organisation_id}#progress-matrix"
    )
    # Nonsense in ?visa= is ignored.
    assert client.get(f"/reports/{report_id}?visa=x&visa=99999999").status_code == 200

    # The same queries as the demo's report with a third of the units, and no revision body.
    counts = {}
    for path in (f"/reports/{report_id}", "/reports/1", f"/reports/{report_id}?visa={organisation_id}"):
        client.get(path)
        with count_queries() as counter:
            client.get(path)
        counts[path] = counter.count
        statements, _page = _statements(app, client, path)
        assert not [s for s in statements if BODY_COLUMN.search(s)], path
    assert len(set(counts.values())) == 1, counts


def test_the_matrix_needs_a_reader(app, signed_in, client):
    assert client.get("/reports/2/matrix", headers={"HX-Request": "true"}).status_code in (302, 401, 403)
