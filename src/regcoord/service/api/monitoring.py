"""KPI reports (JSON and CSV bulk import), breaches, credit records, payments ledger."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from regcoord.data import ACCEPTED, decode_text, is_workbook, read_bytes
from regcoord.errors import DataError
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, OptId, idempotent, respond
from regcoord.service.api.paging import DEFAULT_LIMIT, After, Limit, paged
from regcoord.service.api.schemas import BreachOut, CreditOut, KPIAmendIn, KPIReportIn, PaymentOut, ReportOut
from regcoord.service.usecases import monitoring as uc
from regcoord.service.usecases import queries
from regcoord.service.usecases._context import Ctx

router = APIRouter(prefix="/api", tags=["monitoring"], responses=ERROR_RESPONSES)

MAX_CSV_BYTES = 5 * 1024 * 1024


def read_csv_upload(file: UploadFile | None) -> str:
    """The table of an uploaded file as CSV text (at most 5 MiB), by the library's reader policy.

    CSV in UTF-8 (BOM allowed) or GBK/GB 18030, XLSX or XLS (first sheet; cells as the text a
    person sees): :func:`regcoord.data.read_bytes`.  Shared by the API and the web upload
    form; bad uploads raise :class:`DataError` naming the file and field.
    """
    if file is None:
        raise DataError("no file was chosen", column="file", expected=f"a table file: {ACCEPTED}")
    raw = file.file.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise DataError("file larger than 5 MiB", column="file")
    name = file.filename or "upload.csv"
    try:
        if is_workbook(raw, name):
            table, _ = read_bytes(raw, name)
            return table.to_csv(index=False, lineterminator="\n")
        return decode_text(raw, source=name)
    except DataError as exc:
        raise DataError(f"{name}: {exc.problem}", source=name, column="file", expected=exc.expected) from None


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
    "/reports/{report_id}/amendments",
    status_code=201,
    summary="Correct a KPI report (supersedes it; recomputes its orders) / 更正指标报告",
)
def amend(
    ctx: CtxDep, report_id: Id, body: KPIAmendIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.report_out(uc.amend_report(ctx, report_id, **body.model_dump())),
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
    # validate and judge every row on a read-only session first: the write lock (SQLite) is
    # then held only for one short batch of INSERTs
    with request.app.state.read_sessions() as rs:
        plan = uc.plan_import(Ctx(rs, ctx.principal, ctx.now, ctx.tree), instrument_id, text)
    return idempotent(
        ctx,
        lambda: {"imported": [uc.report_out(r) for r in uc.apply_import(ctx, plan)]},
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


@router.post(
    "/breaches/sweep",
    summary="Record breaches of failed duties (late payments, missing reports) / 记录逾期违约",
)
def sweep(ctx: CtxDep) -> JSONResponse:
    return respond(ctx, lambda: {"recorded": [uc.breach_out(b) for b in uc.sweep_overdue(ctx)]})


@router.get(
    "/credit/{region}", summary="Public credit record of a region / 信用记录", response_model=CreditOut
)
def credit(ctx: CtxDep, region: str) -> dict[str, Any]:
    rec, rows = queries.credit(ctx, region=region)
    return {
        **rec.to_dict(),
        "events": [
            {
                "id": r.id,
                "delta": r.delta,
                "breaches": r.breaches,
                "reason": r.reason,
                "ref": r.ref,
                "at": r.at.isoformat(),
            }
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
    status: Literal["due", "paid", "void", "waived"] | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.payments(
        ctx, region=region, instrument_id=instrument_id, status=status, after=after, limit=limit
    )
    return paged(request, response, page, [uc.payment_out(p) for p in page])
