"""Every mutating route × who × report state: each refusal answers its own status and changes nothing.

The status says why the request is refused:

- 302 to the sign-in page: nobody is signed in (asked before anything else, so an anonymous
  request learns nothing about the block);
- 403: not this person's to do (another unit's block, a reviewer's step, the chair's lock);
- 404: no such block, revision or report;
- 409: this person's to do, but not in this state (a locked report refuses everyone, before
  asking who they are; a draft has nothing for a reviewer to decide; a locked report cannot be
  locked again).

Report 1 of the demo is locked, report 2 open, and in report 2 the crossroads block is a draft.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import AuditEvent, Block, BlockDraft, Comment, Notification, Report, Revision

UNIT = "crossroads"
SECTION = "dag-besok"
LOCKED_REPORT, OPEN_REPORT = 1, 2
MISSING = 999_999

ANONYMOUS = None
OWN_WRITER = "skribent.crossroads@demo.iop"
OTHER_WRITER = "skribent.eu-center@demo.iop"
REVIEWER = "granskare.convictus@demo.iop"
CHAIR = "ordforande@demo.iop"  # the chair is a reviewer too
ADMIN = "admin@demo.iop"


def _counts(app) -> tuple:
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Revision, BlockDraft, AuditEvent, Comment, Notification)
        )
        states = tuple(db.session.execute(select(Block.id, Block.state, Block.version).order_by(Block.id)).all())
        reports = tuple(db.session.execute(select(Report.id, Report.state).order_by(Report.id)).all())
        db.session.remove()
    return counts, states, reports


def _routes(block_id: int, version: int, report_id: int) -> dict[str, tuple[str, dict]]:
    """Route name → (URL, form): every unsafe endpoint of a block, and locking its report."""
    cell = f"cell|visits|{'2022-12' if report_id == OPEN_REPORT else '2021-12'}|women"
    return {
        "save": (f"/blocks/{block_id}/save", {"source": "Intrång", "base_version": version}),
        "autosave": (f"/blocks/{block_id}/autosave", {"source": "Intrång", "base_version": version}),
        "tables": (f"/blocks/{block_id}/tables", {"source": "", "base_version": version, cell: "5"}),
        "preview": (f"/blocks/{block_id}/preview", {"source": "x"}),
        "restore": (f"/blocks/{block_id}/revisions/1/restore", {"base_version": version}),
        "submit": (
            f"/blocks/{block_id}/transition",
            {"action": "submit", "source": "Intrång", "base_version": version},
        ),
        "withdraw": (f"/blocks/{block_id}/transition", {"action": "withdraw"}),
        "approve": (f"/blocks/{block_id}/transition", {"action": "approve"}),
        "request_changes": (f"/blocks/{block_id}/transition", {"action": "request_changes", "reason": "x"}),
        "reopen": (f"/blocks/{block_id}/transition", {"action": "reopen", "reason": "x"}),
        "lock": (f"/reports/{report_id}/transition", {"action": "lock"}),
    }


ROUTES = tuple(_routes(0, 0, 0))
EDITING = ("save", "autosave", "tables", "preview", "restore")  # the writers' work on the content
WRITER_STEPS = ("submit", "withdraw")
REVIEW_STEPS = ("approve", "request_changes", "reopen")
BLOCK_ROUTES = EDITING + WRITER_STEPS + REVIEW_STEPS

# The locked report: every block route is 409 for everyone signed in (the lock is asked first);
# locking is the chair's (403 for the others), and the chair is told it is locked already (409).
_LOCKED_FOR_ALL_BUT_THE_CHAIR = {**dict.fromkeys(BLOCK_ROUTES, 409), "lock": 403}

# (who, report) → route → the one status that route must answer.
EXPECTED: dict[tuple[str | None, int], dict[str, int]] = {
    (ANONYMOUS, LOCKED_REPORT): dict.fromkeys(ROUTES, 302),  # to /login
    (ANONYMOUS, OPEN_REPORT): dict.fromkeys(ROUTES, 302),
    (OTHER_WRITER, LOCKED_REPORT): _LOCKED_FOR_ALL_BUT_THE_CHAIR,
    (REVIEWER, LOCKED_REPORT): _LOCKED_FOR_ALL_BUT_THE_CHAIR,
    (OWN_WRITER, LOCKED_REPORT): _LOCKED_FOR_ALL_BUT_THE_CHAIR,
    (ADMIN, LOCKED_REPORT): _LOCKED_FOR_ALL_BUT_THE_CHAIR,  # admins step in for writers, never for the chair
    (CHAIR, LOCKED_REPORT): dict.fromkeys(ROUTES, 409),
    # Another unit's writer: not their block, not a reviewer, not the chair.
    (OTHER_WRITER, OPEN_REPORT): dict.fromkeys(ROUTES, 403),
    # A reviewer on a draft: editing and the writer's steps are not theirs; the review steps
    # are, but a draft has been neither submitted nor approved.
    (REVIEWER, OPEN_REPORT): {
        **dict.fromkeys(EDITING + WRITER_STEPS, 403),
        **dict.fromkeys(REVIEW_STEPS, 409),
        "lock": 403,
    },
}


def _post_each(client, token: str, routes: dict[str, tuple[str, dict]], **kwargs) -> dict:
    """Route name → the response to posting its form."""
    return {
        name: client.post(url, data={**data, "csrf_token": token}, **kwargs) for name, (url, data) in routes.items()
    }


def _answers(client, token: str, routes: dict[str, tuple[str, dict]], **kwargs) -> dict[str, int]:
    return {name: response.status_code for name, response in _post_each(client, token, routes, **kwargs).items()}


@pytest.mark.parametrize(("email", "report_id"), list(EXPECTED))
def test_each_refusal_answers_its_status_and_changes_nothing(app, client, signed_in, email, report_id):
    block_id = find_block(app, SECTION, UNIT, report_id=report_id)
    with app.app_context():
        block = db.session.get(Block, block_id)
        version, state = block.version, block.state
    if report_id == OPEN_REPORT:
        assert state == "draft"  # the table's 409s for a reviewer rest on it
    user = client if email is ANONYMOUS else signed_in(email)
    token = csrf_token(user, "/login" if email is ANONYMOUS else "/")
    routes = _routes(block_id, version, report_id)
    before = _counts(app)
    responses = _post_each(user, token, routes)
    assert {name: response.status_code for name, response in responses.items()} == EXPECTED[email, report_id]
    if email is ANONYMOUS:
        for name, response in responses.items():
            assert response.headers["Location"].startswith("/login?next="), name
    assert _counts(app) == before


def test_the_locked_report_refuses_comments_presence_and_imports_with_409(app, signed_in):
    block_id = find_block(app, SECTION, UNIT, report_id=LOCKED_REPORT)
    with app.app_context():
        version = db.session.get(Block, block_id).version
    writer = signed_in(OWN_WRITER)
    before = _counts(app)
    routes = {
        "comment": (f"/blocks/{block_id}/comments", {"body": "En kommentar"}),
        "presence": (f"/blocks/{block_id}/presence", {}),
        "import_preview": (f"/blocks/{block_id}/tables/visits/import/preview", {"import-visits-text": "Nov\t1\t2"}),
        "import_apply": (
            f"/blocks/{block_id}/tables/visits/import/apply",
            {"import-visits-text": "Nov\t1\t2", "base_version": version},
        ),
    }
    answers = _answers(writer, csrf_token(writer), routes, headers={"HX-Request": "true"})
    assert answers == dict.fromkeys(routes, 409)
    assert _counts(app) == before


def test_a_missing_block_revision_or_report_is_404(app, signed_in):
    """Asked for by someone who could act on it if it existed: the block's own writer."""
    block_id = find_block(app, SECTION, UNIT, report_id=OPEN_REPORT)
    with app.app_context():
        version = db.session.get(Block, block_id).version
        foreign_revision = db.session.scalar(select(Revision.id).where(Revision.block_id != block_id).limit(1))
    writer = signed_in(OWN_WRITER)
    token = csrf_token(writer)
    before = _counts(app)
    assert _answers(writer, token, _routes(MISSING, version, MISSING)) == dict.fromkeys(ROUTES, 404)
    # Another block's revision is no revision of this block.
    restore = {
        name: (f"/blocks/{block_id}/revisions/{revision}/restore", {"base_version": version})
        for name, revision in (("another block's", foreign_revision), ("missing", MISSING))
    }
    assert _answers(writer, token, restore) == dict.fromkeys(restore, 404)
    assert _counts(app) == before
