"""Charts: inline SVG with text kept as text; Lorenz coordinates against hand calculations."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import colormaps
from matplotlib.colors import rgb2hex

from regcoord.errors import DataError
from regcoord.report import charts


def test_line_is_inline_svg_with_chinese_text():
    svg = charts.line([2015, 2016], {"泰尔 T": [0.1, 0.2], "Gini": [0.3, 0.25]}, title="差距", ylabel="值")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<metadata>" not in svg
    assert ">泰尔 T<" in svg and ">差距<" in svg  # text, not glyph paths
    assert "Noto Sans CJK SC" in svg


def test_line_rejects_misaligned_series():
    with pytest.raises(DataError, match="has 1 values for 2 x positions"):
        charts.line([1, 2], {"a": [1.0]})
    with pytest.raises(DataError, match="not numbers"):
        charts.line([1], {"a": ["x"]})


def test_bar_single_and_grouped():
    assert charts.bar(["北京", "上海"], [1.0, 2.0], title="t").count('<g id="patch_') >= 3
    grouped = charts.bar(["a", "b", "c"], {"2015": [1, 2, 3], "2023": [2, 3, 4]})
    assert ">2015<" in grouped and ">2023<" in grouped
    with pytest.raises(DataError, match="has 2 values for 3 labels"):
        charts.bar(["a", "b", "c"], {"x": [1, 2]})


def test_lorenz_points_by_hand():
    # unweighted 1,2,3,4 (total 10): cumulative shares 0, .1, .3, .6, 1
    p, lx = charts.lorenz_points([3, 1, 4, 2])
    np.testing.assert_allclose(p, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(lx, [0, 0.1, 0.3, 0.6, 1])
    # weighted: x = (2, 1), p = (1, 3): sorted 1 (w 3) then 2 (w 1); total p x = 5
    p, lx = charts.lorenz_points([2, 1], [1, 3])
    np.testing.assert_allclose(p, [0, 0.75, 1])
    np.testing.assert_allclose(lx, [0, 0.6, 1])
    with pytest.raises(DataError, match="non-negative"):
        charts.lorenz_points([1, -1])
    with pytest.raises(DataError, match="2 weights for 3 values"):
        charts.lorenz_points([1, 2, 3], [1, 1])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.01, 1000), st.floats(0.01, 10)),
        min_size=2,
        max_size=12,
    )
)
def test_lorenz_area_gives_the_weighted_gini(pairs):
    # Gini = 1 - 2 * area under the Lorenz curve = sum_ij p_i p_j |x_i - x_j| / (2 mu)
    x = np.array([a for a, _ in pairs])
    w = np.array([b for _, b in pairs])
    p, lx = charts.lorenz_points(x, w)
    gini_area = 1.0 - np.sum(np.diff(p) * (lx[1:] + lx[:-1]))
    s = w / w.sum()
    mu = np.sum(s * x)
    gini_pairs = np.sum(s[:, None] * s[None, :] * np.abs(x[:, None] - x[None, :])) / (2 * mu)
    assert gini_area == pytest.approx(gini_pairs, abs=1e-9)


def test_lorenz_chart():
    svg = charts.lorenz({"2015": ([1, 2, 3], None), "2023": ([1, 1, 4], [1, 2, 1])}, title="洛伦兹曲线")
    assert ">洛伦兹曲线<" in svg and ">2015<" in svg


def _square(x0: float, y0: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x0 + 1, y0], [x0 + 1, y0 + 1], [x0, y0 + 1], [x0, y0]]],
    }


def _fills(svg: str) -> list[str]:
    return re.findall(r"fill:\s*(#[0-9a-f]{6})", svg)


def test_choropleth_colours_follow_the_values():
    geoms = {"11": _square(116, 39), "12": _square(117, 39), "13": _square(115, 38)}
    svg = charts.choropleth(geoms, {"11": 10.0, "12": 30.0}, title="人均 GDP", legend_label="元")
    fills = _fills(svg)
    cmap = colormaps["YlOrRd"]
    assert rgb2hex(cmap(0.0)) in fills  # lowest value
    assert rgb2hex(cmap(1.0)) in fills  # highest value
    assert "#d9d9d9" in fills  # region 13 has no value
    assert "无数据" in svg and ">元<" in svg


def test_choropleth_from_feature_collection_and_shapely():
    shapely = pytest.importorskip("shapely.geometry")
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": 11}, "geometry": _square(0, 0)},
            {"type": "Feature", "properties": {"code": 12}, "geometry": _square(2, 0)},
        ],
    }
    svg = charts.choropleth(fc, {"11": 1.0, "12": 2.0})
    assert rgb2hex(colormaps["YlOrRd"](1.0)) in _fills(svg)
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    assert charts.choropleth({"31": multi}, {"31": 5.0}).startswith("<svg")
    with pytest.raises(DataError, match="no 'code' property"):
        charts.choropleth(
            {"type": "FeatureCollection", "features": [{"properties": {}, "geometry": _square(0, 0)}]}, {}
        )
    with pytest.raises(DataError, match="no geometries"):
        charts.choropleth({}, {})


def test_figure_svg_of_a_pyplot_figure_releases_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar(["东部", "西部"], [2.0, 1.0])
    num = fig.number
    svg = charts.figure_svg(fig)
    assert svg.startswith("<svg") and ">东部<" in svg
    assert not plt.fignum_exists(num)


def test_line_colours_follow_the_series():
    svg = charts.line([2020, 2021], {"yellow": [1, 2], "red": [3, 1]}, colors=["#d4a017", "#c62828"])
    assert "#d4a017" in svg and "#c62828" in svg
    with pytest.raises(DataError, match="1 colours for 2 series"):
        charts.line([2020, 2021], {"a": [1, 2], "b": [3, 1]}, colors=["red"])
