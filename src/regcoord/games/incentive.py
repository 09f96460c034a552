"""Central-government incentive design for cooperation between regions.

Seed 001 (§2.3, citing Gao Weisheng et al.): where term limits and performance targets
cannot be abolished, *restraining local governments by contracts and punishing
non-cooperators* avoids excessive competition and promotes cooperation.  This module
computes the smallest instrument that makes mutual cooperation

(i)   a strict Nash equilibrium,
(ii)  a (strictly) dominant strategy, or
(iii) sustainable in the infinitely repeated game with grim-trigger strategies
      (Friedman 1971, *Rev. Econ. Stud.* 38(1):1-12),

using three instruments: a central **penalty** F on each defecting region, a central
**subsidy** B to each cooperating region, and a horizontal **transfer** tau that each
defecting region pays to each cooperating region (budget-balanced compensation).

Two-region prisoner's dilemma (games.md; T > R > P > S)
-------------------------------------------------------
With instruments the stage payoffs become R + B, S + B + tau, T - F - tau, P - F, so

* strict Nash:   B + F + tau > T - R                       (R + B > T - F - tau)
* dominant:      also B + F + tau > P - S                  (S + B + tau > P - F)
* grim trigger:  R'/(1-delta) >= T' + delta P'/(1-delta), i.e.
  B + F + (1 - delta) tau >= (1 - delta) T + delta P - R;
  without instruments delta >= delta* = (T - R) / (T - P).

n regions (symmetric binary game)
---------------------------------
Write C[k] and D[k] for the payoff of a cooperator and of a defector when k of the
other n - 1 regions cooperate.  Every defector pays tau to every cooperator, so a
cooperator receives tau (n - 1 - k) and a defector pays tau k; hence

* strict Nash of all-cooperate:  B + F + (n - 1) tau > D[n-1] - C[n-1];
* dominance:                     B + F + (n - 1) tau > max_k (D[k] - C[k]);
* grim trigger (any defection triggers defection by all, forever; R = C[n-1],
  T = D[n-1], P = D[0]):  B + F + (1 - delta)(n - 1) tau >= (1 - delta) T + delta P - R,
  and delta* = (T - R) / (T - P) without instruments.

For the linear public-good game (:class:`~regcoord.games.strategic.PublicGoodGame`:
pi_C(k) = b k / n + e (k - 1) - c, pi_D(k) = b k / n + e k with k cooperators in total)
D[k] - C[k] = c - b/n for every k, so strict Nash and dominance coincide:

    s + f + (n - 1) tau > c - b/n,

and grim trigger sustains cooperation without instruments when

    delta >= (c - b/n) / ((n - 1)(b/n + e)).

With n = 2 and the games.md convention (each effort gives b' to each region: b = 2b',
e = 0) these are games.md's s + f > c - b' and delta >= (c - b') / b'.

Every condition is linear in the instruments with positive coefficients a_j, so the
smallest amount of instrument j alone is gap / a_j, and the cheapest combination under
per-unit cost weights w_j is the single instrument with the least w_j / a_j (a linear
programme with one binding constraint).  ``epsilon`` is the strictness margin added to
each bound: the reported amount is max(0, bound + epsilon).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.games.strategic import (
    COOPERATE,
    SymmetricBinaryGame,
    _as_float,
    classify,
    equilibria,
)

__all__ = [
    "INSTRUMENTS",
    "DiscountThreshold",
    "IncentiveAnalysis",
    "InstrumentAmount",
    "InstrumentDesign",
    "TraceStep",
    "Verification",
    "analyse",
    "design",
    "discount_threshold",
    "verify",
]

Condition = Literal["strict_nash", "dominant", "grim_trigger"]
CONDITIONS: tuple[str, ...] = ("strict_nash", "dominant", "grim_trigger")
INSTRUMENTS: tuple[str, ...] = ("penalty", "subsidy", "transfer")

_LABELS = {
    "penalty": "penalty on defection F / 对不合作者的罚款",
    "subsidy": "subsidy to cooperation B / 对合作者的补贴",
    "transfer": "transfer defector -> cooperator tau / 不合作方对合作方的补偿",
}


class _Stage(Protocol):
    @property
    def n(self) -> int: ...

    def stage(self) -> SymmetricBinaryGame: ...


def _as_stage(game: _Stage | SymmetricBinaryGame) -> SymmetricBinaryGame:
    if isinstance(game, SymmetricBinaryGame):
        return game
    stage = getattr(game, "stage", None)
    if not callable(stage):
        raise DataError(
            f"incentive design: cannot design incentives for {type(game).__name__}",
            expected="SymmetricGame, PublicGoodGame or SymmetricBinaryGame",
        )
    out = stage()
    if not isinstance(out, SymmetricBinaryGame):
        raise DataError("incentive design: stage() did not return a SymmetricBinaryGame")
    return out


def _check_delta(delta: float | None, *, required: bool) -> float | None:
    if delta is None:
        if required:
            raise DataError("grim trigger: no discount factor given", expected="delta in [0, 1)")
        return None
    d = _as_float(delta, "delta", where="grim trigger", expected="0 <= delta < 1")
    if not np.isfinite(d) or d < 0 or d >= 1:
        raise DataError(f"grim trigger: discount factor delta={delta!r}", expected="0 <= delta < 1")
    return d


def _check_epsilon(epsilon: float) -> float:
    e = _as_float(epsilon, "epsilon", where="incentive design", expected="a finite margin >= 0")
    if not np.isfinite(e) or e < 0:
        raise DataError(f"incentive design: epsilon={epsilon!r}", expected="a finite margin >= 0")
    return e


@dataclass(frozen=True)
class TraceStep:
    """One step of an explanation trace: what was computed, by which formula, the value."""

    step: str
    formula: str
    value: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "formula": self.formula, "value": self.value, "note": self.note}


@dataclass(frozen=True)
class DiscountThreshold:
    """delta* = (T - R) / (T - P) above which grim trigger sustains mutual cooperation.

    ``delta_star`` is 0 when there is no temptation (T <= R); ``sustainable`` is False
    when no delta < 1 works (T > R and R <= P: the punishment is no threat), in which
    case ``delta_star`` is inf.
    """

    R: float
    T: float
    P: float
    delta_star: float
    sustainable: bool
    trace: tuple[TraceStep, ...]

    def holds_at(self, delta: float) -> bool:
        return bool(self.sustainable and delta >= self.delta_star)

    def to_dict(self) -> dict[str, Any]:
        return {
            "R": self.R,
            "T": self.T,
            "P": self.P,
            "delta_star": self.delta_star if np.isfinite(self.delta_star) else None,
            "sustainable": self.sustainable,
            "trace": [t.to_dict() for t in self.trace],
        }


def discount_threshold(
    game: _Stage | SymmetricBinaryGame, *, penalty: float = 0.0, subsidy: float = 0.0, transfer: float = 0.0
) -> DiscountThreshold:
    """Smallest discount factor at which grim trigger sustains full cooperation.

    With R = C[n-1] (all cooperate), T = D[n-1] (defect alone), P = D[0] (all defect),
    after the instruments: a one-shot deviation pays T + delta P / (1 - delta) against
    R / (1 - delta) from cooperating, so cooperation is sustainable iff
    delta >= (T - R) / (T - P) (Friedman 1971).
    """
    g = _as_stage(game).with_instruments(penalty=penalty, subsidy=subsidy, transfer=transfer)
    R, T, P = float(g.cooperator[-1]), float(g.defector[-1]), float(g.defector[0])
    trace = [
        TraceStep("reward R", "C[n-1]: payoff when all regions cooperate", R),
        TraceStep("temptation T", "D[n-1]: payoff of a lone defector", T),
        TraceStep("punishment P", "D[0]: payoff when all regions defect", P),
    ]
    if T <= R:
        trace.append(
            TraceStep("delta*", "T <= R: no gain from defecting", 0.0, "sustainable for every delta")
        )
        return DiscountThreshold(R, T, P, 0.0, True, tuple(trace))
    if T <= P or R <= P:
        trace.append(
            TraceStep(
                "delta*",
                "(T - R) / (T - P) >= 1",
                float("inf"),
                "R <= P: the punishment is no threat; never sustainable",
            )
        )
        return DiscountThreshold(R, T, P, float("inf"), False, tuple(trace))
    d = (T - R) / (T - P)
    trace.append(TraceStep("delta*", "(T - R) / (T - P)", d))
    return DiscountThreshold(R, T, P, d, True, tuple(trace))


@dataclass(frozen=True)
class InstrumentAmount:
    """Instrument ``instrument`` used alone: coefficient a in the condition, the bound
    (gap / a; the condition holds for amounts above it) and the reported amount
    max(0, bound + epsilon)."""

    instrument: str
    coefficient: float
    bound: float
    amount: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "label": _LABELS[self.instrument],
            "coefficient": self.coefficient,
            "bound": self.bound,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class Verification:
    """Independent check that the designed game meets the condition.

    Two regions: nashpy support enumeration (and strict best responses); n regions: the
    deviation condition over all k; grim trigger: the discounted payoff comparison.
    """

    instrument: str
    amount: float
    holds: bool
    method: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "amount": self.amount,
            "holds": self.holds,
            "method": self.method,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class InstrumentDesign(FrameHTML):
    """Smallest instruments making mutual cooperation satisfy ``condition``.

    ``gap`` is the right-hand side the instruments must close (for penalty and subsidy
    it is their bound); ``binding`` names the bound that binds.  ``combination`` and
    ``cost`` are the cheapest mix under the given cost weights (None without weights).
    """

    condition: str
    n: int
    delta: float | None
    epsilon: float
    gap: float
    binding: str
    already_holds: bool
    instruments: tuple[InstrumentAmount, ...]
    combination: tuple[tuple[str, float], ...] | None
    cost: float | None
    verification: tuple[Verification, ...]
    trace: tuple[TraceStep, ...]

    def amount(self, instrument: str) -> float:
        for ia in self.instruments:
            if ia.instrument == instrument:
                return ia.amount
        raise DataError(
            f"incentive design: unknown instrument {instrument!r}", expected=", ".join(INSTRUMENTS)
        )

    @property
    def penalty(self) -> float:
        return self.amount("penalty")

    @property
    def subsidy(self) -> float:
        return self.amount("subsidy")

    @property
    def transfer(self) -> float:
        return self.amount("transfer")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "condition": self.condition,
                    "instrument": ia.instrument,
                    "coefficient": ia.coefficient,
                    "bound": ia.bound,
                    "amount": ia.amount,
                }
                for ia in self.instruments
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "n": self.n,
            "delta": self.delta,
            "epsilon": self.epsilon,
            "gap": self.gap,
            "binding": self.binding,
            "already_holds": self.already_holds,
            "instruments": [ia.to_dict() for ia in self.instruments],
            "combination": [list(c) for c in self.combination] if self.combination is not None else None,
            "cost": self.cost,
            "verification": [v.to_dict() for v in self.verification],
            "trace": [t.to_dict() for t in self.trace],
        }


def _holds(g: SymmetricBinaryGame, condition: str, delta: float | None) -> tuple[bool, str, str]:
    """Check the condition on an already modified game, independently of the gap formulas."""
    n = g.n
    if condition == "grim_trigger":
        assert delta is not None
        R, T, P = g.cooperator[-1], g.defector[-1], g.defector[0]
        coop = R / (1 - delta)
        dev = T + delta * P / (1 - delta)
        ok = bool(coop >= dev - 1e-12 * max(1.0, abs(coop)))
        return ok, "discounted payoffs", f"cooperate forever {coop:.6g} vs deviate once {dev:.6g}"
    if n == 2:
        bm = g.bimatrix()
        eqs = equilibria(bm, method="support")
        cls = classify(bm)
        cc = (COOPERATE, COOPERATE)
        if condition == "strict_nash":
            ok = cc in eqs.pure_profiles() and cc in cls.strict_pure_nash
            return ok, "nashpy support enumeration", f"pure equilibria {list(eqs.pure_profiles())}"
        ok = (
            len(eqs) == 1 and eqs.pure_profiles() == (cc,) and cls.strictly_dominant == (COOPERATE, COOPERATE)
        )
        return (
            ok,
            "nashpy support enumeration",
            f"{len(eqs)} equilibria; dominant {list(cls.strictly_dominant)}",
        )
    eq = g.pure_equilibria()
    if condition == "strict_nash":
        ok = n in eq.counts and eq.strict[eq.counts.index(n)]
        return ok, "deviation condition", f"equilibrium cooperator counts {list(eq.counts)}"
    ok = bool(np.all(g.cooperator > g.defector))
    return (
        ok,
        "deviation condition",
        f"min gain from cooperating {float(np.min(g.cooperator - g.defector)):.6g}",
    )


def design(
    game: _Stage | SymmetricBinaryGame,
    condition: Condition = "strict_nash",
    *,
    delta: float | None = None,
    epsilon: float = 1e-6,
    weights: dict[str, float] | None = None,
) -> InstrumentDesign:
    """Smallest penalty, subsidy or transfer (each alone, and the cheapest mix under
    ``weights``) that makes mutual cooperation a strict Nash equilibrium, a dominant
    strategy, or sustainable by grim trigger at discount factor ``delta``.

    See the module docstring for the conditions.  ``weights`` maps instrument names to
    non-negative per-unit costs; instruments not named are unavailable for the mix.

    Examples
    --------
    The prisoner's dilemma R=3, S=0, T=5, P=1: a penalty above T - R = 2 makes mutual
    cooperation a strict equilibrium; at delta = 0.4 < delta* = 0.5 grim trigger needs
    B + F >= 0.6 * 5 + 0.4 * 1 - 3 = 0.4.

    >>> from regcoord.games.strategic import prisoners_dilemma
    >>> g = prisoners_dilemma(R=3, S=0, T=5, P=1)
    >>> design(g, "strict_nash", epsilon=0).penalty
    2.0
    >>> round(design(g, "grim_trigger", delta=0.4, epsilon=0).subsidy, 6)
    0.4
    """
    if condition not in CONDITIONS:
        raise DataError(f"incentive design: unknown condition {condition!r}", expected=", ".join(CONDITIONS))
    eps = _check_epsilon(epsilon)
    d = _check_delta(delta, required=condition == "grim_trigger")
    g = _as_stage(game)
    n = g.n
    c, dd = g.cooperator, g.defector
    trace: list[TraceStep] = []
    if condition == "grim_trigger":
        assert d is not None
        R, T, P = float(c[-1]), float(dd[-1]), float(dd[0])
        gap = (1 - d) * T + d * P - R
        coef = np.array([1.0, 1.0, (1 - d) * (n - 1)])
        binding = "(1 - delta) T + delta P - R"
        trace += [
            TraceStep("reward R", "C[n-1]", R),
            TraceStep("temptation T", "D[n-1]", T),
            TraceStep("punishment P", "D[0]", P),
            TraceStep(
                "gap",
                "(1 - delta) T + delta P - R",
                gap,
                "instruments: B + F + (1 - delta)(n - 1) tau >= gap",
            ),
        ]
        thr = discount_threshold(g)
        trace.append(
            TraceStep(
                "delta* without instruments",
                "(T - R) / (T - P)",
                thr.delta_star,
                "sustainable" if thr.holds_at(d) else "not sustainable at this delta",
            )
        )
    else:
        diffs = dd - c  # gain from defecting when k others cooperate
        ne_gap = float(diffs[-1])
        trace.append(
            TraceStep(
                "deviation from all-cooperate", "D[n-1] - C[n-1]" + (" = T - R" if n == 2 else ""), ne_gap
            )
        )
        if condition == "strict_nash":
            gap, binding = ne_gap, "D[n-1] - C[n-1]" + (" (T - R)" if n == 2 else "")
        else:
            k = int(np.argmax(diffs))
            gap = float(diffs[k])
            trace.append(
                TraceStep(
                    "largest gain from defecting",
                    "max_k D[k] - C[k]" + (" = max(T - R, P - S)" if n == 2 else ""),
                    gap,
                    f"binds at k = {k} other cooperators",
                )
            )
            binding = ("T - R" if k == 1 else "P - S") if n == 2 else f"D[{k}] - C[{k}]"
        coef = np.array([1.0, 1.0, float(n - 1)])
        trace.append(TraceStep("gap", binding, gap, "instruments: B + F + (n - 1) tau > gap"))
    bounds = gap / coef
    amounts = np.maximum(0.0, bounds + eps)
    already = bool(gap < 0 or (gap == 0 and condition == "grim_trigger"))
    instruments = tuple(
        InstrumentAmount(name, float(a), float(b), float(m))
        for name, a, b, m in zip(INSTRUMENTS, coef, bounds, amounts, strict=True)
    )
    for ia in instruments:
        trace.append(
            TraceStep(
                f"{ia.instrument} alone",
                "max(0, gap / coefficient + epsilon)",
                ia.amount,
                _LABELS[ia.instrument],
            )
        )

    combination: tuple[tuple[str, float], ...] | None = None
    cost: float | None = None
    if weights is not None:
        w = {}
        for k_, v in weights.items():
            if k_ not in INSTRUMENTS:
                raise DataError(
                    f"incentive design: unknown instrument {k_!r} in weights",
                    expected=", ".join(INSTRUMENTS),
                )
            fv = _as_float(v, f"weight {k_}", where="incentive design", expected="a finite cost >= 0")
            if not np.isfinite(fv) or fv < 0:
                raise DataError(f"incentive design: weight {k_}={v!r}", expected="a finite cost >= 0")
            w[k_] = fv
        if not w:
            raise DataError("incentive design: no instrument available in weights", expected="at least one")
        idx = [INSTRUMENTS.index(k_) for k_ in INSTRUMENTS if k_ in w]
        ratios = np.array([w[INSTRUMENTS[i]] / coef[i] for i in idx])
        best = idx[int(np.argmin(ratios))]
        combination = tuple((INSTRUMENTS[i], float(amounts[i]) if i == best else 0.0) for i in idx)
        cost = float(w[INSTRUMENTS[best]] * amounts[best])
        trace.append(
            TraceStep(
                "cheapest mix",
                "argmin_j w_j / a_j (linear programme, one binding constraint)",
                cost,
                f"use {INSTRUMENTS[best]} only",
            )
        )

    checks = []
    for ia in instruments:
        mod = g.with_instruments(**{ia.instrument: ia.amount})
        ok, method, detail = _holds(mod, condition, d)
        checks.append(Verification(ia.instrument, ia.amount, ok, method, detail))
    return InstrumentDesign(
        condition=condition,
        n=n,
        delta=d,
        epsilon=eps,
        gap=float(gap),
        binding=binding,
        already_holds=already,
        instruments=instruments,
        combination=combination,
        cost=cost,
        verification=tuple(checks),
        trace=tuple(trace),
    )


def verify(
    game: _Stage | SymmetricBinaryGame,
    condition: Condition,
    *,
    penalty: float = 0.0,
    subsidy: float = 0.0,
    transfer: float = 0.0,
    delta: float | None = None,
) -> Verification:
    """Does mutual cooperation meet ``condition`` once the instruments are applied?

    Two regions: checked on nashpy's equilibria (strict Nash: (C, C) is an equilibrium
    with strict best responses; dominant: (C, C) is the unique equilibrium and
    cooperation strictly dominant).  n regions: deviation conditions.  Grim trigger:
    R'/(1 - delta) >= T' + delta P'/(1 - delta).
    """
    if condition not in CONDITIONS:
        raise DataError(f"incentive design: unknown condition {condition!r}", expected=", ".join(CONDITIONS))
    d = _check_delta(delta, required=condition == "grim_trigger")
    g = _as_stage(game).with_instruments(penalty=penalty, subsidy=subsidy, transfer=transfer)
    ok, method, detail = _holds(g, condition, d)
    used = [
        f"{k}={v:g}" for k, v in (("penalty", penalty), ("subsidy", subsidy), ("transfer", transfer)) if v
    ]
    return Verification(", ".join(used) or "none", float(penalty + subsidy + transfer), ok, method, detail)


@dataclass(frozen=True)
class IncentiveAnalysis(FrameHTML):
    """All three designs and the discount threshold for one game."""

    game: dict[str, Any]
    kind: str | None
    threshold: DiscountThreshold
    strict_nash: InstrumentDesign
    dominant: InstrumentDesign
    grim_trigger: InstrumentDesign | None

    def designs(self) -> tuple[InstrumentDesign, ...]:
        out = (self.strict_nash, self.dominant)
        return (*out, self.grim_trigger) if self.grim_trigger is not None else out

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([d.to_frame() for d in self.designs()], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "game": self.game,
            "kind": self.kind,
            "discount_threshold": self.threshold.to_dict(),
            "strict_nash": self.strict_nash.to_dict(),
            "dominant": self.dominant.to_dict(),
            "grim_trigger": self.grim_trigger.to_dict() if self.grim_trigger is not None else None,
        }


def analyse(
    game: _Stage | SymmetricBinaryGame,
    *,
    delta: float | None = None,
    epsilon: float = 1e-6,
    weights: dict[str, float] | None = None,
) -> IncentiveAnalysis:
    """Discount threshold and the three designs (grim trigger only when ``delta`` is given)."""
    g = _as_stage(game)
    to_dict = getattr(game, "to_dict", None)
    info = to_dict() if callable(to_dict) else g.to_dict()
    kind_fn = getattr(game, "kind", None)
    kind = kind_fn() if callable(kind_fn) else None
    return IncentiveAnalysis(
        game=info,
        kind=kind,
        threshold=discount_threshold(g),
        strict_nash=design(g, "strict_nash", epsilon=epsilon, weights=weights),
        dominant=design(g, "dominant", epsilon=epsilon, weights=weights),
        grim_trigger=design(g, "grim_trigger", delta=delta, epsilon=epsilon, weights=weights)
        if delta is not None
        else None,
    )
