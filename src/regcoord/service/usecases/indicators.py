"""Use case of the dashboard's disparity and coordination indicators, from :mod:`regcoord.measure`.

No formula lives here.  On the bundled China provincial panel (GDP per capita, yuan per
person, weighted by resident population) the national indices come from
:func:`regcoord.measure.inequality.inequality` (Gini, Theil T and L, Williamson's
population-weighted CV, max/min ratio) and the between/within split across the four plates
(east, central, west, northeast) from :func:`regcoord.measure.decomposition.theil_decomposition`
(Shorrocks 1980): the between-plate share is the coordination indicator of the plates'
development gap.  A region's position is its own GDP per capita (a prefecture or county
is placed by its province, the finest level of the panel), its ratio to the national
population-weighted mean ``sum_i p_i x_i / sum_i p_i`` and its plate.

The bundled panel does not change while the service runs, so the national indicators
are computed once per process (:func:`national_disparity` is cached).

Coupling coordination degrees (:mod:`regcoord.measure.coupling`) need subsystem scores
that the bundled panel does not hold, so they are not part of this view.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from regcoord.data import load
from regcoord.errors import NotFound
from regcoord.measure.decomposition import theil_decomposition
from regcoord.measure.inequality import inequality
from regcoord.regions import RegionTree, china
from regcoord.service.usecases._context import Ctx


@dataclass(frozen=True)
class _ChinaPanel:
    """The matrices the indicators are computed from (years x provinces)."""

    years: tuple[int, ...]
    regions: tuple[str, ...]
    gdp_per_capita: np.ndarray
    population: np.ndarray
    plates: tuple[str, ...]
    unit: str
    source: str


@cache
def _china_panel() -> _ChinaPanel:
    panel = load("china")
    x = panel.matrix("gdp_per_capita")
    w = panel.matrix("population", years=x.years, regions=x.regions)
    return _ChinaPanel(
        years=tuple(int(y) for y in x.years),
        regions=tuple(str(r) for r in x.regions),
        gdp_per_capita=np.asarray(x.values, dtype=float),
        population=np.asarray(w.values, dtype=float),
        plates=tuple(str(g) for g in panel.group_labels("plate", list(x.regions))),
        unit=str(x.unit),
        source=panel.source or "regcoord:china_province_panel.csv",
    )


@dataclass(frozen=True)
class NationalDisparity:
    """Disparity of GDP per capita across China's provinces, population-weighted, by year.

    ``plate_*`` are of the latest year, in the order of ``plates``; ``gdp_per_capita`` is
    the latest year's value of each province, in the order of ``regions``.
    """

    years: tuple[int, ...]
    gini: tuple[float, ...]
    theil_t: tuple[float, ...]
    theil_l: tuple[float, ...]
    williamson_cv: tuple[float, ...]
    max_min_ratio: tuple[float, ...]
    between_plate_share: tuple[float, ...]
    national_mean: tuple[float, ...]
    plates: tuple[str, ...]
    plate_mean: tuple[float, ...]
    plate_within_theil: tuple[float, ...]
    plate_population_share: tuple[float, ...]
    regions: tuple[str, ...]
    names_en: tuple[str, ...]
    names_zh: tuple[str, ...]
    gdp_per_capita: tuple[float, ...]
    unit: str
    source: str

    @property
    def latest(self) -> int:
        return self.years[-1]

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class RegionPosition:
    """Where one region stands: its province's GDP per capita, ratio to the national mean, plate.

    ``rank`` is the province's place among the ``n`` provinces by GDP per capita in the latest
    year (1 = highest).
    """

    region: str
    province: str
    name_en: str
    name_zh: str
    plate: str
    years: tuple[int, ...]
    gdp_per_capita: tuple[float, ...]
    ratio_to_national: tuple[float, ...]
    rank: int
    n: int
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class DashboardIndicators:
    """The indicators block of the dashboard: the nation's, and the region's when one is asked."""

    national: NationalDisparity
    region: RegionPosition | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": self.national.to_dict(),
            "region": None if self.region is None else self.region.to_dict(),
        }


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


@cache
def national_disparity() -> NationalDisparity:
    """National disparity and plate decomposition of the bundled panel (computed once per process)."""
    p = _china_panel()
    tree = china()
    ineq = inequality(p.gdp_per_capita, weights=p.population, years=p.years, regions=p.regions)
    dec = theil_decomposition(
        p.gdp_per_capita, list(p.plates), weights=p.population, years=p.years, regions=p.regions
    )
    return NationalDisparity(
        years=p.years,
        gini=_floats(ineq.gini),
        theil_t=_floats(ineq.theil_t),
        theil_l=_floats(ineq.theil_l),
        williamson_cv=_floats(ineq.williamson_cv),
        max_min_ratio=_floats(ineq.max_min_ratio),
        between_plate_share=_floats(dec.between_share),
        national_mean=_floats(np.average(p.gdp_per_capita, weights=p.population, axis=1)),
        plates=tuple(str(g) for g in dec.groups),
        plate_mean=_floats(dec.group_mean[-1]),
        plate_within_theil=_floats(dec.group_index[-1]),
        plate_population_share=_floats(dec.population_share[-1]),
        regions=p.regions,
        names_en=tuple(tree[c].name_en for c in p.regions),
        names_zh=tuple(tree[c].name_zh for c in p.regions),
        gdp_per_capita=_floats(p.gdp_per_capita[-1]),
        unit=p.unit,
        source=p.source,
    )


def region_position(tree: RegionTree, region: str) -> RegionPosition | None:
    """The position of ``region`` (or of its province); ``None`` for the nation itself.

    Raises :class:`NotFound` for a code that is not in ``tree``.
    """
    code = tree.resolve(region, strict=False)
    if code is None:
        raise NotFound(f"unknown region {region!r}")
    p = _china_panel()
    chain = [code, *(r.code for r in tree.ancestors(code))]
    province = next((c for c in chain if c in p.regions), None)
    if province is None:
        return None
    j = p.regions.index(province)
    nat = national_disparity()
    own = p.gdp_per_capita[:, j]
    r = tree[province]
    return RegionPosition(
        region=code,
        province=province,
        name_en=r.name_en,
        name_zh=r.name_zh,
        plate=p.plates[j],
        years=p.years,
        gdp_per_capita=_floats(own),
        ratio_to_national=_floats(own / np.asarray(nat.national_mean)),
        rank=1 + int((p.gdp_per_capita[-1] > own[-1]).sum()),
        n=len(p.regions),
        unit=p.unit,
    )


def dashboard_indicators(ctx: Ctx, region: str | None = None) -> DashboardIndicators:
    """The dashboard's disparity and coordination indicators (the nation's; the region's if given)."""
    return DashboardIndicators(
        national=national_disparity(),
        region=None if region is None else region_position(ctx.tree, region),
    )


__all__ = [
    "DashboardIndicators",
    "NationalDisparity",
    "RegionPosition",
    "dashboard_indicators",
    "national_disparity",
    "region_position",
]
