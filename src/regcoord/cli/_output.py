"""Shared output helpers of the command line: JSON to stdout, errors to stderr."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from regcoord.errors import DataError, RegcoordError
from regcoord.regions import RegionTree, china

console = Console(stderr=False)
#: soft wrap: a message is written whole on one line, never wrapped or cut at the console
#: width (Rich assumes 80 columns, or $COLUMNS, when stderr is not a terminal)
err_console = Console(stderr=True, soft_wrap=True)

#: exit code for bad input (the user can fix it)
EXIT_BAD_INPUT = 2


def _jsonable(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        to_dict = getattr(obj, "to_dict", None)
        return _jsonable(to_dict() if callable(to_dict) else asdict(obj))
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def print_json(obj: Any) -> None:
    """Machine-readable output: JSON on stdout and nothing else (NaN becomes null)."""
    sys.stdout.write(json.dumps(_jsonable(obj), ensure_ascii=False, indent=2))
    sys.stdout.write("\n")
    sys.stdout.flush()


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def report_dropped(dropped_rows: Sequence[str], left_out: Sequence[str] = ()) -> None:
    """With ``--allow-missing``: list on stderr every row dropped and region-year left out."""
    if not dropped_rows and not left_out:
        err_console.print("--allow-missing: nothing was dropped / 未删除任何数据", highlight=False)
        return
    err_console.print(
        f"--allow-missing dropped {len(dropped_rows)} row(s) and left out {len(left_out)} "
        f"region-year(s) / 已删除缺失数据:",
        highlight=False,
    )
    for line in [*dropped_rows, *left_out]:
        err_console.print(f"  {escape(line)}", highlight=False)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn regcoord's own errors into a message on stderr and exit code 2."""
    try:
        yield
    except RegcoordError as exc:
        raise fail(str(exc)) from None


#: top-level modules of the ``service`` extra (pyproject.toml)
SERVICE_MODULES = frozenset(
    {
        "fastapi",
        "starlette",
        "sqlalchemy",
        "alembic",
        "uvicorn",
        "argon2",
        "multipart",
        "python_multipart",
        "psycopg",
        "itsdangerous",
        "platformdirs",
        "plotly",
        "zxcvbn",
        "pydantic",
    }
)


@contextmanager
def service_errors() -> Iterator[None]:
    """:func:`user_errors` for the service commands; a missing module of the ``service`` extra
    (a plain ``pip install regcoord``) is a message naming the extra, exit code 2, not a traceback."""
    try:
        with user_errors():
            yield
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in SERVICE_MODULES:
            raise
        raise fail(
            f"the coordination service needs the optional 'service' extra (module {top!r} is missing); "
            "install it with: pip install 'regcoord[service]' / 协调服务需要可选依赖 service，"
            "请运行 pip install 'regcoord[service]'"
        ) from None


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an operating-system error while writing ``path`` (a report, a plot) into a
    :class:`DataError` naming the file, shown by :func:`user_errors` with exit code 2."""
    try:
        yield
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror}", source=str(path)) from None


def write_report(
    out: Path,
    lang: str,
    title: tuple[str, str],
    method: tuple[str, str, str, str],
    sections: Sequence[Any],
) -> Path:
    """Write one HTML report (title en/zh, one method with formula and source, sections) and
    say so on stderr, so that ``--json`` output stays clean; an OS error exits with code 2."""
    from regcoord.report import Report

    rep = Report(title[0], title[1], lang=lang)
    rep.add_method(*method)
    for s in sections:
        rep.add(s)
    with writing(out):
        path = rep.write(out)
    err_console.print(f"report written 报告已写入: {path}")
    return path


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr, driven by the yielded ``callback(done, total)``."""
    if not enabled:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total)

        yield update


@functools.cache
def _tree() -> RegionTree:
    return china()


def region_label(code: str) -> str:
    """'33' -> '浙江省 Zhejiang' for tables people read; codes outside the tree are shown as given."""
    tree = _tree()
    node = tree.resolve(code, strict=False)
    if node is None:
        return code
    region = tree[node]
    return f"{region.name_zh} {region.name_en}"


def resolve_seed(seed: int | None, *, needed: bool = True) -> int | None:
    """The seed of a stochastic command: the one given, or a fresh one that is printed on stderr.

    Every stochastic command is reproducible: when no ``--seed`` is given, a seed is drawn
    from the operating system's entropy and announced, so the run can be repeated exactly.
    """
    if seed is not None or not needed:
        return seed
    import secrets

    drawn = secrets.randbelow(2**31)
    err_console.print(
        f"seed 随机种子: {drawn} (no --seed given; rerun with --seed {drawn} to reproduce 使用该种子可复现)",
        highlight=False,
        soft_wrap=True,
    )
    return drawn
