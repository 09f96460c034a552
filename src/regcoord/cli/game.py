"""``regcoord game ...``: cooperative, strategic and evolutionary games between regions.

This module owns the Typer ``app`` of the ``game`` group and the cooperative-game commands
(shapley, banzhaf, nucleolus, prenucleolus, core, owen, nash).  Other modules add their
commands to the same ``app`` by importing it.  Thin: every number comes from
:mod:`regcoord.games.cooperative`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from regcoord.cli._input import parse_assignments
from regcoord.cli._output import console, err_console, print_json, progress_bar, user_errors, writing
from regcoord.errors import DataError
from regcoord.games.cooperative import (
    Allocation,
    TUGame,
    banzhaf,
    in_core,
    kalai_smorodinsky,
    least_core,
    nash_bargaining,
    nucleolus,
    owen,
    parse_unions,
    prenucleolus,
    shapley,
    shapley_monte_carlo,
)

app = typer.Typer(
    help="Games between regions: fair shares, incentives, evolution. 区域间博弈：公平分配、激励设计、演化。",
    no_args_is_help=True,
)

_PLAYERS = typer.Option(
    None,
    "--players",
    help="The players, comma-separated, declared up front (a misspelt name is then reported at its row). "
    "预先声明参与者（逗号分隔）。",
)
_GAME_HELP = (
    "CSV with columns coalition (names joined by +) and value / 特征函数 CSV：coalition（以 + 连接）与 value"
)
_JSON_HELP = "Print JSON. 输出 JSON。"
_OUT_HELP = "Write an HTML report here / HTML 报告输出路径"

#: (English name, Chinese name, formula, source) of each solution concept
_METHODS: dict[str, tuple[str, str, str, str]] = {
    "shapley": (
        "Shapley value",
        "沙普利值",
        "φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! · (v(S∪{i}) − v(S))",
        "Shapley, L. S. (1953). A value for n-person games. Contributions to the Theory of Games II, 307-317.",
    ),
    "shapley_monte_carlo": (
        "Shapley value (Monte Carlo)",
        "沙普利值（蒙特卡罗抽样）",
        "φ̂_i = mean over random orders π of v(P_i(π)∪{i}) − v(P_i(π)); SE = sd/√m",
        "Castro, J., Gómez, D., Tejada, J. (2009). Polynomial calculation of the Shapley value based on "
        "sampling. Computers & Operations Research 36(5), 1726-1730.",
    ),
    "banzhaf": (
        "Banzhaf value",
        "班扎夫值",
        "β_i = 2^{−(n−1)} Σ_{S ⊆ N∖{i}} (v(S∪{i}) − v(S))",
        "Banzhaf, J. F. (1965). Weighted voting doesn't work. Rutgers Law Review 19, 317-343.",
    ),
    "nucleolus": (
        "Nucleolus",
        "核仁",
        "lexicographic minimum of the decreasingly sorted excesses e(S,x) = v(S) − x(S) over imputations "
        "(x(N) = v(N), x_i ≥ v({i})), by sequential LPs",
        "Schmeidler, D. (1969). The nucleolus of a characteristic function game. SIAM J. Appl. Math. 17, "
        "1163-1170; Maschler, Peleg, Shapley (1979). Math. Oper. Res. 4, 303-338.",
    ),
    "prenucleolus": (
        "Prenucleolus",
        "前核仁",
        "lexicographic minimum of the sorted excesses e(S,x) = v(S) − x(S) over x(N) = v(N)",
        "Schmeidler (1969); Maschler, Peleg, Shapley (1979). Math. Oper. Res. 4, 303-338.",
    ),
    "core": (
        "Core and least core",
        "核心与最小核心",
        "core: x(N) = v(N), x(S) ≥ v(S) ∀S; least core: min ε s.t. x(S) ≥ v(S) − ε",
        "Gillies, D. B. (1959). Solutions to general non-zero-sum games. Annals of Math. Studies 40; "
        "Maschler, Peleg, Shapley (1979).",
    ),
    "owen": (
        "Owen value",
        "欧文值",
        "φ_i = Σ_{R ⊆ M∖{k}} Σ_{T ⊆ P_k∖{i}} r!(m−r−1)!/m! · t!(p_k−t−1)!/p_k! · (v(Q_R∪T∪{i}) − v(Q_R∪T))",
        "Owen, G. (1977). Values of games with a priori unions. In Essays in Mathematical Economics and "
        "Game Theory, 76-88.",
    ),
    "nash": (
        "Nash bargaining solution",
        "纳什谈判解",
        "max Π_i (x_i − d_i)^{w_i} s.t. Σ x_i ≤ v(N): x = d + w/Σw · (v(N) − Σ d)",
        "Nash, J. F. (1950). The bargaining problem. Econometrica 18, 155-162; Kalai (1977) for weights.",
    ),
}


# ---------------------------------------------------------------------- helpers


def _load(path: Path, players: str | None = None) -> TUGame:
    """The game in ``path``; ``players`` ("A,B,C") declares the players up front, so that a
    coalition naming anyone else is reported at its row."""
    names = None
    if players is not None:
        names = [p.strip() for p in players.split(",") if p.strip()]
        if not names:
            raise DataError("no player names", column="--players", expected="names separated by commas")
    return TUGame.from_csv(path, players=names)


def _warn_not_superadditive(game: TUGame) -> None:
    if game.n <= 12:
        bad = game.superadditivity_violation()
        if bad is not None:
            s, t, gap = bad
            err_console.print(
                f"[yellow]warning:[/] the game is not superadditive: v({s}) + v({t}) exceeds v({s}+{t}) by "
                f"{gap:g} / 特征函数不满足超可加性",
                highlight=False,
            )


def _print_allocation(game: TUGame, alloc: Allocation, title: str) -> None:
    total = game.v[-1]
    table = Table(title=title)
    table.add_column("player / 参与者")
    table.add_column("value / 分配", justify="right")
    table.add_column("share of v(N) / 占比", justify="right")
    for p, x in zip(alloc.players, alloc.values, strict=True):
        table.add_row(p, f"{x:.6g}", f"{x / total:.2%}" if total else "-")
    console.print(table)
    console.print(f"v(N) = {total:g}; sum / 合计 = {sum(alloc.values):.10g}")


def _write_report(
    path: Path,
    game: TUGame,
    methods: Sequence[str],
    allocations: dict[str, Sequence[float]],
    trace: Sequence[str],
    extra: list[Any] | None = None,
) -> None:
    from regcoord.report import Report, Section, charts

    rep = Report("Fair shares of a cooperative game", "合作博弈的公平分配")
    rep.add(
        Section(
            "Allocation",
            "分配结果",
            text_en=f"{game.n} players; the grand coalition is worth v(N) = {game.v[-1]:g}.",
            text_zh=f"{game.n} 个参与者；大联盟价值 v(N) = {game.v[-1]:g}。",
            charts=[
                charts.bar(list(game.players), dict(allocations), title="Allocation / 分配", ylabel="value")
            ],
            tables=[
                pd.DataFrame(
                    {"player / 参与者": list(game.players), **{k: list(v) for k, v in allocations.items()}}
                )
            ],
        )
    )
    for section in extra or []:
        rep.add(section)
    frame = game.to_frame()
    limit = 4096
    note_en = note_zh = ""
    if len(frame) > limit:
        note_en = f"First {limit} of {len(frame)} coalitions."
        note_zh = f"仅列出 {len(frame)} 个联盟中的前 {limit} 个。"
        frame = frame.head(limit)
    frame.columns = ["coalition / 联盟", "size / 规模", "value / 价值"]
    rep.add(Section("Characteristic function", "特征函数", text_en=note_en, text_zh=note_zh, tables=[frame]))
    rep.add(
        Section(
            "Computation trace",
            "计算过程",
            text_en="\n\n".join(trace) or "-",
            text_zh="\n\n".join(trace) or "-",
        )
    )
    for m in methods:
        name_en, name_zh, formula, source = _METHODS[m.removesuffix("_normalized")]
        rep.add_method(name_en, name_zh, formula, source)
    with writing(path):
        rep.write(path)


def _finish(
    game: TUGame,
    alloc: Allocation,
    key: str,
    json_out: bool,
    out: Path | None,
    title: str,
    extra_json: dict[str, Any] | None = None,
) -> None:
    if out is not None:
        with user_errors():
            _write_report(out, game, [alloc.method], {key: alloc.values}, alloc.trace)
    if json_out:
        print_json({"players": list(game.players), key: list(alloc.values), **(extra_json or {})})
        return
    _print_allocation(game, alloc, title)
    for line in alloc.trace:
        console.print(f"[dim]{line}[/]", highlight=False)
    if out is not None:
        console.print(f"report / 报告: {out}")


# ---------------------------------------------------------------------- commands


@app.command("shapley")
def shapley_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    monte_carlo: bool = typer.Option(
        False, "--monte-carlo", help="Sample random orders instead of the exact value / 随机排列抽样估计"
    ),
    target_se: float = typer.Option(0.001, "--target-se", help="Stop when every SE is below / 目标标准误"),
    max_permutations: int = typer.Option(100_000, "--max-permutations", help="Sample cap / 最大抽样次数"),
    seed: int = typer.Option(0, "--seed", help="Random seed / 随机种子"),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Shapley value: average marginal contribution over all orders. 沙普利值：所有加入顺序下边际贡献的平均。"""
    with user_errors():
        game = _load(game_file, players)
        if monte_carlo:
            with progress_bar("sampling / 抽样", enabled=not json_out or show_progress) as cb:
                mc = shapley_monte_carlo(
                    game, target_se=target_se, max_permutations=max_permutations, seed=seed, progress=cb
                )
            _finish(
                game,
                mc.allocation,
                "shapley",
                json_out,
                out,
                "Shapley value (Monte Carlo) / 沙普利值（抽样）",
                {"standard_errors": list(mc.standard_errors), "permutations": mc.permutations},
            )
            return
        alloc = shapley(game)
    _finish(game, alloc, "shapley", json_out, out, "Shapley value / 沙普利值")


