"""The review workflow: one transition table that both draws the buttons and guards every move.

``allowed`` tells a page which actions to offer (``block_workflow`` for the block page);
``perform`` runs one and refuses anything ``allowed`` would not offer, with the same reasons. No block or report
changes state any other way. Every transition writes an audit event.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select

from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import Block, BlockState, Report, ReportState, Revision, User
from webapp.models.base import utcnow
from webapp.permissions import PermissionDenied, StateForbids, is_block_writer, is_chair, is_reviewer
from webapp.services import audit, notifications


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REOPEN = "reopen"


class ReportAction(enum.StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"


class Who(enum.StrEnum):
    WRITER = "writer"  # a member of the block's unit, or an admin
    REVIEWER = "reviewer"  # a reviewer or the chair
    CHAIR = "chair"


ActionT = TypeVar("ActionT", Action, ReportAction)
StateT = TypeVar("StateT", BlockState, ReportState)


@dataclass(frozen=True)
class Transition(Generic[ActionT, StateT]):
    """``action`` moves a block (or the report) from any of ``sources`` to ``target``."""

    action: ActionT
    sources: frozenset[StateT]
    target: StateT
    who: Who
    reason_required: bool
    label: str  # the button, in Swedish (translated where it is shown)


BlockTransition = Transition[Action, BlockState]
ReportTransition = Transition[ReportAction, ReportState]

BLOCK_TRANSITIONS: dict[Action, BlockTransition] = {
    t.action: t
    for t in (
        Transition(
            Action.SUBMIT,
            frozenset({BlockState.DRAFT, BlockState.CHANGES_REQUESTED}),
            BlockState.SUBMITTED,
            Who.WRITER,
            False,
            N_("Skicka in för granskning"),
        ),
        Transition(
            Action.WITHDRAW, frozenset({BlockState.SUBMITTED}), BlockState.DRAFT, Who.WRITER, False, N_("Ta tillbaka")
        ),
        Transition(
            Action.APPROVE, frozenset({BlockState.SUBMITTED}), BlockState.APPROVED, Who.REVIEWER, False, N_("Godkänn")
        ),
        Transition(
            Action.REQUEST_CHANGES,
            frozenset({BlockState.SUBMITTED}),
            BlockState.CHANGES_REQUESTED,
            Who.REVIEWER,
            True,
            N_("Begär ändringar"),
        ),
        Transition(
            Action.REOPEN, frozenset({BlockState.APPROVED}), BlockState.DRAFT, Who.REVIEWER, True, N_("Öppna igen")
        ),
    )
}

REPORT_TRANSITIONS: dict[ReportAction, ReportTransition] = {
    t.action: t
    for t in (
        Transition(
            ReportAction.LOCK, frozenset({ReportState.OPEN}), ReportState.LOCKED, Who.CHAIR, False, N_("Lås rapporten")
        ),
        Transition(
            ReportAction.UNLOCK,
            frozenset({ReportState.LOCKED}),
            ReportState.OPEN,
            Who.CHAIR,
            True,
            N_("Lås upp rapporten"),
        ),
    )
}


@dataclass(frozen=True)
class BlockFacts:
    """Everything the rules look at, gathered once, so the rules themselves are pure."""

    state: BlockState
    report_locked: bool
    is_writer: bool
    is_reviewer: bool
    edited_this_round: bool
    is_empty: bool
    nothing_to_report: bool
    statistics_problems: int  # errors plus warnings nobody has justified


@dataclass(frozen=True)
class Refusal:
    status: int  # 403: not yours to do; 409: not possible in this state
    message: str


def refusal(facts: BlockFacts, action: Action) -> Refusal | None:
    """Why ``action`` may not happen now, or None when it may."""
    transition = BLOCK_TRANSITIONS[action]
    if facts.report_locked:
        return Refusal(409, "Rapporten är låst. Inga ändringar kan göras.")
    allowed_person = facts.is_writer if transition.who is Who.WRITER else facts.is_reviewer
    if not allowed_person:
        who = "din verksamhets" if transition.who is Who.WRITER else "granskarnas"
        return Refusal(403, f"Det här är {who} uppgift: du kan inte {transition.label.lower()}.")
    if facts.state not in transition.sources:
        return Refusal(
            409, f"Det går inte att {transition.label.lower()} ett bidrag som är {STATE_WORDS[facts.state]}."
        )
    if action is Action.APPROVE and facts.edited_this_round:
        return Refusal(409, "Du har själv ändrat bidraget i den här omgången; någon annan måste godkänna det.")
    if action is Action.SUBMIT:
        if facts.is_empty and not facts.nothing_to_report:
            return Refusal(409, "Bidraget är tomt. Skriv något, eller ange varför det inte finns något att rapportera.")
        if facts.statistics_problems:
            return Refusal(
                409, "Statistiken har fel eller varningar utan förklaring. Rätta felen och förklara varningarna först."
            )
    return None


STATE_WORDS = {
    BlockState.DRAFT: "ett utkast",
    BlockState.SUBMITTED: "inskickat",
    BlockState.CHANGES_REQUESTED: "tillbakaskickat för ändringar",
    BlockState.APPROVED: "godkänt",
}


def allowed(facts: BlockFacts) -> tuple[BlockTransition, ...]:
    return tuple(t for action, t in BLOCK_TRANSITIONS.items() if refusal(facts, action) is None)


# --- Facts from the database --------------------------------------------------------------------


def edited_this_round(user: User, block: Block) -> bool:
    statement = select(Revision.id).where(Revision.block_id == block.id, Revision.author_id == user.id)
    if block.round_started_at is not None:
        statement = statement.where(Revision.created_at >= block.round_started_at)
    return db.session.scalars(statement.limit(1)).first() is not None


def is_empty_content(source: str | None, tables: dict | None) -> bool:
    """Nothing to review: no text and no statistics. The editor's offer and the submit guard
    both ask this, so a block with only figures is never offered and then refused as empty."""
    return not (source or "").strip() and not tables


def block_facts(user: User, block: Block, statistics_problems: int, *, is_empty: bool | None = None) -> BlockFacts:
    """``is_empty`` overrides the saved content's emptiness, e.g. for what an editor shows."""
    if is_empty is None:
        revision = block.current_revision
        is_empty = revision is None or is_empty_content(revision.source, revision.tables)
    return BlockFacts(
        state=BlockState(block.state),
        report_locked=block.report.is_locked,
        is_writer=is_block_writer(user, block),
        is_reviewer=is_reviewer(user),
        edited_this_round=edited_this_round(user, block) if block.state == BlockState.SUBMITTED else False,
        is_empty=is_empty,
        nothing_to_report=bool(block.nothing_to_report),
        statistics_problems=statistics_problems,
    )


