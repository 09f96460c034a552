"""``regcoord game ...``: cooperative, strategic and evolutionary games between regions."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Games between regions: fair shares, incentives, evolution. 区域间博弈：公平分配、激励设计、演化。",
    no_args_is_help=True,
)
