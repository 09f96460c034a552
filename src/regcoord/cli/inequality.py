"""``regcoord inequality DATA --value COL [--weight COL] [--group COL] ... [--json]``.

Thin command over :mod:`regcoord.measure.inequality`, ``decomposition`` and
``inference``: every index per year, the Theil T/L and Dagum Gini decompositions by a
region attribute, a permutation test of the between share and bootstrap intervals.
Years are computed over the regions that have the value (and weight) in that year; a gap
is an error unless ``--allow-missing`` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from regcoord.cli._output import (
    console,
    print_json,
    progress_bar,
    report_dropped,
    resolve_seed,
    user_errors,
)
from regcoord.data import DATASETS, Panel, load_panel
from regcoord.errors import DataError
from regcoord.measure.decomposition import gini_decomposition, theil_decomposition
from regcoord.measure.entropy import ge_decomposition, generalized_entropy
from regcoord.measure.inequality import inequality as inequality_indices
from regcoord.measure.inference import bootstrap, permutation_test
from regcoord.measure.polarization import esteban_ray, hoover, wolfson


@dataclass(frozen=True)
class _Block:
    """Years that share the same set of regions with data."""

    years: tuple[int, ...]
    regions: tuple[str, ...]
    values: np.ndarray  # (T, n)
    weights: np.ndarray | None


def _blocks(
    panel: Panel, value: str, weight: str | None, years: list[int] | None, allow_missing: bool
) -> tuple[list[_Block], list[str]]:
    """Year blocks with the same regions present; and, with ``allow_missing``, what was left out."""
    v = panel.wide(value)
    w = panel.wide(weight) if weight is not None else None
    available = [int(y) for y in v.columns if w is None or y in w.columns]
    if not available:
        raise DataError(
            f"{value} and {weight} share no year", column=weight, expected="a weight for every year"
        )
    if years:
        for y in years:
            if y not in available:
                raise DataError(
                    f"no {value}{' and ' + weight if weight else ''} for {y}",
                    column="year",
                    expected=f"one of {', '.join(map(str, available))}",
                )
        chosen = sorted(set(years))
    else:
        chosen = available
    regions = list(v.index if w is None else v.index.union(w.index, sort=False))
    v = v.reindex(index=regions)
    if w is not None:
        w = w.reindex(index=regions)
    groups: dict[tuple[str, ...], list[int]] = {}
    left_out: list[str] = []
    for y in chosen:
        present = v[y].notna() & (w[y].notna() if w is not None else True)
        if not allow_missing and not present.all():
            r = str(present.index[~present.to_numpy()][0])
            what = value if pd.isna(v.loc[r, y]) else weight
            raise DataError(
                f"{what} is missing for region {r} in {y} ({int((~present).sum())} region(s) in all)",
                source=panel.source,
                column=what,
                expected="a value for every region (pass --allow-missing to use the regions present each year)",
            )
        for r in present.index[~present.to_numpy()]:
            what = value if pd.isna(v.loc[r, y]) else weight
            left_out.append(f"region {r} in {y}: no {what}")
        key = tuple(str(r) for r in present.index[present.to_numpy()])
        groups.setdefault(key, []).append(y)
    out = []
    for regs, ys in groups.items():
        vals = v.loc[list(regs), ys].to_numpy(dtype=float).T
        wts = w.loc[list(regs), ys].to_numpy(dtype=float).T if w is not None else None
        out.append(_Block(tuple(ys), regs, vals, wts))
    return out, left_out


def _block_records(
    b: _Block,
    panel: Panel,
    group: str | None,
    permutations: int,
    replications: int,
    seed: int | None,
    ci: float,
    perm_progress: Callable[[int, int], None],
    boot_progress: Callable[[int, int], None],
    family: bool = False,
) -> list[dict[str, Any]]:
    res = inequality_indices(b.values, weights=b.weights, years=b.years, regions=b.regions)
    records = res.records()
    if family:
        _add_family(records, b, panel, group)
    if group is not None:
        labels = panel.group_labels(group, b.regions)
        dt = theil_decomposition(
            b.values, labels, weights=b.weights, kind="T", years=b.years, regions=b.regions
        )
        dl = theil_decomposition(
            b.values, labels, weights=b.weights, kind="L", years=b.years, regions=b.regions
        )
        dg = gini_decomposition(b.values, labels, weights=b.weights, years=b.years, regions=b.regions)
        for t, rec in enumerate(records):
            rec.update(
                groups=len(dt.groups),
                theil_t_between=float(dt.between[t]),
                theil_t_within=float(dt.within[t]),
                theil_t_between_share=float(dt.between_share[t]),
                theil_l_between=float(dl.between[t]),
                theil_l_within=float(dl.within[t]),
                gini_between=float(dg.net_between[t]),
                gini_within=float(dg.within[t]),
                gini_overlap=float(dg.overlap[t]),
            )
        if permutations:
            pt = permutation_test(
                b.values,
                labels,
                weights=b.weights,
                kind="T",
                permutations=permutations,
                seed=seed,
                progress=perm_progress,
                years=b.years,
                regions=b.regions,
            )
            for t, rec in enumerate(records):
                rec["between_share_p_value"] = float(pt.p_value[t])
    if replications:
        bs = bootstrap(
            b.values,
            weights=b.weights,
            replications=replications,
            seed=seed,
            ci=ci,
            progress=boot_progress,
            years=b.years,
            regions=b.regions,
        )
        for t, rec in enumerate(records):
            rec["ci_level"] = ci
            rec["ci"] = bs.intervals(t)
    return records


#: the GE parameters that Stata's ineqdeco reports
GE_ALPHAS = (-1.0, 0.0, 1.0, 2.0)


def _add_family(records: list[dict[str, Any]], b: _Block, panel: Panel, group: str | None) -> None:
    """GE(-1, 0, 1, 2), Esteban-Ray (alpha 1), Wolfson and Hoover; GE decompositions by group."""
    kw: dict[str, Any] = {"weights": b.weights, "years": b.years, "regions": b.regions}
    positive = bool((b.values > 0).all())
    ge = {a: generalized_entropy(b.values, a=a, **kw).values for a in GE_ALPHAS if positive or a > 0}
    er = esteban_ray(b.values, alpha=1.0, **kw).values
    wf = wolfson(b.values, **kw).values
    ho = hoover(b.values, **kw).values
    dec = {}
    if group is not None:
        labels = panel.group_labels(group, b.regions)
        dec = {a: ge_decomposition(b.values, labels, a=a, **kw) for a in ge}
    for t, rec in enumerate(records):
        rec["ge"] = {repr(a): float(v[t]) for a, v in ge.items()}
        rec["esteban_ray"] = float(er[t])
        rec["wolfson"] = float(wf[t])
        rec["hoover"] = float(ho[t])
        if dec:
            rec["ge_decomposition"] = {
                repr(a): {
                    "between": float(d.between[t]),
                    "within": float(d.within[t]),
                    "between_share": float(d.between_share[t]),
                    "elmo_share": float(d.elmo_share[t]),
                }
                for a, d in dec.items()
            }


def inequality(
    data: str = typer.Argument(
        ..., help="Data file (CSV/Parquet/XLSX) or bundled dataset name. 数据文件或内置数据集名。"
    ),
    value: str | None = typer.Option(
        None,
        "--value",
        help="Indicator, e.g. gdp_per_capita (default: the dataset's own). 指标（如人均 GDP）。",
    ),
    weight: str | None = typer.Option(
        None,
        "--weight",
        help="Population weight indicator; omitted: every region weighs the same. 人口权重指标。",
    ),
    group: str | None = typer.Option(
        None, "--group", help="Region attribute that groups regions, e.g. plate. 分组属性（如四大板块）。"
    ),
    year: list[int] | None = typer.Option(None, "--year", help="Only this year (repeatable). 仅计算该年份。"),
    permutations: int = typer.Option(
        0,
        "--permutations",
        min=0,
        help="Permutations for the between-share test (needs --group). 置换检验次数。",
    ),
    replications: int = typer.Option(
        0, "--bootstrap", min=0, help="Bootstrap replications for intervals. 自助法次数。"
    ),
    seed: int | None = typer.Option(
        None,
        "--seed",
        help="Random seed; without it one is drawn and printed, so every run can be repeated. 随机种子。",
    ),
    ci: float = typer.Option(0.95, "--ci", help="Confidence level of bootstrap intervals. 置信水平。"),
    allow_missing: bool = typer.Option(
        False, "--allow-missing", help="Drop missing cells; each year uses the regions present. 允许缺失值。"
    ),
    family: bool = typer.Option(
        False,
        "--family",
        help="Add GE(-1,0,1,2), Esteban-Ray, Wolfson, Hoover (and GE decompositions, ELMO share, with --group). "
        "广义熵指数族、极化指数与胡佛指数。",
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print a JSON list, one record per year. 输出 JSON。"
    ),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
) -> None:
    """Regional inequality indices, decompositions and inference. 区域差距指数、分解与统计推断。"""
    with user_errors():
        if permutations and group is None:
            raise DataError("--permutations tests the between-group share", expected="--group COL as well")
        panel = load_panel(data, allow_missing=allow_missing)
        if value is None:
            if data in DATASETS:
                value = DATASETS[data].default_value
            elif len(panel.indicators) == 1:
                value = panel.indicators[0]
            else:
                raise DataError(
                    "no indicator given",
                    source=data,
                    expected=f"--value one of {', '.join(panel.indicators)}",
                )
        blocks, left_out = _blocks(panel, value, weight, year, allow_missing)
        if allow_missing:
            report_dropped([str(d) for d in panel.dropped], left_out)
        seed = resolve_seed(seed, needed=bool(permutations or replications))
        records: list[dict[str, Any]] = []
        with (
            progress_bar(
                "permutations 置换检验", enabled=bool(permutations) and (not json_out or show_progress)
            ) as perm_cb,
            progress_bar(
                "bootstrap 自助法", enabled=bool(replications) and (not json_out or show_progress)
            ) as boot_cb,
        ):
            for b in blocks:
                records += _block_records(
                    b, panel, group, permutations, replications, seed, ci, perm_cb, boot_cb, family
                )
        records.sort(key=lambda r: r["year"])
        if permutations or replications:
            for r in records:
                r["seed"] = seed
    if json_out:
        print_json(records)
        return
    _print_tables(records, value, weight, group)


def _f(v: Any, nd: int = 4) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{nd}f}"


_LABELS = {
    "cv": "CV 变异系数",
    "williamson_cv": "Williamson CV 加权变异系数",
    "gini": "Gini 基尼系数",
    "theil_t": "Theil T 泰尔指数",
    "theil_l": "Theil L 平均对数偏差",
    "max_min_ratio": "max/min 极值比",
    "quantile_ratio": "P90/P10 分位数比",
}


def _print_tables(records: list[dict[str, Any]], value: str, weight: str | None, group: str | None) -> None:
    how = f"weighted by {weight} 按 {weight} 加权" if weight else "unweighted 不加权"
    eps = list(records[0]["atkinson"])
    main = ["cv", "williamson_cv", "gini", "theil_t", "theil_l"]
    t = Table(
        "year 年份", "n", *[_LABELS[k] for k in main], title=f"Inequality of {value}, {how} 区域差距指数"
    )
    for r in records:
        t.add_row(str(r["year"]), str(r["n"]), *[_f(r[k]) for k in main])
    console.print(t)
    a = Table(
        "year 年份",
        *[f"Atkinson ε={e}" for e in eps],
        _LABELS["max_min_ratio"],
        _LABELS["quantile_ratio"],
        title="Atkinson indices and ratios 阿特金森指数与比值",
    )
    for r in records:
        a.add_row(
            str(r["year"]),
            *[_f(r["atkinson"][e]) for e in eps],
            _f(r["max_min_ratio"], 2),
            _f(r["quantile_ratio"], 2),
        )
    console.print(a)
    if group is not None:
        has_p = "between_share_p_value" in records[0]
        d = Table(
            "year 年份",
            "T between 组间",
            "T within 组内",
            "between share 组间占比",
            *(["p (permutation 置换)"] if has_p else []),
            "L between 组间",
            "L within 组内",
            title=f"Theil decomposition by {group} 按 {group} 的泰尔指数分解",
        )
        for r in records:
            d.add_row(
                str(r["year"]),
                _f(r["theil_t_between"]),
                _f(r["theil_t_within"]),
                _f(r["theil_t_between_share"], 3),
                *([_f(r["between_share_p_value"], 3)] if has_p else []),
                _f(r["theil_l_between"]),
                _f(r["theil_l_within"]),
            )
        console.print(d)
        g = Table(
            "year 年份",
            "Gini 基尼系数",
            "within 组内",
            "net between 组间净差",
            "overlap 超变密度",
            title=f"Dagum (1997) Gini decomposition by {group} 按 {group} 的 Dagum 基尼系数分解",
        )
        for r in records:
            g.add_row(
                str(r["year"]),
                _f(r["gini"]),
                _f(r["gini_within"]),
                _f(r["gini_between"]),
                _f(r["gini_overlap"]),
            )
        console.print(g)
    if "ge" in records[0]:
        _print_family(records, group)
    if "ci" in records[0]:
        level = round(100 * records[0]["ci_level"])
        c = Table(
            "year 年份",
            "index 指数",
            "estimate 估计值",
            "lower 下限",
            "upper 上限",
            title=f"Bootstrap {level}% percentile intervals 自助法 {level}% 置信区间",
        )
        for r in records:
            rows = [(_LABELS[k], r[k], r["ci"][k]) for k in _LABELS]
            rows += [(f"Atkinson ε={e}", r["atkinson"][e], r["ci"]["atkinson"][e]) for e in eps]
            for i, (label, est, (lo, hi)) in enumerate(rows):
                c.add_row(str(r["year"]) if i == 0 else "", label, _f(est), _f(lo), _f(hi))
        console.print(c)


def _print_family(records: list[dict[str, Any]], group: str | None) -> None:
    alphas = list(records[0]["ge"])
    t = Table(
        "year 年份",
        *[f"GE({a})" for a in alphas],
        "Esteban-Ray α=1 极化",
        "Wolfson 两极分化",
        "Hoover 胡佛",
        title="Generalised entropy, polarization, concentration 广义熵、极化与集中度",
    )
    for r in records:
        t.add_row(
            str(r["year"]),
            *[_f(r["ge"][a]) for a in alphas],
            _f(r["esteban_ray"]),
            _f(r["wolfson"]),
            _f(r["hoover"]),
        )
    console.print(t)
    if group is not None and "ge_decomposition" in records[0]:
        d = Table(
            "year 年份",
            "GE(a)",
            "between 组间",
            "within 组内",
            "between share 组间占比",
            "ELMO share 组间占比（ELMO 上界）",
            title=f"GE decomposition by {group} 按 {group} 的广义熵分解 (Shorrocks 1980; Elbers et al. 2008)",
        )
        for r in records:
            for i, (a, v) in enumerate(r["ge_decomposition"].items()):
                d.add_row(
                    str(r["year"]) if i == 0 else "",
                    a,
                    _f(v["between"]),
                    _f(v["within"]),
                    _f(v["between_share"], 3),
                    _f(v["elmo_share"], 3),
                )
        console.print(d)
