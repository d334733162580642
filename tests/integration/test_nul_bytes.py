"""NUL and other control characters: refused with a clear message wherever text comes in, nothing stored.

PostgreSQL refuses NUL in text, so before the guard these were 500s there (and stored on SQLite).
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.integration.account_helpers import ADMIN, unit_id
from tests.integration.helpers import block_snapshot, block_version, current_text, find_block, post
from webapp import input_guard
from webapp.extensions import db
from webapp.input_errors import InputRefused
from webapp.models import BlockDraft, Organisation
from webapp.services.accounts import people

WRITER = "skribent.crossroads@demo.iop"
NIGHT_WRITER = "skribent.stadsmissionen-natt@demo.iop"
MESSAGE = "osynligt styrtecken (U+0000)"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _row_counts(app) -> dict[str, int]:
    """Rows in every table: a refused request adds, changes or removes none."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return counts


def _refused(response, character: str = "\x00") -> None:
    assert response.status_code == 422, response.status_code
    assert f"osynligt styrtecken (U+{ord(character):04X})" in _text(response)
    assert "Ingenting har sparats." in _text(response)


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "dag-besok", "crossroads")


@pytest.fixture
def night_block_id(app, demo):
    return find_block(app, "natt-belaggning", "stadsmissionen-natt")


def test_a_block_save_with_nul_is_refused_and_stores_nothing(app, signed_in, block_id):
    client = signed_in(WRITER)
    before, counts, text = block_snapshot(app, block_id), _row_counts(app), current_text(app, block_id)
    data = {"source": "Före\x00efter", "base_version": block_version(app, block_id)}
    _refused(post(client, f"/blocks/{block_id}/save", data))
    response = post(client, f"/blocks/{block_id}/save", data, htmx=True)
    _refused(response)
    # htmx puts the message at the top of the page: the editor and what was typed stay.
    assert response.headers["HX-Retarget"] == "#main" and response.headers["HX-Reswap"] == "afterbegin"
    assert 'role="alert"' in response.get_data(as_text=True)
    assert (block_snapshot(app, block_id), _row_counts(app), current_text(app, block_id)) == (before, counts, text)


def test_a_block_preview_and_autosave_with_nul_are_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    counts = _row_counts(app)
    _refused(post(client, f"/blocks/{block_id}/preview", {"source": "a\x00b"}, htmx=True))
    _refused(post(client, f"/blocks/{block_id}/autosave", {"source": "a\x00b"}, htmx=True))
    assert _row_counts(app) == counts


def test_a_comment_with_nul_is_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    counts = _row_counts(app)
    _refused(post(client, f"/blocks/{block_id}/comments", {"body": "Fråga\x00"}))
    _refused(post(client, f"/blocks/{block_id}/comments", {"body": "Fråga", "quote": "\x00"}, htmx=True))
    assert _row_counts(app) == counts


def test_organisation_unit_and_person_names_with_nul_are_refused(app, signed_in):
    admin = signed_in(ADMIN)
    counts = _row_counts(app)
    _refused(post(admin, "/admin/organisations", {"name": "Röda\x00Korset"}))
    with app.app_context():
        organisation_id = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).first()
        db.session.remove()
    _refused(post(admin, f"/admin/organisations/{organisation_id}/rename", {"name": "Ny\x00"}))
    _refused(
        post(admin, f"/admin/organisations/{organisation_id}/units", {"unit-name": "Natt\x00", "unit-kind": "night"})
    )
    person = {
        "name": "Ny\x00kollega",
        "email": "ny@exempel.se",
        "roles": ["writer"],
        "units": [unit_id(app, "crossroads")],
    }
    _refused(post(admin, "/admin/people/invite", person))
    _refused(post(admin, "/admin/people/invite", {**person, "name": "Ny kollega", "email": "ny\x00@exempel.se"}))
    assert _row_counts(app) == counts


