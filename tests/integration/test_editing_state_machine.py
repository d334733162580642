"""The editing workflow as a state machine: random sessions of real requests, checked after every step.

Hypothesis drives the Flask test client the way browsers do. Two writers of Crossroads (the
demo's, with two tabs of one session, and a second writer made here), a reviewer and the chair
work on Crossroads' nationalities block in the open 2022–23 report: its text and its free-row
table. They open it, type and autosave, edit grid cells (new rows, emptied rows, justifications),
import pasted cells, save, restore old versions, submit, withdraw, review, comment, lock and
unlock. Every request carries what the previous response left on that tab's page (base version,
the rows it shows), never what the test knows from elsewhere.

A small model of the block runs beside the app: its revisions, its state, each writer's draft
and how many committed changes (saves, restores, transitions) the block has had. After every step
the database must match the model, and every response must be one the model allows:

- no 5xx, ever;
- a post from a tab conflicts (409, her text and the saved one shown) exactly when the block had
  a committed change since that tab's page got its base version; otherwise it goes through, or is
  refused with the reason (locked, submitted, approved);
- every acknowledged save ("Sparat som version N", "Sparat automatiskt som version N") is exactly
  one new revision, numbered N; an unchanged save ("Inga ändringar …") none;
- a reload shows the writer the latest content the server acknowledged from her: her draft if
  she has one that differs from the block, else the block. Her tabs share one draft, so "latest"
  is her last acknowledged autosave, grid edit or import from any tab, until a save of hers (or
  the block's content becoming the same) retires it. A refused post is not acknowledged: what it
  carried lives on only in that tab. The conflict notice shows exactly when her draft began from
  an older version than the block's;
- every page carries the block's current version exactly when no change committed since it was
  drawn (an editor re-rendered after a save or autosave is never stale);
- while the report is locked nothing changes;
- the workflow buttons on every page drawn (block page, report page, the editor's submit panel)
  are the transitions services/review.py's table allows that person in that state.

Rules of the app modelled as they are: a state change (submit, withdraw, review) moves the
block's version like a save (SQLAlchemy's version counter), so a page drawn before it conflicts
on its next post although nobody saved; after a conflict, her next save from that page is meant
and goes through.

Profiles: ``ci`` (the default, fixed) and ``fuzz`` (``HYPOTHESIS_PROFILE=fuzz``, ``make fuzz``:
many more and longer sessions, random each run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, update

from tests.conftest import DEMO_PASSWORD, sign_in
from tests.database import Rows, copy_rows, empty_all_tables, restore_rows
from tests.integration.helpers import OPEN_REPORT_ID, find_block
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Block,
    BlockDraft,
    BlockState,
    Comment,
    Report,
    ReportState,
    Revision,
    Role,
    Unit,
    User,
)
from webapp.services import accounts, reports
from webapp.services import blocks as block_service
from webapp.services.blocks import statistics
from webapp.services.review import BLOCK_TRANSITIONS, REPORT_TRANSITIONS, Action, ReportAction, Who
from webapp.statistics.cells import TableData, ValueType

# Every step is a real request (10–50 ms) and examples reset the database: the deadline and the
# "too slow" check do not fit; the ci profile is fixed (derandomized, no example database) so CI
# runs the same sessions every time. ci: 40 sessions of up to 25 steps, about 40 s on SQLite.
# (40 x 40 cost half as much again and, in the sessions this seed draws, exercised fewer
# acknowledged saves, conflicts and grid edits; `make fuzz` runs the long sessions.)
_SLOW_BY_NATURE = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    "print_blob": True,
}
settings.register_profile(
    "editing-ci", max_examples=40, stateful_step_count=25, derandomize=True, database=None, **_SLOW_BY_NATURE
)
settings.register_profile("editing-fuzz", max_examples=500, stateful_step_count=80, **_SLOW_BY_NATURE)
PROFILE = settings.get_profile(f"editing-{os.environ.get('HYPOTHESIS_PROFILE', 'ci')}")

ANNA, BO, REVIEWER, CHAIR = "anna", "bo", "reviewer", "chair"
EMAILS = {
    ANNA: "skribent.crossroads@demo.iop",
    BO: "skribent2.crossroads@demo.iop",  # made in the world fixture: the demo has one writer per unit
    REVIEWER: "granskare.fralsningsarmen@demo.iop",
    CHAIR: "ordforande@demo.iop",  # reviewer and chair
}
WRITERS, REVIEWERS = (ANNA, BO), (REVIEWER, CHAIR)
TABLE = "nationalities"
COLUMNS = ("country", "count")  # what the writers type; the share column and the figures stay empty
NEW_ROW = statistics.NEW_ROW_KEY
HX = {"HX-Request": "true"}

SENTENCES = (
    "Besöken ökade under vintern.",
    "Fler kvinnor kom till frukosten.",
    "Rumänien & Polen dominerar.",
    "<em>Viktigt</em>: 5 < 7.",
    "Vi öppnade en ny rådgivning.",
)
COUNTRIES = ("Rumänien", "Polen", "Bulgarien", "Ungern")
TYPED_COUNTRIES = (*COUNTRIES, "Atlantis")  # a country the list lacks: kept, marked as an error
IMPORTABLE_COUNTS = ("120", "45", "7", "1 200", "uppgift saknas")
COUNTS = (*IMPORTABLE_COUNTS, "tolv", "-5", "2,5")  # the grid keeps what it cannot use, marked as an error


# --- The world: the demo, a second Crossroads writer, every other block approved -----------------


@dataclass(frozen=True)
class World:
    rows: Rows
    block_id: int


@pytest.fixture(scope="module")
def world(app: Flask, demo_snapshot) -> World:
    """Set up once; each example of the machine starts from these rows.

    Every other block of the report is approved, so that locking waits only for the block the
    sessions work on.
    """
    with app.app_context():
        empty_all_tables()
        restore_rows(demo_snapshot.rows)
        crossroads = db.session.scalars(select(Unit).where(Unit.key == "crossroads")).one()
        accounts.create_user(EMAILS[BO], "Bo Berg", DEMO_PASSWORD, roles=[Role.WRITER], units=[crossroads])
        db.session.commit()
    block_id = find_block(app, "dag-nationaliteter", "crossroads")
    with app.app_context():
        db.session.execute(
            update(Block)
            .where(Block.report_id == OPEN_REPORT_ID, Block.id != block_id)
            .values(state=BlockState.APPROVED)
        )
        db.session.commit()
        rows = copy_rows()
        empty_all_tables()
    return World(rows, block_id)


# --- What a browser takes from a response --------------------------------------------------------


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Page(HTMLParser):
    """The fields, buttons and texts of a page or fragment, as a browser would hold them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.inputs: list[dict[str, str]] = []
        self.textareas: dict[str, str] = {}
        self.block_actions: list[str] = []  # the hidden action of each transition form (#workflow)
        self.report_actions: list[str] = []
        self.submit_button = False  # "Spara och skicka in för granskning" in the editor
        self.conflict_text: str | None = None
        self._form_class = ""
        self._capture: tuple[str, str] | None = None  # ("textarea", id) or ("conflict", "")
        self._captured: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "form":
            self._form_class = attributes.get("class", "")
        elif tag == "input":
            self.inputs.append(attributes)
            if attributes.get("name") == "action":
                if self._form_class == "transition":
                    self.block_actions.append(attributes["value"])
                elif self._form_class == "report-transition":
                    self.report_actions.append(attributes["value"])
        elif tag == "button" and attributes.get("formaction", "").endswith("/transition"):
            self.submit_button = True
        elif tag == "textarea":
            self._capture, self._captured = ("textarea", attributes.get("id", "")), []
        elif tag == "pre" and "conflict-text" in attributes.get("class", ""):
            self._capture, self._captured = ("conflict", ""), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form_class = ""
        elif self._capture and tag in ("textarea", "pre"):
            kind, name = self._capture
            text = _normalise("".join(self._captured))
            if kind == "textarea":
                # A browser drops one newline right after <textarea>.
                self.textareas[name] = text[1:] if text.startswith("\n") else text
            else:
                self.conflict_text = text
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._captured.append(data)

    def value(self, name: str) -> str | None:
        return next((i.get("value", "") for i in self.inputs if i.get("name") == name), None)

    def grid_fields(self) -> dict[str, tuple[str, str]]:
        """Every grid input (cells, figures, justifications): name -> (element id, value), page order."""
        return {
            i["name"]: (i.get("id", ""), i.get("value", ""))
            for i in self.inputs
            if i.get("name", "").partition("|")[0] in ("cell", "figure", "justify")
        }

    @property
    def has_editor(self) -> bool:
        return "block-form" in self.ids

    @property
    def asks_nothing_to_report(self) -> bool:
        return "nothing_to_report" in self.ids

    @property
    def submit_blocked(self) -> bool:
        return "submit-blocked" in self.ids


