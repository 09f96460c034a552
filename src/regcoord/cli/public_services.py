"""``regcoord compensate pension-adjustment|pension-transfer|pension-flows|medical-clearing``.

Thin commands over :mod:`regcoord.public_services`, registered on the ``compensate``
group (inter-regional money flows of basic public services).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import typer

from regcoord.cli._input import parse_date, read_csv
from regcoord.cli._output import console, err_console, print_json, user_errors, write_report, writing
from regcoord.cli.compensate import _trace_section, _trace_table
from regcoord.cli.compensate import app as compensate_app
from regcoord.errors import DataError
from regcoord.public_services import (
    adjustment_date,
    advance_funds,
    medical_clearing,
    pension_adjustment,
    pension_transfer,
    standard_gaps,
    transfer_flows,
)
from regcoord.rules import load_rule_set, to_decimal

_JSON = typer.Option(False, "--json", help="Print JSON (amounts as exact decimal text). 输出 JSON。")
_OUT = typer.Option(None, "--out", help="Write a self-contained HTML report. 输出 HTML 报告。")
_LANG = typer.Option("en", "--lang", help="Report language: en or zh. 报告语言。")


def _money_frame(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False)


def _write_json(path: Path, obj: object) -> None:
    with writing(path):
        path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    err_console.print(f"trace written 计算过程已写入: {path}")


@compensate_app.command("pension-adjustment")
def pension_adjustment_cmd(
    data: Path = typer.Argument(
        ..., help="CSV: region, average_wage, insured_workers, retirees [, fund_balance]. 各省数据。"
    ),
    year: int = typer.Option(..., "--year", help="Adjustment year (rate of that year). 调剂年度。"),
    rate: str | None = typer.Option(
        None, "--rate", help="Override the rate (e.g. 0.04), needed from 2022. 调剂比例（模拟）。"
    ),
    rules: str = typer.Option("pension_central_adjustment", "--rules", help="Rule set. 规则集。"),
    trace_out: Path | None = typer.Option(
        None, "--trace-out", help="Write the full result with its trace as JSON. 输出计算过程 JSON。"
    ),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Central adjustment of the basic pension fund (国发〔2018〕18号). 养老保险基金中央调剂。

    --json prints [{"region", "contribution", "allocation", "net"}, ...] in yuan to the fen.
    """
    with user_errors():
        frame = read_csv(data, dtype=str, keep_default_na=False)
        snap = load_rule_set(rules).at(adjustment_date(year))
        res = pension_adjustment(frame, snap, year=year, rate=rate)
        if trace_out is not None:
            _write_json(trace_out, res.to_dict())
        if out is not None:
            from regcoord.report.public_services import pension_adjustment_sections

            write_report(
                out,
                lang,
                ("Central adjustment of the basic pension fund", "养老保险基金中央调剂"),
                (
                    "Central adjustment",
                    "中央调剂",
                    "C_i = w_i * 0.9 * N_i * r; A_i = F * R_i / sum R; net_i = A_i - C_i",
                    snap.title_en,
                ),
                [*pension_adjustment_sections(res), _trace_section(res.trace)],
            )
    if json_out:
        print_json(res.rows())
        return
    console.print(
        f"{year}: rate 调剂比例 {res.rate}; fund total 调剂基金总额 {res.fund_total} 元; "
        f"per retiree 人均拨付 {res.amounts.per_retiree} 元"
    )
    console.print(_money_frame(res.to_frame()))
    console.print(_money_frame(res.plate_frame()))
    _trace_table(res.trace, "trace 计算过程")


@compensate_app.command("pension-transfer")
def pension_transfer_cmd(
    record: Path = typer.Argument(..., help="CSV: year, province, base [, months]. 缴费记录。"),
    from_province: str = typer.Option(..., "--from", help="Province left. 转出地。"),
    to_province: str = typer.Option(..., "--to", help="Province joined. 转入地。"),
    account: str = typer.Option(
        ..., "--account", help="Individual account balance, yuan. 个人账户储存额（元）。"
    ),
    date: str | None = typer.Option(
        None, "--date", help="Rule date (default today's rules: 2010-01-01 on). 规则日期。"
    ),
    json_out: bool = _JSON,
) -> None:
    """Pension transfer between provinces (国办发〔2009〕66号). 养老保险关系转移接续。"""
    with user_errors():
        f = read_csv(record, dtype=str, keep_default_na=False)
        for c in ("year", "province", "base"):
            if c not in f.columns:
                raise DataError(
                    f"column {c!r} is missing",
                    source=str(record),
                    column=c,
                    expected="columns year, province, base [, months]",
                )
        rows = []
        for i in range(len(f)):
            try:
                y = int(f["year"].iloc[i])
                m = int(f["months"].iloc[i]) if "months" in f.columns and f["months"].iloc[i] != "" else 12
            except ValueError:
                raise DataError(
                    "not a whole number",
                    source=str(record),
                    row=i + 1,
                    column="year/months",
                    expected="a year and months 1..12",
                ) from None
            rows.append((y, f["province"].iloc[i], to_decimal(f["base"].iloc[i], name="base"), m))
        snap = load_rule_set("pension_transfer").at(parse_date(date, dt.date(2010, 1, 1)))
        res = pension_transfer(
            rows,
            snap,
            from_province=from_province,
            to_province=to_province,
            individual_account=to_decimal(account, name="--account"),
        )
    if json_out:
        print_json(res.to_dict())
        return
    console.print(_money_frame(res.to_frame()))
    _trace_table(res.trace, "trace 计算过程")