@app.command("banzhaf")
def banzhaf_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    normalized: bool = typer.Option(False, "--normalized", help="Rescale to sum to v(N) / 归一化至 v(N)"),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Banzhaf value: marginal contributions over all coalitions, equally weighted. 班扎夫值。"""
    with user_errors():
        game = _load(game_file, players)
        alloc = banzhaf(game, normalized=normalized)
    _finish(game, alloc, "banzhaf", json_out, out, "Banzhaf value / 班扎夫值")


def _nucleolus_cmd(game_file: Path, json_out: bool, out: Path | None, pre: bool, players: str | None) -> None:
    with user_errors():
        game = _load(game_file, players)
        if not json_out:
            _warn_not_superadditive(game)
        with progress_bar("linear programs / 线性规划", enabled=not json_out and game.n >= 12) as cb:
            alloc = prenucleolus(game, progress=cb) if pre else nucleolus(game, progress=cb)
    key = "prenucleolus" if pre else "nucleolus"
    _finish(game, alloc, key, json_out, out, "Prenucleolus / 前核仁" if pre else "Nucleolus / 核仁")


@app.command("nucleolus")
def nucleolus_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Nucleolus: the imputation that minimizes the largest complaints first. 核仁：依次最小化最大不满。"""
    _nucleolus_cmd(game_file, json_out, out, pre=False, players=players)