# --- The model -------------------------------------------------------------------------------------

Rows_ = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Content:
    """A block's content as the editor shows it: text, free rows (key, country, count), justifications."""

    source: str = ""
    rows: Rows_ = ()
    justifications: tuple[tuple[str, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.source.strip() and not self.rows and not self.justifications


def _next_free_row(keys) -> str:
    number = len(keys) + 1
    while f"r{number}" in keys:
        number += 1
    return f"r{number}"


def posted_content(base: Content, source: str, fields: dict[str, str]) -> Content:
    """What the app should make of a posted editor: the rule of statistics.apply_table_fields.

    Only posted cells change; "_new" becomes the next free row once it has a value; a row the
    page shows but the base lacks comes back; a row whose cells are all empty disappears, and
    the justifications of its warnings with it.
    """
    rows = {key: [country, count] for key, country, count in base.rows}
    justifications = dict(base.justifications)
    new_key = None
    for name, raw in fields.items():
        kind, _table, rest = name.split("|", 2)
        value = raw.strip()
        if kind == "justify":
            if value:
                justifications[rest] = value[:2000]
            else:
                justifications.pop(rest, None)
            continue
        row, _, column = rest.partition("|")
        if kind != "cell" or column not in COLUMNS:
            continue
        if row == NEW_ROW:
            if not value:
                continue
            new_key = new_key or _next_free_row(rows)
            row = new_key
        rows.setdefault(row, ["", ""])[COLUMNS.index(column)] = _shown_value(column, value)
    kept = {key: cells for key, cells in rows.items() if any(cells)}
    # A row that goes takes its warnings' justifications (code:row:column) along.
    justifications = {i: text for i, text in justifications.items() if i.split(":")[1] not in rows.keys() - kept}
    return Content(
        _normalise(source), tuple((k, c, n) for k, (c, n) in kept.items()), tuple(sorted(justifications.items()))
    )


def _shown_value(column: str, typed: str) -> str:
    """What the grid shows for a typed value: counts without their thousands space."""
    grouped = typed.replace(" ", "")
    return grouped if column == "count" and grouped.isdigit() else typed


def imported_content(base: Content, pasted: list[tuple[str, str]]) -> Content:
    """An import replaces the free rows: the base's row keys first, then new ones, in order."""
    keys = [key for key, _c, _n in base.rows][: len(pasted)]
    taken = {key for key, _c, _n in base.rows}
    number = 1
    while len(keys) < len(pasted):
        while f"r{number}" in taken:
            number += 1
        keys.append(f"r{number}")
        taken.add(keys[-1])
    rows = tuple((key, country, _shown_value("count", count)) for key, (country, count) in zip(keys, pasted))
    return replace(base, rows=rows)


@dataclass
class Draft:
    content: Content
    seen: int  # the block's change count when the draft was written (its base version)
    window_closed: bool = False  # the coalescing window has passed: the next autosave makes a revision


@dataclass
class Tab:
    """One browser tab on the block: what its page holds."""

    name: str
    author: str
    has_editor: bool = False
    text: str = ""
    base_version: int = 0
    seen: int = -1  # the model's change count when this page got its base version
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # grid inputs: name -> (id, value)
    asks_nothing_to_report: bool = False
    offers_submit: bool = False
    actions: tuple[str, ...] = ()  # the review workflow's buttons on the page (withdraw)

    def shown_rows(self) -> list[str]:
        keys = []
        for name in self.fields:
            kind, _table, rest = name.split("|", 2)
            row = rest.partition("|")[0]
            if kind == "cell" and row != NEW_ROW and row not in keys:
                keys.append(row)
        return keys

    def shown_content(self) -> Rows_:
        rows = {key: ["", ""] for key in self.shown_rows()}
        for name, (_id, value) in self.fields.items():
            kind, _table, rest = name.split("|", 2)
            row, _, column = rest.partition("|")
            if kind == "cell" and row in rows and column in COLUMNS:
                rows[row][COLUMNS.index(column)] = value
        return tuple((k, c, n) for k, (c, n) in rows.items())

    def take(self, page: Page, seen: int | None) -> None:
        """Swap in what the response put on the page: base version, grid (whole or in part)."""
        if page.value("base_version") is not None:
            self.base_version, self.seen = int(page.value("base_version")), seen
        posted = page.grid_fields()
        if page.ids & {"block-editor", "stat-tables", f"table-{TABLE}"}:
            self.fields = posted
        else:
            if f"issues-{TABLE}" in page.ids:  # the warnings were redrawn: their fields with them
                self.fields = {n: v for n, v in self.fields.items() if not n.startswith("justify|")}
            self.fields.update(posted)
        if "submit-panel" in page.ids:
            self.asks_nothing_to_report, self.offers_submit = page.asks_nothing_to_report, page.submit_button

    def form(self, token: str) -> dict[str, str]:
        """What the browser posts from the editor form (textarea lines end in CRLF)."""
        return {
            "csrf_token": token,
            "source": self.text.replace("\n", "\r\n"),
            "base_version": str(self.base_version),
            "note": "",
            **{name: value for name, (_id, value) in self.fields.items()},
        }


# --- The machine -----------------------------------------------------------------------------------

text_edits = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(SENTENCES)),
    st.tuples(st.just("paragraph"), st.sampled_from(SENTENCES)),
    st.tuples(st.just("replace"), st.sampled_from(SENTENCES)),
    st.tuples(st.just("clear"), st.just("")),
)


