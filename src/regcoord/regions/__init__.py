"""Regions: a tree of administrative regions plus overlapping groupings."""

from regcoord.regions._china import NATION_CODE, china, province_boundaries, province_codes
from regcoord.regions._model import Group, Grouping, Level, Region, RegionTree

__all__ = [
    "NATION_CODE",
    "Group",
    "Grouping",
    "Level",
    "Region",
    "RegionTree",
    "china",
    "province_boundaries",
    "province_codes",
]
