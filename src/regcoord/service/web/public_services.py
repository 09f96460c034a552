"""Page of basic public services: central pension adjustment and standards gaps, zh/en.

``GET /public-services`` computes the central adjustment of the pension fund
(:func:`regcoord.public_services.pension_adjustment`) for a year (and optional simulated
rate) on CSV text given in the form, or on the ILLUSTRATIVE example (three provinces with
made-up round figures, labelled as such on the page; no real data is bundled), and the
gaps of the illustrative indicators against the national standards.
``GET /public-services/panel`` is the dashboard panel (an htmx fragment).  Read-only:
nothing is stored, so the page needs no login and changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from regcoord.errors import DataError, RegcoordError
from regcoord.public_services import (
    RATE_PARAMETER,
    PensionAdjustment,
    adjustment_date,
    pension_adjustment,
    standard_gaps,
)
from regcoord.rules import load_rule_set
from regcoord.service.usecases._context import Ctx
from regcoord.service.web.i18n import pick_lang
from regcoord.service.web.routes import WebCtx, render
from regcoord.service.web.security import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

#: key -> (English, Chinese)
LABELS: Mapping[str, tuple[str, str]] = {
    "nav": ("Public services", "基本公共服务"),
    "heading": (
        "Basic public services: central pension adjustment and standards",
        "基本公共服务：养老保险基金中央调剂与达标监测",
    ),
    "adjustment": ("Central adjustment of the basic pension fund", "企业职工基本养老保险基金中央调剂"),
    "year": ("Year", "年度"),
    "rate": ("Rate (blank: the year's rule)", "调剂比例（空白为当年规定）"),
    "data": (
        "CSV: region, average_wage, insured_workers, retirees (blank: the illustrative example)",
        "CSV：region, average_wage, insured_workers, retirees（空白则用示例数据）",
    ),
    "compute": ("Compute", "计算"),
    "illustrative": (
        "Illustrative example: made-up round figures, not official statistics.",
        "示例数据：虚构的整数，并非官方统计数据。",
    ),
    "region": ("Region", "地区"),
    "plate": ("Plate", "板块"),
    "contribution": ("Contribution (yuan)", "上解额（元）"),
    "allocation": ("Allocation (yuan)", "拨付额（元）"),
    "net": ("Net (yuan; >0 receiver)", "净额（元，正为受益）"),
    "fund_total": ("Fund total (yuan)", "调剂基金总额（元）"),
    "per_retiree": ("Per retiree (yuan)", "人均拨付额（元）"),
    "applied_rate": ("Adjustment rate", "调剂比例"),
    "payers": ("Payer provinces", "贡献省份数"),
    "source": ("Source", "出处"),
    "unverified": ("not yet read against the official text (label U)", "尚未与官方文本核对（标记 U）"),
    "standards": ("Basic service standards: gaps", "基本公共服务标准：差距"),
    "indicator": ("Indicator", "指标"),
    "value": ("Value", "数值"),
    "standard": ("National standard", "国家标准"),
    "gap": ("Gap", "差距"),
    "level": ("Warning", "预警"),
    "panel": ("Central pension adjustment (illustrative)", "养老保险中央调剂（示例）"),
    "open": ("Open the page", "打开页面"),
}

#: The illustrative example (the hand case of the tests): made-up round figures.
ILLUSTRATIVE_PENSION = "region,average_wage,insured_workers,retirees\n广东,100000,1000,100\n黑龙江,60000,500,300\n四川,80000,800,200\n"
ILLUSTRATIVE_INDICATORS = "region,year,resident_basic_pension,public_health_subsidy\n甲,2024,210,100\n乙,2024,120,90\n丙,2024,118,94\n"


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "zh" else 0

    def t(key: str) -> str:
        pair = LABELS.get(key)
        return key if pair is None else pair[index]

    return t


def _frame(text: str) -> pd.DataFrame:
    try:
        f = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"cannot read the CSV text ({exc})", expected="a header line and one row per region"
        ) from None
    f.columns = [str(c).strip() for c in f.columns]
    return f


def _adjust(year: int, rate: str | None, data: str | None) -> tuple[PensionAdjustment, bool]:
    text = (data or "").strip()
    res = pension_adjustment(
        _frame(text or ILLUSTRATIVE_PENSION),
        load_rule_set("pension_central_adjustment").at(adjustment_date(year)),
        year=year,
        rate=(rate or "").strip() or None,
    )
    return res, not text


def _plate_label(code: str, lang: str) -> str:
    from regcoord.public_services._common import plate_names

    zh, en = plate_names().get(code, (code, code))
    return zh if lang == "zh" else en


@router.get("/public-services", response_class=HTMLResponse)
def page(
    request: Request, ctx: WebCtx, year: int = 2021, rate: str | None = None, data: str | None = None
) -> Response:
    lang = pick_lang(request)
    t = translator(lang)
    kw: dict[str, Any] = {"t": t, "year": year, "rate": rate or "", "data": data or "", "res": None}
    kw["rate_low"], kw["rate_high"] = RATE_PARAMETER.low, RATE_PARAMETER.high
    kw["plate_label"] = lambda c: _plate_label(c, lang)
    try:
        res, illustrative = _adjust(year, rate, data)
        gaps = standard_gaps(_frame(ILLUSTRATIVE_INDICATORS))
    except RegcoordError as exc:
        return _page(request, ctx, status=422, error=str(exc), illustrative=False, gaps=None, **kw)
    kw["res"] = res
    levels = {
        (r, int(y)): lv
        for r, y, lv in gaps.warning.to_frame()[
            ["region", "year", "level_zh" if lang == "zh" else "level_en"]
        ].itertuples(index=False)
    }
    rate_step = (
        res.trace.find("pension_central_adjustment.rate")
        if rate is None or not rate.strip()
        else res.trace.find("rate")
    )
    return _page(
        request,
        ctx,
        illustrative=illustrative,
        gaps=gaps.gaps.to_dict(orient="records"),
        levels=levels,
        rate_step=rate_step,
        **kw,
    )


def _page(
    request: Request, ctx: Ctx, *, status: int = 200, error: str | None = None, **kw: Any
) -> HTMLResponse:
    return render(request, ctx, "public_services/index.html", status=status, error=error, **kw)


@router.get("/public-services/panel", response_class=HTMLResponse)
def panel(request: Request, ctx: WebCtx) -> Response:
    """The dashboard panel: the illustrative adjustment of the latest year with a rule (2021)."""
    lang = pick_lang(request)
    res, _ = _adjust(2021, None, None)
    return render(
        request,
        ctx,
        "public_services/_panel.html",
        t=translator(lang),
        res=res,
        payers=sum(1 for v in res.amounts.net if v < 0),
    )
