"""The ``regcoord`` command line (Typer).  Thin: every number comes from the pure packages."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

import typer

from regcoord.cli import assess as assess_cli
from regcoord.cli import compensate as compensate_cli
from regcoord.cli import composite as composite_cli
from regcoord.cli import convergence as convergence_cli
from regcoord.cli import (
    datasets,
    game,
    game_dynamics,  # noqa: F401  (adds `game incentive` and `game evolve`)
)
from regcoord.cli import inequality as inequality_cli
from regcoord.cli import public_services as public_services_cli
from regcoord.cli import reform as reform_cli
from regcoord.cli import service as service_cli
from regcoord.cli import spatial as spatial_cli
from regcoord.cli import trading as trading_cli
from regcoord.cli import transfer as transfer_cli

app = typer.Typer(
    name="regcoord",
    help="Regional interest coordination: disparity, fair shares, compensation, transfers. 区域利益协调。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def package_version() -> str:
    """The installed distribution's version: the one source is ``pyproject.toml``'s metadata."""
    try:
        return _dist_version("regcoord")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"regcoord {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit. 显示版本号。",
    ),
) -> None:
    """Regional interest coordination: disparity, fair shares, compensation, transfers. 区域利益协调。"""


# measuring (issue: foundation)
app.command("assess")(assess_cli.assess)
app.command("inequality")(inequality_cli.inequality)
app.command("convergence")(convergence_cli.convergence)
app.command("composite")(composite_cli.composite)
app.command("spatial")(spatial_cli.spatial)  # issue 12: spatial dynamics
app.add_typer(datasets.app, name="datasets")
# allocation engines
app.add_typer(game.app, name="game")
app.add_typer(compensate_cli.app, name="compensate")
app.add_typer(transfer_cli.app, name="transfer")
app.add_typer(trading_cli.app, name="trading")
# reform simulation (issue 11)
app.add_typer(reform_cli.app, name="reform")
app.command("service-standards")(public_services_cli.service_standards)
# the coordination service: serve, db, users, audit
service_cli.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
