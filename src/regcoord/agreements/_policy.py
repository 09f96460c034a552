"""Authorization policy: one pure function ``can(principal, action, obj)``.

Written rules per function, object and state (OWASP ASVS 5.0 V8; service.md): regions
are tenants. An officer acts only for their own region and only where it is a party;
the proposer's officer runs the consultation (opens, answers every submission, closes);
signing needs the instrument to be under negotiation; reporting a KPI needs the
officer's region to be the obligor and the instrument to be operative; reviewing,
evaluating and deciding disputes need the principal to sit in a region above all the
parties (``obj.superiors``, computed from the region tree by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regcoord.agreements._lifecycle import OPERATIVE_STATES, State
from regcoord.agreements._model import ActorKind, Role


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user with a role, optionally bound to a region and an actor kind."""

    user_id: int | None
    role: Role
    region: str | None = None
    actor_kind: str | None = None
    actor_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Principal(user_id=None, role=Role.PUBLIC)


@dataclass(frozen=True)
class PolicyObject:
    """The facts about an object that authorization depends on."""

    kind: str  # instrument | consultation | dispute | actor | user | negotiation
    state: str | None = None
    parties: frozenset[str] = frozenset()
    obligors: frozenset[str] = frozenset()
    superiors: frozenset[str] = frozenset()
    owner_region: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


#: actions a party's officer may take on an instrument (state checked by the lifecycle)
_PARTY_OFFICER_ACTIONS = frozenset(
    {
        "create",
        "edit",
        "add_clause",
        "file",
        "resubmit",
        "revise",
        "raise_dispute",
        "negotiate",
    }
)
#: actions of the proposer only (issue 4 §2: "the proposer must answer each submission")
_PROPOSER_ACTIONS = frozenset({"open_consultation", "close_consultation", "answer"})
_SUPERIOR_REVIEWER_ACTIONS = frozenset(
    {
        "start_review",
        "approve",
        "return",
        "evaluate",
        "confirm",
        "order_revision",
        "terminate",
        "expire",
        "decide",
    }
)
_READ_ACTIONS = frozenset({"view"})


def can(principal: Principal, action: str, obj: PolicyObject) -> bool:
    """Whether ``principal`` may perform ``action`` on ``obj`` (pure; no side effects)."""
    if action in _READ_ACTIONS:
        if obj.kind == "user":
            return principal.role is Role.ADMIN
        if obj.kind == "instrument" and obj.state == State.DRAFT.value:
            return (
                principal.role is Role.ADMIN
                or (principal.role is Role.OFFICER and principal.region in obj.parties)
                or (principal.role is Role.REVIEWER and principal.region in obj.superiors)
            )
        return True
    if principal.anonymous or principal.role is Role.PUBLIC:
        return False
    if action in ("manage_users", "manage_actors"):
        return principal.role is Role.ADMIN
    if action == "submit":
        return (
            obj.kind in ("consultation", "instrument")
            and obj.state in (State.CONSULTATION.value, "open")
            and principal.role in (Role.PARTICIPANT, Role.OFFICER)
            and principal.actor_id is not None
        )
    if action == "sign":
        return (
            principal.role is Role.OFFICER
            and principal.region in obj.parties
            and obj.state in (State.NEGOTIATING.value, State.REVISED.value)
        )
    if action == "report_kpi":
        return (
            principal.role is Role.OFFICER
            and principal.region in obj.obligors
            and obj.state in {s.value for s in OPERATIVE_STATES}
        )
    if action in _PROPOSER_ACTIONS:
        return (
            principal.role is Role.OFFICER
            and principal.region is not None
            and principal.region == obj.owner_region
        )
    if action == "confirm_payment":  # the payee confirms receipt
        return obj.kind == "payment" and principal.role is Role.OFFICER and principal.region in obj.parties
    if action in _PARTY_OFFICER_ACTIONS:
        return (
            principal.role is Role.OFFICER
            and principal.region is not None
            and principal.region in obj.parties
        )
    if (
        action == "evaluate"
        and principal.role is Role.PARTICIPANT
        and principal.actor_kind == ActorKind.EVALUATOR.value
    ):  # an independent evaluator: not an actor of any party region (issue 8)
        return obj.kind == "instrument" and principal.region not in obj.parties
    if action in _SUPERIOR_REVIEWER_ACTIONS:
        return (
            principal.role is Role.REVIEWER
            and principal.region is not None
            and principal.region in obj.superiors
        )
    return False
