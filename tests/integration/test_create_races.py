"""Two admins creating the same thing at once: the second gets a refusal on the form, never a 500.

The race is made real, not simulated: admin B's request passes its checks, and just before it
inserts, admin A's whole request runs (another client, its own session) and commits. B's insert
then meets the unique constraint of the database.
"""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor, TimeoutError

import pytest
from sqlalchemy import func, select

from tests.integration.account_helpers import ADMIN, fingerprint, unit_id
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import Organisation, ReportTemplate, Unit, User
from webapp.services.accounts import organisations as organisation_service
from webapp.services.accounts import people as people_service
from webapp.services.report_templates import admin as template_admin


@pytest.fixture
def admins(signed_in):
    return signed_in(ADMIN), signed_in(ADMIN)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _count(app, model, **where) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        found = db.session.scalar(statement)
        db.session.remove()
    return found


def _first_runs_inside(monkeypatch, module, name: str, first):
    """Replace ``module.name`` so that, the first time the second request has called it (its checks
    passed, its insert next), the first request runs to its commit — in a thread of its own, so
    with its own app context and database session, as another web worker would."""
    original = getattr(module, name)
    state: dict = {"ran": False}

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)  # e.g. the key, chosen from what is committed so far
        if not state["ran"]:
            state["ran"] = True
            with ThreadPoolExecutor(max_workers=1) as pool:
                response = pool.submit(first).result(timeout=60)
            assert response.status_code in (200, 302), _text(response)[-600:]  # created
        return result

    monkeypatch.setattr(module, name, wrapped)
    return state


def _organisation_id(app) -> int:
    with app.app_context():
        found = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).first()
        db.session.remove()
    return found


# --- organisations --------------------------------------------------------------------------------


def test_two_admins_create_the_same_organisation_at_once(app, admins, monkeypatch):
    first, second = admins
    state = _first_runs_inside(
        monkeypatch,
        organisation_service,
        "_unique_key",
        lambda: post(first, "/admin/organisations", {"name": "Röda Korset"}),
    )
    response = post(second, "/admin/organisations", {"name": "Röda Korset"})
    assert state["ran"]
    assert response.status_code == 422, _text(response)[-600:]
    assert "Det finns redan en organisation med det namnet." in _text(response)
    assert _count(app, Organisation, key="roda-korset") == 1


def test_a_different_name_with_the_same_key_gets_the_next_key(app, admins, monkeypatch):
    first, second = admins
    _first_runs_inside(
        monkeypatch,
        organisation_service,
        "_unique_key",
        lambda: post(first, "/admin/organisations", {"name": "Röda Korset"}),
    )
    response = post(second, "/admin/organisations", {"name": "Roda korset!"})
    assert response.status_code == 302, _text(response)[-600:]
    with app.app_context():
        keys = set(db.session.scalars(select(Organisation.key).where(Organisation.key.like("roda-korset%"))))
        db.session.remove()
    assert keys == {"roda-korset", "roda-korset-2"}


def test_a_plain_duplicate_organisation_is_refused(app, admins):
    admin = admins[0]
    assert post(admin, "/admin/organisations", {"name": "Röda Korset"}).status_code == 302
    before = fingerprint(app)
    response = post(admin, "/admin/organisations", {"name": "röda korset"})
    assert response.status_code == 422
    assert "Det finns redan en organisation med det namnet." in _text(response)
    assert fingerprint(app) == before


# --- units ----------------------------------------------------------------------------------------


def _new_unit(client, app, name="Nattcafé Söder"):
    return post(
        client, f"/admin/organisations/{_organisation_id(app)}/units", {"unit-name": name, "unit-kind": "night"}
    )


def test_two_admins_create_the_same_unit_at_once(app, admins, monkeypatch):
    first, second = admins
    state = _first_runs_inside(monkeypatch, organisation_service, "_unique_key", lambda: _new_unit(first, app))
    response = _new_unit(second, app)
    assert state["ran"]
    assert response.status_code == 422, _text(response)[-600:]
    assert "Det finns redan en verksamhet med det namnet." in _text(response)
    assert _count(app, Unit, key="nattcafe-soder") == 1


