"""``regcoord transfer formula|optimize DATA ... [--json] [--out report.html]``.

DATA is a CSV with a ``region`` column and, by scheme: ``population``,
``standard_expenditure`` and ``standard_revenue`` (china; optional ``coefficient``),
``relativity`` or ``capacity_per_capita`` (australia; optional ``no_worse_off_baseline``), ``capacity`` (germany, partial,
full), ``non_resource_capacity`` and ``resource_capacity`` (canada); for ``optimize``
``per_capita_expenditure`` (or ``expenditure``), optional ``floor`` and ``cap`` (an empty cell:
no floor / no cap).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from regcoord.cli._input import parse_date, read_csv
from regcoord.cli._output import console, print_json, progress_bar, user_errors, write_report
from regcoord.errors import DataError
from regcoord.rules import ROUNDING, Trace, load_rule_set, to_decimal
from regcoord.transfers import (
    INDICES,
    AllocationResult,
    TransferResult,
    allocate_budget,
    australia_gst,
    canada_equalization,
    china_balanced_transfer,
    full_equalization,
    germany_equalization,
    horizontal_equalization,
    minimal_budget,
    partial_equalization,
)

app = typer.Typer(
    help="Fiscal equalization formulas and budget allocation. 财政均衡转移支付公式与预算优化分配。",
    no_args_is_help=True,
)

SCHEMES = ("china", "australia", "germany", "canada", "partial", "full")
_RULES = {
    "china": "china_balanced_transfer",
    "australia": "australia_gst",
    "germany": "germany_fag",
    "canada": "canada_equalization",
}


def _read(path: Path) -> pd.DataFrame:
    df = read_csv(path, dtype={"region": str})
    if "region" not in df.columns:
        raise DataError("no 'region' column", source=str(path), column="region")
    return df


def _col(
    df: pd.DataFrame, name: str, path: Path, *, required: bool = True, empty: Any = None
) -> list[Any] | None:
    """A numeric column as Decimals; an empty cell is an error unless ``empty`` gives its value."""
    if name not in df.columns:
        if required:
            raise DataError(
                f"missing column {name!r}",
                source=str(path),
                column=name,
                expected=f"columns region, {name}, ...",
            )
        return None
    out: list[Any] = []
    for i, v in enumerate(df[name]):
        if pd.isna(v) and empty is not None:
            out.append(empty)
            continue
        if pd.isna(v):
            raise DataError("empty cell", source=str(path), row=i + 2, column=name, expected="a number")
        try:
            out.append(to_decimal(str(v).strip(), name=name))
        except DataError:
            raise DataError(f"{v!r} is not a number", source=str(path), row=i + 2, column=name) from None
    return out


def _trace_frame(trace: Trace) -> pd.DataFrame:
    f = trace.to_frame()
    f.attrs["caption_en"] = f"Calculation trace (money rounded to the fen, {ROUNDING})"
    f.attrs["caption_zh"] = f"计算过程（金额按 {ROUNDING} 舍入到分）"
    return f


def _print_result(res: TransferResult) -> None:
    console.print(f"[bold]{res.scheme}[/] — payer 出资方: {res.payer}; total 合计: {res.total}")
    console.print(res.to_frame().to_string(index=False))


def _formula_report(
    results: list[TransferResult], out: Path, lang: str, method: tuple[str, str, str, str]
) -> None:
    from regcoord.report import Section, charts

    sections = [
        Section(
            res.scheme,
            res.scheme,
            text_en=f"Payer: {res.payer}. Total {res.total}.",
            text_zh=f"出资方：{res.payer}。合计 {res.total}。",
            charts=[charts.bar(list(res.regions), [float(a) for a in res.amounts], title="amount / 金额")],
            tables=[res.to_frame(), _trace_frame(res.trace)],
        )
        for res in results
    ]
    write_report(out, lang, ("Fiscal equalization transfers", "财政均衡性转移支付"), method, sections)


_METHODS = {
    "china": (
        "China balanced transfer",
        "均衡性转移支付",
        "T_i = max(0, E_i - R_i) * c_i",
        "财预〔2022〕58号",
    ),
    "australia": (
        "GST distribution",
        "GST 分配",
        "G_s = pop_s rel_s pool / sum pop_j rel_j",
        "Federal Financial Relations Act 2009 s5, s8, s8A",
    ),
    "germany": (
        "German equalization",
        "德国财政均衡",
        "A_i = 0.63 (EQ_i - FK_i); B_i = 0.8 max(0, 0.9975 EQ_i - after_i)",
        "FAG §10, §11",
    ),
    "canada": (
        "Canadian equalization",
        "加拿大均等化",
        "E_i = max_theta pop_i max(0, s(theta) - c_i(theta))",
        "FPFAA",
    ),
    "partial": ("Partial equalization", "部分均等化", "A_i = rate (EQ_i - FK_i)", "regcoord model"),
    "full": ("Full equalization", "完全均等化", "T_i = pop_i mean - K_i", "regcoord model"),
}


@app.command("formula")
def formula(
    data: Path = typer.Argument(..., help="CSV with a region column and the scheme's columns. 数据文件。"),
    scheme: str = typer.Option("china", "--scheme", help=f"One of {', '.join(SCHEMES)}. 方案。"),
    date: str | None = typer.Option(None, "--date", help="Rule date (default today). 规则日期。"),
    coefficient: str | None = typer.Option(
        None,
        "--coefficient",
        help="China: one coefficient for all (else a 'coefficient' column). 转移支付系数。",
    ),
    total: str | None = typer.Option(
        None, "--total", help="China: amount available instead of coefficients. 可用总额。"
    ),
    pool: str | None = typer.Option(None, "--pool", help="Australia: GST pool. GST 资金池。"),
    top_up: str = typer.Option("0", "--top-up", help="Australia: top-up. 补足额。"),
    benchmark: list[str] | None = typer.Option(
        None, "--benchmark", help="Australia: benchmark regions (from capacity_per_capita). 基准地区。"
    ),
    rate: str | None = typer.Option(
        None, "--rate", help="Partial: equalization rate in [0, 1]. 均等化比例。"
    ),
    city_state: list[str] | None = typer.Option(
        None, "--city-state", help="Germany: city state (repeatable). 城市州。"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report. 输出 HTML 报告。"),
    lang: str = typer.Option("en", "--lang", help="Report language en|zh. 报告语言。"),
) -> None:
    """Equalization transfers by a published formula. 按公式计算均衡性转移支付。"""
    with user_errors():
        if scheme not in SCHEMES:
            raise DataError(f"unknown scheme {scheme!r}", expected=f"one of {', '.join(SCHEMES)}")
        day = parse_date(date, dt.date.today())
        snap = load_rule_set(_RULES[scheme]).at(day) if scheme in _RULES else None
        df = _read(data)
        regions = [str(r) for r in df["region"]]
        results: list[TransferResult] = []
        if scheme == "china" and snap is not None:
            coefs: Any = coefficient
            if coefficient is None and total is None:
                if "coefficient" not in df.columns:
                    raise DataError(
                        "no transfer coefficients",
                        source=str(data),
                        column="coefficient",
                        expected="a 'coefficient' column, --coefficient C or --total AMOUNT",
                    )
                coefs = _col(df, "coefficient", data)
            results.append(
                china_balanced_transfer(
                    regions,
                    _req(_col(df, "standard_expenditure", data)),
                    _req(_col(df, "standard_revenue", data)),
                    snap,
                    coefficients=coefs,
                    total=total,
                )
            )
        elif scheme == "australia" and snap is not None:
            if pool is None:
                raise DataError("the GST pool is needed", expected="--pool AMOUNT")
            pop = _req(_col(df, "population", data))
            rel = _col(df, "relativity", data, required=False)
            if rel is None:
                h = horizontal_equalization(
                    regions,
                    pop,
                    _req(_col(df, "capacity_per_capita", data)),
                    to_decimal(pool) + to_decimal(top_up),
                    benchmark=benchmark or None,
                )
                results.append(h)
                rel = list(h.columns["relativity"])
            nwo = _col(df, "no_worse_off_baseline", data, required=False)
            results.append(
                australia_gst(regions, pop, rel, pool, snap, top_up=top_up, no_worse_off_baseline=nwo)
            )
        elif scheme == "germany" and snap is not None:
            results.extend(
                germany_equalization(
                    regions,
                    _req(_col(df, "population", data)),
                    _req(_col(df, "capacity", data)),
                    snap,
                    city_states=city_state or (),
                )
            )
        elif scheme == "canada" and snap is not None:
            results.append(
                canada_equalization(
                    regions,
                    _req(_col(df, "population", data)),
                    _req(_col(df, "non_resource_capacity", data)),
                    _req(_col(df, "resource_capacity", data)),
                    snap,
                )
            )
        elif scheme == "partial":
            if rate is None:
                raise DataError("partial equalization needs a rate", expected="--rate R in [0, 1]")
            results.append(
                partial_equalization(
                    regions, _req(_col(df, "population", data)), _req(_col(df, "capacity", data)), rate=rate
                )
            )
        else:
            results.append(
                full_equalization(
                    regions, _req(_col(df, "population", data)), _req(_col(df, "capacity", data))
                )
            )
    if out is not None:
        with user_errors():
            _formula_report(results, out, lang, _METHODS[scheme])
    if json_out:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            _print_result(r)


def _req(v: list[Any] | None) -> list[Any]:
    assert v is not None  # _col(required=True) raised otherwise
    return v


def _optimize_report(res: AllocationResult, out: Path, lang: str, extra: str = "") -> None:
    from regcoord.report import Section, charts

    idx = {"theil": "Theil T 泰尔指数", "cv": "Williamson CV 加权变异系数", "gini": "Gini 基尼系数"}[
        res.index
    ]
    section = Section(
        "Disparity before and after",
        "分配前后的差距",
        text_en=f"{idx}: {res.index_before:.6f} before, {res.index_after:.6f} after; budget {res.budget}. {extra}",
        text_zh=f"{idx}：分配前 {res.index_before:.6f}，分配后 {res.index_after:.6f}；预算 {res.budget}。{extra}",
        charts=[
            charts.lorenz(
                {
                    "before 分配前": (list(res.before), list(res.population)),
                    "after 分配后": (list(res.after), list(res.population)),
                },
                title="Lorenz curves of per-capita expenditure / 人均支出洛伦兹曲线",
            ),
            charts.bar(
                list(res.regions),
                {"before 分配前": list(res.before), "after 分配后": list(res.after)},
                title="per-capita expenditure / 人均支出",
            ),
        ],
        tables=[res.to_frame(), _trace_frame(res.trace)],
    )
    write_report(
        out,
        lang,
        ("Transfer budget allocation", "转移支付预算优化分配"),
        (
            "Water-filling (leximin)",
            "注水法（字典序最大最小）",
            "t_i = clip(p_i (L - x_i), lo_i, hi_i), sum_i t_i = B",
            "optimal for Theil, weighted CV (separable convex, KKT); verified against scipy SLSQP/HiGHS",
        ),
        [section],
    )


@app.command("optimize")
def optimize(
    data: Path = typer.Argument(
        ..., help="CSV: region, population, per_capita_expenditure [, floor, cap]. 数据文件。"
    ),
    budget: str | None = typer.Option(None, "--budget", help="Budget to allocate. 可分配预算。"),
    target: float | None = typer.Option(
        None, "--target", help="Find the smallest budget with index <= target. 目标差距值。"
    ),
    objective: str = typer.Option(
        "leximin", "--objective", help=f"leximin or one of {', '.join(INDICES)}. 目标。"
    ),
    index: str = typer.Option(
        "theil", "--index", help=f"Reported/target index: {', '.join(INDICES)}. 差距指数。"
    ),
    solver: str = typer.Option("closed_form", "--solver", help="closed_form or numeric (scipy). 求解器。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report. 输出 HTML 报告。"),
    lang: str = typer.Option("en", "--lang", help="Report language en|zh. 报告语言。"),
) -> None:
    """Allocate a budget to reduce per-capita expenditure disparity. 预算约束下缩小人均支出差距。"""
    with user_errors():
        if (budget is None) == (target is None):
            raise DataError("give --budget or --target", expected="exactly one of the two")
        df = _read(data)
        regions = [str(r) for r in df["region"]]
        pop = np.array([float(v) for v in _req(_col(df, "population", data))])
        pc = _col(df, "per_capita_expenditure", data, required=False)
        if pc is None:
            tot = _col(df, "expenditure", data, required=False)
            if tot is None:
                raise DataError(
                    "missing column 'per_capita_expenditure'",
                    source=str(data),
                    column="per_capita_expenditure",
                    expected="per_capita_expenditure or expenditure",
                )
            per_capita = np.array([float(v) for v in tot]) / pop
        else:
            per_capita = np.array([float(v) for v in pc])
        fl = _col(df, "floor", data, required=False, empty=0)
        cp = _col(df, "cap", data, required=False, empty=float("inf"))
        floors = None if fl is None else np.array([float(v) for v in fl])
        caps = None if cp is None else np.array([float(v) for v in cp])
        extra = ""
        if target is not None:
            with progress_bar("bisection 二分搜索", enabled=not json_out or show_progress) as cb:
                search = minimal_budget(
                    regions,
                    pop,
                    per_capita,
                    target=target,
                    index=index,
                    floors=floors,
                    caps=caps,
                    progress=cb,
                )
            res = search.allocation
            extra = f"Smallest budget for {index} <= {target}: {search.budget}."
            payload: Any = search.to_dict()
        else:
            res = allocate_budget(
                regions,
                pop,
                per_capita,
                budget,
                objective=objective,
                index=index,
                floors=floors,
                caps=caps,
                solver=solver,
            )
            payload = res.to_dict()
    if out is not None:
        with user_errors():
            _optimize_report(res, out, lang, extra)
    if json_out:
        print_json(payload)
    else:
        if extra:
            console.print(extra)
        console.print(
            f"{res.index}: {res.index_before:.6f} -> {res.index_after:.6f} (budget 预算 {res.budget}; {res.method})"
        )
        console.print(res.to_frame().to_string(index=False))
