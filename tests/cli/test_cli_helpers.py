"""The shared CLI helpers (option parsing, file writing) and the exit code 2 they give."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regcoord.cli._input import parse_assignments, parse_date, read_csv
from regcoord.cli._output import err_console, writing
from regcoord.cli.app import app
from regcoord.errors import DataError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "transfers"
runner = CliRunner()


def test_parse_date():
    default = dt.date(2001, 2, 3)
    assert parse_date(None, default) is default
    assert parse_date("2024-02-29", default) == dt.date(2024, 2, 29)
    with pytest.raises(DataError, match="--date '2023-02-29' is not a date") as exc:
        parse_date("2023-02-29", default)  # not a leap year
    assert exc.value.expected == "YYYY-MM-DD"


def test_parse_assignments():
    assert parse_assignments("A=1, B = 2.5,,", "--x") == {"A": 1.0, "B": 2.5}
    for text, needle in [
        ("A=1,B", "cannot read 'B'"),
        ("=3", "cannot read"),
        ("A=x", "is not a number"),
        (" , ", "no values"),
    ]:
        with pytest.raises(DataError, match=needle) as exc:
            parse_assignments(text, "--x")
        assert exc.value.column == "--x"


def test_writing_names_the_file(tmp_path):
    target = tmp_path / "missing" / "r.html"
    with pytest.raises(DataError, match="cannot write") as exc, writing(target):
        target.write_text("x")
    assert exc.value.source == str(target)
    with writing(tmp_path / "ok.txt"):  # no error: nothing raised
        (tmp_path / "ok.txt").write_text("x")
    assert (tmp_path / "ok.txt").read_text() == "x"


@pytest.mark.parametrize(
    "args",
    [
        ["transfer", "optimize", str(FIX / "optimize.csv"), "--budget", "3"],
        ["game", "incentive", "--b", "6", "--c", "2", "--n", "4", "--delta", "0.05"],
        [
            "compensate",
            "water-quality",
            "--rules",
            "chishui_river",
            "--year",
            "2019",
            "--section",
            "Lianyuxi=pass",
            "--section",
            "Qingshuipu=fail",
        ],
    ],
)
def test_unwritable_report_exits_2(tmp_path, args):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    res = runner.invoke(app, [*args, "--json", "--out", str(blocker / "r.html")])
    assert res.exit_code == 2, res.output
    assert "cannot write" in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_bad_date_exits_2():
    res = runner.invoke(
        app, ["transfer", "formula", str(FIX / "china.csv"), "--date", "2023-13-01", "--json"]
    )
    assert res.exit_code == 2
    assert "is not a date" in res.stderr and res.stdout == ""


def test_read_csv(tmp_path):
    good = tmp_path / "g.csv"
    good.write_text(" region , value\nA,1\n", encoding="utf-8")
    frame = read_csv(good, dtype=str)
    assert list(frame.columns) == ["region", "value"] and frame["value"].tolist() == ["1"]
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    for path, needle in [
        (tmp_path / "none.csv", "file not found"),
        (empty, "cannot read CSV"),
        (tmp_path, "cannot read CSV"),
    ]:
        with pytest.raises(DataError, match=needle) as exc:
            read_csv(path)
        assert exc.value.source == str(path)


@pytest.mark.parametrize("command", [["trading", "allocate"], ["transfer", "formula"]])
def test_unreadable_csv_exits_2(tmp_path, command, monkeypatch):
    """The error is one whole line, whatever the path length and the console width (issue 8).

    Rich wraps at 80 columns (or $COLUMNS) when stderr is not a terminal: with a 20-column
    console and a path of ~300 characters the message used to be cut into many lines.
    """
    monkeypatch.setattr(err_console, "width", 20)
    folder = tmp_path.joinpath(*(["a-rather-long-folder-name-of-forty-chars"] * 7))
    folder.mkdir(parents=True)
    extra = (
        ["--method", "grandfathering", "--cap", "10", "--vintage", "2025"] if command[0] == "trading" else []
    )
    res = runner.invoke(app, [*command, str(folder), *extra, "--json"])  # a folder, not a file
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert "cannot read CSV" in lines[0] and str(folder) in lines[0]


def test_error_lines_are_not_wrapped_under_narrow_columns(tmp_path):
    """The same in a real process with COLUMNS=20 and stderr a pipe (not a terminal)."""
    folder = tmp_path.joinpath(*(["another-long-folder-name"] * 10))
    folder.mkdir(parents=True)
    env = {**os.environ, "COLUMNS": "20", "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            "from regcoord.cli.app import main; main()",
            "transfer",
            "formula",
            str(folder),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(folder) in lines[0], lines


def test_service_commands_name_the_missing_extra(monkeypatch):
    """``pip install regcoord`` without ``[service]``: ``regcoord serve`` says which extra to install."""
    import builtins

    real_import = builtins.__import__

    def no_uvicorn(name, *args, **kwargs):
        if name == "uvicorn" or name.startswith("uvicorn."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvicorn)
    res = runner.invoke(app, ["serve"])
    assert res.exit_code == 2, res.output
    assert "pip install 'regcoord[service]'" in res.stderr
    assert "Traceback" not in res.output and "Traceback" not in res.stderr
    # a module outside the extra is a real bug: it still raises
    monkeypatch.setattr(
        builtins,
        "__import__",
        lambda name, *a, **k: (
            (_ for _ in ()).throw(ModuleNotFoundError("x", name="nothere"))
            if name == "uvicorn"
            else real_import(name, *a, **k)
        ),
    )
    res = runner.invoke(app, ["serve"])
    assert res.exit_code == 1 and isinstance(res.exception, ModuleNotFoundError)
