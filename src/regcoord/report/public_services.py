"""Report sections for basic public services (central pension adjustment, clearing).

Built from the frozen results of :mod:`regcoord.public_services`; zh/en text, amounts in
yuan (元) or 亿元 where stated, a chart of the net positions and the plate table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from regcoord.report import charts
from regcoord.report._html import Section

if TYPE_CHECKING:
    from regcoord.public_services import MedicalClearing, PensionAdjustment, StandardGaps

__all__ = ["medical_clearing_sections", "pension_adjustment_sections", "standards_sections"]

_YI = Decimal(100_000_000)


def pension_adjustment_sections(res: PensionAdjustment) -> list[Section]:
    """The adjustment year: net position per province (chart, 亿元), plates, capacity disparity."""
    f = res.to_frame()
    f.attrs["caption_en"] = "Contribution, allocation and net position per province (yuan)"
    f.attrs["caption_zh"] = "各省上解额、拨付额与净额（元）"
    chart = charts.bar(
        list(res.regions),
        {
            "contribution 上解": [float(v / _YI) for v in res.amounts.contribution],
            "allocation 拨付": [float(v / _YI) for v in res.amounts.allocation],
        },
        title=f"Central adjustment {res.year} 中央调剂 (亿元 / 100 million yuan)",
    )
    net_chart = charts.bar(
        list(res.regions),
        [float(v / _YI) for v in res.amounts.net],
        title="Net position (>0 receiver, <0 payer) 净额（正为受益省、负为贡献省，亿元）",
    )
    charts_list = [chart, net_chart]
    net_map = _net_map(res)
    if net_map is not None:
        charts_list.append(net_map)
    plates = res.plate_frame()
    plates.attrs["caption_en"] = "Plates: totals and shares of the fund"
    plates.attrs["caption_zh"] = "四大板块：合计与占调剂基金比例"
    payers = sum(1 for v in res.amounts.net if v < 0)
    sections = [
        Section(
            "Central adjustment of the pension fund",
            "养老保险基金中央调剂",
            text_en=(
                f"Year {res.year}, adjustment rate {res.rate}; fund total {res.fund_total} yuan; "
                f"{payers} payer province(s), {len(res.regions) - payers} receiver(s). "
                f"Per-retiree amount {res.amounts.per_retiree} yuan."
            ),
            text_zh=(
                f"{res.year}年，调剂比例 {res.rate}；调剂基金总额 {res.fund_total} 元；"
                f"贡献省 {payers} 个，受益省 {len(res.regions) - payers} 个；人均拨付额 {res.amounts.per_retiree} 元。"
            ),
            charts=charts_list,
            tables=[f, plates],
        )
    ]
    if res.capacity is not None:
        c = res.capacity
        sections.append(
            Section(
                "Fund capacity disparity",
                "基金支付能力差距",
                text_en=(
                    f"Fund balance per retiree, weighted by retirees: Gini {c.gini_before:.4f} before, "
                    f"{c.gini_after:.4f} after; Williamson CV {c.cv_before:.4f} before, {c.cv_after:.4f} after."
                ),
                text_zh=(
                    f"人均基金结余（按离退休人数加权）：基尼系数调剂前 {c.gini_before:.4f}，调剂后 {c.gini_after:.4f}；"
                    f"威廉姆森变异系数调剂前 {c.cv_before:.4f}，调剂后 {c.cv_after:.4f}。"
                ),
            )
        )
    return sections


def _net_map(res: PensionAdjustment) -> str | None:
    """Choropleth of the net positions (亿元) when the regions are provinces and the
    boundaries (optional ``maps`` extra) are installed; ``None`` otherwise."""
    from regcoord.errors import NotFound
    from regcoord.public_services._common import province_codes
    from regcoord.regions import province_boundaries

    values = {
        c: float(v / _YI) for c, v in zip(province_codes(res.regions), res.amounts.net, strict=True) if c
    }
    if not values:
        return None
    try:
        geo = province_boundaries()
    except NotFound:
        return None
    return charts.choropleth(
        geo,
        values,
        title=f"Net position {res.year} 净额 (亿元)",
        legend_label="亿元 / 100 million yuan",
        cmap="RdBu",
    )


def medical_clearing_sections(res: MedicalClearing) -> list[Section]:
    """One clearing round: net settlement per pair and positions per province (yuan)."""
    pos = res.positions.copy()
    pos.attrs["caption_en"] = "Position per province (claims receivable - payable, yuan)"
    pos.attrs["caption_zh"] = "各省清算净头寸（应收 - 应付，元）"
    pairs = res.net_pairs.copy()
    pairs.attrs["caption_en"] = "Net settlement per pair of provinces (yuan)"
    pairs.attrs["caption_zh"] = "省际两两轧差结算（元）"
    return [
        Section(
            "Cross-province medical clearing",
            "跨省异地就医清算",
            text_en=f"Reconciliation: positions sum to zero — {'yes' if res.balanced else 'NO'}.",
            text_zh=f"对账：各省净头寸之和为零 —— {'是' if res.balanced else '否'}。",
            charts=[charts.bar(list(pos["region"]), [float(v) for v in pos["position"]], title="yuan / 元")],
            tables=[pairs, pos],
        )
    ]


def standards_sections(res: StandardGaps) -> list[Section]:
    """Gaps against the national standards (table, attainment-ratio chart of the latest year)
    and the early-warning levels per region-year."""
    g = res.gaps.copy()
    g.attrs["caption_en"] = (
        "Value, national standard, gap (value - standard) and ratio per region and indicator"
    )
    g.attrs["caption_zh"] = "各地区各指标：数值、国家标准、差距（数值 - 标准）与达标率"
    latest = int(g["year"].max())
    last = g[g["year"] == latest]
    labels = [f"{r} · {i}" for r, i in zip(last["region"], last["indicator"], strict=True)]
    chart = charts.bar(labels, [float(v) for v in last["ratio"]], title=f"{latest}: value / standard 达标率")
    w = res.warning.to_frame()
    w.attrs["caption_en"] = "Early-warning level per region and year (regcoord.measure.warning)"
    w.attrs["caption_zh"] = "各地区逐年预警等级（regcoord.measure.warning）"
    below = len(res.below())
    return [
        Section(
            "Basic public service standards",
            "基本公共服务标准达标情况",
            text_en=(
                f"{below} region-indicator-year(s) below the national standard; standards labelled U are "
                "not yet read against the official text."
            ),
            text_zh=f"共有 {below} 个地区-指标-年度低于国家标准；标记为 U 的标准尚未与官方文本核对。",
            charts=[chart],
            tables=[g, w],
        )
    ]