@compensate_app.command("pension-flows")
def pension_flows_cmd(
    moves: Path = typer.Argument(
        ..., help="CSV: from_region, to_region, contribution_wages, individual_account. 转移人员表。"
    ),
    date: str | None = typer.Option(None, "--date", help="Rule date. 规则日期。"),
    json_out: bool = _JSON,
) -> None:
    """Pension transfer flows between provinces from a table of moves. 省际养老保险转移资金流。"""
    with user_errors():
        f = read_csv(moves, dtype=str, keep_default_na=False)
        snap = load_rule_set("pension_transfer").at(parse_date(date, dt.date(2010, 1, 1)))
        res = transfer_flows(f, snap)
    if json_out:
        print_json(res.to_dict())
        return
    console.print(_money_frame(res.pairs))
    console.print(_money_frame(res.net))


@compensate_app.command("medical-clearing")
def medical_clearing_cmd(
    bills: Path = typer.Argument(
        ..., help="CSV: insured_region, treatment_region, fund_paid. 跨省就医账单。"
    ),
    advances: Path | None = typer.Option(
        None, "--advances", help="CSV: insured_region, treatment_region, advance. 预付金。"
    ),
    previous: Path | None = typer.Option(
        None, "--previous", help="Last year's bills: advances = m/12 of them (医保发〔2022〕22号). 上年账单。"
    ),
    date: str | None = typer.Option(
        None, "--date", help="Rule date for --previous (default 2022-07-01). 规则日期。"
    ),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Cross-province direct settlement: clearing and net settlement per pair. 跨省异地就医清算。"""
    with user_errors():
        if advances is not None and previous is not None:
            raise DataError("--advances and --previous both given", expected="at most one of them")
        b = read_csv(bills, dtype=str, keep_default_na=False)
        adv = None
        if advances is not None:
            adv = read_csv(advances, dtype=str, keep_default_na=False)
        elif previous is not None:
            snap = load_rule_set("medical_cross_province").at(parse_date(date, dt.date(2022, 7, 1)))
            adv = advance_funds(read_csv(previous, dtype=str, keep_default_na=False), snap)
        res = medical_clearing(b, adv)
        if out is not None:
            from regcoord.report.public_services import medical_clearing_sections

            write_report(
                out,
                lang,
                ("Cross-province medical clearing", "跨省异地就医清算"),
                ("Clearing", "清算", "D_ij = G_ij - P_ij; N_ij = G_ij - G_ji", "医保发〔2022〕22号"),
                [*medical_clearing_sections(res), _trace_section(res.trace)],
            )
    if json_out:
        print_json(res.to_dict())
        return
    console.print(_money_frame(res.clearing))
    console.print(_money_frame(res.net_pairs))
    console.print(_money_frame(res.positions))
    console.print(f"balanced 对账平衡: {res.balanced}")


def service_standards(
    data: Path = typer.Argument(
        ..., help="CSV: region, year, one column per indicator (e.g. resident_basic_pension). 各地人均指标。"
    ),
    standard: list[str] | None = typer.Option(
        None, "--standard", help="User standard INDICATOR=VALUE (education, assistance...). 自定标准。"
    ),
    json_out: bool = _JSON,
    out: Path | None = _OUT,
    lang: str = _LANG,
) -> None:
    """Gaps against the national basic public service standards, with early warning. 基本公共服务达标监测。"""
    with user_errors():
        extra: dict[str, str] = {}
        for item in standard or []:
            k, sep, v = item.partition("=")
            if not sep or not k.strip():
                raise DataError(f"--standard {item!r} is not INDICATOR=VALUE", expected="INDICATOR=VALUE")
            extra[k.strip()] = str(to_decimal(v, name=f"--standard {k.strip()}"))
        res = standard_gaps(read_csv(data, dtype=str, keep_default_na=False), extra_standards=extra)
        if out is not None:
            from regcoord.report.public_services import standards_sections

            write_report(
                out,
                lang,
                ("Basic public service standards", "基本公共服务标准"),
                ("Gap", "差距", "gap = x - S; ratio = x / S", "国家基本公共服务标准（2021年版）"),
                standards_sections(res),
            )
    if json_out:
        print_json(res.to_dict())
        return
    console.print(_money_frame(res.gaps.drop(columns=["source"])))
    console.print(_money_frame(res.warning.to_frame()))
    if res.skipped:
        console.print("no standard 无标准: " + ", ".join(res.skipped))
