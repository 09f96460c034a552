"""``regcoord datasets list|show NAME``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from regcoord.cli._output import console, print_json, user_errors
from regcoord.data import get_dataset, list_datasets

app = typer.Typer(help="Bundled datasets and their sources. 内置数据集及其来源。", no_args_is_help=True)


@app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the bundled datasets."""
    items = list_datasets()
    if json_out:
        print_json([{"name": d.name, "title_en": d.title_en, "title_zh": d.title_zh} for d in items])
        return
    table = Table("name", "title", "标题")
    for d in items:
        table.add_row(d.name, d.title_en, d.title_zh)
    console.print(table)


@app.command("show")
def show_cmd(name: str, json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show a dataset: indicators, years, units and the sources to cite."""
    with user_errors():
        d = get_dataset(name)
        panel = d.load()
    info: dict[str, Any] = {
        "name": d.name,
        "title_en": d.title_en,
        "title_zh": d.title_zh,
        "description": d.description,
        "source": d.source,
        "citation": d.citation,
        "regions": len(panel.regions),
        "indicators": [
            {
                "name": ind,
                "unit": panel.unit(ind),
                "years": [min(panel.years_of(ind)), max(panel.years_of(ind))],
                "source": panel.sources.get(ind, ""),
            }
            for ind in panel.indicators
        ],
    }
    if json_out:
        print_json(info)
        return
    console.print(f"[bold]{d.title_en}[/]\n{d.title_zh}\n\n{d.description}\n")
    table = Table("indicator", "unit", "years", "source")
    for ind in info["indicators"]:
        y0, y1 = ind["years"]
        table.add_row(ind["name"], ind["unit"], f"{y0}-{y1}", ind["source"])
    console.print(table)
    console.print(f"\n[bold]Source[/]: {d.source}\n[bold]Cite[/]: {d.citation}")
