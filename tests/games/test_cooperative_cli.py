"""``regcoord game shapley|banzhaf|nucleolus|prenucleolus|core|owen|nash`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()

GLOVE = "coalition,value\nL,0\nR1,0\nR2,0\nL+R1,1\nL+R2,1\nR1+R2,0\nL+R1+R2,1\n"
MAJORITY = "coalition,value\nA,0\nB,0\nC,0\nA+B,1\nA+C,1\nB+C,1\nA+B+C,1\n"


@pytest.fixture
def glove(tmp_path: Path) -> Path:
    p = tmp_path / "glove.csv"
    p.write_text(GLOVE, "utf-8")
    return p


@pytest.fixture
def majority(tmp_path: Path) -> Path:
    p = tmp_path / "majority.csv"
    p.write_text(MAJORITY, "utf-8")
    return p


def _json(args: list[str]) -> dict:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_shapley_banzhaf_json(glove: Path) -> None:
    out = _json(["game", "shapley", str(glove), "--json"])
    assert out["players"] == ["L", "R1", "R2"]
    assert out["shapley"] == pytest.approx([2 / 3, 1 / 6, 1 / 6])
    assert _json(["game", "banzhaf", str(glove), "--json"])["banzhaf"] == pytest.approx([0.75, 0.25, 0.25])


def test_shapley_monte_carlo_json(glove: Path) -> None:
    out = _json(["game", "shapley", str(glove), "--monte-carlo", "--target-se", "0.01", "--json"])
    assert max(out["standard_errors"]) <= 0.01
    assert out["shapley"] == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=0.05)


def test_nucleolus_and_prenucleolus(glove: Path, majority: Path) -> None:
    assert _json(["game", "nucleolus", str(glove), "--json"])["nucleolus"] == pytest.approx(
        [1, 0, 0], abs=1e-9
    )
    assert _json(["game", "prenucleolus", str(majority), "--json"])["prenucleolus"] == pytest.approx(
        [1 / 3] * 3, abs=1e-9
    )


def test_core_json(glove: Path, majority: Path) -> None:
    out = _json(["game", "core", str(glove), "--allocation", "L=0.5,R1=0.5,R2=0", "--json"])
    assert out["core_empty"] is False
    assert out["least_core"]["epsilon"] == pytest.approx(0.0, abs=1e-9)
    assert out["violated"] == [{"coalition": "L+R2", "excess": 0.5}]
    assert out["in_core"] is False
    out = _json(["game", "core", str(majority), "--json"])
    assert out["core_empty"] is True and out["least_core"]["epsilon"] == pytest.approx(1 / 3)
    assert out["violated"] == []


def test_owen_and_nash(glove: Path, tmp_path: Path) -> None:
    out = _json(["game", "owen", str(glove), "--unions", "L|R1+R2", "--json"])
    assert out["owen"] == pytest.approx([0.5, 0.25, 0.25])
    p = tmp_path / "two.csv"
    p.write_text("coalition,value\nA,1\nB,2\nA+B,9\n", "utf-8")
    out = _json(["game", "nash", str(p), "--weights", "A=2,B=1", "--json"])
    assert out["nash"] == pytest.approx([5, 4]) and out["kalai_smorodinsky"] == pytest.approx([4, 5])


def test_html_report(glove: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    res = runner.invoke(app, ["game", "nucleolus", str(glove), "--out", str(report)])
    assert res.exit_code == 0, res.output
    html = report.read_text("utf-8")
    assert "<svg" in html and "核仁" in html and "Schmeidler" in html and "L+R1+R2" in html
    res = runner.invoke(
        app, ["game", "core", str(glove), "--allocation", "L=0.5,R1=0.5,R2=0", "--out", str(report)]
    )
    assert res.exit_code == 0, res.output
    assert "阻挡联盟" in report.read_text("utf-8")


@pytest.mark.parametrize(
    ("content", "args", "words"),
    [
        ("coalition,value\nA,1\nB,2\n", ["shapley"], "missing"),
        ("coalition,value\nA,1\nB,2\nA+B,x\n", ["banzhaf"], "row 4"),
        ("coalition,value\nA,2\nB,2\nA+B,3\n", ["nucleolus"], "imputation set is empty"),
        (GLOVE, ["owen", "--unions", "L+R1"], "is in no union"),
        (GLOVE, ["core", "--allocation", "L=1,Q=0"], "unknown player"),
        (GLOVE, ["core", "--allocation", "L=one"], "not a number"),
        (GLOVE, ["nash", "--weights", "L=1,R1=1,R2=0"], "not positive"),
    ],
)
def test_bad_input_exit_2_without_traceback(
    tmp_path: Path, content: str, args: list[str], words: str
) -> None:
    p = tmp_path / "g.csv"
    p.write_text(content, "utf-8")
    res = runner.invoke(app, ["game", args[0], str(p), *args[1:], "--json"])
    assert res.exit_code == 2
    assert words in res.stderr and "Traceback" not in res.output
    assert res.stdout == ""


def test_missing_file_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["game", "shapley", str(tmp_path / "none.csv")])
    assert res.exit_code == 2 and "file not found" in res.stderr


def test_non_superadditive_warning(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("coalition,value\nA,1\nB,1\nA+B,3\nC,0\nA+C,0\nB+C,1\nA+B+C,4\n", "utf-8")
    res = runner.invoke(app, ["game", "nucleolus", str(p)])
    assert res.exit_code == 0 and "not superadditive" in res.stderr


MISSPELT = "coalition,value\nA,0\nB,0\nC,0\nA+B,1\nA+C,1\nB+Cc,1\nA+B+C,1\n"


@pytest.mark.parametrize("command", ["shapley", "banzhaf", "nucleolus", "core"])
def test_misspelt_player_is_reported_at_its_row(tmp_path: Path, command: str):
    p = tmp_path / "g.csv"
    p.write_text(MISSPELT, "utf-8")
    res = runner.invoke(app, ["game", command, str(p)])
    assert res.exit_code == 2
    err = " ".join(res.stderr.split())  # independent of the terminal width
    assert "row 7" in err and "unknown player 'Cc'" in err and "did you mean 'C'" in err
    assert "missing" not in err
    res = runner.invoke(app, ["game", command, str(p), "--players", "A,B,C"])
    assert res.exit_code == 2
    assert "row 7" in " ".join(res.stderr.split())


def test_players_declared_up_front_fix_the_order(majority: Path):
    res = runner.invoke(app, ["game", "shapley", str(majority), "--players", "C,B,A", "--json"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["players"] == ["C", "B", "A"]
    res = runner.invoke(app, ["game", "shapley", str(majority), "--players", " , "])
    assert res.exit_code == 2 and "--players" in res.stderr