def edited(text: str, edit: tuple[str, str]) -> str:
    kind, sentence = edit
    if kind == "append":
        return f"{text} {sentence}" if text else sentence
    if kind == "paragraph":
        return f"{text}\n\n{sentence}" if text else sentence
    return sentence


class EditingSession(RuleBasedStateMachine):
    def __init__(self, app: Flask, world: World):
        super().__init__()
        self.app, self.block_id = app, world.block_id
        with app.app_context():
            empty_all_tables()
            restore_rows(world.rows)
            db.session.remove()
        self.clients, self.tokens = {}, {}
        for actor, email in EMAILS.items():
            client = app.test_client()
            assert sign_in(client, email).status_code == 302
            self.clients[actor] = client
        self.tabs = {name: Tab(name, author) for name, author in (("anna-1", ANNA), ("anna-2", ANNA), ("bo", BO))}
        # The model.
        self.revisions: list[Content] = []
        self.state = BlockState.DRAFT
        self.locked = False
        # Committed changes to the block: saves, restores and transitions. Each moves the block's
        # version (SQLAlchemy's counter), so a page drawn before it is stale.
        self.changes = 0
        self.drafts: dict[str, Draft] = {}
        self.nothing_to_report: str | None = None
        self.comments = 0
        self.revision_pages: dict[str, tuple[int, int | None, int]] = {}  # writer -> (number, base, seen)
        self.review_pages: dict[str, tuple[str, ...]] = {}  # reviewer -> the review buttons her page shows
        self.overview_actions: tuple[str, ...] | None = None  # the lock / unlock button on the chair's report page
        self.locked_fingerprint: tuple | None = None
        for actor in self.clients:
            self.tokens[actor] = Page(self.clients[actor].get(self._url()).get_data(as_text=True)).value("csrf_token")

    @initialize(start=st.sampled_from(["a new block", "submitted", "approved"]))
    def start_from(self, start):
        """Sessions start from each state a writer finds the block in: Bo has written and submitted
        it, a reviewer has approved it; every tab is opened afterwards."""
        if start != "a new block":
            bo = self.tabs["bo"]
            self._open(bo)
            bo.text = SENTENCES[0]
            self._save(bo)
            self._submit(bo, give_reason=False)
            assert self.state == BlockState.SUBMITTED
        if start == "approved":
            self._transition(REVIEWER, Action.APPROVE)
        for tab in self.tabs.values():
            self._open(tab)

    # --- requests ---

    def _url(self, rest: str = "") -> str:
        return f"/blocks/{self.block_id}{rest}"

    def _request(self, actor: str, method: str, url: str, **kwargs):
        response = self.clients[actor].open(url, method=method, **kwargs)
        assert response.status_code < 500, (
            f"{method} {url}: {response.status_code}\n{response.get_data(as_text=True)[:3000]}"
        )
        return response

    @property
    def current(self) -> Content:
        return self.revisions[-1] if self.revisions else Content()

    def _editor_base(self, author: str) -> Content:
        """What posted editor fields apply to: her draft, else the block (blocks.editor_content)."""
        draft = self.drafts.get(author)
        return draft.content if draft else self.current

    def _refusal(self) -> str | None:
        """Why no writer may change the block now (permissions.require_edit_block), if she may not."""
        if self.locked:
            return "Rapporten är låst"
        if self.state == BlockState.SUBMITTED:
            return "inskickat för granskning"
        if self.state == BlockState.APPROVED:
            return "godkänt"
        return None

    def _commit(self, author: str, content: Content) -> str:
        """A save's commit: a new revision unless nothing changed; her draft has served its purpose."""
        self.drafts.pop(author, None)
        if content == self.current:
            return "unchanged"
        self.revisions.append(content)
        self.changes += 1
        return "saved"

    def _keep_as_draft(self, author: str, content: Content) -> str:
        """An autosave (also a grid edit, an import): her draft, or a revision once the window closed."""
        draft = self.drafts.get(author)
        if draft is not None and draft.window_closed:
            return self._commit(author, content)
        self.drafts[author] = Draft(content, self.changes)
        return "drafted"

    def _open(self, tab: Tab) -> Page:
        """Load (or reload) the block page in a tab and check what it shows."""
        page = Page(self._request(tab.author, "GET", self._url()).get_data(as_text=True))
        tab.has_editor = page.has_editor
        assert tab.has_editor == (self._refusal() is None), "the editor is shown exactly when she may edit"
        tab.fields, tab.seen, tab.actions, tab.offers_submit = {}, -1, tuple(page.block_actions), False
        if tab.has_editor:
            tab.text = page.textareas["source"]
            tab.take(page, self.changes)
            self._check_reload(tab, page)
        self._check_buttons(tab.author, page)
        return page

    def _check_reload(self, tab: Tab, page: Page) -> None:
        """A reload shows the last thing the server acknowledged from her (her draft), else the block."""
        draft = self.drafts.get(tab.author)
        shown_draft = draft if draft is not None and draft.content != self.current else None
        expected = shown_draft.content if shown_draft else self.current
        assert (tab.text, tab.shown_content()) == (expected.source, expected.rows), (
            f"{tab.name} reloaded: expected {expected}, the page shows {tab.text!r} {tab.shown_content()}"
        )
        stale = shown_draft is not None and shown_draft.seen != self.changes
        assert page.conflict_text == (self.current.source if stale else None), (
            "the conflict notice shows the saved text exactly when her draft began from an older version"
        )

    def _check_buttons(self, actor: str, page: Page) -> None:
        """The workflow buttons drawn are the ones the transition table allows this person now."""
        is_writer, is_reviewer = actor in WRITERS, actor in REVIEWERS
        expected = set()
        if not self.locked:
            for action, transition in BLOCK_TRANSITIONS.items():
                who = is_writer if transition.who is Who.WRITER else is_reviewer
                if action is not Action.SUBMIT and who and self.state in transition.sources:
                    expected.add(action.value)
        assert set(page.block_actions) == expected, f"{actor} sees {page.block_actions}, expected {expected}"
        self._check_submit_panel(actor, page)

    def _check_submit_panel(self, actor: str, page: Page) -> None:
        """Submitting is offered when the table allows it for what her editor holds; when only the
        statistics stand in the way, the page says so; an empty editor asks why."""
        writers_turn = actor in WRITERS and not self.locked and self.state in BLOCK_TRANSITIONS[Action.SUBMIT].sources
        if not writers_turn:
            assert not page.submit_button and not page.submit_blocked
            return
        content, problems = self._editor_problems(actor)
        assert page.submit_button == (problems == 0) and page.submit_blocked == (problems > 0), (
            f"{actor}: submit offered {page.submit_button}, blocked {page.submit_blocked}, {problems} problems"
        )
        assert page.asks_nothing_to_report == (content.is_empty and not self.nothing_to_report)

    def _editor_problems(self, author: str) -> tuple[Content, int]:
        """What her editor shows, and the statistics engine's errors and unjustified warnings in it."""
        draft = self.drafts.get(author)
        content = draft.content if draft is not None and draft.content != self.current else self.current
        return content, self._problems(author)

    def _problems(self, author: str | None = None) -> int:
        """Errors plus unjustified warnings in her editor's tables (``author`` None: the block's)."""
        with self.app.app_context():
            block = db.session.get(Block, self.block_id)
            if author is None:
                tables = block_service.current_content(block).tables
            else:
                user = db.session.scalars(select(User).where(User.email == EMAILS[author])).one()
                tables = block_service.editor_state(block, user).tables
            problems = statistics.unresolved_problems(block, tables, reports.previous_period_block(block))
            db.session.remove()
        return problems

    def _post_editor(
        self, tab: Tab, endpoint: str, content: Content, *, trigger: str = "", extra=None, htmx: bool = True
    ):
        """Post the tab's editor as the browser does. Returns the response and whether it went
        through; a refusal or a conflict is checked here."""
        headers = {**HX, "HX-Trigger": trigger} if trigger else (HX if htmx else {})
        response = self._request(
            tab.author,
            "POST",
            self._url(f"/{endpoint}"),
            data={**tab.form(self.tokens[tab.author]), **(extra or {})},
            headers=headers,
        )
        html = response.get_data(as_text=True)
        refusal = self._refusal()
        if refusal is not None:
            assert response.status_code == 409 and refusal in html, f"{endpoint}: expected refusal {refusal!r}"
            return response, False
        if tab.seen != self.changes:
            self._check_conflict(tab, response, content)
            return response, False
        assert response.status_code in (200, 302), (
            f"{tab.name} {endpoint} from the current version {tab.base_version}: {response.status_code}\n{html[:3000]}"
        )
        return response, True

    def _check_conflict(self, tab: Tab, response, content: Content) -> None:
        """Her page was drawn before another committed change: 409, with her text and the saved one."""
        page = Page(response.get_data(as_text=True))
        assert response.status_code == 409, f"{tab.name}: a stale post went through ({response.status_code})"
        assert page.textareas.get("source") == _normalise(tab.text) and page.conflict_text == self.current.source, (
            "a conflict shows both texts"
        )
        # The editor now starts from the version that won, with her text and figures kept.
        tab.take(page, self.changes)
        assert tab.shown_content() == content.rows

    # --- rules: writers in their tabs ---

    def _tab(self, data, where=lambda tab: tab.has_editor) -> Tab:
        return data.draw(st.sampled_from([t for t in self.tabs.values() if where(t)]), label="tab")

    def _has_editor(self) -> bool:
        return any(t.has_editor for t in self.tabs.values())

    @rule(data=st.data())
    def open_block(self, data):
        self._open(self._tab(data, where=lambda tab: True))

    @precondition(_has_editor)
    @rule(data=st.data(), edit=text_edits)
    def type_and_autosave(self, data, edit):
        tab = self._tab(data)
        tab.text = edited(tab.text, edit)
        content = self._posted(tab)
        response, through = self._post_editor(tab, "autosave", content)
        if through:
            self._acknowledged(tab, "autosave", response, self._keep_as_draft(tab.author, content))

    def _posted(self, tab: Tab) -> Content:
        """What the app should make of the tab's editor when it is posted now."""
        fields = {name: value for name, (_id, value) in tab.fields.items()}
        return posted_content(self._editor_base(tab.author), tab.text, fields)

    @precondition(_has_editor)
    @rule(
        data=st.data(),
        column=st.sampled_from(COLUMNS),
        country=st.sampled_from(("",) + TYPED_COUNTRIES),
        count=st.sampled_from(("",) + COUNTS),
    )
    def edit_cell(self, data, column, country, count):
        """Type into one cell of a row the page shows (or the blank last row) and Tab out of it."""
        tab = self._tab(data)
        row = data.draw(st.sampled_from([*tab.shown_rows(), NEW_ROW]), label="row")
        self._type_in_cell(tab, row, column, country if column == "country" else count)

    @precondition(lambda self: any(t.has_editor and t.shown_rows() for t in self.tabs.values()))
    @rule(data=st.data())
    def empty_row(self, data):
        """Clear both cells of a row, one after the other, as a person does: the row goes away."""
        tab = self._tab(data, where=lambda tab: tab.has_editor and tab.shown_rows())
        row = data.draw(st.sampled_from(tab.shown_rows()), label="row")
        for column in COLUMNS:
            name = f"cell|{TABLE}|{row}|{column}"
            if tab.has_editor and name in tab.fields:
                self._type_in_cell(tab, row, column, "")

    @precondition(lambda self: any(t.has_editor and self._unjustified(t) for t in self.tabs.values()))
    @rule(data=st.data())
    def justify_warnings(self, data):
        """Explain a warning the page shows ("ok"), as the issues panel asks."""
        tab = self._tab(data, where=lambda tab: tab.has_editor and self._unjustified(tab))
        name = self._unjustified(tab)[0]
        element_id, _value = tab.fields[name]
        tab.fields[name] = (element_id, "ok")
        self._post_cells(tab, element_id)

    @staticmethod
    def _unjustified(tab: Tab) -> list[str]:
        return [n for n, (_id, value) in tab.fields.items() if n.startswith("justify|") and not value]

    def _type_in_cell(self, tab: Tab, row: str, column: str, value: str) -> None:
        name = f"cell|{TABLE}|{row}|{column}"
        element_id, _old = tab.fields[name]
        tab.fields[name] = (element_id, value)
        self._post_cells(tab, element_id)

    def _post_cells(self, tab: Tab, element_id: str) -> None:
        content = self._posted(tab)
        response, through = self._post_editor(tab, "tables", content, trigger=element_id)
        if through:
            self._acknowledged(tab, "tables", response, self._keep_as_draft(tab.author, content))

    @precondition(_has_editor)
    @rule(
        data=st.data(),
        pasted=st.lists(
            st.tuples(st.sampled_from(COUNTRIES), st.sampled_from(IMPORTABLE_COUNTS)),
            min_size=1,
            max_size=3,
            unique_by=lambda row: row[0],
        ),
    )
    def import_pasted_cells(self, data, pasted):
        """Paste cells from a spreadsheet into the import panel, preview, and press Använd if offered."""
        tab = self._tab(data)
        token = self.tokens[tab.author]
        text = "Land\tAntal\n" + "\n".join(f"{country}\t{count}" for country, count in pasted)
        url = self._url(f"/tables/{TABLE}/import")
        response = self._request(
            tab.author, "POST", f"{url}/preview", headers=HX, data={"csrf_token": token, f"import-{TABLE}-text": text}
        )
        refusal = self._refusal()
        if refusal is not None:
            assert response.status_code == 409 and refusal in response.get_data(as_text=True)
            return
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        preview = Page(response.get_data(as_text=True))
        base = self._editor_base(tab.author)
        content = imported_content(base, pasted)
        offered = preview.value(f"import-{TABLE}-digest") is not None
        assert offered == (content != base), "Använd is offered exactly when the import changes something"
        if not offered:
            return
        response = self._request(
            tab.author,
            "POST",
            f"{url}/apply",
            headers=HX,
            data={
                "csrf_token": token,
                "base_version": str(tab.base_version),
                f"import-{TABLE}-kind": preview.value(f"import-{TABLE}-kind"),
                f"import-{TABLE}-digest": preview.value(f"import-{TABLE}-digest"),
                f"import-{TABLE}-previewed": preview.value(f"import-{TABLE}-previewed"),
            },
        )
        if tab.seen != self.changes:
            assert response.status_code == 409 and "Någon annan har sparat" in response.get_data(as_text=True)
            return
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        self._acknowledged(tab, "import", response, self._keep_as_draft(tab.author, content))

    @precondition(_has_editor)
    @rule(data=st.data(), edit=st.none() | text_edits)
    def save(self, data, edit):
        """Press Spara, maybe after typing more."""
        tab = self._tab(data)
        if edit is not None:
            tab.text = edited(tab.text, edit)
        self._save(tab)

    def _save(self, tab: Tab) -> None:
        content = self._posted(tab)
        response, through = self._post_editor(tab, "save", content)
        if through:
            self._acknowledged(tab, "save", response, self._commit(tab.author, content))

    @precondition(lambda self: any(t.has_editor and t.offers_submit for t in self.tabs.values()))
    @rule(data=st.data(), give_reason=st.booleans())
    def submit(self, data, give_reason):
        """Press "Spara och skicka in för granskning" where a page shows it: save, then submit."""
        tab = self._tab(data, where=lambda tab: tab.has_editor and tab.offers_submit)
        self._submit(tab, give_reason)

    def _submit(self, tab: Tab, give_reason: bool) -> None:
        extra = {"action": "submit"}
        if tab.asks_nothing_to_report:
            extra["nothing_to_report"] = "Inget hände den här perioden." if give_reason else ""
        content = self._posted(tab)
        response, through = self._post_editor(tab, "transition", content, extra=extra, htmx=False)
        if not through:
            return
        assert response.status_code == 302
        self._commit(tab.author, content)
        declared = bool(extra.get("nothing_to_report"))
        empty = self.current.is_empty and not self.nothing_to_report and not declared
        if not empty and not self._problems():
            if declared and self.current.is_empty:
                self.nothing_to_report = extra["nothing_to_report"]
            self.state = BlockState.SUBMITTED
            self.changes += 1
        self._open(tab)

    @precondition(lambda self: any(Action.WITHDRAW in t.actions for t in self.tabs.values()))
    @rule(data=st.data())
    def withdraw(self, data):
        """Press "Ta tillbaka" where a page shows it (the page may be stale)."""
        tab = self._tab(data, where=lambda tab: Action.WITHDRAW in tab.actions)
        self._transition(tab.author, Action.WITHDRAW)
        self._open(tab)

    @rule()
    def close_coalescing_window(self):
        """Time passes: every draft has been open longer than the coalescing window."""
        with self.app.app_context():
            seconds = self.app.config["AUTOSAVE_COALESCE_SECONDS"] + 1
            for draft in db.session.scalars(select(BlockDraft).where(BlockDraft.block_id == self.block_id)):
                draft.started_at -= timedelta(seconds=seconds)
            db.session.commit()
            db.session.remove()
        for draft in self.drafts.values():
            draft.window_closed = True

    @rule(writer=st.sampled_from(WRITERS), data=st.data())
    def open_revision(self, writer, data):
        """Open an old version from the history: the page offers to restore it."""
        if not self.revisions:
            return
        number = data.draw(st.integers(1, len(self.revisions)), label="revision")
        page = Page(self._request(writer, "GET", self._url(f"/revisions/{number}")).get_data(as_text=True))
        base = page.value("base_version")
        assert (base is not None) == (self._refusal() is None and number != len(self.revisions)), (
            "restoring is offered for an older version whenever she may edit"
        )
        self.revision_pages[writer] = (number, int(base) if base else None, self.changes)

    @precondition(lambda self: any(base is not None for _n, base, _s in self.revision_pages.values()))
    @rule(data=st.data())
    def restore(self, data):
        """Press "Återställ den här versionen" on a version page she opened (it may be stale)."""
        writer = data.draw(st.sampled_from([w for w, (_n, b, _s) in self.revision_pages.items() if b is not None]))
        number, base, seen = self.revision_pages.pop(writer)
        response = self._request(
            writer,
            "POST",
            self._url(f"/revisions/{number}/restore"),
            data={"csrf_token": self.tokens[writer], "base_version": str(base)},
        )
        refusal = self._refusal()
        if refusal is not None:
            assert response.status_code == 409 and refusal in response.get_data(as_text=True)
        elif seen != self.changes:
            assert response.status_code == 409 and "Bidraget har ändrats" in response.get_data(as_text=True)
        else:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            restored = self.revisions[number - 1]
            if restored != self.current:  # restoring leaves her draft as it is
                self.revisions.append(restored)
                self.changes += 1

    # --- rules: reviewers, the chair, everyone ---

    def _transition(self, actor: str, action: Action, reason: str = "") -> None:
        response = self._request(
            actor,
            "POST",
            self._url("/transition"),
            data={"csrf_token": self.tokens[actor], "action": action.value, "reason": reason},
        )
        transition = BLOCK_TRANSITIONS[action]
        who = actor in WRITERS if transition.who is Who.WRITER else actor in REVIEWERS
        if self.locked or self.state not in transition.sources or (transition.reason_required and not reason.strip()):
            assert response.status_code == 409, f"{actor} {action}: {response.status_code}"
        elif not who:
            assert response.status_code == 403
        else:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            self.state = BlockState(transition.target)
            self.changes += 1
            if action is Action.REOPEN:
                self.nothing_to_report = None

    def _open_as_reader(self, actor: str) -> tuple[str, ...]:
        page = Page(self._request(actor, "GET", self._url()).get_data(as_text=True))
        self._check_buttons(actor, page)
        return tuple(page.block_actions)

    @rule(
        data=st.data(),
        actor=st.sampled_from(REVIEWERS),
        reload=st.booleans(),
        reason=st.sampled_from(["Lägg till antalet besök.", " "]),
    )
    def review(self, data, actor, reload, reason):
        """A reviewer (or the chair) opens the block, or looks at the page she has open (it may be
        stale), and presses a review button it shows; a reason only where one is asked for, and
        the browser lets a blank one through."""
        if reload or actor not in self.review_pages:
            self.review_pages[actor] = self._open_as_reader(actor)
        if not self.review_pages[actor]:
            return
        action = Action(data.draw(st.sampled_from(self.review_pages[actor]), label="action"))
        self._transition(actor, action, reason if BLOCK_TRANSITIONS[action].reason_required else "")
        self.review_pages[actor] = self._open_as_reader(actor)

    @rule(actor=st.sampled_from(REVIEWERS))
    def open_report(self, actor):
        """Anyone's report page shows the lock or unlock the table allows them (the chair's only)."""
        actions = self._open_overview(actor)
        if actor == CHAIR:
            self.overview_actions = actions

    @rule(actor=st.sampled_from(list(EMAILS)), body=st.sampled_from(["Ser bra ut.", "Stämmer siffran för Polen?"]))
    def comment(self, actor, body):
        response = self._request(
            actor, "POST", self._url("/comments"), headers=HX, data={"csrf_token": self.tokens[actor], "body": body}
        )
        if self.locked:
            assert response.status_code == 409
            return
        assert response.status_code == 200 and body in response.get_data(as_text=True)
        self.comments += 1

    def _open_overview(self, actor: str) -> tuple[str, ...]:
        """The report's page: the chair sees exactly the lock or unlock the table allows."""
        page = Page(self._request(actor, "GET", f"/reports/{OPEN_REPORT_ID}").get_data(as_text=True))
        expected = []
        if actor == CHAIR and self.locked:
            expected = [ReportAction.UNLOCK]
        elif actor == CHAIR and self.state == BlockState.APPROVED:
            expected = [ReportAction.LOCK]
        assert page.report_actions == expected, f"{actor} sees {page.report_actions}, expected {expected}"
        return tuple(page.report_actions)

    @rule(data=st.data(), reload=st.booleans(), reason=st.sampled_from(["En siffra var fel.", " "]))
    def lock_or_unlock(self, data, reload, reason):
        """The chair opens the report's page, or looks at the one she has open (it may be stale),
        and presses the lock or unlock button it shows."""
        if reload or self.overview_actions is None:
            self.overview_actions = self._open_overview(CHAIR)
        if not self.overview_actions:
            return
        action = ReportAction(data.draw(st.sampled_from(self.overview_actions), label="action"))
        response = self._request(
            CHAIR,
            "POST",
            f"/reports/{OPEN_REPORT_ID}/transition",
            data={"csrf_token": self.tokens[CHAIR], "action": action.value, "reason": reason},
        )
        transition = REPORT_TRANSITIONS[action]
        allowed = (
            (ReportState.LOCKED if self.locked else ReportState.OPEN) in transition.sources
            and (action is not ReportAction.LOCK or self.state == BlockState.APPROVED)
            and (not transition.reason_required or reason.strip())
        )
        if not allowed:
            assert response.status_code == 409, response.status_code
        else:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            self.locked = action is ReportAction.LOCK
            self.locked_fingerprint = self._fingerprint() if self.locked else None
        self.overview_actions = self._open_overview(CHAIR)

    # --- bookkeeping after an acknowledged post ---

    def _acknowledged(self, tab: Tab, endpoint: str, response, kind: str) -> None:
        """The post went through: the message says what happened, and the page carries the new version."""
        html = response.get_data(as_text=True)
        if endpoint == "save":
            message = f"Sparat som version {len(self.revisions)}." if kind == "saved" else "Inga ändringar att spara."
        else:
            message = {
                "saved": f"Sparat automatiskt som version {len(self.revisions)}.",
                "unchanged": "Inga ändringar.",
                "drafted": "Utkastet sparades automatiskt.",
            }[kind]
        assert message in html, f"{tab.name}: expected {message!r}\n{html[:3000]}"
        page = Page(html)
        tab.take(page, self.changes)
        if "submit-panel" in page.ids:
            self._check_submit_panel(tab.author, page)

    # --- invariants ---

    def _fingerprint(self) -> tuple:
        """Everything a refused request must leave as it was."""
        with self.app.app_context():
            s = db.session
            block = s.get(Block, self.block_id)
            result = (
                block.state,
                block.version,
                block.current_revision_id,
                block.nothing_to_report,
                s.scalar(select(Report.state).where(Report.id == OPEN_REPORT_ID)),
                s.scalar(select(func.count()).select_from(Revision).where(Revision.block_id == self.block_id)),
                tuple(
                    s.execute(
                        select(
                            BlockDraft.author_id, BlockDraft.source, BlockDraft.base_version, BlockDraft.updated_at
                        ).order_by(BlockDraft.author_id)
                    )
                ),
                s.scalar(select(func.count()).select_from(Comment)),
                s.scalar(select(func.count()).select_from(AuditEvent)),
            )
            s.remove()
        return result

    @invariant()
    def the_database_is_what_the_model_says(self):
        with self.app.app_context():
            s = db.session
            block = s.get(Block, self.block_id)
            revisions = s.scalar(select(func.count()).select_from(Revision).where(Revision.block_id == self.block_id))
            assert revisions == len(self.revisions), "every acknowledged save is exactly one revision"
            if self.revisions:
                assert block.current_revision.number == len(self.revisions)
            assert (
                _content(
                    block.current_revision.source if block.current_revision else "",
                    block_service.current_content(block).tables,
                )
                == self.current
            )
            users = {u.email: u for u in s.scalars(select(User).where(User.email.in_(EMAILS.values())))}
            drafts = {d.author_id: d for d in s.scalars(select(BlockDraft).where(BlockDraft.block_id == self.block_id))}
            for writer in WRITERS:
                stored = drafts.get(users[EMAILS[writer]].id)
                expected = self.drafts.get(writer)
                assert (stored is None) == (expected is None), f"{writer}'s draft: stored {stored}, model {expected}"
                if stored is not None:
                    assert _content(stored.source, stored.tables) == expected.content
            assert block.state == self.state
            assert block.nothing_to_report == self.nothing_to_report
            assert s.scalar(select(Report.state).where(Report.id == OPEN_REPORT_ID)) == (
                ReportState.LOCKED if self.locked else ReportState.OPEN
            )
            assert (
                s.scalar(select(func.count()).select_from(Comment).where(Comment.block_id == self.block_id))
                == self.comments
            )
            version = block.version
            s.remove()
        for tab in self.tabs.values():
            if tab.has_editor and tab.seen >= 0:
                assert (tab.base_version == version) == (tab.seen == self.changes), (
                    f"{tab.name} carries version {tab.base_version}; the block is at {version}"
                )

    @invariant()
    def a_locked_report_changes_nothing(self):
        if self.locked:
            assert self._fingerprint() == self.locked_fingerprint


