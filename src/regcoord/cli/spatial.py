"""``regcoord spatial DATA --value COL [--method markov|lisa|rank|moran ...] [--json]``.

Thin command over :mod:`regcoord.measure.spatial_dynamics`: the neighbours come from
:mod:`regcoord.regions.contiguity` (China's provinces, prefectures or counties, queen or
rook, islands linked to the nearest outline), from a weights file (GAL/GWT read by
libpysal, or a CSV with the columns ``region`` and ``neighbour``) whose ids are the
panel's region names, or, for the PySAL example panels ``us_income`` and ``mexico``, from
the contiguity files shipped with libpysal.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from regcoord.cli._input import read_csv
from regcoord.cli._output import console, err_console, print_json, user_errors
from regcoord.data import load_panel
from regcoord.errors import DataError
from regcoord.measure.spatial_dynamics import (
    QUADRANT_NAMES,
    lisa_markov,
    local_moran,
    rank_mobility,
    spatial_markov,
)
from regcoord.regions.contiguity import contiguity, level_of_codes

METHODS = ("markov", "lisa", "rank", "moran")
#: libpysal example panels: contiguity file shipped with libpysal, ids are row positions of the csv
_EXAMPLE_WEIGHTS = {
    "us_income": ("states48.gal", "usjoin.csv", "Name"),
    "mexico": ("mexico.gal", "mexico.csv", "State"),
}


def _level_of(regions: tuple[str, ...]) -> str:
    level = level_of_codes(regions)
    if level is None:
        raise DataError(
            "the regions are not Chinese administrative codes",
            expected="--weights FILE for other regions, or codes of provinces, prefectures or counties",
        )
    return level


def _file_weights(path: Path) -> Any:
    if not path.exists():
        raise DataError("file not found", source=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = read_csv(path, dtype=str)
        for col in ("region", "neighbour"):
            if col not in frame.columns:
                raise DataError(f"no column {col!r}", source=str(path), expected="columns region, neighbour")
        from libpysal.weights import W

        nb: dict[str, list[str]] = {}
        for i, (a, b) in enumerate(zip(frame["region"], frame["neighbour"], strict=True)):
            if not isinstance(a, str) or not isinstance(b, str):
                raise DataError(
                    "an empty cell", source=str(path), row=i + 2, expected="a region and a neighbour"
                )
            nb.setdefault(a.strip(), []).append(b.strip())
            nb.setdefault(b.strip(), [])
        sym = {k: sorted(set(v) | {a for a, vs in nb.items() if k in vs}) for k, v in nb.items()}
        return W(sym, silence_warnings=True)
    if suffix in (".gal", ".gwt"):
        import libpysal

        try:
            return libpysal.io.open(str(path)).read()
        except Exception as exc:
            raise DataError(
                f"cannot read the weights file ({exc.__class__.__name__}: {exc})", source=str(path)
            ) from None
    raise DataError(
        f"weights file of type {suffix or 'none'}", source=str(path), expected=".gal, .gwt or .csv"
    )


def _example_weights(name: str) -> Any:
    import libpysal
    import pandas as pd

    gal, csv, col = _EXAMPLE_WEIGHTS[name]
    names = pd.read_csv(libpysal.examples.get_path(csv))[col].astype(str).tolist()
    w = libpysal.io.open(libpysal.examples.get_path(gal)).read()
    return libpysal.weights.W(
        {names[int(i)]: [names[int(j)] for j in nb] for i, nb in w.neighbors.items()}, silence_warnings=True
    )


def spatial(
    data: str = typer.Argument(
        ..., help="Data file (CSV/Parquet/XLSX) or bundled dataset name. 数据文件或内置数据集名。"
    ),
    value: str = typer.Option(..., "--value", help="Indicator (e.g. gdp_per_capita). 指标。"),
    method: list[str] = typer.Option(
        list(METHODS),
        "--method",
        help="markov (Spatial Markov), lisa (LISA Markov), rank (rank mobility), moran (local Moran); repeatable. 方法。",
    ),
    weights: Path | None = typer.Option(
        None,
        "--weights",
        help="Weights file (.gal/.gwt/.csv region,neighbour) keyed by region name. 空间权重文件。",
    ),
    level: str | None = typer.Option(
        None, "--level", help="province, prefecture or county (default: from the region codes). 行政层级。"
    ),
    kind: str = typer.Option("queen", "--contiguity", help="queen or rook. 邻接规则。"),
    classes: int = typer.Option(
        5, "--classes", help="Classes of values and of spatial lags (Spatial Markov). 分组数。"
    ),
    relative: bool = typer.Option(
        True, "--relative/--absolute", help="Divide each year by its mean first (Spatial Markov). 相对值。"
    ),
    permutations: int = typer.Option(
        99, "--permutations", help="Permutations for pseudo p-values. 置换次数。"
    ),
    significance: float = typer.Option(0.05, "--significance", help="Significance level. 显著性水平。"),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (printed when not given). 随机种子。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """Spatial dynamics on real neighbours: Spatial Markov, LISA Markov, rank mobility, local Moran. 空间动态分析。"""
    with user_errors():
        bad = [m for m in method if m not in METHODS]
        if bad:
            raise DataError(f"--method {bad[0]!r}", expected=", ".join(METHODS))
        if seed is None:
            seed = secrets.randbelow(2**31)
            if not json_out:
                err_console.print(f"seed 随机种子: {seed} (rerun with --seed {seed})")
        panel = load_panel(data)
        wide = panel.wide(value)
        full = [int(y) for y in wide.columns if not wide[y].isna().any()]
        if len(full) < 2:
            raise DataError(
                f"{value} is complete for {len(full)} year(s)",
                column=value,
                expected="at least 2 complete years",
            )
        m = panel.matrix(value, years=full)
        if weights is not None:
            w: Any = _file_weights(weights)
            source = str(weights)
        elif data in _EXAMPLE_WEIGHTS:
            w = _example_weights(data)
            source = f"libpysal example {_EXAMPLE_WEIGHTS[data][0]}"
        else:
            lvl = level or _level_of(m.regions)
            w = contiguity(lvl, kind, codes=m.regions)
            source = f"{lvl} {kind} contiguity; islands: " + (
                ", ".join(f"{a}->{b} ({d:.0f} km)" for a, b, d in w.island_links) or "none"
            )
        out: dict[str, Any] = {"value": value, "years": [m.years[0], m.years[-1]], "regions": len(m.regions)}
        out["weights"] = source
        out["seed"] = seed
        if "markov" in method:
            out["spatial_markov"] = spatial_markov(
                m, w, k=classes, m=classes, relative=relative, permutations=permutations, seed=seed
            ).to_dict()
        if "lisa" in method:
            out["lisa_markov"] = lisa_markov(
                m, w, permutations=permutations, significance=significance, seed=seed
            ).to_dict()
        if "rank" in method:
            out["rank_mobility"] = rank_mobility(m, w, permutations=permutations, seed=seed).to_dict()
        if "moran" in method:
            out["local_moran"] = local_moran(
                m, w, permutations=max(permutations, 1), significance=significance, seed=seed
            ).to_dict()
    if json_out:
        print_json(out)
        return
    _print(out, m.years)


def _print(out: dict[str, Any], years: tuple[int, ...]) -> None:
    console.print(
        f"[bold]Spatial dynamics of {out['value']}[/] 空间动态: {out['regions']} regions, "
        f"{out['years'][0]}-{out['years'][1]}; weights 权重: {out['weights']}"
    )
    sm = out.get("spatial_markov")
    if sm:
        t = Table(
            "lag class 邻居组",
            "from 起始组",
            *[str(j + 1) for j in range(sm["k"])],
            title="Spatial Markov 空间马尔可夫",
        )
        for lag, mat in enumerate(sm["conditional_p"]):
            for i, row in enumerate(mat):
                t.add_row(str(lag + 1), str(i + 1), *["–" if v is None else f"{v:.3f}" for v in row])
        console.print(t)
        console.print(
            f"  homogeneity 同质性检验: Q = {sm['q']:.3f} (p = {sm['q_p_value']:.3g}), "
            f"LR = {sm['lr']:.3f} (p = {sm['lr_p_value']:.3g}), dof {sm['dof']}"
            + (f"; permutation p 置换 p = {sm['x2_p_value']:.3g}" if sm["x2_p_value"] is not None else "")
        )
        for lag, note in enumerate(sm["steady_state_notes"]):
            if note:
                console.print(f"  [yellow]note[/]: lag class {lag + 1}: no steady state 无稳态: {note}")
    lm = out.get("lisa_markov")
    if lm:
        labels = ["HH", "LH", "LL", "HL"]
        t = Table("from 起始", *labels, title="LISA Markov (Moran quadrants 象限)")
        for i, row in enumerate(lm["p"]):
            t.add_row(labels[i], *[f"{v:.3f}" for v in row])
        console.print(t)
        console.print(
            f"  y and Wy move independently 独立性检验: chi2 = {lm['chi2']:.3f}, "
            f"p = {lm['chi2_p_value']:.3g}, dof {lm['chi2_dof']}"
        )
    rm = out.get("rank_mobility")
    if rm:
        t = Table("interval 区间", "tau", "spatial tau 空间 tau", "p", title="Rank mobility 位次流动")
        ps = rm.get("spatial_tau_p_value") or [None] * len(rm["tau"])
        for (a, b), tau, st, p in zip(rm["intervals"], rm["tau"], rm["spatial_tau"], ps, strict=True):
            t.add_row(f"{a}-{b}", f"{tau:.3f}", f"{st:.3f}", "–" if p is None else f"{p:.3g}")
        console.print(t)
    lo = out.get("local_moran")
    if lo:
        t = Table(
            "year 年份",
            "Moran's I",
            "p",
            *[f"{k} {QUADRANT_NAMES[k]['zh']}" for k in ("HH", "LL", "LH", "HL")],
            title="Local Moran clusters 局部莫兰聚类",
        )
        for i, y in enumerate(lo["years"]):
            c = list(lo["clusters"][str(y)].values())
            t.add_row(
                str(y),
                f"{lo['moran_i'][i]:.3f}",
                f"{lo['moran_p_value'][i]:.3g}",
                *[str(int(np.sum(np.array(c) == k))) for k in ("HH", "LL", "LH", "HL")],
            )
        console.print(t)
