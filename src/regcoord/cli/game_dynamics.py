"""``regcoord game incentive`` and ``regcoord game evolve``.

Thin commands over :mod:`regcoord.games.incentive` and :mod:`regcoord.games.evolutionary`:
they parse options, call the pure functions, and print a table, JSON, a phase portrait
(PNG) or an HTML report.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import typer
from rich.table import Table

from regcoord.cli._input import parse_assignments
from regcoord.cli._output import console, print_json, user_errors, writing
from regcoord.cli.game import app
from regcoord.errors import DataError
from regcoord.games.evolutionary import (
    DESCRIPTIONS,
    PARAMETERS,
    BasinCompensationGame,
    EvolutionaryAnalysis,
    Sweep,
    TripartiteAnalysis,
    TripartiteCompensationGame,
)
from regcoord.games.incentive import INSTRUMENTS, IncentiveAnalysis, analyse
from regcoord.games.strategic import PublicGoodGame, SymmetricGame, prisoners_dilemma

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CONDITION_LABELS = {
    "strict_nash": "strict Nash equilibrium / 严格纳什均衡",
    "dominant": "dominant strategy / 占优策略",
    "grim_trigger": "grim trigger (repeated game) / 冷酷触发（重复博弈）",
}
_INSTRUMENT_LABELS = {
    "penalty": "penalty F / 罚款",
    "subsidy": "subsidy B / 补贴",
    "transfer": "transfer τ / 补偿转移",
}

_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)


# --------------------------------------------------------------------------------------
# incentive
# --------------------------------------------------------------------------------------


def _build_game(
    R: float | None,
    S: float | None,
    T: float | None,
    P: float | None,
    b: float | None,
    c: float | None,
    n: int,
    spillover: float,
    require_dilemma: bool,
) -> SymmetricGame | PublicGoodGame:
    pd_given = [v is not None for v in (R, S, T, P)]
    pg_given = b is not None or c is not None
    if any(pd_given) and pg_given:
        raise DataError(
            "options: both the R/S/T/P form and the b/c public-good form given",
            expected="either --R --S --T --P or --b --c [--n]",
        )
    if any(pd_given):
        if not all(pd_given):
            missing = [name for name, g in zip(("--R", "--S", "--T", "--P"), pd_given, strict=True) if not g]
            raise DataError(f"options: missing {', '.join(missing)}", expected="all of --R --S --T --P")
        assert R is not None and S is not None and T is not None and P is not None
        return prisoners_dilemma(R, S, T, P) if require_dilemma else SymmetricGame(R, S, T, P)
    if pg_given:
        if b is None or c is None:
            raise DataError("options: the public-good form needs both --b and --c", expected="--b and --c")
        g = PublicGoodGame(n=n, b=b, c=c, spillover=spillover)
        if require_dilemma and not g.is_social_dilemma:
            raise DataError(
                f"public-good game: b={g.b:g}, c={g.c:g}, n={g.n}, spillover={g.spillover:g} is not a social dilemma",
                expected="b/n < c < b + spillover (n - 1); pass --any-game to analyse it anyway",
            )
        return g
    raise DataError("options: no game given", expected="--R --S --T --P or --b --c [--n]")


def _print_incentive(a: IncentiveAnalysis) -> None:
    kind = a.kind or "n-region public good / n 地区公共品博弈"
    game = ", ".join(
        f"{k}={v:g}" for k, v in a.game.items() if isinstance(v, int | float) and not isinstance(v, bool)
    )
    console.print(f"[bold]Game / 博弈[/]: {kind} ({game})")
    thr = a.threshold
    if thr.sustainable:
        console.print(
            f"[bold]Grim-trigger discount threshold / 冷酷触发贴现因子阈值[/] δ* = (T − R)/(T − P) = {thr.delta_star:.6g}"
        )
    else:
        console.print(
            "[bold]Grim trigger / 冷酷触发[/]: not sustainable for any δ < 1 / 任何 δ < 1 均不可持续"
        )
    designs = a.designs()
    table = Table(
        "instrument (alone) / 工具（单独使用）",
        *(
            _CONDITION_LABELS[d.condition] + (f", δ = {d.delta:g}" if d.delta is not None else "")
            for d in designs
        ),
        title="Minimal amount for mutual cooperation / 使相互合作成立的最小额度",
    )
    for name in INSTRUMENTS:
        cells = []
        for d in designs:
            ia = next(i for i in d.instruments if i.instrument == name)
            ver = next(v for v in d.verification if v.instrument == name)
            op = ">=" if d.condition == "grim_trigger" else ">"
            mark = "" if ver.holds else " [red](check failed / 验证失败)[/]"
            cells.append(f"{ia.amount:.8g}  (needs {op} {ia.bound:.6g}){mark}")
        table.add_row(_INSTRUMENT_LABELS[name], *cells)
    console.print(table)
    console.print(
        f"Each amount is the bound plus ε = {designs[0].epsilon:g}, checked on the modified game "
        "(nashpy for two regions). 每个额度为界限加 ε，并在修改后的博弈上验证。"
    )
    for d in designs:
        if d.combination is not None:
            used = ", ".join(f"{k} = {v:.8g}" for k, v in d.combination if v > 0) or "none / 无"
            console.print(
                f"cheapest mix / 最低成本组合 ({_CONDITION_LABELS[d.condition]}): {used}; cost / 成本 {d.cost:.8g}"
            )
    if a.grim_trigger is not None:
        g = a.grim_trigger
        state = "already sustainable / 已可持续" if g.already_holds else "instruments needed / 需要激励工具"
        console.print(f"δ = {g.delta:g}: {state}")


@app.command("incentive")
def incentive_cmd(
    R: float | None = typer.Option(None, "--R", help="Reward for mutual cooperation R / 双方合作收益"),
    S: float | None = typer.Option(None, "--S", help="Sucker's payoff S / 单方合作者收益"),
    T: float | None = typer.Option(None, "--T", help="Temptation to defect T / 搭便车收益"),
    P: float | None = typer.Option(None, "--P", help="Punishment for mutual defection P / 双方不合作收益"),
    b: float | None = typer.Option(
        None,
        "--b",
        help="Public good: benefit of one cooperator's effort, shared equally by the n regions "
        "(games.md's two-region b is this b / 2) / 单个合作者创造、由 n 个地区均分的收益",
    ),
    c: float | None = typer.Option(None, "--c", help="Public good: cost of cooperating / 合作成本"),
    n: int = typer.Option(2, "--n", help="Public good: number of regions / 地区数"),
    spillover: float = typer.Option(
        0.0,
        "--spillover",
        help="Public good: extra benefit from each other cooperator / 其他合作地区的溢出收益",
    ),
    delta: float | None = typer.Option(
        None, "--delta", help="Discount factor in [0, 1) for the repeated game / 重复博弈贴现因子"
    ),
    epsilon: float = typer.Option(
        1e-6, "--epsilon", help="Strictness margin added to each bound / 严格性裕量"
    ),
    weights: str | None = typer.Option(
        None,
        "--weights",
        help="Cost per unit of each instrument for the cheapest mix, e.g. penalty=1,subsidy=2,transfer=0.5 / 各工具单位成本",
    ),
    any_game: bool = typer.Option(
        False, "--any-game", help="Do not require a prisoner's dilemma / social dilemma / 不要求囚徒困境"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here / HTML 报告输出路径"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """Smallest penalty, subsidy or transfer that makes cooperation a strict equilibrium,
    dominant, or sustainable by grim trigger. 使合作成为严格均衡、占优策略或可由冷酷触发维持的最小罚款、补贴或补偿。"""
    with user_errors():
        game = _build_game(R, S, T, P, b, c, n, spillover, not any_game)
        costs = None
        if weights is not None:
            costs = parse_assignments(
                weights, "--weights", expected="NAME=COST with NAME in penalty, subsidy, transfer"
            )
        result = analyse(game, delta=delta, epsilon=epsilon, weights=costs)
        if out is not None:
            with writing(out):
                _write_incentive_report(out, result)
    if json_out:
        print_json(result)
        return
    _print_incentive(result)


def _write_incentive_report(path: Path, a: IncentiveAnalysis) -> Path:
    import pandas as pd

    from regcoord.report import Report, Section

    rep = Report("Central incentives for cooperation between regions", "促进地区间合作的中央激励设计")
    game = pd.DataFrame({"parameter / 参数": list(a.game), "value / 数值": [str(v) for v in a.game.values()]})
    thr = a.threshold
    rep.add(
        Section(
            "The game",
            "博弈",
            text_en=f"Kind: {a.kind or 'n-region public good'}. Grim trigger sustains mutual cooperation for "
            + (f"delta >= {thr.delta_star:.6g}." if thr.sustainable else "no delta < 1."),
            text_zh=f"类型：{a.kind or 'n 地区公共品博弈'}。冷酷触发策略在"
            + (
                f"贴现因子 δ ≥ {thr.delta_star:.6g} 时可维持相互合作。"
                if thr.sustainable
                else "任何 δ < 1 下都不能维持合作。"
            ),
            tables=[game],
        )
    )
    for d in a.designs():
        trace = pd.DataFrame([t.to_dict() for t in d.trace])
        ver = pd.DataFrame([v.to_dict() for v in d.verification])
        en, zh = _CONDITION_LABELS[d.condition].split(" / ")
        rep.add(
            Section(
                f"Minimal instruments: {en}",
                f"最小激励工具：{zh}",
                text_en=f"The instruments must close a gap of {d.gap:.6g} ({d.binding}); each amount is the bound plus "
                f"epsilon = {d.epsilon:g} and is checked on the modified game.",
                text_zh=f"激励工具需弥补的差距为 {d.gap:.6g}（{d.binding}）；每个额度为界限加 ε = {d.epsilon:g}，并在修改后的博弈上验证。",
                tables=[d.to_frame(), ver, trace],
            )
        )
    rep.add_method(
        "Incentive conditions",
        "激励条件",
        "strict Nash: B + F + (n-1) tau > D[n-1] - C[n-1]; dominant: B + F + (n-1) tau > max_k D[k] - C[k]; "
        "grim trigger: B + F + (1-delta)(n-1) tau >= (1-delta) T + delta P - R, delta* = (T - R) / (T - P)",
        "Friedman (1971) Rev. Econ. Stud. 38(1):1-12; seed 001 §2.3; /work/shared/domain/games.md",
    )
    return rep.write(path)


# --------------------------------------------------------------------------------------
# evolve
# --------------------------------------------------------------------------------------


def _has_cjk_font() -> bool:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return any(name in names for name in _CJK_FONTS)


@contextmanager
def _plot_style(cjk_text: bool) -> Iterator[None]:
    rc: Any = {"font.family": "sans-serif", "font.sans-serif": [*_CJK_FONTS, "DejaVu Sans"]}
    if cjk_text:
        rc["svg.fonttype"] = "none"
    import matplotlib

    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*Glyph .* missing from.*")
        warnings.filterwarnings("ignore", message=r".*findfont.*")
        yield


def _label(en: str, zh: str, bilingual: bool) -> str:
    return f"{en} / {zh}" if bilingual else en


def phase_portrait(
    game: BasinCompensationGame,
    analysis: EvolutionaryAnalysis,
    *,
    x0: float,
    y0: float,
    t: float,
    bilingual: bool,
) -> Figure:
    """Stream plot of the replicator field, trajectories from a grid of starts (one
    vectorized solve) and from (x0, y0), and the rest points (filled: ESS)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    grid = np.linspace(0.0, 1.0, 41)
    X, Y = np.meshgrid(grid, grid)
    U, V = game.field(X, Y)
    bundle = game.grid_trajectories(5, t, margin=0.1, n_points=300)
    own = game.trajectory(x0, y0, t, n_points=300)
    with _plot_style(bilingual):
        fig, ax = plt.subplots(figsize=(6.4, 6.0))
        speed = np.hypot(U, V)
        ax.streamplot(X, Y, U, V, color=speed, cmap="Greys", density=1.1, linewidth=0.7, arrowsize=0.8)
        for i in range(bundle.x.shape[0]):
            ax.plot(bundle.x[i], bundle.y[i], color="tab:blue", alpha=0.45, linewidth=1.0)
        ax.plot(
            own.x,
            own.y,
            color="tab:red",
            linewidth=2.0,
            label=_label(f"from ({x0:g}, {y0:g})", "轨迹", bilingual),
        )
        ax.plot([x0], [y0], "o", color="tab:red", markersize=5)
        for p in analysis.points:
            face = "black" if p.ess else "white"
            ax.plot([p.x], [p.y], "o", markersize=9, markerfacecolor=face, markeredgecolor="black", zorder=5)
            ax.annotate(p.stability, (p.x, p.y), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(_label("x: share of upstream governments protecting", "上游政府保护比例", bilingual))
        ax.set_ylabel(
            _label("y: share of downstream governments compensating", "下游政府补偿比例", bilingual)
        )
        ax.set_title(_label("Replicator dynamics phase portrait", "复制动态相图", bilingual))
        ax.legend(loc="center right", fontsize=8, frameon=True, framealpha=0.8)
        fig.tight_layout()
    return fig


def _parse_sweep(spec: str) -> tuple[str, np.ndarray]:
    name, sep, rest = spec.partition("=")
    if not sep or name not in PARAMETERS:
        raise DataError(
            f"options: --sweep {spec!r}",
            expected=f"NAME=v1,v2,... or NAME=start:stop:count with NAME in {', '.join(PARAMETERS)}",
        )
    try:
        if ":" in rest:
            a, b_, k = rest.split(":")
            values = np.linspace(float(a), float(b_), int(k))
        else:
            values = np.array([float(v) for v in rest.split(",") if v.strip()])
    except ValueError:
        raise DataError(
            f"options: --sweep values {rest!r}", expected="numbers: v1,v2,... or start:stop:count"
        ) from None
    return name, values


def _print_evolve(a: EvolutionaryAnalysis, sweep: Sweep | None, tri: TripartiteAnalysis | None) -> None:
    table = Table(
        "rest point / 均衡点",
        "x",
        "y",
        "det J",
        "tr J",
        "stability / 稳定性",
        "ESS",
        title="Two-population replicator dynamics / 两群体复制动态",
    )
    for p in a.points:
        table.add_row(
            p.label,
            f"{p.x:.4g}",
            f"{p.y:.4g}",
            f"{p.det:.4g}",
            f"{p.trace:.4g}",
            p.stability,
            "yes / 是" if p.ess else "",
        )
    console.print(table)
    cond = a.conditions
    console.print(
        f"(protect, compensate) is the ESS iff / （保护，补偿）为 ESS 当且仅当 "
        f"Bu − C + A + Fu + P + K = {cond['Bu-C+A+Fu+P+K']:.6g} > 0 and F_d − P = {cond['Fd-P']:.6g} > 0"
    )
    if sweep is not None:
        st = Table(
            sweep.parameter, "ESS", "unique (protect, compensate) / 唯一", title="Parameter sweep / 参数扫描"
        )
        for v, e, u in zip(sweep.values, sweep.ess, sweep.unique_protect_compensate, strict=True):
            st.add_row(f"{v:.6g}", ", ".join(e) or "none / 无", "yes / 是" if u else "")
        console.print(st)
    if tri is not None:
        tt = Table(
            "corner / 角点",
            "eigenvalues (real) / 特征值实部",
            "stability / 稳定性",
            "ESS",
            title="Three populations with the centre / 含中央政府的三方演化博弈",
        )
        for c in tri.corners:
            tt.add_row(
                c.label,
                ", ".join(f"{e.real:.4g}" for e in c.eigenvalues),
                c.stability,
                "yes / 是" if c.ess else "",
            )
        console.print(tt)


def _write_report(
    path: Path,
    game: BasinCompensationGame,
    a: EvolutionaryAnalysis,
    sweep: Sweep | None,
    tri: TripartiteAnalysis | None,
    *,
    x0: float,
    y0: float,
    t: float,
) -> Path:
    import pandas as pd

    from regcoord.report import Report, Section, charts

    rep = Report("Evolutionary game of basin ecological compensation", "流域生态补偿演化博弈")
    params = pd.DataFrame(
        {
            "parameter / 参数": list(PARAMETERS),
            "value / 数值": [getattr(game, k) for k in PARAMETERS],
            "meaning / 含义": [DESCRIPTIONS[k] for k in PARAMETERS],
        }
    )
    up, down = game.payoff_matrices()
    payoff = pd.DataFrame(
        {
            "upstream / 上游": [
                "protect / 保护",
                "protect / 保护",
                "not protect / 不保护",
                "not protect / 不保护",
            ],
            "downstream / 下游": ["compensate / 补偿", "not compensate / 不补偿"] * 2,
            "payoff upstream / 上游收益": up.ravel(),
            "payoff downstream / 下游收益": down.ravel(),
        }
    )
    rep.add(Section("Parameters and payoffs", "参数与收益矩阵", tables=[params, payoff]))
    fig = phase_portrait(game, a, x0=x0, y0=y0, t=t, bilingual=True)
    with _plot_style(True):
        svg = charts.figure_svg(fig)
    traj = game.trajectory(x0, y0, t)
    line = charts.line(
        traj.t.tolist(),
        {"x (protect / 保护)": traj.x.tolist(), "y (compensate / 补偿)": traj.y.tolist()},
        title=f"Trajectory from ({x0:g}, {y0:g}) / 演化轨迹",
        xlabel="time / 时间",
        ylabel="share / 比例",
    )
    ess = ", ".join(p.label for p in a.ess) or "none / 无"
    rep.add(
        Section(
            "Rest points, stability and ESS",
            "均衡点、稳定性与演化稳定策略",
            text_en=f"Evolutionarily stable strategies: {ess}. Stability from the sign of det J and tr J at each rest point.",
            text_zh=f"演化稳定策略：{ess}。各均衡点的稳定性由雅可比矩阵行列式与迹的符号判定。",
            charts=[svg, line],
            tables=[a.to_frame()],
        )
    )
    if sweep is not None:
        rep.add(Section("Parameter sweep", "参数扫描", tables=[sweep.to_frame()]))
    if tri is not None:
        rep.add(
            Section(
                "Three populations with the central government",
                "含中央政府的三方演化博弈",
                text_en="Corners of the three-population replicator dynamics; stable when all Jacobian eigenvalues are negative.",
                text_zh="三群体复制动态的八个角点；雅可比矩阵特征值全为负时渐近稳定。",
                tables=[tri.to_frame()],
            )
        )
    rep.add_method(
        "Two-population replicator dynamics",
        "两群体复制动态",
        "dx/dt = x(1-x)[B_u - C + A + F_u + y(P + K)];  dy/dt = y(1-y)[K + x(F_d - P - K)]",
        "Taylor (1979); Friedman (1991) Econometrica 59(3):637-666; Selten (1980) J. Theor. Biol. 84:93-101; "
        "model family of Gao et al. (2019) Sustainability 11(7):1990 (not a reproduction of a specific paper's numbers)",
    )
    return rep.write(path)


@app.command("evolve")
def evolve_cmd(
    Bu: float = typer.Option(..., "--Bu", help=DESCRIPTIONS["Bu"]),
    C: float = typer.Option(..., "--C", help=DESCRIPTIONS["C"]),
    Bd: float = typer.Option(..., "--Bd", help=DESCRIPTIONS["Bd"]),
    L: float = typer.Option(..., "--L", help=DESCRIPTIONS["L"]),
    P: float = typer.Option(..., "--P", help=DESCRIPTIONS["P"]),
    K: float = typer.Option(0.0, "--K", help=DESCRIPTIONS["K"]),
    A: float = typer.Option(0.0, "--A", help=DESCRIPTIONS["A"]),
    Fu: float = typer.Option(0.0, "--Fu", help=DESCRIPTIONS["Fu"]),
    Fd: float = typer.Option(0.0, "--Fd", help=DESCRIPTIONS["Fd"]),
    x0: float = typer.Option(0.3, "--x0", help="Initial share of upstream protecting / 上游保护初始比例"),
    y0: float = typer.Option(0.3, "--y0", help="Initial share of downstream compensating / 下游补偿初始比例"),
    t: float = typer.Option(50.0, "--t", help="Time horizon of trajectories / 演化时长"),
    sweep: str | None = typer.Option(
        None, "--sweep", help="NAME=v1,v2,... or NAME=start:stop:count / 参数扫描"
    ),
    Cg: float | None = typer.Option(None, "--Cg", help="Three-party model: " + DESCRIPTIONS["Cg"]),
    G: float = typer.Option(0.0, "--G", help="Three-party model: " + DESCRIPTIONS["G"]),
    E: float = typer.Option(0.0, "--E", help="Three-party model: " + DESCRIPTIONS["E"]),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write the phase portrait PNG here / 相图 PNG 输出路径"
    ),
    out: Path | None = typer.Option(None, "--out", help="Write an HTML report here / HTML 报告输出路径"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """Evolutionary game of upstream protection and downstream compensation: rest points,
    stability, ESS, phase portrait. 流域上下游保护与补偿的演化博弈：均衡点、稳定性、ESS、相图。"""
    with user_errors():
        game = BasinCompensationGame(Bu=Bu, C=C, Bd=Bd, L=L, P=P, K=K, A=A, Fu=Fu, Fd=Fd)
        analysis = game.equilibria()
        traj = game.trajectory(x0, y0, t)
        sw = None
        if sweep is not None:
            name, values = _parse_sweep(sweep)
            sw = game.sweep(name, values)
        tri = None
        if Cg is not None:
            tri = TripartiteCompensationGame(
                Bu=Bu, C=C, Bd=Bd, L=L, P=P, K=K, A=A, Fu=Fu, Fd=Fd, Cg=Cg, G=G, E=E
            ).corners()
        if plot is not None:
            fig = phase_portrait(game, analysis, x0=x0, y0=y0, t=t, bilingual=_has_cjk_font())
            try:
                with writing(plot):
                    fig.savefig(plot, dpi=120)
            finally:
                import matplotlib.pyplot as plt

                plt.close(fig)
        if out is not None:
            with writing(out):
                _write_report(out, game, analysis, sw, tri, x0=x0, y0=y0, t=t)
    if json_out:
        print_json(
            {
                "analysis": analysis,
                "trajectory_end": {"x": float(traj.x[-1]), "y": float(traj.y[-1]), "t": float(traj.t[-1])},
                "sweep": sw,
                "tripartite": tri,
                "plot": str(plot) if plot is not None else None,
                "report": str(out) if out is not None else None,
            }
        )
        return
    _print_evolve(analysis, sw, tri)
    console.print(
        f"trajectory from ({x0:g}, {y0:g}) ends at / 轨迹终点 ({traj.x[-1]:.4f}, {traj.y[-1]:.4f}) at t = {t:g}"
    )
    if plot is not None:
        console.print(f"phase portrait / 相图: {plot}")
    if out is not None:
        console.print(f"report / 报告: {out}")
