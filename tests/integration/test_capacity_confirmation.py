"""Carried-over capacity "att bekräfta": the night unit confirms (or corrects) it on its block page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.integration.helpers import find_block, post
from tests.integration.report_admin_helpers import (
    ADMIN,
    NIGHT_WRITER,
    capacities_of,
    fingerprint,
    newest_report_id,
    roll_over,
    set_capacity,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Block, User
from webapp.services.blocks.statistics import compute_context
from webapp.statistics.capacity import offered_in_range


@pytest.fixture
def rolled_over(app, signed_in) -> int:
    """Report 2 rolled over into 2023-11-01 – 2024-04-30; Stadsmissionen's capacity has dates."""
    set_capacity(app, 2, "stadsmissionen-natt", [[50, "2022-11-01", "2023-02-28"], [60, "2023-03-01", None]])
    response = roll_over(signed_in(ADMIN), 2, date(2023, 11, 1), date(2024, 4, 30), date(2024, 5, 31))
    assert response.status_code == 302
    return newest_report_id(app)


def _entries(*rows) -> dict:
    data = {}
    for index, (places, start, until) in enumerate(rows):
        data.update(
            {
                f"entries-{index}-places": places,
                f"entries-{index}-from_date": start,
                f"entries-{index}-until_date": until,
            }
        )
    return data


def test_the_night_writer_sees_the_carried_capacity_waiting_for_confirmation(app, signed_in, rolled_over):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=rolled_over)
    page = signed_in(NIGHT_WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    panel = page.split('id="capacity"', 1)[1].split("</section>", 1)[0]
    assert "att bekräfta" in panel and "Bekräfta kapacitet" in panel
    assert 'value="50"' in panel and 'value="2023-11-01"' in panel and 'value="2024-02-29"' in panel
    assert 'value="60"' in panel and 'value="2024-03-01"' in panel
    # A reviewer reads it; only the unit (and admins) may confirm it.
    page = signed_in("granskare.stadsmissionen@demo.iop").get(f"/blocks/{block_id}").get_data(as_text=True)
    panel = page.split('id="capacity"', 1)[1].split("</section>", 1)[0]
    assert "att bekräfta" in panel and "Bekräfta kapacitet" not in panel and "29 februari 2024" in panel


def test_no_panel_on_day_units_or_joint_texts(app, signed_in, rolled_over):
    day_block = find_block(app, "dag-besok", "crossroads", report_id=rolled_over)
    page = signed_in(ADMIN).get(f"/blocks/{day_block}").get_data(as_text=True)
    assert 'id="capacity"' not in page
    assert post(signed_in(ADMIN), f"/blocks/{day_block}/capacity", _entries(("5", "", ""))).status_code == 404


def test_confirming_records_who_and_when_and_writes_an_audit_event(app, signed_in, rolled_over):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=rolled_over)
    client = signed_in(NIGHT_WRITER)
    response = post(
        client,
        f"/blocks/{block_id}/capacity",
        _entries(("50", "2023-11-01", "2024-02-29"), ("60", "2024-03-01", ""), ("", "", "")),
    )
    assert response.status_code == 302
    entries, carried, waiting, confirmed_by = capacities_of(app, rolled_over)["stadsmissionen-natt"]
    assert entries == [[50, "2023-11-01", "2024-02-29"], [60, "2024-03-01", None]]
    assert carried and not waiting
    with app.app_context():
        writer = db.session.scalars(select(User).where(User.email == NIGHT_WRITER)).one()
        assert confirmed_by == writer.id
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "capacity.confirmed")).one()
        assert (event.report_id, event.block_id, event.user_id) == (rolled_over, block_id, writer.id)
        assert event.details["corrected"] is False
        db.session.remove()
    page = client.get(f"/blocks/{block_id}").get_data(as_text=True)
    panel = page.split('id="capacity"', 1)[1].split("</section>", 1)[0]
    assert "Kapaciteten är bekräftad." in page and "att bekräfta" not in panel and "Bekräftad" in panel
    # Every other block of the unit shows it confirmed too: it is the unit's, not the block's.
    other = find_block(app, "natt-platser", "stadsmissionen-natt", report_id=rolled_over)
    panel = client.get(f"/blocks/{other}").get_data(as_text=True).split('id="capacity"', 1)[1].split("</section>")[0]
    assert "att bekräfta" not in panel
    # The admin's list no longer counts it.
    assert "2 att bekräfta" in signed_in(ADMIN).get("/admin/reports").get_data(as_text=True)


