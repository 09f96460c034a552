"""``regcoord transfer formula|optimize`` end to end; numbers are the hand cases of tests/transfers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "transfers"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_china_formula_with_coefficient_column():
    res = run("transfer", "formula", str(FIX / "china.csv"), "--date", "2023-01-01", "--json")
    assert res.exit_code == 0, res.output
    (r,) = json.loads(res.stdout)
    assert r["amounts"] == ["360.00", "206.84", "20.00", "0.00"]


def test_australia_and_germany(tmp_path):
    res = run(
        "transfer",
        "formula",
        str(FIX / "australia.csv"),
        "--scheme",
        "australia",
        "--pool",
        "1000",
        "--date",
        "2024-08-01",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["amounts"] == ["578.31", "180.72", "240.97"]
    out = tmp_path / "de.html"
    res = run(
        "transfer",
        "formula",
        str(FIX / "germany.csv"),
        "--scheme",
        "germany",
        "--date",
        "2021-01-01",
        "--json",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    vat, supp = json.loads(res.stdout)
    assert vat["amounts"] == ["-6.30", "6.30"] and supp["amounts"] == ["0.00", "2.86"]
    assert out.exists()


def test_optimize_budget_and_report(tmp_path):
    out = tmp_path / "opt.html"
    res = run("transfer", "optimize", str(FIX / "optimize.csv"), "--budget", "3", "--json", "--out", str(out))
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    # water-filling by hand: A and B raised to 3 (transfers 2 and 1), C untouched
    assert r["transfers"] == ["2.00", "1.00", "0.00"]
    assert r["index_after"] < r["index_before"]
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") >= 2  # Lorenz curves and bars


def test_optimize_target():
    res = run(
        "transfer", "optimize", str(FIX / "optimize.csv"), "--target", "0.01", "--index", "gini", "--json"
    )
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["allocation"]["index_after"] <= 0.01 + 1e-9
    assert float(r["budget"]) == pytest.approx(4.69, abs=0.011)


def test_errors_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("region,population,per_capita_expenditure\nA,1,-1\nB,1,2\n", encoding="utf-8")
    cases = [
        (["transfer", "formula", str(FIX / "china.csv"), "--date", "2015-01-01"], "covered periods"),
        (["transfer", "formula", str(FIX / "china.csv"), "--scheme", "mars"], "unknown scheme"),
        (
            ["transfer", "formula", str(FIX / "germany.csv"), "--scheme", "china", "--date", "2023-01-01"],
            "no transfer coefficients",
        ),
        (
            ["transfer", "formula", str(FIX / "germany.csv"), "--coefficient", "0.5", "--date", "2023-01-01"],
            "missing column 'standard_expenditure'",
        ),
        (["transfer", "optimize", str(bad), "--budget", "1"], "per_capita is -1.0"),
        (["transfer", "optimize", str(FIX / "optimize.csv")], "give --budget or --target"),
    ]
    for args, message in cases:
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert message in " ".join(res.output.split()), res.output
