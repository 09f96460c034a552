"""Region tree and groupings."""

from __future__ import annotations

import pytest

from regcoord.errors import DataError, NotFound
from regcoord.regions import Group, Grouping, Level, Region, RegionTree, china, province_codes


def test_china_catalog_has_31_provinces_and_4_plates():
    t = china()
    assert len(t.at_level("province")) == 31
    assert [r.code for r in t.at_level(Level.PLATE)] == ["east", "central", "west", "northeast"]
    # NBS four-plate definition: east 10, central 6, west 12, northeast 3
    sizes = {g.code: len(g.members) for g in t.grouping("plate")}
    assert sizes == {"east": 10, "central": 6, "west": 12, "northeast": 3}
    assert province_codes()[0] == "11" and province_codes()[-1] == "65"
    assert t["44"].name_zh == "广东省" and t["44"].name("en") == "Guangdong"


def test_adcode_aliases_resolve():
    t = china()
    assert t["330000"].code == "33"
    assert "330000" in t and "99" not in t
    with pytest.raises(NotFound, match="unknown region code '99'"):
        t["99"]


def test_overlapping_groupings():
    t = china()
    shanghai = t.groups_of("31")
    assert [g.code for g in shanghai["plate"]] == ["east"]
    assert {g.code for g in shanghai["strategy"]} == {"yangtze-river-delta", "yangtze-river-economic-belt"}
    assert {g.code for g in t.groups_of("34")["basin"]} == {"xin-an-river-basin"}


def test_lowest_common_superior_routes_to_nation_for_provinces():
    t = china()
    assert t.lowest_common_superior("33", "34").code == "CN"
    assert t.lowest_common_superior("33", "34", "11").code == "CN"
    # a single party's superior is its parent; the root has none
    assert t.lowest_common_superior("33").code == "CN"
    with pytest.raises(NotFound):
        t.lowest_common_superior("CN")


def _small_tree() -> RegionTree:
    regions = [
        Region("CN", "中国", "China", Level.NATION),
        Region("33", "浙江省", "Zhejiang", Level.PROVINCE, "CN"),
        Region("3301", "杭州市", "Hangzhou", Level.PREFECTURE, "33"),
        Region("3302", "宁波市", "Ningbo", Level.PREFECTURE, "33"),
        Region("330102", "上城区", "Shangcheng", Level.COUNTY, "3301"),
        Region("34", "安徽省", "Anhui", Level.PROVINCE, "CN"),
        Region("3410", "黄山市", "Huangshan", Level.PREFECTURE, "34"),
    ]
    return RegionTree("test", regions)


def test_lowest_common_superior_within_a_province():
    t = _small_tree()
    assert t.lowest_common_superior("3301", "3302").code == "33"
    assert t.lowest_common_superior("330102", "3302").code == "33"
    assert t.lowest_common_superior("3301", "3410").code == "CN"
    # a party cannot be its own superior: strict goes one level up
    assert t.lowest_common_superior("33", "3301").code == "CN"
    assert t.lowest_common_superior("33", "3301", strict=False).code == "33"


def test_partition_rejects_region_in_two_groups():
    with pytest.raises(DataError, match="region '11' is in two groups of partition 'p'"):
        Grouping(
            "p",
            (Group("a", "甲", "A", frozenset({"11"})), Group("b", "乙", "B", frozenset({"11", "12"}))),
            partition=True,
        )


def test_grouping_with_unknown_member_is_rejected():
    t = _small_tree()
    with pytest.raises(DataError, match="unknown region '99'"):
        t.add_grouping(Grouping("g", (Group("a", "甲", "A", frozenset({"99"})),)))


def test_tree_rejects_dangling_parent():
    with pytest.raises(DataError, match="parent 'XX'"):
        RegionTree("bad", [Region("1", "一", "One", Level.PROVINCE, "XX")])
