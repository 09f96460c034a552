"""``regcoord compensate water-quality|esv|tax-share ... [--json] [--out report.html]``.

Thin commands over :mod:`regcoord.compensation`: they read the inputs, take the rule
snapshot valid on the date, call the calculator and show its amounts and trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from regcoord.cli._input import parse_date, read_csv
from regcoord.cli._output import console, print_json, user_errors, write_report
from regcoord.compensation import (
    compensation_bounds,
    ecosystem_service_value,
    quantity_reward,
    relocated_tax_sharing,
    segment_settlement,
    standard_equivalent,
    xinan_rounds,
)
from regcoord.errors import DataError
from regcoord.rules import ROUNDING, Trace, load_rule_set, to_decimal

app = typer.Typer(
    help="Compensation calculators with dated rules and traces. 生态补偿、税收分享等补偿计算（含规则出处与计算过程）。",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Print JSON (amounts as exact decimal text). 输出 JSON。")
_OUT = typer.Option(None, "--out", help="Write a self-contained HTML report. 输出 HTML 报告。")
_LANG = typer.Option("en", "--lang", help="Report language: en or zh. 报告语言。")


def _pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise DataError(f"{what} {item!r} is not KEY=VALUE", expected=f"{what} NAME=VALUE")
        out[key.strip()] = val.strip()
    return out


def _trace_table(trace: Trace, title: str) -> None:
    table = Table(title=title, show_lines=False)
    for col in ("kind 类型", "name 名称", "value 数值", "formula / source 公式或出处", "valid 有效期"):
        table.add_column(col)
    for s in trace:
        extra = s.formula or s.source
        if s.kind == "parameter" and s.label:
            extra = f"{extra} [{s.label}{'' if s.verified else ', unverified 未核实'}]"
        value = s.value if isinstance(s.value, str) else str(s.to_dict()["value"])
        table.add_row(s.kind, s.name, value, extra, s.valid)
    console.print(table)


def _trace_section(trace: Trace) -> Any:
    from regcoord.report import Section

    frame = trace.to_frame()
    frame.attrs["caption_en"] = "Calculation trace: inputs, parameters (with source and validity), values"
    frame.attrs["caption_zh"] = "计算过程：输入、参数（含出处与有效期）与中间值"
    return Section(
        "Calculation trace",
        "计算过程",
        text_en=f"Money is exact decimal yuan, rounded to the fen with {ROUNDING}.",
        text_zh=f"金额以精确十进制元计，按 {ROUNDING} 规则舍入到分。",
        tables=[frame],
    )


def _read_history(path: Path) -> dict[str, dict[int, Any]]:
    """Wide CSV: a ``year`` column and one column per indicator (annual mean mg/L)."""
    df = read_csv(path)
    if "year" not in df.columns:
        raise DataError(
            "no 'year' column", source=str(path), column="year", expected="year, CODMn, NH3-N, ..."
        )
    hist: dict[str, dict[int, Any]] = {}
    for col in df.columns:
        if col == "year":
            continue
        hist[str(col)] = {}
        for i, (y, v) in enumerate(zip(df["year"], df[col], strict=True)):
            if pd.isna(v):
                continue
            try:
                num = float(v)
            except (TypeError, ValueError):
                raise DataError(
                    f"{v!r} is not a number", source=str(path), row=i + 2, column=str(col)
                ) from None
            if num < 0:
                raise DataError(
                    f"negative concentration of {col!r} in {int(y)}: {v}",
                    source=str(path),
                    row=i + 2,
                    column=str(col),
                    expected="a concentration >= 0 (mg/L)",
                )
            hist[str(col)][int(y)] = str(v)
    return hist


@app.command("water-quality")
def water_quality(
    rules: str = typer.Option(
        "xinan_river", "--rules", help="Rule set, e.g. xinan_river, chishui_river. 规则集。"
    ),
    history: Path | None = typer.Option(
        None,
        "--history",
        help="CSV: year + one column per indicator (Xin'an type). 浓度历史（年份+各指标列）。",
    ),
    year: list[int] = typer.Option(..., "--year", help="Year to settle (repeatable). 结算年份。"),
    weight: list[str] | None = typer.Option(
        None, "--weight", help="Indicator weight k_i as IND=K (overrides the rule). 指标权重。"
    ),
    k0: str | None = typer.Option(
        None, "--k0", help="Stability coefficient k0 (overrides the rule). 稳定系数。"
    ),
    baseline_years: int | None = typer.Option(
        None,
        "--baseline-years",
        min=1,
        help="Years averaged for the baseline (overrides the rule). 基准年数。",
    ),
    baseline: str | None = typer.Option(
        None,
        "--baseline",
        help="Baseline C_i0: fixed_period (the rule's years, round 1: 2008-2010) or preceding "
        "(mean of --baseline-years before); default: the rule's, and preceding when --baseline-years is given. "
        "基准浓度取法。",
    ),
    section: list[str] | None = typer.Option(
        None, "--section", help="Segment rules: SECTION=pass|fail (Chishui type). 断面达标情况。"
    ),
    inflow: Path | None = typer.Option(
        None, "--inflow", help="Quantity rules: CSV year,inflow (Miyun type). 入库水量（年份、水量）。"
    ),
    quantity_rate: str | None = typer.Option(
        None,
        "--quantity-rate",
        help="Reward per unit of inflow above the baseline (user parameter). 水量奖励单价。",
    ),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Water compensation: Xin'an P index, segment settlement or quantity reward. 流域生态补偿结算。"""
    with user_errors():
        rs = load_rule_set(rules)
        weights = {
            k: to_decimal(v, name=f"--weight {k}") for k, v in _pairs(weight, "--weight").items()
        } or None
        results: list[Any]
        if "quantity_baseline_from_year" in rs:
            if inflow is None or quantity_rate is None:
                raise DataError(
                    f"rule set {rules!r} rewards inflow above its baseline",
                    expected="--inflow CSV and --quantity-rate",
                )
            flows = _read_history(inflow)
            if "inflow" not in flows:
                raise DataError(
                    "no 'inflow' column", source=str(inflow), column="inflow", expected="year,inflow"
                )
            results = [
                quantity_reward(y, flows["inflow"], rs.at(dt.date(y, 7, 1)), rate_per_unit=quantity_rate)
                for y in year
            ]
        elif "segments" in rs:
            sec = _pairs(section, "--section")
            met: dict[str, bool] = {}
            for name, v in sec.items():
                if v.lower() not in ("pass", "fail"):
                    raise DataError(f"--section {name}={v}", expected="pass or fail")
                met[name] = v.lower() == "pass"
            results = [segment_settlement(str(y), met, rs.at(dt.date(y, 7, 1))) for y in year]
        else:
            if history is None:
                raise DataError(f"rule set {rules!r} settles on concentrations", expected="--history CSV")
            hist = _read_history(history)
            results = list(
                xinan_rounds(
                    hist,
                    year,
                    rs,
                    weights=weights,
                    k0=k0,
                    baseline_years=baseline_years,
                    baseline=baseline or ("preceding" if baseline_years is not None else None),
                )
            )
    if out is not None:
        from regcoord.report import Section, charts

        with user_errors():
            secs: list[Any] = []
            if results and hasattr(results[0], "excess"):
                secs.append(
                    Section(
                        "Quantity reward by year",
                        "逐年水量奖励",
                        charts=[
                            charts.bar(
                                [str(r.year) for r in results],
                                [float(r.amount) for r in results],
                                title="yuan / 元",
                            )
                        ],
                    )
                )
            elif results and hasattr(results[0], "p"):
                secs.append(
                    Section(
                        "Assessment index by year",
                        "逐年考核指数",
                        text_en=_unverified_en(results)
                        + "P <= 1: downstream pays upstream; P > 1: upstream pays downstream.",
                        text_zh=_unverified_zh(results) + "P ≤ 1：下游补偿上游；P > 1：上游补偿下游。",
                        charts=[
                            charts.bar(
                                [str(r.year) for r in results],
                                [float(r.p) for r in results],
                                title="P index / 考核指数 P",
                            )
                        ],
                        tables=[
                            pd.DataFrame(
                                [
                                    {
                                        "year": r.year,
                                        "P": float(r.p),
                                        "payer": r.payer,
                                        "payee": r.payee,
                                        "amount": r.amount,
                                    }
                                    for r in results
                                ]
                            )
                        ],
                    )
                )
            else:
                for r in results:
                    f = r.to_frame()
                    secs.append(
                        Section(
                            f"Settlement {r.period}",
                            f"{r.period} 年结算",
                            charts=[
                                charts.bar(
                                    list(f["party"]),
                                    {
                                        "contribution 出资": [float(v) for v in f["contribution"]],
                                        "final 最终分配": [float(v) for v in f["final"]],
                                    },
                                    title="yuan / 元",
                                )
                            ],
                            tables=[f],
                        )
                    )
            secs += [_trace_section(r.trace) for r in results]
            write_report(
                out,
                lang,
                (f"Water-quality compensation ({rs.title_en})", f"水质生态补偿（{rs.title_zh}）"),
                (
                    "Water-quality assessment index",
                    "水质考核指数",
                    "P = k0 * sum_i k_i * C_i / C_i0",
                    rs.title_en,
                ),
                secs,
            )
    if json_out:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            if hasattr(r, "excess"):
                console.print(
                    f"[bold]{r.year}[/]: inflow {r.inflow} vs baseline {r.baseline:.4f} -> "
                    f"{r.payer} pays {r.payee} {r.amount} yuan"
                )
            elif hasattr(r, "p"):
                if r.unverified:
                    console.print(
                        f"[bold yellow]Warning 注意:[/] computed with unverified parameter(s) 使用了未经核实的参数: "
                        f"{', '.join(r.unverified)}",
                        highlight=False,
                    )
                console.print(
                    f"[bold]{r.year}[/]: P = {r.p:.6f} -> {r.payer} pays {r.payee} {r.amount} yuan "
                    f"({'meets standard 达标' if r.meets_standard else 'fails 未达标'})"
                )
            else:
                console.print(r.to_frame().to_string(index=False))
            _trace_table(r.trace, f"trace 计算过程 {getattr(r, 'year', getattr(r, 'period', ''))}")


