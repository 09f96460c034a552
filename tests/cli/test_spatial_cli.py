"""``regcoord spatial``: the numbers come from measure.spatial_dynamics; checked against giddy's documentation."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()


def test_us_income_spatial_markov_matches_giddy_documentation():
    # libpysal's states48.gal neighbours, quintiles of relative income (giddy Spatial_Markov docstring)
    res = runner.invoke(
        app, ["spatial", "us_income", "--value", "income_pc", "--method", "markov", "--seed", "1", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    sm = out["spatial_markov"]
    assert f"{sm['q']:.3f}" == "200.624" and f"{sm['lr']:.3f}" == "170.659" and sm["dof"] == 60
    assert out["weights"] == "libpysal example states48.gal"
    assert out["seed"] == 1 and 0 < sm["x2_p_value"] <= 1


def test_china_local_moran_on_province_contiguity():
    res = runner.invoke(
        app,
        ["spatial", "china", "--value", "gdp_per_capita", "--method", "moran", "--method", "rank",
         "--permutations", "99", "--seed", "2", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["weights"].startswith("province queen contiguity; islands: 46->44")
    lm = out["local_moran"]
    assert set(lm["clusters"]["2023"]) == set(lm["regions"]) and len(lm["regions"]) == 31
    assert set(lm["clusters"]["2023"].values()) <= {"HH", "LL", "LH", "HL", "ns"}
    assert len(out["rank_mobility"]["tau"]) == len(lm["years"]) - 1


def test_table_output_prints_the_seed_it_drew():
    res = runner.invoke(app, ["spatial", "china", "--value", "gdp_per_capita", "--method", "lisa"])
    assert res.exit_code == 0, res.output
    assert "rerun with --seed" in res.output
    assert "LISA Markov" in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "kriging"], "--method 'kriging'"),
        (["--level", "town"], "level 'town'"),
        (["--contiguity", "bishop"], "kind 'bishop'"),
        (["--classes", "1"], "k is 1"),
    ],
)
def test_bad_options_exit_2_without_traceback(args, needle):
    res = runner.invoke(app, ["spatial", "china", "--value", "gdp_per_capita", "--method", "markov", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output


def test_weights_file_must_cover_the_regions(tmp_path):
    f = tmp_path / "w.csv"
    f.write_text("region,neighbour\n11,12\n12,13\n", encoding="utf-8")
    res = runner.invoke(
        app, ["spatial", "china", "--value", "gdp_per_capita", "--method", "moran", "--weights", str(f)]
    )
    assert res.exit_code == 2
    assert "have no entry in the spatial weights" in res.output
