"""``regcoord game incentive`` and ``regcoord game evolve`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regcoord.cli.app import app

runner = CliRunner()


def _json(args: list[str]) -> dict:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_incentive_prisoners_dilemma_json() -> None:
    # R=3, S=0, T=5, P=1: penalty > T - R = 2; delta* = 2/4; at delta = 0.4 the gap is 0.4
    out = _json(
        ["game", "incentive", "--R", "3", "--S", "0", "--T", "5", "--P", "1", "--delta", "0.4", "--json"]
    )
    assert out["kind"] == "prisoners_dilemma"
    assert out["discount_threshold"]["delta_star"] == pytest.approx(0.5)
    sn = {i["instrument"]: i for i in out["strict_nash"]["instruments"]}
    assert sn["penalty"]["bound"] == pytest.approx(2.0)
    assert sn["penalty"]["amount"] == pytest.approx(2.0 + 1e-6)
    grim = {i["instrument"]: i for i in out["grim_trigger"]["instruments"]}
    assert grim["subsidy"]["bound"] == pytest.approx(0.4)
    assert grim["transfer"]["bound"] == pytest.approx(0.4 / 0.6)
    assert all(v["holds"] for v in out["dominant"]["verification"])


def test_incentive_public_good_json() -> None:
    # n = 4, b = 6, c = 2: s + f > c - b/n = 0.5; delta* = 0.5 / (3 * 1.5)
    out = _json(["game", "incentive", "--b", "6", "--c", "2", "--n", "4", "--json"])
    assert out["dominant"]["instruments"][0]["bound"] == pytest.approx(0.5)
    assert out["discount_threshold"]["delta_star"] == pytest.approx(0.5 / 4.5)
    assert out["grim_trigger"] is None


def test_incentive_table_output() -> None:
    res = runner.invoke(app, ["game", "incentive", "--R", "3", "--S", "0", "--T", "5", "--P", "1"])
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())  # Rich wraps lines to the terminal width
    assert "δ* = (T − R)/(T − P) = 0.5" in text
    assert "penalty F / 罚款" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--R", "3", "--S", "0", "--T", "5", "--P", "6"], "violate R > P"),
        (["--R", "3", "--S", "0", "--T", "5"], "missing --P"),
        (["--R", "3", "--S", "0", "--T", "5", "--P", "1", "--b", "2", "--c", "1"], "both"),
        (["--b", "6", "--c", "1", "--n", "3"], "not a social dilemma"),
        (["--R", "3", "--S", "0", "--T", "5", "--P", "1", "--delta", "1.2"], "delta"),
        ([], "no game"),
    ],
)
def test_incentive_errors_exit_2(args: list[str], message: str) -> None:
    res = runner.invoke(app, ["game", "incentive", *args])
    assert res.exit_code == 2
    assert message in " ".join(res.stderr.split())
    assert "Traceback" not in res.output


def test_incentive_any_game_allows_non_dilemma() -> None:
    out = _json(["game", "incentive", "--R", "4", "--S", "0", "--T", "3", "--P", "2", "--any-game", "--json"])
    assert out["kind"] == "stag_hunt"
    assert out["strict_nash"]["already_holds"]


EVOLVE = [
    "game",
    "evolve",
    "--Bu",
    "2",
    "--C",
    "5",
    "--Bd",
    "6",
    "--L",
    "4",
    "--P",
    "2",
    "--K",
    "1",
    "--A",
    "1",
]


def test_evolve_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "phase.png"
    out = _json([*EVOLVE, "--Fu", "1.5", "--Fd", "3", "--plot", str(png), "--sweep", "Fd=0:4:5", "--json"])
    assert out["analysis"]["ess"] == ["(protect, compensate)"]
    assert out["trajectory_end"]["x"] == pytest.approx(1.0, abs=1e-3)
    assert out["sweep"]["protect_compensate_ess"] == [False, False, False, True, True]  # F_d > P = 2
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evolve_without_fine_has_no_compensating_ess() -> None:
    out = _json([*EVOLVE, "--Fu", "1.5", "--json"])
    assert "(protect, compensate)" not in out["analysis"]["ess"]


def test_evolve_html_report_and_tripartite(tmp_path: Path) -> None:
    html = tmp_path / "evolve.html"
    res = runner.invoke(
        app, [*EVOLVE, "--Fu", "1.5", "--Fd", "3", "--Cg", "1", "--G", "2", "--out", str(html)]
    )
    assert res.exit_code == 0, res.output
    text = html.read_text(encoding="utf-8")
    assert "流域生态补偿演化博弈" in text and "<svg" in text
    assert "上游政府保护比例" in text  # bilingual axis label kept as SVG text
    assert "(protect, compensate, supervise)" in text
    assert "saddle" in res.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--Fd", "-1"], "Fd"),
        (["--x0", "1.5"], "shares in [0, 1]"),
        (["--sweep", "Q=1,2"], "--sweep"),
        (["--sweep", "Fd=a,b"], "numbers"),
    ],
)
def test_evolve_errors_exit_2(extra: list[str], message: str) -> None:
    res = runner.invoke(app, [*EVOLVE, *extra])
    assert res.exit_code == 2
    assert message in " ".join(res.stderr.split())


def test_evolve_unwritable_plot_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, [*EVOLVE, "--plot", str(tmp_path / "missing" / "p.png")])
    assert res.exit_code == 2
    assert "cannot write" in res.stderr


PD_ARGS = ["game", "incentive", "--R", "3", "--S", "0", "--T", "5", "--P", "1"]


def test_incentive_weights_pick_the_cheapest_instrument() -> None:
    # strict Nash gap T - R = 2 with coefficients (1, 1, 1) for n = 2: the transfer at
    # cost 0.5 per unit is cheapest: 0.5 * 2 = 1
    out = _json([*PD_ARGS, "--epsilon", "0", "--weights", "penalty=1,transfer=0.5", "--json"])
    assert out["strict_nash"]["cost"] == pytest.approx(1.0)
    assert out["strict_nash"]["combination"] == [["penalty", 0.0], ["transfer", 2.0]]
    res = runner.invoke(
        app, ["game", "incentive", "--R", "3", "--S", "0", "--T", "5", "--P", "1", "--weights", "bribe=1"]
    )
    assert res.exit_code == 2 and "unknown instrument" in res.stderr


def test_evolve_tripartite_with_centre_benefit_json() -> None:
    # E = 2.5 > C_g + A = 2: (protect, compensate, supervise) has eigenvalues (-2.5, -1, -0.5)
    out = _json([*EVOLVE, "--Fu", "1.5", "--Fd", "3", "--Cg", "1", "--G", "2", "--E", "2.5", "--json"])
    ess = [c["label"] for c in out["tripartite"]["corners"] if c["ess"]]
    assert ess == ["(protect, compensate, supervise)"]


def test_incentive_html_report(tmp_path: Path) -> None:
    html = tmp_path / "incentive.html"
    res = runner.invoke(
        app, ["game", "incentive", "--b", "6", "--c", "2", "--n", "4", "--delta", "0.05", "--out", str(html)]
    )
    assert res.exit_code == 0, res.output
    text = html.read_text(encoding="utf-8")
    assert "最小激励工具：冷酷触发（重复博弈）" in text
    assert "0.111111" in text  # delta* = (c - b/n) / ((n - 1)(b/n)) = 0.5 / 4.5