def test_a_plain_duplicate_unit_is_refused(app, admins):
    admin = admins[0]
    assert _new_unit(admin, app).status_code == 302
    before = fingerprint(app)
    response = _new_unit(admin, app, "NATTCAFÉ  söder")
    assert response.status_code == 422 and "Det finns redan en verksamhet med det namnet." in _text(response)
    assert fingerprint(app) == before


# --- people ---------------------------------------------------------------------------------------


def _invite(client, app, name="Ny kollega"):
    data = {"name": name, "email": "ny.kollega@exempel.se", "roles": ["writer"], "units": [unit_id(app, "crossroads")]}
    return post(client, "/admin/people/invite", data)


def test_two_admins_invite_the_same_email_at_once(app, admins, monkeypatch):
    first, second = admins
    state = _first_runs_inside(
        monkeypatch, people_service, "unusable_password_hash", lambda: _invite(first, app, "Första")
    )
    response = _invite(second, app, "Andra")
    assert state["ran"]
    assert response.status_code == 422, _text(response)[-600:]
    assert "Det finns redan en person med den e-postadressen." in _text(response)
    assert _count(app, User, email="ny.kollega@exempel.se") == 1


# --- templates ------------------------------------------------------------------------------------
#
# On PostgreSQL the first request commits between the second's key check and its insert, as above.
# On SQLite the second request holds the one write transaction from before its check: the first
# waits for it, then finds the key taken. Either way: one template, the other admin refused.


def _both_at_once(monkeypatch, name: str, first, second) -> list:
    """Start ``first`` in a thread once ``second`` has called ``template_admin.name``; give it a
    moment to commit (PostgreSQL), else let ``second`` go on (SQLite, where it waits for us)."""
    original = getattr(template_admin, name)
    started: list = []

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if not started:
            started.append(pool.submit(first))
            try:
                started[0].result(timeout=1.5)
            except TimeoutError:
                pass  # SQLite: the first request waits for this one's write transaction
        return result

    monkeypatch.setattr(template_admin, name, wrapped)
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = second()
        responses = [started[0].result(timeout=30), response]
    return responses


def _one_made_one_refused(responses) -> None:
    codes = sorted(response.status_code for response in responses)
    assert codes == [302, 422], codes
    refused = next(response for response in responses if response.status_code == 422)
    assert "nyckel" in _text(refused)


def test_two_admins_create_a_template_with_the_same_key_at_once(app, admins, monkeypatch):
    first, second = admins
    data = {"key": "ny-mall", "name": "Ny mall", "description": ""}
    responses = _both_at_once(
        monkeypatch,
        "_free_key",
        lambda: post(first, "/admin/templates", {**data, "name": "Första"}),
        lambda: post(second, "/admin/templates", data),
    )
    _one_made_one_refused(responses)
    assert _count(app, ReportTemplate, key="ny-mall") == 1


def test_two_admins_import_a_template_with_the_same_key_at_once(app, admins):
    first, second = admins
    page = first.get("/admin/templates").get_data(as_text=True)
    template_id = re.search(r"/admin/templates/(\d+)", page).group(1)
    exported = first.get(f"/admin/templates/{template_id}/export").get_data()
    assert json.loads(exported)["key"] != "importerad"

    def upload(client):
        data = {"import-file": (io.BytesIO(exported), "mall.json"), "import-key": "importerad"}
        return post(client, "/admin/templates/import", data, content_type="multipart/form-data")

    with pytest.MonkeyPatch.context() as monkeypatch:
        responses = _both_at_once(monkeypatch, "build_chapters", lambda: upload(first), lambda: upload(second))
    _one_made_one_refused(responses)
    assert _count(app, ReportTemplate, key="importerad") == 1
