"""Admin: every administration action shows in the administration's activity log."""

from __future__ import annotations

from tests.integration.account_helpers import ADMIN
from tests.integration.helpers import post


def test_creating_an_organisation_reads_as_words_in_the_admin_log(app, demo, signed_in):
    admin = signed_in(ADMIN)
    assert post(admin, "/admin/organisations", {"name": "Hjälpande händer"}).status_code in (302, 303)
    page = admin.get("/admin/activity").get_data(as_text=True)
    assert "skapade organisationen" in page
    assert "Hjälpande händer" in page


def test_the_log_narrows_to_one_area_and_ignores_unknown_areas(app, demo, signed_in):
    admin = signed_in(ADMIN)
    post(admin, "/admin/organisations", {"name": "Hjälpande händer"})
    admin.get("/admin/")  # shows (and so clears) the "created" message
    assert "Hjälpande händer" not in admin.get("/admin/activity?area=user").get_data(as_text=True)
    assert "Hjälpande händer" in admin.get("/admin/activity?area=organisation").get_data(as_text=True)
    assert "Hjälpande händer" in admin.get("/admin/activity?area=nonsense").get_data(as_text=True)


def test_block_and_report_events_stay_out_of_the_admin_log(app, demo, signed_in):
    page = signed_in(ADMIN).get("/admin/activity").get_data(as_text=True)
    assert "skapade rapporten" not in page and "sparade" not in page


def test_the_admin_log_is_for_admins_only(app, demo, signed_in):
    for email in ("ordforande@demo.iop", "skribent.crossroads@demo.iop"):
        assert signed_in(email).get("/admin/activity").status_code == 403
