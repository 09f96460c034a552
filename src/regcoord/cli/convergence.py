"""``regcoord convergence DATA --value COL [--controls COL ...] [--json]``.

Thin command over :mod:`regcoord.measure.convergence`: sigma-convergence with trend tests,
absolute (or conditional) beta-convergence with robust SE, panel beta-convergence with
region fixed effects, and a quintile Markov chain of relative values.  ``--clubs`` adds
Phillips-Sul convergence clubs (:mod:`regcoord.measure.clubs`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import typer
from rich.table import Table

from regcoord.cli._output import console, print_json, user_errors
from regcoord.data import load_panel
from regcoord.errors import DataError
from regcoord.measure.clubs import FILTERS, MERGES, ClubsResult, convergence_clubs
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
    level: float = typer.Option(
        0.05, "--level", help="Significance level: converging only when significant at it. 显著性水平。"
    ),
    clubs: bool = typer.Option(
        False, "--clubs", help="Phillips-Sul convergence clubs (log t test). 俱乐部收敛（log t 检验）。"
    ),
    filter_: str = typer.Option(
        "hp",
        "--filter",
        help="Trend filter of log values for --clubs: hp, hamilton or none (already filtered). 滤波方法。",
    ),
    merge: str | None = typer.Option(
        None, "--merge", help="Merge adjacent clubs: PS or vLT. 合并相邻俱乐部的规则。"
    ),
    merge_divergent: bool = typer.Option(
        False, "--merge-divergent", help="Let divergent regions join a club (vLT). 发散地区并入俱乐部。"
    ),
    weight: str | None = typer.Option(
        None, "--weight", help="Weight indicator for --clubs, e.g. population (last year). 权重指标。"
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
        beta = beta_convergence(m, controls=ctrl or None, cov_type=cov_type, level=level)
        panel_beta = None
        skipped: list[str] = []
        try:
            panel_beta = panel_beta_convergence(m, level=level)
        except DataError as exc:  # e.g. unequally spaced years: report it, keep the other tests
            skipped.append(f"panel beta-convergence skipped: {exc}")
        markov = markov_transitions(m, k=markov_k)
        club_result = None
        if clubs:
            w = None
            if weight is not None:
                wm = panel.matrix(weight, regions=m.regions)
                w = wm.values[-1]
            club_result = convergence_clubs(
                m,
                weights=w,
                filter=_choice(filter_, FILTERS, "--filter"),  # type: ignore[arg-type]
                merge=_choice(merge, MERGES, "--merge") if merge else None,  # type: ignore[arg-type]
                merge_divergent=merge_divergent,
            )
    out: dict[str, Any] = {
        "value": value,
        "years": [m.years[0], m.years[-1]],
        "regions": len(m.regions),
        "sigma": sigma.to_dict(),
        "beta": beta.to_dict(),
        "panel_beta": panel_beta.to_dict() if panel_beta else None,
        "markov": markov.to_dict(),
        "skipped": skipped,
    }
    if club_result is not None:
        d = club_result.to_dict()
        out["clubs"] = d.pop("clubs")
        out["divergent"] = d.pop("divergent")
        out["club_test"] = d
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
    for note in markov.notes:
        console.print(f"  [yellow]note[/]: {note}", soft_wrap=True)
    if club_result is not None:
        attrs = panel.attributes
        col = "name_zh" if "name_zh" in attrs.columns else ("name_en" if "name_en" in attrs.columns else None)
        names = {str(r): str(attrs.loc[r, col]) for r in attrs.index} if col else {}
        _print_clubs(club_result, names)


def _choice(text: str, allowed: tuple[str, ...], option: str) -> str:
    if text not in allowed:
        raise DataError(f"{option} {text!r}", column=option, expected=" or ".join(allowed))
    return text


def _print_clubs(r: ClubsResult, names: dict[str, str]) -> None:
    t = Table(
        "club 俱乐部",
        "regions 地区数",
        "log t (b)",
        "t",
        "members 成员",
        title=f"convergence clubs 收敛俱乐部 (Phillips-Sul, filter {r.filter})",
    )
    for i, c in enumerate(r.clubs, start=1):
        merged = f" ({'+'.join(map(str, c.merged_from))})" if len(c.merged_from) > 1 else ""
        members = ", ".join(names.get(m, m) for m in c.members)
        t.add_row(f"{i}{merged}", str(len(c.members)), _fmt(c.test.log_t), _fmt(c.test.t_stat), members)
    if r.divergent:
        t.add_row(
            "divergent 发散", str(len(r.divergent)), "", "", ", ".join(names.get(m, m) for m in r.divergent)
        )
    console.print(t)
    console.print(
        f"  all regions 全体: log t = {_fmt(r.overall.log_t)}, t = {_fmt(r.overall.t_stat)} "
        f"({'converging 收敛' if r.overall.converging else 'not converging as one club 整体不收敛'}; H0 rejected when t < -1.65)"
    )
    for note in r.notes:
        console.print(f"  [yellow]note[/]: {note}")


def _complete_years(panel: Any, value: str) -> list[int]:
    """Years in which every region has the value (a gap elsewhere would be an error)."""
    w = panel.wide(value)
    full = [int(y) for y in w.columns if not w[y].isna().any()]
    if len(full) < 2:
        raise DataError(
            f"{value} is complete for {len(full)} year(s)", column=value, expected="at least 2 complete years"
        )
    return full
