"""The workflow's transition table: who may do what, in which state. Pure rules, no database."""

from dataclasses import replace

import pytest

from webapp.models import BlockState
from webapp.services.review import Action, BlockFacts, allowed, refusal

WRITER = BlockFacts(
    state=BlockState.DRAFT,
    report_locked=False,
    is_writer=True,
    is_reviewer=False,
    edited_this_round=False,
    is_empty=False,
    nothing_to_report=False,
    statistics_problems=0,
)
REVIEWER = replace(WRITER, is_writer=False, is_reviewer=True, state=BlockState.SUBMITTED)


def actions(facts):
    return {t.action for t in allowed(facts)}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (WRITER, {Action.SUBMIT}),
        (replace(WRITER, state=BlockState.CHANGES_REQUESTED), {Action.SUBMIT}),
        (replace(WRITER, state=BlockState.SUBMITTED), {Action.WITHDRAW}),
        (replace(WRITER, state=BlockState.APPROVED), set()),
        (REVIEWER, {Action.APPROVE, Action.REQUEST_CHANGES}),
        (replace(REVIEWER, state=BlockState.APPROVED), {Action.REOPEN}),
        (replace(REVIEWER, state=BlockState.DRAFT), set()),
        (
            replace(REVIEWER, is_writer=True, state=BlockState.SUBMITTED),
            {Action.WITHDRAW, Action.APPROVE, Action.REQUEST_CHANGES},
        ),
    ],
)
def test_each_person_gets_the_actions_of_their_role_and_the_state(facts, expected):
    assert actions(facts) == expected


def test_nobody_approves_a_block_they_edited_in_this_round():
    facts = replace(REVIEWER, is_writer=True, edited_this_round=True)
    assert Action.APPROVE not in actions(facts)
    assert "någon annan måste godkänna" in refusal(facts, Action.APPROVE).message


def test_an_empty_block_is_submitted_only_with_a_reason():
    empty = replace(WRITER, is_empty=True)
    assert refusal(empty, Action.SUBMIT).status == 409
    assert refusal(replace(empty, nothing_to_report=True), Action.SUBMIT) is None


def test_statistics_problems_block_submission():
    problem = refusal(replace(WRITER, statistics_problems=2), Action.SUBMIT)
    assert problem.status == 409 and "Statistiken" in problem.message


def test_a_locked_report_allows_no_block_action():
    for facts in (replace(WRITER, report_locked=True), replace(REVIEWER, report_locked=True)):
        assert actions(facts) == set()
        assert refusal(facts, Action.SUBMIT).status == 409


def test_the_wrong_person_is_403_the_wrong_state_409():
    assert refusal(REVIEWER, Action.WITHDRAW).status == 403  # not a writer of the unit
    assert refusal(replace(WRITER, state=BlockState.APPROVED), Action.SUBMIT).status == 409


# The whole table, spelled out: which role may do which action in which state.
ROLES = {
    "writer": dict(is_writer=True, is_reviewer=False),
    "admin": dict(is_writer=True, is_reviewer=False),
    "other_writer": dict(is_writer=False, is_reviewer=False),
    "reviewer": dict(is_writer=False, is_reviewer=True),
    "chair": dict(is_writer=False, is_reviewer=True),
}
EXPECTED_ALLOWED = {
    (BlockState.DRAFT, Action.SUBMIT): {"writer", "admin"},
    (BlockState.CHANGES_REQUESTED, Action.SUBMIT): {"writer", "admin"},
    (BlockState.SUBMITTED, Action.WITHDRAW): {"writer", "admin"},
    (BlockState.SUBMITTED, Action.APPROVE): {"reviewer", "chair"},
    (BlockState.SUBMITTED, Action.REQUEST_CHANGES): {"reviewer", "chair"},
    (BlockState.APPROVED, Action.REOPEN): {"reviewer", "chair"},
}
WRITER_ACTIONS = {Action.SUBMIT, Action.WITHDRAW}


@pytest.mark.parametrize("state", list(BlockState))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("locked", [False, True])
def test_every_state_action_role_triple(state, action, role, locked):
    facts = replace(WRITER, state=state, report_locked=locked, **ROLES[role])
    problem = refusal(facts, action)
    allowed_here = not locked and role in EXPECTED_ALLOWED.get((state, action), set())
    if allowed_here:
        assert problem is None, problem
        return
    assert problem is not None
    if locked:
        assert problem.status == 409
    elif role not in (("writer", "admin") if action in WRITER_ACTIONS else ("reviewer", "chair")):
        assert problem.status == 403  # not this person's part
    else:
        assert problem.status == 409  # the right person, the wrong state


def test_reasons_are_required_exactly_for_request_changes_reopen_and_unlock():
    from webapp.services.review import BLOCK_TRANSITIONS, REPORT_TRANSITIONS, ReportAction

    needing = {a for a, t in BLOCK_TRANSITIONS.items() if t.reason_required}
    assert needing == {Action.REQUEST_CHANGES, Action.REOPEN}
    assert {a for a, t in REPORT_TRANSITIONS.items() if t.reason_required} == {ReportAction.UNLOCK}
