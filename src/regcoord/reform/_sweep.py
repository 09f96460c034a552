"""Vectorised sweeps over a family of reforms, and the (budget, disparity) Pareto frontier.

A sweep evaluates K reforms of one scheme at once: every swept parameter becomes a
column of shape (K, 1) fed to the scheme's one formula on float64 data, so the amounts
of all reforms form one (K, n) array, and the disparity indices of all K rows come from
one call per index of :mod:`regcoord.measure` (the rows play the role of years).

Budget of reform k: ``B_k = sum_i T_ki`` (yuan).  The frontier is the set of reforms not
dominated in (budget, disparity), both minimised: k is on it when no j has
``B_j <= B_k`` and ``D_j <= D_k`` with one strict.  A reform is a Pareto improvement over
the baseline when no region receives less (by more than half a fen) and one receives more.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.reform._data import ReformData
from regcoord.reform._measures import INDICES, Disparity, disparity_at, disparity_rows
from regcoord.reform._reform import Override, Reform, RuleSystem, parse_reform
from regcoord.reform._run import scheme_params
from regcoord.reform._schemes import Scheme
from regcoord.rules import available_rule_sets

__all__ = ["SweepResult", "grid_values", "pareto_frontier", "parse_grid", "random_values", "sweep"]

_HALF_FEN = 0.005


def parse_grid(text: str) -> tuple[str, tuple[Decimal, ...]]:
    """``"NAME=START:STOP:STEP"`` -> ``(NAME, (START, START+STEP, ..., <= STOP))`` (exact decimals).

    >>> name, values = parse_grid("coefficient=0.5:0.7:0.1")
    >>> name, [str(v) for v in values]
    ('coefficient', ['0.5', '0.6', '0.7'])
    """
    name, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not name.strip() or len(parts) != 3:
        raise DataError(f"cannot read {text!r}", column="--grid", expected="NAME=START:STOP:STEP")
    try:
        start, stop, step = (Decimal(p.strip()) for p in parts)
    except InvalidOperation:
        raise DataError(
            f"{spec!r} has a value that is not a number", column="--grid", expected="numbers"
        ) from None
    if step <= 0 or stop < start:
        raise DataError(
            f"{text!r}: step {step}, from {start} to {stop}",
            column="--grid",
            expected="STEP > 0 and STOP >= START",
        )
    n = int((stop - start) / step) + 1
    if n > 1_000_000:
        raise DataError(f"{text!r} has {n} points", column="--grid", expected="at most 1,000,000 points")
    return name.strip(), tuple(start + i * step for i in range(n))


def grid_values(axes: Mapping[str, Sequence[Any]]) -> tuple[tuple[str, ...], np.ndarray]:
    """The Cartesian product of the axes: names and a (K, m) float array, K = prod of lengths.

    >>> names, values = grid_values({"a": [1, 2], "b": [10, 20, 30]})
    >>> names, values.shape, values[4].tolist()
    (('a', 'b'), (6, 2), [2.0, 20.0])
    """
    if not axes:
        raise DataError("no parameter to sweep", column="--grid", expected="NAME=START:STOP:STEP")
    names = tuple(axes)
    rows = list(itertools.product(*(tuple(float(v) for v in axes[n]) for n in names)))
    return names, np.array(rows, dtype=float).reshape(len(rows), len(names))


def random_values(
    ranges: Mapping[str, tuple[float, float]], n: int, *, seed: int = 0
) -> tuple[tuple[str, ...], np.ndarray]:
    """``n`` reforms drawn uniformly in the given ``(low, high)`` ranges (reproducible by ``seed``)."""
    if n < 1:
        raise DataError(f"sample size {n}", expected="at least 1")
    rng = np.random.default_rng(seed)
    names = tuple(ranges)
    lo = np.array([ranges[k][0] for k in names], dtype=float)
    hi = np.array([ranges[k][1] for k in names], dtype=float)
    if (hi < lo).any():
        raise DataError("a range has high < low", expected="(low, high) with low <= high")
    return names, rng.uniform(lo, hi, size=(n, len(names)))


def pareto_frontier(budget: np.ndarray, disparity: np.ndarray) -> tuple[int, ...]:
    """Indices of the points not dominated in (budget, disparity), both minimised, by budget.

    Sort by budget (ties: lower disparity first); a point is on the frontier when its
    disparity is strictly below every disparity before it.

    >>> pareto_frontier(np.array([3.0, 1.0, 2.0, 2.0]), np.array([0.1, 0.5, 0.3, 0.6]))
    (1, 2, 0)
    """
    b = np.asarray(budget, dtype=float)
    d = np.asarray(disparity, dtype=float)
    if b.shape != d.shape or b.ndim != 1:
        raise DataError("budget and disparity must be 1-D arrays of one length")
    if b.size == 0:
        return ()
    order = np.lexsort((d, b))
    ds = d[order]
    best_before = np.concatenate(([np.inf], np.minimum.accumulate(ds)[:-1]))
    return tuple(int(i) for i in order[ds < best_before])


@dataclass(frozen=True, eq=False)
class SweepResult(FrameHTML):
    """K reforms of one scheme: parameter values (K, m), budgets, disparity and the frontier."""

    scheme: str
    date: dt.date
    names: tuple[str, ...]
    values: np.ndarray
    budget: np.ndarray
    disparity: Mapping[str, np.ndarray]
    pareto_improvement: np.ndarray
    baseline_budget: float
    baseline_disparity: Disparity
    index: str
    frontier: tuple[int, ...]

    def reform(self, k: int) -> Reform:
        """Reform ``k`` as a :class:`Reform` (for an exact run with its trace)."""
        return parse_reform(
            {
                "name": f"sweep {k}",
                "overrides": {
                    n: {self.date.isoformat(): format(Decimal(repr(float(v))), "f")}
                    for n, v in zip(self.names, self.values[k], strict=True)
                },
            }
        )

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.values, columns=list(self.names))
        df["budget"] = self.budget
        for k in INDICES:
            df[k] = self.disparity[k]
        df["pareto_improvement"] = self.pareto_improvement
        df["on_frontier"] = False
        df.loc[list(self.frontier), "on_frontier"] = True
        return df

    def _point(self, k: int) -> dict[str, Any]:
        return {
            "parameters": {n: float(v) for n, v in zip(self.names, self.values[k], strict=True)},
            "budget": f"{self.budget[k]:.2f}",
            "disparity": {i: float(self.disparity[i][k]) for i in INDICES},
            "pareto_improvement": bool(self.pareto_improvement[k]),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``regcoord reform sweep --json``: the frontier of (budget, disparity)."""
        return {
            "scheme": self.scheme,
            "date": self.date.isoformat(),
            "index": self.index,
            "parameters": list(self.names),
            "n_reforms": int(self.values.shape[0]),
            "unit": "yuan",
            "baseline": {
                "budget": f"{self.baseline_budget:.2f}",
                "disparity": self.baseline_disparity.to_dict(),
            },
            "frontier": [self._point(k) for k in self.frontier],
            "n_pareto_improvements": int(self.pareto_improvement.sum()),
        }


