"""The assessment assembly: results match published and hand-checked values; the report lays them out."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from regcoord.data import panel_from_frame
from regcoord.measure.decomposition import theil_decomposition
from regcoord.regions import Group, Grouping, Level, Region, RegionTree
from regcoord.report.assess import build_report, run_assessment, summarize


@pytest.fixture(scope="module")
def mexico(mexico_panel):
    return run_assessment(mexico_panel, value="pcgdp", group="hanson98", permutations=99, seed=7)


def test_mexico_theil_matches_pysal_documentation(mexico):
    # shared/domain/measurement.md: PySAL TheilD on the Mexico panel with hanson98
    t = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]
    bg = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
    assert mexico.weighted is None  # no weight: every state counts once, as in PySAL
    np.testing.assert_allclose(mexico.unweighted.theil_t, t, atol=5e-9)
    assert mexico.theil_t is not None
    np.testing.assert_allclose(mexico.theil_t.between, bg, atol=5e-8)
    assert mexico.permutation is not None and mexico.permutation.permutations == 99
    assert mexico.composite is None  # the China spec's indicators are not in this panel
    assert any("composite spec" in n.en and "gdp" in n.en and "综合指数方案" in n.zh for n in mexico.notes)


def test_assessment_is_json_ready(mexico):
    d = json.loads(json.dumps(mexico.to_dict()))
    assert d["years"] == [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    assert d["headline"]["theil_t"]["first"] == pytest.approx(0.20894344, abs=5e-9)
    assert d["decomposition"]["nested_theil_t"] is None
    rows = summarize(mexico)
    assert ("Theil T", "泰尔 T 指数", "0.2089 -> 0.1066") in rows


def test_report_without_maps_says_how_to_get_them(mexico):
    html = build_report(mexico, lang="en").render()
    assert "pip install regcoord[maps]" in html
    assert "Dagum, C. (1997)" in html and "Barro, R. J. and Sala-i-Martin" in html
    html_zh = build_report(mexico, lang="zh").render()
    assert "以柱状图代替地图" in html_zh and "regcoord[maps]" in html_zh


def _square(x0: float, y0: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]],
    }


def _tree() -> RegionTree:
    regions = [Region("N", "国", "Nation", Level.NATION)]
    for p in ("11", "12", "13"):
        regions.append(Region(p, f"省{p}", f"P{p}", Level.PROVINCE, "N"))
        for k in ("01", "02"):
            regions.append(Region(p + k, f"市{p}{k}", f"C{p}{k}", Level.PREFECTURE, p))
    plates = Grouping(
        "plate",
        (
            Group("east", "东部", "East", frozenset({"11", "12"})),
            Group("west", "西部", "West", frozenset({"13"})),
        ),
        partition=True,
    )
    return RegionTree("toy", regions, [plates])


def _toy_panel():
    x = {
        "1101": (9.0, 10.0),
        "1102": (5.0, 6.0),
        "1201": (4.0, 5.0),
        "1202": (3.0, 3.5),
        "1301": (2.0, 2.5),
        "1302": (1.0, 1.5),
    }
    pop = {"1101": 2.0, "1102": 1.0, "1201": 3.0, "1202": 1.0, "1301": 4.0, "1302": 2.0}
    rows = []
    for r, vs in x.items():
        for y, v in zip((2020, 2021), vs, strict=True):
            rows.append({"region": r, "year": y, "gdp_pc": v, "pop": pop[r]})
    return panel_from_frame(pd.DataFrame(rows), catalog=_tree()), x, pop


def test_prefectures_get_plates_from_their_province_and_a_nested_decomposition():
    panel, x, pop = _toy_panel()
    a = run_assessment(panel, value="gdp_pc", weight="pop", group="plate")
    assert a.group_labels == ("east", "east", "east", "east", "west", "west")
    assert a.nested is not None
    n = a.nested
    np.testing.assert_allclose(n.between_outer + n.between_inner + n.within_inner, n.total, rtol=1e-12)
    # the first stage equals the one-level decomposition by plate
    one = theil_decomposition(a.values, list(a.group_labels), weights=a.weights, kind="T")
    np.testing.assert_allclose(n.between_outer, one.between, rtol=1e-12)
    # hand check of the 2021 total: Theil T with population weights
    v = np.array([x[r][1] for r in a.regions])
    p = np.array([pop[r] for r in a.regions]) / sum(pop.values())
    mu = (p * v).sum()
    assert n.total[-1] == pytest.approx((p * v / mu * np.log(v / mu)).sum(), rel=1e-12)
    html = build_report(a, lang="en").render()
    assert "Annals of Regional Science 37" in html  # nested method listed
    assert "Two-stage nested Theil T" in html


def test_report_draws_the_map_when_boundaries_are_given():
    panel, _, _ = _toy_panel()
    a = run_assessment(panel, value="gdp_pc", weight="pop", group="plate")
    bounds = {r: _square(float(i), 0.0) for i, r in enumerate(a.regions)}
    html = build_report(a, lang="zh", boundaries=bounds).render()
    assert "省界" in html and "以柱状图代替地图" not in html
    assert len(re.findall(r"<svg", html)) >= 5


def test_no_china_map_for_other_regions(mexico):
    from regcoord.report.assess import load_boundaries

    bounds, note = load_boundaries(mexico.regions)  # Mexican states: no map is read
    assert bounds is None and note is not None and "not all provinces" in note.en
    # boundaries that cover none of the regions give the bar chart, with the reason
    html = build_report(mexico, lang="en", boundaries={"11": _square(0.0, 0.0)}).render()
    assert "A bar chart instead of a map: no boundaries for these region codes" in html