@dataclass(frozen=True)
class BlockWorkflow:
    """What the block page offers: submitting (with or without a reason for an empty block),
    the review actions, and why submitting is not possible yet."""

    offer_submit: bool
    ask_nothing_to_report: bool  # the block is empty: submitting needs a reason
    submit_blocked_because: str | None
    review_actions: tuple[BlockTransition, ...]


def block_workflow(
    user: User, block: Block, statistics_problems: int, *, is_empty: bool | None = None
) -> BlockWorkflow:
    facts = block_facts(user, block, statistics_problems, is_empty=is_empty)
    declared = replace(facts, nothing_to_report=True)  # as it would be with a reason given
    submit_problem = refusal(declared, Action.SUBMIT)
    is_writers_turn = (
        facts.is_writer and not facts.report_locked and facts.state in BLOCK_TRANSITIONS[Action.SUBMIT].sources
    )
    return BlockWorkflow(
        offer_submit=submit_problem is None,
        ask_nothing_to_report=facts.is_empty and not facts.nothing_to_report,
        submit_blocked_because=submit_problem.message if is_writers_turn and submit_problem else None,
        review_actions=tuple(t for t in allowed(facts) if t.action is not Action.SUBMIT),
    )


def perform(
    user: User,
    block: Block,
    action: Action,
    *,
    reason: str = "",
    statistics_problems: int = 0,
    nothing_to_report: str = "",
) -> BlockTransition:
    """Move ``block`` by ``action`` if the rules allow it; raises PermissionDenied / StateForbids."""
    reason, nothing_to_report = reason.strip(), nothing_to_report.strip()[:2000]
    transition = BLOCK_TRANSITIONS[action]
    hold_report(block.report, exclusive=False)
    db.session.refresh(block, ["state", "round_started_at", "nothing_to_report"])
    facts = block_facts(user, block, statistics_problems)
    declaring_nothing = action is Action.SUBMIT and facts.is_empty and bool(nothing_to_report)
    if declaring_nothing:
        facts = replace(facts, nothing_to_report=True)
    problem = refusal(facts, action)
    if problem is None and transition.reason_required and not reason:
        problem = Refusal(409, "Skriv en motivering.")
    if problem is not None:
        raise (PermissionDenied if problem.status == 403 else StateForbids)(problem.message)
    if declaring_nothing:
        block.nothing_to_report = nothing_to_report
        reason = reason or nothing_to_report
    before = block.state
    block.state = transition.target
    block.updated_at = utcnow()
    if action in (Action.APPROVE, Action.REOPEN):
        block.round_started_at = utcnow()
    if action is Action.REOPEN:
        block.nothing_to_report = None
    audit.record(
        f"block.{action.value}",
        user=user,
        block=block,
        from_state=before,
        to_state=transition.target,
        reason=reason[:2000],
    )
    notifications.on_block_transition(block, action.value, user, reason)
    db.session.flush()
    return transition