def _content(source: str, tables: dict | None) -> Content:
    """The stored content as the editor shows it."""
    data = TableData.from_json((tables or {}).get(TABLE) or {})
    rows = tuple(
        (
            row.key,
            statistics.input_text(row.cell("country"), ValueType.COUNTRY),
            statistics.input_text(row.cell("count"), ValueType.INTEGER),
        )
        for row in data.rows
    )
    return Content(_normalise(source), rows, tuple(sorted(data.justifications.items())))


def test_editing_sessions_keep_every_promise(app, world, monkeypatch):
    # Locking queues the final PDF; rendering it takes seconds and is publishing's business.
    monkeypatch.setattr("webapp.services.publishing.rendering.request_render", lambda *args, **kwargs: None)
    run_state_machine_as_test(lambda: EditingSession(app, world), settings=PROFILE)


# --- Found by the machine and left as it is --------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="Block.version counts every UPDATE of the block row, transitions included, so a page drawn "
    "before a submit and a withdraw conflicts although nobody saved ('Någon annan har sparat …'). "
    "Telling them apart needs a content version: a column and a migration.",
)
def test_a_submit_and_withdraw_from_her_other_tab_is_no_conflict(app, signed_in, demo):
    block_id = find_block(app, "dag-verksamheter", "crossroads")  # a draft with text, no tables
    client = signed_in(EMAILS[ANNA])
    first, second = (Page(client.get(f"/blocks/{block_id}").get_data(as_text=True)) for _tab in range(2))
    token, text = second.value("csrf_token"), second.textareas["source"]
    submitted = client.post(
        f"/blocks/{block_id}/transition",
        data={"csrf_token": token, "action": "submit", "source": text, "base_version": second.value("base_version")},
    )
    withdrawn = client.post(f"/blocks/{block_id}/transition", data={"csrf_token": token, "action": "withdraw"})
    assert (submitted.status_code, withdrawn.status_code) == (302, 302)
    data = {"csrf_token": token, "source": text + " Mer.", "base_version": first.value("base_version"), "note": ""}
    assert client.post(f"/blocks/{block_id}/save", data=data, headers=HX).status_code == 200
