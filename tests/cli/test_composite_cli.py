"""``regcoord composite`` and ``regcoord convergence`` end to end (Typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.data import load
from regcoord.measure.composite import load_spec
from regcoord.measure.uncertainty import uncertainty_analysis

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "composite"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_composite_json_on_fixture_matches_hand_calculation():
    res = run("composite", str(FIX / "panel_small.csv"), "--spec", str(FIX / "spec_small.yaml"), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["composite"]
    assert out["regions"] == ["A", "B", "C", "D", "E"] and out["years"] == [2020, 2021]
    # pooled min-max over both years, equal weights; region D in 2021:
    # income 31 in [10, 31] -> 1; pollution (cost) 9 in [2, 9] -> 0; schools 3 in [2, 7] -> 0.2
    d21 = out["scores"][1][3]
    assert d21 == pytest.approx((1 + 0 + 0.2) / 3)
    assert sorted(out["ranks"][0]) == [1, 2, 3, 4, 5]


def test_composite_with_uncertainty_and_sobol_json():
    res = run(
        "composite",
        "china",
        "--spec",
        "china_development",
        "--uncertainty",
        "300",
        "--sobol",
        "16",
        "--seed",
        "7",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    unc = out["uncertainty"]
    assert unc["n_draws"] == 300 and unc["seed"] == 7 and len(unc["median_rank"]) == 31
    assert np.all(np.array(unc["p05_rank"]) <= np.array(unc["median_rank"]))
    assert np.all(np.array(unc["median_rank"]) <= np.array(unc["p95_rank"]))
    # the command is thin: the same seed through the library gives the same ranks
    # (the library itself is checked against SALib and numpy in tests/measure/test_uncertainty.py)
    ref = uncertainty_analysis(load("china"), load_spec("china_development"), n_draws=300, seed=7)
    assert unc["median_rank"] == pytest.approx(ref.median_rank.tolist())
    assert unc["p95_rank"] == pytest.approx(ref.p95_rank.tolist())
    assert set(out["sensitivity"]["summary"]["factor"]) == {
        "normalization",
        "weighting",
        "aggregation",
        "drop_indicator",
    }


def test_composite_table_output():
    res = run("composite", "china", "--spec", "china_development", "--uncertainty", "50", "--top", "3")
    assert res.exit_code == 0, res.output
    assert "weights" in res.stdout and "median rank" in res.stdout and "log" in res.stdout


def test_composite_bad_inputs_exit_2(tmp_path):
    res = run("composite", "china", "--spec", str(tmp_path / "missing.yaml"))
    assert res.exit_code == 2 and "cannot read spec" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators: [{name: not_there}]\n", "utf-8")
    res = run("composite", "china", "--spec", str(bad))
    assert res.exit_code == 2 and "not_there" in res.output
    res = run("composite", "nowhere_dataset", "--spec", "china_development")
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_convergence_json_mexico():
    res = run("convergence", "mexico", "--value", "pcgdp", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["beta"]["kind"] == "absolute" and out["beta"]["beta"] < 0
    assert out["beta"]["half_life"] == pytest.approx(np.log(2) / out["beta"]["speed"])
    assert out["panel_beta"]["kind"] == "panel"
    assert len(out["markov"]["p"]) == 5
    assert out["sigma"]["years"][0] == 1940


def test_convergence_conditional_and_table(china_panel):
    res = run("convergence", "china", "--value", "gdp_per_capita", "--controls", "population", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["beta"]["kind"] == "conditional" and "population" in out["beta"]["coefficients"]
    res = run("convergence", "mexico", "--value", "pcgdp")
    assert res.exit_code == 0 and "beta-convergence" in res.stdout


def test_convergence_bad_value_exit_2():
    res = run("convergence", "mexico", "--value", "nope")
    assert res.exit_code == 2 and "nope" in res.output and "Traceback" not in res.output
