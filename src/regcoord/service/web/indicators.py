"""Disparity and coordination indicators of the dashboard, from :mod:`regcoord.measure`.

No formula lives here: the indices come from :func:`regcoord.measure.inequality.inequality`
(Gini, Theil T, Williamson CV, max/min ratio, population-weighted) and the between/within
split across the four plates from :func:`regcoord.measure.decomposition.theil_decomposition`
(Shorrocks 1980), both on the bundled China provincial panel (GDP per capita weighted by
population). The bundled panel does not change while the service runs, so the result is
computed once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from regcoord.data import load
from regcoord.measure.decomposition import theil_decomposition
from regcoord.measure.inequality import inequality
from regcoord.regions import china


@dataclass(frozen=True)
class DisparityView:
    """What the dashboard shows of the regional disparity, with its labels kept."""

    years: tuple[int, ...]
    gini: tuple[float, ...]
    theil_t: tuple[float, ...]
    williamson_cv: tuple[float, ...]
    max_min_ratio: tuple[float, ...]
    between_share: tuple[float, ...]
    plates: tuple[str, ...]
    plate_mean: tuple[float, ...]  # latest year, yuan per person
    plate_within: tuple[float, ...]  # latest year, Theil T within each plate
    regions: tuple[str, ...]
    names_en: tuple[str, ...]
    names_zh: tuple[str, ...]
    gdp_per_capita: tuple[float, ...]  # latest year, yuan per person
    unit: str
    source: str

    @property
    def latest(self) -> int:
        return self.years[-1]

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@cache
def china_disparity() -> DisparityView:
    """Indicators of the bundled China panel (cached: the bundled data are immutable)."""
    panel = load("china")
    x = panel.matrix("gdp_per_capita")
    w = panel.matrix("population", years=x.years, regions=x.regions)
    ineq = inequality(x, weights=w)
    plates = panel.group_labels("plate", list(x.regions))
    dec = theil_decomposition(x, plates, weights=w)
    tree = china()
    return DisparityView(
        years=tuple(int(y) for y in x.years),
        gini=tuple(float(v) for v in ineq.gini),
        theil_t=tuple(float(v) for v in ineq.theil_t),
        williamson_cv=tuple(float(v) for v in ineq.williamson_cv),
        max_min_ratio=tuple(float(v) for v in ineq.max_min_ratio),
        between_share=tuple(float(v) for v in dec.between_share),
        plates=tuple(str(g) for g in dec.groups),
        plate_mean=tuple(float(v) for v in dec.group_mean[-1]),
        plate_within=tuple(float(v) for v in dec.group_index[-1]),
        regions=tuple(x.regions),
        names_en=tuple(tree[c].name_en for c in x.regions),
        names_zh=tuple(tree[c].name_zh for c in x.regions),
        gdp_per_capita=tuple(float(v) for v in x.values[-1]),
        unit=x.unit,
        source=panel.source or "regcoord:china_province_panel.csv",
    )
