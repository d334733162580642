"""Admin: organisations and units — create, rename, kind, capacity schedules, deactivation with history kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.integration.account_helpers import ADMIN, fingerprint
from tests.integration.account_helpers import audit_events as all_audit_events
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import Block, Organisation, Report, Unit, UnitCapacity

LILJEHOLMEN = "fa-liljeholmen"


def audit_events(app, action: str | None = None):
    """The admin's events about organisations and units (the demo's own events left out)."""
    return [e for e in all_audit_events(app, action) if e.action.startswith(("organisation.", "unit."))]


def unit_by_key(app, key: str) -> Unit:
    with app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.key == key)).one()
        unit.capacity  # noqa: B018 (load it before leaving the session)
        db.session.expunge_all()
        db.session.remove()
        return unit


def organisation_by_key(app, key: str) -> Organisation:
    with app.app_context():
        organisation = db.session.scalars(select(Organisation).where(Organisation.key == key)).one()
        db.session.expunge(organisation)
        db.session.remove()
        return organisation


def schedule(app, key: str) -> list[tuple]:
    return [(e.places, e.from_date, e.until_date) for e in unit_by_key(app, key).capacity]


@pytest.fixture
def admin(signed_in):
    return signed_in(ADMIN)


# --- the list -------------------------------------------------------------------------------------


def test_list_shows_organisations_units_kinds_and_capacity(admin):
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert "Frälsningsarmén" in page and "Frälsningsarmén Liljeholmen" in page and "Västberga gård" in page
    assert "Nattverksamhet" in page and "Dagverksamhet" in page
    assert "24 platser" in page and "Avvecklad" not in page


def test_organisations_page_loads_in_a_bounded_number_of_queries(app, admin, count_queries):
    admin.get("/admin/organisations")
    with count_queries() as counter:
        admin.get("/admin/organisations")
    assert counter.count <= 8


# --- organisations --------------------------------------------------------------------------------


def test_create_and_rename_an_organisation(app, admin):
    response = post(admin, "/admin/organisations", {"name": "Röda Korset Stockholm"})
    assert response.status_code == 302
    organisation = organisation_by_key(app, "roda-korset-stockholm")
    assert response.headers["Location"] == f"/admin/organisations/{organisation.id}"
    renamed = post(admin, f"/admin/organisations/{organisation.id}/rename", {"name": "Röda Korset"})
    assert renamed.status_code == 302
    assert organisation_by_key(app, "roda-korset-stockholm").name == "Röda Korset"  # the key stays
    assert [e.action for e in audit_events(app)] == ["organisation.created", "organisation.renamed"]
    assert audit_events(app)[1].details["from"] == "Röda Korset Stockholm"


@pytest.mark.parametrize(
    "name, message",
    [("", "Fyll i ett namn."), ("  convictus ", "finns redan en organisation"), ("x" * 201, "Högst 200 tecken.")],
)
def test_bad_organisation_name_is_422_and_nothing_saved(app, admin, name, message):
    before = fingerprint(app)
    response = post(admin, "/admin/organisations", {"name": name})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_renaming_to_another_organisations_name_is_refused(app, admin):
    organisation = organisation_by_key(app, "convictus")
    before = fingerprint(app)
    response = post(admin, f"/admin/organisations/{organisation.id}/rename", {"name": "Ny Gemenskap"})
    assert response.status_code == 422 and "finns redan en organisation" in response.get_data(as_text=True)
    assert fingerprint(app) == before


# --- units ----------------------------------------------------------------------------------------


def test_create_unit_gets_a_unique_key_from_its_name(app, admin):
    organisation = organisation_by_key(app, "fralsningsarmen")
    response = post(
        admin,
        f"/admin/organisations/{organisation.id}/units",
        {"unit-name": "Frälsningsarmén Årsta Syd", "unit-kind": "night"},
    )
    assert response.status_code == 302
    unit = unit_by_key(app, "fralsningsarmen-arsta-syd")
    assert (unit.name, unit.kind, unit.active, unit.organisation_id) == (
        "Frälsningsarmén Årsta Syd",
        "night",
        True,
        organisation.id,
    )
    assert response.headers["Location"] == f"/admin/units/{unit.id}"
    # A different name that makes the same key gets a number.
    post(
        admin,
        f"/admin/organisations/{organisation.id}/units",
        {"unit-name": "Frälsningsarmén Årsta-syd!", "unit-kind": "day"},
    )
    assert unit_by_key(app, "fralsningsarmen-arsta-syd-2").kind == "day"
    [created, _] = audit_events(app, "unit.created")
    assert created.details["key"] == "fralsningsarmen-arsta-syd" and created.details["kind"] == "night"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"unit-name": "", "unit-kind": "day"}, "Fyll i ett namn."),
        ({"unit-name": "Ny enhet", "unit-kind": "castle"}, "Välj en typ av verksamhet."),
        ({"unit-name": "crossroads", "unit-kind": "day"}, "finns redan en verksamhet"),
    ],
)
def test_bad_unit_is_422_and_nothing_saved(app, admin, data, message):
    organisation = organisation_by_key(app, "stadsmissionen")
    before = fingerprint(app)
    response = post(admin, f"/admin/organisations/{organisation.id}/units", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_rename_and_change_kind_of_a_unit(app, admin):
    unit = unit_by_key(app, "kafe-norrmalm")
    response = post(admin, f"/admin/units/{unit.id}", {"name": "Kafé Norrmalm och natt", "kind": "night"})
    assert response.status_code == 302
    changed = unit_by_key(app, "kafe-norrmalm")
    assert (changed.name, changed.kind) == ("Kafé Norrmalm och natt", "night")
    [event] = audit_events(app, "unit.changed")
    assert event.details["name"] == ["Kafé Norrmalm", "Kafé Norrmalm och natt"] and event.details["kind"] == [
        "day",
        "night",
    ]


# --- capacity -------------------------------------------------------------------------------------


def test_add_edit_and_remove_capacity_entries(app, admin):
    unit = unit_by_key(app, "fa-arsta")
    assert schedule(app, "fa-arsta") == [(24, None, None)]
    added = post(
        admin,
        f"/admin/units/{unit.id}/capacity",
        {"places": "6", "from_date": "2023-01-01", "until_date": "2023-01-31"},
    )
    assert added.status_code == 302
    assert schedule(app, "fa-arsta") == [(24, None, None), (6, date(2023, 1, 1), date(2023, 1, 31))]
    page = admin.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert "Totalt per natt" in page and "30 platser" in page  # overlapping entries add up

    entry = unit_by_key(app, "fa-arsta").capacity[1]
    edit_page = admin.get(f"/admin/units/{unit.id}/capacity/{entry.id}")
    assert edit_page.status_code == 200 and 'value="2023-01-31"' in edit_page.get_data(as_text=True)
    assert (
        post(
            admin,
            f"/admin/units/{unit.id}/capacity/{entry.id}",
            {"places": "10", "from_date": "2023-01-01", "until_date": ""},
        ).status_code
        == 302
    )
    assert schedule(app, "fa-arsta")[1] == (10, date(2023, 1, 1), None)
    assert post(admin, f"/admin/units/{unit.id}/capacity/{entry.id}/remove").status_code == 302
    assert schedule(app, "fa-arsta") == [(24, None, None)]
    assert [e.action for e in audit_events(app)] == [
        "unit.capacity_added",
        "unit.capacity_changed",
        "unit.capacity_removed",
    ]
    assert audit_events(app)[1].details["to_entry"] == {"places": 10, "from": "2023-01-01", "until": None}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"places": "0"}, "större än 0"),
        ({"places": "-3"}, "större än 0"),
        ({"places": ""}, "större än 0"),
        ({"places": "tjugo"}, "Skriv ett heltal."),
        (
            {"places": "5", "from_date": "2023-02-01", "until_date": "2023-01-01"},
            "Slutdatumet kommer före startdatumet.",
        ),
        ({"places": "5", "from_date": "1 februari"}, "ÅÅÅÅ-MM-DD"),
        ({"places": "100000"}, "Högst 10000 platser"),
    ],
)
def test_bad_capacity_entry_is_422_and_nothing_saved(app, admin, data, message):
    unit = unit_by_key(app, "fa-arsta")
    before = fingerprint(app)
    response = post(admin, f"/admin/units/{unit.id}/capacity", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fingerprint(app) == before and schedule(app, "fa-arsta") == [(24, None, None)]


def test_bad_edit_of_an_entry_is_422_and_the_entry_stays(app, admin):
    unit = unit_by_key(app, "fa-arsta")
    entry = unit.capacity[0]
    response = post(
        admin,
        f"/admin/units/{unit.id}/capacity/{entry.id}",
        {"places": "5", "from_date": "2023-02-01", "until_date": "2023-01-01"},
    )
    assert response.status_code == 422 and "Slutdatumet" in response.get_data(as_text=True)
    assert schedule(app, "fa-arsta") == [(24, None, None)] and audit_events(app) == []


def test_only_night_units_get_places(app, admin):
    unit = unit_by_key(app, "crossroads")
    before = fingerprint(app)
    response = post(admin, f"/admin/units/{unit.id}/capacity", {"places": "5"})
    assert response.status_code == 422 and "Bara nattverksamheter" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_an_entry_of_another_unit_is_404(app, admin):
    arsta = unit_by_key(app, "fa-arsta")
    other = unit_by_key(app, LILJEHOLMEN).capacity[0]
    assert admin.get(f"/admin/units/{arsta.id}/capacity/{other.id}").status_code == 404
    before = fingerprint(app)
    assert post(admin, f"/admin/units/{arsta.id}/capacity/{other.id}/remove").status_code == 404
    assert fingerprint(app) == before


# --- deactivating ---------------------------------------------------------------------------------


def test_deactivated_unit_shows_avvecklad_and_keeps_its_history(app, admin, signed_in):
    unit = unit_by_key(app, LILJEHOLMEN)
    response = post(admin, f"/admin/units/{unit.id}/deactivate")
    assert response.status_code == 302
    assert unit_by_key(app, LILJEHOLMEN).active is False
    listing = admin.get("/admin/organisations").get_data(as_text=True)
    assert "Avvecklad" in listing
    unit_page = admin.get(f"/admin/units/{unit.id}").get_data(as_text=True)
    assert "Avvecklad" in unit_page and "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30" in unit_page
    [event] = audit_events(app, "unit.deactivated")
    assert event.details["key"] == LILJEHOLMEN

    # Its blocks in earlier reports stay, readable by everyone, and its writer keeps the membership.
    with app.app_context():
        block_ids = list(db.session.scalars(select(Block.id).where(Block.unit_id == unit.id, Block.report_id == 1)))
        db.session.remove()
    assert block_ids
    writer = signed_in("skribent.stadsmissionen-natt@demo.iop")
    assert "Frälsningsarmén Liljeholmen" in writer.get("/reports/1").get_data(as_text=True)
    assert writer.get(f"/blocks/{block_ids[0]}").status_code == 200

    assert post(admin, f"/admin/units/{unit.id}/reactivate").status_code == 302
    assert unit_by_key(app, LILJEHOLMEN).active is True
    assert audit_events(app)[-1].action == "unit.reactivated"


def test_a_deactivated_unit_gets_no_blocks_in_a_new_report(app, admin):
    from webapp.services import reports

    unit = unit_by_key(app, LILJEHOLMEN)
    post(admin, f"/admin/units/{unit.id}/deactivate")
    with app.app_context():
        previous = db.session.get(Report, 2)
        report = reports.create_report(
            previous.report_template,
            title="Nästa period",
            period_start=date(2023, 11, 1),
            period_end=date(2024, 4, 30),
            deadline=None,
            created_by=None,
            previous_report=previous,
        )
        db.session.flush()
        units = {block.unit.key for block in report.blocks}
        db.session.rollback()
        db.session.remove()
    assert "fa-arsta" in units and LILJEHOLMEN not in units


def test_capacity_schedule_entries_are_kept_when_deactivating(app, admin):
    unit = unit_by_key(app, LILJEHOLMEN)
    post(admin, f"/admin/units/{unit.id}/deactivate")
    with app.app_context():
        assert db.session.scalars(select(UnitCapacity).where(UnitCapacity.unit_id == unit.id)).all()
        db.session.remove()
