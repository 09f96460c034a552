"""Benchmark: Phillips-Sul convergence clubs on a county-sized panel vs the port ``convergence-clubs``.

A synthetic panel of 2,844 regions (about the number of Chinese county-level units) x 30
years (fixed seed): eight groups whose log levels converge to eight steady states at
different speeds, plus a random-walk component and noise, so that the clustering finds
many clubs.  Both libraries get the same HP-filtered log
values (regcoord's filter; the port's equals it to 1e-10, see tests/measure/test_clubs.py)
and are run on the same settings (R defaults: FQSB, c* = 0 fixed, time_trim 1/3); their
clubs are compared in the same run.  Goal: under 10 s for the clustering.

Run: ``.venv/bin/python -m benchmarks.bench_clubs`` from the repository root.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from benchmarks._record import record, table
from regcoord.measure.clubs import convergence_clubs, hp_filter

N, YEARS, GROUPS = 2844, 30, 8


def _panel(seed: int = 20261204, n: int = N) -> np.ndarray:
    """(YEARS, n) positive values: log levels converge to one of eight steady states."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, YEARS + 1)[:, None]
    group = rng.integers(0, GROUPS, size=n)
    steady = np.linspace(8.0, 12.0, GROUPS)[group]
    start = rng.normal(0.0, 0.3, size=n)
    speed = rng.uniform(0.05, 0.25, size=n)
    walk = rng.normal(0.0, 0.01, size=(YEARS, n)).cumsum(axis=0)
    logx = steady + start * np.exp(-speed * t) + walk + rng.normal(0.0, 0.01, size=(YEARS, n))
    return np.exp(logx)


def _best(fn, repeat: int):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    import convergence_clubs as cc

    x = _panel()
    names = [f"r{i:04d}" for i in range(N)]
    filtered = hp_filter(np.log(x), lamb=400)
    t_full, full = _best(lambda: convergence_clubs(x, regions=names, filter="hp"), 3)
    t_ours, ours = _best(lambda: convergence_clubs(filtered, regions=names, filter="none"), 3)
    frame = pd.DataFrame(filtered.T, index=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_port, port = _best(lambda: cc.find_clubs(frame), 1)
    same = [set(c.members) for c in ours.clubs] == [{names[i] for i in c.ids} for c in port] and set(
        ours.divergent
    ) == {names[i] for i in port.divergent_ids}
    assert [c.members for c in full.clubs] == [c.members for c in ours.clubs]
    rows = [
        {
            "task": f"clubs, {N:,} regions x {YEARS} years (HP filter included)",
            "regcoord (s)": f"{t_full:.2f}",
            "convergence-clubs (s)": "",
            "speed-up": "",
        },
        {
            "task": f"clubs, {N:,} regions x {YEARS} years, filtered input",
            "regcoord (s)": f"{t_ours:.2f}",
            "convergence-clubs (s)": f"{t_port:.2f}",
            "speed-up": f"{t_port / t_ours:.0f}x",
        },
    ]
    md = (
        "## Convergence clubs (regcoord.measure.clubs vs convergence-clubs)\n\n"
        f"Synthetic panel (seed 20261204): {GROUPS} groups converging to different log levels at "
        "random speeds, plus a random walk and noise. Phillips-Sul clustering with the R package's "
        "defaults (FQSB, c* = 0 fixed, time_trim 1/3). regcoord: best of 3 runs; the port "
        "`convergence-clubs` 0.1.2 (a Python port of the R package ConvergenceClubs): one run.\n\n"
        + table(rows)
        + f"\n\nClubs found: {len(ours.clubs)}, divergent regions: {len(ours.divergent)}; "
        f"identical memberships in both libraries: {same}. Goal: under 10 s.\n"
    )
    print(md)
    record("clubs", md)


if __name__ == "__main__":
    main()
