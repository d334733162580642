"""Submitting, reviewing and locking through the endpoints; every refusal changes nothing."""

import pytest
from sqlalchemy import select

from tests.integration.helpers import block_snapshot, block_version, find_block, post
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Report

WRITER = "skribent.crossroads@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
OTHER_REVIEWER = "granskare.convictus@demo.iop"
CHAIR = "ordforande@demo.iop"


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "gem-klagomal", "crossroads")  # an empty draft without tables, open report


def _state(app, block_id):
    with app.app_context():
        return db.session.get(Block, block_id).state


def _transition(client, block_id, action, **extra):
    return post(client, f"/blocks/{block_id}/transition", {"action": action, **extra})


def _submit_from_editor(app, client, block_id, text="Besöken ökade.", **fields):
    data = {"action": "submit", "source": text, "base_version": block_version(app, block_id), **fields}
    return post(client, f"/blocks/{block_id}/transition", data)


def test_the_writer_saves_and_submits_in_one_step(app, signed_in, block_id):
    response = _submit_from_editor(app, signed_in(WRITER), block_id)
    assert response.status_code == 302
    assert _state(app, block_id) == "submitted"
    with app.app_context():
        block = db.session.get(Block, block_id)
        assert block.current_revision.source == "Besöken ökade."
        events = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.block_id == block_id))]
    assert events == ["block.saved", "block.submit"]


def test_an_empty_block_needs_a_reason(app, signed_in, block_id):
    client = signed_in(WRITER)
    before = block_snapshot(app, block_id)
    response = _submit_from_editor(app, client, block_id, text="")
    assert response.status_code == 302
    assert "Bidraget är tomt" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert block_snapshot(app, block_id) == before
    response = _submit_from_editor(app, client, block_id, text="", nothing_to_report="Ingen verksamhet i perioden.")
    assert response.status_code == 302 and _state(app, block_id) == "submitted"


def test_statistics_errors_block_submission_and_nothing_is_submitted(app, signed_in):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    client = signed_in("skribent.stadsmissionen-natt@demo.iop")
    state_before = _state(app, block_id)
    response = _submit_from_editor(app, client, block_id, **{"cell|occupancy|2022-12|women": "tolv"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Statistiken har fel" in page
    assert 'value="tolv"' in page  # what she typed was kept
    assert _state(app, block_id) == state_before


def test_submitted_blocks_are_read_only_until_withdrawn(app, signed_in, block_id):
    client = signed_in(WRITER)
    _submit_from_editor(app, client, block_id)
    response = post(
        client, f"/blocks/{block_id}/save", {"source": "Ändrat", "base_version": block_version(app, block_id)}
    )
    assert response.status_code == 409 and "inskickat" in response.get_data(as_text=True)
    assert 'id="source"' not in client.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert _transition(client, block_id, "withdraw").status_code == 302
    assert _state(app, block_id) == "draft"


def test_reviewer_requests_changes_with_a_reason_then_another_approves(app, signed_in, block_id):
    _submit_from_editor(app, signed_in(WRITER), block_id)
    reviewer = signed_in(REVIEWER)
    page = reviewer.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Godkänn" in page and "Begär ändringar" in page
    assert _transition(reviewer, block_id, "request_changes").status_code == 409  # no reason
    assert _state(app, block_id) == "submitted"
    assert _transition(reviewer, block_id, "request_changes", reason="Lägg till januari.").status_code == 302
    assert _state(app, block_id) == "changes_requested"
    _submit_from_editor(app, signed_in(WRITER), block_id, text="Med januari.")
    assert _transition(signed_in(OTHER_REVIEWER), block_id, "approve").status_code == 302
    assert _state(app, block_id) == "approved"
    with app.app_context():
        reasons = [
            e.reason for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "block.request_changes"))
        ]
    assert reasons == ["Lägg till januari."]


