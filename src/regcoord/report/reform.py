"""The HTML report of one reform run: headline, winners/losers map, budget waterfall, disparity.

Layout only: every number comes from :class:`regcoord.reform.SchemeRun`.  The map is
drawn when the regions are China's provincial divisions and the optional map data is
installed (otherwise the report says why there is no map).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from regcoord.reform import ILLUSTRATIVE_NOTE, SchemeRun
from regcoord.report import Report, Section, charts
from regcoord.report.charts import _finish, _new, _style

__all__ = ["build_reform_report", "waterfall", "write_reform_report"]


def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def waterfall(
    labels: Sequence[str], start: float, steps: Sequence[float], *, title: str = "", ylabel: str = ""
) -> str:
    """A waterfall chart: the start bar, one floating bar per step (green up, red down), the end bar."""
    vals = np.asarray(steps, dtype=float)
    ends = start + np.cumsum(vals)
    names = [str(labels[0]), *[str(x) for x in labels[1:-1]], str(labels[-1])]
    fig, ax = _new((max(6.0, 1.1 * len(names) + 2), 4.2), (0.12, 0.3, 0.98, 0.9))
    with _style():
        ax.bar([0], [start], color="#4c72b0")
        bottoms = np.concatenate(([start], ends[:-1]))
        for j, (b, v) in enumerate(zip(bottoms, vals, strict=True)):
            ax.bar([j + 1], [v], bottom=[b], color="#55a868" if v >= 0 else "#c44e52")
        total = float(ends[-1]) if vals.size else start
        ax.bar([len(vals) + 1], [total], color="#4c72b0")
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.grid(axis="x", visible=False)
    return _finish(fig, ax, title, "", ylabel)


def _province_codes(regions: Sequence[str]) -> list[str] | None:
    from regcoord.regions import china
    from regcoord.regions._model import Level

    names: dict[str, str] = {}
    for r in china().at_level(Level.PROVINCE):
        for key in (r.code, r.name_en, r.name_zh, r.short_zh):
            if key:
                names[key.lower()] = r.code
    out = [names.get(str(r).strip().lower()) for r in regions]
    return None if any(c is None for c in out) else [str(c) for c in out]


def _map_section(run: SchemeRun, lang: str) -> Section:
    from regcoord.report.assess import load_boundaries

    title = ("Winners and losers", "受益与受损地区")
    codes = _province_codes(run.regions)
    if codes is None:
        return Section(
            *title,
            text_en="No map: the regions are not all provincial divisions of China.",
            text_zh="无地图：这些地区并非都是中国的省级行政区。",
        )
    geo, note = load_boundaries(codes)
    if geo is None:
        reason = (note.en, note.zh) if note is not None else ("map data unavailable", "无地图数据")
        return Section(*title, text_en=f"No map: {reason[0]}.", text_zh=f"无地图：{reason[1]}。")
    values = {c: float(d) for c, d in zip(codes, run.delta, strict=True)}
    svg = charts.choropleth(
        geo,
        values,
        title=_t(lang, "Change in amount by province (yuan)", "各省金额变化（元）"),
        legend_label=_t(lang, "reform - baseline (yuan)", "改革 - 基线（元）"),
        cmap="RdYlGn",
    )
    return Section(
        *title,
        text_en=f"Winners: {', '.join(run.winners) or 'none'}. Losers: {', '.join(run.losers) or 'none'}.",
        text_zh=f"受益：{'、'.join(run.winners) or '无'}。受损：{'、'.join(run.losers) or '无'}。",
        charts=[svg],
    )


def _caption(frame: pd.DataFrame, en: str, zh: str) -> pd.DataFrame:
    frame.attrs["caption_en"] = en
    frame.attrs["caption_zh"] = zh
    return frame


def build_reform_report(run: SchemeRun, lang: str = "en", *, illustrative: bool = False) -> Report:
    """The report of one scheme's reform run (``illustrative``: the data are the illustrative set)."""
    rep = Report(f"Reform simulation: {run.title_en}", f"改革模拟：{run.title_zh}", lang=lang)
    rep.add_method(
        run.title_en,
        run.title_zh,
        _formula_of(run),
        "; ".join(sorted({str(p.source) for p in run.parameters})),
    )
    totals = pd.DataFrame(
        {
            "": [_t(lang, "baseline", "基线"), _t(lang, "reform", "改革"), _t(lang, "change", "变化")],
            _t(lang, "budget (yuan)", "预算（元）"): [run.total_baseline, run.total_reform, run.total_delta],
        }
    )
    note_en, note_zh = (ILLUSTRATIVE_NOTE[0] + " ", ILLUSTRATIVE_NOTE[1]) if illustrative else ("", "")
    rep.add(
        Section(
            "Headline",
            "结论",
            text_en=note_en
            + run.headline("en")
            + f" Pareto improvement (no region loses, one gains): {'yes' if run.pareto_improvement else 'no'}.",
            text_zh=note_zh
            + run.headline("zh")
            + f" 帕累托改进（无地区受损且有地区受益）：{'是' if run.pareto_improvement else '否'}。",
            tables=[_caption(totals, "Budget", "预算")],
        )
    )
    rep.add(_map_section(run, lang))
    steps: list[tuple[str, Decimal]] = []
    for e in run.trace:
        if e.changes:
            d = sum((a - b for _, b, a in e.changes), Decimal(0))
            label = e.name if e.kind != "interaction" else _t(lang, "interaction", "交互作用")
            steps.append((label, d))
    labels = [_t(lang, "baseline", "基线"), *[s[0] for s in steps], _t(lang, "reform", "改革")]
    rep.add(
        Section(
            "Budget change",
            "预算变化",
            text_en="Each bar is the change one override makes alone; 'interaction' is the rest.",
            text_zh="每一段为单项调整单独造成的变化；“交互作用”为其余部分。",
            charts=[
                waterfall(
                    labels,
                    float(run.total_baseline),
                    [float(s[1]) for s in steps],
                    title=_t(lang, "Budget: baseline to reform (yuan)", "预算：从基线到改革（元）"),
                )
            ],
        )
    )
    db, dr = run.disparity_baseline, run.disparity_reform
    names = ["cv", "gini", "theil_t", "theil_l"]
    disp = pd.DataFrame(
        {
            "index": names,
            _t(lang, "baseline", "基线"): [db[n] for n in names],
            _t(lang, "reform", "改革"): [dr[n] for n in names],
        }
    )
    tables = [_caption(disp, "Disparity of per-capita resources after transfers", "转移支付后人均财力差距")]
    if db.theil_t_between is not None:
        split = pd.DataFrame(
            {
                "": ["Theil T between", "Theil T within", "Theil L between", "Theil L within"],
                _t(lang, "baseline", "基线"): [
                    db.theil_t_between,
                    db.theil_t_within,
                    db.theil_l_between,
                    db.theil_l_within,
                ],
                _t(lang, "reform", "改革"): [
                    dr.theil_t_between,
                    dr.theil_t_within,
                    dr.theil_l_between,
                    dr.theil_l_within,
                ],
            }
        )
        tables.append(_caption(split, "Between and within plates", "板块间与板块内"))
    rep.add(
        Section(
            "Disparity change",
            "差距变化",
            text_en="Population-weighted when the data has a population column."
            if db.weighted
            else "Unweighted (no population column).",
            text_zh="数据含人口列时按人口加权。" if db.weighted else "未加权（无人口列）。",
            charts=[
                charts.bar(
                    names,
                    {
                        _t(lang, "baseline", "基线"): [db[n] for n in names],
                        _t(lang, "reform", "改革"): [dr[n] for n in names],
                    },
                    title=_t(lang, "Disparity before and after", "改革前后的差距"),
                )
            ],
            tables=tables,
        )
    )
    trace = pd.DataFrame(
        [
            {k: v for k, v in t.to_dict().items() if k != "changes"} | {"changed regions": len(t.changes)}
            for t in run.trace
        ]
    )
    rep.add(
        Section(
            "Regions and trace",
            "地区明细与计算过程",
            tables=[
                _caption(run.to_frame(), "Amounts by region (yuan)", "各地区金额（元）"),
                _caption(trace, "Which override changed what", "各项调整的影响"),
            ],
        )
    )
    return rep


def _formula_of(run: SchemeRun) -> str:
    from regcoord.reform import get_scheme

    return get_scheme(run.scheme).formula


def write_reform_report(
    run: SchemeRun, path: str | Path, lang: str = "en", *, illustrative: bool = False
) -> Path:
    return build_reform_report(run, lang, illustrative=illustrative).write(path)
