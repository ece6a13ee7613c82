import pytest

from csat.domain.transitions import (
    ACTION_TRANSITIONS,
    ACTIONS,
    COMPLAINT_STATUSES,
    CRISIS_PHASE_TRANSITIONS,
    TransitionError,
    allowed_actions,
    check_transition,
    next_phase,
    next_status,
)


def test_happy_path() -> None:
    status = "received"
    for action, expected in [
        ("register", "registered"),
        ("dispatch", "dispatched"),
        ("contact", "in_progress"),
        ("progress", "in_progress"),
        ("propose", "awaiting_approval"),
        ("approve", "in_progress"),
        ("resolve", "resolved"),
    ]:
        status = next_status(status, action, with_compensation=True)
        assert status == expected, action
    assert next_status(status, "follow_up", outcome="satisfied") == "closed"


def test_proposal_without_compensation_needs_no_approval() -> None:
    assert next_status("in_progress", "propose") == "in_progress"
    assert next_status("in_progress", "propose", with_compensation=True) == "awaiting_approval"


def test_reject_back_to_in_progress() -> None:
    assert next_status("awaiting_approval", "reject") == "in_progress"


def test_unsatisfied_follow_up_reopens() -> None:
    assert next_status("resolved", "follow_up", outcome="unsatisfied") == "dispatched"


def test_progress_keeps_status_while_awaiting_approval() -> None:
    assert next_status("awaiting_approval", "progress") == "awaiting_approval"


@pytest.mark.parametrize(
    "status", ["received", "registered", "dispatched", "in_progress", "awaiting_approval", "resolved"]
)
def test_escalate_from_any_open_state_keeps_status(status: str) -> None:
    assert next_status(status, "escalate") == status


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("closed", "escalate"),
        ("received", "follow_up"),
        ("awaiting_approval", "resolve"),
        ("in_progress", "approve"),
        ("resolved", "resolve"),
        ("closed", "follow_up"),
        ("dispatched", "propose"),
        ("awaiting_approval", "propose"),
    ],
)
def test_forbidden_transitions(status: str, action: str) -> None:
    kwargs = {"outcome": "satisfied"} if action == "follow_up" else {}
    with pytest.raises(TransitionError, match=f"cannot {action}"):
        next_status(status, action, **kwargs)


def test_transition_error_is_value_error() -> None:
    assert issubclass(TransitionError, ValueError)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown complaint action"):
        next_status("received", "teleport")
    with pytest.raises(ValueError, match="unknown complaint status"):
        next_status("lost", "register")
    with pytest.raises(ValueError, match="outcome"):
        next_status("resolved", "follow_up")
    with pytest.raises(ValueError, match="outcome"):
        next_status("resolved", "follow_up", outcome="meh")
    with pytest.raises(ValueError, match="only follow_up"):
        next_status("received", "register", outcome="satisfied")


def test_allowed_actions() -> None:
    # dispatch from received: a duty leader dispatches directly off hours (DOMAIN §9).
    # Issue #18 (DOMAIN §9 "Who is responsible") added transfer, return, assign, responsible,
    # accountability and the penalty request/decision.
    # The help-desk parity added an internal note in every status and, within the 2-hour step, a
    # call the customer did not answer (contact_attempt: the status stays).
    assert allowed_actions("received") == ["register", "dispatch", "escalate", "note"]
    assert allowed_actions("dispatched") == [
        "contact",
        "contact_attempt",
        "escalate",
        "transfer",
        "return",
        "assign",
        "penalty_request",
        "penalty_decide",
        "note",
    ]
    later = [
        "assign",
        "responsible",
        "accountability",
        "penalty_request",
        "penalty_decide",
        "acknowledge",
        "note",
    ]
    assert allowed_actions("in_progress") == [
        "progress",
        "propose",
        "resolve",
        "escalate",
        "transfer",
        *later,
    ]
    assert allowed_actions("awaiting_approval") == ["progress", "approve", "reject", "escalate", *later]
    assert allowed_actions("resolved") == ["follow_up", "escalate", *later]
    # Issue #19 (DOMAIN §9 "The GM's gate") added the GM's acknowledge (已阅) of a major proposal.
    assert allowed_actions("closed") == [
        "responsible",
        "accountability",
        "penalty_request",
        "penalty_decide",
        "acknowledge",
        "note",
    ]


def test_rule_transfer_restarts_the_2_hour_step_and_return_goes_back_to_customer_care() -> None:
    """DOMAIN §9 "Who is responsible": transfer → dispatched (new callback step); return only
    before the call (dispatched) → registered (customer care dispatches again)."""
    assert next_status("dispatched", "transfer") == "dispatched"
    assert next_status("in_progress", "transfer") == "dispatched"
    assert next_status("dispatched", "return") == "registered"
    for status in ("in_progress", "resolved", "closed"):
        with pytest.raises(TransitionError):
            next_status(status, "return")
    with pytest.raises(ValueError):
        allowed_actions("nope")


def test_table_consistent() -> None:
    assert set(ACTION_TRANSITIONS) == set(ACTIONS)
    for transition in ACTION_TRANSITIONS.values():
        assert transition.sources <= set(COMPLAINT_STATUSES)
        assert transition.target is None or transition.target in COMPLAINT_STATUSES


def test_every_allowed_action_succeeds() -> None:
    for status in COMPLAINT_STATUSES:
        for action in allowed_actions(status):
            kwargs = {"outcome": "satisfied"} if action == "follow_up" else {}
            assert next_status(status, action, **kwargs) in COMPLAINT_STATUSES


def test_crisis_phases() -> None:
    assert next_phase("latent", "outbreak") == "outbreak"
    assert next_phase("outbreak", "aftermath") == "aftermath"
    assert next_phase("aftermath", "recovery") == "recovery"
    assert next_phase("latent", "recovery") == "recovery"
    for current, target in [
        ("outbreak", "latent"),
        ("recovery", "latent"),
        ("latent", "aftermath"),
        ("latent", "latent"),
    ]:
        with pytest.raises(TransitionError):
            next_phase(current, target)
    with pytest.raises(ValueError, match="unknown crisis phase"):
        next_phase("latent", "panic")
    assert set(CRISIS_PHASE_TRANSITIONS) == {"latent", "outbreak", "aftermath", "recovery"}


def test_generic_check_transition() -> None:
    table = {"pending": {"done", "cancelled"}, "done": set(), "cancelled": set()}
    assert check_transition(table, "pending", "done", what="callback") == "done"
    with pytest.raises(TransitionError, match="callback"):
        check_transition(table, "done", "pending", what="callback")


def test_callback_task_machine() -> None:
    from csat.domain.transitions import TASK_OPEN_STATUSES, TaskTransitionError, next_task_status

    assert next_task_status("pending", "claim") == "in_progress"
    assert next_task_status("unreachable", "survey") == "done"
    assert TASK_OPEN_STATUSES == ("pending", "in_progress")
    with pytest.raises(TaskTransitionError):
        next_task_status("done", "claim")
    with pytest.raises(TaskTransitionError, match="unknown action"):
        next_task_status("pending", "fly")