# --- One decision at a time per report ----------------------------------------------------------


def hold_report(report: Report, *, exclusive: bool) -> None:
    """Take the report's row lock for the rest of the transaction and re-read its state.

    Locking checks that every block is approved and then writes; a block transition checks that
    the report is open and then writes. Without a common lock a reopen could commit between
    the lock's check and its write, leaving a locked report with a draft block. Every block
    transition holds the lock shared (they may run side by side), locking and unlocking hold it
    exclusively, and both re-check what they decide on once they hold it. PostgreSQL: SELECT …
    FOR SHARE / FOR UPDATE. SQLite has one writer at a time: the write transaction (BEGIN
    IMMEDIATE, as the first flush would open it) is the lock. A block save already holds the
    report row shared (``services.blocks.saving``).
    """
    _begin_sqlite_write()
    db.session.refresh(report, ["state"], with_for_update={"read": not exclusive})


def _begin_sqlite_write() -> None:
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def fresh_blocks(report: Report) -> list[Block]:
    """The report's blocks as the database has them now (call once the report is held)."""
    return list(
        db.session.scalars(select(Block).where(Block.report_id == report.id).execution_options(populate_existing=True))
    )


# --- The report ---------------------------------------------------------------------------------


class HasState(Protocol):
    """A block as report decisions see it: its state only (a Block, or a list page's row)."""

    @property
    def state(self) -> str: ...


def report_refusal(user: User, report: Report, action: ReportAction, blocks: Iterable[HasState]) -> Refusal | None:
    transition = REPORT_TRANSITIONS[action]
    if not is_chair(user):
        return Refusal(403, "Bara ordföranden kan låsa och låsa upp rapporten.")
    if report.state not in transition.sources:
        return Refusal(409, "Rapporten är redan låst." if action is ReportAction.LOCK else "Rapporten är inte låst.")
    if action is ReportAction.LOCK:
        waiting = sum(1 for block in blocks if block.state != BlockState.APPROVED)
        if waiting:
            return Refusal(409, f"{waiting} bidrag är inte godkända än; rapporten kan låsas när alla är godkända.")
    return None


def allowed_report_actions(user: User, report: Report, blocks: Iterable[HasState]) -> tuple[ReportTransition, ...]:
    blocks = list(blocks)
    return tuple(t for action, t in REPORT_TRANSITIONS.items() if report_refusal(user, report, action, blocks) is None)


def perform_on_report(user: User, report: Report, action: ReportAction, *, reason: str = "") -> ReportTransition:
    """Lock or unlock ``report``, deciding on its blocks as the database holds them once the
    report is held (see ``hold_report``): no block transition can slip between check and write."""
    reason = reason.strip()
    transition = REPORT_TRANSITIONS[action]
    hold_report(report, exclusive=True)
    problem = report_refusal(user, report, action, fresh_blocks(report))
    if problem is None and transition.reason_required and not reason:
        problem = Refusal(409, "Skriv en motivering.")
    if problem is not None:
        raise (PermissionDenied if problem.status == 403 else StateForbids)(problem.message)
    before = report.state
    report.state = transition.target
    audit.record(
        f"report.{action.value}",
        user=user,
        report_id=report.id,
        from_state=before,
        to_state=transition.target,
        reason=reason[:2000],
    )
    db.session.flush()
    return transition
