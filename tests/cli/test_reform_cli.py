"""``regcoord reform run|sweep`` end to end; numbers are the hand-worked cases of tests/reform/cases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from regcoord.cli.app import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "transfers"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_reform_run_json_shape_and_numbers():
    res = run(
        "reform", "run", str(FIX / "china.csv"), "--scheme", "china", "--set", "coefficient=0.9",
        "--date", "2026-06-30", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["scheme"] == "china_balanced_transfer"
    assert [(r["region"], r["baseline"], r["reform"], r["delta"]) for r in out["regions"]] == [
        ("Qinghai", "360.00", "360.00", "0.00"),
        ("Guangdong", "206.84", "360.00", "153.16"),  # 400 x 0.5171 -> 400 x 0.9
        ("Beijing", "20.00", "90.00", "70.00"),
        ("Shanghai", "0.00", "0.00", "0.00"),
    ]
    assert out["total"] == {"baseline": "586.84", "reform": "810.00", "delta": "223.16"}
    assert out["winners"] == ["Guangdong", "Beijing"] and out["losers"] == []
    assert out["pareto_improvement"] is True
    for side in ("baseline", "reform"):
        assert set(out["disparity"][side]) >= {"cv", "gini", "theil_t", "theil_l"}
    assert out["disparity"]["reform"]["theil_t"] < out["disparity"]["baseline"]["theil_t"]
    assert out["trace"][0]["override"] == "china_balanced_transfer.coefficient"


def test_reform_file_and_report(tmp_path):
    reform = tmp_path / "r.yaml"
    reform.write_text("china_balanced_transfer.gap_regions_only: {2026-01-01: false}\n", encoding="utf-8")
    html = tmp_path / "r.html"
    res = run(
        "reform", "run", str(FIX / "china.csv"), "--scheme", "china_balanced_transfer", "--reform", str(reform),
        "--date", "2026-06-30", "--json", "--out", str(html), "--lang", "zh",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["losers"] == ["Shanghai"] and out["pareto_improvement"] is False
    text = html.read_text(encoding="utf-8")
    assert "改革模拟" in text and "预算变化" in text and "差距变化" in text
    assert text.count("<svg") >= 2  # waterfall and disparity (plus the map when map data is installed)


def test_reform_errors_exit_2():
    base = ["reform", "run", str(FIX / "china.csv"), "--scheme", "china", "--date", "2026-06-30"]
    res = run(*base, "--set", "coefficient=1.5")
    assert res.exit_code == 2 and "outside its declared range" in res.output
    res = run(*base, "--set", "nothing=1")
    assert res.exit_code == 2 and "no parameter or input 'nothing'" in res.output
    res = run(*base)
    assert res.exit_code == 2 and "no reform given" in res.output
    res = run("reform", "run", str(FIX / "germany.csv"), "--scheme", "china", "--set", "coefficient=0.5")
    assert res.exit_code == 2 and "standard_expenditure" in res.output
    res = run(*base[:3], "--scheme", "atlantis", "--set", "x=1")
    assert res.exit_code == 2 and "unknown scheme" in res.output


def test_reform_sweep_prints_the_frontier():
    res = run(
        "reform", "sweep", str(FIX / "china.csv"), "--scheme", "china", "--grid", "coefficient=0:1:0.5",
        "--date", "2026-06-30", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_reforms"] == 3
    # uniform coefficient c: budget = c x (400 + 400 + 100) = 900 c, and the money goes mostly to
    # Qinghai, whose revenue per head (100/594) is already above Guangdong's (500/12601) and
    # Beijing's (200/2189): more money, more disparity, so c = 0 dominates both others
    assert [(p["parameters"], p["budget"]) for p in out["frontier"]] == [
        ({"china_balanced_transfer.coefficient": 0.0}, "0.00")
    ]
    assert out["baseline"]["budget"] == "586.84"
    res = run(
        "reform", "sweep", str(FIX / "china.csv"), "--scheme", "china", "--grid", "coefficient=0:1:0.5",
        "--random", "5", "--date", "2026-06-30", "--json",
    )  # fmt: skip
    assert res.exit_code == 0 and json.loads(res.stdout)["n_reforms"] == 5


def test_illustrative_data_say_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no file called 'illustrative' here
    res = run(
        "reform",
        "run",
        "illustrative",
        "--scheme",
        "china",
        "--set",
        "coefficient=0.6",
        "--date",
        "2026-06-30",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["illustrative"] is True and out["headline"]["en"].startswith("Illustrative fiscal numbers")
    assert out["headline"]["zh"].startswith("示意性财政数据") and len(out["regions"]) == 31
    res = run(
        "reform",
        "sweep",
        "illustrative",
        "--scheme",
        "germany",
        "--grid",
        "vat_adjustment_rate=0.5:0.7:0.1",
        "--date",
        "2026-06-30",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["illustrative"] is True and out["n_reforms"] == 3
