"""``regcoord compensate ...`` end to end (Typer CliRunner); numbers are the hand cases of
tests/compensation (Xin'an round 1, Chishui 1:5:4 / 3:4:3, Xie et al. D = 1498.58)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from regcoord.cli.app import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "compensation"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_water_quality_xinan_json():
    res = run(
        "compensate", "water-quality", "--history", str(FIX / "xinan_history.csv"), "--year", "2012",
        "--baseline", "preceding", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    (r,) = json.loads(res.stdout)
    assert (r["payer"], r["payee"], r["amount"]) == ("Zhejiang", "Anhui", "100000000.00")
    assert r["p"].startswith("0.95818181")
    k0 = next(s for s in r["trace"] if s["name"] == "xinan_river.k0")
    assert k0["verified"] is False and k0["value"] == "0.85"


def test_water_quality_chishui_segments_and_html(tmp_path):
    out = tmp_path / "wq.html"
    res = run(
        "compensate",
        "water-quality",
        "--rules",
        "chishui_river",
        "--year",
        "2019",
        "--section",
        "Qingshuipu=fail",
        "--section",
        "Lianyuxi=pass",
        "--json",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    (r,) = json.loads(res.stdout)
    assert r["final"] == {"Yunnan": "0.00", "Guizhou": "110000000.00", "Sichuan": "90000000.00"}
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "计算过程" in html


def test_esv_published_d_and_bounds():
    res = run(
        "compensate",
        "esv",
        "--area",
        "mixed_forest=100",
        "--area",
        "desert=10",
        "--grain-yield",
        "4600.89",
        "--grain-price",
        "2.28",
        "--date",
        "2020-01-01",
        "--spillover-share",
        "1",
        "--protection-cost",
        "1000",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["standard_equivalent"]["value"] == "1498.58"
    assert out["esv"]["total"] == "3476705.60"
    assert out["bounds"]["lower"] == "1000.00" and out["bounds"]["upper"] == "3476705.60"


def test_tax_share_extension():
    res = run(
        "compensate",
        "tax-share",
        "--pre",
        "30000000,25000000,20000000",
        "--post",
        "20000000,20000000,20000000,40000000,40000000,40000000",
        "--first-year",
        "2016",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["extended"] is True and out["origin_total"] == "70000000.00"


def test_errors_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "neg.csv"
    bad.write_text("year,CODMn\n2009,1\n2010,-1\n2011,1\n2012,1\n", encoding="utf-8")
    cases = [
        (["compensate", "water-quality", "--rules", "nope", "--year", "2012"], "known rule sets"),
        (
            ["compensate", "water-quality", "--history", str(bad), "--year", "2012"],
            "negative concentration of 'CODMn' in 2010",
        ),
        (
            ["compensate", "tax-share", "--pre", "1,2,3", "--post", "1", "--first-year", "2010"],
            "covered periods: 2015-01-01",
        ),
        (
            ["compensate", "esv", "--area", "water=1", "--d", "1000", "--date", "2020-01-01"],
            "no equivalent coefficients",
        ),
        (
            ["compensate", "esv", "--area", "shrub=1", "--d", "1000", "--date", "2012-01-01"],
            "covered periods",
        ),
    ]
    for args, message in cases:
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert message in " ".join(res.output.split()), res.output
        assert "Traceback" not in res.output


def test_miyun_quantity_reward_and_round3_needs_weights():
    res = run(
        "compensate", "water-quality", "--rules", "miyun_reservoir", "--year", "2018",
        "--inflow", str(FIX / "miyun_inflow.csv"), "--quantity-rate", "1000.5", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    (r,) = json.loads(res.stdout)
    # baseline (17 * 10 + 28) / 18 = 11, excess 9, 9 * 1000.5
    assert r["amount"] == "9004.50" and r["payer"] == "Beijing"
    res = run("compensate", "water-quality", "--history", str(FIX / "xinan_history.csv"), "--year", "2019")
    assert res.exit_code == 2 and "weights" in res.output


def test_round3_with_user_parameters(tmp_path):
    hist = tmp_path / "h.csv"
    hist.write_text(
        "year,CODMn,TP\n2016,2.0,0.02\n2017,2.0,0.02\n2018,2.0,0.02\n2019,1.0,0.02\n", encoding="utf-8"
    )
    res = run(
        "compensate", "water-quality", "--history", str(hist), "--year", "2019", "--weight", "CODMn=0.5",
        "--weight", "TP=0.5", "--k0", "1", "--baseline-years", "3", "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    (r,) = json.loads(res.stdout)
    # P = 0.5 * 1/2 + 0.5 * 1 = 0.75 <= 1: Zhejiang pays its round-3 contribution of 200 million
    assert (
        r["p"] == "0.75" and r["amount"] == "200000000.00" and r["round_period"] == "2018-01-01..2020-12-31"
    )


def test_xinan_round1_default_baseline_is_2008_2010_and_says_it_is_unverified(tmp_path):
    res = run("compensate", "water-quality", "--history", str(FIX / "xinan_history.csv"), "--year", "2012")
    assert res.exit_code == 2 and "needed for the baseline period 2008..2010" in " ".join(res.output.split())
    hist = tmp_path / "h.csv"
    hist.write_text(
        "year,CODMn,NH3-N,TP,TN\n2008,2.0,0.1,0.02,1.0\n2009,2.0,0.1,0.02,1.0\n2010,2.0,0.1,0.02,1.0\n"
        "2012,1.0,0.1,0.02,1.0\n",
        encoding="utf-8",
    )
    res = run("compensate", "water-quality", "--history", str(hist), "--year", "2012")
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert first.startswith("Warning 注意:") and "xinan_river.baseline_method (P)" in " ".join(
        res.output.split()
    )
    res = run("compensate", "water-quality", "--history", str(hist), "--year", "2012", "--json")
    (r,) = json.loads(res.stdout)
    # P = 0.85 * 0.25 * (1/2 + 1 + 1 + 1) = 0.74375
    assert r["p"] == "0.74375"
