"""Review: the workflow's transition table, what changed since the last submission, and comment
threads.

The package re-exports ``workflow`` (what callers mean by ``services.review``); the other
modules are imported by name: ``review.changes``, ``review.comments``.
"""

from webapp.services.review.workflow import (
    BLOCK_TRANSITIONS,
    REPORT_TRANSITIONS,
    STATE_WORDS,
    Action,
    ActionT,
    BlockFacts,
    BlockTransition,
    BlockWorkflow,
    Refusal,
    ReportAction,
    ReportTransition,
    StateT,
    Transition,
    Who,
    allowed,
    allowed_report_actions,
    block_facts,
    block_workflow,
    edited_this_round,
    is_empty_content,
    perform,
    perform_on_report,
    refusal,
    report_refusal,
)

__all__ = [
    "Action",
    "ActionT",
    "allowed",
    "allowed_report_actions",
    "block_facts",
    "BLOCK_TRANSITIONS",
    "block_workflow",
    "BlockFacts",
    "BlockTransition",
    "BlockWorkflow",
    "edited_this_round",
    "is_empty_content",
    "perform",
    "perform_on_report",
    "Refusal",
    "refusal",
    "report_refusal",
    "REPORT_TRANSITIONS",
    "ReportAction",
    "ReportTransition",
    "STATE_WORDS",
    "StateT",
    "Transition",
    "Who",
]
