"""``regcoord reform run|sweep DATA --scheme S ...``: change a rule, see every region move.

DATA is a CSV as for ``regcoord transfer formula`` (a ``region`` column and the scheme's
columns) plus an optional ``population`` (per-capita disparity, weighted) and ``plate``
column (between/within split; China's provinces get their plate by name or code), or the
word ``illustrative``: 31 provinces with real population and GDP and ILLUSTRATIVE fiscal
numbers (regcoord bundles no provincial fiscal figures), said so in every output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from regcoord.cli._input import parse_date, read_csv
from regcoord.cli._output import console, err_console, print_json, region_label, user_errors, writing
from regcoord.errors import DataError
from regcoord.reform import (
    ILLUSTRATIVE_NOTE,
    INDICES,
    Reform,
    ReformData,
    get_scheme,
    grid_values,
    illustrative_provinces,
    load_reform,
    mark_illustrative,
    parse_grid,
    random_values,
    run_reform,
    set_overrides,
    sweep,
)
from regcoord.units import format_yuan

app = typer.Typer(
    help="Reform simulation: baseline vs reform, winners, losers, disparity. 改革模拟：基线与改革对比。",
    no_args_is_help=True,
)


ILLUSTRATIVE = "illustrative"


def _is_illustrative(path: Path) -> bool:
    return str(path) == ILLUSTRATIVE and not path.exists()


def _data(path: Path) -> ReformData:
    if _is_illustrative(path):
        return ReformData.from_frame(illustrative_provinces(), source=ILLUSTRATIVE)
    return ReformData.from_frame(read_csv(path, dtype={"region": str}), source=str(path), first_row=2)


def _assignments(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise DataError(
                f"cannot read {item!r}", column="--set", expected="NAME=VALUE, e.g. coefficient=0.9"
            )
        out[name.strip()] = value.strip()
    return out


@app.command("run")
def run(
    data: Path = typer.Argument(
        ..., help="CSV: region, the scheme's columns [, population, plate]. 数据文件。"
    ),
    scheme: str = typer.Option(..., "--scheme", help="Scheme name or alias (china, germany). 方案。"),
    set_: list[str] | None = typer.Option(
        None, "--set", help="NAME=VALUE override from --date (repeatable). 参数调整（可重复）。"
    ),
    reform_file: Path | None = typer.Option(
        None, "--reform", help="Reform file (YAML or JSON). 改革方案文件。"
    ),
    date: str | None = typer.Option(None, "--date", help="Rule date (default today). 规则日期。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report. 输出 HTML 报告。"),
    lang: str = typer.Option("en", "--lang", help="Report language en|zh. 报告语言。"),
) -> None:
    """Baseline and reform of one scheme. 计算一个方案的基线与改革结果。"""
    with user_errors():
        day = parse_date(date, dt.date.today())
        sch = get_scheme(scheme)
        reform = load_reform(reform_file) if reform_file is not None else Reform()
        assigned = _assignments(set_)
        if assigned:
            reform = reform.merged(set_overrides(sch, assigned, day, name=reform.name))
        if not reform.overrides and not reform.formulas:
            raise DataError("no reform given", expected="--set NAME=VALUE or --reform FILE")
        result = run_reform(_data(data), reform, date=day, schemes_=[sch.name])[sch.name]
        if out is not None:
            from regcoord.report.reform import write_reform_report

            with writing(out):
                write_reform_report(result, out, lang, illustrative=_is_illustrative(data))
            err_console.print(f"report written 报告已写入: {out}")
    payload = result.to_dict()
    if _is_illustrative(data):
        payload = mark_illustrative(payload)
    if json_out:
        if _is_illustrative(data):
            err_console.print(f"{ILLUSTRATIVE_NOTE[1]}\n{ILLUSTRATIVE_NOTE[0]}", highlight=False)
        print_json(payload)
        return
    console.print(payload["headline"]["zh"], highlight=False)
    console.print(payload["headline"]["en"], highlight=False)
    console.print(
        f"Pareto improvement 帕累托改进: {'yes 是' if result.pareto_improvement else 'no 否'}",
        highlight=False,
    )
    console.print(_region_table(result.to_frame()))


def _region_table(frame: pd.DataFrame) -> Table:
    """Regions by name, amounts in 亿元/万元 with the unit, per capita in 元 (exact values: --json)."""
    table = Table(title="各地区 · by region", show_lines=False)
    for header in ("地区 Region", "基线 Baseline", "改革 Reform", "变化 Change"):
        table.add_column(header, justify="left" if header.startswith("地区") else "right")
    per_capita = "per_capita_reform" in frame
    if per_capita:
        table.add_column("人均（改革）Per capita (reform)", justify="right")
    for row in frame.itertuples(index=False):
        cells = [
            region_label(str(row.region)),
            format_yuan(row.baseline),
            format_yuan(row.reform),
            format_yuan(row.delta, signed=True),
        ]
        if per_capita:
            cells.append(format_yuan(row.per_capita_reform))
        table.add_row(*cells)
    return table


@app.command("sweep")
def sweep_cmd(
    data: Path = typer.Argument(
        ..., help="CSV: region, the scheme's columns [, population, plate]. 数据文件。"
    ),
    scheme: str = typer.Option(..., "--scheme", help="Scheme name or alias (china, germany). 方案。"),
    grid: list[str] | None = typer.Option(
        None, "--grid", help="NAME=START:STOP:STEP (repeatable: the Cartesian product). 网格。"
    ),
    sample: int | None = typer.Option(
        None, "--random", help="Draw N reforms uniformly between START and STOP of each --grid. 随机抽样数。"
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed. 随机种子。"),
    index: str = typer.Option("theil_t", "--index", help=f"Frontier index: {', '.join(INDICES)}. 差距指数。"),
    date: str | None = typer.Option(None, "--date", help="Rule date (default today). 规则日期。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """The (budget, disparity) frontier over a family of reforms. 一族改革方案的（预算，差距）前沿。"""
    with user_errors():
        day = parse_date(date, dt.date.today())
        sch = get_scheme(scheme)
        if not grid:
            raise DataError("nothing to sweep", column="--grid", expected="--grid NAME=START:STOP:STEP")
        axes = dict(parse_grid(g) for g in grid)
        if sample is not None:
            names, values = random_values(
                {k: (float(v[0]), float(v[-1])) for k, v in axes.items()}, sample, seed=seed
            )
        else:
            names, values = grid_values(axes)
        res = sweep(_data(data), sch, names, values, date=day, index=index)
    payload = res.to_dict()
    if _is_illustrative(data):
        payload["illustrative"] = True
        payload["illustrative_note"] = {"en": ILLUSTRATIVE_NOTE[0], "zh": ILLUSTRATIVE_NOTE[1]}
    if json_out:
        print_json(payload)
        return
    console.print(
        f"{sch.title_zh} / {sch.title_en}: {values.shape[0]} reforms 个方案, "
        f"{len(res.frontier)} on the frontier 位于前沿, {int(res.pareto_improvement.sum())} Pareto improvements 帕累托改进",
        highlight=False,
    )
    console.print(res.to_frame().iloc[list(res.frontier)].to_string(index=False), highlight=False)
