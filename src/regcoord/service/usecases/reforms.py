"""Reform workbench use cases: calculate, save (audited, with its author), read, trace, compare.

Thin: every number comes from :func:`regcoord.reform.run_reform`.  The data is either the
bundled ILLUSTRATIVE provincial set (:func:`regcoord.reform._examples.illustrative_provinces`,
said so in every answer) or rows the caller sends (an upload), checked row by row.  The
same functions back the JSON API (``service/api/reforms.py``) and the pages
(``service/web/reforms.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select

from regcoord.errors import DataError, NotFound, PermissionDenied
from regcoord.reform import (
    Reform,
    ReformData,
    SchemeRun,
    get_scheme,
    illustrative_provinces,
    mark_illustrative,
    parse_reform,
    run_reform,
    schemes,
)
from regcoord.service.db import models as m
from regcoord.service.db.reform_models import SavedReform
from regcoord.service.usecases._context import Ctx

__all__ = [
    "MAX_ROWS",
    "calculate",
    "compare",
    "get_saved",
    "list_saved",
    "parse_csv",
    "reform_of",
    "save",
    "saved_out",
    "scheme_options",
    "trace",
]

#: most regions an uploaded data set may have
MAX_ROWS = 5000
BUNDLED = "bundled"
UPLOAD = "upload"


def scheme_options() -> list[dict[str, Any]]:
    """Every registered scheme with its columns and the parameters a reform may change."""
    return [
        {
            "name": s.name,
            "title_en": s.title_en,
            "title_zh": s.title_zh,
            "columns": list(s.required_columns),
            "parameters": [*s.parameters, *s.inputs],
            "formula": s.formula,
        }
        for s in schemes()
    ]


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of an uploaded CSV (header line first); at most :data:`MAX_ROWS` regions."""
    reader = csv.DictReader(io.StringIO(text.strip()))
    if not reader.fieldnames or "region" not in [f.strip() for f in reader.fieldnames]:
        raise DataError(
            "no 'region' column in the uploaded CSV", column="region", expected="a header line region,..."
        )
    rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    if len(rows) > MAX_ROWS:
        raise DataError(f"{len(rows)} rows", column="data", expected=f"at most {MAX_ROWS} regions")
    return rows


def _data(rows: Sequence[Mapping[str, Any]] | None) -> tuple[ReformData, bool]:
    if rows is None:
        return ReformData.from_frame(illustrative_provinces()), True
    if len(rows) > MAX_ROWS:
        raise DataError(f"{len(rows)} rows", column="data", expected=f"at most {MAX_ROWS} regions")
    frame = pd.DataFrame([dict(r) for r in rows])
    return ReformData.from_frame(frame, source="uploaded data", first_row=1), False


def reform_of(
    scheme: str,
    date: dt.date,
    *,
    overrides: Mapping[str, Any] | None = None,
    set_: Mapping[str, Any] | None = None,
    name: str = "reform",
) -> Reform:
    """A reform from flat dated ``overrides`` and/or ``set_`` values (from ``date``, short names)."""
    sch = get_scheme(scheme)
    flat: dict[str, Any] = {str(k): v for k, v in (overrides or {}).items()}
    for key, value in (set_ or {}).items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        full = key if "." in key else f"{sch.rule_set}.{key}"
        flat[full] = {date.isoformat(): value}
    return parse_reform({"name": name, "overrides": flat})


def _run(
    scheme: str, date: dt.date, reform: Reform, rows: Sequence[Mapping[str, Any]] | None
) -> tuple[SchemeRun, bool]:
    data, illustrative = _data(rows)
    sch = get_scheme(scheme)
    return run_reform(data, reform, date=date, schemes_=[sch.name])[sch.name], illustrative


def _answer(run: SchemeRun, illustrative: bool) -> dict[str, Any]:
    out = run.to_dict()
    if illustrative:
        out = mark_illustrative(out)
    else:
        out["illustrative"] = False
    out["data_source"] = BUNDLED if illustrative else UPLOAD
    return out


