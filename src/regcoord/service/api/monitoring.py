"""KPI reports (JSON and CSV bulk import), breaches, credit records, payments ledger."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from regcoord.errors import DataError
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, OptId, idempotent, respond
from regcoord.service.api.paging import DEFAULT_LIMIT, After, Limit, paged
from regcoord.service.api.schemas import BreachOut, CreditOut, KPIReportIn, PaymentOut, ReportOut
from regcoord.service.usecases import monitoring as uc
from regcoord.service.usecases import queries

router = APIRouter(prefix="/api", tags=["monitoring"], responses=ERROR_RESPONSES)

MAX_CSV_BYTES = 5 * 1024 * 1024


def read_csv_upload(file: UploadFile | None) -> str:
    """The text of an uploaded CSV file (UTF-8, BOM allowed, at most 5 MiB, no NUL characters).

    Shared by the API and the web upload form; bad uploads raise :class:`DataError` naming the field.
    """
    if file is None:
        raise DataError("no file was chosen", column="file", expected="a UTF-8 CSV file")
    raw = file.file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise DataError("file larger than 5 MiB", column="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("file is not UTF-8 text", column="file", expected="a UTF-8 CSV file") from None
    if "\x00" in text:
        raise DataError("file contains NUL characters", column="file", expected="a UTF-8 CSV file")
    return text


@router.post("/clauses/{clause_id}/reports", status_code=201, summary="Report a KPI value / 报告指标")
def report(
    ctx: CtxDep, clause_id: Id, body: KPIReportIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.report_out(uc.report_kpi(ctx, clause_id, **body.model_dump())),
        request,
        body,
        key,
    )


@router.post(
    "/instruments/{instrument_id}/reports.csv",
    status_code=201,
    summary="Bulk import KPI reports (CSV) / 批量导入",
)
def import_csv(
    ctx: CtxDep,
    instrument_id: Id,
    request: Request,
    file: Annotated[UploadFile, File()],
    key: IdemKey = None,
) -> JSONResponse:
    text = read_csv_upload(file)
    return idempotent(
        ctx,
        lambda: {"imported": [uc.report_out(r) for r in uc.import_csv(ctx, instrument_id, text)]},
        request,
        text,
        key,
    )


@router.get(
    "/instruments/{instrument_id}/reports",
    summary="KPI reports of an instrument / 指标报告",
    response_model=list[ReportOut],
)
def reports(
    ctx: CtxDep,
    instrument_id: Id,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.reports(ctx, instrument_id=instrument_id, after=after, limit=limit)
    return paged(request, response, page, [uc.report_out(r) for r in page])


@router.get("/breaches", summary="Breach events (public) / 违约记录", response_model=list[BreachOut])
def breaches(
    ctx: CtxDep,
    request: Request,
    response: Response,
    region: str | None = None,
    instrument_id: OptId = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.breaches(ctx, region=region, instrument_id=instrument_id, after=after, limit=limit)
    return paged(request, response, page, [uc.breach_out(b) for b in page])


@router.get(
    "/credit/{region}", summary="Public credit record of a region / 信用记录", response_model=CreditOut
)
def credit(ctx: CtxDep, region: str) -> dict[str, Any]:
    rec, rows = queries.credit(ctx, region=region)
    return {
        **rec.to_dict(),
        "events": [
            {"id": r.id, "delta": r.delta, "reason": r.reason, "ref": r.ref, "at": r.at.isoformat()}
            for r in rows
        ],
    }


@router.post("/payments/{payment_id}/confirm", summary="Payee confirms receipt / 确认收款")
def confirm_payment(ctx: CtxDep, payment_id: Id) -> JSONResponse:
    return respond(ctx, lambda: uc.payment_out(uc.confirm_payment(ctx, payment_id)))


@router.get("/payments", summary="Payments ledger (integer fen) / 支付台账", response_model=list[PaymentOut])
def payments(
    ctx: CtxDep,
    request: Request,
    response: Response,
    region: str | None = None,
    instrument_id: OptId = None,
    status: Literal["due", "paid"] | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.payments(
        ctx, region=region, instrument_id=instrument_id, status=status, after=after, limit=limit
    )
    return paged(request, response, page, [uc.payment_out(p) for p in page])
