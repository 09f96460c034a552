"""``regcoord composite DATA --spec SPEC.yaml [--uncertainty N] [--sobol N] [--seed S] [--json]``.

Thin command over :mod:`regcoord.measure.composite` and :mod:`regcoord.measure.uncertainty`.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from regcoord.cli._output import console, print_json, progress_bar, user_errors
from regcoord.data import load_panel
from regcoord.measure.composite import composite_index, load_spec
from regcoord.measure.uncertainty import sensitivity_analysis, uncertainty_analysis


def composite(
    data: str = typer.Argument(
        ..., help="Data file (CSV/Parquet/XLSX) or bundled dataset name. 数据文件或内置数据集名。"
    ),
    spec: str = typer.Option(
        ..., "--spec", help="Spec YAML file, or a bundled spec name (china_development). 指标体系配置文件。"
    ),
    uncertainty: int = typer.Option(
        0,
        "--uncertainty",
        min=0,
        help="Monte Carlo draws over the method choices (0 = none). 不确定性分析抽样次数。",
    ),
    sobol: int = typer.Option(
        0,
        "--sobol",
        min=0,
        help="Sobol base sample size, a power of 2 (0 = none). Sobol 敏感性分析基样本量。",
    ),
    seed: int = typer.Option(
        20080101, "--seed", help="Random seed for the Monte Carlo and Sobol designs. 随机种子。"
    ),
    year: int | None = typer.Option(
        None, "--year", help="Year of the uncertainty analysis (default: last). 年份。"
    ),
    top: int = typer.Option(15, "--top", min=1, help="Rows to show in the table. 显示行数。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
) -> None:
    """Composite index with optional uncertainty and sensitivity analysis. 综合指数及其不确定性与敏感性分析。"""
    with user_errors():
        sp = load_spec(spec)
        # a spec that imputes reads blank cells as missing (listed in the output), not as errors
        panel = load_panel(data, allow_missing=True) if sp.imputation != "none" else load_panel(data)
        result = composite_index(panel, sp)
        unc = sob = None
        if uncertainty:
            with progress_bar("Monte Carlo 蒙特卡洛", enabled=not json_out or show_progress) as cb:
                unc = uncertainty_analysis(panel, sp, n_draws=uncertainty, seed=seed, year=year, progress=cb)
        if sobol:
            with progress_bar("Sobol 敏感性", enabled=not json_out or show_progress) as cb:
                sob = sensitivity_analysis(panel, sp, n_base=sobol, seed=seed, year=year, progress=cb)
    if json_out:
        out: dict[str, Any] = {"composite": result.to_dict()}
        if unc is not None:
            out["uncertainty"] = unc.to_dict()
        if sob is not None:
            out["sensitivity"] = sob.to_dict()
        print_json(out)
        return
    attrs = panel.attributes
    names = {
        str(r): " ".join(str(attrs.loc[r, c]) for c in ("name_zh", "name_en") if c in attrs.columns)
        for r in attrs.index
    }
    _print(result, unc, sob, top, names)


def _print(result: Any, unc: Any, sob: Any, top: int, names: dict[str, str]) -> None:
    sp = result.spec
    console.print(f"[bold]{sp.title_en or sp.name}[/] {sp.title_zh}")
    console.print(
        f"normalization 标准化: {sp.normalization}, weighting 赋权: {sp.weighting}, "
        f"aggregation 合成: {sp.aggregation}, pooling: {sp.pooling}"
    )
    if sp.imputation != "none":
        console.print(f"imputation 插补: {sp.imputation}, {len(result.imputed)} cell(s) 个单元格")
    if len(result.treated):
        console.print(
            f"treatment 异常值处理: {sp.treatment}, "
            f"{', '.join(dict.fromkeys(map(str, result.treated['indicator'])))}"
        )
    if result.unit_weights is not None:
        console.print("weights vary by unit 权重因地区而异 (benefit of the doubt); below: mean shares 均值")
    w = Table("indicator 指标", "direction 方向", "pillar 维度", "weight 权重", title="weights 权重")
    for j, ind in enumerate(sp.indicators):
        w.add_row(ind.name, ind.direction, ind.pillar or "", f"{result.weights[-1, j]:.4f}")
    console.print(w)
    frame = result.to_frame()
    last = frame[frame["year"] == frame["year"].iloc[-1]] if result.years is not None else frame
    last = last.sort_values("rank").head(top)
    label = f" {result.years[-1]}" if result.years is not None else ""
    cols = ["region 地区", "score 得分", "rank 排名"]
    if unc is not None:
        cols += ["median rank 中位排名", "5-95% 区间"]
    t = Table(*cols, title=f"scores 得分{label}")
    pos = {r: i for i, r in enumerate(result.regions)}
    for _, row in last.iterrows():
        region = str(row["region"])
        shown = f"{region} {names[region]}" if names.get(region) else region
        cells = [shown, f"{row['score']:.4f}", str(row["rank"])]
        if unc is not None:
            i = pos[row["region"]]
            cells += [f"{unc.median_rank[i]:g}", f"{unc.p05_rank[i]:g}-{unc.p95_rank[i]:g}"]
        t.add_row(*cells)
    console.print(t)
    if unc is not None:
        console.print(
            f"Monte Carlo 蒙特卡洛: {unc.n_draws} draws, {unc.n_configurations} distinct configurations, "
            f"seed {unc.seed}, year {unc.year}"
        )
    if sob is not None:
        s = Table(
            "factor 因素", "mean S1 一阶", "mean ST 总效应", title="Sobol sensitivity of ranks 排名敏感性"
        )
        for _, row in sob.summary().iterrows():
            s.add_row(str(row["factor"]), f"{row['S1_mean']:.3f}", f"{row['ST_mean']:.3f}")
        console.print(s)
    console.print("[bold]log 日志[/]")
    for line in result.log:
        console.print(f"  {line}", highlight=False)
