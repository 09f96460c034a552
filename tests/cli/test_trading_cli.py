"""``regcoord trading simulate|allocate`` end to end (Typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_simulate_json_conserves_rights_and_money() -> None:
    res = run("trading", "simulate", "--orders", "3000", "--seed", "5", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["orders"] == 3000
    assert out["trades"] > 0
    assert out["rights_before"] == out["rights_after"]
    assert set(out["rights_before"]) == {"water", "cod", "ammonia_n", "co2e", "energy"}
    assert out["money_before"] == out["money_after"]
    assert isinstance(out["money_after"], int)
    assert out["negative_balances"] == 0
    assert out["orders_per_second"] > 0
    assert out["holders"] == 31
    # same seed, same market
    again = json.loads(run("trading", "simulate", "--orders", "3000", "--seed", "5", "--json").stdout)
    assert again["trades"] == out["trades"] and again["resting_orders"] == out["resting_orders"]


def test_simulate_table() -> None:
    res = run("trading", "simulate", "--orders", "200", "--seed", "1")
    assert res.exit_code == 0, res.output
    assert "trades 成交" in res.stdout


def test_allocate_grandfathering_and_auction(tmp_path: Path) -> None:
    hist = tmp_path / "hist.csv"
    hist.write_text("holder,history\n11,47000\n12,16000\n13,15800\n14,12000\n15,6100\n16,3100\n", "utf-8")
    res = run("trading", "allocate", str(hist), "--method", "grandfathering", "--cap", "10", "--vintage", "2025",
              "--right", "cod", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    # largest-remainder textbook case (see tests/trading/test_allocation.py)
    assert out["units"] == [5, 2, 1, 1, 1, 0]
    assert out["total"] == 10 and out["instrument"]["right"] == "cod"

    bids = tmp_path / "bids.csv"
    bids.write_text("bidder,quantity,price\nA,60,80\nB,30,70\nC,40,60\nD,50,40\n", "utf-8")
    res = run("trading", "allocate", str(bids), "--method", "auction", "--cap", "100", "--vintage", "2025",
              "--reserve-price", "50", "--json")  # fmt: skip
    out = json.loads(res.stdout)
    assert out["units"] == [60, 30, 10, 0] and out["clearing_price_fen"] == 60

    res = run("trading", "allocate", str(bids), "--method", "auction", "--cap", "100", "--vintage", "2025")
    assert res.exit_code == 0 and "clearing price" in res.stdout


def test_allocate_benchmarking_with_intensity(tmp_path: Path) -> None:
    f = tmp_path / "out.csv"
    f.write_text("holder,output\na,100\nb,250\n", "utf-8")
    res = run("trading", "allocate", str(f), "--method", "benchmarking", "--cap", "1000", "--vintage", "2025",
              "--intensity", "0.7", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["units"] == [70, 175] and out["unallocated"] == 755


def test_allocate_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("holder,history\n11,50\n12,abc\n", "utf-8")
    res = run("trading", "allocate", str(f), "--method", "grandfathering", "--cap", "10", "--vintage", "2025")
    assert res.exit_code == 2
    assert "row 3" in res.stderr and "history" in res.stderr
    assert "Traceback" not in res.output
    res = run("trading", "allocate", str(f), "--method", "lottery", "--cap", "10", "--vintage", "2025")
    assert res.exit_code == 2 and "unknown method" in res.stderr
    res = run("trading", "allocate", str(f), "--method", "per_capita", "--cap", "10", "--vintage", "2025")
    assert res.exit_code == 2 and "population" in res.stderr
    res = run("trading", "allocate", str(f), "--method", "benchmarking", "--cap", "10", "--vintage", "2025",
              "--column", "history")  # fmt: skip
    assert res.exit_code == 2


RULES = """
name: trading_cli_fixture
title: {en: CLI test fixture, zh: 命令行测试用例}
description: Test data only (invented numbers), not a real scheme.
parameters:
  method:
    title: {en: Allocation method, zh: 分配方法}
    unit: text
    source: {document: test fixture}
    label: U
    verified: false
    values:
      - {start: 2024-01-01, value: per_capita}
  cap:
    title: {en: Cap, zh: 总量}
    unit: m3
    source: {document: test fixture}
    label: U
    verified: false
    values:
      - {start: 2024-01-01, end: 2024-12-31, value: 90}
      - {start: 2025-01-01, value: 100}
"""


def test_allocate_with_a_dated_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "trading_cli_fixture.yaml"
    rules.write_text(RULES, "utf-8")
    pop = tmp_path / "pop.csv"
    pop.write_text("holder,population\nx,1\ny,1\nz,1\n", "utf-8")
    args = ["trading", "allocate", str(pop), "--rules", str(rules), "--right", "water", "--vintage", "2025"]
    res = run(*args, "--date", "2025-03-01", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["units"] == [34, 33, 33]  # 100 / 3: the first gets the odd unit
    res = run(*args, "--date", "2024-03-01", "--json")
    assert json.loads(res.stdout)["units"] == [30, 30, 30]
    res = run(*args, "--date", "2020-01-01")
    assert res.exit_code == 2 and "no parameter valid" in res.stderr
    res = run(*args)
    assert res.exit_code == 2 and "--date" in res.stderr
