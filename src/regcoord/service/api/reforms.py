"""Reform workbench API: calculate a reform, save it (audited), read it, its trace, compare two.

``POST /api/reforms/calculate`` answers the JSON of ``regcoord reform run --json`` (plus
``data_source`` and, for the bundled data, ``illustrative: true`` with a note) and stores
nothing; ``POST /api/reforms`` computes and saves (201, ``Idempotency-Key`` honoured).
Amounts are decimal strings in yuan.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from regcoord.service.api.deps import ERROR_RESPONSES, MAX_ID, CtxDep, Id, IdemKey, idempotent
from regcoord.service.usecases import reforms as uc

router = APIRouter(prefix="/api/reforms", tags=["reform simulation"], responses=ERROR_RESPONSES)

QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Value = str | float | int | bool
Cell = Annotated[str, Field(max_length=60)] | float | int


class ReformIn(BaseModel):
    """A reform of one scheme on one rule date, on the bundled illustrative data or ``rows``."""

    model_config = ConfigDict(extra="forbid")
    scheme: Name = Field(description="scheme name or alias, e.g. china_balanced_transfer or china")
    date: dt.date = Field(description="rule date: the overrides in force on it apply")
    overrides: dict[Name, dict[dt.date, Value]] = Field(
        default_factory=dict,
        max_length=50,
        description='flat dated overrides, e.g. {"china_balanced_transfer.coefficient": {"2026-01-01": 0.9}}',
    )
    set: dict[Name, Value] = Field(
        default_factory=dict,
        max_length=50,
        description="NAME: VALUE from the rule date, e.g. {coefficient: 0.9}",
    )
    rows: list[dict[Annotated[str, Field(max_length=60)], Cell]] | None = Field(
        default=None,
        max_length=uc.MAX_ROWS,
        description="the data, one object per region (region + the scheme's columns); omitted: the bundled "
        "illustrative provincial data",
    )


class SaveIn(ReformIn):
    name: Annotated[str, Field(min_length=1, max_length=200)]


def _args(body: ReformIn) -> dict[str, Any]:
    return {
        "scheme": body.scheme,
        "date": body.date,
        "overrides": {k: {d.isoformat(): v for d, v in dated.items()} for k, dated in body.overrides.items()},
        "set_": body.set,
        "rows": body.rows,
    }


@router.get("/schemes", summary="Schemes and the parameters a reform may change / 可调整的方案与参数")
def schemes() -> list[dict[str, Any]]:
    return uc.scheme_options()


@router.post("/calculate", summary="Baseline and reform of one scheme (nothing stored) / 计算改革方案")
def calculate(ctx: CtxDep, body: ReformIn) -> dict[str, Any]:
    return uc.calculate(ctx, **_args(body))


@router.post("", status_code=201, summary="Compute and save a reform (audited) / 保存改革方案")
def save(ctx: CtxDep, body: SaveIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return idempotent(
        ctx, lambda: uc.saved_out(ctx, uc.save(ctx, name=body.name, **_args(body))), request, body, key
    )


@router.get("", summary="Saved reforms, newest first / 已保存的改革方案")
def saved(ctx: CtxDep) -> list[dict[str, Any]]:
    return [uc.saved_out(ctx, r, full=False) for r in uc.list_saved(ctx)]


@router.get("/compare", summary="Compare two saved reforms / 比较两个改革方案")
def compare(ctx: CtxDep, a: QueryId, b: QueryId) -> dict[str, Any]:
    return uc.compare(ctx, a, b)


@router.get("/{reform_id}", summary="A saved reform with its result / 改革方案详情")
def get_reform(ctx: CtxDep, reform_id: Id) -> dict[str, Any]:
    return uc.saved_out(ctx, uc.get_saved(ctx, reform_id))


@router.get("/{reform_id}/trace", summary="Which override changed which number / 计算过程")
def get_trace(ctx: CtxDep, reform_id: Id) -> dict[str, Any]:
    return uc.trace(ctx, reform_id)


__all__ = ["router"]