def calculate(
    ctx: Ctx,
    *,
    scheme: str,
    date: dt.date,
    overrides: Mapping[str, Any] | None = None,
    set_: Mapping[str, Any] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Baseline and reform of one scheme (nothing is stored)."""
    reform = reform_of(scheme, date, overrides=overrides, set_=set_)
    run, illustrative = _run(scheme, date, reform, rows)
    return _answer(run, illustrative)


def save(
    ctx: Ctx,
    *,
    name: str,
    scheme: str,
    date: dt.date,
    overrides: Mapping[str, Any] | None = None,
    set_: Mapping[str, Any] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> SavedReform:
    """Compute and store a reform with its author; audited as ``reform.save``."""
    if ctx.principal.user_id is None:
        raise PermissionDenied("saving a reform needs a signed-in user")
    if not name.strip():
        raise DataError("empty name", column="name", expected="a name for the reform")
    reform = reform_of(scheme, date, overrides=overrides, set_=set_, name=name.strip())
    run, illustrative = _run(scheme, date, reform, rows)
    row = SavedReform(
        name=name.strip()[:200],
        scheme=run.scheme,
        rule_date=date,
        reform=reform.to_dict(),
        data_source=BUNDLED if illustrative else UPLOAD,
        data_rows=None if rows is None else [dict(r) for r in rows],
        result=_answer(run, illustrative),
        author_id=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "reform.save",
        "reform",
        row.id,
        {
            "name": row.name,
            "scheme": row.scheme,
            "rule_date": date.isoformat(),
            "reform": row.reform,
            "data_source": row.data_source,
            "total_delta": row.result["total"]["delta"],
        },
    )
    return row


def _author(ctx: Ctx, row: SavedReform) -> str:
    user = ctx.session.get(m.User, row.author_id)
    return "" if user is None else user.username


def saved_out(ctx: Ctx, row: SavedReform, *, full: bool = True) -> dict[str, Any]:
    """A saved reform as JSON (``full=False``: without the per-region rows and the trace)."""
    result = dict(row.result)
    if not full:
        result = {k: v for k, v in result.items() if k not in {"regions", "trace", "parameters"}}
    return {
        "id": row.id,
        "name": row.name,
        "scheme": row.scheme,
        "date": row.rule_date.isoformat(),
        "reform": row.reform,
        "data_source": row.data_source,
        "author": _author(ctx, row),
        "created_at": row.created_at.isoformat(),
        "result": result,
    }


def get_saved(ctx: Ctx, reform_id: int) -> SavedReform:
    if ctx.principal.user_id is None:
        raise PermissionDenied("saved reforms are shown to signed-in users")
    row = ctx.session.get(SavedReform, reform_id)
    if row is None:
        raise NotFound(f"reform {reform_id} not found")
    return row


def list_saved(ctx: Ctx, *, limit: int = 200) -> list[SavedReform]:
    if ctx.principal.user_id is None:
        raise PermissionDenied("saved reforms are shown to signed-in users")
    return list(ctx.session.scalars(select(SavedReform).order_by(SavedReform.id.desc()).limit(limit)))


def trace(ctx: Ctx, reform_id: int) -> dict[str, Any]:
    """Which override changed which number, and the rule parameters used, of a saved reform."""
    row = get_saved(ctx, reform_id)
    return {
        "id": row.id,
        "scheme": row.scheme,
        "trace": row.result["trace"],
        "parameters": row.result.get("parameters", []),
        "unverified": row.result.get("unverified", []),
    }


def compare(ctx: Ctx, a: int, b: int) -> dict[str, Any]:
    """Two saved reforms side by side: totals, disparity and each region's change under both."""
    ra, rb = get_saved(ctx, a), get_saved(ctx, b)
    da = {r["region"]: r for r in ra.result["regions"]}
    db = {r["region"]: r for r in rb.result["regions"]}
    regions = []
    for region in dict.fromkeys([*da, *db]):
        x, y = da.get(region), db.get(region)
        dx = None if x is None else Decimal(x["delta"])
        dy = None if y is None else Decimal(y["delta"])
        regions.append(
            {
                "region": region,
                "delta_a": None if dx is None else str(dx),
                "delta_b": None if dy is None else str(dy),
                "b_minus_a": None if dx is None or dy is None else str(dy - dx),
            }
        )
    return {
        "a": saved_out(ctx, ra, full=False),
        "b": saved_out(ctx, rb, full=False),
        "same_scheme": ra.scheme == rb.scheme,
        "regions": regions,
    }
