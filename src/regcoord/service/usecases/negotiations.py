"""Use cases of negotiations: coalition values, fair-division proposals from :mod:`regcoord.games`.

The service holds no formula: Shapley value, nucleolus, Nash bargaining and the core
test come from :mod:`regcoord.games.cooperative`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from regcoord.errors import DataError, NotFound
from regcoord.service import validation
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, load_instrument, policy_object, require

MAX_PLAYERS = 12


def _key(names: list[str]) -> str:
    return "+".join(sorted(names))


def _finite_decimal(value: Any, what: str, column: str) -> Decimal:
    """``value`` as a finite :class:`Decimal` (yuan), or a :class:`DataError` naming ``column``."""
    try:
        return validation.number(value, field=column)
    except DataError as exc:
        problem = next(
            (p for p in ("is not finite", "is out of range") if p.split()[-1] in exc.problem),
            "is not a number",
        )
        raise DataError(f"{what} {problem}", column=column, expected=exc.expected) from None


def create_negotiation(ctx: Ctx, instrument_id: int, *, values: dict[str, Any]) -> m.Negotiation:
    """``values`` maps coalitions ("33", "33+34") of the parties to their worth (yuan)."""
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "negotiate", policy_object(ctx, inst), f"instrument {instrument_id}")
    players = [p.region_code for p in inst.parties]
    if len(players) > MAX_PLAYERS:
        raise DataError(f"{len(players)} parties; at most {MAX_PLAYERS} for exact solutions", column="values")
    clean: dict[str, str] = {}
    for k, v in values.items():
        names = [s.strip() for s in str(k).split("+") if s.strip()]
        unknown = [n for n in names if n not in players]
        if not names or unknown:
            raise DataError(
                f"coalition {k!r} names non-parties {unknown}",
                column=f"values.{k}",
                expected=f"parties {players}",
            )
        clean[_key(names)] = str(_finite_decimal(v, f"worth of {k!r}", f"values.{k}"))
    n_needed = 2 ** len(players) - 1
    if len(clean) != n_needed:
        raise DataError(
            f"{len(clean)} coalition values given, {n_needed} needed",
            column="values",
            expected="the worth of every non-empty coalition of the parties",
        )
    neg = m.Negotiation(
        instrument_id=inst.id,
        players=players,
        values=clean,
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(neg)
    ctx.session.flush()
    ctx.audit("negotiation.create", "negotiation", neg.id, {"instrument": inst.id, "values": clean})
    return neg


def get_negotiation(ctx: Ctx, negotiation_id: int) -> m.Negotiation:
    neg = ctx.session.get(m.Negotiation, negotiation_id)
    if neg is None:
        raise NotFound(f"negotiation {negotiation_id} not found")
    load_instrument(ctx, neg.instrument_id)
    return neg


def _game(neg: m.Negotiation) -> Any:
    from regcoord.games.cooperative import TUGame

    return TUGame.from_dict({k: float(v) for k, v in neg.values.items()}, players=neg.players)


def analyse(neg: m.Negotiation, proposals: list[m.Proposal]) -> dict[str, Any]:
    """Shapley, nucleolus and Nash bargaining shares, and each proposal's properties."""
    from regcoord.games.cooperative import in_core, nash_bargaining, nucleolus, shapley

    game = _game(neg)
    standalone = {p: float(neg.values[p]) for p in neg.players}
    out: dict[str, Any] = {
        "players": neg.players,
        "values": neg.values,
        "shapley": shapley(game).to_dict()["allocation"],
        "nucleolus": nucleolus(game).to_dict()["allocation"],
        "nash": dict(zip(neg.players, nash_bargaining(game, standalone).values, strict=True)),
        "proposals": [],
    }
    for pr in proposals:
        x = {p: float(pr.allocation[p]) for p in neg.players}
        check = in_core(game, x)
        out["proposals"].append(
            {
                "id": pr.id,
                "allocation": pr.allocation,
                "individually_rational": all(x[p] >= standalone[p] - 1e-9 for p in neg.players),
                "efficient": bool(check.efficient),
                "in_core": bool(check.in_core),
                "blocking_coalitions": [c for c, _ in check.violated],
            }
        )
    return out


def propose(ctx: Ctx, negotiation_id: int, *, allocation: dict[str, Any]) -> m.Proposal:
    neg = get_negotiation(ctx, negotiation_id)
    inst = load_instrument(ctx, neg.instrument_id)
    require(ctx, "negotiate", policy_object(ctx, inst), f"negotiation {negotiation_id}")
    if set(allocation) != set(neg.players):
        raise DataError(
            "allocation must name every party once", column="allocation", expected=", ".join(neg.players)
        )
    clean = {}
    for k, v in allocation.items():
        clean[k] = str(_finite_decimal(v, f"amount for {k}", f"allocation.{k}"))
    pr = m.Proposal(
        negotiation_id=neg.id, allocation=clean, proposed_by=ctx.principal.user_id, created_at=ctx.now
    )
    ctx.session.add(pr)
    ctx.session.flush()
    ctx.audit("proposal.create", "proposal", pr.id, {"negotiation": neg.id, "allocation": clean})
    return pr