@pytest.mark.parametrize("email", ["ny\x00@exempel.se", "ny@exem\x01pel.se"])
def test_the_invitation_service_refuses_a_control_character_in_an_email_itself(app, email):
    """For callers outside a request (CLI, scripts): the service does not rely on the guard."""
    with app.test_request_context(), pytest.raises(InputRefused) as refused:
        people.clean_email(email)
    assert refused.value.field == "email"


def test_a_field_name_or_query_string_with_nul_is_refused(app, signed_in):
    admin = signed_in(ADMIN)
    _refused(admin.get("/admin/people?text=a%00b"))
    _refused(admin.get("/admin/people?te%00xt=a"))
    _refused(post(admin, "/admin/organisations", {"name": "Röda Korset", "x\x00": "1"}))


def test_a_json_body_with_nul_is_refused(app, signed_in):
    admin = signed_in(ADMIN)
    response = admin.post(
        "/admin/organisations",
        data=json.dumps({"name": ["a", {"b": "c\u0000"}]}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(admin)},
    )
    _refused(response)


@pytest.mark.parametrize("character", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_other_control_characters_are_refused_too(app, signed_in, character):
    counts = _row_counts(app)
    _refused(post(signed_in(ADMIN), "/admin/organisations", {"name": f"Röda{character}Korset"}), character)
    assert _row_counts(app) == counts


def test_tabs_line_breaks_and_other_unicode_pass(app, signed_in, block_id):
    client = signed_in(WRITER)
    text = "Rad ett\r\n\tRad två – ”citat” \x7f\u0085 ✓"
    response = post(client, f"/blocks/{block_id}/save", {"source": text, "base_version": block_version(app, block_id)})
    assert response.status_code == 302
    assert current_text(app, block_id).replace("\r\n", "\n") == text.replace("\r\n", "\n")


def test_the_login_email_with_nul_is_refused(app, client, demo):
    counts = _row_counts(app)
    token = csrf_token(client, "/login")
    _refused(client.post("/login", data={"email": "admin@demo.iop\x00", "password": "x", "csrf_token": token}))
    _refused(client.post("/login", data={"email": "admin@demo.iop", "password": "\x00", "csrf_token": token}))
    assert _row_counts(app) == counts


# --- statistics: paste and import ---------------------------------------------------------------


def _import(client, block_id, step: str, text: str = "", files: dict | None = None, **extra):
    payload: dict = {"import-occupancy-text": text, **extra}
    for name, (content, filename) in (files or {}).items():
        payload[name] = (io.BytesIO(content), filename)
    return client.post(
        f"/blocks/{block_id}/tables/occupancy/import/{step}",
        data=payload,
        content_type="multipart/form-data",
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)},
    )


def _draft(app, block_id):
    with app.app_context():
        draft = db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == block_id)).first()
        tables = draft.tables if draft else None
        db.session.remove()
    return tables


def test_a_pasted_grid_with_nul_is_refused(app, signed_in, night_block_id):
    client = signed_in(NIGHT_WRITER)
    before, counts = block_snapshot(app, night_block_id), _row_counts(app)
    paste = "Månad\tKvinnor\tMän\r\nDecember\t17\x002\t882\r\n"
    _refused(_import(client, night_block_id, "preview", paste))
    version = block_version(app, night_block_id)
    _refused(_import(client, night_block_id, "apply", paste, base_version=version))
    # The grid's own cells, posted with a block save, go through the same guard.
    cells = {"source": "", "base_version": version, "cell|occupancy|2022-12|women": "1\x00"}
    _refused(post(client, f"/blocks/{night_block_id}/save", cells, htmx=True))
    assert (block_snapshot(app, night_block_id), _row_counts(app)) == (before, counts)
    assert _draft(app, night_block_id) is None


