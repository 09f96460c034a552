"""``regcoord convergence``: JSON checked against hand-computed OLS, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()

# 6 regions, 3 equally spaced years; poorer regions grow faster (beta < 0)
REGIONS = ["A", "B", "C", "D", "E", "F"]
X = np.array(
    [
        [10.0, 20.0, 30.0, 40.0, 55.0, 70.0],
        [13.0, 24.0, 33.0, 43.0, 57.0, 71.0],
        [17.0, 28.0, 37.0, 45.0, 60.0, 73.0],
    ]
)
YEARS = [2000, 2005, 2010]


@pytest.fixture
def panel_csv(tmp_path):
    rows = ["region,year,indicator,value"]
    rows += [f"{r},{y},gdp,{X[t, i]}" for t, y in enumerate(YEARS) for i, r in enumerate(REGIONS)]
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_json_beta_matches_hand_ols(panel_csv):
    res = runner.invoke(app, ["convergence", str(panel_csv), "--value", "gdp", "--classes", "2", "--json"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)  # stdout holds the JSON and nothing else
    assert out["years"] == [2000, 2010] and out["regions"] == 6
    # Barro regression by hand: g_i = (ln x_iT - ln x_i0) / 10 on ln x_i0 (numpy least squares)
    x0, xT = np.log(X[0]), np.log(X[-1])
    g = (xT - x0) / 10.0
    slope, _ = np.polyfit(x0, g, 1)
    assert slope < 0
    assert out["beta"]["beta"] == pytest.approx(slope, rel=1e-10)
    assert out["beta"]["nobs"] == 6
    # speed lambda = -ln(1 + T beta) / T and half-life ln 2 / lambda
    lam = -np.log(1 + 10.0 * slope) / 10.0
    assert out["beta"]["speed"] == pytest.approx(lam, rel=1e-10)
    assert out["beta"]["half_life"] == pytest.approx(np.log(2) / lam, rel=1e-10)
    # sigma: population standard deviation (ddof = 0) of ln x, written out per year
    sd = [float(np.sqrt(np.mean((np.log(row) - np.log(row).mean()) ** 2))) for row in X]
    assert sd[0] > sd[1] > sd[2]  # the dispersion falls year by year here
    assert out["sigma"]["sd_log"] == pytest.approx(sd, rel=1e-12)


def test_table_output_names_the_tests(panel_csv):
    res = runner.invoke(app, ["convergence", str(panel_csv), "--value", "gdp", "--classes", "2"])
    assert res.exit_code == 0, res.stderr
    assert "beta-convergence" in res.stdout and "sigma-convergence" in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--value", "nope"], "nope"),
        (["--value", "gdp", "--cov-type", "HC9"], "cov_type"),
        (["--value", "gdp", "--controls", "missing"], "missing"),
    ],
)
def test_bad_input_exits_2_without_traceback(panel_csv, args, needle):
    res = runner.invoke(app, ["convergence", str(panel_csv), *args, "--json"])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert needle in res.stderr and "Traceback" not in res.stderr


def test_missing_file_exits_2(tmp_path):
    res = runner.invoke(app, ["convergence", str(tmp_path / "none.csv"), "--value", "gdp"])
    assert res.exit_code == 2 and "not found" in res.stderr


# -- convergence clubs ------------------------------------------------------------------


@pytest.fixture
def ps_csv(tmp_path):
    """Phillips and Sul (2009) filtered log GDP per capita, 152 countries 1970-2003 (the data of
    the R package ConvergenceClubs, as shipped by the port convergence-clubs)."""
    cc = pytest.importorskip("convergence_clubs")
    frame = cc.load_filtered_gdp()
    long = frame.stack().rename("value").reset_index()
    long.columns = ["region", "year", "value"]
    long["indicator"] = "lgdp"
    path = tmp_path / "ps.csv"
    long[["region", "year", "indicator", "value"]].to_csv(path, index=False)
    return path


def test_clubs_json_reproduces_convergenceclubs(ps_csv):
    # ConvergenceClubs' reference page for findClubs / mergeClubs (FQSB, cstar = 0) prints
    # clubs of 50, 30, 21, 24, 14, 11, 2 regions; merged by the PS rule 50, 30, 21, 38, 11, 2.
    args = ["convergence", str(ps_csv), "--value", "lgdp", "--clubs", "--filter", "none", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert [len(c["members"]) for c in out["clubs"]] == [50, 30, 21, 24, 14, 11, 2]
    assert out["divergent"] == []
    assert all(c["t_stat"] > -1.65 for c in out["clubs"][:6])
    assert {"members", "log_t", "t_stat"} <= set(out["clubs"][0])
    res = runner.invoke(app, [*args, "--merge", "PS"])
    assert [len(c["members"]) for c in json.loads(res.stdout)["clubs"]] == [50, 30, 21, 38, 11, 2]


def test_clubs_filters_and_bad_choice(panel_csv, tmp_path):
    rng = np.random.default_rng(7)
    x = np.exp(np.cumsum(rng.normal(0.05, 0.03, (16, 8)), axis=0))
    rows = ["region,year,indicator,value"]
    rows += [f"R{i},{2000 + t},gdp,{x[t, i]}" for t in range(16) for i in range(8)]
    path = tmp_path / "p.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for f in ("hp", "hamilton"):
        res = runner.invoke(
            app, ["convergence", str(path), "--value", "gdp", "--clubs", "--filter", f, "--json"]
        )
        assert res.exit_code == 0, res.stderr
        out = json.loads(res.stdout)
        members = [m for c in out["clubs"] for m in c["members"]] + out["divergent"]
        assert sorted(members) == [f"R{i}" for i in range(8)]
    assert out["club_test"]["years"] == list(range(2002, 2016))  # Hamilton h = 2, p = 1
    res = runner.invoke(app, ["convergence", str(path), "--value", "gdp", "--clubs", "--filter", "kalman"])
    assert res.exit_code == 2
    assert "--filter" in res.stderr


def test_insignificant_beta_is_not_called_convergence(tmp_path):
    """A falling but insignificant beta: converging false in JSON, the reason in the table."""
    rng = np.random.default_rng(5)
    x0 = rng.lognormal(0, 0.3, 12)
    xT = x0 * np.exp(rng.normal(0.5, 0.3, 12)) * x0**-0.02
    rows = ["region,year,indicator,value"]
    rows += [
        f"R{i},{y},gdp,{v}"
        for y, xs in ((2000, x0), (2005, np.sqrt(x0 * xT)), (2010, xT))
        for i, v in enumerate(xs)
    ]
    path = tmp_path / "p.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = json.loads(
        runner.invoke(app, ["convergence", str(path), "--value", "gdp", "--classes", "2", "--json"]).stdout
    )
    assert out["beta"]["beta"] < 0 and out["beta"]["pvalue"] >= 0.05
    assert out["beta"]["converging"] is False and out["beta"]["level"] == 0.05
    res = runner.invoke(app, ["convergence", str(path), "--value", "gdp", "--classes", "2"])
    assert "not significant" in " ".join(res.stdout.split())
    loose = runner.invoke(
        app, ["convergence", str(path), "--value", "gdp", "--classes", "2", "--level", "0.99", "--json"]
    )
    assert json.loads(loose.stdout)["beta"]["level"] == 0.99