def test_four_eyes_an_editor_of_the_round_cannot_approve(app, signed_in, block_id):
    with app.app_context():
        from webapp.models import User

        chair = db.session.scalars(select(User).where(User.email == CHAIR)).one()
        chair.units.append(db.session.get(Block, block_id).unit)
        db.session.commit()
    chair = signed_in(CHAIR)
    _submit_from_editor(app, chair, block_id, text="Ordföranden skrev själv.")
    response = _transition(chair, block_id, "approve")
    assert response.status_code == 409 and "någon annan måste godkänna" in response.get_data(as_text=True)
    assert _state(app, block_id) == "submitted"


def test_writers_cannot_review_and_reviewers_cannot_submit(app, signed_in, block_id):
    writer = signed_in(WRITER)
    _submit_from_editor(app, writer, block_id)
    before = block_snapshot(app, block_id)
    assert _transition(writer, block_id, "approve").status_code == 403
    assert _transition(signed_in("skribent.eu-center@demo.iop"), block_id, "withdraw").status_code == 403
    assert block_snapshot(app, block_id) == before


def test_unknown_action_is_422(app, signed_in, block_id):
    assert _transition(signed_in(WRITER), block_id, "publish").status_code == 422


def test_reopen_needs_a_reason_and_starts_a_new_round(app, signed_in, block_id):
    _submit_from_editor(app, signed_in(WRITER), block_id)
    reviewer = signed_in(REVIEWER)
    _transition(reviewer, block_id, "approve")
    assert _transition(reviewer, block_id, "reopen").status_code == 409
    assert _transition(reviewer, block_id, "reopen", reason="Fel siffra i januari.").status_code == 302
    assert _state(app, block_id) == "draft"