def test_the_unit_corrects_places_and_dates_when_confirming(app, signed_in, rolled_over):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=rolled_over)
    response = post(
        signed_in(NIGHT_WRITER),
        f"/blocks/{block_id}/capacity",
        _entries(("45", "", "2024-01-31"), ("55", "2024-02-01", "")),
        htmx=True,
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="capacity"') or 'id="capacity"' in fragment[:300]
    assert "Kapaciteten är rättad och bekräftad." in fragment and "att bekräfta" not in fragment
    entries, _, waiting, _ = capacities_of(app, rolled_over)["stadsmissionen-natt"]
    assert entries == [[45, None, "2024-01-31"], [55, "2024-02-01", None]] and not waiting
    with app.app_context():
        block = db.session.get(Block, block_id)
        context = compute_context(block.unit, block.report)  # occupancy tables count from the corrected schedule
        assert offered_in_range(context.capacity, date(2024, 1, 31), date(2024, 2, 1)) == 45 + 55
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "capacity.confirmed")).one()
        assert event.details["corrected"] is True
        assert event.details["previous_entries"] == [[50, "2023-11-01", "2024-02-29"], [60, "2024-03-01", None]]
        db.session.remove()


def test_an_admin_may_confirm_for_the_unit(app, signed_in, rolled_over):
    block_id = find_block(app, "natt-belaggning", "fa-arsta", report_id=rolled_over)
    assert post(signed_in(ADMIN), f"/blocks/{block_id}/capacity", _entries(("24", "", ""))).status_code == 302
    assert capacities_of(app, rolled_over)["fa-arsta"][2] is False


@pytest.mark.parametrize(
    "rows, message",
    [
        ((("femtio", "", ""),), "Ange ett heltal."),
        ((("0", "", ""),), "Antal platser ska vara mellan 1 och 10000."),
        ((("", "2023-11-01", ""),), "Ange antal platser."),
        ((("50", "2024-02-01", "2024-01-01"),), "Slutdatum kan inte ligga före startdatum."),
        ((("50", "2022-11-01", "2023-04-30"),), "Raden ligger utanför rapportperioden"),
        ((("50", "1 november", ""),), "Ange ett datum som ÅÅÅÅ-MM-DD."),
        ((("", "", ""),), "Ange minst en rad med antal platser."),
    ],
)
def test_invalid_corrections_are_refused_inline_with_nothing_saved(app, signed_in, rolled_over, rows, message):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=rolled_over)
    before = fingerprint(app)
    for htmx in (True, False):
        response = post(signed_in(NIGHT_WRITER), f"/blocks/{block_id}/capacity", _entries(*rows), htmx=htmx)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert message in page and "Bekräfta kapacitet" in page, page
    assert fingerprint(app) == before


def test_someone_outside_the_unit_cannot_confirm(app, signed_in, rolled_over):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=rolled_over)
    before = fingerprint(app)
    for email in ("skribent.fa-arsta@demo.iop", "granskare.stadsmissionen@demo.iop", "ordforande@demo.iop"):
        response = post(signed_in(email), f"/blocks/{block_id}/capacity", _entries(("50", "", "")))
        assert response.status_code == 403, email
    anonymous = app.test_client()
    response = anonymous.post(
        f"/blocks/{block_id}/capacity", data={"csrf_token": csrf_token(anonymous, "/login"), **_entries(("50", "", ""))}
    )
    assert response.status_code in (302, 403)
    assert fingerprint(app) == before


def test_a_locked_report_refuses_confirmation(app, signed_in):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    page = signed_in(NIGHT_WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    panel = page.split('id="capacity"', 1)[1].split("</section>", 1)[0]
    assert "Bekräfta kapacitet" not in panel and "50" in panel  # shown, read-only
    before = fingerprint(app)
    for email in (NIGHT_WRITER, ADMIN):
        response = post(signed_in(email), f"/blocks/{block_id}/capacity", _entries(("55", "", "")))
        assert response.status_code == 409
    assert fingerprint(app) == before
