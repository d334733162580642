"""Writing a block: revisions, no silent overwrites, autosave, history, restore, bad input."""

from datetime import timedelta

import pytest

from tests.integration.helpers import (
    block_snapshot,
    block_version,
    current_text,
    find_block,
    post,
    revision_count,
)
from webapp.extensions import db
from webapp.models import Block, BlockDraft
from webapp.models.base import utcnow

WRITER = "skribent.crossroads@demo.iop"
COLLEAGUE = "skribent.eu-center@demo.iop"
ADMIN = "admin@demo.iop"


@pytest.fixture
def block_id(app, demo):
    """Crossroads' (empty) visits block in the open 2022–23 report."""
    return find_block(app, "dag-besok", "crossroads")


def save(client, block_id, source, version, htmx=False, **extra):
    data = {"source": source, "base_version": version, **extra}
    return post(client, f"/blocks/{block_id}/save", data, htmx=htmx)


def test_block_page_shows_guidance_editor_and_history(signed_in, block_id):
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Vägledning för avsnittet" in page
    assert 'id="source"' in page and "Förhandsvisning" in page
    assert "Inga versioner ännu." in page


def test_save_creates_a_revision_with_sanitized_html(app, signed_in, block_id):
    client = signed_in(WRITER)
    response = save(client, block_id, "Besöken **ökade** <script>x()</script>", block_version(app, block_id))
    assert response.status_code == 302
    assert revision_count(app, block_id) == 1
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Version 1" in page and "Anna Lindqvist" in page
    with app.app_context():
        html = db.session.get(Block, block_id).current_revision.html
    assert "<strong>ökade</strong>" in html and "<script>" not in html


def test_htmx_save_returns_the_editor_and_the_new_history(app, signed_in, block_id):
    client = signed_in(WRITER)
    response = save(client, block_id, "Första texten.", block_version(app, block_id), htmx=True, note="Utkast")
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert 'id="block-editor"' in fragment and "Sparat som version 1." in fragment
    assert 'id="history" aria-labelledby="history-heading" hx-swap-oob="true"' in fragment
    assert "Utkast" in fragment
    assert response.headers["Vary"].count("HX-Request") == 1


def test_unchanged_save_makes_no_revision(app, signed_in, block_id):
    client = signed_in(WRITER)
    save(client, block_id, "Samma text.", block_version(app, block_id))
    before = block_snapshot(app, block_id)
    response = save(client, block_id, "Samma text.", block_version(app, block_id), htmx=True)
    assert "Inga ändringar att spara." in response.get_data(as_text=True)
    assert block_snapshot(app, block_id) == before


def test_windows_line_endings_do_not_count_as_a_change(app, signed_in, block_id):
    client = signed_in(WRITER)
    save(client, block_id, "Rad ett\nRad två", block_version(app, block_id))
    save(client, block_id, "Rad ett\r\nRad två", block_version(app, block_id))
    assert revision_count(app, block_id) == 1


def test_stale_save_is_a_conflict_that_keeps_both_texts(app, signed_in, block_id):
    anna, admin = signed_in(WRITER), signed_in(ADMIN)
    start = block_version(app, block_id)
    assert save(admin, block_id, "Adminens text.", start).status_code == 302
    snapshot = block_snapshot(app, block_id)

    response = save(anna, block_id, "Annas text.", start, htmx=True)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Adminens text." in page and "Annas text." in page
    assert block_snapshot(app, block_id) == snapshot
    assert current_text(app, block_id) == "Adminens text."
    # The conflict form now starts from the winning version, so a merged save goes through.
    assert f'value="{block_version(app, block_id)}"' in page
    merged = save(anna, block_id, "Adminens text.\n\nAnnas text.", block_version(app, block_id))
    assert merged.status_code == 302
    assert current_text(app, block_id) == "Adminens text.\n\nAnnas text."


def test_stale_save_without_htmx_shows_a_full_conflict_page(app, signed_in, block_id):
    client = signed_in(WRITER)
    start = block_version(app, block_id)
    save(client, block_id, "Ett", start)
    response = save(client, block_id, "Två", start)
    assert response.status_code == 409
    assert "<html" in response.get_data(as_text=True)


