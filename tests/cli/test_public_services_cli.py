"""``regcoord compensate pension-adjustment|pension-transfer|pension-flows|medical-clearing`` end to end.

Numbers are the hand cases of tests/public_services (three provinces in 2019; the worker
leaving 湖南; the clearing round with an advance).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from regcoord.cli.app import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "public_services"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_pension_adjustment_json_exact_shape():
    res = run(
        "compensate", "pension-adjustment", str(FIX / "three_provinces.csv"), "--year", "2019", "--json"
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [
        {"region": "广东", "contribution": "3150000.00", "allocation": "1018500.00", "net": "-2131500.00"},
        {"region": "黑龙江", "contribution": "945000.00", "allocation": "3055500.00", "net": "2110500.00"},
        {"region": "四川", "contribution": "2016000.00", "allocation": "2037000.00", "net": "21000.00"},
    ]


def test_pension_adjustment_trace_and_report(tmp_path):
    trace, html = tmp_path / "t.json", tmp_path / "r.html"
    res = run(
        "compensate",
        "pension-adjustment",
        str(FIX / "three_provinces.csv"),
        "--year",
        "2020",
        "--trace-out",
        str(trace),
        "--out",
        str(html),
        "--lang",
        "zh",
    )
    assert res.exit_code == 0, res.output
    full = json.loads(trace.read_text(encoding="utf-8"))
    # 2020 at 4%: 3 600 000 + 1 080 000 + 2 304 000 = 6 984 000.00
    assert full["rate"] == "0.04" and full["fund_total"] == "6984000.00"
    assert any(s["name"] == "pension_central_adjustment.rate" for s in full["trace"])
    text = html.read_text(encoding="utf-8")
    assert "养老保险基金中央调剂" in text and "6984000.00" in text
    # two bar charts, plus the map of net positions when the province boundaries are installed
    from regcoord.errors import NotFound
    from regcoord.regions import province_boundaries

    try:
        province_boundaries()
        charts = 3
    except NotFound:
        charts = 2
    assert text.count("<svg") == charts


def test_pension_adjustment_errors_exit_2():
    res = run("compensate", "pension-adjustment", str(FIX / "three_provinces.csv"), "--year", "2022")
    assert res.exit_code == 2 and "national pooling" in res.output
    res = run("compensate", "pension-adjustment", str(FIX / "bills.csv"), "--year", "2019")
    assert res.exit_code == 2 and "'region'" in res.output
    res = run(
        "compensate",
        "pension-adjustment",
        str(FIX / "three_provinces.csv"),
        "--year",
        "2019",
        "--rate",
        "0.5",
    )
    assert res.exit_code == 2 and "declared range" in res.output


def test_pension_transfer_json():
    res = run(
        "compensate",
        "pension-transfer",
        str(FIX / "worker_record.csv"),
        "--from",
        "湖南",
        "--to",
        "广东",
        "--account",
        "45678.90",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["pooled"], out["total"], out["years_counted"]) == ("16440.00", "62118.90", [2015, 2016, 2017])


def test_pension_flows_json():
    res = run("compensate", "pension-flows", str(FIX / "moves.csv"), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["net"] for r in out["net"]] == ["-18200.00", "18200.00"]


def test_medical_clearing_json_and_report(tmp_path):
    adv = tmp_path / "adv.csv"
    adv.write_text("insured_region,treatment_region,advance\nA,B,40\n", encoding="utf-8")
    html = tmp_path / "m.html"
    res = run(
        "compensate",
        "medical-clearing",
        str(FIX / "bills.csv"),
        "--advances",
        str(adv),
        "--json",
        "--out",
        str(html),
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["balanced"] is True
    assert [p["position"] for p in out["positions"]] == ["-120.00", "90.00", "30.00"]
    assert "跨省异地就医清算" in html.read_text(encoding="utf-8")
    res = run(
        "compensate",
        "medical-clearing",
        str(FIX / "bills.csv"),
        "--advances",
        str(adv),
        "--previous",
        str(FIX / "bills.csv"),
    )
    assert res.exit_code == 2


def test_service_standards_json(tmp_path):
    html = tmp_path / "s.html"
    res = run(
        "service-standards",
        str(FIX / "indicators.csv"),
        "--standard",
        "compulsory_school_spending=650",
        "--json",
        "--out",
        str(html),
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    gap = next(
        g
        for g in out["gaps"]
        if (g["region"], g["year"], g["indicator"]) == ("乙", 2023, "compulsory_school_spending")
    )
    assert (gap["standard"], gap["gap"]) == ("650", "-150")
    assert {(f["region"], f["year"], f["level"]) for f in out["warning"]["firings"]} >= {("乙", 2023, "red")}
    # 乙 below in 2023 (pension, health, school) and 2024 (pension, school): 5 region-indicator-years
    text = html.read_text(encoding="utf-8")
    assert "5 region-indicator-year(s) below" in text and "<svg" in text
    res = run("service-standards", str(FIX / "indicators.csv"), "--standard", "x")
    assert res.exit_code == 2