@app.command("prenucleolus")
def prenucleolus_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Prenucleolus: the nucleolus without individual rationality. 前核仁（不要求个体理性）。"""
    _nucleolus_cmd(game_file, json_out, out, pre=True, players=players)


@app.command("core")
def core_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    allocation: str | None = typer.Option(
        None, "--allocation", help="Proposed allocation to test, e.g. A=1,B=2 / 待检验的分配方案"
    ),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Is the core empty?  The least core, and the coalitions that block a proposal. 核心是否为空、最小核心与被阻挡的联盟。"""
    from regcoord.report import Section

    with user_errors():
        game = _load(game_file, players)
        if not json_out:
            _warn_not_superadditive(game)
        lc = least_core(game)
        check = None
        if allocation is not None:
            check = in_core(game, game.allocation_array(parse_assignments(allocation, "--allocation")))
        if out is not None:
            allocs: dict[str, Sequence[float]] = {"least core / 最小核心": lc.allocation}
            extra = []
            if check is not None:
                allocs["proposal / 方案"] = check.allocation
                table = check.to_frame()
                table.columns = ["coalition / 联盟", "excess / 超额"]
                extra.append(
                    Section(
                        "Blocking coalitions",
                        "阻挡联盟",
                        text_en=f"{check.n_violated} coalition(s) get less than their worth; "
                        f"v(N) - x(N) = {check.efficiency_gap:g}.",
                        text_zh=f"{check.n_violated} 个联盟所得低于其价值；v(N) - x(N) = {check.efficiency_gap:g}。",
                        tables=[table],
                    )
                )
            trace = [
                f"least core epsilon = {lc.epsilon:.10g} ({'core empty' if lc.core_empty else 'core non-empty'}), "
                f"{lc.lps} LP(s) with constraint generation"
            ]
            _write_report(out, game, ["core"], allocs, trace, extra)
    if json_out:
        print_json(
            {
                "players": list(game.players),
                "core_empty": lc.core_empty,
                "least_core": {"epsilon": lc.epsilon, "allocation": list(lc.allocation)},
                "in_core": None if check is None else check.in_core,
                "efficiency_gap": None if check is None else check.efficiency_gap,
                "violated": []
                if check is None
                else [{"coalition": c, "excess": e} for c, e in check.violated],
            }
        )
        return
    state = "empty / 空" if lc.core_empty else "non-empty / 非空"
    console.print(f"core / 核心: {state}; least-core epsilon / 最小核心 ε = {lc.epsilon:.6g}")
    _print_allocation(
        game, Allocation(game.players, lc.allocation, "least_core"), "Least core point / 最小核心点"
    )
    if check is not None:
        verdict = "in the core / 在核心内" if check.in_core else "not in the core / 不在核心内"
        console.print(f"proposal / 方案: {verdict}; v(N) - x(N) = {check.efficiency_gap:g}")
        for c, e in check.violated:
            console.print(f"  blocked by / 被阻挡 {c}: excess / 超额 {e:.6g}")