def test_the_chair_locks_only_when_everything_is_approved_and_unlocks_with_a_reason(app, signed_in):
    chair = signed_in(CHAIR)
    response = post(chair, "/reports/2/transition", {"action": "lock"})
    assert response.status_code == 409 and "inte godkända" in response.get_data(as_text=True)
    assert post(signed_in(REVIEWER), "/reports/1/transition", {"action": "unlock", "reason": "x"}).status_code == 403
    assert post(chair, "/reports/1/transition", {"action": "unlock"}).status_code == 409  # no reason
    assert (
        post(chair, "/reports/1/transition", {"action": "unlock", "reason": "Rättelse i tabell 1.2"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Report, 1).state == "open"
    assert post(chair, "/reports/1/transition", {"action": "lock"}).status_code == 302
    with app.app_context():
        assert db.session.get(Report, 1).state == "locked"


def test_warnings_must_be_justified_before_submitting(app, signed_in):
    import re

    from tests.conftest import csrf_token

    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    client = signed_in("skribent.stadsmissionen-natt@demo.iop")
    months = ("2022-11", "2022-12", "2023-01", "2023-02", "2023-03", "2023-04")
    cells = {f"cell|occupancy|{m}|{col}": value for m in months for col, value in (("women", "150"), ("men", "900"))}
    cells["cell|occupancy|2022-12|men"] = "90"  # a steep fall: a warning against last period or a gap
    base = {"source": "Beläggning.", "base_version": block_version(app, block_id), **cells}
    page = client.post(
        f"/blocks/{block_id}/tables", data={**base, "csrf_token": csrf_token(client)}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    names = re.findall(r'name="(justify\|occupancy\|[^"]+)"', page)
    if names:  # warnings exist: submitting without justifications is refused
        response = post(client, f"/blocks/{block_id}/transition", {"action": "submit", **base})
        assert response.status_code == 302 and _state(app, block_id) != "submitted"
        base["base_version"] = block_version(app, block_id)
    justified = {**base, **{name: "Kontrollerat, stämmer." for name in names}}
    response = post(client, f"/blocks/{block_id}/transition", {"action": "submit", **justified})
    assert response.status_code == 302, response.get_data(as_text=True)[-400:]
    assert _state(app, block_id) == "submitted"


def test_the_overview_offers_the_chair_the_report_actions_the_rules_allow(signed_in):
    chair = signed_in(CHAIR)
    locked = chair.get("/reports/1").get_data(as_text=True)
    assert "Lås upp rapporten" in locked and "Lås rapporten</button>" not in locked
    open_report = chair.get("/reports/2").get_data(as_text=True)
    assert "Lås rapporten" not in open_report  # not every block is approved
    assert "Lås upp rapporten" not in signed_in(REVIEWER).get("/reports/1").get_data(as_text=True)


def test_the_review_queue_lists_submitted_blocks_oldest_first_for_reviewers_only(app, signed_in, block_id):
    _submit_from_editor(app, signed_in(WRITER), block_id)
    reviewer = signed_in(REVIEWER)
    page = reviewer.get("/review").get_data(as_text=True)
    assert "Att granska" in page and "Inkomna klagomål" in page
    with app.app_context():
        submitted = db.session.scalars(
            select(Block).where(Block.report_id == 2, Block.state == "submitted").order_by(Block.updated_at)
        ).all()
        first, last = submitted[0].section.title, submitted[-1].section.title
    queue = page.split('id="queue-rows">', 1)[1]
    assert queue.index(first) <= queue.index(last)
    assert queue.count('href="/blocks/') == len(submitted)
    with app.app_context():
        unit_id = db.session.get(Block, block_id).unit_id
    filtered = reviewer.get(f"/review?unit={unit_id}").get_data(as_text=True).split('id="queue-rows">', 1)[1]
    assert filtered.count('href="/blocks/') == 1
    assert signed_in(WRITER).get("/review").status_code == 403
    assert 'href="/review"' not in signed_in(WRITER).get("/").get_data(as_text=True)


def test_the_activity_log_tells_who_did_what_and_why(app, signed_in, block_id):
    _submit_from_editor(app, signed_in(WRITER), block_id)
    _transition(signed_in(REVIEWER), block_id, "request_changes", reason="Saknar siffror för mars.")
    page = signed_in(WRITER).get("/reports/2/activity").get_data(as_text=True)
    assert "begärde ändringar i" in page and "Saknar siffror för mars." in page
    assert "skickade in" in page and "Anna Lindqvist" in page
    only = signed_in(WRITER).get("/reports/2/activity?action=block.submit").get_data(as_text=True)
    assert "begärde ändringar i" not in only.split("<ol", 1)[1]
    block_page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Saknar siffror för mars." in block_page


def test_the_writers_are_notified_of_decisions_but_not_the_reviewer(app, signed_in, block_id):
    from webapp.models import Notification, User

    _submit_from_editor(app, signed_in(WRITER), block_id)
    _transition(signed_in(REVIEWER), block_id, "request_changes", reason="Lägg till mars.")
    with app.app_context():
        rows = db.session.scalars(select(Notification)).all()
        recipients = {db.session.get(User, n.user_id).email for n in rows}
        assert recipients == {WRITER}
        assert "begärde ändringar" in rows[0].message and "Lägg till mars." in rows[0].message


def test_every_audited_action_reads_as_words_in_the_activity_log():
    import re
    from pathlib import Path

    from webapp.labels import ACTION_LABELS
    from webapp.services.review import BLOCK_TRANSITIONS, REPORT_TRANSITIONS

    services = Path(__file__).resolve().parents[2] / "webapp" / "services"
    literal = set()
    for path in services.glob("*.py"):
        text = path.read_text()
        literal |= set(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"', text))
        # Actions chosen in a variable first (e.g. admin services' `action = "user.x" if … else …`).
        literal |= set(re.findall(r'"((?:template|organisation|unit|user)\.[a-z_]+)"', text))
    recorded = (
        literal
        | {"block.saved", "block.restored"}
        | {f"block.{a.value}" for a in BLOCK_TRANSITIONS}
        | {f"report.{a.value}" for a in REPORT_TRANSITIONS}
    )
    assert recorded <= set(ACTION_LABELS), recorded - set(ACTION_LABELS)