def _unverified_names(results: list[Any]) -> str:
    return ", ".join(dict.fromkeys(n for r in results for n in getattr(r, "unverified", ())))


def _unverified_en(results: list[Any]) -> str:
    names = _unverified_names(results)
    return f"Warning: computed with unverified parameter(s) {names}. " if names else ""


def _unverified_zh(results: list[Any]) -> str:
    names = _unverified_names(results)
    return f"注意：结果使用了未经核实的参数 {names}。" if names else ""


@app.command("esv")
def esv(
    area: list[str] = typer.Option(
        ..., "--area", help="Ecosystem area as TYPE=HECTARES (repeatable). 生态系统面积。"
    ),
    grain_yield: str | None = typer.Option(None, "--grain-yield", help="Grain yield, kg/ha. 粮食单产。"),
    grain_price: str | None = typer.Option(None, "--grain-price", help="Grain price, yuan/kg. 粮食价格。"),
    d_value: str | None = typer.Option(
        None, "--d", help="Standard equivalent D, yuan/ha (instead of yield*price). 标准当量。"
    ),
    adjustment: str = typer.Option(
        "1", "--adjustment", help="Regional adjustment factor of D. 区域修正系数。"
    ),
    coefficients: list[str] | None = typer.Option(
        None, "--coefficients", help="User coefficients TYPE=c1,...,c11 for types not bundled. 用户当量系数。"
    ),
    date: str | None = typer.Option(None, "--date", help="Rule date (default today). 规则日期。"),
    rules: str = typer.Option("esv_xie2015", "--rules", help="Rule set. 规则集。"),
    spillover_share: str | None = typer.Option(
        None, "--spillover-share", help="Share of the ESV that spills over (gives bounds). 外溢比例。"
    ),
    protection_cost: str = typer.Option("0", "--protection-cost", help="Protection cost, yuan. 保护成本。"),
    reference_income: str = typer.Option(
        "0", "--reference-income", help="Reference per-capita income. 参照人均收入。"
    ),
    local_income: str = typer.Option("0", "--local-income", help="Local per-capita income. 本地人均收入。"),
    population: str = typer.Option("0", "--population", help="Affected population. 受影响人口。"),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Ecosystem-service value (Xie et al. 2015) and compensation bounds. 生态系统服务价值与补偿上下限。"""
    with user_errors():
        snap = load_rule_set(rules).at(parse_date(date, dt.date.today()))
        if d_value is not None:
            d_res = None
            d = to_decimal(d_value, name="--d")
        else:
            if grain_yield is None or grain_price is None:
                raise DataError("D needs --grain-yield and --grain-price", expected="both, or --d")
            d_res = standard_equivalent(grain_yield, grain_price, snap, adjustment=adjustment)
            d = d_res.value
        coefs = {k: [c for c in v.split(",")] for k, v in _pairs(coefficients, "--coefficients").items()}
        res = ecosystem_service_value(_pairs(area, "--area"), d, snap, coefficients=coefs)
        bounds = None
        if spillover_share is not None:
            bounds = compensation_bounds(
                spillover_esv=res.total * to_decimal(spillover_share, name="--spillover-share"),
                protection_cost=protection_cost,
                reference_income_per_capita=reference_income,
                local_income_per_capita=local_income,
                population=population,
            )
    payload = {
        "standard_equivalent": None if d_res is None else d_res.to_dict(),
        "esv": res.to_dict(),
        "bounds": None if bounds is None else bounds.to_dict(),
    }
    if out is not None:
        from regcoord.report import Section, charts

        with user_errors():
            secs = [
                Section(
                    "Ecosystem-service value by type",
                    "分类型生态系统服务价值",
                    charts=[
                        charts.bar(list(res.types), [float(v) for v in res.by_type], title="ESV (yuan / 元)")
                    ],
                    tables=[res.to_frame()],
                ),
                Section(
                    "Value by service",
                    "分服务价值",
                    charts=[
                        charts.bar(list(res.services), [float(v) for v in res.by_service], title="yuan / 元")
                    ],
                ),
            ]
            if bounds is not None:
                secs.append(
                    Section(
                        "Compensation bounds",
                        "补偿上下限",
                        text_en=f"Lower {bounds.lower} (protection + opportunity cost), upper {bounds.upper} (spill-over ESV).",
                        text_zh=f"下限 {bounds.lower}（保护成本+机会成本），上限 {bounds.upper}（外溢生态服务价值）。",
                    )
                )
            secs.append(_trace_section(res.trace))
            write_report(
                out,
                lang,
                ("Ecosystem-service value", "生态系统服务价值"),
                (
                    "Equivalent-factor method",
                    "当量因子法",
                    "ESV = sum_k A_k * VC_k, VC_k = sum coef * D",
                    "Xie et al. (2015), Journal of Natural Resources 30(8):1243-1254",
                ),
                secs,
            )
    if json_out:
        print_json(payload)
    else:
        console.print(f"D = {d} yuan/ha 元/公顷; ESV = {res.total} yuan 元")
        console.print(res.to_frame().to_string(index=False))
        if bounds is not None:
            console.print(f"compensation bounds 补偿区间: [{bounds.lower}, {bounds.upper}] yuan 元")
        _trace_table(res.trace, "trace 计算过程")


def _amounts(text: str, what: str) -> list[Any]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise DataError(f"{what} is empty", expected="comma-separated amounts in yuan")
    return [to_decimal(t, name=what) for t in items]


@app.command("tax-share")
def tax_share(
    pre: str = typer.Option(
        ..., "--pre", help="Three taxes of the 3 years before moving, comma-separated. 迁移前三年三税。"
    ),
    post: str = typer.Option(
        ..., "--post", help="Three taxes per year from full production, comma-separated. 达产后各年三税。"
    ),
    first_year: int = typer.Option(..., "--first-year", help="First full-production year. 首个达产年份。"),
    date: str | None = typer.Option(
        None, "--date", help="Rule date (default 1 Jan of --first-year). 规则日期。"
    ),
    rules: str = typer.Option("bth_relocation_tax", "--rules", help="Rule set. 规则集。"),
    origin: str = typer.Option("origin", "--origin", help="Origin region. 迁出地。"),
    destination: str = typer.Option("destination", "--destination", help="Destination region. 迁入地。"),
    not_origin_led: bool = typer.Option(
        False, "--not-origin-led", help="Relocation not led by the origin. 非迁出地政府主导。"
    ),
    not_fitting: bool = typer.Option(
        False, "--not-fitting-layout", help="Does not fit the destination's layout. 不符合迁入地布局。"
    ),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Sharing the taxes of a relocated enterprise (财预〔2015〕92号). 产业转移企业税收分享。"""
    with user_errors():
        snap = load_rule_set(rules).at(parse_date(date, dt.date(first_year, 1, 1)))
        res = relocated_tax_sharing(
            _amounts(pre, "--pre"),
            _amounts(post, "--post"),
            snap,
            first_year=first_year,
            origin=origin,
            destination=destination,
            origin_led=not not_origin_led,
            fits_layout=not not_fitting,
        )
    if out is not None:
        from regcoord.report import Section, charts

        with user_errors():
            f = res.to_frame()
            write_report(
                out,
                lang,
                ("Relocated-enterprise tax sharing", "产业转移企业税收分享"),
                ("Tax sharing", "税收分享", "origin_t = min(0.5 * T_t, cap - sum origin_u)", snap.title_en),
                [
                    Section(
                        "Shares by year",
                        "逐年分享",
                        charts=[
                            charts.bar(
                                [str(y) for y in res.years],
                                {
                                    origin: [float(v) for v in res.origin_share],
                                    destination: [float(v) for v in res.destination_share],
                                },
                                title="yuan / 元",
                            )
                        ],
                        tables=[f],
                    ),
                    _trace_section(res.trace),
                ],
            )
    if json_out:
        print_json(res.to_dict())
    else:
        console.print(
            f"eligible 符合条件: {res.eligible}; cap 上限: {res.cap}; extended 延长: {res.extended}; "
            f"{origin} total 合计: {res.origin_total}"
        )
        console.print(res.to_frame().to_string(index=False))
        _trace_table(res.trace, "trace 计算过程")
