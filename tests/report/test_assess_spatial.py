"""Local Moran clusters in the assessment report: wiring, bilingual text, cluster map."""

from __future__ import annotations

import re

import numpy as np
import pytest

from regcoord.data import load_panel
from regcoord.errors import DataError
from regcoord.measure._validation import from_panel
from regcoord.measure.spatial_dynamics import local_moran
from regcoord.regions.contiguity import contiguity
from regcoord.report import charts
from regcoord.report.assess import build_report, run_assessment


def _square(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


@pytest.fixture(scope="module")
def china():
    panel = load_panel("china")
    return panel, run_assessment(
        panel, value="gdp_per_capita", permutations=99, bootstrap_replications=0, seed=3
    )


def test_assessment_local_moran_is_the_measure_on_province_contiguity(china):
    panel, a = china
    assert a.local_moran is not None and a.spatial_weights is not None
    vm, _ = from_panel(panel, "gdp_per_capita")
    ref = local_moran(vm, contiguity("province", codes=vm.regions), permutations=99, seed=3)
    np.testing.assert_array_equal(a.local_moran.local_i, ref.local_i)
    np.testing.assert_array_equal(a.local_moran.p_value, ref.p_value)
    assert "海南省—广东省" in a.spatial_weights.zh and "海南省 - 广东省" in a.spatial_weights.en
    d = a.to_dict()
    assert d["local_moran"]["clusters"]["2023"]["31"] in {"HH", "LL", "LH", "HL", "ns"}


def test_report_sections_in_both_languages_with_a_cluster_map(china):
    _, a = china
    lo = a.local_moran
    assert lo is not None
    bounds = {r: _square(float(i), 0.0) for i, r in enumerate(a.regions)}
    zh = build_report(a, lang="zh", boundaries=bounds).render()
    en = build_report(a, lang="en", boundaries=bounds).render()
    assert "空间集聚（局部莫兰指数）" in zh and "Spatial clusters (local Moran)" in en
    assert "LISA 聚类" in zh and "LISA clusters of" in en
    # every significant cluster of the last year is named in the text
    hh = [a.names[r][0] for r, c in zip(lo.regions, lo.cluster[-1], strict=True) if c == "HH"]
    section = zh[zh.rfind("空间集聚（局部莫兰指数）") :]
    for name in hh:
        assert name in section
    assert "Anselin, L. (1995)" in en
    without = build_report(a, lang="en").render()
    assert len(re.findall(r"<svg", en)) == len(re.findall(r"<svg", without)) + 1  # the cluster map


def test_other_regions_get_a_note_instead_of_clusters(mexico_panel):
    a = run_assessment(mexico_panel, value="pcgdp", permutations=19, seed=1)
    assert a.local_moran is None
    assert any("not Chinese administrative codes" in n.en for n in a.notes)


def test_category_map_checks_its_colours():
    bounds = {"a": _square(0, 0), "b": _square(1, 0)}
    svg = charts.category_map(bounds, {"a": "HH"}, colors={"HH": "#d7191c"}, labels={"HH": "high-high"})
    assert svg.startswith("<svg") and "high-high" in svg
    with pytest.raises(DataError, match="'XX' has no colour"):
        charts.category_map(bounds, {"a": "XX"}, colors={"HH": "#d7191c"})
