"""``regcoord trading simulate|allocate``: the rights order book and initial allocation."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from regcoord.cli._input import read_csv
from regcoord.cli._output import console, print_json, progress_bar, user_errors
from regcoord.errors import DataError
from regcoord.regions import province_codes
from regcoord.rules import load_rule_set, parse_rule_file
from regcoord.trading import (
    METHODS,
    Allocation,
    Bid,
    Instrument,
    OrderBook,
    RightType,
    allocate_by_rule,
    auction,
    benchmarking,
    endow,
    grandfathering,
    msr_run,
    per_capita,
    random_order_flow,
    run_flow,
)

app = typer.Typer(
    help="Rights trading: allocation under a cap and a double-auction order book. "
    "权利交易：总量控制下的初始分配与双向竞价撮合。",
    no_args_is_help=True,
)

#: default CSV column of each allocation method
DEFAULT_COLUMN = {"grandfathering": "history", "benchmarking": "output", "per_capita": "population"}


@app.command("simulate")
def simulate_cmd(
    orders: int = typer.Option(100_000, "--orders", min=0, help="Number of random actions. 随机指令数。"),
    seed: int = typer.Option(0, "--seed", help="Random seed. 随机种子。"),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
    show_progress: bool = typer.Option(
        False,
        "--progress",
        help="Show the progress bar on stderr even with --json. 即使输出 JSON 也显示进度条。",
    ),
) -> None:
    """Run a synthetic random order flow from the 31 provinces through the engine; check conservation.

    用 31 个省级地区的合成随机指令检验撮合引擎：权利与资金守恒、无负余额。
    """
    with user_errors():
        flow = random_order_flow(orders, holders=province_codes(), seed=seed)
        book = OrderBook()
        endow(book, flow)
        rights_before = book.rights_total()
        money_before = book.money_total()
        with progress_bar("matching 撮合", enabled=not json_out or show_progress) as progress:
            start = time.perf_counter()
            outcome = run_flow(book, flow, progress=progress)
            elapsed = time.perf_counter() - start
    out: dict[str, Any] = {
        "orders": outcome.orders,
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
        "cancels": outcome.cancels,
        "replaces": outcome.replaces,
        "skipped": outcome.skipped,
        "trades": outcome.trades,
        "rights_before": rights_before,
        "rights_after": book.rights_total(),
        "money_before": money_before,
        "money_after": book.money_total(),
        "negative_balances": book.negative_balances(),
        "resting_orders": len(book.state().orders),
        "seconds": round(elapsed, 6),
        "orders_per_second": round(outcome.orders / elapsed, 1) if elapsed > 0 else None,
        "seed": seed,
        "holders": len(flow.holders),
    }
    if json_out:
        print_json(out)
        return
    table = Table("quantity 指标", "value 数值")
    for key, label in [
        ("orders", "orders 指令"),
        ("trades", "trades 成交"),
        ("rejected", "rejected 拒绝"),
        ("negative_balances", "negative balances 负余额"),
        ("orders_per_second", "orders/s 每秒指令"),
    ]:
        table.add_row(label, str(out[key]))
    table.add_row("money before/after (fen) 资金前/后（分）", f"{money_before} / {out['money_after']}")
    for right, units in rights_before.items():
        table.add_row(f"{right} before/after 前/后", f"{units} / {out['rights_after'].get(right, 0)}")
    console.print(table)


def _column(frame: pd.DataFrame, name: str, path: Path) -> list[str]:
    if name not in frame.columns:
        raise DataError(
            f"column {name!r} is missing",
            source=str(path),
            column=name,
            expected=f"one of {list(frame.columns)}",
        )
    return [v.strip() for v in frame[name].tolist()]


def _numbers(values: list[str], name: str, path: Path, *, integer: bool = False) -> list[Any]:
    out: list[Any] = []
    for i, v in enumerate(values):
        try:
            out.append(int(v) if integer else Fraction(v))
        except (ValueError, ZeroDivisionError):
            raise DataError(
                f"{v!r} is not {'an integer' if integer else 'a number'}",
                source=str(path),
                row=i + 2,  # line in the file, header is line 1
                column=name,
                expected="an integer" if integer else "a decimal number",
            ) from None
    return out


def _bids(frame: pd.DataFrame, csv: Path) -> list[Bid]:
    bidders = _column(frame, "bidder", csv)
    qty = _numbers(_column(frame, "quantity", csv), "quantity", csv, integer=True)
    price = _numbers(_column(frame, "price", csv), "price", csv, integer=True)
    return [Bid(b, q, p) for b, q, p in zip(bidders, qty, price, strict=True)]


def _allocate(
    frame: pd.DataFrame,
    csv: Path,
    inst: Instrument,
    method: str,
    cap: int,
    holder_column: str,
    column: str | None,
    intensity: str | None,
    reserve_price: int,
) -> Allocation:
    if method not in METHODS:
        raise DataError(f"unknown method {method!r}", column="--method", expected=", ".join(METHODS))
    if method == "auction":
        return auction(inst, cap, _bids(frame, csv), reserve_price=reserve_price)
    holders = _column(frame, holder_column, csv)
    col = column or DEFAULT_COLUMN[method]
    weights = _numbers(_column(frame, col, csv), col, csv)
    if method == "grandfathering":
        return grandfathering(inst, cap, holders, weights)
    if method == "per_capita":
        return per_capita(inst, cap, holders, weights)
    if intensity is not None:
        b: Any = _numbers([intensity], "--intensity", csv)[0]
    elif "intensity" in frame.columns:
        b = _numbers(_column(frame, "intensity", csv), "intensity", csv)
    else:
        raise DataError(
            "benchmarking needs --intensity or an 'intensity' column", source=str(csv), column="intensity"
        )
    return benchmarking(inst, cap, holders, weights, b)


def _allocate_by_rules(
    frame: pd.DataFrame,
    csv: Path,
    inst: Instrument,
    rules: str,
    date: str | None,
    holder_column: str,
    column: str | None,
) -> Allocation:
    if date is None:
        raise DataError("--rules needs --date (the day the parameters are read at)", column="--date")
    rule_set = parse_rule_file(rules) if rules.endswith((".yaml", ".yml")) else load_rule_set(rules)
    snapshot = rule_set.at(date)
    method = str(snapshot["method"]).strip()
    if method == "auction":
        return allocate_by_rule(snapshot, inst, bids=_bids(frame, csv))
    col = column or DEFAULT_COLUMN.get(method, "weight")
    holders = _column(frame, holder_column, csv)
    return allocate_by_rule(snapshot, inst, holders, _numbers(_column(frame, col, csv), col, csv))


@app.command("allocate")
def allocate_cmd(
    csv: Path = typer.Argument(
        ..., help="CSV with one row per holder (or per bid). 每行一个持有者（或一笔报价）。"
    ),
    method: str | None = typer.Option(None, "--method", help=f"One of {', '.join(METHODS)}. 分配方法。"),
    cap: int | None = typer.Option(None, "--cap", min=0, help="Cap in units. 总量（单位）。"),
    rules: str | None = typer.Option(
        None,
        "--rules",
        help="Dated rule set (bundled name or YAML path) giving method, cap, intensity, reserve. 规则集。",
    ),
    date: str | None = typer.Option(
        None, "--date", help="Date the rule set is read at (YYYY-MM-DD). 适用日期。"
    ),
    right: str = typer.Option(
        "co2e", "--right", help="Right type. 权利类型（water/cod/ammonia_n/co2e/energy）。"
    ),
    vintage: int = typer.Option(..., "--vintage", help="Vintage year. 年份。"),
    holder_column: str = typer.Option("holder", "--holder-column", help="Holder column. 持有者列。"),
    column: str | None = typer.Option(
        None, "--column", help="Weight column (default: history/output/population). 权重列。"
    ),
    intensity: str | None = typer.Option(
        None,
        "--intensity",
        help="Benchmark intensity (units per unit of output), or use an 'intensity' column. 基准强度。",
    ),
    reserve_price: int = typer.Option(
        0, "--reserve-price", min=0, help="Auction reserve price, fen/unit. 保留价（分）。"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """Allocate a cap among holders from a CSV; the total never exceeds the cap.

    按历史排放（grandfathering）、基准线（benchmarking）、人均（per_capita）或统一价格拍卖（auction）分配总量。
    Auction CSV columns: bidder, quantity, price (fen per unit).
    """
    with user_errors():
        inst = Instrument(RightType.parse(right), vintage)
        frame = read_csv(csv, dtype=str, keep_default_na=False)
        if rules is not None:
            result = _allocate_by_rules(frame, csv, inst, rules, date, holder_column, column)
        else:
            if method is None or cap is None:
                raise DataError("give --method and --cap, or --rules and --date", column="--method")
            result = _allocate(frame, csv, inst, method, cap, holder_column, column, intensity, reserve_price)
    if json_out:
        print_json(result.to_dict())
        return
    table = Table("holder 持有者", f"units 单位 ({inst.right.unit})")
    if result.payments is not None:
        table.add_column("payment (fen) 支付（分）")
    for i, (h, u) in enumerate(zip(result.holders, result.units.tolist(), strict=True)):
        row = [h, str(u)]
        if result.payments is not None:
            row.append(str(int(result.payments[i])))
        table.add_row(*row)
    console.print(table)
    console.print(
        f"{inst.right.label_en} {inst.right.label_zh} {inst.vintage}: cap 总量 {result.cap}, "
        f"allocated 已分配 {result.total}, unallocated 未分配 {result.unallocated}"
        + (
            f", clearing price 出清价 {result.clearing_price} fen"
            if result.clearing_price is not None
            else ""
        )
    )


def _tnac_pairs(values: list[str]) -> dict[int, int]:
    out: dict[int, int] = {}
    for i, text in enumerate(values):
        year, sep, n = text.partition("=")
        try:
            if not sep:
                raise ValueError
            y, v = int(year.strip()), int(n.strip().replace(",", "").replace("_", ""))
        except ValueError:
            raise DataError(
                f"--tnac {text!r} is malformed",
                row=i,
                column="--tnac",
                expected="YEAR=N, e.g. 2022=1134794738",
            ) from None
        if not 2017 <= y <= 2100 or v < 0:
            raise DataError(
                f"--tnac {text!r} is out of range", row=i, column="--tnac", expected="2017<=YEAR<=2100, N>=0"
            )
        if y in out:
            raise DataError(
                f"--tnac year {y} is given twice", row=i, column="--tnac", expected="each year once"
            )
        out[y] = v
    return out


@app.command("msr")
def msr_cmd(
    tnac: list[str] = typer.Option(
        ...,
        "--tnac",
        help="YEAR=N: total number of allowances in circulation of YEAR (repeat). 流通配额总量。",
    ),
    held: int | None = typer.Option(
        None, "--held", min=0, help="Allowances in the reserve before the first year (optional). 期初储备量。"
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON. 输出 JSON。"),
) -> None:
    """EU market stability reserve: yearly intake and release from the published TNAC.

    欧盟市场稳定储备：按公布的流通配额总量（TNAC）计算每年纳入量与释放量（规则集 eu_ets_msr）。
    """
    with user_errors():
        run = msr_run(load_rule_set("eu_ets_msr"), _tnac_pairs(tnac), held)
    if json_out:
        print_json(run.to_dict())
        return
    table = Table("year 年份", "TNAC 流通配额", "intake 纳入", "release 释放", "rule 规则")
    for y in run.years:
        table.add_row(str(y.year), f"{y.tnac:,}", f"{y.intake:,}", f"{y.release:,}", y.rule)
    console.print(table)