def test_autosaves_coalesce_into_a_draft_then_one_revision(app, signed_in, block_id):
    client = signed_in(WRITER)
    version = block_version(app, block_id)
    for text in ("B", "Be", "Bes", "Besök"):
        response = post(client, f"/blocks/{block_id}/autosave", {"source": text, "base_version": version}, htmx=True)
        assert response.status_code == 200
        assert "Utkastet sparades automatiskt." in response.get_data(as_text=True)
    assert revision_count(app, block_id) == 0
    # The draft comes back when the writer returns.
    assert "Besök</textarea>" in client.get(f"/blocks/{block_id}").get_data(as_text=True)

    with app.app_context():  # the coalescing window has passed
        draft = db.session.query(BlockDraft).filter_by(block_id=block_id).one()
        draft.started_at = utcnow() - timedelta(seconds=app.config["AUTOSAVE_COALESCE_SECONDS"] + 1)
        db.session.commit()
    response = post(client, f"/blocks/{block_id}/autosave", {"source": "Besöken", "base_version": version}, htmx=True)
    fragment = response.get_data(as_text=True)
    assert "Sparat automatiskt som version 1." in fragment
    assert f'id="base_version" name="base_version" value="{block_version(app, block_id)}"' in fragment
    assert revision_count(app, block_id) == 1 and current_text(app, block_id) == "Besöken"


def test_explicit_save_seals_the_draft(app, signed_in, block_id):
    client = signed_in(WRITER)
    version = block_version(app, block_id)
    post(client, f"/blocks/{block_id}/autosave", {"source": "Halvfärdig", "base_version": version}, htmx=True)
    save(client, block_id, "Färdig text.", version)
    with app.app_context():
        assert db.session.query(BlockDraft).count() == 0
    assert revision_count(app, block_id) == 1


def test_stale_autosave_is_retargeted_to_the_conflict_view(app, signed_in, block_id):
    anna, admin = signed_in(WRITER), signed_in(ADMIN)
    start = block_version(app, block_id)
    save(admin, block_id, "Ny text från admin.", start)
    response = post(anna, f"/blocks/{block_id}/autosave", {"source": "Annas", "base_version": start}, htmx=True)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#block-editor"
    assert "Ny text från admin." in response.get_data(as_text=True)


