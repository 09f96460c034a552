"""``regcoord assess [DATA] [--out report.html] [--lang zh|en] [--json] ...``.

Thin: the measures run in :func:`regcoord.report.assess.run_assessment` and the page is
laid out by :func:`regcoord.report.assess.build_report`; this command only picks the data
and the defaults, shows progress, writes the file and prints a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from regcoord.cli._output import console, err_console, fail, print_json, progress_bar, writing
from regcoord.errors import DataError, RegcoordError

if TYPE_CHECKING:
    from regcoord.data import Panel

DEFAULT_OUT = Path("regcoord-report.html")
#: the report languages (kept here so that ``regcoord --help`` need not import the report stack)
LANGS = ("en", "zh")


def _load(
    data: str, catalog: str | None
) -> tuple[Panel, str | None, str | None, str | None, str, str, str | None]:
    """The panel, default value/weight/group, titles and citation for a dataset name or a file."""
    from regcoord.data import DATASETS, read_panel

    if data in DATASETS:
        d = DATASETS[data]
        return (
            d.load(),
            d.default_value,
            d.default_weight,
            d.default_group,
            d.title_en,
            d.title_zh,
            d.citation,
        )
    path = Path(data)
    if not path.exists():
        raise DataError(
            "no such file or bundled dataset",
            source=data,
            expected=f"a CSV/Parquet/XLSX file or one of {', '.join(DATASETS)}",
        )
    panel = read_panel(path, catalog=catalog)
    value = panel.indicators[0] if len(panel.indicators) == 1 else None
    title_en, title_zh = f"Regional disparity assessment: {path.name}", f"区域差距评估：{path.name}"
    return panel, value, None, None, title_en, title_zh, None


def assess(
    data: str = typer.Argument(
        "china", help="Bundled dataset name or data file (CSV, Parquet, XLSX). 内置数据集名称或数据文件。"
    ),
    out: Path = typer.Option(DEFAULT_OUT, "--out", "-o", help="HTML report to write. 输出的 HTML 报告。"),
    lang: str = typer.Option("en", "--lang", help="Report language: zh or en. 报告语言：zh 或 en。"),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON. 以 JSON 输出结果。"),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
    permutations: int = typer.Option(
        999, "--permutations", min=0, help="Permutations for the between-group test (0: none). 置换检验次数。"
    ),
    bootstrap: int = typer.Option(
        999, "--bootstrap", min=0, help="Bootstrap replications for intervals (0: none). 自助法重抽样次数。"
    ),
    value: str | None = typer.Option(None, "--value", help="Indicator to assess. 评估的指标。"),
    weight: str | None = typer.Option(None, "--weight", help="Weight indicator, e.g. population. 权重指标。"),
    group: str | None = typer.Option(
        None, "--group", help="Region attribute or catalog partition, e.g. plate. 分组（如四大板块）。"
    ),
    catalog: str | None = typer.Option(
        None, "--catalog", help="Check a file's region codes against a catalog (china). 地区代码目录。"
    ),
    spec: str = typer.Option(
        "china_development", "--spec", help="Composite spec: bundled name or YAML file. 综合指数方案。"
    ),
    seed: int = typer.Option(20240101, "--seed", help="Random seed of the tests. 随机种子。"),
    no_map: bool = typer.Option(False, "--no-map", help="Bar chart instead of a map. 不绘制地图。"),
) -> None:
    """Assess regional disparity and coordination and write an HTML report. 评估区域差距与协调并生成 HTML 报告。

    Disparity indices over time (weighted and unweighted), decompositions by group,
    Lorenz curves, sigma and beta convergence, composite index and coupling coordination,
    early warnings, and a map of the last year.
    """
    # the numerical and report stack is imported here, not at start-up: every other command
    # of the CLI would otherwise pay for it (about 2 s of imports)
    from regcoord.measure.composite import load_spec
    from regcoord.report.assess import Note, build_report, load_boundaries, run_assessment, summarize

    try:
        if lang not in LANGS:
            raise DataError(f"unknown report language {lang!r}", column="--lang", expected="zh or en")
        panel, d_value, d_weight, d_group, title_en, title_zh, citation = _load(data, catalog)
        value = value or d_value
        if value is None:
            raise DataError(
                "which indicator to assess?",
                source=panel.source,
                column="--value",
                expected=f"--value one of {', '.join(panel.indicators)}",
            )
        with progress_bar("assessing 评估", enabled=not json_out or show_progress) as progress:
            result = run_assessment(
                panel,
                value=value,
                weight=weight or d_weight,
                group=group or d_group,
                permutations=permutations,
                bootstrap_replications=bootstrap,
                seed=seed,
                spec=load_spec(spec),
                title_en=title_en,
                title_zh=title_zh,
                source=citation,
                progress=progress,
            )
        boundaries, map_note = (
            (None, Note("maps switched off (--no-map)", "已关闭地图（--no-map）"))
            if no_map
            else load_boundaries(result.regions)
        )
        report = build_report(result, lang=lang, boundaries=boundaries, map_note=map_note)
        with writing(out):
            path = report.write(out)
    except RegcoordError as exc:
        raise fail(str(exc)) from None  # fail() escapes Rich markup such as "regcoord[maps]"
    if json_out:
        print_json(
            {
                **result.to_dict(),
                "report": str(path),
                "map": boundaries is not None,
                "map_note": map_note.to_dict() if map_note else None,
            }
        )
        return
    table = Table("", "", title=escape(result.title_en if lang == "en" else result.title_zh))
    for en, zh, v in summarize(result):
        table.add_row(escape(zh if lang == "zh" else en), escape(v))
    console.print(table)
    for note in result.notes:
        err_console.print(f"note: {escape(note.zh if lang == 'zh' else note.en)}", highlight=False)
    if map_note:
        err_console.print(f"note: {escape(map_note.zh if lang == 'zh' else map_note.en)}", highlight=False)
    console.print(f"report written to {escape(str(path))}  报告已写入", highlight=False)
