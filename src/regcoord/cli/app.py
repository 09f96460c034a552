"""The ``regcoord`` command line (Typer).  Thin: every number comes from the pure packages."""

from __future__ import annotations

import typer

from regcoord.cli import datasets, game

app = typer.Typer(
    name="regcoord",
    help="Regional interest coordination: disparity, fair shares, compensation, transfers. 区域利益协调。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(datasets.app, name="datasets")
app.add_typer(game.app, name="game")
# -- sub-command registrations (one line per module) --


def main() -> None:
    app()


if __name__ == "__main__":
    main()