@app.command("owen")
def owen_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    unions: str = typer.Option(..., "--unions", help="A priori unions, e.g. 'A+B|C' / 先验联盟（如板块）"),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Owen value for a coalition structure (e.g. economic plates). 欧文值：有先验联盟结构的分配。"""
    with user_errors():
        game = _load(game_file, players)
        alloc = owen(game, parse_unions(unions))
    _finish(game, alloc, "owen", json_out, out, "Owen value / 欧文值")


@app.command("nash")
def nash_cmd(
    game_file: Path = typer.Argument(..., help=_GAME_HELP),
    players: str | None = _PLAYERS,
    weights: str | None = typer.Option(
        None, "--weights", help="Bargaining powers, e.g. A=2,B=1 / 谈判力权重"
    ),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    out: Path | None = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Nash bargaining over v(N) with standalone values as disagreement point; also Kalai-Smorodinsky.
    纳什谈判解（以单干收益为谈判破裂点），并给出 Kalai-Smorodinsky 解。"""
    with user_errors():
        game = _load(game_file, players)
        w = None if weights is None else game.allocation_array(parse_assignments(weights, "--weights"))
        sol = nash_bargaining(game, weights=w)
        ks = kalai_smorodinsky(game)
        if out is not None:
            _write_report(
                out,
                game,
                ["nash"],
                {
                    "nash": sol.values,
                    "kalai_smorodinsky": ks.values,
                    "disagreement / 破裂点": sol.disagreement,
                },
                [*sol.trace, *ks.trace],
            )
    if json_out:
        print_json(
            {
                "players": list(game.players),
                "nash": list(sol.values),
                "kalai_smorodinsky": list(ks.values),
                "disagreement": list(sol.disagreement),
                "weights": list(sol.weights),
            }
        )
        return
    _print_allocation(game, sol.allocation, "Nash bargaining / 纳什谈判解")
    _print_allocation(game, ks.allocation, "Kalai-Smorodinsky")
    if out is not None:
        console.print(f"report / 报告: {out}")
