"""Pages of rights trading: market overview, order book, accounts, allocations, compliance.

Server-rendered on the web UI's base template (``render`` and ``act`` of
:mod:`regcoord.service.web.routes`), with the labels of this module in English and
Chinese.  Every action calls the use case the JSON API calls, inside the matching lock
(:func:`regcoord.service.usecases.trading.matching`); refusals re-render the page with
the reason and its status, successes redirect (303).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from regcoord import trading as tr
from regcoord.errors import DataError, NotFound, RegcoordError
from regcoord.service.api.deps import Id
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import Ctx
from regcoord.service.web.i18n import pick_lang
from regcoord.service.web.routes import FormDict, WebCtx, act, render
from regcoord.service.web.security import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

#: key -> (English, Chinese)
LABELS: Mapping[str, tuple[str, str]] = {
    "nav": ("Rights trading", "权利交易"),
    "heading": (
        "Rights trading: water, emission, carbon and energy-use rights",
        "水权、排污权、碳排放权、用能权交易",
    ),
    "instruments": ("Instruments", "交易品种"),
    "instrument": ("Instrument", "品种"),
    "best_bid": ("Best bid (yuan)", "最高买价（元）"),
    "best_ask": ("Best ask (yuan)", "最低卖价（元）"),
    "last": ("Last price (yuan)", "最新成交价（元）"),
    "call": ("call auction", "集合竞价中"),
    "accounts": ("Accounts and holdings", "账户与持有量"),
    "holder": ("Holder", "持有方"),
    "money": ("Money (yuan)", "资金（元）"),
    "reserved": ("reserved", "冻结"),
    "rights": ("Rights (units)", "权益（单位）"),
    "book": ("Order book", "买卖盘"),
    "bids": ("Bids", "买盘"),
    "asks": ("Asks", "卖盘"),
    "price": ("Price (yuan per unit)", "价格（元/单位）"),
    "price_fen": ("Price (fen per unit)", "价格（分/单位）"),
    "quantity": ("Quantity", "数量"),
    "orders_n": ("Orders", "委托数"),
    "trades": ("Trades", "成交记录"),
    "trade_id": ("Trade", "成交号"),
    "buyer": ("Buyer", "买方"),
    "seller": ("Seller", "卖方"),
    "value": ("Value (yuan)", "金额（元）"),
    "place": ("Place an order", "委托下单"),
    "side": ("Side", "方向"),
    "buy": ("buy", "买入"),
    "sell": ("sell", "卖出"),
    "kind": ("Order type", "委托类型"),
    "limit": ("limit", "限价"),
    "market": ("market", "市价"),
    "budget_fen": ("Money limit of a market buy (fen)", "市价买入资金上限（分）"),
    "submit": ("Submit order", "提交委托"),
    "cancel": ("Cancel", "撤单"),
    "my_orders": ("Orders of the account", "账户委托"),
    "order_id": ("Order", "委托号"),
    "open_qty": ("Open", "未成交"),
    "resting": ("resting", "挂单中"),
    "done_or_cancelled": ("filled or cancelled", "已成交或已撤"),
    "officer_only": (
        "Only an officer of the holder's region may trade for its account.",
        "只有持有方所在地区的官员可为其账户交易。",
    ),
    "allocations": ("Initial allocation runs", "初始分配记录"),
    "method": ("Method", "方法"),
    "cap": ("Cap (units)", "总量（单位）"),
    "allocated": ("Allocated", "已分配"),
    "unallocated": ("Unallocated", "未分配"),
    "m.grandfathering": ("grandfathering (historical share)", "历史法（祖父法）"),
    "m.benchmarking": ("benchmarking", "基准线法"),
    "m.per_capita": ("equal per capita", "人均法"),
    "m.auction": ("auction (uniform price)", "拍卖（统一价格）"),
    "compliance": ("Compliance (surrender at period end)", "履约清缴"),
    "period": ("Period", "履约期"),
    "eligible": (
        "Units available for surrender (vintage up to the period)",
        "可用于清缴的权益（年份不晚于履约期）",
    ),
    "settled": ("Settled rights", "已清缴的权益"),
    "breaches": ("Shortfalls (breaches; credit record)", "清缴缺口（违约，计入信用记录）"),
    "shortfall": ("Shortfall", "缺口"),
    "credit": ("Credit record", "信用记录"),
    "right": ("Right", "权益类型"),
    "none": ("None.", "暂无。"),
    "show": ("Show", "显示"),
    "done.order": ("Order accepted.", "委托已受理。"),
    "limits": ("Allowed prices today (yuan)", "当日允许申报价格（元）"),
    "previous_close": ("previous close (yuan)", "上一交易日收盘价（元）"),
    "reference_price": ("reference price (yuan)", "参考价（元）"),
    "mode.listed": ("listed agreement trading", "挂牌协议交易"),
    "mode.block": ("block agreement trading", "大宗协议交易"),
    "mode.one_way": ("one-way bidding", "单向竞价"),
    "market_rules": ("Market rules (admin)", "交易规则设置（管理员）"),
    "rule_set": ("Price band rule set", "涨跌幅规则集"),
    "trade_mode": ("Trade type", "交易方式"),
    "no_band": ("no band", "无涨跌幅限制"),
    "reference_price_fen": ("Reference price (fen, before the first close)", "参考价（分，首个收盘价之前）"),
    "floor_fen": ("Price floor (fen)", "价格下限（分）"),
    "ceiling_fen": ("Price ceiling (fen)", "价格上限（分）"),
    "save_rules": ("Save market rules", "保存交易规则"),
    "done.market": ("Market rules saved.", "交易规则已保存。"),
    "done.cancelled": ("Order cancelled.", "委托已撤销。"),
}


def translator(lang: str) -> Callable[[str], str]:
    """The label function ``t("book")`` of the trading templates."""
    index = 1 if lang == "zh" else 0

    def t(key: str) -> str:
        pair = LABELS.get(key)
        return key if pair is None else pair[index]

    return t


def _page(
    request: Request, ctx: Ctx, template: str, *, status: int = 200, error: str | None = None, **kw: Any
) -> HTMLResponse:
    lang = pick_lang(request)
    done = request.query_params.get("done")
    t = translator(lang)
    return render(
        request,
        ctx,
        f"trading/{template}",
        status=status,
        error=error,
        t=t,
        notice=t(f"done.{done}") if done and f"done.{done}" in LABELS else None,
        right_label=lambda code: _right_label(code, lang),
        **kw,
    )


def _refused(request: Request, ctx: Ctx, exc: RegcoordError) -> HTMLResponse:
    """The error page of a read that failed (unknown region or instrument)."""
    return render(
        request, ctx, "error.html", status=404 if isinstance(exc, NotFound) else 422, error=str(exc)
    )


def _right_label(code: str, lang: str) -> str:
    """'co2e:2025' -> 'carbon emission right 2025 (tCO2e)' / '碳排放权 2025（tCO2e）'."""
    try:
        inst = tr.Instrument.parse(code)
    except DataError:
        return code
    r = inst.right
    return (
        f"{r.label_zh} {inst.vintage}（{r.unit}）"
        if lang == "zh"
        else f"{r.label_en} {inst.vintage} ({r.unit})"
    )


def _overview(request: Request, ctx: Ctx, error: str | None = None, status: int = 200) -> HTMLResponse:
    codes = uc.instruments(ctx)
    markets = [uc.depth(ctx, c, levels=1) for c in codes]
    return _page(
        request,
        ctx,
        "index.html",
        status=status,
        error=error,
        markets=markets,
        accounts=uc.accounts(ctx),
        recent=uc.recent_trades(ctx, limit=20),
    )


@router.get("/trading", response_class=HTMLResponse)
def overview(request: Request, ctx: WebCtx) -> Response:
    return _overview(request, ctx)


def _book(request: Request, ctx: Ctx, code: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    p = ctx.principal
    return _page(
        request,
        ctx,
        "book.html",
        status=status,
        error=error,
        code=code,
        depth=uc.depth(ctx, code, levels=20),
        trades=uc.recent_trades(ctx, instrument=code),
        limits=uc.today_limits(ctx, code),
        market=_market_or_none(ctx, code),
        can_set_market=p.role.value == "admin",
        can_trade=p.role.value == "officer" and p.region is not None,
        holder=p.region or "",
    )


def _market_or_none(ctx: Ctx, code: str) -> dict[str, Any] | None:
    try:
        return uc.market(ctx, code)
    except NotFound:
        return None


@router.post("/trading/markets", response_class=HTMLResponse)
def set_market(request: Request, ctx: WebCtx, form: FormDict) -> Response:
    code = form.get("instrument", "")

    def text(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    def run() -> object:
        return uc.set_market(
            ctx,
            instrument=code,
            rule_set=text("rule_set"),
            trade_mode=text("trade_mode") if text("rule_set") else None,
            reference_price_fen=_int_or_none(form.get("reference_price_fen"), "reference_price_fen"),
            floor_fen=_int_or_none(form.get("floor_fen"), "floor_fen"),
            ceiling_fen=_int_or_none(form.get("ceiling_fen"), "ceiling_fen"),
        )

    def page(err: str, status: int) -> Response:
        try:
            return _book(request, ctx, code, err, status)
        except RegcoordError:
            return _overview(request, ctx, err, status)

    with uc.matching(ctx):
        return act(request, ctx, run, done="market", back=f"/trading/book/{code}", page=page)


@router.get("/trading/book/{code}", response_class=HTMLResponse)
def book(request: Request, ctx: WebCtx, code: str) -> Response:
    try:
        return _book(request, ctx, code)
    except RegcoordError as exc:
        return _refused(request, ctx, exc)


def _int_or_none(value: str | None, column: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise DataError(f"{value!r} is not a whole number", column=column) from None


@router.post("/trading/orders", response_class=HTMLResponse)
def place_order(request: Request, ctx: WebCtx, form: FormDict) -> Response:
    code = form.get("instrument", "")

    def run() -> object:
        return uc.place_order(
            ctx,
            holder=form.get("holder", ""),
            instrument=code,
            side=form.get("side", ""),
            kind=form.get("kind", "limit"),
            quantity=_int_or_none(form.get("quantity"), "quantity") or 0,
            price_fen=_int_or_none(form.get("price_fen"), "price_fen"),
            budget_fen=_int_or_none(form.get("budget_fen"), "budget_fen"),
        )

    def page(err: str, status: int) -> Response:
        try:
            return _book(request, ctx, code, err, status)
        except RegcoordError:
            return _overview(request, ctx, err, status)

    with uc.matching(ctx):
        return act(request, ctx, run, done="order", back=f"/trading/book/{code}", page=page)


@router.post("/trading/orders/{order_id}/cancel", response_class=HTMLResponse)
def cancel_order(request: Request, ctx: WebCtx, order_id: Id) -> Response:
    holder = ctx.principal.region or ""
    with uc.matching(ctx):
        return act(
            request,
            ctx,
            lambda: uc.cancel_order(ctx, order_id),
            done="cancelled",
            back=f"/trading/accounts/{holder}",
            page=lambda err, status: _overview(request, ctx, err, status),
        )


@router.get("/trading/accounts/{holder}", response_class=HTMLResponse)
def account(request: Request, ctx: WebCtx, holder: str) -> Response:
    try:
        acct = uc.account(ctx, holder)
        orders = uc.orders(ctx, holder, limit=100)
    except RegcoordError as exc:
        return _refused(request, ctx, exc)
    p = ctx.principal
    return _page(
        request,
        ctx,
        "account.html",
        acct=acct,
        orders=orders,
        trades=uc.recent_trades(ctx, holder=acct["holder"]),
        can_cancel=p.role.value == "officer" and p.region == acct["holder"],
    )


@router.get("/trading/allocations", response_class=HTMLResponse)
def allocations(request: Request, ctx: WebCtx) -> Response:
    return _page(
        request, ctx, "allocations.html", runs=[uc.allocation_out(r) for r in uc.allocation_runs(ctx)]
    )


@router.get("/trading/compliance", response_class=HTMLResponse)
def compliance(request: Request, ctx: WebCtx, period: str = "") -> Response:
    try:
        year = _int_or_none(period, "period") or ctx.now.year
        data = uc.compliance_status(ctx, year)
    except RegcoordError as exc:
        return _refused(request, ctx, exc)
    return _page(request, ctx, "compliance.html", period=year, data=data)


__all__ = ["LABELS", "router", "translator"]
