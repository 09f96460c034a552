"""Benchmark: exact public-services engines vs float NumPy/pandas on the same inputs.

(a) central pension adjustment (``regcoord.public_services.adjustment_amounts``: Decimal
    money, contributions to the fen, largest-remainder allocation) against the same
    formula in float64 NumPy (no rounding to the fen, so its allocations do not sum to
    the fund exactly) — 31 and 3,000 synthetic regions (seeded, illustrative figures);
(b) medical clearing (``medical_clearing``: Decimal, pairs, positions, reconciliation)
    against a float pandas ``groupby`` of the gross claims — 10,000 synthetic bills
    between 31 provinces.

Run: ``.venv/bin/python -m benchmarks.bench_public_services`` from the repository root.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._record import record, table
from regcoord.public_services import adjustment_amounts, medical_clearing


def _time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": [f"R{i}" for i in range(n)],
            "average_wage": rng.integers(50_000, 200_000, n),
            "insured_workers": rng.integers(100_000, 30_000_000, n),
            "retirees": rng.integers(50_000, 10_000_000, n),
        }
    )


def _float_adjust(f: pd.DataFrame, rate: float) -> np.ndarray:
    c = f["average_wage"].to_numpy(float) * 0.9 * f["insured_workers"].to_numpy(float) * rate
    r = f["retirees"].to_numpy(float)
    return c.sum() * r / r.sum() - c


def main() -> None:
    rng = np.random.default_rng(16)
    rows = []
    for n in (31, 3000):
        f = _frame(n, rng)
        t_ex, ex = _time(lambda f=f: adjustment_amounts(f, Decimal("0.04")))
        t_fl, fl = _time(lambda f=f: _float_adjust(f, 0.04))
        drift = abs(float(fl.sum()))
        err = max(abs(float(a) - b) for a, b in zip(ex.net, fl, strict=True))
        rows.append(
            {
                "task": f"pension adjustment, {n} regions",
                "peer": "float64 NumPy",
                "regcoord (ms)": f"{1000 * t_ex:.2f}",
                "peer (ms)": f"{1000 * t_fl:.3f}",
                "ratio (regcoord/peer)": f"{t_ex / t_fl:.0f}x",
                "exact: sum of nets (yuan)": str(sum(ex.net, Decimal(0))),
                "peer: abs. sum of nets (yuan)": f"{drift:.2e}",
                "max abs. net difference (yuan)": f"{err:.3f}",
            }
        )
    names = [f"P{i:02d}" for i in range(31)]
    m = 10_000
    ins = rng.integers(0, 31, m)
    trt = (ins + rng.integers(1, 31, m)) % 31
    bills = pd.DataFrame(
        {
            "insured_region": [names[i] for i in ins],
            "treatment_region": [names[j] for j in trt],
            "fund_paid": [f"{v / 100:.2f}" for v in rng.integers(100, 5_000_000, m)],
        }
    )
    t_ex, ex = _time(lambda: medical_clearing(bills), repeat=1)
    fb = bills.assign(fund_paid=bills["fund_paid"].astype(float))

    def peer() -> pd.Series:
        g = fb.groupby(["insured_region", "treatment_region"])["fund_paid"].sum()
        return g.groupby(level=1).sum().sub(g.groupby(level=0).sum(), fill_value=0.0)

    t_fl, fl = _time(peer)
    rows.append(
        {
            "task": f"medical clearing, {m} bills, 31 provinces",
            "peer": "float pandas groupby",
            "regcoord (ms)": f"{1000 * t_ex:.1f}",
            "peer (ms)": f"{1000 * t_fl:.2f}",
            "ratio (regcoord/peer)": f"{t_ex / t_fl:.0f}x",
            "exact: sum of nets (yuan)": str(sum(ex.positions["position"], Decimal(0))),
            "peer: abs. sum of nets (yuan)": f"{abs(float(fl.sum())):.2e}",
            "max abs. net difference (yuan)": f"{max(abs(float(a) - fl[r]) for r, a in zip(ex.positions['region'], ex.positions['position'], strict=True)):.3f}",
        }
    )
    md = (
        "## Public services: exact Decimal engines vs float peers\n\n"
        "Central pension adjustment and medical clearing in exact Decimal yuan (to the fen, "
        "largest-remainder allocation, reconciliation) against the same formulas in float64; "
        "synthetic seeded inputs (illustrative figures). The price of exactness is the ratio; "
        "the float peers' nets do not sum to exactly zero.\n\n" + table(rows)
    )
    print(md)
    record("public_services", md)


if __name__ == "__main__":
    main()
