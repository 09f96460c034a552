"""``regcoord convergence DATA --value COL [--controls COL ...] [--json]``.

Thin command over :mod:`regcoord.measure.convergence`: sigma-convergence with trend tests,
absolute (or conditional) beta-convergence with robust SE, panel beta-convergence with
region fixed effects, and a quintile Markov chain of relative values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import typer
from rich.table import Table

from regcoord.cli._output import console, print_json, user_errors
from regcoord.data import load_panel
from regcoord.errors import DataError
from regcoord.measure.convergence import (
    beta_convergence,
    markov_transitions,
    panel_beta_convergence,
    sigma_convergence,
)


def _fmt(v: float, nd: int = 4) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{nd}g}"


def convergence(
    data: str = typer.Argument(
        ..., help="Data file (CSV/Parquet/XLSX) or bundled dataset name. 数据文件或内置数据集名。"
    ),
    value: str = typer.Option(..., "--value", help="Indicator to test, > 0 (e.g. gdp_per_capita). 指标。"),
    controls: list[str] = typer.Option(
        [], "--controls", help="Control indicators for conditional beta (their first-year values). 控制变量。"
    ),
    markov_k: int = typer.Option(
        5, "--classes", help="Number of relative-income classes for the Markov chain. 分组数。"
    ),
    cov_type: str = typer.Option(
        "HC1", "--cov-type", help="Robust SE type for cross-section beta. 稳健标准误类型。"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """sigma-, beta- and panel beta-convergence, and Markov distribution dynamics. 收敛性检验（σ 收敛、β 收敛、马尔可夫链）。"""
    with user_errors():
        panel = load_panel(data)
        m = panel.matrix(value, years=_complete_years(panel, value))
        ctrl: dict[str, Any] = {}
        for c in controls:
            cm = panel.matrix(c, regions=m.regions)
            if m.years[0] not in cm.years:
                raise DataError(
                    f"control {c} has no value in {m.years[0]}", column=c, expected="first-year values"
                )
            ctrl[c] = cm.values[cm.years.index(m.years[0])]
        sigma = sigma_convergence(m)
        beta = beta_convergence(m, controls=ctrl or None, cov_type=cov_type)
        panel_beta = None
        skipped: list[str] = []
        try:
            panel_beta = panel_beta_convergence(m)
        except DataError as exc:  # e.g. unequally spaced years: report it, keep the other tests
            skipped.append(f"panel beta-convergence skipped: {exc}")
        markov = markov_transitions(m, k=markov_k)
    out = {
        "value": value,
        "years": [m.years[0], m.years[-1]],
        "regions": len(m.regions),
        "sigma": sigma.to_dict(),
        "beta": beta.to_dict(),
        "panel_beta": panel_beta.to_dict() if panel_beta else None,
        "markov": markov.to_dict(),
        "skipped": skipped,
    }
    if json_out:
        print_json(out)
        return
    console.print(
        f"[bold]Convergence of {value}[/] 收敛性: {len(m.regions)} regions, {m.years[0]}-{m.years[-1]}"
    )
    t = Table("year 年份", "sd of ln x 对数标准差", "CV 变异系数", title="sigma-convergence σ 收敛")
    for y, s, c in zip(sigma.years, sigma.sd_log, sigma.cv, strict=True):
        t.add_row(str(y), f"{s:.4f}", f"{c:.4f}")
    console.print(t)
    for name, tr in (("sd of ln x", sigma.trend_sd_log), ("CV", sigma.trend_cv)):
        if tr is not None:
            console.print(f"  trend 趋势 {name}: slope {tr.slope:.3g}/year, p = {tr.pvalue:.3g}")
    b = Table(
        "model 模型",
        "beta",
        "SE",
        "p",
        "R²",
        "speed 速度",
        "half-life 半衰期",
        title="beta-convergence β 收敛",
    )
    for r in (beta, panel_beta):
        if r is None:
            continue
        b.add_row(
            r.kind,
            _fmt(r.beta),
            _fmt(r.se),
            _fmt(r.pvalue),
            _fmt(r.r2, 3),
            _fmt(r.speed),
            _fmt(r.half_life, 3),
        )
    console.print(b)
    for r in (beta, panel_beta):
        for note in r.notes if r else ():
            console.print(f"  [yellow]note[/]: {note}")
    for note in skipped:
        console.print(f"  [yellow]note[/]: {note}")
    mt = Table(
        "",
        *[f"{j + 1}" for j in range(markov.k)],
        title="Markov transitions 马尔可夫转移概率 (relative value quantiles)",
    )
    for i in range(markov.k):
        mt.add_row(str(i + 1), *[f"{v:.3f}" for v in markov.p[i]])
    mt.add_row("steady 稳态", *[_fmt(v, 3) for v in markov.steady_state])
    console.print(mt)


def _complete_years(panel: Any, value: str) -> list[int]:
    """Years in which every region has the value (a gap elsewhere would be an error)."""
    w = panel.wide(value)
    full = [int(y) for y in w.columns if not w[y].isna().any()]
    if len(full) < 2:
        raise DataError(
            f"{value} is complete for {len(full)} year(s)", column=value, expected="at least 2 complete years"
        )
    return full