def _resolve(scheme: Scheme, system: RuleSystem, name: str, date: dt.date, probe: float) -> str:
    full = name if "." in name else f"{scheme.rule_set}.{name}"
    rs_name, _, param = full.partition(".")
    if rs_name != scheme.rule_set:
        raise DataError(
            f"{full!r} is not a parameter of scheme {scheme.name}",
            column=full,
            expected=f"{scheme.rule_set}.NAME",
        )
    if param not in scheme.parameters and param not in scheme.inputs:
        raise DataError(
            f"scheme {scheme.name} does not read {param!r}",
            column=full,
            expected=f"one of {', '.join((*scheme.parameters, *scheme.inputs))}",
        )
    system.check(Override(rs_name, param, date, Decimal(repr(probe))))
    return param


def sweep(
    data: ReformData | pd.DataFrame,
    scheme: Scheme,
    names: Sequence[str],
    values: np.ndarray,
    *,
    date: dt.date | str,
    index: str = "theil_t",
    rules: RuleSystem | None = None,
) -> SweepResult:
    """Evaluate K reforms (rows of ``values``, one column per name in ``names``) in one pass."""
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    d = data if isinstance(data, ReformData) else ReformData.from_frame(data)
    if index not in INDICES:
        raise DataError(f"unknown index {index!r}", column="--index", expected=f"one of {', '.join(INDICES)}")
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 2 or vals.shape[1] != len(names) or vals.shape[0] < 1:
        raise DataError(f"values of shape {vals.shape}", expected=f"(K, {len(names)}) with K >= 1")
    if not np.isfinite(vals).all():
        raise DataError("a swept value is not finite", expected="finite numbers")
    missing = [c for c in scheme.required_columns if not d.has(c)]
    if missing:
        raise DataError(
            f"the data has no column(s) {', '.join(missing)} needed by scheme {scheme.name}",
            source=d.source,
            column=missing[0],
        )
    base = rules or RuleSystem.bundled(available_rule_sets())
    rs = base.rule_set(scheme.rule_set)
    params, _ = scheme_params(scheme, base, day, d, exact=False)
    cols = {c: d.floats(c) for c in scheme.columns}
    base_amounts = np.broadcast_to(scheme.compute(cols, params), (1, d.n))
    swept = dict(params)
    full_names: list[str] = []
    for j, name in enumerate(names):
        param = _resolve(scheme, base, name, day, float(vals[0, j]))
        lo, hi = rs.range(param)
        col = vals[:, j]
        bad = np.flatnonzero(
            ((col < float(lo)) if lo is not None else False)
            | ((col > float(hi)) if hi is not None else False)
        )
        if bad.size:
            raise DataError(
                f"{scheme.rule_set}.{param} = {col[bad[0]]} (reform {bad[0] + 1}) is outside its declared range",
                column=f"{scheme.rule_set}.{param}",
                expected=f"a value in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]",
            )
        swept[param] = col[:, None]
        full_names.append(f"{scheme.rule_set}.{param}")
    K = vals.shape[0]
    amounts = np.broadcast_to(scheme.compute(cols, swept), (K, d.n))
    res = d.floats(scheme.resources)
    pop = d.floats("population") if d.has_population else None
    rows = disparity_rows(res, amounts, pop, None, split=False, regions=d.regions)
    base_rows = disparity_rows(res, base_amounts, pop, d.groups, regions=d.regions)
    improve = (amounts >= base_amounts - _HALF_FEN).all(axis=1) & (amounts > base_amounts + _HALF_FEN).any(
        axis=1
    )
    budget = amounts.sum(axis=1)
    return SweepResult(
        scheme=scheme.name,
        date=day,
        names=tuple(full_names),
        values=vals,
        budget=budget,
        disparity=rows,
        pareto_improvement=np.asarray(improve, dtype=bool),
        baseline_budget=float(base_amounts.sum()),
        baseline_disparity=disparity_at(base_rows, 0, pop is not None),
        index=index,
        frontier=pareto_frontier(budget, rows[index]),
    )
