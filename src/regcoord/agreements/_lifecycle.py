"""The lifecycle of an instrument as an explicit transition table.

``TRANSITIONS[(state, action)] = Transition(target, guard)``: a table can be tested
exhaustively, shown in the user interface and exported to the API documentation
(service.md). The path is the closed loop of seed 003 §5.2.4 ("formulation —
implementation — evaluation — revision")::

    draft -> consultation -> negotiating -> signed -> filed -> under_review
          -> returned | in_force -> evaluated -> revision_required(deadline) -> revised
          | terminated | expired

A guard is a pure function of a :class:`LifecycleContext` returning ``None`` when the
transition is allowed, or the reason (English and Chinese) why it is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from regcoord.errors import ConflictError


class State(StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    FILED = "filed"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    IN_FORCE = "in_force"
    EVALUATED = "evaluated"
    REVISION_REQUIRED = "revision_required"
    REVISED = "revised"
    TERMINATED = "terminated"
    EXPIRED = "expired"


class Action(StrEnum):
    OPEN_CONSULTATION = "open_consultation"
    CLOSE_CONSULTATION = "close_consultation"
    SIGN = "sign"
    SEAL = "seal"
    FILE = "file"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    RETURN = "return"
    RESUBMIT = "resubmit"
    EVALUATE = "evaluate"
    CONFIRM = "confirm"
    ORDER_REVISION = "order_revision"
    REVISE = "revise"
    TERMINATE = "terminate"
    EXPIRE = "expire"


STATE_LABELS: dict[State, str] = {
    State.DRAFT: "草案",
    State.CONSULTATION: "征求意见",
    State.NEGOTIATING: "协商",
    State.SIGNED: "已签署",
    State.FILED: "已备案",
    State.UNDER_REVIEW: "审查中",
    State.RETURNED: "退回",
    State.IN_FORCE: "生效",
    State.EVALUATED: "已评估",
    State.REVISION_REQUIRED: "责令修订",
    State.REVISED: "已修订",
    State.TERMINATED: "终止",
    State.EXPIRED: "到期",
}

#: states in which obligations run and KPI reports are accepted
OPERATIVE_STATES: frozenset[State] = frozenset({State.IN_FORCE, State.EVALUATED, State.REVISION_REQUIRED})
#: states from which nothing follows
FINAL_STATES: frozenset[State] = frozenset({State.TERMINATED})


@dataclass(frozen=True)
class LifecycleContext:
    """What the guards need to know about one instrument at one moment.

    ``on`` is the date the action is judged on (passed in; never the wall clock).
    """

    on: date
    parties: frozenset[str] = frozenset()
    signed_by: frozenset[str] = frozenset()
    signer: str | None = None
    n_clauses: int = 0
    open_submissions: int = 0
    blocking_findings: int = 0
    reasons: str = ""
    expires_on: date | None = None
    participation_ok: bool = True


Guard = Callable[[LifecycleContext], str | None]


def _always(ctx: LifecycleContext) -> str | None:
    return None


def _has_clauses(ctx: LifecycleContext) -> str | None:
    return None if ctx.n_clauses > 0 else "the instrument has no clause / 文本无条款"


def _all_answered(ctx: LifecycleContext) -> str | None:
    if ctx.open_submissions:
        return (
            f"{ctx.open_submissions} submission(s) not yet answered / 尚有{ctx.open_submissions}条意见未答复"
        )
    if not ctx.participation_ok:
        return "participation below the threshold / 参与度未达到门槛"
    return None


def _signer_may_sign(ctx: LifecycleContext) -> str | None:
    if ctx.signer is None or ctx.signer not in ctx.parties:
        return f"{ctx.signer!r} is not a party / 非协议当事方"
    if ctx.signer in ctx.signed_by:
        return f"{ctx.signer} has already signed / 已签署"
    return None


def _all_signed(ctx: LifecycleContext) -> str | None:
    missing = sorted(ctx.parties - ctx.signed_by)
    return None if not missing else f"not yet signed by {', '.join(missing)} / 尚未签署"


def _no_blocking(ctx: LifecycleContext) -> str | None:
    if ctx.blocking_findings:
        return f"{ctx.blocking_findings} blocking review finding(s) / 存在{ctx.blocking_findings}项阻断性审查意见"
    if not ctx.participation_ok:
        # seed 003 §5.2.4: participation is a precondition of the agreement's effectiveness
        return "participation below the threshold / 参与度未达到门槛"
    return None


def _has_reasons(ctx: LifecycleContext) -> str | None:
    return None if ctx.reasons.strip() else "reasons are required / 须说明理由"


def _past_expiry(ctx: LifecycleContext) -> str | None:
    if ctx.expires_on is None:
        return "the instrument has no expiry date / 未设定到期日"
    if ctx.on < ctx.expires_on:
        return f"expires on {ctx.expires_on.isoformat()}, not before / 未到期"
    return None


@dataclass(frozen=True)
class Transition:
    target: State
    guard: Guard = field(default=_always)
    description: str = ""


TRANSITIONS: dict[tuple[State, Action], Transition] = {
    (State.DRAFT, Action.OPEN_CONSULTATION): Transition(
        State.CONSULTATION, _has_clauses, "open public consultation"
    ),
    (State.CONSULTATION, Action.CLOSE_CONSULTATION): Transition(
        State.NEGOTIATING, _all_answered, "close consultation once every submission is answered"
    ),
    (State.NEGOTIATING, Action.SIGN): Transition(State.NEGOTIATING, _signer_may_sign, "a party signs"),
    (State.NEGOTIATING, Action.SEAL): Transition(State.SIGNED, _all_signed, "all parties have signed"),
    (State.SIGNED, Action.FILE): Transition(State.FILED, _all_signed, "file with the common superior"),
    (State.REVISED, Action.FILE): Transition(State.FILED, _all_signed, "file the revised text"),
    (State.FILED, Action.START_REVIEW): Transition(State.UNDER_REVIEW, _always, "reviewer opens the review"),
    (State.UNDER_REVIEW, Action.APPROVE): Transition(State.IN_FORCE, _no_blocking, "approve: in force"),
    (State.UNDER_REVIEW, Action.RETURN): Transition(State.RETURNED, _has_reasons, "return with reasons"),
    (State.RETURNED, Action.RESUBMIT): Transition(
        State.NEGOTIATING, _has_clauses, "renegotiate after return"
    ),
    (State.IN_FORCE, Action.EVALUATE): Transition(State.EVALUATED, _always, "periodic evaluation"),
    (State.EVALUATED, Action.CONFIRM): Transition(State.IN_FORCE, _always, "evaluation satisfactory"),
    (State.EVALUATED, Action.ORDER_REVISION): Transition(
        State.REVISION_REQUIRED, _has_reasons, "poor performance: order revision with a deadline"
    ),
    (State.IN_FORCE, Action.ORDER_REVISION): Transition(
        State.REVISION_REQUIRED, _has_reasons, "a dispute decision orders a revision with a deadline"
    ),
    (State.EXPIRED, Action.ORDER_REVISION): Transition(
        State.REVISION_REQUIRED, _has_reasons, "extend an expired instrument by revision"
    ),
    (State.REVISION_REQUIRED, Action.REVISE): Transition(
        State.REVISED, _has_clauses, "a party tables the revised text"
    ),
    (State.REVISED, Action.SIGN): Transition(
        State.REVISED, _signer_may_sign, "a party signs the revised text"
    ),
    (State.IN_FORCE, Action.TERMINATE): Transition(State.TERMINATED, _has_reasons, "terminate"),
    (State.EVALUATED, Action.TERMINATE): Transition(State.TERMINATED, _has_reasons, "terminate"),
    (State.REVISION_REQUIRED, Action.TERMINATE): Transition(State.TERMINATED, _has_reasons, "terminate"),
    (State.EXPIRED, Action.TERMINATE): Transition(State.TERMINATED, _has_reasons, "abolish after expiry"),
    (State.IN_FORCE, Action.EXPIRE): Transition(State.EXPIRED, _past_expiry, "term ended"),
    (State.EVALUATED, Action.EXPIRE): Transition(State.EXPIRED, _past_expiry, "term ended"),
}


def allowed_actions(state: State | str) -> tuple[Action, ...]:
    """Actions that have a row in the table for ``state`` (guards not evaluated)."""
    s = State(state)
    return tuple(a for (st, a) in TRANSITIONS if st is s)


def apply(state: State | str, action: Action | str, ctx: LifecycleContext) -> State:
    """The state after ``action``; raises :class:`ConflictError` when not allowed.

    >>> apply("draft", "open_consultation", LifecycleContext(on=date(2024, 1, 1), n_clauses=2))
    <State.CONSULTATION: 'consultation'>
    """
    s, a = State(state), Action(action)
    row = TRANSITIONS.get((s, a))
    if row is None:
        allowed = ", ".join(x.value for x in allowed_actions(s)) or "none"
        raise ConflictError(f"action {a.value!r} is not possible in state {s.value!r} (possible: {allowed})")
    reason = row.guard(ctx)
    if reason is not None:
        raise ConflictError(f"action {a.value!r} refused in state {s.value!r}: {reason}")
    return row.target


def table_rows() -> list[dict[str, str]]:
    """The table as JSON-ready rows (for the API documentation and the UI)."""
    return [
        {
            "state": s.value,
            "state_zh": STATE_LABELS[s],
            "action": a.value,
            "target": t.target.value,
            "guard": t.guard.__name__.lstrip("_"),
            "description": t.description,
        }
        for (s, a), t in TRANSITIONS.items()
    ]