def _xlsx_with(raw: bytes) -> bytes:
    """A workbook whose December cell holds ``raw`` as written in the sheet's XML."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (("Månad", "Kvinnor"), ("December", "PLACEHOLDER")):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    original, patched = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as out:
        for item in original.infolist():
            out.writestr(item, original.read(item.filename).replace(b"PLACEHOLDER", raw))
    return patched.getvalue()


@pytest.mark.parametrize("raw", [b"17\x002", b"17&#0;2", b"17&#1;2"])
def test_an_xlsx_with_nul_in_a_cell_is_refused_with_the_imports_message(app, signed_in, night_block_id, raw):
    client = signed_in(NIGHT_WRITER)
    before, counts = block_snapshot(app, night_block_id), _row_counts(app)
    files = {"import-occupancy-file": (_xlsx_with(raw), "beläggning.xlsx")}
    for step, extra in (("preview", {}), ("apply", {"base_version": block_version(app, night_block_id)})):
        response = _import(client, night_block_id, step, files=files, **extra)
        assert response.status_code == 422
        assert "kunde inte läsas som en Excel-fil" in _text(response) and "Ingenting har ändrats." in _text(response)
    assert (block_snapshot(app, night_block_id), _row_counts(app)) == (before, counts)


def test_a_csv_with_nul_is_refused_and_a_stray_control_character_is_dropped(app, signed_in, demo):
    """A CSV with NUL is binary (refused); one stray control character in a text cell is dropped."""
    block_id = find_block(app, "natt-nationaliteter", "stadsmissionen-natt")
    client = signed_in(NIGHT_WRITER)
    before = block_snapshot(app, block_id)
    url = f"/blocks/{block_id}/tables/nationalities/import/preview"
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(client)}

    def upload(content: bytes):
        data = {"import-nationalities-file": (io.BytesIO(content), "n.csv"), "import-nationalities-text": ""}
        return client.post(url, data=data, content_type="multipart/form-data", headers=headers)

    refused = upload(b"Land;Andel\r\nPolen\x00;7,5\r\n")
    assert refused.status_code == 422 and "binära data" in _text(refused)
    rows = "Rumänien\x01;120;41,5\r\nBulgarien;60;20,8\r\nPolen;30;7,25\r\nUkraina;20;5,0\r\nLitauen;10;2,5\r\n"
    read = upload(("Land;Antal;Andel\r\n" + rows + "Lettland;5;1,0\r\n" * 3).encode())
    assert read.status_code == 200, _text(read)
    assert ">Rumänien<" in _text(read) and "\x01" not in read.get_data(as_text=True)
    assert block_snapshot(app, block_id) == before


# --- admin: template files ----------------------------------------------------------------------


def test_a_template_file_with_an_escaped_nul_is_refused(app, signed_in):
    admin = signed_in(ADMIN)
    exported = admin.get("/admin/templates")  # find an exportable template on the list
    template_id = re.search(r"/admin/templates/(\d+)", exported.get_data(as_text=True)).group(1)
    document = json.loads(admin.get(f"/admin/templates/{template_id}/export").get_data(as_text=True))
    document["name"] = "Mall\u0000"
    counts = _row_counts(app)
    response = admin.post(
        "/admin/templates/import",
        data={
            "import-file": (io.BytesIO(json.dumps(document).encode()), "mall.json"),
            "import-key": "mall-med-nul",
            "csrf_token": csrf_token(admin),
        },
        content_type="multipart/form-data",
    )
    _refused(response)
    assert _row_counts(app) == counts


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(max_size=40),
    st.text(max_size=40),
    st.sampled_from(["name", "source", "q"]),
    st.booleans(),
)
def test_any_text_with_nul_is_refused_by_the_guard(app, before, after, field, in_query):
    """Through a real request context: form field or query string, any text around a NUL."""
    value = before + "\x00" + after
    context = (
        app.test_request_context("/", query_string={field: value})
        if in_query
        else app.test_request_context("/", method="POST", data={field: value})
    )
    with context:
        assert input_guard.first_forbidden(input_guard.request_texts()) is not None
        body, status, _headers = input_guard.refusal("\x00")
        assert status == 422 and MESSAGE in body
