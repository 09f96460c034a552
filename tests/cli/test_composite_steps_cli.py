"""``regcoord composite`` with the imputation, treatment, budget and benefit-of-the-doubt steps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.measure.treatment import treat_outliers
from regcoord.measure.weighting import benefit_of_doubt

runner = CliRunner()

# 12 regions, 2 years, 2 indicators; region R01's income in 2021 is absent (imputed over
# time: 2020 only -> carried), and R12's income is an outlier that winsorisation clips.
INCOME = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 400]
SCHOOLS = [3, 5, 4, 6, 2, 7, 5, 4, 6, 3, 5, 4]


def _write(tmp_path, spec_text: str):
    rows = []
    for y, bump in ((2020, 0.0), (2021, 1.0)):
        for i, (inc, sch) in enumerate(zip(INCOME, SCHOOLS, strict=True)):
            r = f"R{i + 1:02d}"
            if not (r == "R01" and y == 2021):
                rows.append((r, y, "income", inc + bump))
            rows.append((r, y, "schools", sch + bump))
    data = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["region", "year", "indicator", "value"]).to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text, "utf-8")
    return str(data), str(spec)


def test_json_shows_imputed_and_treated_cells(tmp_path):
    data, spec = _write(
        tmp_path,
        "imputation: time_series\nimputation_how: latest\ntreatment: winsorise\n"
        "weighting: budget\nbudget: [{income: 60, schools: 40}, {income: 2, schools: 3}]\n"
        "indicators: [income, schools]\n",
    )
    res = runner.invoke(app, ["composite", data, "--spec", spec, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["composite"]
    # R01's 2021 income: the latest earlier observation, 10 (2020)
    assert out["imputed"] == [
        {"region": "R01", "year": 2021, "indicator": "income", "method": "time_series_latest", "value": 10.0}
    ]
    pool = pd.DataFrame(
        {
            "income": [*INCOME, 10, *(v + 1 for v in INCOME[1:])],
            "schools": [*SCHOOLS, *(v + 1 for v in SCHOOLS)],
        }
    )
    ref = treat_outliers(pool, method="winsorise").report
    changed = ref[ref["action"] != "none"]
    assert [t["indicator"] for t in out["treated"]] == changed["indicator"].tolist() == ["income"]
    assert (
        out["treated"][0]["winsorised"] == int(changed["winsorised"].iloc[0])
        and out["treated"][0]["pool"] == "pooled"
    )
    # budget: (0.6 + 0.4) / 2 = 0.5 and (0.4 + 0.6) / 2 = 0.5
    assert out["weights"][0] == pytest.approx([0.5, 0.5])


def test_benefit_of_doubt_json_and_table(tmp_path):
    data, spec = _write(
        tmp_path,
        "imputation: time_series\nweighting: benefit_of_doubt\nminmax_range: [1, 100]\n"
        "indicators: [income, schools]\n",
    )
    res = runner.invoke(app, ["composite", data, "--spec", spec, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["composite"]
    scores = np.array(out["scores"])
    uw = np.array(out["unit_weights"])
    assert uw.shape == (2, 12, 2)
    assert scores.max() == pytest.approx(1.0) and (scores > 0).all()
    # the same pooled frontier through the direct call: min-max of the imputed pool onto [1, 100]
    inc = np.array([*INCOME, 10, *(v + 1 for v in INCOME[1:])], dtype=float)
    sch = np.array([*SCHOOLS, *(v + 1 for v in SCHOOLS)], dtype=float)
    pool = np.column_stack([1 + 99 * (v - v.min()) / np.ptp(v) for v in (inc, sch)])
    np.testing.assert_allclose(scores.ravel(), benefit_of_doubt(pool).scores, atol=1e-9)
    table = runner.invoke(app, ["composite", data, "--spec", spec, "--top", "3"])
    assert table.exit_code == 0, table.output
    assert "weights vary by unit" in table.stdout and "imputation" in table.stdout


def test_benefit_of_doubt_with_uncertainty_is_refused_by_name(tmp_path):
    data, spec = _write(
        tmp_path, "weighting: benefit_of_doubt\nimputation: time_series\nindicators: [income, schools]\n"
    )
    res = runner.invoke(app, ["composite", data, "--spec", spec, "--uncertainty", "10"])
    assert res.exit_code == 2
    assert "benefit_of_doubt" in res.output and "uncertainty analysis cannot" in res.output


def test_blank_cells_are_read_as_missing_when_the_spec_imputes(tmp_path):
    data = tmp_path / "blank.csv"
    data.write_text(
        "region,year,indicator,value\n"
        "A,2020,a,1\nB,2020,a,\nC,2020,a,3\nD,2020,a,8\n"
        "A,2020,b,4\nB,2020,b,3\nC,2020,b,2\nD,2020,b,1\n",
        "utf-8",
    )
    spec = tmp_path / "s.yaml"
    spec.write_text("imputation: group_median\nindicators: [a, b]\n", "utf-8")
    res = runner.invoke(app, ["composite", str(data), "--spec", str(spec), "--json"])
    assert res.exit_code == 0, res.output
    # median of the observed 1, 3, 8 is 3
    assert json.loads(res.stdout)["composite"]["imputed"] == [
        {"region": "B", "year": 2020, "indicator": "a", "method": "group_median", "value": 3.0}
    ]
    spec.write_text("indicators: [a, b]\n", "utf-8")
    res = runner.invoke(app, ["composite", str(data), "--spec", str(spec), "--json"])
    assert res.exit_code == 2 and "missing value of a for region B" in res.output
