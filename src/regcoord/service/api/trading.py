"""Rights trading API: accounts and holdings, depth, orders, trades, allocation and compliance.

Every state-changing call is queued to the matching task of the database
(:class:`usecases.trading.Matcher`), which runs the commands waiting in one transaction
(group commit) and answers each only after that commit: the book events, the audit event
and the idempotency record of a command are in the same transaction, and an acknowledged
command survives a crash.  Creating POSTs take an ``Idempotency-Key``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from regcoord.errors import PermissionDenied
from regcoord.service.api.deps import (
    ERROR_RESPONSES,
    CtxDep,
    Id,
    IdemKey,
    body_hash,
    replay_idempotent,
    replay_record,
)
from regcoord.service.db import models as m
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import Ctx

router = APIRouter(prefix="/api/trading", tags=["rights trading"], responses=ERROR_RESPONSES)

_FEN = 10**15  # upper bound of amounts and prices (fen)
_UNITS = 10**12  # upper bound of quantities (units)
INSTRUMENT_PATTERN = r"^(water|cod|ammonia_n|co2e|energy):(19\d\d|2[01]\d\d|2200)$"
Instrument = Annotated[
    str,
    Field(
        min_length=6, max_length=20, pattern=INSTRUMENT_PATTERN, description="right:vintage, e.g. co2e:2025"
    ),
]
InstrumentPath = Annotated[str, Path(min_length=6, max_length=20, pattern=INSTRUMENT_PATTERN)]
InstrumentQuery = Annotated[str | None, Query(min_length=6, max_length=20, pattern=INSTRUMENT_PATTERN)]
Region = Annotated[str, Field(min_length=1, max_length=12)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DepositIn(_In):
    holder: Region
    amount_fen: int = Field(gt=0, le=_FEN)


class OrderIn(_In):
    holder: Region
    instrument: Instrument = Field(description="right:vintage, e.g. co2e:2025")
    side: Literal["buy", "sell"]
    quantity: int = Field(gt=0, le=_UNITS)
    kind: Literal["limit", "market"] = "limit"
    price_fen: int | None = Field(default=None, gt=0, le=_FEN, description="fen per unit (limit orders)")
    budget_fen: int | None = Field(default=None, gt=0, le=_FEN, description="money limit of a market buy")


class ReplaceIn(_In):
    price_fen: int | None = Field(default=None, gt=0, le=_FEN)
    quantity: int | None = Field(default=None, gt=0, le=_UNITS)


class MarketIn(_In):
    rule_set: str | None = Field(
        default=None, max_length=80, description="dated rule set of the price band, e.g. china_carbon_market"
    )
    trade_mode: Literal["listed", "block", "one_way"] | None = Field(
        default=None, description="挂牌协议 listed / 大宗协议 block / 单向竞价 one_way"
    )
    reference_price_fen: int | None = Field(
        default=None,
        gt=0,
        le=_FEN,
        description="previous close until the instrument has traded on an earlier day",
    )
    floor_fen: int | None = Field(default=None, gt=0, le=_FEN, description="price floor (fen per unit)")
    ceiling_fen: int | None = Field(default=None, gt=0, le=_FEN, description="price ceiling (fen per unit)")


class WaterTransferIn(_In):
    kind: Literal["regional", "intake", "irrigation"] = Field(
        description="区域水权交易 regional / 取水权交易 intake / 灌溉用水户水权交易 irrigation"
    )
    method: Literal["public_listing", "negotiated"] = Field(description="公开交易 / 协议转让")
    seller: str = Field(min_length=1, max_length=80)
    buyer: str = Field(min_length=1, max_length=80)
    seller_region: Region
    buyer_region: Region
    annual_volume_m3: int = Field(gt=0, le=10**10, description="m3 a year")
    term_years: int = Field(gt=0, le=100)
    start_year: int = Field(ge=1900, le=2200)
    price_fen_per_m3: int = Field(ge=0, le=10**6)
    permit_expiry_year: int | None = Field(default=None, ge=1900, le=2300)
    seller_district: str | None = Field(default=None, max_length=80)
    buyer_district: str | None = Field(default=None, max_length=80)


class PhaseIn(_In):
    instrument: Instrument


class BidIn(_In):
    bidder: Region
    quantity: int = Field(ge=0, le=_UNITS)
    price_fen: int = Field(ge=0, le=_FEN)


class AllocationIn(_In):
    instrument: Instrument
    holders: list[Region] = Field(default_factory=list, max_length=5000)
    data: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=5000, description="history, population or output per holder"
    )
    method: Literal["grandfathering", "benchmarking", "per_capita", "auction"] | None = None
    cap: int | None = Field(default=None, ge=0, le=_UNITS)
    benchmark_intensity: str | None = Field(default=None, max_length=40)
    bids: list[BidIn] = Field(default_factory=list, max_length=5000)
    reserve_price_fen: int = Field(default=0, ge=0, le=_FEN)
    rule_set: str | None = Field(default=None, max_length=80)
    on: date | None = None


class ComplianceIn(_In):
    period: int = Field(ge=1900, le=2200)
    verified_use: dict[
        Region, dict[Annotated[str, Field(max_length=20)], Annotated[int, Field(ge=0, le=_UNITS)]]
    ]
    credit_penalty: int = Field(default=0, ge=0, le=1000, description="credit points lost per breach")
    reputation_notice: bool = False


def _queued(
    ctx: Ctx,
    run: Callable[[Ctx], Any],
    request: Request,
    body: BaseModel | None,
    key: str | None,
    status: int,
    *,
    fast: bool = True,
) -> Awaitable[JSONResponse]:
    """Queue a trading use case to the matching task; answer after the group commit of its batch.

    The job runs on the matching task's session: it replays a stored answer for a known
    ``Idempotency-Key`` (same request hash; the batch's keys are looked up in one query),
    else runs the use case and stores the answer with the key in the same transaction as
    the book events and the audit event.  ``fast``: see :meth:`usecases.trading.Matcher.submit`.
    """
    if key is not None and ctx.principal.user_id is None:
        raise PermissionDenied("authentication required")
    request_hash = body_hash(request, body)

    def job(c: Ctx) -> JSONResponse:
        known = c.session.info.get(uc.IDEMPOTENCY)
        if key is not None:
            if known is None:
                replay = replay_idempotent(c, key, request_hash)
            else:
                replay = replay_record(known.get((c.principal.user_id, key)), request_hash)
            if replay is not None:
                return replay
        out = run(c)
        if key is not None:
            rec = m.IdempotencyRecord(
                user_id=c.principal.user_id,
                key=key,
                request_hash=request_hash,
                status_code=status,
                body=json.dumps(out, ensure_ascii=False),
                created_at=c.now,
            )
            c.session.add(rec)
            if known is not None:
                known[(c.principal.user_id, key)] = rec  # a repeat in the same batch replays it
        return JSONResponse(out, status_code=status)

    fut = uc.matcher(request.app.state.sessions).submit(job, ctx.principal, ctx.now, fast=fast, key=key)
    return _answer(fut)


async def _answer(fut: Future[JSONResponse]) -> JSONResponse:
    resp = await asyncio.wrap_future(fut)
    resp.headers["Commit-Batch"] = str(getattr(fut, "batch_size", 1))  # commands in its transaction
    return resp


@router.post("/deposits", status_code=201, summary="Deposit money into an account / 资金入账")
async def deposit(ctx: CtxDep, body: DepositIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return await _queued(ctx, lambda c: uc.deposit(c, **body.model_dump()), request, body, key, 201)


@router.post("/orders", status_code=201, summary="Place an order / 下单")
async def place_order(ctx: CtxDep, body: OrderIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return await _queued(ctx, lambda c: uc.place_order(c, **body.model_dump()), request, body, key, 201)


@router.post("/orders/{order_id}/cancel", summary="Cancel a resting order / 撤单")
async def cancel_order(ctx: CtxDep, order_id: Id, request: Request) -> JSONResponse:
    return await _queued(ctx, lambda c: uc.cancel_order(c, order_id), request, None, None, 200)


@router.post("/orders/{order_id}/replace", summary="Replace a resting order / 改单")
async def replace_order(ctx: CtxDep, order_id: Id, body: ReplaceIn, request: Request) -> JSONResponse:
    return await _queued(
        ctx, lambda c: uc.replace_order(c, order_id, **body.model_dump()), request, body, None, 200
    )


@router.post("/call/start", summary="Open a call auction phase / 开始集合竞价")
async def start_call(ctx: CtxDep, body: PhaseIn, request: Request) -> JSONResponse:
    return await _queued(
        ctx, lambda c: uc.start_call(c, instrument=body.instrument), request, body, None, 200
    )


@router.post("/call/uncross", summary="Execute the call auction / 集合竞价撮合")
async def uncross(ctx: CtxDep, body: PhaseIn, request: Request) -> JSONResponse:
    return await _queued(
        ctx, lambda c: uc.uncross(c, instrument=body.instrument), request, body, None, 200, fast=False
    )


@router.post("/allocations", status_code=201, summary="Run an initial allocation / 初始分配")
async def allocate(ctx: CtxDep, body: AllocationIn, request: Request, key: IdemKey = None) -> JSONResponse:
    def produce(c: Ctx) -> dict[str, Any]:
        args = body.model_dump()
        args["bids"] = [b.model_dump() for b in body.bids]
        return uc.allocation_out(uc.run_allocation(c, **args))

    return await _queued(ctx, produce, request, body, key, 201, fast=False)


@router.post("/compliance", status_code=201, summary="Settle compliance for a period / 履约清缴")
async def settle(ctx: CtxDep, body: ComplianceIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return await _queued(
        ctx,
        lambda c: uc.compliance_out(uc.settle(c, **body.model_dump())),
        request,
        body,
        key,
        201,
        fast=False,
    )


@router.put("/markets/{instrument}", summary="Set the market rules of an instrument / 设置交易规则")
async def set_market(
    ctx: CtxDep, instrument: InstrumentPath, body: MarketIn, request: Request
) -> JSONResponse:
    return await _queued(
        ctx,
        lambda c: uc.set_market(c, instrument=instrument, **body.model_dump()),
        request,
        body,
        None,
        200,
        fast=False,
    )


@router.post("/water-transfers", status_code=201, summary="Record a water rights transfer / 水权交易登记")
async def record_water_transfer(
    ctx: CtxDep, body: WaterTransferIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return await _queued(
        ctx,
        lambda c: uc.water_transfer_out(uc.record_water_transfer(c, **body.model_dump())),
        request,
        body,
        key,
        201,
        fast=False,
    )


@router.get("/water-transfers", summary="Water rights transfers / 水权交易记录")
def water_transfers(
    ctx: CtxDep, region: Annotated[str | None, Query(max_length=12)] = None
) -> list[dict[str, Any]]:
    return [uc.water_transfer_out(r) for r in uc.water_transfers(ctx, region)]


@router.get("/markets", summary="Market rules and today's price limits / 交易规则与当日价格区间")
def markets(ctx: CtxDep) -> list[dict[str, Any]]:
    return uc.markets(ctx)


@router.get("/markets/{instrument}", summary="Market rules of an instrument / 品种交易规则")
def market(ctx: CtxDep, instrument: InstrumentPath) -> dict[str, Any]:
    return uc.market(ctx, instrument)


@router.get("/accounts", summary="Accounts and holdings / 账户与持有量")
def accounts(ctx: CtxDep) -> list[dict[str, Any]]:
    return uc.accounts(ctx)


@router.get("/accounts/{holder}", summary="One account with its resting orders / 账户详情")
def account(ctx: CtxDep, holder: str) -> dict[str, Any]:
    return uc.account(ctx, holder)


@router.get("/accounts/{holder}/orders", summary="Orders of an account / 委托记录")
def account_orders(
    ctx: CtxDep, holder: str, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    return uc.orders(ctx, holder, limit=limit)


@router.get("/instruments", summary="Instruments issued or traded / 交易品种")
def instruments(ctx: CtxDep) -> list[str]:
    return uc.instruments(ctx)


@router.get("/depth/{instrument}", summary="Order book depth / 买卖盘")
def depth(
    ctx: CtxDep, instrument: InstrumentPath, levels: Annotated[int, Query(ge=1, le=200)] = 10
) -> dict[str, Any]:
    return uc.depth(ctx, instrument, levels=levels)


@router.get("/trades", summary="Trade history / 成交记录")
def trades(
    ctx: CtxDep,
    instrument: InstrumentQuery = None,
    holder: Annotated[str | None, Query(max_length=12)] = None,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[dict[str, Any]]:
    return uc.trades(ctx, instrument=instrument, holder=holder, after=after, limit=limit)


@router.get("/allocations", summary="Allocation runs / 分配记录")
def allocations(ctx: CtxDep) -> list[dict[str, Any]]:
    return [uc.allocation_out(r) for r in uc.allocation_runs(ctx)]


@router.get("/compliance/{period}", summary="Compliance status of a period / 履约状态")
def compliance(ctx: CtxDep, period: Annotated[int, Path(ge=1900, le=2200)]) -> dict[str, Any]:
    return uc.compliance_status(ctx, period)


@router.get("/state", summary="Full book state rebuilt from the stored events / 订单簿全状态")
def state(ctx: CtxDep) -> dict[str, Any]:
    return uc.book_state(ctx).to_dict()