def test_live_preview_renders_sanitized_markdown(signed_in, block_id):
    response = post(
        signed_in(WRITER),
        f"/blocks/{block_id}/preview",
        {"source": "# Rubrik\n\n**fet** <img src=x onerror=alert(1)>"},
        htmx=True,
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert 'id="preview"' in fragment and "<strong>fet</strong>" in fragment
    assert "<img" not in fragment


def test_revision_page_shows_diff_and_restore_makes_a_new_revision(app, signed_in, block_id):
    client = signed_in(WRITER)
    save(client, block_id, "Rad ett\nRad två", block_version(app, block_id))
    save(client, block_id, "Rad ett\nRad TVÅ", block_version(app, block_id))
    page = client.get(f"/blocks/{block_id}/revisions/2").get_data(as_text=True)
    assert "Ändringar jämfört med version 1" in page
    assert "<del>Rad två</del>" in page and "<ins>Rad TVÅ</ins>" in page

    response = post(client, f"/blocks/{block_id}/revisions/1/restore", {"base_version": block_version(app, block_id)})
    assert response.status_code == 302
    assert revision_count(app, block_id) == 3
    assert current_text(app, block_id) == "Rad ett\nRad två"
    assert "Återställd från version 1" in client.get(f"/blocks/{block_id}").get_data(as_text=True)


def test_unknown_revision_and_block_are_404(signed_in, block_id):
    client = signed_in(WRITER)
    assert client.get(f"/blocks/{block_id}/revisions/99").status_code == 404
    assert client.get("/blocks/999999").status_code == 404


def test_too_large_body_gets_413_and_changes_nothing(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    response = save(client, block_id, "å" * 100_001, block_version(app, block_id))
    assert response.status_code == 413
    assert "Ett bidrag får vara högst 200 kB" in response.get_data(as_text=True)
    assert block_snapshot(app, block_id) == before


def test_invalid_form_gets_422_with_field_errors_and_changes_nothing(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    response = post(client, f"/blocks/{block_id}/save", {"source": "Text", "note": "x" * 501}, htmx=True)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Versionsnummer saknas" in page and "Högst 500 tecken." in page
    assert block_snapshot(app, block_id) == before


def test_another_units_writer_cannot_edit(app, signed_in, block_id):
    client = signed_in(COLLEAGUE)
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert 'id="source"' not in page  # reading is fine, no editor
    before = block_snapshot(app, block_id)
    version = block_version(app, block_id)
    for url, data in [
        (f"/blocks/{block_id}/save", {"source": "Intrång", "base_version": version}),
        (f"/blocks/{block_id}/autosave", {"source": "Intrång", "base_version": version}),
        (f"/blocks/{block_id}/preview", {"source": "Intrång"}),
    ]:
        response = post(client, url, data)
        assert response.status_code == 403, url
        assert "egen verksamhet" in response.get_data(as_text=True)
    assert block_snapshot(app, block_id) == before


def test_restore_refused_for_another_unit(app, signed_in, block_id):
    save(signed_in(WRITER), block_id, "Ett", block_version(app, block_id))
    save(signed_in(WRITER), block_id, "Två", block_version(app, block_id))
    before = block_snapshot(app, block_id)
    response = post(
        signed_in(COLLEAGUE), f"/blocks/{block_id}/revisions/1/restore", {"base_version": block_version(app, block_id)}
    )
    assert response.status_code == 403
    assert block_snapshot(app, block_id) == before


def test_anonymous_mutations_are_refused(app, client, block_id):
    from tests.conftest import csrf_token

    before = block_snapshot(app, block_id)
    token = csrf_token(client, "/login")  # a valid token, so only the missing user stops it
    for url in (
        f"/blocks/{block_id}/save",
        f"/blocks/{block_id}/autosave",
        f"/blocks/{block_id}/preview",
        f"/blocks/{block_id}/revisions/1/restore",
    ):
        response = client.post(url, data={"source": "x", "base_version": 1, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert block_snapshot(app, block_id) == before


def test_every_mutation_without_csrf_token_is_refused(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    for url in (
        f"/blocks/{block_id}/save",
        f"/blocks/{block_id}/autosave",
        f"/blocks/{block_id}/preview",
        f"/blocks/{block_id}/revisions/1/restore",
        "/language",
        "/logout",
    ):
        response = client.post(
            url, data={"source": "x", "base_version": 1, "language": "en"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400, url
    assert block_snapshot(app, block_id) == before


def test_csrf_token_in_htmx_header_is_accepted(app, signed_in, block_id):
    from tests.conftest import csrf_token

    client = signed_in(WRITER)
    response = client.post(
        f"/blocks/{block_id}/preview",
        data={"source": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 200


def test_locked_report_refuses_saves(app, signed_in):
    locked_block = find_block(app, "dag-besok", "crossroads", report_id=1)
    client = signed_in(WRITER)
    page = client.get(f"/blocks/{locked_block}").get_data(as_text=True)
    assert "Rapporten är låst" in page and 'id="source"' not in page
    before = block_snapshot(app, locked_block)
    response = save(client, locked_block, "Sent tillägg", block_version(app, locked_block))
    assert response.status_code == 409
    assert block_snapshot(app, locked_block) == before


def test_admin_may_edit_any_block(app, signed_in, block_id):
    assert save(signed_in(ADMIN), block_id, "Admin hjälper till.", block_version(app, block_id)).status_code == 302


def test_a_draft_started_from_an_older_version_comes_back_as_a_conflict(app, signed_in, block_id):
    anna, admin = signed_in(WRITER), signed_in(ADMIN)
    start = block_version(app, block_id)
    post(anna, f"/blocks/{block_id}/autosave", {"source": "Annas osparade text", "base_version": start}, htmx=True)
    save(admin, block_id, "Admin sparade under tiden.", start)
    page = anna.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Någon annan har sparat bidraget medan du skrev" in page
    assert "Admin sparade under tiden." in page and "Annas osparade text</textarea>" in page
