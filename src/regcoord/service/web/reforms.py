"""Pages of the reform workbench: choose a scheme, edit parameters, see regions and disparity move.

``GET /reforms`` is the workbench; the reform travels in the query string
(``?scheme=...&date=...&p.coefficient=0.9``), so the address bar is the share link, and the
form updates the page with htmx (``hx-select`` of the same page).  Uploaded data (CSV text)
is posted to ``/reforms/calculate``; ``/reforms/save`` stores a reform with its author
(audited); ``/reforms/saved`` lists saved reforms and compares two.  Every number comes
from the use cases the JSON API calls (:mod:`regcoord.service.usecases.reforms`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from regcoord.errors import DataError, RegcoordError
from regcoord.reform import get_scheme, schemes
from regcoord.regions import province_codes
from regcoord.rules import load_rule_set
from regcoord.service.api.monitoring import read_csv_upload
from regcoord.service.usecases import reforms as uc
from regcoord.service.usecases._context import Ctx
from regcoord.service.web.i18n import pick_lang
from regcoord.service.web.routes import FormDict, WebCtx, _status, render
from regcoord.service.web.security import check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
UploadParam = Annotated[UploadFile | None, File()]

#: key -> (English, Chinese)
LABELS: Mapping[str, tuple[str, str]] = {
    "heading": ("Reform workbench", "改革模拟工作台"),
    "intro": (
        "Change a rule of a transfer scheme and see every region, the budget and the national disparity move.",
        "调整转移支付方案的规则，查看各地区、预算与全国差距的变化。",
    ),
    "scheme": ("Scheme", "方案"),
    "date": ("Rule date", "规则日期"),
    "parameters": ("Parameters (empty: baseline)", "参数（留空为基线）"),
    "baseline_value": ("baseline", "基线"),
    "data_column": ("from the data", "来自数据"),
    "calculate": ("Calculate", "计算"),
    "share": ("Share this reform (link)", "分享此方案（链接）"),
    "upload": ("Your own data (CSV: region and the scheme's columns)", "上传数据（CSV：地区及方案所需列）"),
    "upload_hint": ("Empty: the bundled illustrative provincial data.", "留空则使用内置的示意性省级数据。"),
    "upload_file": ("or a file (CSV UTF-8/GBK, XLSX, XLS)", "或上传文件（CSV UTF-8/GBK、XLSX、XLS）"),
    "calculate_upload": ("Calculate with this data", "用此数据计算"),
    "name": ("Name of the reform", "方案名称"),
    "save": ("Save reform", "保存方案"),
    "save_login": ("Log in to upload your own data or save a reform.", "登录后可上传数据或保存方案。"),
    "result": ("Result", "结果"),
    "budget": ("Budget (yuan)", "预算（元）"),
    "baseline": ("Baseline", "基线"),
    "reform": ("Reform", "改革"),
    "change": ("Change", "变化"),
    "winners": ("Winners", "受益地区"),
    "losers": ("Losers", "受损地区"),
    "unchanged": ("Unchanged", "未变化"),
    "pareto": ("Pareto improvement (no region loses, one gains)", "帕累托改进（无地区受损且有地区受益）"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "disparity": ("Disparity of resources per head after transfers", "转移支付后人均财力差距"),
    "index": ("Index", "指数"),
    "between": ("between plates", "板块间"),
    "within": ("within plates", "板块内"),
    "map": ("Change by province (yuan)", "各省变化（元）"),
    "regions": ("Regions", "地区明细"),
    "region": ("Region", "地区"),
    "per_capita": ("Per head after (yuan)", "改革后人均（元）"),
    "trace": ("Which override changed what", "各项调整的影响"),
    "override": ("Override", "调整"),
    "changed": ("Regions changed", "影响地区数"),
    "saved": ("Saved reforms", "已保存的方案"),
    "author": ("Author", "作者"),
    "compare": ("Compare two saved reforms", "比较两个方案"),
    "compare_go": ("Compare", "比较"),
    "delta_a": ("Change under A", "方案 A 变化"),
    "delta_b": ("Change under B", "方案 B 变化"),
    "b_minus_a": ("B - A", "B - A"),
    "none": ("None.", "暂无。"),
    "done.saved": ("Reform saved.", "方案已保存。"),
}


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "zh" else 0

    def t(key: str) -> str:
        pair = LABELS.get(key)
        return key if pair is None else pair[index]

    return t


def _params(request: Request | None, form: Mapping[str, str] | None = None) -> dict[str, str]:
    """``p.NAME`` fields of the query string or the form (empty ones dropped)."""
    src: Mapping[str, str] = form if form is not None else (request.query_params if request else {})
    return {k[2:]: v.strip() for k, v in src.items() if k.startswith("p.") and v and v.strip()}


def _day(text: str | None, ctx: Ctx) -> dt.date:
    if not text:
        return ctx.now.date()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(f"{text!r} is not a date", column="date", expected="YYYY-MM-DD") from None


def _fields(scheme: str, day: dt.date, values: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    sch = get_scheme(scheme)
    rs = load_rule_set(sch.rule_set)
    try:
        snap = rs.at(day)
    except RegcoordError:
        snap = None
    out = []
    for name in (*sch.parameters, *sch.inputs):
        if name in sch.inputs:
            spec = rs.inputs[name]
            title, base = (spec.title_zh if lang == "zh" else spec.title_en), None
            lo, hi = spec.minimum, spec.maximum
        else:
            title = ""
            base = None
            if snap is not None and name in snap:
                pv = snap.param(name)
                title, base = (pv.title_zh if lang == "zh" else pv.title_en), pv.value
            lo, hi = rs.range(name)
        out.append(
            {
                "name": name,
                "title": title or name,
                "baseline": None
                if base is None
                else str(base).lower()
                if isinstance(base, bool)
                else str(base),
                "min": None if lo is None else str(lo),
                "max": None if hi is None else str(hi),
                "value": values.get(name, ""),
            }
        )
    return out


def _share(scheme: str, day: dt.date, values: Mapping[str, str]) -> str:
    q = {"scheme": scheme, "date": day.isoformat(), **{f"p.{k}": v for k, v in values.items()}}
    return "/reforms?" + urlencode(q)


def _views(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """Chart and map specifications of a result (numbers from the result, layout only)."""
    codes = set(province_codes())
    regions = [r["region"] for r in result["regions"]]
    t = translator(lang)
    names = ["cv", "gini", "theil_t", "theil_l"]
    d = result["disparity"]
    plot = {
        "data": [
            {"type": "bar", "name": t("baseline"), "x": names, "y": [d["baseline"][n] for n in names]},
            {"type": "bar", "name": t("reform"), "x": names, "y": [d["reform"][n] for n in names]},
        ],
        "layout": {"title": {"text": t("disparity")}, "barmode": "group", "height": 320},
    }
    on_map = all(r in codes for r in regions)
    from regcoord.regions import china

    tree = china()
    spec = (
        {
            "url": "/geo/provinces.geojson",
            "locations": regions,
            "z": [float(r["delta"]) for r in result["regions"]],
            "names_zh": [tree[r].name_zh for r in regions],
            "names_en": [tree[r].name_en for r in regions],
            "highlight": None,
            "title": t("map"),
            "unit": "yuan / 元",
            "no_data": "no data / 无数据",
        }
        if on_map
        else None
    )
    return {
        "plot": json.dumps(plot, ensure_ascii=False),
        "map": None if spec is None else json.dumps(spec, ensure_ascii=False),
    }


def _page(
    request: Request,
    ctx: Ctx,
    *,
    scheme: str,
    day: dt.date,
    values: Mapping[str, str],
    result: dict[str, Any] | None,
    error: str | None = None,
    status: int = 200,
    csv_text: str = "",
) -> HTMLResponse:
    lang = pick_lang(request)
    t = translator(lang)
    done = request.query_params.get("done")
    return render(
        request,
        ctx,
        "reforms/workbench.html",
        status=status,
        error=error,
        t=t,
        notice=t(f"done.{done}") if done and f"done.{done}" in LABELS else None,
        schemes=[{"name": s.name, "title": s.title(lang)} for s in schemes()],
        scheme=get_scheme(scheme).name,
        day=day.isoformat(),
        fields=_fields(scheme, day, values, lang),
        share=_share(get_scheme(scheme).name, day, values),
        result=result,
        views=None if result is None else _views(result, lang),
        csv_text=csv_text,
    )


@router.get("/reforms", response_class=HTMLResponse)
def workbench(
    request: Request, ctx: WebCtx, scheme: str = "china_balanced_transfer", date: str = ""
) -> Response:
    values = _params(request)
    try:
        day = _day(date, ctx)
        sch = get_scheme(scheme).name
    except RegcoordError as exc:
        return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    try:
        result = uc.calculate(ctx, scheme=sch, date=day, set_=values)
    except RegcoordError as exc:
        return _page(
            request,
            ctx,
            scheme=sch,
            day=day,
            values=values,
            result=None,
            error=str(exc),
            status=_status(exc, ctx),
        )
    return _page(request, ctx, scheme=sch, day=day, values=values, result=result)


def _form_inputs(
    ctx: Ctx, form: Mapping[str, str], file: UploadFile | None = None
) -> tuple[str, dt.date, dict[str, str], list[dict[str, Any]] | None]:
    scheme = get_scheme(form.get("scheme", "china_balanced_transfer")).name
    day = _day(form.get("date"), ctx)
    # a chosen file (UTF-8/GBK CSV, XLSX, XLS: the library's reader policy) wins over the text box
    text = read_csv_upload(file) if file is not None and file.filename else form.get("data", "")
    rows = uc.parse_csv(text) if text.strip() else None
    return scheme, day, _params(None, form), rows


@router.post("/reforms/calculate", response_class=HTMLResponse)
def calculate(request: Request, ctx: WebCtx, form: FormDict, file: UploadParam = None) -> Response:
    scheme, day, values = form.get("scheme", "china_balanced_transfer"), ctx.now.date(), _params(None, form)
    try:
        scheme, day, values, rows = _form_inputs(ctx, form, file)
        result = uc.calculate(ctx, scheme=scheme, date=day, set_=values, rows=rows)
    except RegcoordError as exc:
        try:
            return _page(
                request, ctx, scheme=scheme, day=day, values=values, result=None, error=str(exc),
                status=_status(exc, ctx), csv_text=form.get("data", ""),
            )  # fmt: skip
        except RegcoordError:
            return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    return _page(
        request, ctx, scheme=scheme, day=day, values=values, result=result, csv_text=form.get("data", "")
    )


@router.post("/reforms/save", response_class=HTMLResponse)
def save(request: Request, ctx: WebCtx, form: FormDict, file: UploadParam = None) -> Response:
    scheme, day, values = form.get("scheme", "china_balanced_transfer"), ctx.now.date(), _params(None, form)
    try:
        scheme, day, values, rows = _form_inputs(ctx, form, file)
        row = uc.save(ctx, name=form.get("name", ""), scheme=scheme, date=day, set_=values, rows=rows)
        ctx.session.commit()
    except RegcoordError as exc:
        ctx.session.rollback()
        try:
            return _page(
                request, ctx, scheme=scheme, day=day, values=values, result=None, error=str(exc),
                status=_status(exc, ctx), csv_text=form.get("data", ""),
            )  # fmt: skip
        except RegcoordError:
            return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    return RedirectResponse(f"/reforms/saved/{row.id}?done=saved", status_code=303)


def _saved_page(request: Request, ctx: Ctx, template: str, **kw: Any) -> HTMLResponse:
    lang = pick_lang(request)
    t = translator(lang)
    done = request.query_params.get("done")
    return render(
        request,
        ctx,
        template,
        t=t,
        notice=t(f"done.{done}") if done and f"done.{done}" in LABELS else None,
        **kw,
    )


@router.get("/reforms/saved", response_class=HTMLResponse)
def saved(request: Request, ctx: WebCtx) -> Response:
    try:
        rows = [uc.saved_out(ctx, r, full=False) for r in uc.list_saved(ctx)]
    except RegcoordError as exc:
        return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    return _saved_page(request, ctx, "reforms/saved.html", items=rows)


@router.get("/reforms/saved/{reform_id}", response_class=HTMLResponse)
def saved_one(request: Request, ctx: WebCtx, reform_id: int) -> Response:
    try:
        item = uc.saved_out(ctx, uc.get_saved(ctx, reform_id))
    except RegcoordError as exc:
        return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    lang = pick_lang(request)
    values = {
        k.partition(".")[2]: str(next(iter(v.values())))
        for k, v in item["reform"]["overrides"].items()
        if len(v) == 1
    }
    share = (
        _share(item["scheme"], dt.date.fromisoformat(item["date"]), values)
        if item["data_source"] == "bundled"
        else None
    )
    return _saved_page(
        request,
        ctx,
        "reforms/saved_one.html",
        item=item,
        result=item["result"],
        views=_views(item["result"], lang),
        share=share,
    )


@router.get("/reforms/compare", response_class=HTMLResponse)
def compare(request: Request, ctx: WebCtx, a: int = 0, b: int = 0) -> Response:
    try:
        if a < 1 or b < 1:
            raise DataError("choose two saved reforms", column="a, b", expected="two reform ids")
        data = uc.compare(ctx, a, b)
    except RegcoordError as exc:
        return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))
    return _saved_page(request, ctx, "reforms/compare.html", data=data)


__all__ = ["LABELS", "router", "translator"]
