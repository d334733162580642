"""Templates look the request's translations up once, not once per string (issue 16), and
still in the language the person chose."""

from __future__ import annotations

import flask_babel
import pytest

from tests.integration.helpers import find_block, post

WRITER = "skribent.crossroads@demo.iop"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = flask_babel.Domain.get_translations

    def counted(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    return calls


def test_a_page_looks_its_translations_up_a_few_times_not_per_string(app, signed_in, lookups):
    writer = signed_in(WRITER)
    block_id = find_block(app, "dag-verksamheter", "crossroads")
    assert writer.get(f"/blocks/{block_id}").status_code == 200
    lookups.clear()
    page = writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Hoppa till innehållet" in page and "Mina bidrag" in page
    # Strings translated in Python (views, labels) still ask Flask-Babel; the page's own
    # dozens of _() calls ask once.
    assert len(lookups) <= 5, len(lookups)


def test_templates_follow_the_language_the_person_chose(app, signed_in):
    writer = signed_in(WRITER)
    assert "Mina bidrag" in writer.get("/").get_data(as_text=True)
    assert post(writer, "/language", {"language": "en", "next": "/"}).status_code == 302
    page = writer.get("/").get_data(as_text=True)
    assert "Skip to content" in page and "My contributions" in page
    assert post(writer, "/language", {"language": "sv", "next": "/"}).status_code == 302
    assert "Mina bidrag" in writer.get("/").get_data(as_text=True)


def test_a_forced_locale_is_followed_inside_and_after(app):
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Mina bidrag') }}"
    with app.test_request_context("/"):
        assert render_template_string(template) == "Mina bidrag"
        with force_locale("en"):
            assert render_template_string(template) == "My contributions"
        assert render_template_string(template) == "Mina bidrag"
